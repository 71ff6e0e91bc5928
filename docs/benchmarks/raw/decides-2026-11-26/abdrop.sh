#!/usr/bin/env bash
set -euo pipefail
cd /work/main
OBJ=bpf/target/classes/io/xdpguard/bpf/xdpguard.bpf.o
cp "$OBJ" /tmp/ab/keep.o
trap 'cp /tmp/ab/keep.o "$OBJ"' EXIT
for v in "$@"; do
  clang -O2 -g -target bpf -Wall -Ibpf/include -I/usr/include/"$(uname -m)"-linux-gnu -c /tmp/ab/$v -o /tmp/ab/${v%.c}.o 2>/dev/null
done
for pass in ${PASSES:-1 2}; do
  for v in "$@"; do
    cp /tmp/ab/${v%.c}.o "$OBJ"
    OUT=/tmp/ab/drop.jsonl scripts/bench-dataplane.sh --only drop 2>/dev/null | python3 -c "
import sys, json
out=[]
for l in sys.stdin:
    d = json.loads(l)
    if d.get('bench') == 'drop_throughput':
        out.append('%s=%.2f%s' % (d['program'], d['mpps'], (' (%.2f)' % d['ratio_vs_xdp_drop']) if 'ratio_vs_xdp_drop' in d else ''))
        out.append('runs=' + ','.join('%.1f' % r for r in d['runs']))
print('$v', ' '.join(out))"
  done
done
