#!/usr/bin/python3
"""Speed of the estimation and sensitivity workflow (issue 17's targets), measured end to end
with the chipsim binary on this machine, each the median of --repeats:

  morris  a Morris screen of every ASSUMPTION key of history (experiments/examples/
          history_assumptions_morris.toml without its baseline: one run of history per point)
          with --trajectories trajectories: points and seconds; scaled to 300 parameters x 10
          trajectories (3,010 runs of history) at the measured seconds per point. A screen with
          a baseline (revenue loss) runs two per point: twice the time.
  msm     the shipped calibration (calibration/history.calib.toml: 23 parameters, 10
          replicates) with a reduced search budget (--msm-points): seconds per parameter point;
          scaled to the shipped budget (3,000 + 1,500 search points, Jacobian and profiles).
  sobol   Sobol indices of the calibration's first 20 parameters over their bounds with N =
          --sobol-n (N (k + 2) points, one run of history each): seconds; scaled to N = 1,024.

Targets (2-core machine): Morris 300 x 10 under 2 minutes; MSM of >= 20 parameters with 10
replicates under 30 minutes; Sobol of 20 parameters at N = 1,024 under 15 minutes.

usage: calibration_speed.py CHIPSIM [--repeats 1] [--trajectories 2] [--msm-points 120] [--sobol-n 8] [--threads 2]
"""
import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
import tomllib

p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
p.add_argument("chipsim")
p.add_argument("--repeats", type=int, default=1)
p.add_argument("--trajectories", type=int, default=2)
p.add_argument("--msm-points", type=int, default=120)
p.add_argument("--sobol-n", type=int, default=8)
p.add_argument("--threads", type=int, default=2)
a = p.parse_args()

root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
scratch = tempfile.mkdtemp(prefix="chipsim-calspeed-")


def timed(cmd):
    times = []
    out = ""
    for _ in range(a.repeats):
        t0 = time.perf_counter()
        r = subprocess.run(cmd, capture_output=True, text=True)
        times.append(time.perf_counter() - t0)
        if r.returncode != 0:
            sys.exit(f"calibration_speed: {' '.join(cmd)} failed:\n{r.stderr}")
        out = r.stdout
    return statistics.median(times), out


# Morris over every ASSUMPTION key.
morris = os.path.join(scratch, "morris.toml")
with open(os.path.join(root, "experiments", "examples", "history_assumptions_morris.toml")) as f:
    text = f.read().replace("../scenarios/", os.path.join(root, "experiments", "scenarios") + "/")
text = re.sub(r"trajectories = \d+", f"trajectories = {a.trajectories}", text)
text = re.sub(r"(?m)^baseline = .*\n", "", text)
open(morris, "w").write(text)
secs, out = timed([a.chipsim, "sensitivity", morris, "--threads", str(a.threads), "--top", "1"])
m = re.search(r"\((\w+), (\d+) parameters, (\d+) runs", out)
k, runs = int(m.group(2)), int(m.group(3))
points = runs
per_point = secs / points
print(f"morris: {k} parameters x {a.trajectories} trajectories = {points} runs of history in {secs:.1f} s "
      f"({1000 * per_point:.1f} ms per point); 300 x 10 = 3,010 points -> {3010 * per_point / 60:.1f} min (target < 2 min)")

# MSM with a reduced budget.
calib_path = os.path.join(root, "calibration", "history.calib.toml")
calib = open(calib_path).read()
calib = calib.replace('scenario = "../experiments/scenarios/history.toml"',
                      f'scenario = "{os.path.join(root, "experiments", "scenarios", "history.toml")}"')
g, l = a.msm_points * 2 // 3, a.msm_points // 3
calib = re.sub(r"global_evaluations = \d+", f"global_evaluations = {g}", calib)
calib = re.sub(r"local_evaluations = \d+", f"local_evaluations = {l}", calib)
calib = re.sub(r"profile_points = \d+", "profile_points = 0", calib)
small = os.path.join(scratch, "msm.calib.toml")
open(small, "w").write(calib)
report = os.path.join(scratch, "msm.h5")
secs, out = timed([a.chipsim, "calibrate", small, "-o", report, "--threads", str(a.threads), "--no-progress"])
m = re.search(r"(\d+) parameters, (\d+) moments, (\d+) replicates; (\d+) points", out)
kp, reps, pts = int(m.group(1)), int(m.group(3)), int(m.group(4))
spec = tomllib.load(open(calib_path, "rb"))["calibration"]
shipped = spec["global_evaluations"] + spec["local_evaluations"] + 2 * kp + kp * spec.get("profile_points", 9)
print(f"msm: {kp} parameters, {reps} replicates: {pts} points in {secs:.1f} s ({secs / pts:.3f} s per point); "
      f"the shipped budget (~{shipped} points) -> {shipped * secs / pts / 60:.1f} min (target < 30 min)")

# Sobol of 20 parameters.
params = tomllib.load(open(calib_path, "rb"))["parameter"][:20]
lines = ["[sensitivity]", 'name = "sobol20"',
         f'scenario = "{os.path.join(root, "experiments", "scenarios", "history.toml")}"',
         'method = "sobol"', f"samples = {a.sobol_n}", "bootstrap = 50", "seed = 1"]
for q in params:
    for path in q.get("paths", [q.get("path")]):
        lines += ["[[parameter]]", f'path = "{path}"', f"min = {q['min']}", f"max = {q['max']}"]
        break
sobol = os.path.join(scratch, "sobol.toml")
open(sobol, "w").write("\n".join(lines) + "\n")
secs, out = timed([a.chipsim, "sensitivity", sobol, "--threads", str(a.threads), "--top", "1"])
points = a.sobol_n * (len(params) + 2)
print(f"sobol: 20 parameters, N = {a.sobol_n}: {points} points in {secs:.1f} s; N = 1,024 ({1024 * (len(params) + 2)} points) -> "
      f"{1024 * (len(params) + 2) * secs / points / 60:.1f} min (target < 15 min)")
