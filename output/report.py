#!/usr/bin/python3
"""One self-contained HTML report of a chipsim results file (run, compare, batch, shard or deals),
for a reader who will not open HDF5. `chipsim report RESULTS.h5 -o report.html` runs this
script; it can also be run directly:

  /usr/bin/python3 output/report.py RESULTS.h5 [-o report.html] [--country CN]

The page holds, in order:
  1. a summary table with intervals (batch: mean, 95 % confidence interval of the mean and the
     5-95 % range across replicates; deals: mean gains with 95 % intervals; a run or compare
     file is one seed and says that it has no interval);
  2. the scenario differences between the paths compared (events added, removed or changed;
     keys whose values differ);
  3. the assumptions the result rests on: every key its scenarios mark ASSUMPTION;
  4. the figures of plot_results.py, embedded as PNG data (nothing is linked);
  5. provenance: version, revision, build, seeds, command line, the input file's SHA-256.
Exit status: 0 written; 1 the file cannot be read or is not a chipsim results file, or the
report cannot be written (nothing is left behind); 2 bad arguments.
Needs Debian's python3-h5py, python3-numpy and python3-matplotlib.
"""
import argparse
import base64
import datetime
import hashlib
import html
import io
import os
import sys
import tempfile

try:
    import h5py
    import numpy as np
    import matplotlib.pyplot as plt
except ImportError as missing:  # pragma: no cover - a set-up error, reported plainly
    sys.exit(f"chipsim report: needs {missing.name} for /usr/bin/python3 (Debian: python3-h5py python3-numpy "
             "python3-matplotlib)")

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import plot_results as pr  # noqa: E402

ASSUMPTION_TAG = "# ASSUMPTION "
ASSUMPTION_MARKER = "# ---- chipsim: keys marked ASSUMPTION"


def esc(x):
    return html.escape(str(x), quote=True)


def fmt(x, digits=3):
    """A number for a table: 3 significant digits, thousands separated; blank if not finite."""
    if x is None or not np.isfinite(x):
        return ""
    if abs(x) >= 1000:
        return f"{x:,.0f}"
    return f"{x:.{digits}g}"


def table(header, rows, cls=""):
    out = [f'<div class="scroll"><table class="{cls}"><thead><tr>' + "".join(f"<th>{esc(h)}</th>" for h in header) + "</tr></thead><tbody>"]
    for row in rows:
        out.append("<tr>" + "".join(f"<td>{c}</td>" for c in row) + "</tr>")
    out.append("</tbody></table></div>")
    return "\n".join(out)


# ---------------------------------------------------------------------------------------------
# Scenario differences and assumptions


def flatten(doc):
    """{key path: value} of a scenario, in sweep-path form (firm.Huawei.learning_rate); events
    are left out (events_of compares them)."""
    ident = {"country": "code", "government": "country", "firm": "name", "product": "name", "ai_firm": "name",
             "hbm_buyer": "name"}
    out = {}

    def walk(prefix, value):
        if isinstance(value, dict):
            for k, v in value.items():
                walk(f"{prefix}.{k}" if prefix else k, v)
        elif isinstance(value, list) and value and all(isinstance(e, dict) for e in value):
            head = prefix.split(".")[-1]
            for n, e in enumerate(value):
                name = e.get(ident.get(head, ""), f"#{n}")
                walk(f"{prefix}.{name}", {k: v for k, v in e.items()})
        else:
            out[prefix] = value

    for key, value in doc.items():
        if key != "event":
            walk(key, value)
    return out


def event_table(doc):
    """{event key: event dict}; the key is the id with the action and date (add, modify and remove
    events of one rule share its id), or #position without an id."""
    out = {}
    for k, e in enumerate(doc.get("event", [])):
        key = f"{e['id']} ({e.get('action', '')} {e.get('date', '')})" if "id" in e else f"#{k}"
        while key in out:
            key += "'"
        out[key] = e
    return out


