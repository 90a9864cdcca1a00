#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# fveval run end to end on real decoded clips: counts, fps, frame counts and
# per-sample values against ffprobe and an independent numpy computation;
# pairing, surplus references, prompts, manifests, CSV.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/run/clips.sh"
PY=/usr/bin/python3
cd "$TMPDIR_TEST"
mkdir gen ref
make_clip gen/a.mp4 64 48 10 12 audio 0
make_clip gen/b.mp4 80 60 8 7 "" 30
make_clip ref/a.mp4 64 48 10 12 "" 60
make_clip ref/b.mp4 80 60 8 7 "" 90
make_clip ref/c.mp4 32 32 5 5 "" 120
R="$FVEVAL --plugin-path $top_builddir/tests/plugins"

expect_rc 0 $R run --videos gen --reference ref -m test.mean,test.count,test.audio_rms \
    --text-prompt "a red ball" -o r.json -j 2 -q || { cat r.json 2>/dev/null; finish; }
$PY "$top_srcdir/tests/run/check_pipeline.py" r.json "${FFPROBE_CLI:-ffprobe}" "${FFMPEG_CLI:-ffmpeg}" \
    && pass "schema, counts, fps, frames and means" || fail "pipeline results disagree"

# A manifest: any key feeds a plugin; paths are relative to the manifest.
mkdir m && cp gen/a.mp4 m/x.mp4
printf '{"video": "x.mp4", "text_prompt": "from manifest"}\n\n{"video": "x.mp4", "role": "reference"}\n' > m/rows.jsonl
expect_rc 0 $R run --manifest m/rows.jsonl -m test.mean,test.count -o m.json -q
$PY - m.json <<'PY' && pass manifest || fail manifest
import json, sys
d = json.load(open(sys.argv[1]))
s = d["samples"]
assert len(s) == 2 and s[0]["video"] == "m/x.mp4", s
assert s[0]["results"]["test.mean"]["details"]["text_prompt"] == "from manifest"
assert s[1]["role"] == "reference" and s[1]["results"] == {}
assert d["corpus"]["test.count"]["details"]["reference"] == 1
PY

# Prompts file: one per video, in order.
printf 'first\nsecond\n' > p.txt
expect_rc 0 $R run --videos gen --prompts p.txt -m test.mean -o p.json -q
$PY -c 'import json,sys; s=json.load(open("p.json"))["samples"]; assert [x["text_prompt"] for x in s]==["first","second"], s' \
    && pass prompts || fail prompts
printf 'only\none\ntoo many\n' > p3.txt
expect_rc 2 $R run --videos gen --prompts p3.txt -m test.mean -o p.json && one_line && contains "3 prompts for 2 videos"

# Count mismatches that cannot be paired name both counts.
expect_rc 2 $R run --videos gen ref/a.mp4 --reference ref/a.mp4 ref/b.mp4 -m test.mean -o x.json && one_line \
    && contains "cannot pair 3 videos with 2 references"

# Pairing by stem, and CSV.
expect_rc 0 $R run --videos gen/b.mp4 gen/a.mp4 --reference ref --pair-by stem -m test.mean --format csv -o r.csv -q
head -n1 r.csv | grep -q '^index,video,reference,test.mean$' && pass "csv header" || fail "csv header: $(head -n1 r.csv)"
grep -q '^0,gen/b.mp4,ref/b.mp4,' r.csv && grep -q '^1,gen/a.mp4,ref/a.mp4,' r.csv && pass "stem pairing" || fail "stem pairing: $(cat r.csv)"

# Table format prints the summary to stdout.
expect_rc 0 $R run --videos gen -m test.mean --format table -q && contains "test.mean" && contains "higher"
# Image-sequence directory input.
mkdir seq && ${FFMPEG_CLI:-ffmpeg} -nostdin -loglevel error -i gen/a.mp4 seq/%03d.png
expect_rc 0 $R run --videos seq --fps 10 -m test.mean -o s.json -q
$PY -c 'import json; d=json.load(open("s.json"))["samples"][0]["results"]["test.mean"]["details"]; assert d["frames"]==12 and d["fps"]==10, d' \
    && pass "image sequence" || fail "image sequence"
# A YAML run file; command-line flags override it.
cat > run.yaml <<'YAML'
inputs:
  videos: gen
metrics:
  - test.mean: {fail_on_frames: 0}
output: y.json
quiet: true
YAML
expect_rc 0 $R run --config run.yaml -o y2.json
[ -f y2.json ] && [ ! -f y.json ] && pass "config + override" || fail "config output"
/usr/bin/python3 -c 'import json; d=json.load(open("y2.json")); assert len(d["samples"])==2 and d["run"]["metrics"]["test.mean"]["options"]["fail_on_frames"]==0' \
    && pass "config inputs" || fail "config inputs"
printf 'inputs:\n  videos: [gen\n' > bad.yaml
expect_rc 2 $R run --config bad.yaml && one_line && contains "bad.yaml:3:1:"
finish
