#!/usr/bin/env bash
# node_exporter's idle PSS under Go GC settings: Debian's binary, one copy per variant (copies,
# so no two processes share a page of it), each on its own loopback port and scraped twice every
# 5 s (as two hubs at a 5 s interval do) for SECONDS_TO_RUN, then PSS averaged over 15 s.
# Usage: bash bench/node-exporter/gc-variants.sh [SECONDS_TO_RUN, default 240]
set -euo pipefail
run_for=${1:-240}
d=$(mktemp -d)
trap 'while read -r pid _; do kill "$pid" 2>/dev/null || true; done < "$d/pids"; rm -rf "$d"' EXIT
: > "$d/pids"
i=0
for v in "" "GOGC=50" "GOGC=50 GOMEMLIMIT=10MiB" "GOGC=25 GOMEMLIMIT=8MiB"; do
  i=$((i + 1))
  cp /usr/bin/prometheus-node-exporter "$d/ne$i"
  # shellcheck disable=SC2086 # $v is a list of NAME=VALUE words for env
  env $v "$d/ne$i" --web.listen-address=127.0.0.1:$((19200 + i)) --collector.textfile.directory="$d" >/dev/null 2>&1 &
  echo "$! ${v:-default}" >> "$d/pids"
done
sleep 2
end=$(($(date +%s) + run_for))
while [ "$(date +%s)" -lt "$end" ]; do
  for p in 19201 19202 19203 19204; do
    curl -s -o /dev/null "http://127.0.0.1:$p/metrics"
    curl -s -o /dev/null "http://127.0.0.1:$p/metrics"
  done
  sleep 5
done
while read -r pid v; do
  s=0
  for _ in 1 2 3 4 5 6; do s=$((s + $(awk '/^Pss:/ {print $2}' "/proc/$pid/smaps_rollup"))); sleep 2.5; done
  echo "$((s / 6)) kB PSS :: $v"
done < "$d/pids"
