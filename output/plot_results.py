#!/usr/bin/python3
"""Figures from any chipsim results file: run, compare, batch (or shard) and deals files.
Needs Debian's python3-h5py and python3-matplotlib; run with /usr/bin/python3.

  /usr/bin/python3 output/plot_results.py RESULTS.h5 [-o figures/] [--country CN]

Writes PNG files and prints their names:
  run      self_sufficiency.png (the country's domestic share of purchases, by compute; HBM by
           stacks), revenue.png (every chipmaker's revenue, USD bn a year, on one axis)
  compare  self_sufficiency.png (policy and baseline on one axis), revenue_loss.png (each
           chipmaker's cumulative loss with its volume, price and diversion parts)
  batch    self_sufficiency.png and revenue_loss.png (every variant on one axis: median and
           90 % band over its runs), and for a sweep sweep_<k>.png per swept key (outcomes
           against the key's value, median and 5-95 % range over replicates at each point)
           and, with two or more swept keys, sweep_pairs.png (pair plots of the design,
           coloured by the outcome)
  deals    deals.png (both governments' score gains, in score-years, with the bargaining set
           and the Nash solution; identical deals are drawn once and counted)
Dates of the policy events that differ between the paths drawn are marked. A figure that shows
a subset (some firms, pooled sweep points, one variant) says so in its caption and on the figure.

As a module (chipsim report uses it): figures(h5py.File, country) -> list of Figure records
(name, title, caption, matplotlib figure).
"""
import argparse
import os
import sys
import textwrap
import tomllib
import warnings
from dataclasses import dataclass

import h5py
import numpy as np

import matplotlib
matplotlib.use("Agg")
warnings.filterwarnings("ignore", message="All-NaN slice")
warnings.filterwarnings("ignore", message="Mean of empty slice")
import matplotlib.dates as mdates  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402

COLORS = plt.rcParams["axes.prop_cycle"].by_key()["color"]


@dataclass
class Figure:
    name: str      # file stem, e.g. "self_sufficiency"
    title: str     # one line, for a reader
    caption: str   # what is drawn, over what, and what is left out
    fig: object    # matplotlib Figure


# ---------------------------------------------------------------------------------------------
# Reading


def text(value):
    return value.decode() if isinstance(value, bytes) else str(value)


def labels(f, name):
    return [text(x) for x in f[name][()]]


def attr(f, name, default=""):
    return text(f.attrs[name]) if name in f.attrs else default


def dates(f):
    return np.array(f["time"][()], dtype="datetime64[D]")


def file_kind(f):
    """'deals', 'batch', 'compare', 'run' or None."""
    if "deal" in f:
        return "deals"
    if "run_variant" in f:
        return "batch"
    if "revenue_policy" in f:
        return "compare"
    if "units_sold" in f:
        return "run"
    return None


def scenario_doc(scenario_text):
    """The scenario as a dict (tomllib), or {} if the text cannot be parsed."""
    try:
        return tomllib.loads(scenario_text)
    except (tomllib.TOMLDecodeError, TypeError):
        return {}


def describe(doc, fallback):
    """A reader's name for a scenario: its description, else its code name."""
    d = doc.get("scenario", {}).get("description", "")
    return f"{d} ({fallback})" if d else fallback


def events_of(doc):
    """{(id or position, date): action} of a scenario's events."""
    out = {}
    for k, e in enumerate(doc.get("event", [])):
        out[(e.get("id", f"#{k}"), str(e.get("date", "")))] = e.get("action", "")
    return out


def differing_events(docs):
    """Events (id, date) present in some of the scenarios but not all, sorted by date."""
    sets = [set(events_of(d)) for d in docs]
    if not sets:
        return []
    every = set.intersection(*sets)
    return sorted(set.union(*sets) - every, key=lambda e: (e[1], e[0]))  # by date, then id: the same order every run


def to_day(date):
    date = str(date)
    if len(date) == 7:
        date += "-01"
    try:
        return np.datetime64(date[:10], "D")
    except ValueError:
        return None


