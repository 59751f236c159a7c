#!/bin/bash
# Shared by shop-backup and shop-restore: settings, secrets and restic's environment.
# Settings come from $SHOP_ETC/backup.env (rendered, no secrets) and $SHOP_ETC/secrets.env
# (written by converge, 0600). A variable already set in the environment wins over both
# files, so a test or an operator can point a run at another repository or database.

SHOP_ETC=${SHOP_ETC:-/etc/shop}

# Reads KEY='value' lines (the format the renderers and converge write) without
# overriding what the caller already exported.
shop_load_env_file() {
  local file=$1 line key
  [ -r "$file" ] || return 0
  while IFS= read -r line || [ -n "$line" ]; do
    [[ $line =~ ^([A-Z_][A-Z0-9_]*)= ]] || continue
    key=${BASH_REMATCH[1]}
    [ -n "${!key+x}" ] && continue
    eval "export $line"
  done <"$file"
}

shop_log() { printf '%s %s\n' "${0##*/}" "$*" >&2; }
shop_die() { shop_log "error: $*"; exit 1; }

shop_backup_init() {
  [ -r "$SHOP_ETC/backup.env" ] || shop_die "$SHOP_ETC/backup.env is missing (not converged yet?)"
  shop_load_env_file "$SHOP_ETC/backup.env"
  shop_load_env_file "$SHOP_ETC/secrets.env"
  [ -n "${RESTIC_PASSWORD:-}" ] || shop_die "RESTIC_PASSWORD is not set in $SHOP_ETC/secrets.env"
  export RESTIC_REPOSITORY RESTIC_PASSWORD
  # restic keeps its cache per user; root's home may be read-only in a sandboxed unit.
  export RESTIC_CACHE_DIR=${RESTIC_CACHE_DIR:-$BACKUP_STATE_DIR/restic-cache}
  mkdir -p "$BACKUP_STATE_DIR"
}

# mariadb / mariadb-dump with the optional defaults file first (it must be the first option).
shop_mysql_opts() {
  if [ -n "${MYSQL_DEFAULTS_FILE:-}" ]; then printf '%s\n' "--defaults-file=$MYSQL_DEFAULTS_FILE"; fi
}
