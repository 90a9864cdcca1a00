#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Physics-IQ metrics on lossless synthetic clips whose answers follow by hand:
# identical clips (MSE 0, every IoU 1), a 24x24 white square moving 4 px a
# frame on black against an all-black clip (quarter-resolution MSE 36/256 per
# frame, no shared motion), all-black pairs (empty unions count as IoU 1), a
# one-frame clip, length mismatches, and the composite without take 2.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/run/clips.sh"
PY=/usr/bin/python3
# Runs that must exit 1 (upstream raises) must still be clean under sanitizers.
clean() { case "$out" in *Sanitizer*) fail "sanitizer report"; printf '%s\n' "$out" >&2; return 1 ;; esac; }
cd "$TMPDIR_TEST"
LL="-c:v ffv1 -pix_fmt bgr0"
$FF -f lavfi -i "color=black:s=64x64:r=30" -frames:v 10 $LL black.mkv
$FF -f lavfi -i "color=black:s=64x64:r=30" -frames:v 12 $LL black12.mkv
$FF -f lavfi -i "color=black:s=64x64:r=30[bg];color=white:s=24x24:r=30[sq];[bg][sq]overlay=x=4*n:y=20" \
    -frames:v 10 $LL square.mkv
$FF -i square.mkv -frames:v 1 $LL one.mkv
$FF -i black.mkv -frames:v 1 $LL oneblack.mkv
R="$FVEVAL --plugin-path $top_builddir/plugins"
D=$PWD
row() { printf '{"video": "%s/%s", "reference": "%s/%s"%s}\n' "$D" "$1" "$D" "$2" "${3:+, \"reference_take2\": \"$D/$3\"}"; }
{
    row square.mkv square.mkv square.mkv   # 0 identical
    row square.mkv black.mkv black.mkv     # 1 moving square vs black
    row black.mkv black.mkv black.mkv      # 2 all black
    row one.mkv oneblack.mkv oneblack.mkv  # 3 one frame
    row square.mkv black12.mkv             # 4 lengths differ, no take 2
} > rows.jsonl

for rt in 0 1; do
    M="physics_iq.*:roundtrip_generated_masks=$rt,physics_iq:roundtrip_generated_masks=$rt"
    expect_rc 1 $R run --manifest rows.jsonl -m "$M" -o r$rt.json -q && clean || continue
    $PY - r$rt.json $rt <<'PY' && pass "hand-derived values (round trip $rt)" || fail "hand-derived values (round trip $rt)"
import json, sys
d = json.load(open(sys.argv[1])); rt = sys.argv[2] == "1"
S = [s["results"] for s in d["samples"]]
bad = []
def eq(what, got, want):
    if got != want:
        bad.append(f"{what}: got {got!r}, want {want!r}")
def res(i, m):
    return S[i]["physics_iq" + ("." + m if m else "")]
# 0: identical clips; the round trip only touches the generated masks
if not rt:
    eq("identical mse", res(0, "mse")["details"]["per_frame"], [0.0] * 10)
    eq("identical st", res(0, "spatiotemporal_iou")["details"]["per_frame"], [1.0] * 10)
    eq("identical spatial", res(0, "spatial_iou")["score"], 1.0)
    eq("identical weighted", res(0, "weighted_spatial_iou")["score"], 1.0)
    eq("identical composite", res(0, "")["score"], 100.0)
eq("identical mse score", res(0, "mse")["score"], 0.0)
# 1: 36 of 256 quarter pixels white in every frame: 0.140625 -> round half even 0.1406
eq("square mse", res(1, "mse")["details"]["per_frame"], [0.1406] * 10)
eq("square mse score", res(1, "mse")["score"], sum([0.1406] * 10) / 10)
eq("square st", res(1, "spatiotemporal_iou")["details"]["per_frame"], [1.0] + [0.0] * 9)
eq("square spatial", res(1, "spatial_iou")["score"], 0.0)
eq("square weighted", res(1, "weighted_spatial_iou")["score"], 0.0)
# composite: variance pair black/black is all 1, so 100*(0.1/3 - 0.1406) < 0 -> 0
eq("square composite", res(1, "")["score"], 0.0)
eq("square pv spatial", res(1, "")["details"]["pv_spatial_iou"], 1.0)
# 2: all black: unions empty -> IoU 1, weighted 1 (no valid pixel), score 100
for m, want in (("spatial_iou", 1.0), ("weighted_spatial_iou", 1.0), ("spatiotemporal_iou", 1.0), ("mse", 0.0)):
    eq("black " + m, res(2, m)["score"], want)
