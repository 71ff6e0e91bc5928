#!/usr/bin/env bash
# Dataplane benchmarks (see docs/benchmarks/dataplane.md): builds node-agent's test classes if needed, then runs
# io.xdpguard.agent.bench.DataplaneBenchmark as root. JSON lines go to stdout and to $OUT (default
# target/bench-dataplane.jsonl); progress to stderr.
#   scripts/bench-dataplane.sh            full run (~1 min)
#   scripts/bench-dataplane.sh --quick    smoke-test sizes (~1 min)
#   scripts/bench-dataplane.sh --only load   one section (test_run, drop, load)
#   scripts/bench-dataplane.sh --only test_run --rules 1,4096 --cidrs 0   a narrower test_run matrix
# Needs: root, clang, iproute2, xdp-tools (xdp-filter), a kernel with BPF_F_TEST_XDP_LIVE_FRAMES (5.18+).
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${OUT:-target/bench-dataplane.jsonl}
ID="xgb$(printf '%05x' $(( $$ & 0xfffff )))"   # prefix of every veth/netns this run creates
CP_FILE=node-agent/target/bench-classpath.txt

cleanup() {
  # the benchmark cleans up after itself; this catches a JVM that was killed
  for dev in "${ID}f" "${ID}a0" "${ID}a1"; do ip link del "$dev" 2>/dev/null || true; done
  ip netns del "$ID" 2>/dev/null || true
}
trap cleanup EXIT

if [[ ! -f $CP_FILE || ! -d node-agent/target/test-classes/io/xdpguard/agent/bench
      || -n $(find node-agent/src bpf/src bpf/include -newer "$CP_FILE" -type f -print -quit) ]]; then
  ./mvnw -B -ntp -q test-compile dependency:build-classpath -pl node-agent -am \
    -Dmdep.outputFile="$PWD/$CP_FILE" -Dmdep.includeScope=test >&2
fi
mkdir -p "$(dirname "$OUT")"
# The agent's collector (its image runs -XX:+UseSerialGC): with G1 on these 2 CPUs, loading 1,000,000 CIDRs took
# twice as long and a one-rule change five times as long (docs/benchmarks/dataplane.md).
java -Xmx6g -XX:+UseSerialGC -cp "node-agent/target/test-classes:node-agent/target/classes:$(cat "$CP_FILE")" \
  io.xdpguard.agent.bench.DataplaneBenchmark --id "$ID" "$@" | tee "$OUT"
