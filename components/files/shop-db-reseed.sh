#!/usr/bin/env bash
# shop-db-reseed: rebuilds a replica from a hot copy of the primary, at the copy's GTID position,
# so a replica can be built after the primary's binlogs expired (replaying from the first binlog
# fails with error 1236 then). The stream passes through the admin's own SSH sessions, so the
# DB nodes need no new port or key between them:
#   ssh ADMIN@PRIMARY sudo shop-db-reseed send | ssh ADMIN@REPLICA sudo shop-db-reseed receive
#   send      (primary) mariadb-backup --backup as an xbstream on stdout; the primary keeps serving
#   receive   (replica) unpack and prepare the copy beside the datadir, stop MariaDB, swap the
#             datadir (the old one is kept as <datadir>.before-reseed), start it, set
#             gtid_slave_pos to the copy's position and let the bootstrap hook start replication
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

send() {
  [[ $DB_ROLE == primary ]] || die "send runs on the primary; this node is the $DB_ROLE"
  [[ -t 1 ]] && die "send writes a binary stream: pipe it into 'shop-db-reseed receive' on the replica"
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

receive() {
  [[ $DB_ROLE == replica ]] || die "receive runs on a replica; this node is the $DB_ROLE (it would overwrite its data)"
  [[ -t 0 ]] && die "receive reads the stream of 'shop-db-reseed send' on the primary from stdin"
  local staging="$datadir.reseed" before="$datadir.before-reseed" started=$SECONDS gtid
  rm -rf -- "$staging"
  mkdir -p "$staging"
  mbstream -x -C "$staging"
  [[ -n $(ls -A "$staging") ]] || die "the stream was empty: did send fail on the primary?"
  mariadb-backup --prepare --target-dir="$staging" 2> >(progress_only >&2)
  gtid=$(copy_gtid "$staging")
  [[ $gtid =~ ^[0-9]+-[0-9]+-[0-9]+(,[0-9]+-[0-9]+-[0-9]+)*$ ]] || die "the copy's GTID position '$gtid' is not a GTID list"
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
  sql <<SQL
STOP SLAVE;
RESET SLAVE ALL;
SET GLOBAL gtid_slave_pos = '$gtid';
SQL
  # A fenced former primary replicates again: its data is now the primary's.
  printf 'replica\n' >"${SHOP_ROOT:-}/var/lib/shop/db-role"
  "$bootstrap"
  echo "re-seeded from the primary at GTID $gtid in $((SECONDS - started)) s; the previous datadir is $before"
}

case "${1:-}" in
  send) send ;;
  receive) receive ;;
  *) die "usage: shop-db-reseed send (on the primary) | receive (on a replica), piped: ssh PRIMARY sudo shop-db-reseed send | ssh REPLICA sudo shop-db-reseed receive" ;;
esac