def short(value):
    s = repr(value) if not isinstance(value, str) else value
    return s if len(s) <= 80 else s[:77] + "..."


def scenario_differences(name_a, doc_a, name_b, doc_b):
    """HTML: what differs between scenario B and scenario A (A is the reference)."""
    fa, fb = flatten(doc_a), flatten(doc_b)
    rows = []
    for k in sorted(set(fa) | set(fb)):
        if k in ("scenario.name", "scenario.description"):
            continue
        if fa.get(k, None) != fb.get(k, None):
            rows.append([esc(k), esc(short(fa[k])) if k in fa else "<i>not set</i>", esc(short(fb[k])) if k in fb else "<i>not set</i>"])
    ea, eb = event_table(doc_a), event_table(doc_b)
    events = []
    for k in sorted(set(ea) | set(eb), key=lambda i: (str((ea.get(i) or eb.get(i)).get("date", "")), i)):
        a, b = ea.get(k), eb.get(k)
        if a == b:
            continue
        what = (b or a)
        label = f"{what.get('date', '')} {what.get('action', '')} <code>{esc(k)}</code>"
        if a is None:
            events.append(f"<li><b>only in {esc(name_b)}</b>: {label}: {esc(what.get('source', ''))}</li>")
        elif b is None:
            events.append(f"<li><b>only in {esc(name_a)}</b>: {label}: {esc(what.get('source', ''))}</li>")
        else:
            changed = [f"{esc(f)}: {esc(short(a.get(f)))} → {esc(short(b.get(f)))}" for f in sorted(set(a) | set(b)) if a.get(f) != b.get(f)]
            events.append(f"<li><b>changed</b>: {label}: " + "; ".join(changed) + "</li>")
    out = [f"<h3>{esc(name_b)} against {esc(name_a)}</h3>"]
    out.append(f"<p>{len(events)} event(s) differ, {len(rows)} key(s) differ.</p>")
    if events:
        out.append("<ul class='events'>" + "\n".join(events) + "</ul>")
    if rows:
        out.append(table(["key", esc(name_a), esc(name_b)], rows, "keys"))
    return "\n".join(out)


def assumptions_of(scenario_text):
    """[(path, note)] from the block chipsim writes into every stored scenario text."""
    out = []
    if ASSUMPTION_MARKER not in scenario_text:
        return out
    after = scenario_text[scenario_text.index(ASSUMPTION_MARKER):].splitlines()[1:]
    for line in after:
        if not line.startswith(ASSUMPTION_TAG):
            break
        path, _, note = line[len(ASSUMPTION_TAG):].partition(": ")
        out.append((path, note))
    return out


def assumptions_section(texts):
    """texts: {scenario label: stored scenario text}."""
    marks = {}
    for label, t in texts.items():
        for path, note_text in assumptions_of(t):
            marks.setdefault((path, note_text), []).append(label)
    if not marks:
        return ("<p>The scenarios mark no key as ASSUMPTION (files written by chipsim before the marks were "
                "stored show none either).</p>")
    everyone = len(texts)
    rows = []
    for (path, note_text), where in sorted(marks.items()):
        rows.append([f"<code>{esc(path)}</code>", esc(note_text), "all" if len(where) == everyone else esc(", ".join(where))])
    return (f"<p>{len(marks)} value(s) are marked ASSUMPTION in the scenarios: they are not published figures but "
            "calibration choices, and the result rests on them. Vary them in a sweep "
            "(<code>[sweep]</code> in an experiment file) before relying on a number.</p>" +
            table(["key", "why it is an assumption", "in scenario"], rows, "assumptions"))


# ---------------------------------------------------------------------------------------------
# Summary tables


INTERVAL_STATISTICS = ("mean", "ci95_low", "ci95_high", "q05", "q95")