def mark_policies(ax, events, t, label=True):
    """Dotted vertical lines at policy dates inside the time axis; with label, the event ids (one
    label per date). Also formats the time axis by year."""
    lo, hi = t[0], t[-1]
    by_day = {}
    for ident, date in events:
        d = to_day(date)
        if d is not None and lo <= d <= hi:
            by_day.setdefault(d, []).append(ident)
    for d, idents in sorted(by_day.items()):
        ax.axvline(d, color="0.45", linestyle=":", linewidth=0.8, zorder=0)
        if label:
            shown = ", ".join(idents) if len(idents) <= 2 else f"{idents[0]} +{len(idents) - 1}"
            ax.text(d, 0.99, " " + shown, transform=ax.get_xaxis_transform(), rotation=90, va="top", ha="right",
                    fontsize=5.5, color="0.35")
    ax.xaxis.set_major_locator(mdates.YearLocator())
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%Y"))


def note(fig, message):
    """A note at the bottom of a figure (subsets, scales)."""
    fig.text(0.01, 0.005, "\n".join(textwrap.wrap(message, 170)), fontsize=7, color="0.25", va="bottom")


def band(ax, t, samples, color, label, inner=False):
    """samples: (n, time). Median line and 5-95 % band (and 25-75 % if inner)."""
    q = np.nanpercentile(samples, [5, 25, 50, 75, 95], axis=0)
    ax.fill_between(t, q[0], q[4], color=color, alpha=0.13, linewidth=0)
    if inner:
        ax.fill_between(t, q[1], q[3], color=color, alpha=0.25, linewidth=0)
    ax.plot(t, q[2], color=color, label=label, linewidth=1.5)


def grid(n, width=5.0, height=3.3, cols=3, sharey=False):
    cols = max(1, min(cols, n))
    rows = (n + cols - 1) // cols
    fig, axes = plt.subplots(rows, cols, figsize=(width * cols, height * rows + 0.6), squeeze=False, sharex=True,
                             sharey=sharey)
    for ax in axes.flat[n:]:
        ax.set_visible(False)
    return fig, list(axes.flat[:n])


def finish(fig, title, bottom=0.07):
    fig.suptitle(title, fontsize=11)
    fig.tight_layout(rect=(0, bottom, 1, 0.97))


# ---------------------------------------------------------------------------------------------
# Run and compare files


def run_figures(f, country):
    t = dates(f)
    countries = labels(f, "country")
    firms = labels(f, "firm")
    c = countries.index(country)
    doc = scenario_doc(attr(f, "scenario_text"))
    events = sorted(events_of(doc), key=lambda e: (e[1], e[0]))
    months = 3 if attr(f, "period_length") == "quarter" else 1
    out = []

    ss = f["self_sufficiency_compute"][()]  # time, kind, country
    fig, ax = plt.subplots(figsize=(9, 4.2))
    ax.plot(t, 100 * ss[:, 0, c], color="tab:red", label="accelerators (by compute, H100e)")
    ax.plot(t, 100 * ss[:, 1, c], color="tab:blue", label="HBM (by stacks)")
    mark_policies(ax, events, t)
    ax.set_ylim(0, 100)
    ax.set_ylabel(f"domestic-made share of {country}'s purchases, %")
    ax.legend(fontsize=8, loc="upper left")
    ax.grid(alpha=0.3)
    title = f"{country}'s self-sufficiency: {describe(doc, attr(f, 'scenario_name'))}"
    note(fig, f"One run (seed {attr(f, 'seed_text', '?')}). Dotted lines: the scenario's policy events.")
    finish(fig, "\n".join(textwrap.wrap(title, 110)))
    out.append(Figure("self_sufficiency", f"{country}'s self-sufficiency", "Domestic-made share of purchases by "
                      "compute (accelerators, H100e) and by stacks (HBM), one run; dotted lines mark policy events.", fig))

    revenue = f["revenue"][()].sum(axis=2) * 12 / months / 1e9  # time, firm: USD bn a year
    fig, ax = plt.subplots(figsize=(9, 4.2))
    for k, firm in enumerate(firms):
        ax.plot(t, revenue[:, k], color=COLORS[k % len(COLORS)], label=firm)
    mark_policies(ax, events, t)
    ax.set_ylabel("revenue, USD bn a year (annualised)")
    ax.legend(fontsize=7, ncol=2, loc="upper left")
    ax.grid(alpha=0.3)
    note(fig, f"All {len(firms)} chipmakers, gross revenue at producer prices, every destination. One run.")
    finish(fig, "Chipmakers' revenue")
    out.append(Figure("revenue", "Chipmakers' revenue", "Gross revenue of every chipmaker, annualised, one run.", fig))
    return out


