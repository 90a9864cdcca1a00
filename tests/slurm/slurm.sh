#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Sharded runs on a real Slurm: a one-node cluster (munged, slurmctld,
# slurmd from Debian's packages) started under the test's temporary
# directory, with its own munge key and socket, a generated slurm.conf (2
# CPUs on 127.0.0.1, free ports), and its state, spool and logs in there;
# every daemon is stopped at exit.  contrib/slurm/submit.sh scores 8 clip
# pairs with pixel metrics and common.fvd (stand-in model) as a 4-task array
# and a dependent merge job; the merged document must equal a
# single-process run's.  Faults: a shard killed mid-way fails the array, the
# merge names the missing shard, and the shard resubmitted alone resumes
# from its journal and completes.  A daemon that does not start is a
# failure, with its log, never a skip.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/run/clips.sh"
PATH=$PATH:/usr/sbin:/sbin
for t in munged munge slurmctld slurmd sbatch squeue scontrol scancel sinfo; do need_tool $t; done
/usr/bin/python3 -c 'import torch' 2>/dev/null || { echo "FAIL: /usr/bin/python3 lacks torch" >&2; exit 99; }
T=$TMPDIR_TEST
# munged wants every directory above its socket searchable by all (mktemp made this one 0700).
chmod 755 "$T"
cd "$T"

# ---- the cluster ---------------------------------------------------------------------------
daemon_pids=
stop_cluster() {
    if [ -n "$daemon_pids" ] && [ -f "$T/slurm.conf" ]; then
        scancel --quiet --user="$(id -un)" 2>/dev/null
        i=0
        while [ $i -lt 50 ] && [ -n "$(squeue -h -o %A 2>/dev/null)" ]; do sleep 0.1; i=$((i + 1)); done
    fi
    for p in $daemon_pids; do kill "$p" 2>/dev/null; done
    for p in $daemon_pids; do
        i=0
        while [ $i -lt 50 ] && kill -0 "$p" 2>/dev/null; do sleep 0.1; i=$((i + 1)); done
        kill -9 "$p" 2>/dev/null
    done
    daemon_pids=
}
trap 'stop_cluster; rm -rf "$TMPDIR_TEST"' EXIT
trap 'exit 1' INT TERM HUP

# die WHAT LOG...: a daemon did not come up: say so with its logs, and fail.
die() {
    what=$1; shift
    echo "FAIL: $what" >&2
    for f in "$@"; do [ -f "$f" ] && { echo "---- $f" >&2; tail -n 30 "$f" >&2; }; done
    exit 1
}

# wait_for SECONDS CMD...: until CMD succeeds; false on timeout (or when the daemon
# started last, $watch, has died).
watch=
wait_for() {
    deadline=$(($(date +%s) + $1)); shift
    while [ "$(date +%s)" -lt "$deadline" ]; do
        "$@" >/dev/null 2>&1 && return 0
        [ -z "$watch" ] || kill -0 "$watch" 2>/dev/null || return 1
        sleep 0.1
    done
    return 1
}

# Slurm's plugins leave symbols to be bound when first used: the tests' LD_BIND_NOW=1 makes
# them fail to load (slurmctld: "undefined symbol: container_g_join").
unset LD_BIND_NOW
mkdir munge state spool log
dd if=/dev/urandom of=munge/munge.key bs=1024 count=1 2>/dev/null && chmod 600 munge/munge.key
# Root runs every daemon here (CI and this test machine run tests as root; the daemons
# accept it): SlurmUser and SlurmdUser are the user running the test.
me=$(id -un)
munged -F --socket="$T/munge/munge.socket" --key-file="$T/munge/munge.key" --log-file="$T/log/munged.log" \
    --pid-file="$T/munge/munged.pid" --seed-file="$T/munge/munged.seed" >log/munged.out 2>&1 &
daemon_pids="$daemon_pids $!" watch=$!
munge_works() { munge -S "$T/munge/munge.socket" -n | unmunge -S "$T/munge/munge.socket"; }
wait_for 10 munge_works || die "munged did not start" log/munged.out log/munged.log

