#!/usr/bin/env bash
# The test command: sets up the host, then builds every module and runs every test (kernel tests need root).
# Long differential runs and benchmarks stay off unless asked: scripts/test.sh -Dxdpguard.long=true
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup-host.sh
exec ./mvnw -B -ntp install "$@"
