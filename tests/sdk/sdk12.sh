#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Plugin ABI 1.2 through the real binary: error texts (compute and
# accumulate) on stderr and in the output, the result namespace (schema 2:
# skipped/error beside score, never inside details), typed details, the
# "no direction" flag, set metrics without merge at --jobs > 1, --save-state
# with a metric that cannot save, and merge refusing the same shard twice.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/run/clips.sh"
cd "$TMPDIR_TEST"
R="$FVEVAL --plugin-path $top_builddir/tests/plugins"
mkdir gen
for i in 1 2 3 4 5 6 7 8; do make_clip gen/c$i.mp4 32 24 10 $((i + 2)); done
py() { /usr/bin/python3 - "$@"; }

# ---- compute outcomes, one per sample --------------------------------------
: > m.jsonl
for b in score error_text error_code skip_then_error error_zero positive skip details duplicates; do
    printf '{"video": "gen/c1.mp4", "behave": "%s"}\n' "$b" >> m.jsonl
done
expect_rc 1 $R run --manifest m.jsonl -m test.behave -o out.json -q -j 2
# One stderr line per failed sample, naming the metric and the file.
for msg in "test.behave: ./gen/c1.mp4: model output had 3 NaNs" \
           "test.behave: ./gen/c1.mp4: Numerical result out of range" \
           "test.behave: ./gen/c1.mp4: frames too dark to score" \
           "test.behave: ./gen/c1.mp4: inconsistent input" \
           "test.behave: ./gen/c1.mp4: invalid return code 7"; do
    contains "$msg"
done
contains "the score set twice" && contains "detail 'x' set twice"
n=$(printf '%s\n' "$out" | grep -c "set twice")
[ "$n" -eq 2 ] && pass "duplicate warnings once per metric" || fail "$n duplicate warnings"
contains "detail 'broken' is not valid JSON"
py out.json <<'PY' && pass "schema 2 results" || fail "schema 2 results"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["fveval"]["schema"] == 2
r = [s["results"]["test.behave"] for s in d["samples"]]
for x in r:
    assert set(x) == {"score", "skipped", "error", "details"}, x
    assert "skipped" not in x["details"] or x is r[7], x
    assert "error" not in x["details"], x
ok = lambda x: x["skipped"] is None and x["error"] is None
assert r[0]["score"] == 3 and ok(r[0])
assert r[1] == {"score": None, "skipped": None, "error": "model output had 3 NaNs", "details": {}}, r[1]
assert r[2]["error"] == "Numerical result out of range" and r[2]["skipped"] is None
assert r[3]["error"] == "frames too dark to score" and r[3]["skipped"] is None
assert r[4]["score"] is None and r[4]["error"] == "inconsistent input"
assert r[5]["error"].startswith("invalid return code 7"), r[5]
assert r[6] == {"score": None, "skipped": "not my kind of clip", "error": None, "details": {}}, r[6]
x = r[7]
assert x["score"] == 0.5 and ok(x)
assert x["details"] == {"skipped": 4, "label": "juggling", "matched": True,
                        "frames": 9007199254740993, "values": [1.5, 2.5],
                        "nested": {"top5": ["a", "b"], "p": 0.25}}, x["details"]
assert r[8]["score"] == 2 and r[8]["details"] == {"x": 2}
s = d["summary"]["test.behave"]
assert (s["n"], s["skipped"], s["errors"]) == (3, 6, 5), s
assert s["direction"] == "none" and s["higher_is_better"] is None, s
PY
grep -q '"frames": 9007199254740993' out.json && pass "integer detail exact" || fail "integer detail"

# ---- no direction: list, list --json, info ---------------------------------
expect_rc 0 $R list --group test && printf '%s\n' "$out" | grep -q '^test.behave .* none ' \
    && pass "list shows no direction" || fail "list direction"
$R list --json --group test > list.json
py list.json <<'PY' && pass "list --json direction" || fail "list --json direction"
import json, sys
d = {m["name"]: m for m in json.load(open(sys.argv[1]))}
assert d["test.behave"]["direction"] == "none" and d["test.behave"]["higher_is_better"] is None
assert d["test.count"]["direction"] == "higher" and d["test.count"]["higher_is_better"] is True
PY
expect_rc 0 $R info test.behave && contains "Direction:  none"

