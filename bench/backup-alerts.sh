#!/usr/bin/env bash
# Measures OPS-1 backup/restore time and HW-3 alert latency with the real e2e tests.
# Usage: bash bench/backup-alerts.sh [ROWS_PER_TABLE]   (default 200000: about 30 MB of InnoDB)
# Prints the tests' diagnostics: database size, dump size, backup and restore seconds, and the
# time from a threshold crossing to the webhooks receiving the alerts.
set -euo pipefail
cd "$(dirname "$0")/.."
rows=${1:-200000}
SHOP_BENCH_ROWS=$rows node --import tsx --test --test-reporter=spec \
  test/e2e/backup-restore.test.ts test/e2e/alerts.test.ts 2>&1 |
  grep -E '^ *(ℹ (backup|restore|alert)|✔|✖)'
