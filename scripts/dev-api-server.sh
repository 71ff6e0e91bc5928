#!/usr/bin/env bash
# Starts the dev API server (docs/dev-api-server.md): builds the e2e module first when its sources changed, writes a
# kubeconfig for it and prints that kubeconfig's path, then runs in the foreground until Ctrl-C or SIGTERM.
#
#   scripts/dev-api-server.sh [--host 127.0.0.1] [--port 0] [--kubeconfig FILE]
#
# Port 0 (the default) picks a free port; the kubeconfig always points at the port actually used.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

host=127.0.0.1
port=0
kubeconfig="${XDG_RUNTIME_DIR:-/tmp}/xdpguard-dev/kubeconfig"
while [ $# -gt 0 ]; do
  case "$1" in
    --host) host="$2"; shift 2 ;;
    --port) port="$2"; shift 2 ;;
    --kubeconfig) kubeconfig="$2"; shift 2 ;;
    *) echo "usage: $0 [--host H] [--port P] [--kubeconfig FILE]" >&2; exit 2 ;;
  esac
done

classpath_file="$root/e2e/target/dev-api-server.classpath"
# Rebuild when never built or when any source the server is made of is newer than the last build.
if [ ! -f "$classpath_file" ] || [ -n "$(find e2e/src/main crds/src/main e2e/pom.xml crds/pom.xml pom.xml \
    -newer "$classpath_file" -type f -print -quit)" ]; then
  echo "building the e2e module..." >&2
  # test-compile, not package: e2e uses the node-agent test classes, and no jar needs to be installed.
  ./mvnw -B -ntp -q test-compile dependency:build-classpath -pl e2e -am \
    -Dmdep.outputFile="$classpath_file.tmp" >&2
  mv "$classpath_file.tmp" "$classpath_file"
fi

mkdir -p "$(dirname "$kubeconfig")"
echo "kubeconfig: $kubeconfig   (export KUBECONFIG=$kubeconfig)"
exec java -cp "$root/e2e/target/classes:$(cat "$classpath_file")" io.xdpguard.e2e.apiserver.DevApiServer \
  --host "$host" --port "$port" --kubeconfig "$kubeconfig"
