#!/usr/bin/env bash
# A/B runs of classifier variants (docs/benchmarks/dataplane.md). Run from the repository root as root, after a build:
#   scripts/bench-variants.sh DIR VARIANT...
# Each VARIANT is "final" (the committed bpf/src/xdpguard.bpf.c) or the name of a patch DIR/variants/VARIANT.patch
# against it (the patches of a dated DIR were made against the source of their day: later ones may not apply). The
# variants are built and swapped in for the object the benchmark loads, passes interleaved; the shipped object is put
# back at the end. One line per variant and pass: packet/program=ns(ratio to xdp-filter), or Mpps for the drop section.
#   SECTION=test_run (default; 1,000 rules / 1,000 CIDRs) or SECTION=drop; PASSES="1 2 3".
#   scripts/bench-variants.sh docs/benchmarks/raw/memo-2026-11-26 final base
set -euo pipefail
RAW=$(cd "$1" && pwd)
shift
OBJ=bpf/target/classes/io/xdpguard/bpf/xdpguard.bpf.o
WORK=$(mktemp -d)
cp "$OBJ" "$WORK/shipped.o"
trap 'cp "$WORK/shipped.o" "$OBJ"; rm -rf "$WORK"' EXIT
for v in "$@"; do
  cp bpf/src/xdpguard.bpf.c "$WORK/$v.c"
  [[ $v == final ]] || patch -s "$WORK/$v.c" "$RAW/variants/$v.patch"
  clang -O2 -g -target bpf -Wall -Ibpf/include -I/usr/include/"$(uname -m)"-linux-gnu -c "$WORK/$v.c" -o "$WORK/$v.o" 2>/dev/null
done
SECTION=${SECTION:-test_run}
ARGS=(--only "$SECTION")
[[ $SECTION == test_run ]] && ARGS+=(--rules 1000 --cidrs 1000)
for pass in ${PASSES:-1 2 3}; do
  for v in "$@"; do
    cp "$WORK/$v.o" "$OBJ"
    OUT="$WORK/run.jsonl" scripts/bench-dataplane.sh "${ARGS[@]}" 2>/dev/null | python3 -c "
import sys, json
out = []
for l in sys.stdin:
    d = json.loads(l)
    if d.get('bench') == 'test_run':
        out.append('%s/%s=%d(%s)' % (d['packet'], d['program'], d['ns_per_packet'], d.get('ratio_vs_xdp_filter', '-')))
    elif d.get('bench') == 'drop_throughput':
        out.append('%s=%.2f Mpps(%s)' % (d['program'], d['mpps'], d.get('ratio_vs_xdp_drop', '-')))
print('$v', ' '.join(out))"
  done
done