ports=$(/usr/bin/python3 -c '
import socket
socks = [socket.socket() for _ in range(2)]
for s in socks: s.bind(("127.0.0.1", 0))
print(" ".join(str(s.getsockname()[1]) for s in socks))')
set -- $ports
host=$(hostname -s)
cat >slurm.conf <<EOF
ClusterName=fvevaltest
SlurmctldHost=$host(127.0.0.1)
SlurmctldPort=$1
SlurmdPort=$2
SlurmUser=$me
SlurmdUser=$me
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$T/munge/munge.socket
StateSaveLocation=$T/state
SlurmdSpoolDir=$T/spool
SlurmctldPidFile=$T/slurmctld.pid
SlurmdPidFile=$T/slurmd.pid
SlurmctldLogFile=$T/log/slurmctld.log
SlurmdLogFile=$T/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
SchedulerType=sched/builtin
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
MpiDefault=none
SwitchType=switch/none
ReturnToService=2
SlurmdParameters=config_overrides
MailProg=/bin/true
NodeName=fvnode NodeHostname=$host NodeAddr=127.0.0.1 CPUs=2 State=UNKNOWN
PartitionName=fvtest Nodes=fvnode Default=YES MaxTime=INFINITE State=UP
EOF
SLURM_CONF=$T/slurm.conf; export SLURM_CONF
slurmctld -D -f "$SLURM_CONF" >log/slurmctld.out 2>&1 &
daemon_pids="$daemon_pids $!" watch=$!
wait_for 20 scontrol ping || die "slurmctld did not start" log/slurmctld.out log/slurmctld.log
slurmd -D -f "$SLURM_CONF" -N fvnode >log/slurmd.out 2>&1 &
daemon_pids="$daemon_pids $!" watch=$!
node_idle() { [ "$(sinfo -h -n fvnode -o %T)" = idle ]; }
wait_for 30 node_idle || die "slurmd did not start (node state: $(sinfo -h -n fvnode -o %T 2>&1))" \
    log/slurmd.out log/slurmd.log log/slurmctld.log
pass "one-node Slurm cluster up (munged, slurmctld, slurmd)"
watch=

# wait_jobs SECONDS JOBID...: until none of them is queued or running.
jobs_done() { [ -z "$(squeue -h -j "$1" -o %A 2>/dev/null)" ]; }
wait_jobs() {
    secs=$1; shift
    for j in "$@"; do
        wait_for "$secs" jobs_done "$j" || { fail "job $j still queued or running after ${secs}s"; squeue >&2; return 1; }
    done
}
job_state() { scontrol -o show job "$1" | tr ' ' '\n' | sed -n 's/^JobState=//p' | sort -u | tr '\n' ' '; }

# ---- a 4-shard array and its merge equal one run --------------------------------------------
mkdir gen ref models
/usr/bin/python3 "$top_srcdir/tests/fvd/make_fvd_models.py" models || exit 99
for i in 0 1 2 3 4 5 6 7; do
    make_clip gen/g$i.mp4 64 48 10 12 "" $((i * 40))
    make_clip ref/r$i.mp4 64 48 10 12 "" $((i * 40 + 15))
done
FVEVAL_PLUGIN_PATH="$top_builddir/plugins:$top_builddir/tests/plugins"; export FVEVAL_PLUGIN_PATH
# One sample at a time and one video per model batch: the same arithmetic in every process.
M=common.psnr,common.ssim,common.fvd:cache_mode=off:chunk_size=1
args="--videos $T/gen --reference $T/ref -m $M --model-dir $T/models"
expect_rc 0 "$FVEVAL" run $args -j 1 -q -o single.json
export FVEVAL
submit() { SBATCH_OPTS="--cpus-per-task=1" sh "$top_srcdir/contrib/slurm/submit.sh" "$@"; }
jobs=$(submit "$T/out" 4 $args) || { fail "submit.sh failed: $jobs"; exit 1; }
set -- $jobs
array=$1 merge=$2
wait_jobs 150 "$array" "$merge"
state=$(job_state "$array")
[ "$state" = "COMPLETED " ] && pass "4 array tasks completed" || fail "array job $array: $state"
state=$(job_state "$merge")
[ "$state" = "COMPLETED " ] && pass "dependent merge job completed" || fail "merge job $merge: $state"
for k in 0 1 2 3; do
    out=$(cat out/fveval-shard-${array}_$k.out 2>&1)
    contains "shard $k/4 (SLURM_ARRAY_TASK_ID=$k): samples $((2 * k)) to $((2 * k + 1)) of 8"
done
out=$(cat out/fveval-merge-*.out 2>&1)
# compare SINGLE MERGED: equal documents apart from run provenance and timings.
compare() {
    /usr/bin/python3 - "$1" "$2" <<'PY'
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:3])
for d in (a, b):
    for k in ("started", "finished", "argv", "jobs", "device", "merged"):
        d["run"].pop(k, None)
