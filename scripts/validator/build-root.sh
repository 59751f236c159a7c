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
build_log="$root.build.log"

build_name=build-root
# shellcheck source=scripts/lib/chroot-build.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib/chroot-build.sh"
chroot_build_begin
mkdir -p "$(dirname "$root")"
echo "build-root: debootstrap $suite from $mirror"
debootstrap --variant=minbase "$suite" "$partial" "$mirror" >"$build_log" 2>&1

chroot_build_prepare
chroot_install_packages "$packages_file"
chroot "$partial" apt-get clean

umount "$partial/proc"
rm -rf "$root"
mv "$partial" "$root"
echo "build-root: $root ready"
