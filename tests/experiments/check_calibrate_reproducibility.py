"""chipsim calibrate and sensitivity give bit-identical results at 1 and 2 threads and on 1 or 2
MPI ranks; a calibration killed mid-search resumes from its journal to the same estimate.

usage: check_calibrate_reproducibility.py CHIPSIM CALIBRATION.toml MORRIS.toml DIR [MPIEXEC]
"""
import os
import signal
import subprocess
import sys
import time

import h5py
import numpy as np

chipsim, calib, morris, out = sys.argv[1:5]
mpiexec = sys.argv[5] if len(sys.argv) > 5 and sys.argv[5] else None
os.makedirs(out, exist_ok=True)
env = dict(os.environ, OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1")
mpi_flags = ["--allow-run-as-root", "--oversubscribe", "--bind-to", "none"]


def calibrate(name, threads, prefix=(), extra=()):
    path = os.path.join(out, name + ".h5")
    for p in (path, path + ".journal"):
        if os.path.exists(p) and not extra:
            os.remove(p)
    subprocess.run([*prefix, chipsim, "calibrate", calib, "-o", path, "--threads", str(threads), "--no-progress", *extra],
                   check=True, env=env, stdout=subprocess.DEVNULL)
    return path


def results(path):
    with h5py.File(path, "r") as f:
        return {k: f[k][()] for k in ("estimate", "standard_error", "simulated", "jacobian", "profile_objective", "search_trace")} | {
            "J": f.attrs["j_statistic"]}


def same(a, b, what):
    for k in a:
        if not np.array_equal(np.asarray(a[k]), np.asarray(b[k]), equal_nan=True):
            sys.exit(f"FAIL: {what}: {k} differs: {a[k]} vs {b[k]}")


one = results(calibrate("t1", 1))
same(one, results(calibrate("t2", 2)), "calibrate at 1 and 2 threads")

# Kill it once the journal holds some points, then resume: the same estimate.
path = os.path.join(out, "killed.h5")
for p in (path, path + ".journal"):
    if os.path.exists(p):
        os.remove(p)
proc = subprocess.Popen([chipsim, "calibrate", calib, "-o", path, "--threads", "2", "--no-progress"], env=env, stdout=subprocess.DEVNULL)
deadline = time.time() + 120
while time.time() < deadline and proc.poll() is None:
    if os.path.exists(path + ".journal") and sum(1 for _ in open(path + ".journal")) > 12:
        proc.send_signal(signal.SIGKILL)
        break
    time.sleep(0.02)
proc.wait()
if os.path.exists(path):
    sys.exit("FAIL: the calibration finished before it could be killed; make the test calibration longer")
if subprocess.run([chipsim, "calibrate", calib, "-o", path, "--no-progress"], env=env, capture_output=True).returncode == 0:
    sys.exit("FAIL: a journal was there and calibrate did not ask for --resume")
calibrate("killed", 2, extra=("--resume",))
same(one, results(path), "calibrate killed and resumed")

sens = lambda name, threads, prefix=(): (subprocess.run(
    [*prefix, chipsim, "sensitivity", morris, "--threads", str(threads), "--csv", os.path.join(out, name + ".csv")],
    check=True, env=env, stdout=subprocess.DEVNULL), open(os.path.join(out, name + ".csv")).read())[1]
s1 = sens("s1", 1)
if sens("s2", 2) != s1:
    sys.exit("FAIL: sensitivity differs at 1 and 2 threads")

# Figures: the mu*-sigma plane of the Morris screen and the S1/ST bars of a Sobol analysis.
plot = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "output", "plot_sensitivity.py")
sobol = os.path.join(os.path.dirname(os.path.abspath(morris)), "small_sobol.toml")
subprocess.run([chipsim, "sensitivity", sobol, "--csv", os.path.join(out, "sobol.csv")], check=True, env=env, stdout=subprocess.DEVNULL)
for csv, prefix in (("s1.csv", "morris_"), ("sobol.csv", "sobol_")):
    figs = os.path.join(out, "figures_" + prefix)
    printed = subprocess.run([sys.executable, plot, os.path.join(out, csv), "-o", figs], check=True, capture_output=True,
                             text=True).stdout.split()
    if not printed or not all(os.path.basename(f).startswith(prefix) and os.path.getsize(f) > 1000 for f in printed):
        sys.exit(f"FAIL: plot_sensitivity.py drew no {prefix} figure from {csv}: {printed}")

if mpiexec:
    same(one, results(calibrate("np2", 1, prefix=(mpiexec, *mpi_flags, "-np", "2"))), "calibrate on 1 and 2 MPI ranks")
    if sens("snp2", 1, prefix=(mpiexec, *mpi_flags, "-np", "2")) != s1:
        sys.exit("FAIL: sensitivity differs on 1 and 2 MPI ranks")
print("ok: calibrate and sensitivity are bit-identical across threads" + (", MPI ranks" if mpiexec else "") +
      " and a killed calibration resumed")
