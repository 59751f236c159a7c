#!/usr/bin/env bash
# Runs every test file with Node's own runner (TypeScript through tsx).
# Usage: bash test/run.sh [unit|render|e2e|hostile ...]  (default: all suites)
set -euo pipefail
cd "$(dirname "$0")/.."
suites=("$@")
[ ${#suites[@]} -gt 0 ] || suites=(unit render e2e hostile)
files=()
for s in "${suites[@]}"; do
  while IFS= read -r f; do files+=("$f"); done < <(find "test/$s" -name '*.test.ts' 2>/dev/null | sort)
done
[ ${#files[@]} -gt 0 ] || { echo "no test files in: ${suites[*]}" >&2; exit 1; }
npx tsc --noEmit -p .
exec node --import tsx --test --test-concurrency=2 --test-reporter=spec "${files[@]}"
