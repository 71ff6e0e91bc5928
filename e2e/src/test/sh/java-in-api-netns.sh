#!/usr/bin/env bash
# Surefire's <jvm> for the e2e module: the test JVM runs inside the simulated cluster's API namespace, like the demo.
exec "$(dirname "$0")/../../main/sh/in-api-netns.sh" "${JAVA_HOME:-$(dirname "$(dirname "$(readlink -f "$(command -v java)")")")}/bin/java" "$@"