def interval_cell(mean, lo, hi, q05, q95):
    """A summary cell: mean [95 % CI of the mean], and under it the 5-95 % range."""
    return f"{fmt(mean)} [{fmt(lo)}, {fmt(hi)}]<br><span class=range>{fmt(q05)} to {fmt(q95)}</span>"


def pooled_cell(x):
    """A cell from the runs themselves (no interval): mean, and under it the 5-95 % range."""
    return f"{fmt(np.nanmean(x))}<br><span class=range>{fmt(np.nanpercentile(x, 5))} to {fmt(np.nanpercentile(x, 95))}</span>"


def year_ends(t):
    """Indices of the last period of each year in t, and of the last period."""
    years = t.astype("datetime64[Y]")
    idx = [k for k in range(len(t)) if k == len(t) - 1 or years[k + 1] != years[k]]
    return idx[-6:]


def batch_summary(f, country):
    b = pr.Batch(f)
    c = b.countries.index(country)
    complete = "statistic" in f  # shard files have no summaries: computed from the runs here
    stats = pr.labels(f, "statistic") if complete else []
    si = {s: stats.index(s) for s in stats}
    groups = pr.labels(f, "group") if complete else []
    t = b.t
    ends = year_ends(t)
    parts = []
    pooled = b.n_points > 8 or not complete
    design = f"{len(b.variants)} variant(s) × " + (f"{b.n_points} sweep points × " if b.n_points > 1 else "")
    intro = (f"<p>{int(f.attrs.get('runs_in_batch', len(f['run'])))} runs: {design}"
             f"{int(f.attrs.get('replicates', 0))} replicate(s), common random numbers "
             "(replicate r has the same seed in every variant). <b>Mean [95 % confidence interval of the mean]</b>: the "
             "Monte Carlo precision of the mean over seeds. <b>5–95 % range</b>: the spread of outcomes across seeds "
             "(and, where stated, across sweep points) — the uncertainty a reader should quote.</p>")
    parts.append(intro)

    def group_name(v, p):  # the file's group label: <variant>, or <variant>@<point> in a sweep
        return b.variants[v] if b.n_points == 1 else f"{b.variants[v]}@{p}"

    def row_label(v, p):  # p None: the variant's runs pooled over its points
        if p is None:
            return b.variants[v] + (" (all points pooled)" if b.n_points > 1 else "")
        return group_label(v, p)

    def group_label(v, p):
        if b.n_points <= 1 or not b.params:
            return b.variants[v]
        vals = ", ".join(f"{k}={fmt(x, 4)}" for k, x in zip(b.params, b.point_values[p]))
        return f"{b.variants[v]} @ point {p} ({vals})"

    units = f["self_sufficiency_compute"]
    ss = units[()]
    rows = []
    for v in range(len(b.variants)):
        points = [None] if pooled else range(b.n_points)
        for p in points:
            cells = [esc(row_label(v, p))]
            if p is None:
                r = b.rows(v)
                cells += [pooled_cell(100 * ss[r, k, 0, c]) for k in ends]
            else:
                g = groups.index(group_name(v, p))
                s = f["summary_self_sufficiency_compute"]
                cells += [interval_cell(*(100 * s[g, si[n], k, 0, c] for n in INTERVAL_STATISTICS)) for k in ends]
            rows.append(cells)
    parts.append(f"<h3>{esc(country)}'s self-sufficiency in accelerators, by compute (% of H100e bought from domestic makers)</h3>")
    parts.append(table(["variant"] + [str(t[k])[:7] for k in ends], rows, "summary"))

    if "revenue_loss" in f and (b.baseline >= 0).any():
        total = np.nansum(f["revenue_loss"][()], axis=1) / 1e9  # run, firm
        rows = []
        for v in range(len(b.variants)):
            if b.baseline[v] < 0:
                continue
            points = [None] if pooled else range(b.n_points)
            for p in points:
                cells = [esc(f"{row_label(v, p)} vs {b.variants[b.baseline[v]]}")]
                if p is None:
                    x = total[b.rows(v)]
                    cells += [pooled_cell(x[:, k]) for k in range(len(b.firms))]
                else:
                    g = groups.index(group_name(v, p))
                    s = f["summary_cumulative_revenue_loss"]
                    cells += [interval_cell(*(s[g, si[n], k] / 1e9 for n in INTERVAL_STATISTICS)) for k in range(len(b.firms))]
                rows.append(cells)
        parts.append(f"<h3>Revenue loss over the horizon ({str(t[0])[:7]} to {str(t[-1])[:7]}), USD bn, against the "
                     "paired baseline run (negative: a gain)</h3>")
        parts.append(table(["variant"] + b.firms, rows, "summary"))
    if not complete:
        parts.append("<p class=note>A shard (or incomplete) file: the tables give the mean and 5–95 % range over its "
                     "runs, pooled over sweep points, without confidence intervals; <code>chipsim merge</code> the "
                     "shards for the full summaries.</p>")
    elif pooled:
        parts.append(f"<p class=note>The sweep has {b.n_points} points: the tables pool them (mean and 5–95 % range over "
                     "every run of the variant, parameter spread included, no confidence interval); the sweep figures "
                     "below show the outcomes point by point, and <code>chipsim summarize --csv</code> gives every "
                     "point with its intervals.</p>")
    return "\n".join(parts)


