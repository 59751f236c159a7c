#!/usr/bin/env bash
# shop-release: the host half of a rolling deploy (SW-3), run by deploy users through sudo.
#   prepare ID      freeze releases/ID (root-owned, so neither the deployer nor the web server can
#                   change code that runs), link the shared files into it, give www-data its cache
#   activate ID     switch `current` to a prepared release atomically (rename of a symlink)
#   rollback        switch back to the release that was current before the last switch
#   prune KEEP      delete all but the KEEP newest releases (never current or previous)
#   drain|undrain   fail the LB's health check (503) on this node / serve it again
#   maintenance on|off   every dynamic request answers 503 with the maintenance page
#   status          current, previous, drain and maintenance flags, the releases (key=value)
# Paths come from /etc/shop/release.env (rendered by the host config, shopware.ts).
set -euo pipefail
umask 022
# shellcheck source=/dev/null
. "${SHOP_ROOT:-}/etc/shop/release.env"
root="${SHOP_ROOT:-}"
base="$root$SHOP_DIR"
releases="$base/releases"
shared="$base/shared"
state="$root/var/lib/shop/release-previous"
drain_flag="$root$SHOP_DRAIN_FLAG"
maintenance_flag="$root$SHOP_MAINTENANCE_FLAG"
# Relative to the release root; each is a link into shared/ (public/media is never local: S3).
shared_links=(.env.local config/packages/zz-cluster.yaml install.lock var/log)

die() { echo "shop-release: $*" >&2; exit 1; }

# An id names a directory under releases/ and nothing else: no '/', no leading dot.
release_dir() {
  [[ ${1:-} =~ ^[A-Za-z0-9_-][A-Za-z0-9._-]{0,63}$ ]] || die "release id '${1:-}': allowed are 1-64 of A-Z a-z 0-9 . _ - (not starting with .)"
  printf '%s/%s' "$releases" "$1"
}

current_id() {
  local target
  target=$(readlink "$base/current" 2>/dev/null) || return 0
  printf '%s' "${target#releases/}"
}

# Nothing the deployer may have planted as a symlink is followed by root.
no_symlinks() {
  local dir=$1 rel
  shift
  for rel in "$@"; do
    local p="$dir" part
    IFS=/ read -r -a parts <<<"$rel"
    for part in "${parts[@]}"; do
      p="$p/$part"
      [[ -L $p ]] && die "$(basename "$dir"): $rel passes through a symlink ($p); a release brings no links of its own there"
    done
  done
  return 0
}

prepare() {
  local dir
  dir=$(release_dir "$1")
  [[ -d $dir && ! -L $dir ]] || die "no release $1 under $releases (upload it first)"
  [[ "$1" != "$(current_id)" ]] || die "release $1 is current; prepare a new id"
  # Freeze first: after this only root can change the tree, so the checks below hold.
  chown -R --no-dereference root:root "$dir"
  chmod -R go-w "$dir"
  for need in bin/console vendor/autoload.php; do
    [[ -f $dir/$need && ! -L $dir/$need ]] || die "release $1 lacks $need (a built Shopware project has it)"
  done
  no_symlinks "$dir" "${shared_links[@]}" public/media var/cache
  if [[ -e $dir/public/media ]]; then
    rmdir "$dir/public/media" 2>/dev/null || die "release $1 brings files in public/media; media lives in object storage, not in a release"
  fi
  [[ -e $shared/install.lock ]] || install -m 0644 -o root -g www-data /dev/null "$shared/install.lock"
  local link
  for link in "${shared_links[@]}"; do
    mkdir -p "$(dirname "$dir/$link")"
    rm -rf -- "${dir:?}/$link"
    ln -s "$shared/$link" "$dir/$link"
  done
  # The cache is built as www-data (bin/console runs as the web server), in the release itself.
  rm -rf -- "${dir:?}/var/cache"
  install -d -m 0755 -o www-data -g www-data "$dir/var/cache"
  date -u +%FT%TZ >"$dir/.shop-prepared"
  echo "prepared $1"
}

switch_to() {
  local id=$1 dir old
  dir=$(release_dir "$id")
  [[ -f $dir/.shop-prepared ]] || die "release $id is not prepared (shop-release prepare $id)"
  old=$(current_id)
  [[ $old != "$id" ]] || { echo "current is already $id"; return 0; }
  ln -sfn "releases/$id" "$base/.current.next"
  mv -fT "$base/.current.next" "$base/current"
  mkdir -p "$(dirname "$state")"
  printf '%s\n' "$old" >"$state"
  echo "current: ${old:-none} -> $id"
}

rollback() {
  local previous
  previous=$(cat "$state" 2>/dev/null || true)
  [[ -n $previous ]] || die "no previous release recorded; nothing to roll back to"
  switch_to "$previous"
}

prune() {
  [[ ${1:-} =~ ^[1-9][0-9]?$ ]] || die "prune KEEP: a number from 1 to 99, found '${1:-}'"
  local keep=$1 current previous kept=0 id
  current=$(current_id)
  previous=$(cat "$state" 2>/dev/null || true)
  # Newest first by the time the directory last changed (prepare touches it).
  while IFS= read -r id; do
    if [[ $id == "$current" || $id == "$previous" ]] || ((kept < keep)); then
      kept=$((kept + 1))
      continue
    fi
    rm -rf -- "${releases:?}/$id"
    echo "pruned $id"
  done < <(find "$releases" -mindepth 1 -maxdepth 1 -type d -printf '%T@ %f\n' | sort -rn | cut -d' ' -f2-)
}

flag() {
  local file=$1 on=$2
  if [[ $on == on ]]; then
    mkdir -p "$(dirname "$file")"
    : >"$file"
  else
    rm -f -- "$file"
  fi
}

status() {
  echo "current=$(current_id)"
  echo "previous=$(cat "$state" 2>/dev/null || true)"
  echo "drained=$([[ -e $drain_flag ]] && echo yes || echo no)"
  echo "maintenance=$([[ -e $maintenance_flag ]] && echo on || echo off)"
  echo "releases=$(find "$releases" -mindepth 1 -maxdepth 1 -type d -printf '%f\n' 2>/dev/null | sort | paste -sd' ')"
}

case "${1:-}" in
  prepare) prepare "${2:-}" ;;
  activate) switch_to "${2:-}" ;;
  rollback) rollback ;;
  prune) prune "${2:-}" ;;
  drain) flag "$drain_flag" on; echo "drained: the health check answers 503" ;;
  undrain) flag "$drain_flag" off; echo "undrained: the health check is served" ;;
  maintenance)
    [[ ${2:-} == on || ${2:-} == off ]] || die "maintenance on|off, found '${2:-}'"
    flag "$maintenance_flag" "$2"
    echo "maintenance $2"
    ;;
  status) status ;;
  *) die "usage: shop-release prepare ID | activate ID | rollback | prune KEEP | drain | undrain | maintenance on|off | status" ;;
esac
