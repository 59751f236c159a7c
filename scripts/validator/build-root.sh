#!/usr/bin/env bash
# Builds a Debian root whose validators judge renders for that release (php-fpm -t, mariadbd
# --help --verbose, nginx -t, sshd -t, systemd-analyze verify, cloud-init schema): CI runs on
# Debian 12, so a debian-13 stack's renders are checked with trixie's own tools inside it.
#
# Usage: build-root.sh SUITE MIRROR PACKAGES_FILE ROOT_DIR
#   PACKAGES_FILE  one Debian package a line (installed without recommends)
#   ROOT_DIR       where the root goes; the caller keys it by this script and the package list
# Builds into ROOT_DIR.partial and renames on success, so a failed build leaves no root.
set -euo pipefail

[[ $# -eq 4 ]] || { echo "usage: build-root.sh SUITE MIRROR PACKAGES_FILE ROOT_DIR" >&2; exit 2; }
suite="$1" mirror="$2" packages_file="$3" root="$4"
partial="$root.partial"
log="$root.build.log"

unmount_below() {
  local mp
  while read -r mp; do
    umount -l "$mp" 2>/dev/null || true
  done < <(awk -v p="$partial/" 'index($2, p) == 1 { print $2 }' /proc/self/mounts | sort -r)
}

cleanup() {
  local status=$?
  unmount_below
  if [[ $status -ne 0 ]]; then
    [[ -f "$log" ]] && tail -25 "$log" >&2
    rm -rf "$partial"
    echo "build-root: failed (exit $status); removed $partial; full log: $log" >&2
  fi
}
trap cleanup EXIT

unmount_below
rm -rf "$partial"
mkdir -p "$(dirname "$root")"
echo "build-root: debootstrap $suite from $mirror"
debootstrap --variant=minbase "$suite" "$partial" "$mirror" >"$log" 2>&1

# Services must not start inside the build chroot.
printf '#!/bin/sh\nexit 101\n' >"$partial/usr/sbin/policy-rc.d"
chmod 0755 "$partial/usr/sbin/policy-rc.d"
cp /etc/resolv.conf "$partial/etc/resolv.conf"
mount -t proc proc "$partial/proc"

mapfile -t packages < <(grep -v '^[[:space:]]*$' "$packages_file")
echo "build-root: installing ${#packages[@]} packages"
{
  chroot "$partial" env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  chroot "$partial" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${packages[@]}"
  chroot "$partial" apt-get clean
} >>"$log" 2>&1

umount "$partial/proc"
rm -rf "$root"
mv "$partial" "$root"
echo "build-root: $root ready"