def single_run_note(f):
    return (f"<p class=note>One run (seed {esc(pr.attr(f, 'seed_text', '?'))}): the figures have no interval. A batch "
            "with replicates (<code>chipsim batch</code>) gives confidence intervals and ranges across seeds.</p>")


def compare_summary(f, country):
    t = pr.dates(f)
    c = pr.labels(f, "country").index(country)
    firms = pr.labels(f, "firm")
    ends = year_ends(t)
    rows = []
    for name, label in (("self_sufficiency_policy", "policy"), ("self_sufficiency_baseline", "baseline"),
                        ("self_sufficiency_gap", "policy − baseline (pp)")):
        rows.append([label] + [fmt(100 * f[name][k, 0, c]) for k in ends])
    parts = [single_run_note(f),
             f"<h3>{esc(country)}'s self-sufficiency in accelerators, by compute (%)</h3>",
             table([""] + [str(t[k])[:7] for k in ends], rows, "summary")]
    total = lambda n: f[n][()].sum(axis=0) / 1e9  # noqa: E731
    loss, vol, price, div = total("revenue_loss"), total("revenue_loss_volume"), total("revenue_loss_price"), total("revenue_loss_diversion")
    base = total("revenue_baseline")
    rows = [[esc(firm), fmt(loss[k]), fmt(100 * loss[k] / base[k]) if abs(base[k]) > 1 else "", fmt(vol[k]), fmt(price[k]), fmt(div[k])]
            for k, firm in enumerate(firms)]
    parts.append(f"<h3>Revenue loss over the horizon, USD bn (baseline − policy; negative: a gain)</h3>")
    parts.append(table(["firm", "loss", "% of baseline revenue", f"volume ({esc(country)})", "price", "diversion"], rows, "summary"))
    parts.append("<p class=note>The percentage is left blank where the baseline revenue is under USD 1 bn.</p>")
    if "consumer_surplus_loss" in f:
        countries = pr.labels(f, "country")
        cs = f["consumer_surplus_loss"][()].sum(axis=0) / 1e9
        parts.append("<h3>Buyers' welfare: consumer surplus loss over the horizon, USD bn (baseline − policy; "
                     "negative: a gain)</h3>")
        if not np.isfinite(cs).any():
            parts.append("<p>Not available: the demand model (constant elasticity) has no log-sum.</p>")
        else:
            rows = [[esc(c), fmt(cs[k])] for k, c in enumerate(countries) if np.isfinite(cs[k]) and abs(cs[k]) > 1e-6]
            parts.append(table(["buyers in", "loss"], rows, "summary") if rows else "<p>No change in any country.</p>")
    return "\n".join(parts)


