#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""GRiT detection service for fveval's vbench.object_class, multiple_objects, color and
spatial_relationship (protocol: tools/servers/README.md).

Wraps VBench's own GRiT code (vbench/third_party/grit_model.py) and checkpoint
(grit_b_densecap_objectdet.pth from HF OpenGVLab/VBench_Used_Models), the way
fastvideo.eval's _grit_helper loads it, and answers each frame with exactly what
DenseCaptioning.run_caption_tensor returns.  Run it where detectron2 and VBench are
installed (a GPU machine):

    python3 grit_server.py --checkpoint /models/grit_b_densecap_objectdet.pth \
        --vbench /src/VBench --device cuda:0 --host 127.0.0.1 --port 8001

Not run by fveval's test suite (it needs detectron2 and the 1.4 GB checkpoint).
"""
import argparse
import base64
import io
import json
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import numpy as np

ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
ap.add_argument("--checkpoint", required=True, help="grit_b_densecap_objectdet.pth")
ap.add_argument("--vbench", help="a VBench checkout to put on sys.path (else installed vbench)")
ap.add_argument("--device", default="cuda:0")
ap.add_argument("--host", default="127.0.0.1", help="address to listen on (127.0.0.1: this machine only)")
ap.add_argument("--port", type=int, default=8001)
args = ap.parse_args()
if args.vbench:
    sys.path.insert(0, args.vbench)

# As fastvideo.eval's _grit_helper: registering GRiT's datasets and architectures twice
# (two models in one process) must not assert.
from fvcore.common.registry import Registry  # noqa: E402
from detectron2.data import DatasetCatalog  # noqa: E402

_do_register = Registry._do_register


def _register_once(self, name, obj):
    if name not in self._obj_map:
        _do_register(self, name, obj)


Registry._do_register = _register_once
_catalog_register = DatasetCatalog.register


def _catalog_once(name, func):
    if name not in DatasetCatalog.list():
        _catalog_register(name, func)


DatasetCatalog.register = _catalog_once

from vbench.third_party.grit_model import DenseCaptioning  # noqa: E402

models = {}
for task in ("DenseCap", "ObjectDet"):
    m = DenseCaptioning(args.device)
    if task == "DenseCap":
        m.initialize_model(model_weight=args.checkpoint)
    else:
        m.initialize_model_det(model_weight=args.checkpoint)
    models[task] = m
lock = threading.Lock()  # one frame on the GPU at a time


def frame_of(image):
    """The request's frame as float32 HWC RGB 0..255, as _grit_helper.prepare_frames."""
    raw = base64.b64decode(image["data"])
    w, h = int(image["width"]), int(image["height"])
    if image["encoding"] == "png":
        from PIL import Image
        a = np.asarray(Image.open(io.BytesIO(raw)).convert("RGB"), dtype=np.float32)
    elif image["encoding"] == "f32":
        a = np.frombuffer(raw, dtype="<f4").reshape(h, w, 3).astype(np.float32)
    else:
        raise ValueError("unknown encoding %r" % image["encoding"])
    if a.shape != (h, w, 3):
        raise ValueError("frame is %s, the request says %dx%d" % (a.shape, w, h))
    return a


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def reply(self, status, obj):
        out = json.dumps(obj).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(out)))
        self.end_headers()
        self.wfile.write(out)

    def do_POST(self):
        try:
            req = json.loads(self.rfile.read(int(self.headers.get("Content-Length", "0"))))
            task = req["task"]
            if task not in models:
                return self.reply(400, {"error": {"message": "task must be DenseCap or ObjectDet"}})
            frame = frame_of(req["image"])
        except Exception as e:  # a malformed request
            return self.reply(400, {"error": {"message": str(e)}})
        try:
            with lock:
                ret = models[task].run_caption_tensor(frame)
            caps = ret[0] if isinstance(ret, tuple) else ret
            result = [[str(d), [int(v) for v in box], [str(c) for c in objs]]
                      for d, box, objs in (caps or [])]
            self.reply(200, {"result": result})
        except Exception as e:  # e.g. CUDA out of memory: fveval retries 5xx
            self.reply(500, {"error": {"message": "%s: %s" % (type(e).__name__, e)}})


print("GRiT service on http://%s:%d/grit" % (args.host, args.port), file=sys.stderr)
ThreadingHTTPServer((args.host, args.port), Handler).serve_forever()
