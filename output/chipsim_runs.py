#!/usr/bin/python3
"""One row per run of a chipsim batch file, for pandas (and R through its CSV).

    import sys; sys.path.insert(0, "output")          # or copy this file beside your notebook
    from chipsim_runs import runs_frame
    df = runs_frame("results.h5")                     # one row per run
    df.groupby(["variant", "point"]).cumulative_revenue_loss_Nvidia.describe()

Columns: run, variant (name), baseline (name or ""), point, one column per swept parameter (its
value at the run's point), replicate, seed (exact: from run_seed_text), and per run:
cumulative_revenue_loss_<firm> (USD over the horizon against the paired baseline run, NaN for a
baseline), self_sufficiency_<country> (accelerators, by compute, at the last period) and
compute_gap_<country> (H100e at the last period, against the baseline). Command line:
    chipsim_runs.py results.h5 [-o runs.csv]
Uses h5py, numpy and pandas only (Debian: python3-h5py, python3-pandas).
"""
import argparse
import sys

import h5py
import numpy as np
import pandas as pd


def _labels(f, name):
    return [x.decode() if isinstance(x, bytes) else str(x) for x in f[name][:]]


def runs_frame(path, country=None):
    """A pandas DataFrame with one row per run of the batch (or shard) file at `path`."""
    with h5py.File(path, "r") as f:
        variants = _labels(f, "variant")
        baseline_index = f["variant_baseline"][:]
        params = _labels(f, "parameter")
        firms = _labels(f, "firm")
        countries = _labels(f, "country")
        run = f["run"][:].astype(np.int64)
        v = f["run_variant"][:]
        frame = pd.DataFrame({
            "run": run,
            "variant": [variants[k] for k in v],
            "baseline": [variants[b] if b >= 0 else "" for b in baseline_index[v]],
            "point": f["run_point"][:].astype(np.int64),
        })
        if params != ["none"]:
            values = f["run_parameters"][:]
            for k, p in enumerate(params):
                frame[p] = values[:, k]
        frame["replicate"] = f["run_replicate"][:].astype(np.int64)
        if "run_seed_text" in f:
            frame["seed"] = [int(s) for s in _labels(f, "run_seed_text")]
        else:
            frame["seed"] = [int(s) for s in f["run_seed"][:]]
        if "revenue_loss" in f:  # a complete batch: the paired effects
            loss = f["revenue_loss"][:].sum(axis=1)  # run x firm, over the horizon
            for k, firm in enumerate(firms):
                frame[f"cumulative_revenue_loss_{firm}"] = loss[:, k]
            gap = f["compute_gap"][:, -1, :]
            for k, c in enumerate(countries):
                if country is None or c == country:
                    frame[f"compute_gap_{c}"] = gap[:, k]
        ss = f["self_sufficiency_compute"][:, -1, 0, :]  # run x country, accelerators, last period
        for k, c in enumerate(countries):
            if country is None or c == country:
                frame[f"self_sufficiency_{c}"] = ss[:, k]
    return frame


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("results")
    p.add_argument("-o", "--output", help="CSV file (default: standard output)")
    p.add_argument("--country", help="only this country's columns")
    a = p.parse_args()
    df = runs_frame(a.results, a.country)
    df.to_csv(a.output or sys.stdout, index=False)


if __name__ == "__main__":
    main()
