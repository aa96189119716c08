#!/usr/bin/python3
"""Peak memory of a summaries-only batch against its number of runs (issue: memory flat in the
run count). Runs `chipsim batch` on `history` paired with `no_controls` at two sizes, side by
side, and prints the peak resident set size of each (getrusage of the child), the journal's
size on disk, and the ratio. The target: the larger batch's peak RSS under 1.5x the smaller's.

usage: batch_memory.py CHIPSIM [--runs 1000 20000] [--threads 2] [--scratch DIR] [--repeats 1]
"""
import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
p.add_argument("chipsim")
p.add_argument("--runs", type=int, nargs="+", default=[1000, 20000], help="batch sizes (even: two variants)")
p.add_argument("--threads", type=int, default=2)
p.add_argument("--repeats", type=int, default=1, help="runs per size (the median is reported)")
p.add_argument("--scratch", default=None, help="where the batch files and journals go (default: a temporary folder)")
a = p.parse_args()

root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
scenarios = os.path.join(root, "scenarios")
scratch = a.scratch or tempfile.mkdtemp(prefix="chipsim-mem-")
os.makedirs(scratch, exist_ok=True)


def peak_rss_mb(args):
    """Peak RSS of one child process, in MB (wait4's rusage: that child alone)."""
    t0 = time.time()
    proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    err = proc.stderr.read().decode()
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"batch failed: {err}")
    return usage.ru_maxrss / 1024.0, time.time() - t0


rows = []
for n in a.runs:
    exp = os.path.join(scratch, f"memory_{n}.toml")
    with open(exp, "w") as f:
        f.write(f"""[experiment]
name = "memory_{n}"
base = "{scenarios}/history.toml"
replicates = {max(1, n // 2)}
master_seed = 1
outputs = "summaries"
baseline = "no_controls"

[[variant]]
name = "no_controls"
scenario = "{scenarios}/no_controls.toml"

[[variant]]
name = "history"
""")
    peaks, secs = [], []
    for _ in range(a.repeats):
        out = os.path.join(scratch, f"memory_{n}.h5")
        shutil.rmtree(out + ".journal", ignore_errors=True)
        rss, s = peak_rss_mb([a.chipsim, "batch", exp, "-o", out, "--no-progress", "--threads", str(a.threads)])
        peaks.append(rss)
        secs.append(s)
        size = os.path.getsize(out) / 1e6
        os.remove(out)
    rows.append((2 * max(1, n // 2), statistics.median(peaks), statistics.median(secs), size))
    print(f"{rows[-1][0]:>7} runs: peak RSS {rows[-1][1]:8.1f} MB, {rows[-1][2]:7.1f} s, results file {size:8.1f} MB", flush=True)

if len(rows) >= 2:
    small, large = rows[0], rows[-1]
    ratio = large[1] / small[1]
    print(f"peak RSS ratio {large[0]} / {small[0]} runs: {ratio:.2f}x (target < 1.5x: {'met' if ratio < 1.5 else 'NOT met'})")
if not a.scratch:
    shutil.rmtree(scratch, ignore_errors=True)