def compare_figures(f, country):
    t = dates(f)
    countries = labels(f, "country")
    firms = labels(f, "firm")
    c = countries.index(country)
    policy = scenario_doc(attr(f, "scenario_text"))
    base = scenario_doc(attr(f, "baseline_scenario_text"))
    events = differing_events([policy, base])
    pname = describe(policy, attr(f, "scenario_name"))
    bname = describe(base, attr(f, "baseline_scenario_name"))
    out = []

    fig, axes = plt.subplots(1, 2, figsize=(12, 4.2), sharey=True)
    for ax, k, what in zip(axes, (0, 1), ("accelerators (by compute, H100e)", "HBM (by stacks)")):
        ax.plot(t, 100 * f["self_sufficiency_policy"][:, k, c], color="tab:red", label="policy")
        ax.plot(t, 100 * f["self_sufficiency_baseline"][:, k, c], color="0.3", linestyle="--", label="baseline")
        mark_policies(ax, events, t, label=k == 0)
        ax.set_title(what, fontsize=9)
        ax.set_ylim(0, 100)
        ax.grid(alpha=0.3)
    axes[0].set_ylabel(f"domestic-made share of {country}'s purchases, %")
    axes[0].legend(fontsize=8, loc="upper left")
    note(fig, f"Policy: {pname}. Baseline: {bname}. One seed ({attr(f, 'seed_text', '?')}), the same in both. "
              "Dotted lines: events that differ between the two scenarios.")
    finish(fig, f"{country}'s self-sufficiency, policy against baseline", bottom=0.1)
    out.append(Figure("self_sufficiency", f"{country}'s self-sufficiency, policy against baseline",
                      "Domestic-made share of purchases under the policy and the baseline; same axis and scale.", fig))

    cum = lambda name: np.cumsum(f[name][()], axis=0) / 1e9  # noqa: E731
    loss, vol, price, div = cum("revenue_loss"), cum("revenue_loss_volume"), cum("revenue_loss_price"), cum("revenue_loss_diversion")
    fig, axes = grid(len(firms))
    for k, (ax, firm) in enumerate(zip(axes, firms)):
        ax.plot(t, loss[:, k], color="black", label="total")
        ax.plot(t, vol[:, k], color="tab:red", linewidth=0.9, label=f"volume ({country})")
        ax.plot(t, price[:, k], color="tab:blue", linewidth=0.9, label="price")
        ax.plot(t, div[:, k], color="tab:green", linewidth=0.9, label="diversion")
        ax.axhline(0, color="black", linewidth=0.5)
        mark_policies(ax, events, t, label=k == 0)
        ax.set_title(firm, fontsize=9)
        ax.grid(alpha=0.3)
    for ax in axes[::3]:
        ax.set_ylabel("cumulative loss, USD bn")
    axes[0].legend(fontsize=7, loc="upper left")
    note(fig, f"All {len(firms)} chipmakers. Loss = baseline minus policy revenue (negative: a gain), cumulated from "
              "the start. Y-scales differ per panel. Policy: " + pname + ". Baseline: " + bname + ".")
    finish(fig, "Revenue loss against the baseline, with its parts", bottom=0.08)
    out.append(Figure("revenue_loss", "Revenue loss against the baseline",
                      "Cumulative revenue loss of every chipmaker with its volume, price and diversion parts; "
                      "y-scales differ per panel.", fig))
    return out


# ---------------------------------------------------------------------------------------------
# Batch files


class Batch:
    def __init__(self, f):
        self.f = f
        self.t = dates(f)
        self.variants = labels(f, "variant")
        self.firms = labels(f, "firm")
        self.countries = labels(f, "country")
        self.params = [p for p in labels(f, "parameter") if p != "none"]
        self.baseline = f["variant_baseline"][()]
        self.run_variant = f["run_variant"][()]
        self.run_point = f["run_point"][()]
        self.point_values = f["point_parameters"][()]  # point x parameter
        self.n_points = self.point_values.shape[0]
        self.docs = [scenario_doc(attr(f, "scenario_text_" + v)) for v in self.variants]
        self.names = [describe(d, v) for d, v in zip(self.docs, self.variants)]
        self.events = differing_events(self.docs)

    def rows(self, v, point=None):
        r = self.run_variant == v
        return r if point is None else r & (self.run_point == point)

    def pooled_note(self):
        if self.n_points <= 1:
            return ""
        return (f" Each band pools all {self.n_points} sweep points of the variant (parameter spread included); "
                "the sweep figures show outcomes point by point.")


