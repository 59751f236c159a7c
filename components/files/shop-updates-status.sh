#!/usr/bin/env bash
# Pending updates and the reboot-required flag (SW-1), for node_exporter's textfile collector
# and for the shop's own checks (/var/lib/shop/updates.json). Read-only towards apt: it only
# simulates an upgrade against the lists apt-daily already fetched.
set -euo pipefail

prom_dir=${SHOP_UPDATES_PROM_DIR:-/var/lib/prometheus/node-exporter}
state_dir=${SHOP_STATE_DIR:-/var/lib/shop}
reboot_flag=${SHOP_REBOOT_REQUIRED_FILE:-/run/reboot-required}

simulation=$(apt-get --simulate --quiet -o Debug::NoLocking=true dist-upgrade 2>/dev/null || true)
pending=$(grep -c '^Inst ' <<<"$simulation" || true)
security=$(grep '^Inst ' <<<"$simulation" | grep -ci 'security' || true)
reboot_required=0
[[ -e $reboot_flag ]] && reboot_required=1
now=$(date +%s)

# Write next to the target, then rename: readers never see half a file.
publish() {
  local target=$1 tmp
  tmp=$(mktemp "$target.XXXXXX")
  cat >"$tmp"
  chmod 0644 "$tmp"
  mv -f "$tmp" "$target"
}

install -d -m 0755 "$prom_dir" "$state_dir"
# Names differ from shop-health's shop_updates_pending/shop_reboot_required, which it derives
# from updates.json: one name in two textfiles would break node_exporter's collector.
publish "$prom_dir/shop_updates.prom" <<PROM
# HELP shop_apt_upgrades_pending Packages an upgrade would install or change, by origin.
# TYPE shop_apt_upgrades_pending gauge
shop_apt_upgrades_pending{origin="all"} $pending
shop_apt_upgrades_pending{origin="security"} $security
# HELP shop_apt_reboot_required 1 when a package asked for a reboot.
# TYPE shop_apt_reboot_required gauge
shop_apt_reboot_required $reboot_required
# HELP shop_apt_status_timestamp_seconds When pending updates were last counted.
# TYPE shop_apt_status_timestamp_seconds gauge
shop_apt_status_timestamp_seconds $now
PROM
jq -n --argjson pending "$pending" --argjson security "$security" --argjson reboot "$reboot_required" --argjson now "$now" \
  '{pending: $pending, securityPending: $security, rebootRequired: ($reboot == 1), checkedAt: ($now | todate)}' |
  publish "$state_dir/updates.json"
echo "shop-updates-status: pending=$pending security=$security reboot_required=$reboot_required"
