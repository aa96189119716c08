#!/usr/bin/python3
"""Throughput of an MPI batch against its rank count, side by side (issue: scale across
processes). Runs the same batch (history paired with no_controls, summaries) under
`mpirun -np 1`, `-np 2` and `-np 4 --oversubscribe` with Open MPI's default binding, and prints
runs per second, the CPU seconds used (user + system of mpirun and every rank), and the CPU
efficiency (CPU seconds / (wall seconds x cores used)). The targets on a 2-core machine:
-np 2 at >= 1.8x the runs/s of -np 1, and -np 4 oversubscribed no slower than -np 2 (the
coordinator costs no core: it sleeps instead of spinning). Reports the median of --repeats.

usage: mpi_scaling.py CHIPSIM [--runs 200] [--repeats 3] [--mpirun mpirun]
"""
import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
p.add_argument("chipsim")
p.add_argument("--runs", type=int, default=200, help="runs per batch (two variants)")
p.add_argument("--repeats", type=int, default=3)
p.add_argument("--mpirun", default=shutil.which("mpirun") or "mpirun")
p.add_argument("--ranks", type=int, nargs="+", default=[1, 2, 4])
a = p.parse_args()

root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
scratch = tempfile.mkdtemp(prefix="chipsim-mpi-")
exp = os.path.join(scratch, "mpi.toml")
with open(exp, "w") as f:
    f.write(f"""[experiment]
name = "mpi_scaling"
base = "{root}/scenarios/history.toml"
replicates = {max(1, a.runs // 2)}
master_seed = 1
outputs = "summaries"
baseline = "no_controls"

[[variant]]
name = "no_controls"
scenario = "{root}/scenarios/no_controls.toml"

[[variant]]
name = "history"
""")
env = dict(os.environ, OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1")
cores = os.cpu_count() or 1
results = {}
for n in a.ranks:
    rates, cpus = [], []
    for _ in range(a.repeats):
        out = os.path.join(scratch, f"np{n}.h5")
        args = [a.mpirun, "--allow-run-as-root", "-np", str(n)] + (["--oversubscribe"] if n > cores else []) + \
               [a.chipsim, "batch", exp, "-o", out, "--no-progress"]
        t0 = time.time()
        proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.time() - t0
        err = proc.stderr.read().decode()
        if os.waitstatus_to_exitcode(status) != 0:
            sys.exit(f"-np {n} failed: {err}")
        rates.append(2 * max(1, a.runs // 2) / wall)
        cpus.append(usage.ru_utime + usage.ru_stime)
        os.remove(out)
    results[n] = (statistics.median(rates), statistics.median(cpus))
    used = min(n, cores)
    rate, cpu = results[n]
    wall = 2 * max(1, a.runs // 2) / rate
    print(f"-np {n}{' --oversubscribe' if n > cores else ''}: {rate:6.1f} runs/s, {cpu:6.1f} CPU s, "
          f"CPU efficiency {cpu / (wall * used):.2f} on {used} core(s)", flush=True)
if 1 in results and 2 in results:
    print(f"throughput -np 2 / -np 1: {results[2][0] / results[1][0]:.2f}x (target >= 1.8x)")
if 2 in results and 4 in results:
    print(f"throughput -np 4 (oversubscribed) / -np 2: {results[4][0] / results[2][0]:.2f}x (no coordinator waste: ~1.0x)")
shutil.rmtree(scratch, ignore_errors=True)
