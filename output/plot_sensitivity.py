#!/usr/bin/python3
"""Figures of a sensitivity analysis from the CSV `chipsim sensitivity FILE --csv out.csv` writes.
Needs Debian's python3-pandas and python3-matplotlib; run with /usr/bin/python3.

  /usr/bin/python3 output/plot_sensitivity.py out.csv [-o figures/] [--top 10]

Morris screen: morris_<k>.png per output, the mu*-sigma plane (Campolongo et al. 2007): mu*
(x) ranks a parameter's overall effect, sigma (y) its interactions and nonlinearity; the
parameters above the line sigma = mu* act mostly through interactions or nonlinearly.
Sobol indices: sobol_<k>.png per output, first-order (S1) and total (ST) indices of the top
parameters as bars with their 95 % bootstrap intervals (ST - S1 is the share through interactions).
Prints the names of the files it writes.
"""
import argparse
import os
import re
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402


def slug(text):
    return re.sub(r"[^A-Za-z0-9]+", "_", text).strip("_").lower()


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("csv")
    ap.add_argument("-o", "--output", default=".")
    ap.add_argument("--top", type=int, default=10, help="parameters labelled (Morris) or drawn (Sobol) per output")
    a = ap.parse_args()
    try:
        df = pd.read_csv(a.csv)
    except (OSError, pd.errors.ParserError) as e:
        sys.exit(f"plot_sensitivity: {a.csv}: cannot read: {e}")
    need = {"output", "parameter", "statistic", "value", "low", "high"}
    if not need <= set(df.columns):
        sys.exit(f"plot_sensitivity: {a.csv}: not a chipsim sensitivity table (columns {sorted(need)} expected)")
    os.makedirs(a.output, exist_ok=True)
    written = []
    for k, (output, g) in enumerate(df.groupby("output", sort=False)):
        wide = g.pivot_table(index="parameter", columns="statistic", values="value", aggfunc="first")
        if "mu_star" in wide:
            wide = wide.dropna(subset=["mu_star"]).sort_values("mu_star", ascending=False)
            if wide.empty or (wide["mu_star"] == 0).all():
                continue
            fig, ax = plt.subplots(figsize=(7, 5))
            ax.scatter(wide["mu_star"], wide["sigma"], color="tab:blue")
            top = wide.head(a.top)
            for name, row in top.iterrows():
                ax.annotate(name, (row["mu_star"], row["sigma"]), fontsize=7, xytext=(3, 3), textcoords="offset points")
            lim = max(wide["mu_star"].max(), wide["sigma"].max()) * 1.1
            ax.plot([0, lim], [0, lim], color="grey", lw=0.8, ls="--", label="sigma = mu*")
            ax.set_xlim(0, lim)
            ax.set_ylim(0, lim)
            ax.set_xlabel("mu* (mean absolute elementary effect)")
            ax.set_ylabel("sigma (sd of elementary effects)")
            ax.set_title(f"Morris screen: {output}", fontsize=10)
            ax.legend(loc="upper left", fontsize=8)
            name = os.path.join(a.output, f"morris_{k}_{slug(output)}.png")
        elif "ST" in wide:
            st = g[g.statistic == "ST"].set_index("parameter")
            s1 = g[g.statistic == "S1"].set_index("parameter")
            order = st["value"].sort_values(ascending=False).head(a.top).index
            if len(order) == 0:
                continue
            fig, ax = plt.subplots(figsize=(7, 0.45 * len(order) + 1.5))
            y = range(len(order))
            for offset, frame, label, colour in ((-0.2, s1, "S1 (first order)", "tab:blue"), (0.2, st, "ST (total)", "tab:orange")):
                f = frame.loc[order]
                ax.barh([i + offset for i in y], f["value"], height=0.38, color=colour, label=label,
                        xerr=[(f["value"] - f["low"]).clip(lower=0), (f["high"] - f["value"]).clip(lower=0)], capsize=2)
            ax.set_yticks(list(y))
            ax.set_yticklabels(order, fontsize=7)
            ax.invert_yaxis()
            ax.set_xlabel("Sobol index (bars: 95 % bootstrap interval)")
            ax.set_title(f"Sobol indices: {output}", fontsize=10)
            ax.legend(fontsize=8)
            name = os.path.join(a.output, f"sobol_{k}_{slug(output)}.png")
        else:
            continue
        fig.tight_layout()
        fig.savefig(name, dpi=110)
        plt.close(fig)
        written.append(name)
        print(name)
    if not written:
        sys.exit(f"plot_sensitivity: {a.csv}: no output with a non-zero index to draw")


if __name__ == "__main__":
    main()
