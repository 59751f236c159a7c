#!/usr/bin/env bash
# shop-db-reseed: rebuilds a replica from a hot copy of the primary, at the copy's GTID position,
# so a replica can be built after the primary's binlogs expired (replaying from the first binlog
# fails with error 1236 then). The stream passes through the admin's own SSH sessions, so the
# DB nodes need no new port or key between them:
#   ssh ADMIN@PRIMARY sudo shop-db-reseed send [--logical] | ssh ADMIN@REPLICA sudo shop-db-reseed receive
#   send      (primary) mariadb-backup --backup as an xbstream on stdout; the primary keeps serving
#   send --logical
#             (primary) mariadb-dump of the shop database and the accounts, in one transaction, at
#             a GTID position: the copy for a replica on a newer MariaDB series (an upgrade from
#             debian-12 to debian-13), which mariadb-backup cannot prepare
#   receive   (replica) reads either. A physical copy: unpack and prepare it beside the datadir,
#             stop MariaDB, swap the datadir (the old one is kept as <datadir>.before-reseed),
#             start it. A logical copy: stop replication, replace the shop database with the
#             dump. Then set gtid_slave_pos to the copy's position and let the bootstrap hook
#             start replication.
# Settings: /etc/shop/db.env.
set -euo pipefail
umask 077
etc="${SHOP_ROOT:-}/etc/shop"
# shellcheck source=/dev/null
. "$etc/db.env"
datadir="${SHOP_ROOT:-}${DB_DATADIR:-/var/lib/mysql}"
bootstrap="${SHOP_ROOT:-}/usr/local/lib/shop/apply.d/60-mariadb-bootstrap"

die() { echo "shop-db-reseed: $*" >&2; exit 1; }
# mariadb-backup logs every file it copies: keep its errors and its final line.
progress_only() { grep -E 'completed OK|[Ee]rror:|\[ERROR\]|FATAL' || true; }
sql() { mariadb --socket="$DB_SOCKET" --user=root --batch --skip-column-names; }

# xbstream's chunk magic: the first bytes of a physical copy.
XBSTREAM_MAGIC=XBSTCK01

send() {
  [[ $DB_ROLE == primary ]] || die "send runs on the primary; this node is the $DB_ROLE"
  [[ -t 1 ]] && die "send writes a binary stream: pipe it into 'shop-db-reseed receive' on the replica"
  if [[ ${1:-} == --logical ]]; then
    # One consistent snapshot; the GTID position as a comment (--master-data=2) that receive reads.
    # --system=users carries the accounts as CREATE USER IF NOT EXISTS and their grants.
    mariadb-dump --socket="$DB_SOCKET" --user=root --single-transaction --gtid --master-data=2 \
      --routines --events --triggers --system=users --insert-ignore --databases "$DB_NAME"
    return
  fi
  backup_tmp=$(mktemp -d)
  trap 'rm -rf -- "$backup_tmp"' EXIT
  mariadb-backup --backup --stream=xbstream --socket="$DB_SOCKET" --user=root --target-dir="$backup_tmp" 2> >(progress_only >&2)
}

# The GTID position the copy reached (mariadb-backup writes it next to the data; the file's name
# changed in MariaDB 11: mariadb_backup_binlog_info, xtrabackup_binlog_info before).
copy_gtid() {
  local f
  for f in "$1/mariadb_backup_binlog_info" "$1/xtrabackup_binlog_info"; do
    [[ -f $f ]] && { awk '{print $3}' "$f"; return 0; }
  done
  die "the copy records no binlog position (is the primary's binlog on?)"
}

# The MariaDB series (11.8) of a version string such as 11.8.3-MariaDB-deb13.
series() { [[ $1 =~ ^([0-9]+\.[0-9]+)\. ]] && echo "${BASH_REMATCH[1]}"; }

# The server version a physical copy was taken from (mariadb-backup writes it next to the data).
copy_version() {
  local f
  for f in "$1/mariadb_backup_info" "$1/xtrabackup_info"; do
    [[ -f $f ]] && { awk -F' = ' '$1 == "server_version" {print $2}' "$f"; return 0; }
  done
}

# Starts replication at the copy's position; a fenced former primary replicates again.
replicate_from() {
  local gtid=$1
  [[ $gtid =~ ^[0-9]+-[0-9]+-[0-9]+(,[0-9]+-[0-9]+-[0-9]+)*$ ]] || die "the copy's GTID position '$gtid' is not a GTID list"
  sql <<SQL
STOP SLAVE;
RESET SLAVE ALL;
SET GLOBAL gtid_slave_pos = '$gtid';
SQL
  printf 'replica\n' >"${SHOP_ROOT:-}/var/lib/shop/db-role"
  "$bootstrap"
}

