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
import shutil
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
if r.returncode != 0 or not rows or not {"variant", "point", "replicates", "baseline", "metric", "country", "firm", "date", "mean",
                                         "ci95_low", "ci95_high", "q05", "q25", "q50", "q75", "q95", "bimodality",
                                         "unit"} <= set(rows[0]):
    failures.append(f"summarize --csv: {r.stderr} {r.stdout[:200]}")
else:
    losses = [x for x in rows if x["metric"] == "cumulative_revenue_loss" and x["firm"] == "Nvidia" and x["mean"] != ""]
    if not losses or any(not (float(x["ci95_low"]) <= float(x["mean"]) <= float(x["ci95_high"])) for x in losses):
        failures.append("summarize --csv: Nvidia's revenue loss missing or outside its own interval")
    if any(not (float(x["q05"]) <= float(x["q25"]) <= float(x["q50"]) <= float(x["q75"]) <= float(x["q95"])) for x in losses):
        failures.append("summarize --csv: the quantiles of Nvidia's revenue loss are not ordered")
# Tidy CSV as pandas and R read it (issue: a variant named with a comma broke pandas; "-" for a
# missing value turned the mean column into text): a batch whose variant names need quoting.
import pandas as pd
tidy_dir = os.path.join(os.path.dirname(batch), "tidy")
os.makedirs(tidy_dir, exist_ok=True)
tidy_exp = os.path.join(tidy_dir, "tidy.toml")
with open(tidy_exp, "w") as f:
    f.write(f"""[experiment]
name = "tidy"
base = "{os.path.join(source, 'tests', 'experiments', 'small_history.toml')}"
replicates = 2
master_seed = 3
baseline = "base"
[[variant]]
name = "base"
scenario = "{os.path.join(source, 'tests', 'experiments', 'small_no_controls.toml')}"
[[variant]]
name = 'deal, "15%" share'
[sweep]
method = "grid"
[[sweep.parameter]]
path = "firm.Huawei.arrival_hazard_per_month"
values = [0.02, 0.05]
""")
tidy_h5 = os.path.join(tidy_dir, "tidy.h5")
r = subprocess.run([chipsim, "batch", tidy_exp, "-o", tidy_h5, "--no-progress"], capture_output=True, text=True)
if r.returncode != 0:
    failures.append(f"tidy batch: {r.stderr}")
else:
    for flag, per in (("--csv", False), ("--per-run", True)):
        out_csv = os.path.join(tidy_dir, f"tidy{flag}.csv")
        r = subprocess.run([chipsim, "summarize", tidy_h5, flag, "--dates", "2024-12"], capture_output=True, text=True)
        open(out_csv, "w").write(r.stdout)
        df = pd.read_csv(out_csv)
        value = "value" if per else "mean"
        if set(df["variant"]) != {"base", 'deal, "15%" share'}:
            failures.append(f"summarize {flag}: variant names not read back by pandas: {sorted(set(df['variant']))}")
        if df[value].dtype.kind != "f" or df["firm.Huawei.arrival_hazard_per_month"].dtype.kind != "f":
            failures.append(f"summarize {flag}: {value} or the swept parameter is not numeric in pandas ({df[value].dtype})")
        loss = df[(df.metric == "cumulative_revenue_loss") & (df.firm == "Nvidia")]
        base_loss = loss[loss.variant == "base"][value]
        if len(base_loss) == 0 or not base_loss.isna().all():
            failures.append(f"summarize {flag}: the baseline's own loss must be missing (empty), not a number or text")
        if per and len(df[df.metric == "self_sufficiency_accelerator"]) != 2 * 2 * 2:
            failures.append(f"summarize --per-run: expected one row per run for each metric, got {len(df)} rows")
        if not per and set(df.replicates) != {2}:
            failures.append("summarize --csv: the replicate count column is wrong")
        # R's read.csv must read the same table with numeric columns.
        if shutil.which("Rscript"):
            rr = subprocess.run(["Rscript", "-e", f"d <- read.csv('{out_csv}', check.names = FALSE); "
                                 f"stopifnot(is.numeric(d${value}), is.numeric(d[['firm.Huawei.arrival_hazard_per_month']]), "
                                 f"setequal(unique(d$variant), c('base', 'deal, \"15%\" share')), nrow(d) == {len(df)}); cat('ok')"],
                                capture_output=True, text=True)
            if rr.returncode != 0 or "ok" not in rr.stdout:
                failures.append(f"summarize {flag}: R read.csv disagrees: {rr.stderr[-300:]}")
        else:
            failures.append("Rscript not found (r-base-core): the CSV is not checked in R")

        # The documented helper gives one row per run (output/chipsim_runs.py), with exact seeds.
        if per:
            sys.path.insert(0, os.path.join(source, "output"))
            from chipsim_runs import runs_frame
            frame = runs_frame(tidy_h5)
            seeds = pd.read_csv(out_csv, dtype={"seed": str})
            if len(frame) != 8 or frame["run"].dtype.kind != "i" or set(frame["variant"]) != {"base", 'deal, "15%" share'}:
                failures.append(f"runs_frame: {frame.shape} {frame.dtypes.to_dict()}")
            elif {str(s) for s in frame["seed"]} != set(seeds["seed"]):
                failures.append("runs_frame: its exact seeds differ from summarize --per-run's")
            elif frame["cumulative_revenue_loss_Nvidia"][frame.variant == "base"].notna().any():
                failures.append("runs_frame: a baseline run must have no (NaN) loss against itself")

