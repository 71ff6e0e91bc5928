#!/usr/bin/env bash
# Builds the stop variants of stop-variants.patch (each returns early at one point of the packet's path, XG_STOP=N)
# and times each in turn with the test_run section, 1,000 rules / 1,000 CIDRs, by swapping the object the benchmark
# loads (the Java side is unchanged). Run from the repository root as root, after a build; prints one line per run:
# variant, then rules/cidrs/packet=xdpguard ns (xdp-filter ns).
set -euo pipefail
RAW=docs/benchmarks/raw/breakdown-2026-11-26
WORK=$(mktemp -d)
OBJ=bpf/target/classes/io/xdpguard/bpf/xdpguard.bpf.o
cp "$OBJ" "$WORK/shipped.o"
trap 'cp "$WORK/shipped.o" "$OBJ"; rm -rf "$WORK"' EXIT
cp bpf/src/xdpguard.bpf.c "$WORK/" && patch -s "$WORK/xdpguard.bpf.c" "$RAW/stop-variants.patch"
VARIANTS=${VARIANTS:-"2 21 22 23 24 25 3 4 7 0"}
for n in $VARIANTS; do
  clang -O2 -g -target bpf -Wall -Ibpf/include -I/usr/include/"$(uname -m)"-linux-gnu -DXG_STOP="$n" \
    -c "$WORK/xdpguard.bpf.c" -o "$WORK/stop$n.o" 2>/dev/null
done
for pass in 1 2 3; do
  for n in $VARIANTS; do
    cp "$WORK/stop$n.o" "$OBJ"
    OUT="$WORK/run.jsonl" scripts/bench-dataplane.sh --only test_run --rules 1000 --cidrs 1000 2>/dev/null \
      | python3 -c "
import sys, json
r = {}
for l in sys.stdin:
    d = json.loads(l)
    if d.get('bench') == 'test_run':
        r.setdefault(d['packet'], {})[d['program']] = d['ns_per_packet']
print('stop$n', ' '.join('%s=%d(%d)' % (k, v['xdpguard'], v['xdp-filter']) for k, v in sorted(r.items())))"
  done
done
