#!/bin/sh
# npm test: two lanes, one per core. The files under test/e2e share ONE local Debian container
# (test/e2e/support/target.ts: one state dir, one ssh port, and the machine-wide slot of
# bin/local-target.ts), so they run one after another in their own lane; every other file runs in
# the first lane. Two files applying different specs to the same container at once break each
# other (a step's ssh session cut off mid-run). The e2e lane's report is printed after the first.
set -u
cd "$(dirname "$0")/.."
e2e_out=$(mktemp)
trap 'rm -f "$e2e_out"' EXIT
node --import tsx --test --test-concurrency=1 $(find test/e2e -name '*.test.ts' | sort) >"$e2e_out" 2>&1 &
e2e_pid=$!
node --import tsx --test --test-concurrency=1 $(find test -name '*.test.ts' -not -path 'test/e2e/*' | sort)
rest=$?
wait "$e2e_pid"
e2e=$?
echo "# ---- test/e2e (one booted Debian 12 container, files in sequence) ----"
cat "$e2e_out"
echo "# npm test: other files exit $rest, test/e2e exit $e2e"
[ "$rest" -eq 0 ] && [ "$e2e" -eq 0 ]
