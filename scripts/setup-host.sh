#!/usr/bin/env bash
# Installs what a fresh Debian 12 machine lacks to build, test and demo xdpguard: a JDK, the BPF toolchain
# (clang/llvm, libbpf, bpftool), iproute2/ethtool/xdp-tools/nsenter for the kernel tests, kubectl, and mounts bpffs.
# Idempotent: installs only missing packages. Needs root for apt and mount.
set -euo pipefail

packages=(openjdk-17-jdk-headless clang llvm libbpf-dev libbpf1 bpftool iproute2 ethtool xdp-tools tcpdump iputils-ping netcat-openbsd procps util-linux python3)
# The demo and the e2e tests drive the dev API server with a real kubectl: Debian's own only when none is installed.
command -v kubectl >/dev/null || packages+=(kubernetes-client)
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

# The agent mounts bpffs itself when it runs; tests and tools expect it too.
if [ "$(id -u)" -eq 0 ] && ! mountpoint -q /sys/fs/bpf; then
  mount -t bpf bpffs /sys/fs/bpf
fi
echo "setup-host: ok (kernel $(uname -r), clang $(clang --version | head -1 | grep -o '[0-9][0-9.]*' | head -1))"