# ---- resume reads schema 2 (and schema 1) results ---------------------------
expect_rc 1 $R run --manifest m.jsonl -m test.behave -o out.json -q --resume --log-level info
contains "reusing 9 earlier results"
py out.json <<'PY' && pass "resumed schema 2 unchanged" || fail "resume schema 2"
import json, sys
d = json.load(open(sys.argv[1]))
r = [s["results"]["test.behave"] for s in d["samples"]]
assert r[1]["error"] == "model output had 3 NaNs" and r[6]["skipped"] == "not my kind of clip"
PY
py out.json <<'PY'
import json, sys
# Rewrite as a schema-1 document: skipped and error: true inside details.
d = json.load(open(sys.argv[1]))
d["fveval"]["schema"] = 1
for s in d["samples"]:
    x = s["results"]["test.behave"]
    if x["error"] is not None:
        x["details"]["skipped"] = "error: " + x["error"]; x["details"]["error"] = True
    elif x["skipped"] is not None:
        x["details"]["skipped"] = x["skipped"]
    del x["skipped"], x["error"]
s0 = d["samples"][7]["results"]["test.behave"]
json.dump(d, open(sys.argv[1], "w"))
PY
expect_rc 1 $R run --manifest m.jsonl -m test.behave -o out.json -q --resume --log-level info
contains "reusing 9 earlier results"
py out.json <<'PY' && pass "schema 1 results read on resume" || fail "resume schema 1"
import json, sys
d = json.load(open(sys.argv[1]))
r = [s["results"]["test.behave"] for s in d["samples"]]
assert r[1] == {"score": None, "skipped": None, "error": "model output had 3 NaNs", "details": {}}, r[1]
assert r[6] == {"score": None, "skipped": "not my kind of clip", "error": None, "details": {}}, r[6]
assert r[0]["score"] == 3
PY

# ---- set metrics without merge, at -j 1 and -j 4 ----------------------------
for m in test.nomerge test.statemerge; do
    for j in 1 4; do
        expect_rc 0 $R run --videos gen -m $m -o set.json -q -j $j
        v=$(py set.json $m <<'PY'
import json, sys
print(json.load(open(sys.argv[1]))["corpus"][sys.argv[2]]["score"])
PY
)
        [ "$v" = "8.0" ] && pass "$m counts 8 samples at -j $j" || fail "$m at -j $j counted $v"
    done
done

# ---- accumulate skip and error: in the sample's results, on stderr, corpus marked
: > a.jsonl
for i in 1 2 3 4 5 6; do
    b=ok; [ $i = 2 ] && b=acc_skip; [ $i = 5 ] && b=acc_error
    printf '{"video": "gen/c%s.mp4", "behave": "%s"}\n' $i $b >> a.jsonl
done
expect_rc 1 $R run --manifest a.jsonl -m test.statemerge,test.nomerge -o acc.json -q -j 3
contains "test.statemerge: ./gen/c5.mp4: feature extractor failed on frame 2"
py acc.json <<'PY' && pass "accumulate skip/error recorded" || fail "accumulate skip/error"
import json, sys
d = json.load(open(sys.argv[1]))
for m in ("test.statemerge", "test.nomerge"):
    r = [s["results"].get(m) for s in d["samples"]]
    assert r[0] is None and r[2] is None, r
    assert r[1]["skipped"] == "no faces found" and r[1]["error"] is None, r[1]
    assert r[4]["error"] == "feature extractor failed on frame 2", r[4]
    c = d["corpus"][m]
    assert c["score"] == 4 and c["failed_samples"] == 1, c
PY

# ---- --save-state with a set metric that cannot save: refused up front ------
expect_rc 2 $R run --videos gen -m test.nomerge -o ns.json --save-state nst -q && one_line
contains "test.nomerge cannot save its state"
[ -e ns.json.journal ] || [ -e nst ] && fail "work done before the refusal" || pass "refused before any work"

# ---- merge refuses the same shard twice (same dir, another name, a copy) ----
expect_rc 0 $R run --videos gen/c1.mp4 gen/c2.mp4 -m test.count -o s1.json --save-state st1 -q
expect_rc 0 $R run --videos gen/c3.mp4 -m test.count -o s2.json --save-state st2 -q
expect_rc 0 $R merge st1 st2 -o m.json
expect_rc 2 $R merge st1 st2 st1 -o m.json && one_line && contains "given twice"
expect_rc 2 $R merge st1 ./st1/ -o m.json && one_line && contains "given twice"
cp -r st1 st1copy
expect_rc 2 $R merge st1 st1copy -o m.json && one_line && contains "same shard of test.count"
finish
