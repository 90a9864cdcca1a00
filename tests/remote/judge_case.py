# SPDX-License-Identifier: Apache-2.0
"""judge.third_person_separation test case: rollout files (the judge sends files as
they are, so plain bytes do), a scripted Gemini generateContent, the checks.

  judge_case.py make DIR
  judge_case.py check DIR LOG RESULTS [K]
"""
import hashlib
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from judge_prompts import RUBRIC, SYSTEM_PROMPT, USER_TASK  # noqa: E402

# (candidate, baseline, action text, action label): the server prefers the video whose
# bytes say GOOD, and calls a tie when both or neither do.
PAIRS = [("a1.mp4", "b1.mp4", "walk left", "left"),
         ("a2.mp4", "b2.mp4", "walk right", "right"),
         ("a3.mp4", "b3.mp4", "", "right")]
CONTENT = {"a1.mp4": b"GOOD a1", "b1.mp4": b"bad b1", "a2.mp4": b"bad a2",
           "b2.mp4": b"GOOD b2", "a3.mp4": b"bad a3", "b3.mp4": b"bad b3",
           "a4.mp4": b"down a4", "b4.mp4": b"down b4", "img1.png": b"first frame 1"}


def verdict(winner):
    text = json.dumps({"video_1_analysis": "x", "video_2_analysis": "y", "comparison": "z",
                       "winner": winner})
    return {"json": {"candidates": [{"content": {"role": "model", "parts": [{"text": text}]}}]}}


def make(d):
    for name, data in CONTENT.items():
        open(os.path.join(d, name), "wb").write(data)
    # Absolute paths: the seed and the cache key hash the paths as the sample holds them.
    at = lambda n: os.path.join(os.path.abspath(d), n)  # noqa: E731
    rows = [{"video": at(c), "reference": at(b), "text_prompt": t, "action": a}
            for c, b, t, a in PAIRS]
    rows[0]["image_path"] = at("img1.png")
    with open(os.path.join(d, "pairs.jsonl"), "w") as f:
        for r in rows:
            f.write(json.dumps(r) + "\n")
    with open(os.path.join(d, "down.jsonl"), "w") as f:
        f.write(json.dumps({"video": "a4.mp4", "reference": "b4.mp4", "text_prompt": "x"}) + "\n")
    answers = {}
    for c, b, _, _ in PAIRS:
        for v1, v2 in ((c, b), (b, c)):
            g1, g2 = CONTENT[v1].startswith(b"GOOD"), CONTENT[v2].startswith(b"GOOD")
            w = "video_1" if g1 and not g2 else "video_2" if g2 and not g1 else "tie"
            answers["%s|%s" % (CONTENT[v1].decode(), CONTENT[v2].decode())] = [verdict(w)]
    for k in ("down a4|down b4", "down b4|down a4"):
        answers[k] = [{"status": 500, "json": {"error": {"message": "backend unavailable"}}}]
    json.dump({"answers": answers}, open(os.path.join(d, "judge.json"), "w"))


def check(d, log, results, k=3):
    k = int(k)
    reqs = [json.loads(l) for l in open(log, encoding="utf-8")]
    res = json.load(open(results))
    bad = []

    def want(cond, what):
        if not cond:
            bad.append(what)

    for r in reqs:
        b = r["body"]
        want(r["path"] == "/v1beta/models/gemini-2.5-pro:generateContent", "path %s" % r["path"])
        want(r["goog_key"] == "gem-key-9", "x-goog-api-key header")
        want(r["auth"] is None, "no Authorization header")
        want(b["systemInstruction"] == {"parts": [{"text": SYSTEM_PROMPT}]}, "system prompt")
        g = b["generationConfig"]
        want(g["temperature"] == 0.4 and g["responseMimeType"] == "application/json" and
             g["responseSchema"]["properties"]["winner"]["enum"] == ["video_1", "video_2", "tie"],
             "generation config %s" % g)
        parts = b["contents"][0]["parts"]
        want(parts[-1] == {"text": "\n" + RUBRIC + "\n\n" + USER_TASK}, "rubric and task")
    # Order of the k calls: candidate first when (sha1("cand|base") + i) % 2 == 0.
    for c, base, text, _ in PAIRS:
        ac, ab = (os.path.join(os.path.abspath(d), n) for n in (c, base))
        seed = int(hashlib.sha1(("%s|%s" % (ac, ab)).encode()).hexdigest(), 16)
        got = [r["key"].split("|")[0] for r in reqs
               if sorted(r["key"].split("|")) == sorted([CONTENT[c].decode(), CONTENT[base].decode()])]
        exp = [CONTENT[c if (seed + i) % 2 == 0 else base].decode() for i in range(k)]
        want(got == exp, "order of %s: %s, want %s" % (c, got, exp))
    first = [r for r in reqs if r["key"].startswith(("GOOD a1", "bad b1"))][0]
    texts = [p.get("text") for p in first["body"]["contents"][0]["parts"]]
    want(texts[:2] == ["walk left", "\nFirst frame (input condition, shared by BOTH videos):"] and
         texts[3] == "\nVideo 1 (model A's full rollout \u2014 watch it in motion):", "parts %s" % texts[:4])
    third = [r for r in reqs if r["key"].startswith(("bad a3", "bad b3"))][0]
    want(third["body"]["contents"][0]["parts"][0] == {"text": "Compare these two rollouts."},
         "empty action text")
    # a1 wins every call, b2 beats a2, a3/b3 tie: wins 1, losses 1, ties 1 -> 1 / 2.
    c = res["corpus"]["judge.third_person_separation"]
    det = c["details"]
    want(c["score"] == 0.5 and det["wins"] == 1 and det["losses"] == 1 and det["ties"] == 1 and
         det["n"] == 3 and det["win_rate_excl_ties"] == 0.5, "corpus %s" % c)
    want(det["per_action"] == {
        "left": {"n": 1, "wins": 1, "losses": 0, "ties": 0, "win_rate": 1.0},
        "right": {"n": 2, "wins": 0, "losses": 1, "ties": 1, "win_rate": 0.0}},
        "per_action %s" % det["per_action"])
    if bad:
        print("\n".join(bad))
        sys.exit(1)


if __name__ == "__main__":
    make(sys.argv[2]) if sys.argv[1] == "make" else check(*sys.argv[2:])
