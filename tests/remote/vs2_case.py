# SPDX-License-Identifier: Apache-2.0
"""videoscore2 test case: the inputs, the server's script, and the checks of what the
server received and what fveval wrote.  Every expected score below is computed by
hand from the scripted logprobs (comments), not by code shared with fveval.

  vs2_case.py make DIR          clips, manifest.jsonl, script.json
  vs2_case.py check DIR LOG RESULTS
"""
import json
import math
import os
import sys

import numpy as np
from PIL import Image

EN = "\u2013"
# FastVideo's template, written out independently of the C copy.
TEMPLATE = ("\n    You are an expert for evaluating AI-generated videos from three dimensions:\n"
            "    (1) visual quality " + EN + " clarity, smoothness, artifacts;\n"
            "    (2) text-to-video alignment " + EN + " fidelity to the prompt;\n"
            "    (3) physical/common-sense consistency " + EN +
            " naturalness and physics plausibility.\n\n"
            "    Video prompt: {}\n\n"
            "    Please output in this format:\n"
            "    visual quality: <v_score>;\n"
            "    text-to-video alignment: <t_score>,\n"
            "    physical/common-sense consistency: <p_score>\n    ")


def tok(text, top=None, raw=None):
    b = list(raw if raw is not None else text.encode())
    return {"token": text, "logprob": -0.01, "bytes": b,
            "top_logprobs": top if top is not None else [{"token": text, "logprob": -0.01}]}


def alts(**p):
    return [{"token": k[1:], "logprob": math.log(v)} for k, v in p.items()]


def answer(tokens):
    text = b"".join(bytes(t["bytes"]) for t in tokens).decode()
    return {"id": "x", "object": "chat.completion",
            "choices": [{"index": 0, "message": {"role": "assistant", "content": text},
                         "logprobs": {"content": tokens}, "finish_reason": "stop"}]}


# Sample "a cat": the en dash split over two tokens (bytes), three digits with lists.
ANS_A = answer([
    tok("<think>"), tok("fine"), tok("</think>"), tok("("), tok("1"), tok(")"),
    tok(" visual"), tok(" quality"), tok(" "), tok("bytes:\\xe2", raw=b"\xe2"),
    tok("bytes:\\x80\\x93", raw=b"\x80\x93"), tok(" clarity, smoothness, artifacts"), tok(":"),
    tok(" "), tok("4", alts(_4=0.6, _3=0.3, _5=0.05, _four=0.01)), tok("\n"),
    tok("(2) text-to-video alignment"), tok(":"), tok(" "),
    tok("3", alts(_3=0.7, _2=0.2, _4=0.1)), tok("\n"),
    tok("(3) physical/common-sense consistency"), tok(":"), tok(" "),
    tok("5", alts(_5=0.9, _x=0.05)),
])
# p = (.3, .6, .05) for 3, 4, 5: 4 * .6 / .95 = 2.526315... -> 2.5263
# p = (.2, .7, .1) for 2, 3, 4: 3 * .7 / 1.0 = 2.1
# p = (.9) for 5: 5 * .9 / .9 = 5.0
WANT_A = {"visual_quality": 2.5263, "text_alignment": 2.1, "physical_consistency": 5.0,
          "visual_quality_hard": 4, "text_alignment_hard": 3, "physical_consistency_hard": 5,
          "score": (2.5263 + 2.1 + 5.0) / 3}

# Sample "a dog" (429 first): the second digit inside a token " 3," (no token ends at
# it: null), the third digit's list without 1..5 (null).
ANS_B = answer([
    tok("(1) visual quality: "), tok("2", alts(_2=0.5, _1=0.25)), tok("\n"),
    tok("(2) text-to-video alignment:"), tok(" 3,", alts(_3=0.9)), tok("\n"),
    tok("(3) physical/common-sense consistency: "), tok("1", alts(_a=0.5, _b=0.4)),
])
# 2 * .5 / .75 = 1.3333...
WANT_B = {"visual_quality": 1.3333, "text_alignment": None, "physical_consistency": None,
          "visual_quality_hard": 2, "text_alignment_hard": 3, "physical_consistency_hard": 1,
          "score": 1.3333}

# Sample "a fox": nothing parses -> 0.0, as upstream.
ANS_F = answer([tok("I cannot rate this video.")])
WANT_F = {"visual_quality": None, "visual_quality_hard": None, "score": 0.0}


