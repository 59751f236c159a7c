#!/usr/bin/env bash
# Builds the lab's host image of the stack's own Debian release (see docs/design.md §8 "Local lab
# containers"): debootstrap minbase of SUITE (bookworm for debian-12, trixie for debian-13) plus
# every package the stack's hosts install at first boot, so no traffic leaves the lab bridges later.
#
# Usage: build-image.sh SUITE IMAGE_DIR MIRROR PACKAGES_FILE DISABLED_UNITS_FILE
#   PACKAGES_FILE        one Debian package a line (preinstalled)
#   DISABLED_UNITS_FILE  one systemd unit a line: disabled in the image; the lab enables the
#                        ones a host's role installs, as apt's postinst would on a real server.
# Builds into IMAGE_DIR.partial and renames on success, so a failed build leaves no image.
set -euo pipefail

[[ $# -eq 5 ]] || { echo "usage: build-image.sh SUITE IMAGE_DIR MIRROR PACKAGES_FILE DISABLED_UNITS_FILE" >&2; exit 2; }
suite="$1" image="$2" mirror="$3" packages_file="$4" units_file="$5"
partial="$image.partial"
build_log="$image.build.log"

build_name=build-image
# shellcheck source=scripts/lib/chroot-build.sh
source "$(dirname "${BASH_SOURCE[0]}")/../../lib/chroot-build.sh"
chroot_build_begin
mkdir -p "$partial"

base="systemd,systemd-sysv,dbus,cloud-init,python3-cffi-backend,iproute2,openssh-server,nftables,python3,ifupdown,isc-dhcp-client,sudo,procps,netbase,locales,curl"
echo "build-image: debootstrap $suite from $mirror"
debootstrap --variant=minbase --include="$base" "$suite" "$partial" "$mirror" >"$build_log" 2>&1

chroot_build_prepare
chroot_install_packages "$packages_file"

sed -i 's/^# *en_US.UTF-8 UTF-8/en_US.UTF-8 UTF-8/' "$partial/etc/locale.gen"
chroot "$partial" locale-gen >/dev/null

mapfile -t units < <(grep -v '^[[:space:]]*$' "$units_file")
for unit in "${units[@]}"; do
  chroot "$partial" systemctl disable "$unit" >/dev/null 2>&1 || true
done

umount "$partial/proc"
rm -f "$partial/usr/sbin/policy-rc.d"
chroot "$partial" apt-get clean
# Each host gets its own identity at first boot: machine-id, SSH host keys (cloud-init).
: >"$partial/etc/machine-id"
rm -f "$partial"/etc/ssh/ssh_host_*
# No resolver on the bridges: an empty resolv.conf makes lookups fail at once instead of stalling.
: >"$partial/etc/resolv.conf"
# Only the NoCloud seed exists here; skip probing other clouds.
printf 'datasource_list: [ NoCloud, None ]\n' >"$partial/etc/cloud/cloud.cfg.d/90-lab-datasource.cfg"

rm -rf "$image"
mv "$partial" "$image"
rm -f "$build_log"
echo "build-image: done: $image ($(du -sh "$image" | cut -f1))"
