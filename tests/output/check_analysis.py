#!/usr/bin/python3
"""From a batch to a table and figures, as a user would (Debian's python3-xarray, h5py,
matplotlib, netcdf-bin): `chipsim summarize` (table and CSV), the figure script, and the
schema of every output file: no unnamed (phony_dim) dimension, units and long_name on every
variable, in ncdump and xarray.

usage: check_analysis.py CHIPSIM SOURCE_DIR BATCH.h5 DEALS.h5 COMPARE.h5 FIGURE_DIR
"""
import csv
import io
import os
import subprocess
import sys

import xarray as xr

chipsim, source, batch, deals, compare, figures = sys.argv[1:7]
failures = []


def schema(path):
    r = subprocess.run(["ncdump", "-h", path], capture_output=True, text=True)
    if r.returncode != 0:
        failures.append(f"ncdump -h {path}: {r.stderr}")
    elif "phony_dim" in r.stdout:
        failures.append(f"{path}: ncdump shows unnamed dimensions")
    ds = xr.open_dataset(path)
    for d in ds.dims:
        if str(d).startswith("phony_dim"):
            failures.append(f"{path}: xarray shows unnamed dimension {d}")
    for name, v in ds.data_vars.items():
        if v.dtype.kind in "fiu" and (not v.attrs.get("units") or not v.attrs.get("long_name")):
            failures.append(f"{path}: {name} lacks units or long_name")
    for key in ("chipsim_version", "git_revision", "command_line"):
        if key not in ds.attrs:
            failures.append(f"{path}: provenance attribute {key} missing")


for p in (batch, deals, compare):
    if os.path.exists(p):
        schema(p)
    else:
        failures.append(f"{p} was not written")

r = subprocess.run([chipsim, "summarize", batch, "--dates", "2024-12", "2026-06"], capture_output=True, text=True)
if r.returncode != 0 or "cumulative revenue loss" not in r.stdout or "history" not in r.stdout:
    failures.append(f"summarize table: {r.returncode} {r.stdout[:300]} {r.stderr}")
r = subprocess.run([chipsim, "summarize", batch, "--csv"], capture_output=True, text=True)
rows = list(csv.DictReader(io.StringIO(r.stdout)))
if r.returncode != 0 or not rows or set(rows[0]) != {"group", "metric", "key", "mean", "ci95_low", "ci95_high",
                                                 "q05", "q25", "q50", "q75", "q95", "bimodality", "unit"}:
    failures.append(f"summarize --csv: {r.stderr} {r.stdout[:200]}")
else:
    losses = [x for x in rows if x["metric"] == "cumulative_revenue_loss" and x["key"] == "Nvidia" and x["mean"] != "-"]
    if not losses or any(not (float(x["ci95_low"]) <= float(x["mean"]) <= float(x["ci95_high"])) for x in losses):
        failures.append("summarize --csv: Nvidia's revenue loss missing or outside its own interval")
    if any(not (float(x["q05"]) <= float(x["q25"]) <= float(x["q50"]) <= float(x["q75"]) <= float(x["q95"])) for x in losses):
        failures.append("summarize --csv: the quantiles of Nvidia's revenue loss are not ordered")
r = subprocess.run([chipsim, "summarize", batch, "--dates", "1999-01"], capture_output=True, text=True)
if r.returncode == 0 or "1999-01" not in r.stderr:
    failures.append("summarize with a date outside the batch must fail and name it")

script = os.path.join(source, "output", "plot_results.py")
for f, expected in ((batch, ("self_sufficiency.png", "revenue_loss.png")), (deals, ("deals.png",))):
    r = subprocess.run(["/usr/bin/python3", script, f, "-o", figures], capture_output=True, text=True)
    for name in expected:
        p = os.path.join(figures, name)
        if r.returncode != 0 or not os.path.exists(p) or os.path.getsize(p) < 10000:
            failures.append(f"figure {name} not drawn: {r.stderr}")

if failures:
    print("\n".join("FAIL: " + x for x in failures))
    sys.exit(1)
print("ok: summarize, figures and output schemas")