def clip(d, name, n, w, h, kind="flat"):
    os.makedirs(os.path.join(d, name))
    for i in range(n):
        if kind == "flat":
            a = np.zeros((h, w, 3), np.uint8)
            a[..., 0] = i * 5
            a[..., 1] = 255 - i * 5
            a[..., 2] = 7
        else:  # detail for the resize check
            y, x = np.mgrid[0:h, 0:w]
            a = np.stack([(x * 7 + y * 3) % 256, (x * x // 5 + y) % 256,
                          ((x // 9 + y // 3) % 2) * 255], -1).astype(np.uint8)
        Image.fromarray(a).save(os.path.join(d, name, "f%03d.png" % i))


def make(d):
    clip(d, "a", 48, 20, 12)
    clip(d, "b", 3, 1000, 40, "detail")
    for n in "cdef":
        clip(d, n, 2, 16, 16)
    rows = [("a", "a cat"), ("b", "a dog"), ("c", "a cow"), ("d", "a bee"), ("e", "an owl"),
            ("f", "a fox")]
    with open(os.path.join(d, "manifest.jsonl"), "w") as f:
        for v, p in rows:
            f.write(json.dumps({"video": v, "text_prompt": p, "fps": 24}) + "\n")
    script = {"answers": {
        "a cat": [{"json": ANS_A}],
        "a dog": [{"status": 429, "json": {"error": {"message": "slow down"}}}, {"json": ANS_B}],
        "a cow": [{"status": 500, "json": {"error": {"message": "CUDA out of memory"}}}],
        "a bee": [{"raw": "{\"choices\": [oops"}],
        "an owl": [{"sleep": 3, "json": ANS_F}],
        "a fox": [{"json": ANS_F}],
    }}
    json.dump(script, open(os.path.join(d, "script.json"), "w"))


def check(d, log, results):
    reqs = [json.loads(l) for l in open(log, encoding="utf-8")]
    res = json.load(open(results))
    out = {s["text_prompt"] if "text_prompt" in s else s["video"]: s for s in res["samples"]}
    by_key = {}
    for r in reqs:
        by_key.setdefault(r["key"], []).append(r)
    bad = []

    def want(cond, what):
        if not cond:
            bad.append(what)

    # Request shape, checked on every request.
    for r in reqs:
        b = r["body"]
        want(r["path"] == "/v1/chat/completions", "path %s" % r["path"])
        want(b["model"] == "TIGER-Lab/VideoScore2", "model")
        want(b["temperature"] == 0 and b["max_tokens"] == 1024, "sampling %s" % b)
        want(b["logprobs"] is True and b["top_logprobs"] == 20, "logprobs")
        want(b["mm_processor_kwargs"] == {"fps": 2.0}, "fps")
        c = b["messages"][0]["content"]
        want(b["messages"][0]["role"] == "user" and len(c) == 2, "one user message")
        want(c[0]["type"] == "video_url" and c[1]["type"] == "text", "video then text")
        want(c[1]["text"] == TEMPLATE.format(r["key"]), "prompt bytes for %r" % r["key"])
        want(r["auth"] == "Bearer test-key-123", "key header %r" % r["auth"])
    # 48 frames at 24 fps -> round(2 s * 2) = 4: linspace(0, 47, 4) = 0, 15, 31, 47.
    a = by_key["a cat"][0]
    want(a["frames"] == [[20, 12]] * 4, "clip a frames %s" % a["frames"])
    # 3 frames at 24 fps -> max(1, round(0.25)) = 1 frame; 1000x40 -> 960x38.
    want(by_key["a dog"][0]["frames"] == [[960, 38]], "clip b %s" % by_key["a dog"][0]["frames"])
    want(len(by_key["a dog"]) == 2, "429 then success: 2 requests")
    want(len(by_key["a cow"]) == 2, "500: retries=2 attempts, got %d" % len(by_key["a cow"]))

    def near(x, y):
        return (x is None and y is None) or (x is not None and y is not None and
                                             abs(x - y) <= 1e-12)

    for key, exp in (("a cat", WANT_A), ("a dog", WANT_B), ("a fox", WANT_F)):
        r = out[key]["results"]["videoscore2"]
        for k, v in exp.items():
            got = r["score"] if k == "score" else r["details"].get(k, "absent")
            want(near(got, v), "%s %s = %r, want %r" % (key, k, got, v))
    want("raw_output" in out["a cat"]["results"]["videoscore2"]["details"], "raw_output")
    for key, text in (("a cow", "HTTP 500"), ("a cow", "CUDA out of memory"),
                      ("a bee", "malformed JSON"), ("an owl", "within 0.5 s")):
        r = out[key]["results"]["videoscore2"]
        want(r["score"] is None and text in json.dumps(r), "%s: %s in %s" % (key, text, r))
    if bad:
        print("\n".join(bad))
        sys.exit(1)


def frames_checks(frames_dir, clipdir):
    """The frames the server got: indices of clip a; clip b equal to PIL's LANCZOS."""
    files = sorted(os.listdir(frames_dir))
    vals = []
    for f in files:
        a = np.asarray(Image.open(os.path.join(frames_dir, f)).convert("RGB"))
        if a.shape[:2] == (12, 20):
            vals.append(int(a[0, 0, 0]) // 5)
        elif a.shape[:2] == (38, 960):
            src = Image.open(os.path.join(clipdir, "b", "f000.png"))
            ref = np.asarray(src.resize((960, 38), Image.LANCZOS)).astype(int)
            diff = np.abs(a.astype(int) - ref)
            print("lanczos vs PIL: max %d" % diff.max())
            if diff.max() != 0:
                sys.exit("the resized frame differs from PIL's LANCZOS")
    if vals[:4] != [0, 15, 31, 47]:
        sys.exit("clip a frames %s, want [0, 15, 31, 47]" % vals)


if __name__ == "__main__":
    if sys.argv[1] == "make":
        make(sys.argv[2])
    elif sys.argv[1] == "frames":
        frames_checks(sys.argv[2], sys.argv[3])
    else:
        check(*sys.argv[2:5])
