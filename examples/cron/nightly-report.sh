#!/bin/sh
# The nightly report, run from cron on every host that might run it:
#
#   0 2 * * *  cd /srv/reports && BATON_URL=ws://baton.internal:7070 ./nightly-report.sh
#
# `baton run` holds the lock nightly-report while `node report.js` runs, hands
# it the fencing token in BATON_TOKEN, and releases the lock when it exits.
# With --nonblock a host that finds the lock held does not queue behind the
# host running the report: it skips the night (exit status 3).
# `baton` comes with @baton-locks/server (npx baton, or node_modules/.bin on PATH).
set -u
cd "$(dirname "$0")"

baton run --nonblock nightly-report -- node report.js
status=$?
if [ "$status" -eq 3 ]; then
  echo "nightly-report: another host is running it; skipped"
  exit 0
fi
exit "$status"