receive_logical() {
  local dump=$1 started=$2 gtid
  gtid=$(grep -m1 -oE "gtid_slave_pos='[0-9,-]*'" "$dump" | cut -d"'" -f2 || true)
  [[ -n $gtid ]] || die "the dump records no GTID position (was it made by 'shop-db-reseed send --logical'?)"
  # Replication stops first, so it cannot write into the database being replaced. The load is
  # not binlogged here: the data is the primary's, under the primary's GTIDs.
  sql <<<"STOP SLAVE;"
  # shellcheck disable=SC2016 # the backticks quote the name for SQL, not for the shell
  { printf 'SET SESSION sql_log_bin = 0;\nDROP DATABASE IF EXISTS `%s`;\n' "$DB_NAME"; cat -- "$dump"; } |
    mariadb --socket="$DB_SOCKET" --user=root --batch || die "loading the dump failed; replication stays stopped"
  # This node's own binlog may already hold transactions past the dump's position (it replicated
  # until the stop above): with gtid_strict_mode they could not be applied again. Its binlog is
  # history of data that is gone now.
  sql <<<"RESET MASTER;"
  replicate_from "$gtid"
  echo "re-seeded from a logical copy of the primary at GTID $gtid in $((SECONDS - started)) s"
}

receive() {
  [[ $DB_ROLE == replica ]] || die "receive runs on a replica; this node is the $DB_ROLE (it would overwrite its data)"
  [[ -t 0 ]] && die "receive reads the stream of 'shop-db-reseed send' on the primary from stdin"
  local staging="$datadir.reseed" before="$datadir.before-reseed" started=$SECONDS gtid from here
  rm -rf -- "$staging"
  mkdir -p "$staging"
  # The first bytes tell a physical copy from a dump; dd reads exactly them, the rest follows.
  local peek="$staging.peek"
  dd bs=1 count=${#XBSTREAM_MAGIC} of="$peek" status=none
  [[ -s $peek ]] || { rm -rf -- "$staging" "$peek"; die "the stream was empty: did send fail on the primary?"; }
  if [[ $(cat -- "$peek") != "$XBSTREAM_MAGIC" ]]; then
    cat -- "$peek" - >"$staging/dump.sql"
    rm -f -- "$peek"
    receive_logical "$staging/dump.sql" "$started"
    rm -rf -- "$staging"
    return
  fi
  cat -- "$peek" - | mbstream -x -C "$staging"
  rm -f -- "$peek"
  # mariadb-backup prepares copies of its own series only: across series the copy is a dump.
  from=$(series "$(copy_version "$staging")")
  here=$(series "$(sql <<<"SELECT VERSION();")")
  if [[ -n $from && $from != "$here" ]]; then
    rm -rf -- "$staging"
    die "the copy is from MariaDB $from, this node runs $here, and mariadb-backup prepares only its own series: send a logical copy (ssh PRIMARY sudo shop-db-reseed send --logical | ssh REPLICA sudo shop-db-reseed receive)"
  fi
  mariadb-backup --prepare --target-dir="$staging" 2> >(progress_only >&2)
  gtid=$(copy_gtid "$staging")
  chown -R mysql:mysql "$staging"
  # Socket activation would start MariaDB on a half-swapped datadir: stop the socket first.
  local socket_unit
  socket_unit=$(systemctl is-active mariadb.socket 2>/dev/null || true)
  [[ $socket_unit == active ]] && systemctl stop mariadb.socket
  systemctl stop mariadb.service
  rm -rf -- "$before"
  mv -- "$datadir" "$before"
  mv -- "$staging" "$datadir"
  # The socket before the service, so the service takes its sockets from it as at boot.
  [[ $socket_unit == active ]] && systemctl start mariadb.socket
  systemctl start mariadb.service
  # The copy is the primary's data with no replica settings of its own: position, then replication.
  replicate_from "$gtid"
  echo "re-seeded from the primary at GTID $gtid in $((SECONDS - started)) s; the previous datadir is $before"
}

case "${1:-}" in
  send) [[ ${2:-} == "" || ${2:-} == --logical ]] || die "send takes --logical or nothing, not '${2:-}'"; send "${2:-}" ;;
  receive) receive ;;
  *) die "usage: shop-db-reseed send [--logical] (on the primary) | receive (on a replica), piped: ssh PRIMARY sudo shop-db-reseed send | ssh REPLICA sudo shop-db-reseed receive" ;;
esac
