#!/usr/bin/python3
"""`chipsim report` for every kind of results file, rendered as a reader would see it.

For a run, a compare, a batch with a one-key sweep, a batch with a two-key sweep and a deals
file:
- exit 0 and one HTML file that is self-contained: no external reference of any kind (every src
  is a data: URI, every href an in-page anchor, no <link>, no url() in styles);
- the five sections, a summary table with intervals where the file has replicates, the
  scenario differences (history's events appear as "only in history" against no_controls), the
  ASSUMPTION-marked keys of the shipped scenario, and its figures (sweep and pair figures for
  sweeps);
- rendered in headless Chromium (Debian's chromium): a PNG screenshot is written and every
  figure has decoded (the page sets data-figures="loaded/total" on load).
Bad input: a file that is not HDF5, an HDF5 file that is not chipsim's, an unknown country and
an unwritable output each give exit 1, a message naming the file, and no output.

usage: check_report.py CHIPSIM SOURCE_DIR WORK_DIR RUN.h5 COMPARE.h5 BATCH.h5 DEALS.h5
Skips (exit 77) the Chromium part only if chromium is not installed and CHIPSIM_REQUIRE_CHROMIUM
is unset; CI installs it (quickstart.sh).
"""
import glob
import html.parser
import os
import re
import shutil
import subprocess
import sys
import tempfile

import h5py

chipsim, source, work, run_file, compare_file, batch_file, deals_file = sys.argv[1:8]
shutil.rmtree(work, ignore_errors=True)
os.makedirs(work)
failures = []


def expect(cond, what):
    if not cond:
        failures.append(what)


class References(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.external, self.images, self.sections = [], 0, set()

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "link":
            self.external.append(f"<link {a}>")
        if tag == "img":
            self.images += 1
        if tag == "h2" and "id" in a:
            self.sections.add(a["id"])
        for k in ("src", "href", "srcset", "poster", "data"):
            v = a.get(k)
            if v is not None and not (v.startswith("data:") or v.startswith("#")):
                self.external.append(f"{tag} {k}={v[:60]}")


# A two-key sweep (pair plots): a 2 x 2 grid on the shortened history, 2 replicates.
pairs = os.path.join(work, "pairs.toml")
with open(pairs, "w") as fh:
    fh.write(f"""[experiment]
name = "pairs"
base = "{source}/tests/experiments/small_history.toml"
replicates = 2
master_seed = 5
[[variant]]
name = "no_controls"
scenario = "{source}/tests/experiments/small_no_controls.toml"
[[variant]]
name = "history"
baseline = "no_controls"
[sweep]
method = "grid"
[[sweep.parameter]]
path = "firm.Huawei.arrival_hazard_per_month"
values = [0.02, 0.1]
[[sweep.parameter]]
path = "firm.Huawei.rd_share"
values = [0.1, 0.2]
""")
pairs_file = os.path.join(work, "pairs.h5")
r = subprocess.run([chipsim, "batch", pairs, "-o", pairs_file, "--no-progress"], capture_output=True, text=True)
expect(r.returncode == 0, f"the two-key sweep batch failed: {r.stderr}")

chromium = shutil.which("chromium")
if not chromium and os.environ.get("CHIPSIM_REQUIRE_CHROMIUM"):
    failures.append("chromium is not installed (Debian package chromium)")


def render(page):
    """Screenshot and DOM of the page in headless Chromium: (png path, dom text)."""
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
             "--disable-background-networking", "--disable-component-update", "--disable-sync", "--hide-scrollbars"]
    png = page[:-5] + ".png"
    with tempfile.TemporaryDirectory() as profile:
        subprocess.run([chromium, *flags, f"--user-data-dir={profile}", "--window-size=1280,4000", f"--screenshot={png}",
                        "file://" + page], capture_output=True, text=True, timeout=120)
    with tempfile.TemporaryDirectory() as profile:
        dom = subprocess.run([chromium, *flags, f"--user-data-dir={profile}", "--virtual-time-budget=5000", "--dump-dom",
                              "file://" + page], capture_output=True, text=True, timeout=120).stdout
    return png, dom


