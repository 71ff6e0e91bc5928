#!/usr/bin/env bash
# The demo: sets up the host, builds, then shows what the real kernel XDP program does with packets under the
# example filters (BPF_PROG_TEST_RUN through `xdpguard-agent trace`). Needs root.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup-host.sh
echo "== building (first run downloads dependencies through the Maven wrapper)"
./mvnw -B -ntp -q install -DskipTests

agent=bin/xdpguard-agent

echo
echo "== examples/block-cidrs.yaml + examples/ratelimit-dns.yaml + examples/allowlist-ssh-https.yaml on eth0"
$agent trace --interface-name eth0 \
  --filter examples/block-cidrs.yaml --filter examples/ratelimit-dns.yaml --filter examples/allowlist-ssh-https.yaml \
  --packet "udp 192.0.2.10:3333 10.9.9.9:53" \
  --packet "udp 203.0.113.5:3333 10.9.9.9:53" \
  --packet "tcp 10.0.0.5:40000 10.9.9.9:22" \
  --packet "tcp 203.0.113.5:40000 10.9.9.9:443" \
  --packet "tcp 203.0.113.5:40000 10.9.9.9:8080" \
  --packet "tcp [2001:db8:bad::1]:40000 [2001:db8::2]:443"
echo
echo "== examples/audit-mode.yaml: telnet is counted as a would-drop, and passed"
$agent trace --filter examples/audit-mode.yaml --packet "tcp 198.51.100.1:40000 10.9.9.9:23"
echo
echo "Each line is the real kernel's verdict and the rule that decided it (docs/cli.md explains the fields)."
