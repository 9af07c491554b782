#!/bin/sh
# The nemesis, long (not in npm test): 30 minutes of faults by default, 200 clients.
# Run from the repository root after `npm run build`:
#   sh test/cluster/nemesis-long.sh            # NEMESIS_MS, NEMESIS_CLIENTS, NEMESIS_SEED to change it
# Each round's result goes to stderr as "[nemesis seed=N] round R agreed: ..."; a failing
# round prints the violations and the seed that replays the run.
set -e
export NEMESIS_MS="${NEMESIS_MS:-1800000}"
export NEMESIS_CLIENTS="${NEMESIS_CLIENTS:-200}"
exec npx vitest run --config test/vitest.config.ts test/cluster/nemesis.test.ts --testTimeout "$((NEMESIS_MS * 3))"