def batch_figures(f, country):
    b = Batch(f)
    c = b.countries.index(country)
    out = []
    ss = f["self_sufficiency_compute"][()]  # run, time, kind, country

    fig, axes = plt.subplots(1, 2, figsize=(13, 4.6), sharey=True)
    for ax, k, what in zip(axes, (0, 1), ("accelerators (by compute, H100e)", "HBM (by stacks)")):
        for v, name in enumerate(b.variants):
            band(ax, b.t, 100 * ss[b.rows(v), :, k, c], COLORS[v % len(COLORS)], name)
        mark_policies(ax, b.events, b.t, label=k == 0)
        ax.set_title(what, fontsize=9)
        ax.set_ylim(0, 100)
        ax.grid(alpha=0.3)
    axes[0].set_ylabel(f"domestic-made share of {country}'s purchases, %")
    axes[0].legend(fontsize=7, loc="upper left")
    counts = ", ".join(f"{v}: {int(b.rows(k).sum())} runs" for k, v in enumerate(b.variants))
    note(fig, "Median and 5-95 % band across runs (" + counts + "). Same y-scale in both panels. Dotted lines: "
              "events that differ between the variants." + b.pooled_note() + " Variants: " +
              "; ".join(b.names) + ".")
    finish(fig, f"{country}'s self-sufficiency under each variant", bottom=0.12)
    out.append(Figure("self_sufficiency", f"{country}'s self-sufficiency under each variant",
                      "Every variant on one axis: median and 5-95 % band across its runs." + b.pooled_note(), fig))

    paired = [v for v in range(len(b.variants)) if b.baseline[v] >= 0]
    if "revenue_loss" in f and paired:
        loss = np.cumsum(np.nan_to_num(f["revenue_loss"][()], nan=0.0), axis=1) / 1e9  # run, time, firm
        fig, axes = grid(len(b.firms))
        for k, (ax, firm) in enumerate(zip(axes, b.firms)):
            for v in paired:
                band(ax, b.t, loss[b.rows(v), :, k], COLORS[v % len(COLORS)],
                     f"{b.variants[v]} vs {b.variants[b.baseline[v]]}")
            ax.axhline(0, color="black", linewidth=0.5)
            mark_policies(ax, b.events, b.t, label=k == 0)
            ax.set_title(firm, fontsize=9)
            ax.grid(alpha=0.3)
        for ax in axes[::3]:
            ax.set_ylabel("cumulative loss, USD bn")
        axes[0].legend(fontsize=6, loc="upper left")
        note(fig, f"All {len(b.firms)} chipmakers; y-scales differ per panel. Loss = paired baseline run minus this "
                  "run (same seed), cumulated; negative is a gain. Median and 5-95 % band across runs." + b.pooled_note())
        finish(fig, "Revenue loss against the paired baseline", bottom=0.08)
        out.append(Figure("revenue_loss", "Revenue loss against the paired baseline",
                          "Every chipmaker, every paired variant on one axis; y-scales differ per panel." + b.pooled_note(), fig))

    if b.params and b.n_points > 1:
        out += sweep_figures(f, b, c, country, ss)
    return out


def sweep_outcomes(f, b, c, ss):
    """[(label, unit, run values, variants it is defined for)] of the sweep figures."""
    final = 100 * ss[:, -1, 0, c]
    outcomes = [(f"{b.countries[c]} self-sufficiency (accelerators, by compute) at {str(b.t[-1])[:7]}", "%", final,
                 list(range(len(b.variants))))]
    paired = [v for v in range(len(b.variants)) if b.baseline[v] >= 0]
    dropped = []
    if "revenue_loss" in f and paired:
        total = np.nansum(f["revenue_loss"][()], axis=1) / 1e9  # run, firm
        rows = np.isin(b.run_variant, paired)
        size = np.abs(np.nanmean(total[rows], axis=0))
        order = list(np.argsort(-size))
        for k in order[:3]:
            outcomes.append((f"{b.firms[k]}: revenue loss over the horizon", "USD bn", total[:, k], paired))
        dropped = [b.firms[k] for k in order[3:]]
    return outcomes, dropped


