#!/usr/bin/env bash
# shop-apply: installs one host bundle (shop blueprint docs/design.md D1) idempotently.
#
# Usage: shop-apply [--secrets-stdin] BUNDLE
#   BUNDLE is either a directory holding bundle.json (the manifest) and bundle/<absolute path>
#   for every file (the offline plan's layout, used by cloud-init), or a self-contained
#   bundle.json whose entries carry their `content` (what converge copies).
#   --secrets-stdin  read the host's secrets (KEY='value' lines) from stdin and install them
#                    as /etc/shop/secrets.env (0600 root) before rendering templates.
#
# For each file: fill {{secret:NAME}} tokens when `template` is set, compare content, mode and
# owner with what is installed, and replace it atomically (temp file + rename) only when it
# differs. Then daemon-reload if units changed, reload or restart only the units named in
# `restarts` of changed files ("reload:UNIT" reloads, plain "UNIT" restarts), and run every
# executable in /usr/local/lib/shop/apply.d/ in name order. Files the previous bundle installed
# and this one lacks are removed (units stopped and disabled first). A second run with the same
# bundle changes nothing and says so; any failure exits non-zero.
#
# Environment (tests): SHOP_ROOT  prefix for every host path (default: none)
#                      SHOP_SYSTEMCTL  systemctl replacement (default: systemctl)
set -euo pipefail
umask 077

ROOT="${SHOP_ROOT:-}"
SYSTEMCTL="${SHOP_SYSTEMCTL:-systemctl}"
SECRETS_FILE="$ROOT/etc/shop/secrets.env"
HOOK_DIR="$ROOT/usr/local/lib/shop/apply.d"
LOG_FILE="$ROOT/var/log/shop-apply.log"
# What the last apply installed (path and restarts per line), to remove what a bundle drops.
STATE_FILE="$ROOT/var/lib/shop/applied-files"
export SHOP_ROOT="$ROOT" SHOP_SYSTEMCTL="$SYSTEMCTL"

log() {
  local line
  line="$(date -u +%FT%TZ) shop-apply: $*"
  printf '%s\n' "$line"
  printf '%s\n' "$line" >>"$LOG_FILE" 2>/dev/null || true
}

die() {
  log "ERROR: $*"
  exit 1
}

secrets_from_stdin=0
if [[ "${1:-}" == "--secrets-stdin" ]]; then
  secrets_from_stdin=1
  shift
