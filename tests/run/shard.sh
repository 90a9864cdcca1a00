#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# `fveval run --shard K/N` and `fveval merge` of shards' results: the split
# (contiguous, the same whatever the other options), a Slurm array task's
# shard from its variables, merged documents equal to one run's, every
# refusal naming the shard or file at fault, a killed shard resumed, and
# the GPU `--device cuda` picks from CUDA_VISIBLE_DEVICES / SLURM_LOCALID.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/run/clips.sh"
cd "$TMPDIR_TEST"
unset SLURM_ARRAY_TASK_ID SLURM_ARRAY_TASK_MIN SLURM_ARRAY_TASK_MAX SLURM_ARRAY_TASK_COUNT SLURM_ARRAY_TASK_STEP
unset CUDA_VISIBLE_DEVICES SLURM_LOCALID
mkdir gen ref
for i in 0 1 2 3 4 5 6; do
    make_clip gen/g$i.mp4 32 24 10 $((3 + i)) "" $((i * 30))
    make_clip ref/r$i.mp4 32 24 10 $((3 + i)) "" $((i * 30 + 10))
done
# An extra reference: a reference-only sample (set metrics see it), the last in the list.
make_clip ref/r7.mp4 32 24 10 4 "" 200
R="$FVEVAL --plugin-path $top_builddir/plugins --plugin-path $top_builddir/tests/plugins"
M=common.psnr,test.count,test.mean
IN="--videos gen --reference ref"
PY=/usr/bin/python3
# same_doc A B: equal results documents apart from timings and provenance.
same_doc() {
    $PY - "$1" "$2" <<'EOF'
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:3])
for d in (a, b):
    for k in ("started", "finished", "argv", "jobs", "device", "merged", "shard"):
        d["run"].pop(k, None)
assert a.keys() == b.keys(), (a.keys(), b.keys())
for k in a:
    assert a[k] == b[k], "%s differs:\n%s\n%s" % (k, json.dumps(a[k])[:1500], json.dumps(b[k])[:1500])
EOF
}
indices() { $PY -c 'import json,sys; print(" ".join(str(s["index"]) for s in json.load(open(sys.argv[1]))["samples"]))' "$1"; }

expect_rc 0 $R run $IN -m $M -o single.json -q -j 1

# ---- three shards, merged in any order, equal one run ----
for k in 0 1 2; do
    expect_rc 0 $R run $IN -m $M -o s$k.json --save-state st$k --shard $k/3 -j 2
    contains "shard $k/3 (--shard): samples"
done
out=$(indices s0.json); [ "$out" = "0 1" ] && pass "shard 0/3 of 8: samples 0-1" || fail "shard 0/3 holds $out"
out=$(indices s2.json); [ "$out" = "5 6 7" ] && pass "shard 2/3 of 8: samples 5-7 (the extra reference last)" \
    || fail "shard 2/3 holds $out"
expect_rc 0 $R merge s2.json st1 s0.json st2 s1.json st0 -o merged.json
expect_rc 0 same_doc single.json merged.json && pass "merged shards equal one run (samples, summary, corpus)"
out=$($PY -c 'import json; print(json.load(open("merged.json"))["run"]["merged"])')
contains "'shards': 3"

# The split depends on the inputs alone: other metrics, options and -j give the same blocks.
expect_rc 0 $R run $IN -m common.psnr,test.mean:sleep_ms=1 -o other.json --shard 1/3 -j 3 -q
[ "$(indices other.json)" = "$(indices s1.json)" ] && pass "the split is the same under other options" \
    || fail "shard 1/3: $(indices other.json) vs $(indices s1.json)"

# More shards than samples: empty shards merge too.
IN2="--videos gen/g0.mp4 gen/g1.mp4"
expect_rc 0 $R run $IN2 -m $M -o esingle.json -q
for k in 0 1 2; do expect_rc 0 $R run $IN2 -m $M -o e$k.json --save-state es$k --shard $k/3; done
contains "shard 2/3 (--shard): samples 1 to 1 of 2"
out=$(indices e0.json); [ -z "$out" ] && pass "shard 0/3 of 2 samples is empty" || fail "shard 0/3 holds $out"
expect_rc 0 $R merge e?.json es? -o emerged.json
expect_rc 0 same_doc esingle.json emerged.json && pass "3 shards of 2 samples (one empty) merged equal one run"

