#!/usr/bin/env bash
# Brings up a single-node Slurm cluster on this machine (munged + slurmctld + slurmd, loopback only, state in a temp
# folder), submits deploy/slurm/precompute.sbatch as a 4-task job array over a real photo set into one shared cache,
# waits, and checks that the features are bit-identical to a single-process precompute of the same data.
#
#   deploy/slurm/test.sh [DATA]        # default: ../shared/datasets/hymenoptera; needs root (apt, daemons)
#
# Exit 0: identical. Exit 1: a real failure (a task failed, health not complete, features differ).
# Exit 77: Slurm cannot be brought up here (no apt/root, daemons refuse to start) — CI reports it as skipped.
set -euo pipefail
cd "$(dirname "$0")/../.."
REPO=$PWD
DATA=$(realpath "${1:-../shared/datasets/hymenoptera}")
TASKS=${TASKS:-4}
GRAFT_DLL=$REPO/src/Graft/bin/Release/net10.0/graft.dll
skip() { echo "slurm test: SKIPPED — $*"; exit 77; }

[ -d "$DATA" ] || skip "no data at $DATA"
[ "$(id -u)" = 0 ] || skip "needs root to start munged/slurmd"
if ! command -v slurmctld >/dev/null || ! command -v munged >/dev/null; then
  command -v apt-get >/dev/null || skip "no apt-get to install slurm-wlm"
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq slurm-wlm munge >/dev/null) || skip "apt-get install slurm-wlm munge failed"
fi
[ -f "$GRAFT_DLL" ] || dotnet build src/Graft -c Release -v q -nologo >/dev/null

WORK=$(mktemp -d /tmp/graft-slurm-XXXXXX)
cleanup() {
  [ -f "$WORK/slurmctld.pid" ] && kill "$(cat "$WORK/slurmctld.pid")" 2>/dev/null || true
  [ -f "$WORK/slurmd.pid" ] && kill "$(cat "$WORK/slurmd.pid")" 2>/dev/null || true
  [ -f "$WORK/munged.pid" ] && kill "$(cat "$WORK/munged.pid")" 2>/dev/null || true
  sleep 1; rm -rf "$WORK"
}
trap cleanup EXIT

# munge: a fresh key and a private socket, so nothing on the host is touched.
mkdir -p "$WORK/munge" "$WORK/state" "$WORK/spool" "$WORK/jobs"
chmod 700 "$WORK/munge"
dd if=/dev/urandom of="$WORK/munge/munge.key" bs=1024 count=1 status=none
chmod 400 "$WORK/munge/munge.key"
SOCKET=$WORK/munge/munge.socket
munged --force --key-file="$WORK/munge/munge.key" --socket="$SOCKET" --pid-file="$WORK/munged.pid" \
  --log-file="$WORK/munge/munged.log" --seed-file="$WORK/munge/munged.seed" || skip "munged does not start"

HOST=$(hostname -s)
CPUS=$(nproc)
MEM=$(( $(awk '/MemTotal/ {print $2}' /proc/meminfo) / 1024 - 1024 ))
cat > "$WORK/slurm.conf" <<CONF
ClusterName=graft-test
SlurmctldHost=$HOST(127.0.0.1)
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
AuthInfo=socket=$SOCKET
CredType=cred/munge
MpiDefault=none
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
ReturnToService=2
StateSaveLocation=$WORK/state
SlurmdSpoolDir=$WORK/spool
SlurmctldPidFile=$WORK/slurmctld.pid
SlurmdPidFile=$WORK/slurmd.pid
SlurmctldLogFile=$WORK/slurmctld.log
SlurmdLogFile=$WORK/slurmd.log
SlurmctldPort=16817
SlurmdPort=16818
NodeName=$HOST NodeAddr=127.0.0.1 CPUs=$CPUS RealMemory=$MEM State=UNKNOWN
PartitionName=test Nodes=$HOST Default=YES MaxTime=INFINITE State=UP
CONF
export SLURM_CONF=$WORK/slurm.conf
slurmctld -f "$SLURM_CONF" || skip "slurmctld does not start: $(tail -3 "$WORK/slurmctld.log" 2>/dev/null)"
slurmd -f "$SLURM_CONF" || skip "slurmd does not start: $(tail -3 "$WORK/slurmd.log" 2>/dev/null)"
for _ in $(seq 30); do sinfo -h -o %T 2>/dev/null | grep -qE '^(idle|mixed|allocated)' && break; sleep 1; done
sinfo -h -o %T | grep -qE '^(idle|mixed|allocated)' || skip "the node did not come up: $(sinfo 2>&1 | tail -2)"
echo "slurm test: single-node cluster up ($HOST, $CPUS CPUs); $(sinfo --version)"

START=$(date +%s)
# Each task gets one CPU, so on a small machine the array runs a few tasks at a time, as on a busy cluster.
GRAFT="dotnet $GRAFT_DLL" sbatch --wait --array=0-$((TASKS - 1)) --cpus-per-task=1 --mem=2G \
  --chdir="$WORK/jobs" --output="$WORK/jobs/task-%a.log" --export=ALL,GRAFT="dotnet $GRAFT_DLL" \
  deploy/slurm/precompute.sbatch "$DATA" "$WORK/cache-array" || { tail -n 20 "$WORK"/jobs/task-*.log; echo "slurm test: FAILED — a task failed"; exit 1; }
ARRAY_SECONDS=$(( $(date +%s) - START ))
grep -h "shard from Slurm" "$WORK"/jobs/task-*.log | sort

START=$(date +%s)
dotnet "$GRAFT_DLL" precompute --data "$DATA" --cache "$WORK/cache-single" --threads 1 >/dev/null
SINGLE_SECONDS=$(( $(date +%s) - START ))

dotnet "$GRAFT_DLL" features info --cache "$WORK/cache-array" | tee "$WORK/info.txt"
for c in array single; do
  dotnet "$GRAFT_DLL" features export --cache "$WORK/cache-$c" --format npy -o "$WORK/export-$c" >/dev/null
done
if diff -r "$WORK/export-array" "$WORK/export-single" >/dev/null; then
  echo "slurm test: OK — $TASKS array tasks (${ARRAY_SECONDS}s) give features bit-identical to one process (${SINGLE_SECONDS}s): $(ls "$WORK/export-array" | tr '\n' ' ')"
else
  echo "slurm test: FAILED — the array's features differ from a single-process precompute"; exit 1
fi
