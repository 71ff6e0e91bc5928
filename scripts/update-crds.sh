#!/usr/bin/env bash
# Regenerates the CRDs from the Java model (crds/) and copies them where they are committed.
set -euo pipefail
cd "$(dirname "$0")/.."
./mvnw -B -ntp -pl crds process-classes
mkdir -p crds/manifests
cp crds/target/classes/META-INF/fabric8/*.yml crds/manifests/
if [ -d helm/xdpguard/crds ]; then cp crds/target/classes/META-INF/fabric8/*.yml helm/xdpguard/crds/; fi
echo "CRDs updated under crds/manifests$( [ -d helm/xdpguard/crds ] && echo ' and helm/xdpguard/crds')."
