#!/usr/bin/env bash
# Runs a command inside a cgroup of the lab's tree, so `lab down` finds and stops every
# process the lab started by reading cgroup.procs (never by process name).
# Usage: in-cgroup.sh CGROUP COMMAND [ARG...]   (CGROUP: path below the cgroup hierarchies)
# Hybrid hosts (cgroup v1 name=systemd + v2 at unified/, as docs/design.md §8 describes) get the cgroup
# in both; a pure cgroup v2 host gets it once at /sys/fs/cgroup/CGROUP.
set -euo pipefail
[[ $# -ge 2 ]] || { echo "usage: in-cgroup.sh CGROUP COMMAND [ARG...]" >&2; exit 2; }
cgroup="$1"
shift
if [[ -f /sys/fs/cgroup/cgroup.controllers ]]; then
  hierarchies=(/sys/fs/cgroup)
else
  hierarchies=(/sys/fs/cgroup/systemd /sys/fs/cgroup/unified)
fi
for hierarchy in "${hierarchies[@]}"; do
  mkdir -p "$hierarchy/$cgroup"
  echo "$$" >"$hierarchy/$cgroup/cgroup.procs"
done
exec "$@"
