#!/usr/bin/python3
"""Checks a chipsim output file the way its users open it: with xarray (Debian's
python3-xarray) and with ncdump. Fails on unnamed (phony_dim) dimensions, missing units or
labels, missing provenance; with two files, requires every variable to be bit-identical.

usage: check_output_file.py FILE [OTHER_FILE]
"""
import subprocess
import sys

import numpy as np
import xarray as xr

PROVENANCE = ["scenario_text", "seed", "chipsim_version", "git_revision", "build_type",
              "libraries", "started_utc", "finished_utc", "command_line"]
LABEL_DIMS = ["product", "firm", "country", "ai_firm", "origin", "destination"]


def fail(msg):
    print("FAIL:", msg)
    sys.exit(1)


def check(path):
    header = subprocess.run(["ncdump", "-h", path], capture_output=True, text=True)
    if header.returncode != 0:
        fail(f"ncdump -h {path} failed: {header.stderr}")
    if "phony_dim" in header.stdout:
        fail(f"{path}: ncdump shows unnamed (phony_dim) dimensions")
    ds = xr.open_dataset(path)
    for dim in ds.dims:
        if dim.startswith("phony_dim"):
            fail(f"{path}: xarray shows unnamed dimension {dim}")
    for dim in ["time"] + LABEL_DIMS:
        if dim not in ds.coords:
            fail(f"{path}: dimension {dim} has no coordinate labels")
    if not np.issubdtype(ds.time.dtype, np.datetime64):
        fail(f"{path}: time is not decoded as dates ({ds.time.dtype})")
    for name, var in ds.data_vars.items():
        if name == "period_label":
            continue
        if not var.attrs.get("units"):
            fail(f"{path}: variable {name} has no units")
        if not var.attrs.get("long_name"):
            fail(f"{path}: variable {name} has no long_name")
        if var.dims[0] != "time":
            fail(f"{path}: variable {name} does not start with the time axis")
    for key in PROVENANCE:
        if key not in ds.attrs:
            fail(f"{path}: provenance attribute {key} missing")
    if "CN" not in list(ds.country.values):
        fail(f"{path}: country labels do not include CN")
    cn = ds.self_sufficiency_compute.sel(country="CN")
    if not ((cn.dropna("time") >= 0) & (cn.dropna("time") <= 1)).all():
        fail(f"{path}: self-sufficiency outside [0, 1]")
    return ds


def main():
    if len(sys.argv) not in (2, 3):
        print(__doc__)
        sys.exit(2)
    a = check(sys.argv[1])
    if len(sys.argv) == 3:
        b = check(sys.argv[2])
        for name in a.data_vars:
            x, y = a[name].values, b[name].values
            if x.dtype.kind == "f":
                if x.shape != y.shape or x.tobytes() != y.tobytes():
                    fail(f"{name} differs between {sys.argv[1]} and {sys.argv[2]}")
            elif not (x == y).all():
                fail(f"{name} differs between {sys.argv[1]} and {sys.argv[2]}")
    print("ok:", ", ".join(sys.argv[1:]))


if __name__ == "__main__":
    main()