def sweep_figures(f, b, c, country, ss):
    out = []
    outcomes, dropped = sweep_outcomes(f, b, c, ss)
    left_out = (" Firms not drawn (smaller mean loss): " + ", ".join(dropped) + ".") if dropped else ""
    for j, param in enumerate(b.params):
        x_points = b.point_values[:, j]
        fig, axes = grid(len(outcomes), width=4.6, height=3.4, cols=4)
        for ax, (label, unit, values, shown) in zip(axes, outcomes):
            for v in shown:
                med, lo, hi = [], [], []
                for p in range(b.n_points):
                    vals = values[b.rows(v, p)]
                    q = np.nanpercentile(vals, [5, 50, 95]) if np.isfinite(vals).any() else [np.nan] * 3
                    lo.append(q[0]); med.append(q[1]); hi.append(q[2])  # noqa: E702
                order = np.argsort(x_points)
                x, med, lo, hi = x_points[order], np.array(med)[order], np.array(lo)[order], np.array(hi)[order]
                color = COLORS[v % len(COLORS)]
                ax.errorbar(x, med, yerr=[med - lo, hi - med], fmt="o", markersize=3, color=color, ecolor=color,
                            elinewidth=0.8, alpha=0.85, label=b.variants[v])
                if len(b.params) == 1:
                    ax.plot(x, med, color=color, linewidth=0.8, alpha=0.6)
            ax.set_title("\n".join(textwrap.wrap(label, 48)), fontsize=8)
            ax.set_ylabel(unit)
            ax.set_xlabel(param, fontsize=8)
            ax.grid(alpha=0.3)
        axes[0].legend(fontsize=6, loc="best")
        others = ("" if len(b.params) == 1 else
                  f" The other {len(b.params) - 1} swept key(s) vary across points too: the spread along this axis includes them.")
        note(fig, f"Each dot: one sweep point ({b.n_points} in all); bars: 5-95 % range across its replicates. "
                  f"Y-scales differ per panel.{others}{left_out}")
        finish(fig, f"Outcomes against {param}", bottom=0.1)
        out.append(Figure(f"sweep_{j}", f"Outcomes against {param}",
                          f"Median and 5-95 % range across replicates at each of the {b.n_points} sweep points." + others + left_out, fig))

    if len(b.params) >= 2:
        label, unit, values, shown = outcomes[-1] if len(outcomes) > 1 else outcomes[0]
        v = shown[-1]  # the last paired variant (or the last variant)
        pairs = [(i, j) for i in range(len(b.params)) for j in range(i + 1, len(b.params))][:6]
        fig, axes = grid(len(pairs), width=4.4, height=3.8, cols=3)
        med = np.array([np.nanmedian(values[b.rows(v, p)]) if b.rows(v, p).any() else np.nan for p in range(b.n_points)])
        for ax, (i, j) in zip(axes, pairs):
            sc = ax.scatter(b.point_values[:, i], b.point_values[:, j], c=med, cmap="viridis", s=28, edgecolors="none")
            ax.set_xlabel(b.params[i], fontsize=7)
            ax.set_ylabel(b.params[j], fontsize=7)
            ax.grid(alpha=0.3)
        fig.colorbar(sc, ax=axes, shrink=0.8, label=f"{label} ({unit}), median over replicates")
        shown_pairs = "" if len(pairs) == len(b.params) * (len(b.params) - 1) // 2 else " Only the first 6 pairs are drawn."
        note(fig, f"Variant {b.variants[v]} only; each dot is one sweep point, coloured by the median outcome." + shown_pairs)
        fig.suptitle(f"Sweep design, pair by pair: {label}", fontsize=11)
        out.append(Figure("sweep_pairs", "Sweep design, pair by pair",
                          f"Pairs of swept keys at each point, coloured by the median of {label} under {b.variants[v]}." + shown_pairs, fig))
    return out


# ---------------------------------------------------------------------------------------------
# Deals files


