#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# libfveval-torch against modules and tensors made by Python's torch
# (Debian's python3-torch), a tensor it saves read back by torch.load, and
# the model services end to end through `fveval run` (test.torch).
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/run/clips.sh"
/usr/bin/python3 -c 'import torch' 2>/dev/null || { echo "FAIL: /usr/bin/python3 lacks torch (python3-torch)" >&2; exit 99; }
cd "$TMPDIR_TEST"
mkdir models
/usr/bin/python3 "$top_srcdir/tests/torch/make_shim_models.py" models || exit 99
expect_rc 0 "$top_builddir/tests/torch/test_torch" models && pass "shim API"
expect_rc 0 /usr/bin/python3 "$top_srcdir/tests/torch/check_saved.py" models/saved.pt && pass "torch.load reads tensor_save"

make_clip a.mp4 32 32 5 3
R="$FVEVAL --plugin-path $top_builddir/tests/plugins"
expect_rc 0 $R run --videos a.mp4 -m test.torch,test.mean --model-dir models -o r.json -q
/usr/bin/python3 - <<'PY' && pass "forward through the host services" || fail "forward through the host services"
import json
r = json.load(open("r.json"))["samples"][0]["results"]
t, m = r["test.torch"], r["test.mean"]
x = t["details"]["input"]
assert abs(x - m["score"]) < 1e-4, (x, m)
assert abs(t["score"] - (x * 2 + 3) * 10) < 1e-3, t
assert t["details"]["ndim"] == 1 and t["details"]["dim0"] == 1, t
PY
/usr/bin/python3 -c 'import json; r=json.load(open("r.json"))["samples"][0]["results"]["test.torch"]["details"]; assert r["half_input"] is False and r["half_weight"] is False, r' \
    && pass "fp32 by default" || fail "fp32 by default"
expect_rc 0 $R run --videos a.mp4 -m test.torch:precision=fp16,test.mean --model-dir models -o r.json -q
/usr/bin/python3 - <<'PY' && pass "fp16 through fveval_model_load_precision" || fail "fp16 through the host"
import json
import numpy as np
r = json.load(open("r.json"))["samples"][0]["results"]
t, x = r["test.torch"], r["test.mean"]["score"]
assert t["details"]["half_input"] is True and t["details"]["half_weight"] is True, t
# forward runs in half: the input is rounded to half first, then each op in half
h = np.float16(np.float32(x))
want = float((h * np.float16(2) + np.float16(3)) * np.float16(10))
assert t["score"] == want, (t["score"], want)
PY
# The needed file only: sealed.pt being absent does not matter for file=toy.
expect_rc 0 $R run --videos a.mp4 -m test.torch --model-dir models -o r.json -q --strict
printf 'not this\n' > models/sealed.pt
expect_rc 0 $R run --videos a.mp4 -m test.torch:file=sealed.pt --model-dir models -o r.json -q
/usr/bin/python3 -c 'import json; r=json.load(open("r.json"))["samples"][0]["results"]["test.torch"]; assert r["score"] is None and "refusing to load" in r["skipped"], r' \
    && pass "wrong sha256 refused" || fail "wrong sha256"
expect_rc 1 $R run --videos a.mp4 -m test.torch:file=undeclared.pt --model-dir models -o r.json -q
/usr/bin/python3 -c 'import json; r=json.load(open("r.json"))["samples"][0]["results"]["test.torch"]; assert "setup failed: model file '"'"'undeclared.pt'"'"' is not declared" in r["error"], r' \
    && pass "undeclared file refused" || fail "undeclared file"
cp models/plain.pt models/toy.pt
expect_rc 1 $R run --videos a.mp4 -m test.torch --model-dir models -o r.json -q
/usr/bin/python3 -c 'import json; r=json.load(open("r.json"))["samples"][0]["results"]["test.torch"]; s=r["error"]; assert s.startswith("setup failed: cannot load") and "toy.pt" in s, r' \
    && pass "not TorchScript: a one-line reason" || fail "not TorchScript"
expect_rc 2 $R run --videos a.mp4 -m test.mean --device cuda:0 -o r.json && one_line && contains "device 'cuda:0' is not available" && contains "available: cpu"
expect_rc 2 $R run --videos a.mp4 -m test.mean --device tpu -o r.json && one_line && contains "unknown device 'tpu'"
/usr/bin/python3 "$top_srcdir/tests/torch/make_shim_models.py" models || exit 99
FVEVAL_TORCH_MODULE=/nonexistent/fveval-torch expect_rc 1 $R run --videos a.mp4 -m test.torch --model-dir models -o r.json -q
/usr/bin/python3 -c 'import json; r=json.load(open("r.json"))["samples"][0]["results"]["test.torch"]; assert "model runtime module /nonexistent/fveval-torch.so is not installed" in r["error"], r' \
    && pass "runtime module missing: a clear reason" || fail "runtime module missing"
finish
