#!/usr/bin/env bash
# Sets up a fresh Debian machine and runs the whole test suite (release build: the engine's
# golden-parity tests need optimised code). Golden tests read ../shared in place and skip
# with a message when it is absent.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --test-tools
scripts/build.sh
# XCTest is the suite's runner; swift-testing would append a misleading "0 tests passed" line.
swift test -c release --skip-build --disable-swift-testing "$@"
