#!/usr/bin/env bash
# Node agent benchmarks (see docs/benchmarks/control-plane.md, sections Agent and Restart): builds the agent and
# node-agent's test classes if needed, then runs io.xdpguard.agent.bench.AgentBenchmark as root. JSON lines go to
# stdout and to $OUT (default target/bench-agent.jsonl); progress to stderr.
#   scripts/bench-agent.sh                full run: 1,000 rules + 1,000,000 CIDRs, 200 changes, 6 restarts (~7 min)
#   scripts/bench-agent.sh --quick        smoke-test sizes (~1 min, more on a loaded machine; what AgentBenchmarkSmokeTest runs)
#   scripts/bench-agent.sh --only restart one section: agent (RSS and change latency) or restart
# More options: --runtime jar|plain (the packaged agent, default when built, or the same classes without Quarkus),
# --jvm-flags "..." (the agent JVM's; default: the container's, see AgentBenchmark.CONTAINER_JVM_FLAGS),
# --debounce-ms N (the agent's xdpguard.agent.debounce; default 0 here, 200 in production).
# Needs: root, iproute2, nsenter, python3, jcmd; XDPGUARD_BENCH_VERBOSE=1 shows the agents' output.
set -euo pipefail
cd "$(dirname "$0")/.."
REPO=$PWD
OUT=${OUT:-target/bench-agent.jsonl}
ID="xgab$(printf '%05x' $(( $$ & 0xfffff )))"   # prefix of every veth/netns/bpffs directory this run creates
CP_FILE=node-agent/target/bench-classpath.txt
JAR=node-agent/target/quarkus-app/quarkus-run.jar

cleanup() {
  # the benchmark cleans up after itself; this catches a JVM that was killed
  for dev in "${ID}ah" "${ID}rh"; do ip link del "$dev" 2>/dev/null || true; done
  for ns in "${ID}a" "${ID}r"; do ip netns del "$ns" 2>/dev/null || true; done
  for dir in "/sys/fs/bpf/${ID}a" "/sys/fs/bpf/${ID}r"; do [[ -e $dir ]] && rm -rf "$dir"; done
  return 0
}
trap cleanup EXIT

stale() { [[ ! -f $1 ]] || [[ -n $(find node-agent/src/main bpf/src bpf/include crds/src/main -newer "$1" -type f -print -quit) ]]; }
if stale "$JAR"; then
  ./mvnw -B -ntp -q package -pl node-agent -am -DskipTests >&2
fi
if stale "$CP_FILE" || [[ ! -d node-agent/target/test-classes/io/xdpguard/agent/bench ]] \
   || [[ -n $(find node-agent/src/test -newer "$CP_FILE" -type f -print -quit) ]]; then
  ./mvnw -B -ntp -q test-compile dependency:build-classpath -pl node-agent -am \
    -Dmdep.outputFile="$REPO/$CP_FILE" -Dmdep.includeScope=test >&2
fi
mkdir -p "$(dirname "$OUT")"
OUT_ABS=$(realpath "$OUT")
cd node-agent   # the mock API server reads ../crds/manifests
java -Xmx3g -cp "target/test-classes:target/classes:$(cat "$REPO/$CP_FILE")" \
  io.xdpguard.agent.bench.AgentBenchmark --id "$ID" "$@" | tee "$OUT_ABS"
