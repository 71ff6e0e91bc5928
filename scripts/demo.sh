#!/usr/bin/env bash
# The demo (README command 1). On a fresh Debian 12 machine, as root: installs prerequisites, builds, then runs a
# simulated two-node cluster on this host (docs/architecture.md): the dev API server, the real operator and one
# real agent per "node" (a network namespace), real kubectl, real XDP and real packets from a client namespace.
# Shows a filter becoming Ready on both nodes, drops counted per rule, a drop sample, a change, a node label change
# and a deletion that leaves no pin. Everything it creates is named xge-* and removed at the end, also on Ctrl-C.
# Then: `sudo bin/xdpguard-agent trace ...` shows single verdicts of the kernel program (docs/cli.md).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup-host.sh
echo "== building (the first run downloads dependencies through the Maven wrapper)"
./mvnw -B -ntp -q install -DskipTests
cp_file=e2e/target/demo-classpath.txt
./mvnw -B -ntp -q dependency:build-classpath -pl e2e -Dmdep.outputFile="$PWD/$cp_file" -Dmdep.includeScope=runtime
e2e/src/main/sh/in-api-netns.sh java -Xmx512m -Djava.util.logging.manager=org.jboss.logmanager.LogManager -cp "e2e/target/classes:$(cat "$cp_file")" io.xdpguard.e2e.demo.ClusterDemo
