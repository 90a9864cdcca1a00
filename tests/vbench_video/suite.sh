#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# `fveval run --suite vbench`: a directory of ffmpeg-made clips named after real
# prompts of the shipped VBench_full_info.json (several per prompt, some missing,
# some files matching no prompt), scored by the dimensions' metrics that are
# installed (the three ViCLIP/UMT ones with stand-in models, temporal_flickering,
# and stand-ins built here for color, scene and subject_consistency, picked up by
# name); the samples, their routing and auxiliary_info, the missing and unmatched
# lists and the per-dimension aggregates are checked against the suite file
# independently (suite_check.py).  Bad suite files and selections exit 2.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/run/clips.sh"
/usr/bin/python3 -c 'import torch' 2>/dev/null || { echo "FAIL: /usr/bin/python3 lacks torch" >&2; exit 99; }
cd "$TMPDIR_TEST"
mkdir models clips data data/clip data/vbench
/usr/bin/python3 "$top_srcdir/tests/vbench_video/make_models.py" models || exit 99
ln -s "$top_srcdir/plugins/_text/data/bpe_simple_vocab_16e6.txt.gz" data/clip/
ln -s "$top_srcdir/plugins/vbench/data/kinetics_400_categories.txt" data/vbench/
ln -s "$top_srcdir/plugins/vbench/data/VBench_full_info.json" data/vbench/
export FVEVAL_DATA_DIR="$TMPDIR_TEST/data"
suite="$top_srcdir/plugins/vbench/data/VBench_full_info.json"
for d in color scene subject_consistency; do
    mkdir -p plug/vbench/$d
    ${CC:-cc} -std=c11 -O1 -fPIC -shared -I"$top_srcdir/sdk" -DMETRIC_NAME="\"vbench.$d\"" \
        -o plug/vbench/$d/metric.so "$top_srcdir/tests/vbench_video/fake_dimension.c" || exit 99
done

n=0
clip() { # clip PROMPT INDEX [FRAMES]
    n=$((n + 1)); make_clip "clips/$1-$2.mp4" 48 32 10 "${3:-12}" "" $((n * 13))
}
for i in 0 1 2 7; do clip "A person is riding a bike" $i 20; done
for i in 0 3; do clip "A person is marching" $i 16; done
for i in 0 1; do clip "A beautiful coastal beach in spring, waves lapping on sand, in super slow motion" $i; done
for i in 0 1 4; do clip "Close up of grapes on a rotating table." $i; done
for i in 0 1; do clip "a red bicycle" $i; done
clip "a green bicycle" 2
for i in 0 1; do clip "alley" $i; done
for i in 0 1 2 3 4 5; do clip "In a still frame, a stop sign" $i 6; done
clip "a person swimming in ocean" 0 10
clip "a person swimming in ocean" 1 20
clip "not a prompt" 0
make_clip "clips/A person is riding a bike.mp4" 48 32 10 4
echo notes > clips/notes.txt
# One plugin root with exactly these dimensions' metrics: the real ones linked from the
# build tree, the stand-ins above (other vbench metrics built in the tree stay out, so
# the installed set is known whatever else is built).
for d in human_action temporal_style overall_consistency temporal_flickering; do
    ln -s "$top_builddir/plugins/vbench/$d" plug/vbench/$d
done
installed=vbench.human_action,vbench.temporal_style,vbench.overall_consistency,vbench.temporal_flickering,vbench.color,vbench.scene,vbench.subject_consistency
R="$FVEVAL --plugin-path $TMPDIR_TEST/plug"

# Every dimension: the installed ones run, the others are reported as not run.
expect_rc 0 $R run --suite vbench --videos clips --model-dir models -o all.json -j 2 \
    && contains "suite vbench: 24 videos, 6197 missing, 3 files matching no prompt" && contains "files matching no prompt" \
    && contains "dynamic_degree" && contains "not run" && contains "skipping 3 files"
expect_rc 0 /usr/bin/python3 "$top_srcdir/tests/vbench_video/suite_check.py" "$suite" clips all.json "$installed" all \
    && printf '%s\n' "$out" && pass "suite: samples, routing, auxiliary_info, missing, aggregates" \
    || printf '%s\n' "$out" >&2

# A selection, with options for one dimension's metric.
expect_rc 0 $R run --suite vbench --dimensions human_action,color,temporal_flickering --videos clips/ \
    -m vbench.human_action:mode=fastvideo --model-dir models -o some.json -q
expect_rc 0 /usr/bin/python3 "$top_srcdir/tests/vbench_video/suite_check.py" "$suite" clips some.json "$installed" \
    human_action,color,temporal_flickering && pass "suite: --dimensions" || printf '%s\n' "$out" >&2
out=$(cat some.json); contains '"mode": "fastvideo"' && contains '"video": "clips/a red bicycle-0.mp4"'

# A prompt without the auxiliary_info its dimension reads is skipped with the reason.
printf '[{"prompt_en": "a red bicycle", "dimension": ["color", "subject_consistency"]}]\n' > noaux.json
expect_rc 0 $R run --suite-file noaux.json --videos clips --model-dir models -o noaux_out.json -q
out=$(cat noaux_out.json)
contains "the suite gives this prompt no auxiliary_info for dimension 'color'" && contains '"vbench.subject_consistency": {
          "score": 0.0833'

# Usage errors: one line, exit 2, nothing run.
printf '[{"prompt_en": "x", "dimension": ["color"]}\n' > broken.json
expect_rc 2 $R run --suite-file broken.json --videos clips -o x.json && one_line && contains "broken.json:2:" \
    && contains "suite file does not parse"
printf '[{"prompt_en": 3, "dimension": ["color"]}]\n' > wrong.json
expect_rc 2 $R run --suite-file wrong.json --videos clips -o x.json && one_line \
    && contains "wrong.json: entry 1 needs \"prompt_en\""
expect_rc 2 $R run --suite vbench --dimensions human_action,colour --videos clips -o x.json && one_line \
    && contains "'colour' is not a dimension" && contains "human_action, "
expect_rc 2 $R run --suite vbench --videos clips -m common.psnr -o x.json && one_line \
    && contains "'common.psnr' is not one of them"
expect_rc 2 $R run --suite vbench --videos clips --prompts noaux.json -o x.json && one_line && contains "drop --manifest"
expect_rc 2 $R run --suite vbench --videos clips/notes.txt -o x.json && one_line && contains "--videos DIR"
expect_rc 2 $R run --suite vbenchx --videos clips -o x.json && one_line && contains "unknown suite 'vbenchx'"
expect_rc 2 $R run --dimensions color --videos clips -m common.psnr -o x.json && one_line \
    && contains "--dimensions goes with --suite"
[ ! -e x.json ] && pass "nothing written on usage errors" || fail "x.json written"
finish