def deals_figures(f):
    names = labels(f, "deal")
    govs = labels(f, "government")
    out = []
    sets = [("status quo", "score_gain_mean", "score_gain_ci95_low", "score_gain_ci95_high", "in_bargaining_set",
             "nash_solution_index")]
    if "score_gain_vs_threat_mean" in f:
        sets.append(("threat point", "score_gain_vs_threat_mean", None, None, "in_bargaining_set_vs_threat",
                     "nash_solution_vs_threat_index"))
    fig, axes = plt.subplots(1, len(sets), figsize=(7.5 * len(sets), 6.2), squeeze=False)
    unit = text(f["score_gain"].attrs.get("units", b"score-years"))
    for ax, (against, mean, low, high, member, nash_key) in zip(axes[0], sets):
        m = f[mean][()]
        us, cn = m[:, 0], m[:, 1]
        in_set = f[member][()].astype(bool)
        nash = int(f.attrs[nash_key]) if nash_key in f.attrs else -1
        if low:
            lo, hi = f[low][()], f[high][()]
            ax.errorbar(us, cn, xerr=[us - lo[:, 0], hi[:, 0] - us], yerr=[cn - lo[:, 1], hi[:, 1] - cn],
                        fmt="none", ecolor="grey", alpha=0.3, linewidth=0.7)
        # Deals with the same gains (to 4 significant digits) are drawn once and counted.
        key = [(float(f"{a:.4g}"), float(f"{b:.4g}")) for a, b in zip(us, cn)]
        groups = {}
        for k, xy in enumerate(key):
            groups.setdefault(xy, []).append(k)
        for (x, y), members in groups.items():
            inside = in_set[members[0]]
            ax.scatter([x], [y], s=30 if inside else 18, color="tab:green" if inside else "grey", zorder=3)
            if len(members) > 1:
                ax.annotate(f"×{len(members)}", (x, y), textcoords="offset points", xytext=(4, 3), fontsize=7)
        ax.scatter([], [], s=18, color="grey", label="deal terms")
        ax.scatter([], [], s=30, color="tab:green", label="bargaining set (both gain on average)")
        if nash >= 0:
            ax.scatter([us[nash]], [cn[nash]], s=170, marker="*", color="tab:red", zorder=5,
                       label="Nash bargaining solution: " + names[nash])
        ax.axhline(0, color="black", linewidth=0.7)
        ax.axvline(0, color="black", linewidth=0.7)
        ax.set_xlabel(f"{govs[0]} government: score gain against the {against}, {unit} (present value)")
        ax.set_ylabel(f"{govs[1]} government: score gain against the {against}, {unit} (present value)")
        ax.set_title(f"Gains against the {against}", fontsize=10)
        ax.legend(fontsize=7, loc="best")
        ax.grid(alpha=0.3)
    repeated = sum(len(v) - 1 for v in groups.values())
    note(fig, f"{len(names)} deals; bars: 95 % confidence intervals of the mean gain across replicates. "
              f"Deals with equal gains are drawn once with their count (×n); {repeated} deal(s) coincide with another.")
    finish(fig, "Tariff-for-chips deals: the two governments' payoff plane", bottom=0.06)
    out.append(Figure("deals", "The two governments' payoff plane",
                      f"Mean score gains of every deal ({unit}, present value), the bargaining set and the Nash "
                      "bargaining solution; coinciding deals are counted.", fig))
    return out


def figures(f, country=None):
    """Figure records for any chipsim results file (h5py.File)."""
    kind = file_kind(f)
    if kind == "deals":
        return deals_figures(f)
    country = country or attr(f, "focus_country", "CN") or "CN"
    if country not in labels(f, "country"):
        raise ValueError(f"country {country} is not in this file (its countries: {', '.join(labels(f, 'country'))})")
    if kind == "batch":
        return batch_figures(f, country)
    if kind == "compare":
        return compare_figures(f, country)
    if kind == "run":
        return run_figures(f, country)
    raise ValueError("not a chipsim run, compare, batch or deals file")


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("results")
    p.add_argument("-o", "--outdir", default=".")
    p.add_argument("--country", default=None, help="country whose self-sufficiency is drawn (default: the file's focus, else CN)")
    a = p.parse_args()
    try:
        f = h5py.File(a.results, "r")
    except OSError as e:
        sys.exit(f"{a.results}: cannot open as HDF5: {e}")
    with f:
        try:
            made = figures(f, a.country)
        except ValueError as e:
            sys.exit(f"{a.results}: {e}")
    os.makedirs(a.outdir, exist_ok=True)
    for fig in made:
        path = os.path.join(a.outdir, fig.name + ".png")
        fig.fig.savefig(path, dpi=110)
        plt.close(fig.fig)
        print("wrote", path)


if __name__ == "__main__":
    main()