eq("black composite", res(2, "")["score"], 100.0)
# 3: one frame: the first mask is all zero by definition
eq("one st", res(3, "spatiotemporal_iou")["details"]["per_frame"], [1.0])
eq("one spatial", res(3, "spatial_iou")["score"], 1.0)
eq("one weighted", res(3, "weighted_spatial_iou")["score"], 1.0)
eq("one mse", res(3, "mse")["details"]["per_frame"], [0.1406])
# 4: 10 vs 12 frames: MSE is an error as upstream, IoUs go on; no take 2: skip
eq("lengths mse", (res(4, "mse")["score"], res(4, "mse")["error"] is not None), (None, True))
eq("lengths st", res(4, "spatiotemporal_iou")["details"]["per_frame"], [1.0] + [0.0] * 9)
eq("lengths weighted", res(4, "weighted_spatial_iou")["score"], 0.0)
sk = res(4, "")["skipped"] or ""
if "reference_take2" not in sk or res(4, "")["score"] is not None:
    bad.append(f"no take 2: {res(4, '')}")
# corpus: the three scored videos in input order
c = d["corpus"]["physics_iq"]
eq("corpus videos", c["details"]["videos"], 4.0)
print("\n".join(bad))
sys.exit(1 if bad else 0)
PY
done

# Take-2 aliases, and scenario/view copied into the details.
printf '{"video": "%s/black.mkv", "reference": "%s/black.mkv", "real_take2": "%s/black.mkv", "scenario": "fall", "view": "left"}\n' \
    "$D" "$D" "$D" > alias.jsonl
expect_rc 0 $R run --manifest alias.jsonl -m physics_iq -o alias.json -q
$PY - alias.json <<'PY' && pass "take-2 alias, scenario and view" || fail "take-2 alias, scenario and view"
import json, sys
r = json.load(open(sys.argv[1]))["samples"][0]["results"]["physics_iq"]
assert r["score"] == 100.0 and r["details"]["scenario"] == "fall" and r["details"]["view"] == "left", r
PY

# Sharded runs merge to the corpus of one run (videos kept in shard order).
head -n 2 rows.jsonl > s1.jsonl
sed -n 3,4p rows.jsonl > s2.jsonl
head -n 4 rows.jsonl > s12.jsonl
for f in s1 s2 s12; do
    expect_rc 0 $R run --manifest $f.jsonl -m physics_iq -o $f.json --save-state st_$f -q --jobs 2
done
expect_rc 0 $R merge st_s1 st_s2 -o merged.json
$PY - s12.json merged.json <<'PY' && pass "merged shards equal one run" || fail "merged shards differ"
import json, sys
a, b = (json.load(open(p))["corpus"]["physics_iq"] for p in sys.argv[1:3])
assert a == b and a["details"]["videos"] == 4, (a, b)
PY

# A mask or take 2 that is given but cannot be decoded is an error, never silently replaced.
echo "not a video" > junk.mp4
printf '{"video": "%s/square.mkv", "reference": "%s/black.mkv", "video_mask": "%s/junk.mp4"}\n' "$D" "$D" "$D" > junk.jsonl
expect_rc 1 $R run --manifest junk.jsonl -m physics_iq.spatial_iou -o junk.json -q && clean && contains "video_mask" \
    && pass "undecodable mask video"
printf '{"video": "%s/square.mkv", "reference": "%s/black.mkv", "take2": "%s/junk.mp4"}\n' "$D" "$D" "$D" > junk2.jsonl
expect_rc 1 $R run --manifest junk2.jsonl -m physics_iq -o junk2.json -q && clean && contains "take2" \
    && pass "undecodable take 2"

# Options are checked before anything runs.
expect_rc 2 $R run --manifest rows.jsonl -m physics_iq.mse:threshold=300 -o bad.json -q && pass "threshold range"
expect_rc 2 $R run --manifest rows.jsonl -m physics_iq:video_time_selection=middle -o bad.json -q && pass "enum values"
# A clip one row high cannot make the round trip (OpenCV's writer refuses it too).
$FF -f lavfi -i "color=black:s=8x8:r=30" -vf scale=5:1 -frames:v 3 $LL tiny.mkv
printf '{"video": "%s/tiny.mkv", "reference": "%s/tiny.mkv"}\n' "$D" "$D" > tiny.jsonl
expect_rc 1 $R run --manifest tiny.jsonl -m physics_iq.spatial_iou -o tiny.json -q && clean && contains "2x2" && pass "5x1 clip with round trip"
expect_rc 0 $R run --manifest tiny.jsonl -m physics_iq.spatial_iou:roundtrip_generated_masks=0 -o tiny.json -q \
    && pass "5x1 clip without round trip"
finish
