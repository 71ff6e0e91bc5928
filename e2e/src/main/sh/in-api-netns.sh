#!/usr/bin/env bash
# Runs a command inside the simulated cluster's API namespace "xge-api": the dev API server, kubectl, the operator
# and the harness itself live there, and the node namespaces reach it through the bridge xge-br (10.77.0.1/24),
# never through an address of the host. Used by scripts/demo.sh and as the JVM of the e2e tests (surefire's <jvm>).
# Removes every xge-* namespace and the harness's bpffs root when the command ends (also on Ctrl-C), and
# leftovers of a killed run before it starts. Without root it runs the command as is (the e2e tests then skip).
set -uo pipefail
NS=xge-api
PINS=/sys/fs/bpf/xge
if [[ $EUID -ne 0 ]]; then exec "$@"; fi
if [[ -n ${XGE_API_NETNS:-} ]]; then echo "in-api-netns.sh: already inside $NS" >&2; exit 1; fi
export XGE_API_NETNS=$NS

cleanup() {
  for ns in $(ip netns list | awk '$1 ~ /^xge-/ {print $1}'); do ip netns del "$ns" 2>/dev/null; done
  rm -rf "$PINS"
}
cleanup
ip netns add $NS
ip -n $NS link set lo up
ip -n $NS link add xge-br type bridge
ip -n $NS addr add 10.77.0.1/24 dev xge-br
ip -n $NS link set xge-br up
trap cleanup EXIT
# Bash runs the trap once the foreground command (which gets the same SIGINT and shuts down) has ended.
trap 'exit 130' INT TERM
nsenter --net=/run/netns/$NS "$@"
