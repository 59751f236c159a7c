#!/usr/bin/env bash
# Supervises one lab host: a systemd-nspawn container booting the host's overlay root (see docs/design.md §8
# "Local lab containers" and scripts/lab/README.md). Started detached (setsid) by the lab; exits when the container powers off.
#
# Usage: boot-host.sh NAME ROOT_DIR CGROUP PUBLIC_VETH PUBLIC_BRIDGE PRIVATE_VETH PRIVATE_BRIDGE STATE_DIR [BIND]
#   CGROUP  path below /sys/fs/cgroup/{systemd,unified}/ that holds this host alone
#   STATE_DIR receives nspawn.pid while the container runs
#   BIND    optional HOST_DIR:CONTAINER_DIR bind mount (the lab's small data disk)
# The container gets eth0 (public side) and eth1 (private network), as veths whose host ends
# are attached to the lab bridges each time they appear (PRIVATE_VETH "-": public side only): nspawn recreates them on every reboot,
# and exit code 133 is a reboot request, so the loop starts the container again.
set -euo pipefail

[[ $# -eq 8 || $# -eq 9 ]] || { echo "usage: boot-host.sh NAME ROOT_DIR CGROUP PUBLIC_VETH PUBLIC_BRIDGE PRIVATE_VETH PRIVATE_BRIDGE STATE_DIR [BIND]" >&2; exit 2; }
name="$1" root="$2" cgroup="$3" public_veth="$4" public_bridge="$5" private_veth="$6" private_bridge="$7" state="$8" bind="${9:-}"
pid_file="$state/nspawn.pid"

# Attaches veth $1 to bridge $2 once nspawn has created it (bounded: 60 s).
attach() {
  local veth="$1" bridge="$2" i
  for ((i = 0; i < 600; i++)); do
    if ip link show "$veth" >/dev/null 2>&1; then
      ip link set "$veth" master "$bridge"
      ip link set "$veth" up
      return 0
    fi
    sleep 0.1
  done
  echo "boot-host: $veth did not appear within 60 s" >&2
  return 1
}

boots=0
while :; do
  boots=$((boots + 1))
  echo "boot-host: starting $name (boot $boots)"
  veths=(--network-veth-extra="$public_veth:eth0")
  [[ "$private_veth" == - ]] || veths+=(--network-veth-extra="$private_veth:eth1")
  binds=()
  [[ -z "$bind" ]] || binds=(--bind="$bind")
  # Each container in a cgroup of its own, or two containers' units fail with EIO (docs/design.md §8).
  SYSTEMD_NSPAWN_UNIFIED_HIERARCHY=1 bash "$(dirname "$0")/in-cgroup.sh" "$cgroup" \
    systemd-nspawn --quiet -D "$root" -M "$name" --hostname="$name" --boot \
    --register=no --keep-unit --resolv-conf=off --console=read-only "${veths[@]}" "${binds[@]}" &
  nspawn_pid=$!
  echo "$nspawn_pid" >"$pid_file"
  if ! attach "$public_veth" "$public_bridge" || { [[ "$private_veth" != - ]] && ! attach "$private_veth" "$private_bridge"; }; then
    kill -KILL "$nspawn_pid" 2>/dev/null || true
  fi
  status=0
  wait "$nspawn_pid" || status=$?
  rm -f "$pid_file"
  [[ $status -eq 133 ]] || break
  echo "boot-host: $name asked for a reboot"
done
echo "boot-host: $name stopped (exit $status)"
exit "$status"