fi
[[ $# -eq 1 ]] || die "usage: shop-apply [--secrets-stdin] BUNDLE_DIR|BUNDLE_JSON"
BUNDLE="$1"
if [[ -d "$BUNDLE" ]]; then
  MANIFEST="$BUNDLE/bundle.json"
  FILES_DIR="$BUNDLE/bundle"
else
  MANIFEST="$BUNDLE"
  FILES_DIR=""
fi
[[ -f "$MANIFEST" ]] || die "no manifest at $MANIFEST"
command -v jq >/dev/null || die "jq is required"

(umask 022 && mkdir -p "$ROOT/var/log" "$ROOT/run" "$ROOT/etc/shop")
# One apply at a time: cloud-init's first run and a converge may overlap.
exec 9>"$ROOT/run/shop-apply.lock"
flock -w 600 9 || die "another shop-apply holds $ROOT/run/shop-apply.lock"

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

changed=()
declare -A restart_units=()
declare -A reload_units=()
daemon_reload=0

# Installs $1 (a temp file) at $2 with mode $3 and owner $4 unless identical; returns 0 if it changed.
install_if_changed() {
  local src="$1" dest="$2" mode="$3" owner="$4" have_mode have_owner tmp
  if [[ -f "$dest" ]] && cmp -s "$src" "$dest"; then
    have_mode="$(stat -c '%a' "$dest")"
    have_owner="$(stat -c '%U:%G' "$dest")"
    if [[ "$((8#$have_mode))" == "$((8#$mode))" ]] &&
      { [[ $EUID -ne 0 ]] || [[ "$have_owner" == "$owner" ]]; }; then
      return 1
    fi
  fi
  # New parent directories get the usual 0755, whatever umask this script runs with.
  (umask 022 && mkdir -p "$(dirname "$dest")")
  tmp="$(mktemp "$(dirname "$dest")/.shop-apply.XXXXXX")"
  cat "$src" >"$tmp"
  chmod "$mode" "$tmp"
  # Ownership needs root; unprivileged test runs keep the caller as owner.
  if [[ $EUID -eq 0 ]]; then
    chown "$owner" "$tmp" || { rm -f "$tmp"; die "cannot chown $dest to $owner"; }
  fi
  mv -f "$tmp" "$dest"
  return 0
}

if [[ $secrets_from_stdin -eq 1 ]]; then
  cat >"$work/secrets.env"
  bash -n "$work/secrets.env" || die "the secrets on stdin are not KEY='value' lines"
  if install_if_changed "$work/secrets.env" "$SECRETS_FILE" 0600 root:root; then
    changed+=("/etc/shop/secrets.env")
  fi
fi

# Secrets are read into this shell only (not exported): templates need them, hooks source the file.
if [[ -f "$SECRETS_FILE" ]]; then
  # shellcheck disable=SC1090
  . "$SECRETS_FILE"
fi

# Replaces every {{secret:NAME}} in file $1 with the value of NAME; fails on an unknown name.
fill_template() {
  local file="$1" content name value
  IFS= read -r -d '' content <"$file" || true
  while [[ "$content" =~ \{\{secret:([A-Z][A-Z0-9_]*)\}\} ]]; do
    name="${BASH_REMATCH[1]}"
    [[ -n "${!name+set}" ]] || die "template $2 needs secret $name, which $SECRETS_FILE does not set"
    value="${!name}"
    content="${content//"{{secret:$name}}"/"$value"}"
  done
  printf '%s' "$content" >"$file"
}

is_unit_path() {
  [[ "$1" == */systemd/system/* ]]
}

count="$(jq '.files | length' "$MANIFEST")"
host="$(jq -r '.host // "unknown"' "$MANIFEST")"
hash="$(jq -r '.hash // "unknown"' "$MANIFEST")"
log "applying bundle ${hash:0:12} for $host ($count files)"

# One line per file: path, mode, owner, template flag, restarts, inline content as base64 ("-": none),
# separated by ASCII unit separators (tabs would merge empty fields).
jq -r '.files[] | [.path, .mode, .owner, (.template // false | tostring), ((.restarts // []) | join(" ")),
  (if has("content") then (.content | @base64) else "-" end)] | join("\u001f")' "$MANIFEST" >"$work/index.tsv"

while IFS=$'\x1f' read -r path mode owner template restarts inline; do
  [[ "$path" == /* && "$path" != *..* ]] || die "bad path in manifest: $path"
  [[ "$mode" =~ ^0?[0-7]{3,4}$ ]] || die "bad mode $mode for $path"
  staged="$work/file"
  if [[ "$inline" != "-" ]]; then
    base64 -d <<<"$inline" >"$staged" || die "bad content for $path"
  else
    [[ -n "$FILES_DIR" && -f "$FILES_DIR$path" ]] || die "bundle has no content for $path"
    cat "$FILES_DIR$path" >"$staged"
  fi
  if [[ "$template" == "true" ]]; then
    fill_template "$staged" "$path"
  fi
  if install_if_changed "$staged" "$ROOT$path" "$mode" "$owner"; then
    changed+=("$path")
    if is_unit_path "$path"; then daemon_reload=1; fi
    read -r -a units <<<"$restarts"  # split on blanks without glob expansion ("shop-consumer@*")
    for unit in "${units[@]}"; do
      if [[ "$unit" == reload:* ]]; then reload_units["${unit#reload:}"]=1; else restart_units["$unit"]=1; fi
    done
  fi
done <"$work/index.tsv"
[[ "$(wc -l <"$work/index.tsv")" -eq "$count" ]] || die "manifest index is incomplete"

for path in "${changed[@]}"; do log "installed $path"; done

# Files an earlier bundle installed and this one no longer has are removed: a unit is stopped
# and disabled first, and the units a removed file named are restarted without it.
removed=()
declare -A removed_units=()
cut -d $'\x1f' -f1 "$work/index.tsv" | sort >"$work/paths"
if [[ -f "$STATE_FILE" ]]; then
  while IFS=$'\x1f' read -r path restarts; do
    if [[ -z "$path" ]] || grep -qxF -- "$path" "$work/paths"; then continue; fi
    removed+=("$path")
    unit="$(basename "$path")"
    if is_unit_path "$path"; then
      daemon_reload=1
      removed_units["$unit"]=1
      if [[ "$unit" == *@.* ]]; then
        "$SYSTEMCTL" stop "${unit%%@*}@*.${unit##*.}" || die "stop ${unit%%@*}@* failed"
      else
        "$SYSTEMCTL" disable --now "$unit" || die "disable $unit failed"
      fi
    fi
    rm -f -- "$ROOT$path"
    log "removed $path"
    read -r -a units <<<"$restarts"
    for u in "${units[@]}"; do
      if [[ "$u" == reload:* ]]; then reload_units["${u#reload:}"]=1; else restart_units["$u"]=1; fi
    done
  done <"$STATE_FILE"
  # A unit whose file is gone is not restarted, whoever named it.
  for unit in "${!removed_units[@]}"; do unset "restart_units[$unit]" "reload_units[$unit]"; done
fi
(umask 022 && mkdir -p "$(dirname "$STATE_FILE")")
cut -d $'\x1f' -f1,5 "$work/index.tsv" >"$STATE_FILE.tmp"
mv -f "$STATE_FILE.tmp" "$STATE_FILE"

if [[ $daemon_reload -eq 1 ]]; then
  log "systemctl daemon-reload"
  "$SYSTEMCTL" daemon-reload || die "daemon-reload failed"
fi
# Sorted, and read line by line: names like "shop-consumer@*.service" are systemctl globs, not ours.
while IFS= read -r unit; do
  [[ -n "$unit" ]] || continue
  log "restart $unit"
  "$SYSTEMCTL" restart "$unit" || die "restart $unit failed"
  unset "reload_units[$unit]"
done < <(printf '%s\n' "${!restart_units[@]}" | sort)
while IFS= read -r unit; do
  [[ -n "$unit" ]] || continue
  log "reload $unit"
  "$SYSTEMCTL" reload-or-restart "$unit" || die "reload $unit failed"
done < <(printf '%s\n' "${!reload_units[@]}" | sort)

# Hooks create directories and files of their own: give them the usual umask.
umask 022
if [[ -d "$HOOK_DIR" ]]; then
  for hook in "$HOOK_DIR"/*; do
    [[ -f "$hook" && -x "$hook" ]] || continue
    set +e
    "$hook" 2>&1 | while IFS= read -r line; do log "$(basename "$hook"): $line"; done
    status="${PIPESTATUS[0]}"
    set -e
    [[ "$status" -eq 0 ]] || die "hook $(basename "$hook") failed with exit code $status"
  done
fi

if [[ ${#changed[@]} -eq 0 && ${#removed[@]} -eq 0 ]]; then
  log "no changes"
else
  restarted="$(printf '%s\n' "${!restart_units[@]}" | sort | paste -sd ' ')"
  reloaded="$(printf '%s\n' "${!reload_units[@]}" | sort | paste -sd ' ')"
  log "${#changed[@]} file(s) changed, ${#removed[@]} removed; restarted: ${restarted:-none}; reloaded: ${reloaded:-none}"
fi
