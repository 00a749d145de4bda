#!/usr/bin/env bash
# Sets up a fresh Debian machine and runs the whole test suite (release build: the engine's
# golden-parity tests need optimised code). Golden tests read ../shared in place and skip
# with a message when it is absent.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
swift build -c release --product sslsan
swift test -c release "$@"
