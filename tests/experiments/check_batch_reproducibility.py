#!/usr/bin/python3
"""End-to-end reproducibility of `chipsim batch` (Debian's python3-h5py):
1 vs 2 threads; shards + merge vs a single batch (also through the shipped Slurm scripts); a batch killed with SIGKILL and resumed vs
an uninterrupted one; `rerun` of a run from the file alone; optionally 1 vs 2 MPI ranks.
Every dataset must be bit-identical (attributes that record the run itself may differ).

usage: check_batch_reproducibility.py CHIPSIM EXPERIMENT WORK_DIR [MPIEXEC]
"""
import os
import signal
import subprocess
import sys
import time

import h5py
import numpy as np

chipsim, experiment, work = sys.argv[1:4]
mpiexec = sys.argv[4] if len(sys.argv) > 4 and sys.argv[4] else None
os.makedirs(work, exist_ok=True)
failures = []


def out(name):
    path = os.path.join(work, name)
    for p in (path, path + ".journal"):
        if os.path.isdir(p):
            subprocess.run(["rm", "-rf", p])
        elif os.path.exists(p):
            os.remove(p)
    return path


def batch(path, *extra, prefix=()):
    env = dict(os.environ)
    if prefix:
        # Under mpirun: Open MPI's own allocations (MCA components dlopen-ed and closed) are
        # reported by LeakSanitizer in sanitizer builds; leak checking is off for MPI runs only
        # (AddressSanitizer's other checks stay on).
        env["ASAN_OPTIONS"] = (env.get("ASAN_OPTIONS", "") + ":detect_leaks=0").lstrip(":")
    r = subprocess.run([*prefix, chipsim, "batch", experiment, "-o", path, "--no-progress", *extra],
                       capture_output=True, text=True, env=env)
    if r.returncode != 0:
        failures.append(f"batch {' '.join(extra)} failed: {r.stderr}")
    return r


def datasets(path):
    out = {}
    with h5py.File(path, "r") as f:
        def visit(name, obj):
            if isinstance(obj, h5py.Dataset):
                out[name] = obj[()]
        f.visititems(visit)
    return out


def same(a, b, what):
    da, db = datasets(a), datasets(b)
    if set(da) != set(db):
        failures.append(f"{what}: different datasets {set(da) ^ set(db)}")
        return
    for k in da:
        x, y = np.asarray(da[k]), np.asarray(db[k])
        if x.dtype.kind == "f":
            if x.shape != y.shape or x.tobytes() != y.tobytes():
                failures.append(f"{what}: dataset {k} differs")
        elif x.shape != y.shape or not (x == y).all():
            failures.append(f"{what}: dataset {k} differs")


ref = out("threads1.h5")
batch(ref, "--threads", "1")
two = out("threads2.h5")
batch(two, "--threads", "2")
same(ref, two, "1 vs 2 threads")

shards = [out(f"shard{i}.h5") for i in range(3)]
for i, s in enumerate(shards):
    batch(s, "--shard", f"{i}/3")
merged = out("merged.h5")
r = subprocess.run([chipsim, "merge", "-o", merged, *shards], capture_output=True, text=True)
if r.returncode != 0:
    failures.append(f"merge failed: {r.stderr}")
else:
    same(ref, merged, "3 shards merged vs single batch")
# The shipped Slurm scripts, run as Slurm would run them (array tasks 0..2, then the merge).
slurm = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "experiments", "examples", "slurm")
slurm_dir = out("slurm")
env = dict(os.environ, CHIPSIM=chipsim, SLURM_ARRAY_TASK_COUNT="3", SLURM_CPUS_PER_TASK="1")
for i in range(3):
    r = subprocess.run(["bash", os.path.join(slurm, "shards.sbatch"), experiment, "3", slurm_dir],
                       env=dict(env, SLURM_ARRAY_TASK_ID=str(i)), capture_output=True, text=True)
    if r.returncode != 0:
        failures.append(f"slurm shard {i} failed: {r.stderr}")
# A stale shard of an earlier, larger submission must not be picked up by the merge.
open(os.path.join(slurm_dir, "shard_7.h5"), "w").write("stale")
r = subprocess.run(["bash", os.path.join(slurm, "merge.sbatch"), "3", slurm_dir], env=env, capture_output=True, text=True)
if r.returncode != 0:
    failures.append(f"slurm merge failed: {r.stderr}")
else:
    same(ref, os.path.join(slurm_dir, "results.h5"), "Slurm array scripts (3 tasks + merge) vs single batch")

r = subprocess.run([chipsim, "merge", "-o", out("partial.h5"), shards[0], shards[1]], capture_output=True, text=True)
if r.returncode == 0 or "missing" not in r.stderr:
    failures.append("merging an incomplete set of shards must fail and say a shard is missing")

# Interrupted: stop after some runs (deterministic), then SIGKILL mid-batch (real), then resume.
stopped = out("stopped.h5")
batch(stopped, "--stop-after", "7")
if os.path.exists(stopped):
    failures.append("a stopped batch must not write its results file")
r = subprocess.run([chipsim, "batch", experiment, "-o", stopped, "--no-progress"], capture_output=True, text=True)
if r.returncode == 0 or "--resume" not in r.stderr:
    failures.append("re-running over a journal without --resume must fail and suggest --resume")
batch(stopped, "--resume")
same(ref, stopped, "stopped and resumed vs uninterrupted")

killed = out("killed.h5")
p = subprocess.Popen([chipsim, "batch", experiment, "-o", killed, "--no-progress", "--threads", "1"],
                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
time.sleep(0.4)
p.send_signal(signal.SIGKILL)
p.wait()
batch(killed, "--resume")
same(ref, killed, "SIGKILLed and resumed vs uninterrupted")
if os.path.exists(killed + ".journal"):
    failures.append("the journal must be removed once the results file is written")

r = subprocess.run([chipsim, "rerun", ref, "--run", "13", "-o", out("run13.h5")], capture_output=True, text=True)
if r.returncode != 0 or "bit for bit" not in r.stdout:
    failures.append(f"rerun 13 did not reproduce: {r.stdout} {r.stderr}")

if mpiexec:
    flags = ["--allow-run-as-root", "--oversubscribe"]
    one = out("mpi1.h5")
    batch(one, prefix=(mpiexec, *flags, "-np", "1"))
    twor = out("mpi2.h5")
    batch(twor, prefix=(mpiexec, *flags, "-np", "2"))
    same(ref, one, "1 MPI rank vs threads")
    same(one, twor, "1 vs 2 MPI ranks")

if failures:
    print("\n".join("FAIL: " + f for f in failures))
    sys.exit(1)
print("ok: batch results are bit-identical across threads, shards, interruptions" + (" and MPI ranks" if mpiexec else ""))
