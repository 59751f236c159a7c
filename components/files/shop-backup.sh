#!/bin/bash
# shop-backup KIND — one backup job of OPS-1, run by shop-backup-KIND.timer.
#   db     consistent dump of the shop database (run on the replica), gzip, into restic
#   files  the shop's shared/ directory, /etc and the env file, into restic
#   media  rclone mirror of the media bucket to the Storage Box
#   check  restic check --read-data-subset (weekly)
#   init   one-time: backup SSH key onto the Storage Box (password via askpass), restic init
# Every job pings BACKUP_HEARTBEAT_URL /start and /<exit code> (/fail when it cannot start),
# and on success writes the last-success stamp that shop-health's freshness check reads,
# plus node_exporter metrics.
set -euo pipefail
SHOP_LIB_DIR=${SHOP_LIB_DIR:-/usr/local/lib/shop}
# shellcheck source=components/files/shop-backup-common.sh
. "$SHOP_LIB_DIR/backup-common.sh"

kind=${1:-}
case $kind in
  db | files | media | check | init) ;;
  *) echo "usage: shop-backup db|files|media|check|init" >&2; exit 2 ;;
esac
shop_backup_init

# A dead-man's switch must never break the backup itself. The URL is a secret: it goes to
# curl on stdin, never on the command line.
heartbeat() {
  [ -n "${BACKUP_HEARTBEAT_URL:-}" ] || return 0
  printf 'url = "%s/%s"\n' "${BACKUP_HEARTBEAT_URL%/}" "$1" |
    curl -fsS -m 10 --retry 3 -o /dev/null --data-raw "$SHOP_HOST $kind" -K - ||
    shop_log "heartbeat $1 failed"
}

write_metrics() {
  local rc=$1 dir=$BACKUP_TEXTFILE_DIR tmp last=0
  [ -r "$BACKUP_STATE_DIR/last-success-$kind" ] && last=$(<"$BACKUP_STATE_DIR/last-success-$kind")
  mkdir -p "$dir" 2>/dev/null || return 0
  tmp=$(mktemp "$dir/.shop_backup_$kind.XXXXXX") || return 0
  {
    echo "# HELP shop_backup_last_success_timestamp_seconds Unix time of the last successful backup job."
    echo "# TYPE shop_backup_last_success_timestamp_seconds gauge"
    echo "shop_backup_last_success_timestamp_seconds{kind=\"$kind\"} $last"
    echo "# HELP shop_backup_last_exit_code Exit code of the last backup job."
    echo "# TYPE shop_backup_last_exit_code gauge"
    echo "shop_backup_last_exit_code{kind=\"$kind\"} $rc"
    echo "# HELP shop_backup_duration_seconds Duration of the last backup job."
    echo "# TYPE shop_backup_duration_seconds gauge"
    echo "shop_backup_duration_seconds{kind=\"$kind\"} $(($(date +%s) - started))"
    echo "# HELP shop_backup_processed_bytes Bytes read by the last backup job."
    echo "# TYPE shop_backup_processed_bytes gauge"
    echo "shop_backup_processed_bytes{kind=\"$kind\"} ${processed_bytes:-0}"
  } >"$tmp"
  chmod 0644 "$tmp"
  mv -f "$tmp" "$dir/shop_backup_$kind.prom"
}

finish() {
  local rc=$?
  trap - EXIT
  if [ "$rc" -eq 0 ]; then
    date +%s >"$BACKUP_STATE_DIR/last-success-$kind.tmp"
    mv -f "$BACKUP_STATE_DIR/last-success-$kind.tmp" "$BACKUP_STATE_DIR/last-success-$kind"
  fi
  write_metrics "$rc"
  heartbeat "$rc"
  exit "$rc"
}

# Reads restic's --json output and prints "SNAPSHOT_ID BYTES" from its summary; fails without one.
restic_summary() {
  local line summary="" snapshot_id processed
  while IFS= read -r line; do
    [[ $line == *'"message_type":"summary"'* ]] && summary=$line
  done
  [ -n "$summary" ] || return 1
  snapshot_id=$(grep -o '"snapshot_id":"[0-9a-f]*"' <<<"$summary" | cut -d'"' -f4)
  processed=$(grep -o '"total_bytes_processed":[0-9]*' <<<"$summary" | cut -d: -f2)
  printf '%s %s\n' "$snapshot_id" "$processed"
}

latest_snapshot() {
  restic snapshots --json --host "$SHOP_HOST" --tag "$kind" --latest 1 | grep -o '"id":"[0-9a-f]*"' | tail -n1 | cut -d'"' -f4 || true
}

forget() {
  restic forget --quiet --host "$SHOP_HOST" --tag "$kind" --group-by host,tags \
    --keep-hourly "$RETENTION_HOURLY" --keep-daily "$RETENTION_DAILY" \
    --keep-weekly "$RETENTION_WEEKLY" --keep-monthly "$RETENTION_MONTHLY" --prune
}

