#!/bin/bash
# shop-restore — the restore side of OPS-1 (drill in the README).
#   shop-restore list [db|files]
#   shop-restore db [--snapshot ID] [--into NAME]         restore into a scratch database
#   shop-restore db [--snapshot ID] --live --confirm-live restore over the live database
#   shop-restore db [--snapshot ID] --stdout              write the SQL to stdout (pipe it to the primary)
#   shop-restore files [--snapshot ID] [--target DIR] [--include PATH]...
# Snapshots default to the newest one of this host. Restoring over live data always needs
# --confirm-live.
set -euo pipefail
SHOP_LIB_DIR=${SHOP_LIB_DIR:-/usr/local/lib/shop}
# shellcheck source=components/files/shop-backup-common.sh
. "$SHOP_LIB_DIR/backup-common.sh"

usage() {
  sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//' >&2
  exit 2
}

cmd=${1:-}
[ -n "$cmd" ] || usage
shift
snapshot=latest list_tag="" into="" live=0 confirm=0 to_stdout=0 target="" includes=()
while [ $# -gt 0 ]; do
  case $1 in
    --snapshot) snapshot=${2:?}; shift ;;
    --into) into=${2:?}; shift ;;
    --live) live=1 ;;
    --confirm-live) confirm=1 ;;
    --stdout) to_stdout=1 ;;
    --target) target=${2:?}; shift ;;
    --include) includes+=(--include "${2:?}"); shift ;;
    db | files)
      [ "$cmd" = list ] || usage
      list_tag=$1
      ;;
    *) usage ;;
  esac
  shift
done
shop_backup_init

mysql_client() {
  local -a opts
  mapfile -t opts < <(shop_mysql_opts)
  mariadb "${opts[@]}" "$@"
}

dump_sql() {
  restic dump --host "$SHOP_HOST" --tag db "$snapshot" "/$SHOP_DB_NAME.sql.gz" | gunzip
}

restore_db() {
  local started db log_bin
  started=$(date +%s)
  if [ "$to_stdout" = 1 ]; then dump_sql; return; fi
  if [ "$live" = 1 ]; then
    [ "$confirm" = 1 ] || shop_die "restoring over the live database $SHOP_DB_NAME needs --confirm-live"
    [ -z "$into" ] || shop_die "--live and --into exclude each other"
    [ "$(mysql_client -N -e 'SELECT @@read_only')" = 0 ] ||
      shop_die "this server is read-only (a replica): run on the primary, e.g. ssh replica shop-restore db --stdout | ssh primary mariadb $SHOP_DB_NAME"
    db=$SHOP_DB_NAME
    log_bin=1 # the restore must replicate
  else
    db=${into:-${SHOP_DB_NAME}_restore_$(date +%Y%m%d%H%M%S)}
    [ "$db" != "$SHOP_DB_NAME" ] || shop_die "--into $db is the live database: use --live --confirm-live"
    log_bin=0 # a scratch copy stays local: no errant GTIDs on a replica
  fi
  [[ $db =~ ^[A-Za-z0-9_]+$ ]] || shop_die "database name $db: only A-Z, a-z, 0-9 and _"
  mysql_client -e "SET SESSION sql_log_bin=$log_bin; CREATE DATABASE IF NOT EXISTS \`$db\`"
  dump_sql | mysql_client --init-command="SET SESSION sql_log_bin=$log_bin" "$db"
  shop_log "restored snapshot $snapshot into database $db in $(($(date +%s) - started)) s"
}

restore_files() {
  local started
  started=$(date +%s)
  target=${target:-/var/tmp/shop-restore-$(date +%Y%m%d%H%M%S)}
  if [ "$(realpath -m "$target")" = / ] && [ "$confirm" != 1 ]; then
    shop_die "restoring over / needs --confirm-live"
  fi
  mkdir -p "$target"
  restic restore "$snapshot" --host "$SHOP_HOST" --tag files --target "$target" "${includes[@]}"
  shop_log "restored snapshot $snapshot into $target in $(($(date +%s) - started)) s"
}

case $cmd in
  list)
    if [ -n "$list_tag" ]; then restic snapshots --host "$SHOP_HOST" --tag "$list_tag"; else restic snapshots --host "$SHOP_HOST"; fi
    ;;
  db) restore_db ;;
  files) restore_files ;;
  *) usage ;;
esac
