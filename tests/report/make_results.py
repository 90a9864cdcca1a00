#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""Results documents for the report tests, as `fveval run` writes them.

make_results.py DIR: writes in DIR
  a.json    schema 2, 40 samples: scores, skips, errors, a warning, a
            reference-only sample, a corpus score, HTML-special text
  b.json    schema 1 (skip reasons and errors inside details), the same
            samples with other scores, one sample fewer
  big.json  schema 2, 10 000 samples, 50 distinct skip reasons
  bigb.json big.json's schema 1 counterpart with other scores, one sample fewer
"""
import json
import os
import random
import sys


def result(score=None, skipped=None, error=None, schema=2):
    if schema == 1:
        details = {}
        if skipped is not None:
            details["skipped"] = skipped
        if error is not None:
            details["skipped"] = "error: " + error
            details["error"] = True
        return {"score": score, "details": details}
    return {"score": score, "skipped": skipped, "error": error, "details": {"frames": 4}}


def document(n, seed, schema=2, shift=0.0, drop=None):
    rnd = random.Random(seed)
    samples = []
    for i in range(n):
        if i == drop:
            continue
        res = {}
        if i % 7 == 3:
            res["test.psnr"] = result(skipped="missing field 'reference'", schema=schema)
        elif i % 11 == 5:
            res["test.psnr"] = result(error="decode failed: <b>bad</b> & \"x\" </script>", schema=schema)
        else:
            res["test.psnr"] = result(rnd.gauss(30 + shift, 3), schema=schema)
        # a lower-is-better metric, equal in both runs for even samples
        res["test.mse"] = result(round(i * 0.25, 2) if i % 2 == 0 else rnd.random() + shift, schema=schema)
        if n > 1000 and i % 200 == 1:  # more distinct reasons than the page groups
            res["test.mse"] = result(skipped="no motion in clip %d" % i, schema=schema)
        s = {"index": i, "video": "gen/clip%05d.mp4" % i, "reference": "ref/clip%05d.mp4" % i,
             "text_prompt": "a cat <i>jumps</i>", "role": "generated", "results": res}
        if i == 2:
            s["warnings"] = ["frame rates differ: 24 vs 25"]
        samples.append(s)
    samples.append({"index": n, "reference": "ref/extra.mp4", "role": "reference", "results": {}})
    if schema == 1:
        summary = {"test.psnr": {"higher_is_better": True}, "test.mse": {"higher_is_better": False}}
    else:
        summary = {"test.psnr": {"direction": "higher", "higher_is_better": True},
                   "test.mse": {"direction": "lower", "higher_is_better": False}}
    return {
        "fveval": {"version": "0.1.0", "schema": schema},
        "run": {"started": "2026-01-01T00:00:00Z", "finished": "2026-01-01T00:01:%02dZ" % seed,
                "device": "cpu", "jobs": 2,
                "argv": ["fveval", "run", "--videos", "gen dir/", "-m", "test.psnr,test.mse,test.set"],
                "metrics": {
                    "test.psnr": {"version": "1.0", "path": "/p/psnr", "kind": "per-sample", "options": {}},
                    "test.mse": {"version": "1.%d" % seed, "path": "/p/mse", "kind": "per-sample",
                                 "options": {"scale": 1}},
                    "test.set": {"version": "1.0", "path": "/p/set", "kind": "set", "options": {}}}},
        "samples": samples,
        "corpus": {"test.set": result(123.5 + shift, schema=schema)},
        "summary": summary,
    }


def main():
    out = sys.argv[1]
    docs = {"a.json": document(40, 1), "b.json": document(40, 2, schema=1, shift=1.0, drop=9),
            "big.json": document(10000, 3), "bigb.json": document(10000, 4, schema=1, shift=1.0, drop=9)}
    for name, doc in docs.items():
        with open(os.path.join(out, name), "w") as f:
            json.dump(doc, f, indent=1)


main()
