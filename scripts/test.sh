#!/usr/bin/env bash
# The test command: sets up the host, then builds every module and runs every test (kernel tests need root).
# Long differential runs and benchmarks stay off unless asked: scripts/test.sh -Dxdpguard.long=true
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup-host.sh
# What kernel tests whose JVM died left behind (their names are random per test, so a new run is not disturbed,
# but veths, namespaces and pinned maps hold kernel memory): xgl/xgt/xgn/xgr veths and xgl namespaces, test pins.
if [ "$(id -u)" -eq 0 ]; then
  for dev in $(ip -o link show | awk -F': ' '{print $2}' | cut -d@ -f1 | grep -E '^xg[ltnr][0-9a-f]{6}p?$' || true); do
    ip link del "$dev" 2>/dev/null || true
  done
  for ns in $(ip netns list | awk '{print $1}' | grep -E '^xgl[0-9a-f]{6}$' || true); do
    ip netns del "$ns" 2>/dev/null || true
  done
  rm -rf /sys/fs/bpf/xdpguard-test-* 2>/dev/null || true
fi
exec ./mvnw -B -ntp install "$@"
