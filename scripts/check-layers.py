#!/usr/bin/env python3
"""Check the floors of the house (docs/architecture.md): no source file includes a header of a
higher floor, no object file calls a function defined on a higher floor, and no two files call
each other. Usage: check-layers.py SRCDIR [OBJDIR]; OBJDIR (the isfcarve_obj object files) adds
the call checks. Exit 0 clean, 1 with one line per violation."""
import os, re, subprocess, sys

FLOORS = [('src/0-base/', 0), ('src/1-image/', 1), ('src/2-scan/', 2), ('carvers/', 3),
          ('src/4-kaslr/', 4), ('src/5-symbols/', 5), ('src/6-typing/', 6), ('symdb/', 6),
          ('src/7-isf/', 7), ('src/8-profile/', 8), ('src/cli/', 9)]

def floor(path):
    for prefix, n in FLOORS:
        if path.startswith(prefix):
            return n
    return None

def sources(top):
    for base in ('src', 'carvers', 'symdb'):
        for d, _, files in os.walk(os.path.join(top, base)):
            for f in files:
                if f.endswith(('.c', '.h')) and '/tools' not in d:
                    yield os.path.relpath(os.path.join(d, f), top)

def check_includes(top):
    bad = []
    inc = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)
    for f in sources(top):
        fl = floor(f)
        for x in inc.findall(open(os.path.join(top, f), encoding='utf-8').read()):
            for cand in (os.path.join(os.path.dirname(f), x), os.path.join('src', x)):
                cand = os.path.normpath(cand)
                if os.path.exists(os.path.join(top, cand)):
                    tf = floor(cand)
                    if fl is not None and tf is not None and tf > fl:
                        bad.append(f'{f}: includes {cand} (floor {tf} above {fl})')
                    break
    return bad

def check_calls(top, objdir):
    defs, uses = {}, []
    for d, _, files in os.walk(objdir):
        for o in files:
            if not o.endswith('.o'):
                continue
            rel = os.path.relpath(os.path.join(d, o), objdir)[:-2]
            out = subprocess.run(['nm', os.path.join(d, o)], capture_output=True, text=True).stdout
            for line in out.splitlines():
                parts = line.split()
                if len(parts) == 3 and parts[1] in 'TDBR':
                    defs[parts[2]] = rel
                elif len(parts) == 2 and parts[0] == 'U':
                    uses.append((rel, parts[1]))
    if not defs:
        sys.exit(f'check-layers: no object files under {objdir}')
    edges = {}
    for src, sym in uses:
        dst = defs.get(sym)
        if dst and dst != src:
            edges.setdefault((src, dst), sym)
    bad = []
    for (src, dst), sym in sorted(edges.items()):
        fs, fd = floor(src), floor(dst)
        if fs is not None and fd is not None and fd > fs:
            bad.append(f'{src}: calls {sym} of {dst} (floor {fd} above {fs})')
        if (dst, src) in edges and src < dst:
            bad.append(f'{src} and {dst} call each other ({sym}, {edges[(dst, src)]})')
    return bad

def main():
    if len(sys.argv) not in (2, 3):
        print(__doc__, file=sys.stderr)
        return 2
    top = sys.argv[1]
    bad = check_includes(top)
    if len(sys.argv) == 3:
        objs = os.path.join(sys.argv[2])
        bad += check_calls(top, objs)
    for b in bad:
        print(b)
    print(f'check-layers: {len(bad)} violation(s)')
    return 1 if bad else 0

if __name__ == '__main__':
    sys.exit(main())
