#!/usr/bin/env python3
"""Checks the one-way dependencies between the engine's wings (docs/SPEC.md §9).

    pipeline -> markets, policy -> demand -> scenario -> core;  agents -> core

A file may include its own wing and the wings below it, never one above or beside it
(markets and policy are siblings: neither includes the other). agents/ uses only core/;
only the pipeline sees agents/. Also fails on any include cycle between project files, and
on a source file in sim/ outside every wing. Exit 1 with one line per violation.

usage: check_layering.py PROJECT_ROOT
"""
import re
import sys
from pathlib import Path

RANK = {"core": 0, "scenario": 1, "demand": 2, "markets": 3, "policy": 3, "pipeline": 4}
INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)


def wing(path: str):
    """('sim', wing) for sim/<wing>/..., ('agents', None) for agents/..., else None."""
    parts = path.split("/")
    if parts[0] == "sim":
        return ("sim", parts[1] if len(parts) > 2 else None)
    if parts[0] == "agents":
        return ("agents", None)
    return None


def allowed(src: str, dst: str) -> bool:
    s, d = wing(src), wing(dst)
    if d is None:
        return True                                   # third-party or project-external
    if s[0] == "agents":
        return d[0] == "agents" or d == ("sim", "core")
    if d[0] == "agents":
        return s == ("sim", "pipeline")
    if s[1] == d[1]:
        return True
    return RANK[d[1]] < RANK[s[1]]


def main() -> int:
    root = Path(sys.argv[1])
    files = sorted(p for d in ("sim", "agents") for p in (root / d).rglob("*") if p.suffix in (".hpp", ".cpp"))
    graph, bad = {}, []
    for p in files:
        rel = p.relative_to(root).as_posix()
        w = wing(rel)
        if w[0] == "sim" and w[1] not in RANK:
            bad.append(f"{rel}: not in a wing ({', '.join(RANK)})")
            continue
        incs = [i for i in INCLUDE.findall(p.read_text()) if i.startswith(("sim/", "agents/"))]
        graph[rel] = incs
        for inc in incs:
            if not (root / inc).exists():
                bad.append(f"{rel}: includes {inc}, which does not exist")
            elif not allowed(rel, inc):
                bad.append(f"{rel}: includes {inc} ({w[0]}/{w[1] or ''} may not depend on {'/'.join(x for x in wing(inc) if x)})")
    # include cycles (depth-first search, colours)
    colour = {}

    def visit(n, stack):
        colour[n] = 1
        for m in graph.get(n, []):
            if colour.get(m) == 1:
                bad.append("include cycle: " + " -> ".join(stack[stack.index(m):] + [m]))
            elif colour.get(m) is None and m in graph:
                visit(m, stack + [m])
        colour[n] = 2

    for n in graph:
        if colour.get(n) is None:
            visit(n, [n])
    for line in bad:
        print(line)
    print(f"checked {len(graph)} files: {len(bad)} violation(s)")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