backup_db() {
  local -a mysql_opts
  local summary before after
  mapfile -t mysql_opts < <(shop_mysql_opts)
  # restic 0.14 has no --stdin-from-command: pipe, and let pipefail catch a failed dump.
  # A failed dump still leaves a snapshot of what gzip wrote (at least its header): forget it.
  before=$(latest_snapshot)
  if ! summary=$(mariadb-dump "${mysql_opts[@]}" --single-transaction --routines --triggers --events \
    --hex-blob --quick --default-character-set=utf8mb4 "$SHOP_DB_NAME" |
    gzip --rsyncable |
    restic backup --json --host "$SHOP_HOST" --tag db --stdin --stdin-filename "$SHOP_DB_NAME.sql.gz" |
    restic_summary); then
    after=$(latest_snapshot)
    if [ -n "$after" ] && [ "$after" != "$before" ]; then restic forget --quiet "$after"; fi
    shop_die "database dump failed; no snapshot kept"
  fi
  processed_bytes=${summary#* }
  shop_log "db snapshot ${summary%% *} ($processed_bytes bytes of compressed dump)"
  forget
}

backup_files() {
  local -a paths=() excludes=()
  local p summary
  for p in $BACKUP_FILES_PATHS; do [ -e "$p" ] && paths+=("$p"); done
  [ ${#paths[@]} -gt 0 ] || shop_die "none of BACKUP_FILES_PATHS exists: $BACKUP_FILES_PATHS"
  for p in $BACKUP_FILES_EXCLUDES; do excludes+=(--exclude "$p"); done
  summary=$(restic backup --json --host "$SHOP_HOST" --tag files --one-file-system --exclude-caches "${excludes[@]}" "${paths[@]}" | restic_summary)
  processed_bytes=${summary#* }
  shop_log "files snapshot ${summary%% *} (${paths[*]})"
  forget
}

backup_media() {
  # rclone's remotes come from the environment, so no config file holds the keys.
  export RCLONE_CONFIG_MEDIA_TYPE=s3 RCLONE_CONFIG_MEDIA_PROVIDER=Other
  export RCLONE_CONFIG_MEDIA_ENDPOINT=${MEDIA_ENDPOINT:-} RCLONE_CONFIG_MEDIA_REGION=${MEDIA_REGION:-}
  export RCLONE_CONFIG_MEDIA_ACCESS_KEY_ID=${MEDIA_ACCESS_KEY:-} RCLONE_CONFIG_MEDIA_SECRET_ACCESS_KEY=${MEDIA_SECRET_KEY:-}
  export RCLONE_CONFIG_BOX_TYPE=sftp RCLONE_CONFIG_BOX_HOST=${STORAGEBOX_SERVER:-} RCLONE_CONFIG_BOX_USER=${STORAGEBOX_USERNAME:-}
  export RCLONE_CONFIG_BOX_PORT=23 RCLONE_CONFIG_BOX_KEY_FILE=$STORAGEBOX_KEY_FILE RCLONE_CONFIG_BOX_SHELL_TYPE=none
  # Deleted or overwritten objects move to a dated folder instead of vanishing.
  rclone sync --stats-one-line -v --checkers 8 --transfers 4 \
    --backup-dir "${MEDIA_MIRROR_DEST%/}-deleted/$(date +%F)" \
    "$MEDIA_MIRROR_SOURCE" "$MEDIA_MIRROR_DEST"
  prune_media_deleted
}

# Dated folders of deleted objects are kept as far back as the database snapshots reach (a
# restored database may name them), then purged: without this they grow for ever.
prune_media_deleted() {
  local base="${MEDIA_MIRROR_DEST%/}-deleted" keep=${MEDIA_DELETED_KEEP_DAYS:?MEDIA_DELETED_KEEP_DAYS is not set} cutoff day
  cutoff=$(date -d "-$keep days" +%F)
  while IFS= read -r day; do
    day=${day%/}
    [[ $day =~ ^[0-9]{4}-[0-9]{2}-[0-9]{2}$ && $day < $cutoff ]] || continue
    rclone purge "$base/$day"
    shop_log "media mirror: purged $base/$day (older than $keep days)"
  done < <(rclone lsf --dirs-only "$base" 2>/dev/null || true)
}

ensure_storagebox_key() {
  local key=$STORAGEBOX_KEY_FILE marker=$BACKUP_STATE_DIR/storagebox-key-installed
  mkdir -p "$(dirname "$key")"
  [ -f "$key" ] || ssh-keygen -q -t ed25519 -N '' -C "shop-backup@$SHOP_HOST" -f "$key"
  [ -f "$marker" ] && return 0
  [ -n "${STORAGEBOX_PASSWORD:-}" ] || shop_die "STORAGEBOX_PASSWORD is not set: cannot upload the backup key"
  # Subaccounts take no SSH key through the API: upload it once over SFTP with the
  # password (fed by the askpass helper from the environment), keys only afterwards.
  SSH_ASKPASS="$SHOP_LIB_DIR/storagebox-askpass" SSH_ASKPASS_REQUIRE=force DISPLAY=none \
    ssh-copy-id -s -f -i "$key.pub" shop-storagebox </dev/null
  touch "$marker"
}

started=$(date +%s)
exec 9>"$BACKUP_STATE_DIR/lock"
if ! flock -w "${BACKUP_LOCK_WAIT_SECONDS:-3000}" 9; then
  heartbeat fail
  shop_die "another backup job still holds $BACKUP_STATE_DIR/lock"
fi
if [ "$kind" = init ]; then
  if [[ $RESTIC_REPOSITORY == sftp:* ]]; then ensure_storagebox_key; fi
  restic cat config >/dev/null 2>&1 || restic init
  exit 0
fi
heartbeat start
trap finish EXIT
case $kind in
  db) backup_db ;;
  files) backup_files ;;
  media) backup_media ;;
  check) restic check --read-data-subset="$CHECK_READ_DATA_SUBSET" ;;
esac
