# shellcheck shell=bash
# The caller sets build_name, partial and build_log (below) before sourcing.
# shellcheck disable=SC2154
# Shared by the lab image build (scripts/lab/sh/build-image.sh) and the validator root build
# (scripts/validator/build-root.sh): a debootstrapped root built into "$partial", which a failed
# build removes, with services kept from starting and its mounts undone whatever happens.
# Callers set: build_name (for messages), partial (the root being built), build_log.

# Unmounts whatever debootstrap or the chroot left mounted below $partial (deepest first).
unmount_below() {
  local mp
  while read -r mp; do
    umount -l "$mp" 2>/dev/null || true
  done < <(awk -v p="$partial/" 'index($2, p) == 1 { print $2 }' /proc/self/mounts | sort -r)
}

chroot_build_cleanup() {
  local status=$?
  unmount_below
  if [[ $status -ne 0 ]]; then
    [[ -f "$build_log" ]] && tail -25 "$build_log" >&2
    rm -rf "$partial"
    echo "$build_name: failed (exit $status); removed $partial; full log: $build_log" >&2
  fi
}

# Starts from nothing: earlier mounts undone, no partial root left, cleanup armed.
chroot_build_begin() {
  trap chroot_build_cleanup EXIT
  unmount_below
  rm -rf "$partial"
}

# After debootstrap: services must not start inside the build chroot; apt needs a resolver and /proc.
chroot_build_prepare() {
  printf '#!/bin/sh\nexit 101\n' >"$partial/usr/sbin/policy-rc.d"
  chmod 0755 "$partial/usr/sbin/policy-rc.d"
  cp /etc/resolv.conf "$partial/etc/resolv.conf"
  mount -t proc proc "$partial/proc"
}

# Installs the packages named in a file (one a line, blank lines skipped), without recommends.
chroot_install_packages() {
  local -a packages
  mapfile -t packages < <(grep -v '^[[:space:]]*$' "$1")
  echo "$build_name: installing ${#packages[@]} packages"
  {
    chroot "$partial" env DEBIAN_FRONTEND=noninteractive apt-get update -qq
    chroot "$partial" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${packages[@]}"
  } >>"$build_log" 2>&1
}