def run_summary(f, country):
    t = pr.dates(f)
    c = pr.labels(f, "country").index(country)
    firms = pr.labels(f, "firm")
    ends = year_ends(t)
    ss = f["self_sufficiency_compute"][()]
    rows = [["accelerators (by compute)"] + [fmt(100 * ss[k, 0, c]) for k in ends],
            ["HBM (by stacks)"] + [fmt(100 * ss[k, 1, c]) for k in ends]]
    parts = [single_run_note(f), f"<h3>{esc(country)}'s self-sufficiency (%)</h3>",
             table([""] + [str(t[k])[:7] for k in ends], rows, "summary")]
    revenue = f["revenue"][()].sum(axis=2)  # time, firm
    years = t.astype("datetime64[Y]")
    shown = sorted(set(years))[-6:]
    rows = [[esc(firm)] + [fmt(revenue[years == y, k].sum() / 1e9) for y in shown] for k, firm in enumerate(firms)]
    parts.append("<h3>Revenue by calendar year, USD bn (every destination)</h3>")
    parts.append(table(["firm"] + [str(y) for y in shown], rows, "summary"))
    return "\n".join(parts)


def deals_summary(f):
    names = pr.labels(f, "deal")
    govs = pr.labels(f, "government")
    terms = pr.labels(f, "term")
    values = f["deal_terms"][()]
    mean, lo, hi = f["score_gain_mean"][()], f["score_gain_ci95_low"][()], f["score_gain_ci95_high"][()]
    in_set = f["in_bargaining_set"][()].astype(bool)
    robust = f["robust"][()].astype(bool)
    nash = int(f.attrs["nash_solution_index"]) if "nash_solution_index" in f.attrs else -1
    unit = pr.text(f["score_gain"].attrs.get("units", b"score-years"))
    product = np.where(in_set, np.clip(mean[:, 0], 0, None) * np.clip(mean[:, 1], 0, None), -np.inf)
    order = [k for k in np.argsort(-product) if in_set[k]][:15]
    if nash >= 0 and nash not in order:
        order = [nash] + order
    heading = "The bargaining set, by Nash product (best 15)"
    if not order:  # no deal in the set: the ones closest to it, by the smaller of the two gains
        order = list(np.argsort(-mean.min(axis=1)))[:15]
        heading = "No deal makes both governments better off on average; the 15 closest (by the smaller gain)"
    rows = []
    for k in order:
        cells = [("★ " if k == nash else "") + esc(names[k])] + [fmt(values[k, j], 4) for j in range(len(terms))]
        for g in range(len(govs)):
            cells.append(f"{fmt(mean[k, g])} [{fmt(lo[k, g])}, {fmt(hi[k, g])}]")
        cells.append("yes" if robust[k] else "no")
        rows.append(cells)
    parts = [f"<p>{len(names)} deals, {int(in_set.sum())} in the bargaining set (both governments gain on average), "
             f"{int(robust.sum())} with both gains positive at the 95 % level. Gains are present values in {esc(unit)} "
             "against the status quo, mean [95 % confidence interval] across "
             f"{f['score_gain'].shape[1]} replicates. ★ = Nash bargaining solution"
             f"{': ' + esc(names[nash]) if nash >= 0 else ' (none: the bargaining set is empty)'}.</p>"]
    parts.append(f"<h3>{esc(heading)}</h3>")
    parts.append(table(["deal"] + terms + [f"{g} gain" for g in govs] + ["robust"], rows, "summary"))
    return "\n".join(parts)


# ---------------------------------------------------------------------------------------------
# The page


