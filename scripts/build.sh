#!/usr/bin/env bash
# The one build both README commands share: release mode, tests included, compiled for testing
# (the tests use `@testable import`). explore.sh and test.sh call this with the same flags, so
# switching between them rebuilds nothing.
set -euo pipefail
cd "$(dirname "$0")/.."
echo "sslsan: building (release; a first build takes a few minutes on 2 cores, Core is one long step)" >&2
swift build -c release --build-tests -Xswiftc -enable-testing "$@"
