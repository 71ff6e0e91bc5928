#!/usr/bin/env bash
# usage: ab.sh name1.c name2.c ...  (C files in /tmp/ab); 3 interleaved passes; restores shipped object
set -euo pipefail
cd /work/main
OBJ=bpf/target/classes/io/xdpguard/bpf/xdpguard.bpf.o
trap 'cp /tmp/ab/shipped.o "$OBJ"' EXIT
for v in "$@"; do
  clang -O2 -g -target bpf -Wall -Ibpf/include -I/usr/include/"$(uname -m)"-linux-gnu -c /tmp/ab/$v -o /tmp/ab/${v%.c}.o
done
for pass in ${PASSES:-1 2 3}; do
  for v in "$@"; do
    cp /tmp/ab/${v%.c}.o "$OBJ"
    OUT=/tmp/ab/run.jsonl scripts/bench-dataplane.sh --only test_run --rules ${RULES:-1000} --cidrs 1000 2>/dev/null \
      | python3 -c "
import sys, json
r = {}
for l in sys.stdin:
    d = json.loads(l)
    if d.get('bench') == 'test_run':
        r.setdefault((d['rules'], d['packet']), {})[d['program']] = d['ns_per_packet']
print('$v', ' '.join('%s/%s=%d(%d)' % (k[0], k[1], v['xdpguard'], v['xdp-filter']) for k, v in sorted(r.items())))"
  done
done