# ---- a Slurm array task's shard, said on stderr ----
expect_rc 0 env SLURM_ARRAY_TASK_ID=3 SLURM_ARRAY_TASK_MIN=2 SLURM_ARRAY_TASK_MAX=4 SLURM_ARRAY_TASK_COUNT=3 \
    SLURM_ARRAY_TASK_STEP=1 $R run $IN -m $M -o slurm1.json --save-state sl1
contains "shard 1/3 (SLURM_ARRAY_TASK_ID=3): samples 2 to 4 of 8"
[ "$(indices slurm1.json)" = "$(indices s1.json)" ] && pass "array task 3 of --array=2-4 is shard 1/3" \
    || fail "array task 3: $(indices slurm1.json)"
out=$($PY -c 'import json; print(json.load(open("slurm1.json"))["run"]["shard"]["source"])')
contains "SLURM_ARRAY_TASK_ID=3"
expect_rc 0 $R merge s0.json slurm1.json s2.json st0 sl1 st2 -o merged2.json
expect_rc 0 same_doc single.json merged2.json && pass "a Slurm task's shard merges with --shard ones"
# --shard wins over the array's variables.
expect_rc 0 env SLURM_ARRAY_TASK_ID=3 SLURM_ARRAY_TASK_COUNT=4 $R run $IN -m $M -o x.json --shard 0/3
contains "shard 0/3 (--shard)"
expect_rc 2 env SLURM_ARRAY_TASK_ID=5 SLURM_ARRAY_TASK_MIN=1 SLURM_ARRAY_TASK_MAX=7 SLURM_ARRAY_TASK_COUNT=3 \
    $R run $IN -m $M -o x.json && one_line && contains "not one contiguous range" && contains "give --shard K/N"
expect_rc 2 $R run $IN -m $M -o x.json --shard 3/3 && one_line && contains "run: --shard needs K/N"
expect_rc 2 $R run $IN -m $M -o x.csv --format csv --shard 0/3 && one_line && contains "needs JSON results in -o FILE"
expect_rc 2 $R run $IN -m $M --format table --shard 0/3 && one_line && contains "needs JSON results"

# ---- refusals, each naming what is wrong ----
expect_rc 2 $R merge s0.json s2.json st0 st2 -o x.json && one_line && contains "shard 1 of 3 missing"
expect_rc 0 $R run $IN -m $M -o f1.json --shard 1/4 -q
expect_rc 2 $R merge s0.json f1.json -o x.json && one_line && contains "shard 0/3, 'f1.json' shard 1/4"
expect_rc 2 $R merge s0.json s1.json s1.json s2.json -o x.json && one_line \
    && contains "'s1.json' and 's1.json' are both shard 1/3"
cp s1.json copy.json
expect_rc 2 $R merge s0.json s1.json copy.json s2.json st0 st1 st2 -o x.json && one_line && contains "are both shard 1/3"
expect_rc 2 $R merge single.json -o x.json && one_line && contains "'single.json' holds the results of a whole run"
# Other inputs (one video fewer), other metric options, another metric version.
expect_rc 0 $R run --videos gen/g0.mp4 gen/g1.mp4 gen/g2.mp4 gen/g3.mp4 gen/g4.mp4 gen/g5.mp4 --reference ref \
    -m $M -o o1.json --save-state ost1 --shard 1/3 -q
expect_rc 2 $R merge s0.json o1.json s2.json st0 ost1 st2 -o x.json && one_line \
    && contains "'s0.json' and 'o1.json' are shards of different inputs"
