#!/usr/bin/env bash
# Control-plane scale benchmark (see docs/benchmarks/control-plane.md): builds the operator and the e2e module with
# the reactor (offline), then runs io.xdpguard.e2e.scale.ControlPlaneBenchmark: per N, the dev API server (in this JVM), N Nodes,
# the operator jar as its own process and N simulated agents in this JVM. JSON lines go to stdout and to $OUT
# (default target/bench-control-plane.jsonl); progress to stderr, the operator's log to target/bench-control-plane/.
#   scripts/bench-control-plane.sh                  N = 50, 200, 1000 (~10 min)
#   scripts/bench-control-plane.sh --nodes 5,50     other sizes
# Needs: Java 17. No root, no kernel features: the agents' dataplane is a fake.
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${OUT:-target/bench-control-plane.jsonl}
CP_FILE=e2e/target/bench-classpath.txt

if [[ ! -f $CP_FILE || ! -f operator/target/quarkus-app/quarkus-run.jar
      || -n $(find crds/src node-agent/src operator/src e2e/src -newer "$CP_FILE" -type f -print -quit) ]]; then
  # -am: the classpath names the reactor's jars, never a shared ~/.m2 snapshot of ours
  ./mvnw -B -ntp -q package dependency:build-classpath -DskipTests -pl operator,e2e -am \
    -Dmdep.outputFile="$PWD/$CP_FILE" -Dmdep.includeScope=runtime >&2
fi
mkdir -p "$(dirname "$OUT")"
# Plain JUL (not JBoss LogManager) so that the agents' warnings reach stderr.
java -Xmx3g -cp "e2e/target/classes:$(cat "$CP_FILE")" io.xdpguard.e2e.scale.ControlPlaneBenchmark "$@" | tee "$OUT"