assert [s["index"] for s in b["samples"]] == list(range(len(a["samples"]))), "samples out of order"
for k in a:
    assert a[k] == b[k], "%s differs:\n%s\n%s" % (k, json.dumps(a[k])[:2000], json.dumps(b[k])[:2000])
assert a.keys() == b.keys()
assert "common.fvd" not in a["corpus"] or isinstance(b["corpus"]["common.fvd"]["score"], float), b["corpus"]
PY
}
if [ -f out/results.json ]; then
    expect_rc 0 compare single.json out/results.json && pass "merged Slurm shards equal a single-process run"
else
    fail "no out/results.json; merge log: $out"
fi

# ---- a shard killed mid-way, the merge refusing, the resubmitted shard resuming ------------
M2=common.psnr,test.mean:sleep_ms=700
args2="--videos $T/gen --reference $T/ref -m $M2 --log-level info"
expect_rc 0 "$FVEVAL" run $args2 -j 1 -q -o single2.json
jobs=$(submit "$T/out2" 2 $args2) || { fail "submit.sh failed: $jobs"; exit 1; }
set -- $jobs
array=$1 merge=$2
# Kill task 1 once its journal holds a finished sample (it takes 4 x 0.7 s).
one_done() { n=$(grep -c '"results"' out2/shard-1.json.journal 2>/dev/null); [ "${n:-0}" -ge 1 ]; }
wait_for 60 one_done || fail "shard 1 never journaled a finished sample"
scancel "${array}_1"
wait_jobs 60 "$array" "$merge"
[ ! -f out2/shard-1.json ] && [ -f out2/shard-1.json.journal ] && pass "shard 1 killed mid-way" \
    || fail "shard 1 was not stopped mid-way (its results exist or its journal does not)"
state=$(job_state "$merge")
case "$state" in
    COMPLETED*) fail "the merge job ran although shard 1 was killed" ;;
    *) pass "merge job not run after a failed shard ($state)" ;;
esac
expect_rc 2 "$FVEVAL" merge out2/shard-*.json out2/state-* -o "$T/partial.json" && one_line \
    && contains "shard 1 of 2 missing"
# Resubmitted alone: a one-task array, so the shard count comes from FVEVAL_SHARDS.
re=$(FVEVAL_SHARDS=2 sbatch --parsable --cpus-per-task=1 --array=1 --output="$T/out2/resubmit-%A_%a.out" \
    "$top_srcdir/contrib/slurm/shard.sbatch" "$T/out2" $args2) || fail "resubmit failed: $re"
re=${re%%;*}
merge=$(sbatch --parsable --cpus-per-task=1 --dependency="afterok:$re" --kill-on-invalid-dep=yes --output="$T/out2/merge-%j.out" \
    "$top_srcdir/contrib/slurm/merge.sbatch" "$T/out2")
merge=${merge%%;*}
wait_jobs 60 "$re" "$merge"
out=$(cat out2/resubmit-*.out 2>&1)
contains "shard 1/2 (--shard): samples 4 to 7 of 8" && contains "resume: reusing"
case "$out" in *"resume: reusing 0 earlier"*) fail "the resubmitted shard reused nothing" ;; esac
state=$(job_state "$merge")
[ "$state" = "COMPLETED " ] && pass "resubmitted shard and merge completed" || fail "merge job $merge: $state"
[ -f out2/results.json ] && expect_rc 0 compare single2.json out2/results.json \
    && pass "resumed shard merged equals a single-process run"
finish