expect_rc 0 $R run $IN -m common.psnr:max_val=255,test.count,test.mean -o p1.json --save-state pst1 --shard 1/3 -q
expect_rc 2 $R merge s0.json p1.json s2.json st0 pst1 st2 -o x.json && one_line \
    && contains "'s0.json' and 'p1.json' ran common.psnr with different options"
$PY -c 'import json; d = json.load(open("s1.json")); d["run"]["metrics"]["test.mean"]["version"] = "0.0.1"; json.dump(d, open("v1.json", "w"))'
expect_rc 2 $R merge s0.json v1.json s2.json -o x.json && one_line \
    && contains "'s0.json' ran test.mean 1.0, 'v1.json' ran test.mean 0.0.1"
expect_rc 0 $R run $IN -m common.psnr,test.count -o m1.json --save-state mst1 --shard 1/3 -q
expect_rc 2 $R merge s0.json m1.json s2.json st0 mst1 st2 -o x.json && one_line \
    && contains "'s0.json' ran test.mean, 'm1.json' did not"
# State: missing, from another run, a shard run without --save-state.
expect_rc 2 $R merge s0.json s1.json s2.json st0 st2 -o x.json && one_line \
    && contains "the saved state of test.count for shard 1/3 ('s1.json') is missing"
expect_rc 2 $R merge s0.json s1.json s2.json st0 st1 st2 pst1 -o x.json && one_line \
    && contains "is the state of none of the given shards' runs"
expect_rc 0 $R run $IN -m $M -o n1.json --shard 1/3 -q
expect_rc 2 $R merge s0.json n1.json s2.json st0 st2 -o x.json && one_line \
    && contains "shard 1/3 ('n1.json') was run without --save-state"

# ---- a shard killed mid-way resumes to the same result ----
$R run $IN -m common.psnr,test.count,test.mean:sleep_ms=300 -o k1.json --save-state kst1 --shard 1/3 -j 1 -q &
pid=$!
i=0
finished() { n=$(grep -c '"results"' k1.json.journal 2>/dev/null); [ "${n:-0}" -ge 1 ]; }
while [ $i -lt 100 ] && ! finished; do sleep 0.1; i=$((i + 1)); done
kill -9 $pid; wait $pid 2>/dev/null
[ ! -f k1.json ] && pass "shard killed mid-way" || fail "the shard finished before it was killed"
expect_rc 0 $R --log-level info run $IN -m common.psnr,test.count,test.mean:sleep_ms=300 -o k1.json \
    --save-state kst1 --shard 1/3 -j 1 --resume
contains "resume: reusing"
case "$out" in *"reusing 0 earlier"*) fail "the resumed shard reused nothing" ;; esac
for k in 0 2; do expect_rc 0 $R run $IN -m common.psnr,test.count,test.mean:sleep_ms=300 -o k$k.json \
    --save-state kst$k --shard $k/3 -q; done
expect_rc 0 $R run $IN -m common.psnr,test.count,test.mean:sleep_ms=300 -o ksingle.json -q
expect_rc 0 $R merge k0.json k1.json k2.json kst0 kst1 kst2 -o kmerged.json
expect_rc 0 same_doc ksingle.json kmerged.json && pass "killed and resumed shard merged equals one run"

# ---- --device cuda: the process's GPU from the scheduler's variables (the choice is logged) ----
out=$(env CUDA_VISIBLE_DEVICES=4,5 SLURM_LOCALID=1 $R run $IN -m common.psnr -o x.json --device cuda 2>&1)
contains "fveval: device cuda:1: SLURM_LOCALID=1 of 2 visible GPUs (CUDA_VISIBLE_DEVICES=4,5)"
out=$(env CUDA_VISIBLE_DEVICES=7 $R run $IN -m common.psnr -o x.json --device cuda 2>&1)
contains "fveval: device cuda:0: the one GPU visible (CUDA_VISIBLE_DEVICES=7)"
expect_rc 2 env CUDA_VISIBLE_DEVICES= $R run $IN -m common.psnr -o x.json --device cuda && one_line \
    && contains "CUDA_VISIBLE_DEVICES='' makes no GPU visible"
finish
