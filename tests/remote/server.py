# SPDX-License-Identifier: Apache-2.0
"""A scripted stand-in for an inference server, for the tests of the server-backed
metrics.  Listens on 127.0.0.1 (an ephemeral port, written to --port-file), answers
each POST from a script and logs what it received, one JSON line per request.

Script (JSON): {"answers": {KEY: [STEP, ...]}, "default": [STEP, ...]}.  KEY names
the sample a request is for (the chat API: the text after "Video prompt: " on its
line).  The steps of a key are used in turn, the last one again once they run out.
A STEP is {"status": 200, "json": {...}} or {"status": 200, "raw": "text"}, with an
optional "sleep" (seconds before answering) and "headers".

Log line: {"path", "key", "auth", "body" (the request, frames replaced by their
size), "frames": [[w, h], ...]}.  Received frames are saved as PNG files under
--frames-dir when given (NNNN_K.png: request number, frame number).
"""
import argparse
import base64
import io
import json
import os
import re
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

ap = argparse.ArgumentParser()
ap.add_argument("--script", required=True)
ap.add_argument("--log", required=True)
ap.add_argument("--port-file", required=True)
ap.add_argument("--frames-dir")
args = ap.parse_args()

script = json.load(open(args.script, encoding="utf-8"))
lock = threading.Lock()
served = {}
counter = [0]
active = [0]  # requests being answered now (the in-flight limit test reads it)


def png_size(data):
    if data[:8] != b"\x89PNG\r\n\x1a\n" or data[12:16] != b"IHDR":
        raise ValueError("not a PNG")
    return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")


def take_frames(body, frames_out):
    """Replace base64 frames in the chat body by their sizes; collect them."""
    for msg in body.get("messages", []):
        content = msg.get("content")
        if not isinstance(content, list):
            continue
        for item in content:
            for kind in ("image_url", "video_url"):
                if item.get("type") != kind:
                    continue
                url = item[kind]["url"]
                head, _, data = url.partition(";base64,")
                sizes = []
                for b64 in data.split(","):
                    raw = base64.b64decode(b64, validate=True)
                    if raw[:4] == b"\x89PNG":
                        sizes.append(list(png_size(raw)))
                    frames_out.append(raw)
                item[kind]["url"] = head + ";base64,<%d frames>" % len(sizes)
                item[kind]["sizes"] = sizes


def gemini_key(body):
    """Gemini generateContent: the key is the two videos' bytes (text files in the
    test), "V1|V2" in the order sent; inline data replaced by its text."""
    videos = []
    for content in body.get("contents", []):
        for part in content.get("parts", []):
            d = part.get("inlineData")
            if d:
                raw = base64.b64decode(d["data"], validate=True)
                d["data"] = raw.decode(errors="replace")
                if d["mimeType"].startswith("video/"):
                    videos.append(d["data"])
    return "|".join(videos)


def grit_key(body, frames_out):
    """GRiT protocol: the key is TASK:G:R, the frame's first pixel's green and red
    (the test clips number their clips and frames so); float frames are TASK:f32."""
    img = body["image"]
    raw = base64.b64decode(img["data"], validate=True)
    frames_out.append(raw)
    img["data"] = "<%d bytes>" % len(raw)
    body["sizes"] = [[img["width"], img["height"]]]
    if img["encoding"] != "png":
        return "%s:f32" % body["task"]
    from PIL import Image
    if list(png_size(raw)) != body["sizes"][0]:
        return "size mismatch"
    r, g = Image.open(io.BytesIO(raw)).convert("RGB").getpixel((0, 0))[:2]
    return "%s:%d:%d" % (body["task"], g, r)


def media_key(item, raw):
    """Clips of the scene test: first pixel green = 40 * clip, red = 10 * frame."""
    if item["type"] == "image_url":
        from PIL import Image
        r, g = Image.open(io.BytesIO(raw)).convert("RGB").getpixel((0, 0))[:2]
        return "png:%d:%d" % (round(g / 40), round(r / 10))
    import subprocess
    import tempfile
    with tempfile.NamedTemporaryFile(suffix=".mp4") as f:
        f.write(raw)
        f.flush()
        probe = json.loads(subprocess.run(
            [os.environ.get("FFPROBE_CLI") or "ffprobe", "-v", "error", "-count_frames", "-show_streams", "-of", "json", f.name],
            check=True, capture_output=True).stdout)["streams"][0]
        px = subprocess.run([os.environ.get("FFMPEG_CLI") or "ffmpeg", "-v", "error", "-i", f.name, "-frames:v", "1", "-f",
                             "rawvideo", "-pix_fmt", "rgb24", "-"],
                            check=True, capture_output=True).stdout
    item["mp4"] = {k: probe.get(k) for k in ("codec_name", "pix_fmt", "r_frame_rate",
                                              "nb_read_frames", "width", "height")}
    return "mp4:%d" % round(px[1] / 40)


def key_of(body, frames):
    """The chat API: the text after "Video prompt: ", else the first medium's key."""
    items = [item for msg in body.get("messages", []) if isinstance(msg.get("content"), list)
             for item in msg["content"]]
    for item in items:
        m = re.search(r"Video prompt: (.*)", item.get("text", "")) if item.get("type") == "text" else None
        if m:
            return m.group(1)
    for item in items:
        if frames and item.get("type") in ("image_url", "video_url"):
            return media_key(item, frames[0])
    return None


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *a):
        pass

    def do_POST(self):
        n = int(self.headers.get("Content-Length", "0"))
        raw = self.rfile.read(n)
        frames = []
        try:
            body = json.loads(raw)
            if "task" in body:
                key = grit_key(body, frames)
            elif "contents" in body:
                key = gemini_key(body)
            else:
                take_frames(body, frames)
                key = key_of(body, frames)
        except Exception as e:  # the test then fails on the log
            body, key = {"unparsed": str(e)}, None
        with lock:
            counter[0] += 1
            num = counter[0]
            active[0] += 1
            now_active = active[0]
            steps = script.get("answers", {}).get(key, script.get("default", []))
            i = served.get(key, 0)
            served[key] = i + 1
            step = steps[min(i, len(steps) - 1)] if steps else {"status": 404, "json": {}}
            with open(args.log, "a", encoding="utf-8") as f:
                f.write(json.dumps({"n": num, "path": self.path, "key": key,
                                    "auth": self.headers.get("Authorization"),
                                    "goog_key": self.headers.get("x-goog-api-key"),
                                    "active": now_active,
                                    "frames": body.get("sizes") or
                                    [list(png_size(fr)) for fr in frames
                                     if fr[:4] == b"\x89PNG"],
                                    "body": body}) + "\n")
        if args.frames_dir:
            for k, fr in enumerate(frames):
                ext = "png" if fr[:4] == b"\x89PNG" else ("f32" if "task" in body else "mp4")
                open("%s/%04d_%d.%s" % (args.frames_dir, num, k, ext), "wb").write(fr)
        if step.get("sleep"):
            time.sleep(step["sleep"])
        with lock:
            active[0] -= 1
        out = step["raw"].encode() if "raw" in step else json.dumps(step.get("json", {})).encode()
        try:
            self.send_response(step.get("status", 200))
            for h, v in step.get("headers", {}).items():
                self.send_header(h, v)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(out)))
            self.end_headers()
            self.wfile.write(out)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (a timeout test)


server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
server.daemon_threads = True
with open(args.port_file + ".tmp", "w") as f:
    f.write(str(server.server_address[1]))
os.replace(args.port_file + ".tmp", args.port_file)
server.serve_forever()
