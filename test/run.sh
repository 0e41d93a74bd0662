#!/bin/sh
# npm test: two lanes, one per core.
# - The e2e lane: the files under test/e2e that share ONE local Debian container
#   (test/e2e/support/target.ts: one state dir, one ssh port, and the machine-wide slot of
#   bin/local-target.ts) run one after another. Two files applying different specs to the same
#   container at once break each other (a step's ssh session cut off mid-run).
# - The other lane: every file outside test/e2e, then the fleet e2e (test/e2e/fleet.test.ts),
#   whose hosts live on a private bridge with their own state dir and slot
#   (support/fleet-fixtures.ts), so it runs beside the e2e lane: most of both is waiting for
#   alerts, and one after the other they would not fit CI's time.
# The e2e lane's report is printed after the other one.
set -u
cd "$(dirname "$0")/.."
e2e_out=$(mktemp)
trap 'rm -f "$e2e_out"' EXIT
node --import tsx --import ./test/fast-check-seed.ts --test --test-concurrency=1 $(find test/e2e -name '*.test.ts' -not -name fleet.test.ts | sort) >"$e2e_out" 2>&1 &
e2e_pid=$!
node --import tsx --import ./test/fast-check-seed.ts --test --test-concurrency=1 $(find test -name '*.test.ts' -not -path 'test/e2e/*' | sort)
rest=$?
echo "# ---- test/e2e/fleet.test.ts (four containers on a private bridge, beside the e2e lane) ----"
node --import tsx --import ./test/fast-check-seed.ts --test --test-concurrency=1 test/e2e/fleet.test.ts
fleet=$?
wait "$e2e_pid"
e2e=$?
echo "# ---- test/e2e (one booted Debian 12 container, files in sequence) ----"
cat "$e2e_out"
echo "# npm test: other files exit $rest, fleet exit $fleet, test/e2e exit $e2e"
[ "$rest" -eq 0 ] && [ "$fleet" -eq 0 ] && [ "$e2e" -eq 0 ]