# xarray: variant names, baselines, replicates and seeds are labelled coordinates of the run
# dimension, the swept keys' values coordinates of the point dimension; one line gives a frame
# with one row per run.
ds = xr.open_dataset(batch)
for c in ("run_variant_name", "run_baseline_name", "run_point", "run_replicate", "run_seed_text"):
    if c not in ds.coords or ds[c].dims != ("run",):
        failures.append(f"xarray: {c} is not a coordinate of the run dimension")
variants = [str(x) for x in ds["variant"].values]
if "run_variant_name" in ds.coords and [str(x) for x in ds.run_variant_name.values] != [variants[k] for k in ds.run_variant.values]:
    failures.append("xarray: run_variant_name does not match run_variant")
swept = [str(x) for x in ds["parameter"].values]
for key in swept:
    if key not in ds.coords or ds[key].dims != ("point",):
        failures.append(f"xarray: the swept key {key} is not a coordinate of the point dimension")
    elif list(ds[key].values) != list(ds.point_parameters.values[:, swept.index(key)]):
        failures.append(f"xarray: the values of {key} differ from point_parameters")
frame = ds.revenue_loss.sum("time").sel(firm="Nvidia").to_dataframe()
if len(frame) != ds.sizes["run"] or not {"run_variant_name", "run_replicate", "run_point"} <= set(frame.columns):
    failures.append(f"xarray: one row per run with its labels expected, got {len(frame)} rows, columns {list(frame.columns)}")

r = subprocess.run([chipsim, "summarize", batch, "--dates", "1999-01"], capture_output=True, text=True)
if r.returncode == 0 or "1999-01" not in r.stderr:
    failures.append("summarize with a date outside the batch must fail and name it")

script = os.path.join(source, "output", "plot_results.py")
for f, expected in ((batch, ("self_sufficiency.png", "revenue_loss.png", "sweep_0.png")), (deals, ("deals.png",)),
                    (compare, ("self_sufficiency.png", "revenue_loss.png"))):
    shutil.rmtree(figures, ignore_errors=True)
    r = subprocess.run(["/usr/bin/python3", script, f, "-o", figures], capture_output=True, text=True)
    for name in expected:
        p = os.path.join(figures, name)
        if r.returncode != 0 or not os.path.exists(p) or os.path.getsize(p) < 10000:
            failures.append(f"figure {name} not drawn: {r.stderr}")

if failures:
    print("\n".join("FAIL: " + x for x in failures))
    sys.exit(1)
print("ok: summarize, figures and output schemas")
