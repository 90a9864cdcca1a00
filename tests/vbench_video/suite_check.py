#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
# Independent check of `fveval run --suite vbench`: from the suite file and the
# directory listing alone, the samples there should be (one per video named
# "<prompt>-<index>.<ext>" of a selected dimension), what each carries (text_prompt,
# the merged auxiliary_info of its dimensions), which metrics score it, the missing
# and unmatched files, and each dimension's aggregate (VBench's frame weighting for
# subject/background consistency, a mean elsewhere, "not run" without a metric).
# Usage: suite_check.py SUITE.json DIR RESULTS.json INSTALLED(comma list) DIMENSIONS|all
import json
import os
import re
import subprocess
import sys

VIDEO = re.compile(r"^(.*)-([0-9]+)\.(mp4|avi|mov|mkv|gif|webm)$", re.IGNORECASE)
WEIGHT_OFFSET = {"subject_consistency": -1, "background_consistency": -1, "appearance_style": 0}


def frames(path):
    out = subprocess.run([os.environ.get("FFPROBE_CLI") or "ffprobe", "-v", "error", "-count_frames",
                          "-select_streams", "v:0", "-show_entries", "stream=nb_read_frames",
                          "-of", "csv=p=0", path], capture_output=True, text=True, check=True).stdout
    return int(out.strip())


def main():
    suite_file, vdir, results, installed, dims_arg = sys.argv[1:6]
    installed = set(installed.split(","))
    entries = json.load(open(suite_file))
    all_dims = []
    for e in entries:
        for d in e["dimension"]:
            if d not in all_dims:
                all_dims.append(d)
    selected = all_dims if dims_arg == "all" else [d for d in all_dims if d in dims_arg.split(",")]
    prompts = {}
    for e in entries:
        p = prompts.setdefault(e["prompt_en"], {"dims": [], "aux": {}})
        for d in e["dimension"]:
            if d in selected and d not in p["dims"]:
                p["dims"].append(d)
                p["aux"].update(e.get("auxiliary_info", {}).get(d, {}))
    want, unmatched, present = {}, [], set()
    for name in sorted(os.listdir(vdir)):
        m = VIDEO.match(name)
        if name.startswith(".") or not os.path.isfile(os.path.join(vdir, name)):
            continue
        if not m or m.group(1) not in prompts:
            unmatched.append(name)
        elif prompts[m.group(1)]["dims"]:
            want[name] = m.group(1)
            present.add((m.group(1), int(m.group(2))))
    doc = json.load(open(results))
    got = {os.path.basename(s["video"]): s for s in doc["samples"]}
    assert set(got) == set(want), (sorted(set(got) ^ set(want)))
    per_dim = {d: [] for d in selected}
    for name, prompt in want.items():
        s, p = got[name], prompts[prompt]
        assert s["text_prompt"] == prompt, (name, s["text_prompt"])
        assert s.get("auxiliary_info", {}) == p["aux"], (name, s.get("auxiliary_info"), p["aux"])
        routed = {"vbench." + d for d in p["dims"] if "vbench." + d in installed}
        assert set(s["results"]) == routed, (name, sorted(s["results"]), sorted(routed))
        for d in p["dims"]:
            r = s["results"].get("vbench." + d)
            if r is not None and r["score"] is not None:
                per_dim[d].append((r["score"], os.path.join(vdir, name)))
            if d == "color" and r is not None:
                assert r["details"]["aux"] == p["aux"], (name, r)
    missing = sorted("%s-%d.mp4" % (t, k) for t, p in prompts.items() if p["dims"]
                     for k in range(25 if "temporal_flickering" in p["dims"] else 5) if (t, k) not in present)
    rep = doc["suite"]
    assert sorted(rep["missing_videos"]["videos"]) == missing and rep["missing_videos"]["count"] == len(missing)
    assert rep["unmatched_files"]["files"] == unmatched, (rep["unmatched_files"], unmatched)
    assert list(rep["dimensions"]) == selected, (list(rep["dimensions"]), selected)
    for d in selected:
        r = rep["dimensions"][d]
        if "vbench." + d not in installed:
            assert r["status"] == "not run" and "not installed" in r["reason"], (d, r)
            continue
        vals = per_dim[d]
        if d in WEIGHT_OFFSET:
            w = [frames(path) + WEIGHT_OFFSET[d] for _, path in vals]
            score = sum(v * k for (v, _), k in zip(vals, w)) / sum(w)
        else:
            score = sum(v for v, _ in vals) / len(vals) if vals else None
        assert r["n"] == len(vals), (d, r, len(vals))
        summ = doc["summary"]["vbench." + d]     # counts only the samples routed to the metric
        routed = sum(1 for prompt in want.values() if d in prompts[prompt]["dims"])
        assert summ["n"] + summ["skipped"] == routed, (d, summ, routed)
        assert (score is None and r["score"] is None) or abs(score - r["score"]) <= 1e-9 * max(1, abs(score)), \
            (d, score, r)
    print("%d samples, %d missing, %d unmatched, %d dimensions checked"
          % (len(want), len(missing), len(unmatched), len(selected)))


if __name__ == "__main__":
    main()