STYLE = """
body { font-family: system-ui, sans-serif; max-width: 1180px; margin: 1.5em auto; padding: 0 1em; color: #1d1d1d; }
h1 { font-size: 1.5em; margin-bottom: 0.2em; } h2 { border-bottom: 1px solid #ccc; padding-bottom: 0.2em; margin-top: 1.6em; }
h3 { font-size: 1.02em; margin-bottom: 0.3em; }
table { border-collapse: collapse; font-size: 0.82em; margin: 0.4em 0 1em; }
th, td { border: 1px solid #d4d4d4; padding: 3px 7px; vertical-align: top; text-align: left; }
table.summary td:not(:first-child) { text-align: right; white-space: nowrap; }
th { background: #f1f1f1; } .range { color: #666; font-size: 0.9em; } .note { color: #444; font-size: 0.9em; }
figure { margin: 1em 0 2em; } figure img { max-width: 100%; border: 1px solid #e4e4e4; }
figcaption { font-size: 0.88em; color: #333; } code { font-size: 0.92em; }
table.assumptions td:nth-child(2) { max-width: 720px; } .scroll { overflow-x: auto; }
"""

# Marks the body once every figure has decoded: data-figures="loaded/total" (the CI test reads it
# from headless Chromium).
CHECK = """
window.addEventListener('load', function () {
  var imgs = document.images, ok = 0;
  for (var i = 0; i < imgs.length; i++) if (imgs[i].complete && imgs[i].naturalWidth > 0) ok++;
  document.body.setAttribute('data-figures', ok + '/' + imgs.length);
});
"""


def embed(fig):
    buffer = io.BytesIO()
    fig.fig.savefig(buffer, format="png", dpi=100)
    plt.close(fig.fig)
    data = base64.b64encode(buffer.getvalue()).decode()
    return (f'<figure id="fig-{esc(fig.name)}"><img alt="{esc(fig.title)}" src="data:image/png;base64,{data}">'
            f"<figcaption><b>{esc(fig.title)}.</b> {esc(fig.caption)}</figcaption></figure>")


def provenance(f, path):
    keys = ["chipsim_version", "git_revision", "build_type", "compiler", "target_arch", "libraries", "runtime_libraries",
            "seed_text", "master_seed_text", "replicates", "runs_in_batch", "threads", "period_length", "shard",
            "command_line", "started_utc", "finished_utc", "written_utc", "scenario_file", "baseline_scenario_file",
            "experiment_file", "deals_file", "threat_point_file", "run_build"]
    rows = [[esc(k), esc(pr.attr(f, k))] for k in keys if k in f.attrs and pr.attr(f, k) != ""]
    for k in sorted(f.attrs):
        if k.startswith("demand_model"):
            rows.append([esc(k), esc(pr.attr(f, k))])
    sha = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            sha.update(block)
    rows.append(["results file", esc(os.path.abspath(path))])
    rows.append(["results file SHA-256", f"<code>{sha.hexdigest()}</code>"])
    if "run_build" in f:
        builds = sorted(set(pr.labels(f, "run_build")))
        rows.append(["builds of the runs (mixed)", esc("; ".join(builds))])
    return table(["", ""], rows, "provenance")


