#!/usr/bin/env bash
# Starts (or stops) a single-node Slurm on localhost for tests: munged, slurmctld and slurmd, with a
# generated slurm.conf and all state under one folder. Needs Debian's slurmctld, slurmd, slurm-client and
# munge packages (`apt-get install slurmctld slurmd slurm-client munge`), and root.
#
#   scripts/slurm-local.sh start DIR   # prints `export SLURM_CONF=DIR/slurm.conf`; waits until the node is idle
#   scripts/slurm-local.sh stop DIR
set -euo pipefail
action=${1:?usage: slurm-local.sh start|stop DIR}
dir=$(mkdir -p "${2:?usage: slurm-local.sh start|stop DIR}" && cd "$2" && pwd)
conf=$dir/slurm.conf

stop() {
    for pidfile in "$dir/slurmd.pid" "$dir/slurmctld.pid"; do
        [[ -f $pidfile ]] && kill "$(cat "$pidfile")" 2>/dev/null || true
    done
}

if [[ $action == stop ]]; then
    stop
    exit 0
fi

mkdir -p "$dir/state" "$dir/spool"
cpus=$(nproc)
cat > "$conf" <<CONF
ClusterName=batchlab
SlurmctldHost=localhost
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd.pid
SlurmctldLogFile=$dir/slurmctld.log
SlurmdLogFile=$dir/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
MpiDefault=none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
ReturnToService=2
NodeName=localhost CPUs=$cpus State=UNKNOWN
PartitionName=local Nodes=localhost Default=YES MaxTime=INFINITE State=UP
CONF
export SLURM_CONF=$conf

if ! pgrep -x munged >/dev/null; then
    mkdir -p /run/munge
    [[ -f /etc/munge/munge.key ]] || mungekey --create >/dev/null 2>&1 || \
        dd if=/dev/urandom of=/etc/munge/munge.key bs=1 count=1024 2>/dev/null
    chown -R munge:munge /etc/munge /run/munge 2>/dev/null || true
    chmod 400 /etc/munge/munge.key
    runuser -u munge -- munged 2>/dev/null || munged --force
fi
stop
slurmctld -f "$conf"
slurmd -f "$conf"
for _ in $(seq 1 60); do
    if sinfo -h -o %t 2>/dev/null | grep -qx idle; then
        echo "export SLURM_CONF=$conf"
        exit 0
    fi
    sleep 0.5
done
echo "slurm did not come up; see $dir/slurmctld.log and $dir/slurmd.log" >&2
exit 1