cases = [
    ("run", run_file, ["self_sufficiency", "revenue"], False),
    ("compare", compare_file, ["self_sufficiency", "revenue_loss"], False),
    ("batch", batch_file, ["self_sufficiency", "revenue_loss", "sweep_0"], True),
    ("pairs", pairs_file, ["self_sufficiency", "revenue_loss", "sweep_0", "sweep_1", "sweep_pairs"], True),
    ("deals", deals_file, ["deals"], True),
]
for name, results, expected_figures, intervals in cases:
    page = os.path.join(work, name + ".html")
    r = subprocess.run([chipsim, "report", results, "-o", page], capture_output=True, text=True)
    if r.returncode != 0 or not os.path.exists(page):
        failures.append(f"report {name}: exit {r.returncode}: {r.stderr}")
        continue
    text = open(page, encoding="utf-8").read()
    refs = References()
    refs.feed(text)
    expect(not refs.external, f"report {name}: external references: {refs.external[:5]}")
    expect(not re.search(r"url\(\s*['\"]?(?!data:)", text), f"report {name}: a url() outside data: URIs")
    expect({"summary", "differences", "assumptions", "figures", "provenance"} <= refs.sections,
           f"report {name}: sections missing: {refs.sections}")
    for fig in expected_figures:
        expect(f'id="fig-{fig}"' in text, f"report {name}: figure {fig} missing")
    expect(refs.images == len(expected_figures), f"report {name}: {refs.images} images, expected {len(expected_figures)}")
    if intervals:
        expect(re.search(r"-?[\d.,]+ \[-?[\d.,]+, -?[\d.,]+\]", text) is not None, f"report {name}: no interval in the summary")
    else:
        expect("no interval" in text, f"report {name}: a single run must say it has no interval")
    expect("git_revision" in text and "SHA-256" in text, f"report {name}: provenance missing")
    if name in ("run", "compare", "batch", "pairs"):
        # The shipped history marks Huawei's catch-up as an assumption; every file made from it
        # must list it.
        expect("firm.Huawei.catch_up" in text, f"report {name}: the ASSUMPTION-marked keys are not listed")
    if name in ("compare", "batch", "pairs"):
        expect("only in history" in text or "only in policy" in text,
               f"report {name}: the scenario differences do not list history's events")
    if chromium:
        png, dom = render(page)
        expect(os.path.exists(png) and os.path.getsize(png) > 50000, f"report {name}: Chromium wrote no screenshot")
        m = re.search(r'data-figures="(\d+)/(\d+)"', dom)
        expect(m is not None and m.group(1) == m.group(2) == str(len(expected_figures)),
               f"report {name}: figures decoded in Chromium: {m.group(0) if m else 'none (page did not load)'}")

# A shard (no summaries): the page says so and pools its runs.
shard = os.path.join(work, "shard.h5")
r = subprocess.run([chipsim, "batch", os.path.join(source, "tests", "experiments", "small_experiment.toml"), "-o", shard,
                    "--shard", "0/2", "--no-progress"], capture_output=True, text=True)
page = os.path.join(work, "shard.html")
r = subprocess.run([chipsim, "report", shard, "-o", page], capture_output=True, text=True)
expect(r.returncode == 0 and "A shard (or incomplete) file" in open(page, encoding="utf-8").read(),
       f"report of a shard: exit {r.returncode}: {r.stderr}")

# Bad input: exit 1, the file named, nothing written.
not_hdf5 = os.path.join(work, "not_hdf5.h5")
open(not_hdf5, "w").write("plain text\n")
other = os.path.join(work, "other.h5")
with h5py.File(other, "w") as f:
    f["x"] = [1, 2, 3]
for bad, args in ((not_hdf5, []), (other, []), (run_file, ["--country", "XX"])):
    out = os.path.join(work, "bad.html")
    r = subprocess.run([chipsim, "report", bad, "-o", out, *args], capture_output=True, text=True)
    expect(r.returncode == 1 and bad in r.stderr and not os.path.exists(out),
           f"report of a bad input {bad} {args}: exit {r.returncode}, {r.stderr!r}")
if os.geteuid() != 0:  # root writes anywhere
    locked = os.path.join(work, "locked")
    os.makedirs(locked)
    os.chmod(locked, 0o500)
    r = subprocess.run([chipsim, "report", run_file, "-o", os.path.join(locked, "r.html")], capture_output=True, text=True)
    expect(r.returncode == 1 and "cannot write" in r.stderr and not os.listdir(locked), f"unwritable output: {r.stderr!r}")
missing_dir = os.path.join(work, "no", "such", "dir", "r.html")
r = subprocess.run([chipsim, "report", run_file, "-o", missing_dir], capture_output=True, text=True)
expect(r.returncode == 1 and "cannot write" in r.stderr, f"output in a missing folder: exit {r.returncode}, {r.stderr!r}")
expect(not glob.glob(os.path.join(work, "*.tmp-*")), "a temporary report file was left behind")

if failures:
    print("\n".join("FAIL: " + x for x in failures))
    sys.exit(1)
print("ok: reports of run, compare, batch, sweep and deals files" + ("" if chromium else " (Chromium not installed: not rendered)"))
sys.exit(0 if chromium else 77)