def build_page(path, country):
    with h5py.File(path, "r") as f:
        kind = pr.file_kind(f)
        if kind is None:
            raise ValueError("not a chipsim run, compare, batch or deals file")
        if kind != "deals":
            country = country or pr.attr(f, "focus_country", "CN") or "CN"
            if country not in pr.labels(f, "country"):
                raise ValueError(f"country {country} is not in this file (its countries: {', '.join(pr.labels(f, 'country'))})")
        texts, diffs = {}, []
        if kind == "batch":
            b = pr.Batch(f)
            title = f"chipsim batch: {pr.attr(f, 'experiment_name')}"
            summary = batch_summary(f, country)
            for v, name in enumerate(b.variants):
                texts[name] = pr.attr(f, "scenario_text_" + name)
            refs = [(v, b.baseline[v] if b.baseline[v] >= 0 else 0) for v in range(len(b.variants))]
            for v, r in refs:
                if v != r:
                    diffs.append(scenario_differences(b.variants[r], b.docs[r], b.variants[v], b.docs[v]))
            if b.params:
                diffs.append("<p>Swept keys (set at each point on top of every variant): " +
                             ", ".join(f"<code>{esc(p)}</code>" for p in b.params) + ".</p>")
        elif kind == "compare":
            title = f"chipsim compare: {pr.attr(f, 'scenario_name')} against {pr.attr(f, 'baseline_scenario_name')}"
            summary = compare_summary(f, country)
            texts = {"policy": pr.attr(f, "scenario_text"), "baseline": pr.attr(f, "baseline_scenario_text")}
            diffs.append(scenario_differences("baseline", pr.scenario_doc(texts["baseline"]), "policy", pr.scenario_doc(texts["policy"])))
        elif kind == "run":
            title = f"chipsim run: {pr.attr(f, 'scenario_name')}"
            summary = run_summary(f, country)
            texts = {pr.attr(f, "scenario_name"): pr.attr(f, "scenario_text")}
            diffs.append("<p>One scenario: nothing to compare. Its events are marked on the figures.</p>")
        else:
            title = pr.attr(f, "title")
            if not title.startswith("chipsim deals"):
                title = "chipsim deals: " + title
            summary = deals_summary(f)
            texts = {"status quo": pr.attr(f, "status_quo_scenario_text")}
            diffs.append("<p>Every deal is the status quo plus its terms (the deals file below). </p><pre>" +
                         esc(pr.attr(f, "deals_text")) + "</pre>")
            if "threat_point_scenario_text" in f.attrs:
                texts["threat point"] = pr.attr(f, "threat_point_scenario_text")
                diffs.append(scenario_differences("status quo", pr.scenario_doc(texts["status quo"]), "threat point",
                                                  pr.scenario_doc(texts["threat point"])))
        figures = [embed(fig) for fig in pr.figures(f, country)]
        prov = provenance(f, path)
    now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{esc(title)}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>{STYLE}</style><script>{CHECK}</script></head>
<body>
<h1>{esc(title)}</h1>
<p class=note>Report of <code>{esc(os.path.basename(path))}</code>, written {now} by <code>chipsim report</code>. Every
number comes from the results file; the scenarios that produced it are stored in the file and summarised below.</p>
<h2 id="summary">1. Summary</h2>
{summary}
<h2 id="differences">2. What differs between the scenarios</h2>
{''.join(diffs)}
<h2 id="assumptions">3. Assumptions the result rests on</h2>
{assumptions_section(texts)}
<h2 id="figures">4. Figures</h2>
{''.join(figures)}
<h2 id="provenance">5. Provenance</h2>
{prov}
</body></html>
"""


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("results")
    p.add_argument("-o", "--output", default=None, help="HTML file (default: RESULTS with .html)")
    p.add_argument("--country", default=None, help="focus country (default: the file's, else CN)")
    a = p.parse_args()
    out = a.output or os.path.splitext(a.results)[0] + ".html"
    try:
        page = build_page(a.results, a.country)
    except (OSError, KeyError, ValueError) as e:
        print(f"chipsim report: {a.results}: {e}", file=sys.stderr)
        return 1
    directory = os.path.dirname(os.path.abspath(out))
    try:
        fd, tmp = tempfile.mkstemp(prefix=os.path.basename(out) + ".tmp-", dir=directory)
    except OSError as e:
        print(f"chipsim report: {out}: cannot write: {e.strerror}", file=sys.stderr)
        return 1
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(page)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, out)
    except OSError as e:
        os.unlink(tmp)
        print(f"chipsim report: {out}: cannot write: {e.strerror}", file=sys.stderr)
        return 1
    print(f"wrote {out} ({len(page) / 1e6:.1f} MB, {page.count('<figure')} figures)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
