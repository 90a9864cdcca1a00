#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""Independent Physics-IQ reference: upstream fastvideo.eval physics_iq
(utils.py, metric.py) restated with NumPy + cv2 on the frames the ffmpeg CLI
decodes with the core's conversion, compared with an fveval results file.

usage: reference.py MANIFEST RESULTS OPTIONS_JSON [--roundtrip-tol N]

OPTIONS_JSON holds the options the run used (target_fps, duration_seconds,
video_time_selection, threshold, alpha, roundtrip_generated_masks, take2_bgr).
Masks computed without the round trip must agree exactly; with it, the
generated masks go through cv2.VideoWriter/VideoCapture, and the script also
reports how many mask pixels differ from fveval's own round trip (via the
final statistics)."""
import json, os, subprocess, sys, tempfile

import cv2
import numpy as np

FFMPEG = os.environ.get("FFMPEG_CLI") or "ffmpeg"
FFPROBE = os.environ.get("FFPROBE_CLI") or "ffprobe"


def decode(path):
    info = json.loads(subprocess.run([FFPROBE, "-v", "error", "-select_streams", "v:0", "-show_entries",
                                      "stream=width,height", "-of", "json", path],
                                     check=True, capture_output=True).stdout)
    w, h = info["streams"][0]["width"], info["streams"][0]["height"]
    raw = subprocess.run([FFMPEG, "-v", "error", "-i", path, "-sws_flags", "bicubic+accurate_rnd+full_chroma_int",
                          "-f", "rawvideo", "-pix_fmt", "rgb24", "-"], check=True, capture_output=True).stdout
    return np.frombuffer(raw, np.uint8).reshape(-1, h, w, 3)


# ---- upstream utils.py, restated ----
def select_window(frames, n, selection):
    if selection != "first":
        start = max(frames.shape[0] - n, 0)
        return frames[start:start + n]
    return frames[:n]


def resize_frames(frames, size):
    if frames.size == 0:
        return frames
    return np.stack([cv2.resize(f, size) for f in frames], axis=0)


def rebinarize(m):
    if m.ndim == 4 and m.shape[-1] == 3:
        m = m[..., 0]
    return (m > 127).astype(np.uint8)


def read_capture(path):
    cap = cv2.VideoCapture(str(path))
    if not cap.isOpened():
        raise FileNotFoundError(path)
    out = []
    while True:
        ok, f = cap.read()
        if not ok:
            break
        out.append(f)
    cap.release()
    return np.stack(out, axis=0)


def roundtrip(masks, fps):
    fd, tmp = tempfile.mkstemp(suffix=".mp4")
    os.close(fd)
    os.unlink(tmp)
    try:
        wr = cv2.VideoWriter(tmp, cv2.VideoWriter_fourcc(*"mp4v"), fps, (masks.shape[2], masks.shape[1]),
                             isColor=False)
        for f in masks:
            wr.write(f)
        wr.release()
        return read_capture(tmp)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def gray(frame, order):
    g = cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY if order == "bgr" else cv2.COLOR_RGB2GRAY)
    return cv2.GaussianBlur(g, (5, 5), 0)


def motion_mask(frames, threshold, alpha, order):
    first = gray(frames[0], order)
    avg = first.astype("float")
    masks = [np.zeros_like(first, dtype=np.uint8)]
    k = np.ones((5, 5), np.uint8)
    for f in frames[1:]:
        g = gray(f, order)
        cv2.accumulateWeighted(g, avg, alpha)
        d = cv2.absdiff(g, cv2.convertScaleAbs(avg))
        _, b = cv2.threshold(d, threshold, 255, cv2.THRESH_BINARY)
        b = cv2.morphologyEx(b, cv2.MORPH_OPEN, k)
        b = cv2.morphologyEx(b, cv2.MORPH_CLOSE, k)
        masks.append(b)
    return np.stack(masks, axis=0)


def prepare_pair(gen, gen_order, ref, ref_order, gmask, rmask, o):
    n = o["target_fps"] * o["duration_seconds"]
    gen = select_window(gen, n, o["video_time_selection"])
    ref = ref[:n]
    if not len(gen) or not len(ref):
        raise ValueError("empty")
    size = (max(ref[0].shape[1] // 4, 1), max(ref[0].shape[0] // 4, 1))
    gq = resize_frames(gen, size).astype(np.float32) / 255.0
    rq = resize_frames(ref, size).astype(np.float32) / 255.0
    if gmask is not None:
        gm = rebinarize(resize_frames(select_window(gmask, n, "first"), size))
    else:
        m = motion_mask(gen, o["threshold"], o["alpha"], gen_order)
        if o["roundtrip_generated_masks"]:
            m = roundtrip(m, o["target_fps"])
        gm = rebinarize(resize_frames(m, size))
    if rmask is not None:
        rm = rebinarize(resize_frames(select_window(rmask, n, "first"), size))
    else:
        rm = rebinarize(resize_frames(motion_mask(ref, o["threshold"], o["alpha"], ref_order), size))
    return gq, rq, gm, rm


def iou(a, b):
    i = np.logical_and(a, b).sum()
    u = np.logical_or(a, b).sum()
    return 1.0 if u == 0 else float(i / u)


def values(pair):
    gq, rq, gm, rm = pair
    out = {}
    if len(rq) == len(gq):
        out["mse"] = [round(float(np.mean((a.astype(np.float32) - b.astype(np.float32)) ** 2)), 4)
                      for a, b in zip(rq, gq)]
    out["st"] = [round(iou(a, b), 4) for a, b in zip(rm, gm)]
    s1 = (np.max(rm, axis=0) > 0).astype(np.uint8) * 255
    s2 = (np.max(gm, axis=0) > 0).astype(np.uint8) * 255
    out["spatial"] = iou(s1, s2)
    w1 = np.sum(rm, axis=0, dtype=np.uint16) / len(rm)
    w2 = np.sum(gm, axis=0, dtype=np.uint16) / len(gm)
    inter, uni = np.minimum(w1, w2), np.maximum(w1, w2)
    valid = uni > 0
    out["weighted"] = 1.0 if np.sum(valid) == 0 else float(np.sum(inter[valid]) / np.sum(uni[valid]))
    return out


def mean(v):
    return float(np.asarray(list(v), dtype=np.float64).mean())


def piq_score(a, b):
    s = 100.0 * ((((mean(a["st"]) / mean(b["st"])) + (a["spatial"] / b["spatial"]) +
                   (a["weighted"] / b["weighted"])) / 3.0) - (mean(a["mse"]) - mean(b["mse"])))
    return round(float(np.clip(s, 0.0, 100.0)), 2)


def main():
    manifest, results, opts = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
    o = {"target_fps": 30, "duration_seconds": 5, "video_time_selection": "first", "threshold": 10,
         "alpha": 0.3, "roundtrip_generated_masks": True, "take2_bgr": False}
    o.update(opts)
    rows = [json.loads(l) for l in open(manifest) if l.strip()]
    res = json.load(open(results))
    cache = {}

    def frames(p):
        if p not in cache:
            cache[p] = decode(p)
        return cache[p]

    bad = 0
    payloads = []

    def check(what, got, want):
        nonlocal bad
        if isinstance(want, list):
            ok = got is not None and len(got) == len(want) and all(float(x) == float(y) for x, y in zip(got, want))
        else:
            ok = got is not None and float(got) == float(want)
        if not ok:
            bad += 1
            print(f"MISMATCH {what}: fveval {got} reference {want}")
        return ok

    def expect_error(what, got):
        nonlocal bad
        if got.get("score") is not None or not got.get("error"):
            bad += 1
            print(f"MISMATCH {what}: upstream raises, fveval gave {got}")

    for i, row in enumerate(rows):
        r = res["samples"][i]["results"]
        gen, ref = frames(row["video"]), frames(row["reference"])
        gmask = frames(row["video_mask"])[..., ::-1] if "video_mask" in row else None
        rmask = frames(row["reference_mask"])[..., ::-1] if "reference_mask" in row else None
        pair = prepare_pair(gen, "rgb", ref, "rgb", gmask, rmask, o)
        v = values(pair)
        if "physics_iq.mse" in r and "mse" not in v:
            expect_error(f"{i} mse (frame counts differ)", r["physics_iq.mse"])
        if "physics_iq.mse" in r and "mse" in v:
            check(f"{i} mse per_frame", r["physics_iq.mse"]["details"].get("per_frame"), v["mse"])
            check(f"{i} mse score", r["physics_iq.mse"]["score"], sum(v["mse"]) / len(v["mse"]))
        if "physics_iq.spatiotemporal_iou" in r:
            check(f"{i} st per_frame", r["physics_iq.spatiotemporal_iou"]["details"].get("per_frame"), v["st"])
            check(f"{i} st score", r["physics_iq.spatiotemporal_iou"]["score"], sum(v["st"]) / len(v["st"]))
        if "physics_iq.spatial_iou" in r:
            check(f"{i} spatial", r["physics_iq.spatial_iou"]["score"], v["spatial"])
        if "physics_iq.weighted_spatial_iou" in r:
            check(f"{i} weighted", r["physics_iq.weighted_spatial_iou"]["score"], v["weighted"])
        take2 = next((k for k in ("reference_take2", "real_take2", "take2") if k in row), None)
        if "physics_iq" in r and take2:
            t2 = frames(row[take2])
            t2, t2o = (t2[..., ::-1], "bgr") if o["take2_bgr"] else (t2, "rgb")
            t2m = frames(row["reference_take2_mask"])[..., ::-1] if "reference_take2_mask" in row else None
            b = values(prepare_pair(ref, "rgb", t2, t2o, rmask, t2m, o))
            d = r["physics_iq"]["details"]
            if "mse" not in v or "mse" not in b:
                expect_error(f"{i} physics_iq (frame counts differ)", r["physics_iq"])
                continue
            try:
                want_score = piq_score(v, b)
            except ZeroDivisionError:
                expect_error(f"{i} physics_iq (zero variance IoU)", r["physics_iq"])
                continue
            for key, want in (("mse_per_frame", v["mse"]), ("spatiotemporal_iou_per_frame", v["st"]),
                              ("spatial_iou", v["spatial"]), ("weighted_spatial_iou", v["weighted"]),
                              ("pv_mse_per_frame", b["mse"]), ("pv_spatiotemporal_iou_per_frame", b["st"]),
                              ("pv_spatial_iou", b["spatial"]), ("pv_weighted_spatial_iou", b["weighted"]),
                              ("mse_mean", sum(v["mse"]) / len(v["mse"])),
                              ("pv_spatiotemporal_iou_mean", sum(b["st"]) / len(b["st"]))):
                check(f"{i} physics_iq {key}", d.get(key), want)
            check(f"{i} physics_iq score", r["physics_iq"]["score"], want_score)
            payloads.append((v, b))
    if payloads and "physics_iq" in res.get("corpus", {}):
        a_mse = mean([x for v, _ in payloads for x in v["mse"]])
        a_st = mean([x for v, _ in payloads for x in v["st"]])
        a_s = mean([v["spatial"] for v, _ in payloads])
        a_ws = mean([v["weighted"] for v, _ in payloads])
        v_mse = mean([x for _, b in payloads for x in b["mse"]])
        v_st = mean([x for _, b in payloads for x in b["st"]])
        v_s = mean([b["spatial"] for _, b in payloads])
        v_ws = mean([b["weighted"] for _, b in payloads])
        s = 100.0 * ((((a_st / v_st) + (a_s / v_s) + (a_ws / v_ws)) / 3.0) - (a_mse - v_mse))
        c = res["corpus"]["physics_iq"]
        check("corpus score", c["score"], round(float(np.clip(s, 0.0, 100.0)), 2))
        for k, want in (("a_mse", a_mse), ("a_st", a_st), ("a_s", a_s), ("a_ws", a_ws), ("v_mse", v_mse),
                        ("v_st", v_st), ("v_s", v_s), ("v_ws", v_ws)):
            check(f"corpus {k}", c["details"].get(k), want)
    print(f"{bad} mismatch(es)")
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
