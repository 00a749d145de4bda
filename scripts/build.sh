#!/usr/bin/env bash
# The one build both README commands share: release mode, tests included, compiled for testing
# (the tests use `@testable import`). explore.sh and test.sh call this with the same flags, so
# switching between them rebuilds nothing.
#
# swift build prints a line per compile step, but Core is one module compiled as one long step
# (whole-module optimisation): minutes without a line on 2 cores. So that the build never looks
# hung, a heartbeat line says how long it has run and what it is on after every 30 s of silence.
set -euo pipefail
cd "$(dirname "$0")/.."
echo "sslsan: building (release; a first build takes a few minutes on 2 cores, Core is one long step)" >&2
log=$(mktemp)
trap 'rm -f "$log"' EXIT
start=$SECONDS
swift build -c release --build-tests -Xswiftc -enable-testing "$@" >"$log" 2>&1 &
pid=$!
# Stop the compiler too when the user interrupts the script.
trap 'kill "$pid" 2>/dev/null; rm -f "$log"; exit 130' INT TERM
tail -n +1 -f --pid="$pid" "$log" &
tailpid=$!
size=0; quiet=0
while kill -0 "$pid" 2>/dev/null; do
  sleep 5
  now=$(stat -c %s "$log")
  if [[ "$now" != "$size" ]]; then size=$now; quiet=0; continue; fi
  quiet=$((quiet + 5))
  if ((quiet % 30 == 0)); then
    last=$(grep -o '\[[0-9]*/[0-9]*\] [^ ]* [^ ]*' "$log" | tail -1 || true)
    echo "sslsan: still building, $(( (SECONDS - start) / 60 ))m$(( (SECONDS - start) % 60 ))s so far${last:+ (on: $last)}" >&2
  fi
done
rc=0; wait "$pid" || rc=$?
wait "$tailpid" 2>/dev/null || true
if ((rc == 0)); then
  echo "sslsan: build finished in $(( (SECONDS - start) / 60 ))m$(( (SECONDS - start) % 60 ))s" >&2
else
  echo "sslsan: build FAILED (exit $rc) after $(( (SECONDS - start) / 60 ))m$(( (SECONDS - start) % 60 ))s; the compiler's messages are above" >&2
fi
exit "$rc"
