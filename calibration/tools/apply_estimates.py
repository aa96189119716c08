#!/usr/bin/python3
"""Write a chipsim calibration report's estimates into a scenario file, in place of the values
they replace, each with a trailing comment (estimate source, standard error, the value it
replaced). Keys of [[firm]], [[product]], [[ai_firm]], [[process_node]], [[packaging_line]],
[[hbm_buyer]] (by name), [[government]] (by country), [[country]] (by code) and plain tables
([parameters], [demand] ...) are found in the text; a key absent from its table is added after
the table's identity line. Comments and layout elsewhere are kept. Unidentified parameters are
left as they were (listed).

  /usr/bin/python3 calibration/tools/apply_estimates.py REPORT.h5 SCENARIO.toml [--label TEXT]

Needs Debian's python3-h5py.
"""
import argparse
import re
import sys

import h5py

IDENTITY = {"country": "code", "government": "country"}


def find_block(lines, table, name):
    """(first, last) line indices of the table's entry: [[table]] with identity = name, or [table]."""
    header_array = re.compile(r"^\s*\[\[\s*" + re.escape(table) + r"\s*\]\]\s*(#.*)?$")
    header_table = re.compile(r"^\s*\[\s*" + re.escape(table) + r"\s*\]\s*(#.*)?$")
    any_header = re.compile(r"^\s*\[")
    key = IDENTITY.get(table, "name")
    i = 0
    while i < len(lines):
        if (name is None and header_table.match(lines[i])) or (name is not None and header_array.match(lines[i])):
            j = i + 1
            while j < len(lines) and not any_header.match(lines[j]):
                j += 1
            if name is None:
                return i, j
            for k in range(i + 1, j):
                m = re.match(r'^\s*' + key + r'\s*=\s*"([^"]*)"', lines[k])
                if m and m.group(1) == name:
                    return i, j
            i = j
        else:
            i += 1
    return None


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("report")
    ap.add_argument("scenario")
    ap.add_argument("--label", default=None, help="source named in the comments (default: the report's calibration file)")
    a = ap.parse_args()
    with h5py.File(a.report, "r") as f:
        if "calibration_text" not in f.attrs:
            sys.exit(f"apply_estimates: {a.report}: not a chipsim calibration report")
        label = a.label or f.attrs["calibration_file"]
        names = [x.decode() if isinstance(x, bytes) else x for x in f["parameter"][()]]
        paths = [(x.decode() if isinstance(x, bytes) else x).split() for x in f["parameter_paths"][()]]
        est, se, ident = f["estimate"][()], f["standard_error"][()], f["identified"][()]
    lines = open(a.scenario).read().split("\n")
    skipped, written = [], 0
    for name, keys, x, s, ok in zip(names, paths, est, se, ident):
        if not ok:
            skipped.append(name)
            continue
        for path in keys:
            parts = path.split(".")
            table, ident_name, key = (parts[0], None, ".".join(parts[1:])) if len(parts) == 2 else (parts[0], parts[1], ".".join(parts[2:]))
            block = find_block(lines, table, ident_name)
            if block is None:
                sys.exit(f"apply_estimates: {a.scenario}: no table for {path}")
            first, last = block
            value = repr(float(x))  # shortest text that reads back to the same double
            comment = f"# ESTIMATED ({label}; standard error {s:.3g})"
            for k in range(first + 1, last):
                m = re.match(r"^(\s*)" + re.escape(key) + r"(\s*=\s*)([^#]*?)(\s*)(#.*)?$", lines[k])
                if m:
                    # Re-estimating keeps the hand-set value the first estimate replaced.
                    earlier = re.search(r"ESTIMATED.*; was (.+)$", m.group(5) or "")
                    was = earlier.group(1).strip() if earlier else m.group(3).strip()
                    lines[k] = f"{m.group(1)}{key}{m.group(2)}{value}   {comment}; was {was}"
                    break
            else:
                anchor = first + 1
                while anchor < last and not lines[anchor].strip():
                    anchor += 1
                lines.insert(anchor + 1, f"{key} = {value}   {comment}")
            written += 1
    open(a.scenario, "w").write("\n".join(lines))
    print(f"apply_estimates: wrote {written} keys into {a.scenario}" + (f"; not identified, left as they were: {', '.join(skipped)}" if skipped else ""))


if __name__ == "__main__":
    main()
