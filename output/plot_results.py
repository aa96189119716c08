#!/usr/bin/python3
"""Figures from a chipsim batch results file (needs Debian's python3-h5py and python3-matplotlib;
run with /usr/bin/python3).

  /usr/bin/python3 output/plot_results.py results.h5 [-o figures/] [--country CN]

Writes:
  self_sufficiency.png  fan charts of the country's self-sufficiency (accelerators by compute, HBM by stacks) over time,
                        one panel per variant: median, 50 % and 90 % bands across replicates
  revenue_loss.png      fan charts of each chipmaker's cumulative revenue loss against the paired
                        baseline, one panel per variant
A deals file (chipsim deals) gives deals.png instead: the two governments' score gains with
the bargaining set and the Nash bargaining solution marked.
"""
import argparse
import os
import sys

import warnings

import h5py
import numpy as np

import matplotlib
matplotlib.use("Agg")
warnings.filterwarnings("ignore", message="All-NaN slice")
import matplotlib.pyplot as plt  # noqa: E402


def labels(f, name):
    return [x.decode() if isinstance(x, bytes) else str(x) for x in f[name][()]]


def dates(f):
    days = f["time"][()]
    return np.array(days, dtype="datetime64[D]")


def fan(ax, t, samples, color, label):
    """samples: (replicate, time). Median line with 50 % and 90 % bands."""
    q = np.nanpercentile(samples, [5, 25, 50, 75, 95], axis=0)
    ax.fill_between(t, q[0], q[4], color=color, alpha=0.15, linewidth=0)
    ax.fill_between(t, q[1], q[3], color=color, alpha=0.3, linewidth=0)
    ax.plot(t, q[2], color=color, label=label, linewidth=1.6)


def panels(n):
    cols = min(3, n)
    rows = (n + cols - 1) // cols
    fig, axes = plt.subplots(rows, cols, figsize=(5.2 * cols, 3.6 * rows), squeeze=False, sharex=True)
    for ax in axes.flat[n:]:
        ax.set_visible(False)
    return fig, list(axes.flat[:n])


def batch_figures(f, outdir, country):
    t = dates(f)
    variants = labels(f, "variant")
    countries = labels(f, "country")
    firms = labels(f, "firm")
    c = countries.index(country)
    run_variant = f["run_variant"][()]
    run_point = f["run_point"][()]
    # (run, time, kind, country): by compute (H100e; HBM by stacks); files of older versions: units
    measure = "compute" if "self_sufficiency_compute" in f else "units"
    ss = f["self_sufficiency_" + measure][()]
    written = []

    fig, axes = panels(len(variants))
    for v, ax in enumerate(axes):
        rows = (run_variant == v) & (run_point == 0)
        fan(ax, t, 100 * ss[rows, :, 0, c], "tab:red", "accelerators")
        fan(ax, t, 100 * ss[rows, :, 1, c], "tab:blue", "HBM")
        ax.set_title(variants[v])
        ax.set_ylim(0, 100)
        ax.set_ylabel(f"{country} self-sufficiency, % of {'H100e (HBM: stacks)' if measure == 'compute' else 'units'}")
        ax.grid(alpha=0.3)
    axes[0].legend(loc="upper left", fontsize=8)
    fig.suptitle(f"{country}: domestic-made share of purchases (median, 50 % and 90 % bands over {int(rows.sum())} replicates)")
    fig.tight_layout()
    path = os.path.join(outdir, "self_sufficiency.png")
    fig.savefig(path, dpi=110)
    written.append(path)

    if "revenue_loss" in f:
        loss = np.cumsum(np.nan_to_num(f["revenue_loss"][()], nan=0.0), axis=1) / 1e9  # (run, time, firm), USD bn
        baseline = f["variant_baseline"][()]
        shown = [v for v in range(len(variants)) if baseline[v] >= 0]
        totals = np.abs(loss[:, -1, :]).mean(axis=0)
        top = [k for k in np.argsort(-totals)[:5]]
        colors = plt.rcParams["axes.prop_cycle"].by_key()["color"]
        fig, axes = panels(max(1, len(shown)))
        for ax, v in zip(axes, shown):
            rows = (run_variant == v) & (run_point == 0)
            for n, k in enumerate(top):
                fan(ax, t, loss[rows, :, k], colors[n % len(colors)], firms[k])
            ax.axhline(0, color="black", linewidth=0.6)
            ax.set_title(f"{variants[v]} vs {variants[baseline[v]]}")
            ax.set_ylabel("cumulative revenue loss, USD bn")
            ax.grid(alpha=0.3)
        axes[0].legend(loc="upper left", fontsize=8)
        fig.suptitle("Revenue loss against the paired baseline (median, 50 % and 90 % bands)")
        fig.tight_layout()
        path = os.path.join(outdir, "revenue_loss.png")
        fig.savefig(path, dpi=110)
        written.append(path)
    return written


def deals_figure(f, outdir):
    names = labels(f, "deal")
    us = f["score_gain_mean"][()][:, 0]
    cn = f["score_gain_mean"][()][:, 1]
    lo = f["score_gain_ci95_low"][()]
    hi = f["score_gain_ci95_high"][()]
    in_set = f["in_bargaining_set"][()].astype(bool)
    nash = int(f.attrs["nash_solution_index"]) if "nash_solution_index" in f.attrs else -1
    govs = labels(f, "government")
    fig, ax = plt.subplots(figsize=(7.5, 6))
    ax.errorbar(us, cn, xerr=[us - lo[:, 0], hi[:, 0] - us], yerr=[cn - lo[:, 1], hi[:, 1] - cn],
                fmt="none", ecolor="grey", alpha=0.35, linewidth=0.8)
    ax.scatter(us[~in_set], cn[~in_set], s=18, color="grey", label="deal terms")
    ax.scatter(us[in_set], cn[in_set], s=28, color="tab:green", label="bargaining set (both gain)")
    if nash >= 0:
        ax.scatter([us[nash]], [cn[nash]], s=160, marker="*", color="tab:red", label="Nash bargaining solution", zorder=5)
        fig.text(0.01, 0.01, "Nash bargaining solution: " + names[nash], fontsize=8)
    ax.axhline(0, color="black", linewidth=0.7)
    ax.axvline(0, color="black", linewidth=0.7)
    ax.set_xlabel(f"{govs[0]} score gain vs status quo")
    ax.set_ylabel(f"{govs[1]} score gain vs status quo")
    ax.set_title("Tariff-for-chips deals: the two governments' payoff plane")
    ax.legend(fontsize=8, loc="best")
    ax.grid(alpha=0.3)
    fig.tight_layout(rect=(0, 0.04, 1, 1))
    path = os.path.join(outdir, "deals.png")
    fig.savefig(path, dpi=110)
    return [path]


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("results")
    p.add_argument("-o", "--outdir", default=".")
    p.add_argument("--country", default=None, help="country whose self-sufficiency is drawn (default: the batch's focus)")
    a = p.parse_args()
    os.makedirs(a.outdir, exist_ok=True)
    with h5py.File(a.results, "r") as f:
        if "deal" in f:
            written = deals_figure(f, a.outdir)
        else:
            if "run" not in f:
                sys.exit(f"{a.results}: not a chipsim batch or deals file")
            focus = f.attrs.get("focus_country", b"CN")
            focus = focus.decode() if isinstance(focus, bytes) else str(focus)
            written = batch_figures(f, a.outdir, a.country or focus)
    for w in written:
        print("wrote", w)


if __name__ == "__main__":
    main()
