#!/usr/bin/env bash
# The main job: set up a fresh Debian machine, build in release mode and open the explorer on
# the embedded benchmark in samples/ with the demo model. Extra arguments go to `sslsan explore`.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/build.sh
exec .build/release/sslsan explore --data samples --checkpoint samples/demo.safetensors "$@"
