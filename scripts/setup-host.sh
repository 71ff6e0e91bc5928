#!/usr/bin/env bash
# Installs what a fresh Debian 12 machine lacks to build, test and demo xdpguard: a JDK, the BPF toolchain
# (make, clang/llvm, libbpf, bpftool), iproute2/ethtool/xdp-tools/nsenter/curl for the kernel tests, kubectl >= 1.25,
# and mounts bpffs.
# Idempotent: installs only missing packages. Needs root for apt and mount.
set -euo pipefail

packages=(openjdk-17-jdk-headless make clang llvm libbpf-dev libbpf1 bpftool iproute2 ethtool xdp-tools tcpdump iputils-ping netcat-openbsd procps util-linux python3 curl)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if [ "${#missing[@]}" -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "setup-host: missing packages: ${missing[*]}; run as root (sudo $0) or install them yourself" >&2
    exit 1
  fi
  echo "setup-host: installing ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# The demo and the e2e tests drive the dev API server with a real kubectl, at least 1.25: the server publishes
# OpenAPI v3 only and relies on server-side field validation (Debian 12's own kubernetes-client is 1.20).
KUBECTL_MIN_MINOR=25
kubectl_minor() {
  kubectl version --client -o json 2>/dev/null \
    | python3 -c 'import json, sys; print(json.load(sys.stdin)["clientVersion"]["minor"].rstrip("+"))' 2>/dev/null || echo 0
}
if ! command -v kubectl >/dev/null || [ "$(kubectl_minor)" -lt "$KUBECTL_MIN_MINOR" ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "setup-host: kubectl >= 1.$KUBECTL_MIN_MINOR is needed; run as root (sudo $0) or install it yourself" >&2
    exit 1
  fi
  echo "setup-host: installing kubectl from the Kubernetes apt repository (pkgs.k8s.io)"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends curl gpg ca-certificates >/dev/null
  mkdir -p /etc/apt/keyrings
  if ! curl -fsSL https://pkgs.k8s.io/core:/stable:/v1.32/deb/Release.key \
      | gpg --dearmor --yes -o /etc/apt/keyrings/kubernetes-apt-keyring.gpg; then
    echo "setup-host: cannot reach pkgs.k8s.io: install kubectl >= 1.$KUBECTL_MIN_MINOR yourself" \
      "(https://kubernetes.io/docs/tasks/tools/) and run this again" >&2
    exit 1
  fi
  echo "deb [signed-by=/etc/apt/keyrings/kubernetes-apt-keyring.gpg] https://pkgs.k8s.io/core:/stable:/v1.32/deb/ /" \
    > /etc/apt/sources.list.d/kubernetes.list
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends kubectl >/dev/null
fi

# The agent mounts bpffs itself when it runs; tests and tools expect it too.
if [ "$(id -u)" -eq 0 ] && ! mountpoint -q /sys/fs/bpf; then
  mount -t bpf bpffs /sys/fs/bpf
fi
echo "setup-host: ok (kernel $(uname -r), clang $(clang --version | head -1 | grep -o '[0-9][0-9.]*' | head -1))"
