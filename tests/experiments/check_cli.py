#!/usr/bin/python3
"""Runs the chipsim command line as a new user would and checks exit codes and messages.

usage: check_cli.py CHIPSIM_BINARY SOURCE_DIR WORK_DIR
"""
import os
import re
import shutil
import subprocess
import sys

chipsim, source, work = sys.argv[1:4]
os.makedirs(work, exist_ok=True)
failures = []


def run(*args):
    return subprocess.run([chipsim, *args], capture_output=True, text=True, cwd=work)


def expect(cond, what):
    if not cond:
        failures.append(what)


# --help explains the commands.
r = run("--help")
expect(r.returncode == 0 and "run" in r.stdout and "validate" in r.stdout, "--help lists run and validate")
r = run("run", "--help")
expect(r.returncode == 0 and "--seed" in r.stdout and "--threads" in r.stdout, "run --help lists --seed and --threads")

# Every bad scenario fails with file:line:column and a non-zero exit, for validate and run.
bad_dir = os.path.join(source, "tests", "experiments", "bad")
for name in sorted(os.listdir(bad_dir)):
    path = os.path.join(bad_dir, name)
    expected = open(path).readline().lstrip("# ").strip()  # first line: the expected message
    for cmd in (["validate", path], ["run", path, "-o", "never.h5"]):
        r = run(*cmd)
        where = re.escape(path) + r":\d+:\d+: "
        expect(r.returncode == 1, f"{' '.join(cmd)}: exit code {r.returncode}, expected 1")
        expect(re.search(where, r.stderr) is not None, f"{' '.join(cmd)}: no file:line:column in {r.stderr!r}")
        expect(expected in r.stderr, f"{' '.join(cmd)}: expected {expected!r} in {r.stderr!r}")
    expect(not os.path.exists(os.path.join(work, "never.h5")), f"{name}: an output file was written")

# A missing scenario file.
r = run("validate", os.path.join(work, "missing.toml"))
expect(r.returncode != 0 and "missing.toml" in r.stderr, "missing file names the path")

# An unwritable output keeps what exists and exits non-zero.
history = os.path.join(source, "experiments", "scenarios", "history.toml")
r = run("run", history, "-q", "-o", os.path.join(work, "no", "such", "dir", "x.h5"))
expect(r.returncode == 1 and "x.h5" in r.stderr, f"unwritable output: {r.returncode} {r.stderr!r}")

# validate on the shipped scenario succeeds and lists its events.
r = run("validate", history)
expect(r.returncode == 0 and "us_2023_10_3a090" in r.stdout, "validate history lists its rules")
# ... with their values: thresholds, licence terms and quotas, instruments.
for shown in ("tpp >= 4800", "approval 0.5 per decision for 12 months", "quota 0.5 x shipments home", "procurement_mandate = 0.4",
              "licence_fee 0.15"):
    expect(shown in r.stdout, f"validate history does not show {shown!r}")

# A solver that stops at its iteration cap is reported, run by run, without failing the batch:
# the sweep's point 0 caps pricing at 2 iterations, point 1 uses the default.
capped = os.path.join(source, "tests", "experiments", "capped_pricing_experiment.toml")
r = run("batch", capped, "-o", "capped.h5", "--no-progress")
expect(r.returncode == 0 and os.path.exists(os.path.join(work, "capped.h5")), f"capped batch: {r.returncode} {r.stderr!r}")
expect("warning: run 0 (variant 0, point 0, replicate 0): the pricing solver stopped at its iteration cap" in r.stderr,
       f"capped batch names run 0: {r.stderr!r}")
expect("warning: run 1 " not in r.stderr, f"the converged run 1 is not flagged: {r.stderr!r}")

# Numbers on the command line are parsed strictly (cases/reliability/cli_seed_and_shard.sh):
# a seed is exactly 0 ... 2^64 - 1, a shard exactly "i/n" with 0 <= i < n; both are user errors
# (exit 1) naming the option and the value, never "internal error".
history = os.path.join(source, "experiments", "scenarios", "history.toml")
experiment = os.path.join(source, "tests", "experiments", "small_experiment.toml")
for seed in ("-1", "18446744073709551616", "99999999999999999999999", "1e3", "0x10", " 5"):
    r = run("run", history, "-o", "seed.h5", "-q", "--seed=" + seed)
    expect(r.returncode == 1 and "--seed" in r.stderr and "internal" not in r.stderr,
           f"run --seed={seed!r}: exit {r.returncode}, {r.stderr.strip()!r}")
r = run("run", history, "-o", "seed.h5", "-q", "--seed", "18446744073709551615")
expect(r.returncode == 0, f"run --seed 2^64-1: exit {r.returncode}, {r.stderr.strip()!r}")
for shard in ("1/2/3", "0x1/2", "0.5/2", "2/2", "-1/2", "1/0", "/2", "1/"):
    r = run("batch", experiment, "-o", "shard.h5", "--no-progress", "--threads", "1", "--shard=" + shard)
    expect(r.returncode == 1 and "--shard" in r.stderr and "internal" not in r.stderr,
           f"batch --shard={shard!r}: exit {r.returncode}, {r.stderr.strip()!r}")

# Values that were accepted silently (cases/reliability/*.toml, copied with their paths adjusted):
# each is now an error located at its line and field.
cases = os.path.join(source, "tests", "experiments", "cases", "reliability")
for name, cmd, field, located in (("generation_fraction.toml", "validate", "generation: must be a whole number", None),
                                  ("negative_threshold.toml", "validate", "tpp_lt: must be in [0", None),
                                  ("base_is_directory.toml", "batch", "experiment.base: is a folder", None),
                                  # a horizon over which steady growth overflows is refused at load
                                  # time, at the growth key (in the extended file), before anything runs
                                  ("long_horizon.toml", "validate", "capacity_growth_per_month: at this growth", "history.toml")):
    path = os.path.join(cases, name)
    args = [cmd, path] + (["-o", "never.h5", "--no-progress"] if cmd == "batch" else [])
    r = run(*args)
    where = re.escape(path) if located is None else r"\S*" + re.escape(located)
    expect(r.returncode == 1 and re.search(where + r":\d+:\d+: ", r.stderr) is not None and field in r.stderr,
           f"{cmd} {name}: exit {r.returncode}, {r.stderr.strip()!r}")

# A grid over an integer key with whole values runs (cases/analysis/integer_sweep.toml: the sweep
# writes 0.0 and 5.0; integer keys take whole floats).
r = run("batch", os.path.join(source, "tests", "experiments", "cases", "analysis", "integer_sweep.toml"), "-o", "int_sweep.h5",
        "--no-progress")
expect(r.returncode == 0 and "2 runs done" in r.stdout, f"integer sweep: exit {r.returncode}, {r.stderr.strip()!r}")

# A sweep point outside the swept key's range fails located at the sweep's path in the experiment
# file, naming the point, not unlocated against the scenario (found by fuzzing).
sweep = os.path.join(source, "tests", "experiments", "sweep_value_out_of_range.toml")
shutil.rmtree(os.path.join(work, "bad_sweep.h5.journal"), ignore_errors=True)  # left by an earlier run of this test
r = run("batch", sweep, "-o", "bad_sweep.h5", "--no-progress")
expect(r.returncode == 1 and re.search(re.escape(sweep) + r":\d+:\d+: sweep.parameter.path: .*sweep point 1", r.stderr) is not None,
       f"bad sweep point: exit {r.returncode}, {r.stderr.strip()!r}")

# A focus country the scenario lacks is refused at load time, where it is written.
bad_focus = os.path.join(work, "bad_focus.toml")
open(bad_focus, "w").write(f"""[experiment]
name = "bad_focus"
base = "{os.path.join(source, 'tests', 'experiments', 'small_history.toml')}"
replicates = 1
master_seed = 1
focus_country = "XX"
""")
r = run("batch", bad_focus, "-o", "bad_focus.h5", "--no-progress")
expect(r.returncode == 1 and re.search(re.escape(bad_focus) + r":6:\d+: focus_country: ", r.stderr) is not None,
       f"bad focus_country: exit {r.returncode}, {r.stderr.strip()!r}")

# An 8-point Sobol design puts one point in every eighth of each axis (cases/analysis/sobol_8_points.toml).
sobol_case = os.path.join(source, "tests", "experiments", "cases", "analysis", "sobol_8_points.toml")
shutil.rmtree(os.path.join(work, "sobol8.h5.journal"), ignore_errors=True)
r = run("batch", sobol_case, "-o", "sobol8.h5", "--no-progress")
strata = subprocess.run(["/usr/bin/python3", os.path.join(source, "tests", "experiments", "cases", "analysis", "check_sobol_strata.py"),
                         os.path.join(work, "sobol8.h5")], capture_output=True, text=True)
expect(r.returncode == 0 and strata.stdout.count("[1, 1, 1, 1, 1, 1, 1, 1]") == 2,
       f"Sobol strata: {r.stderr.strip()!r} {strata.stdout[-200:]!r}")

# An unknown command is named, with the nearest known one.
r = run("runn", "x.toml")
expect(r.returncode == 1 and 'unknown command "runn"' in r.stderr and 'did you mean "run"' in r.stderr,
       f"unknown command: exit {r.returncode}, {r.stderr.strip()!r}")

# batch without -o writes <experiment name>.h5 in the current directory, as run does.
small_exp = os.path.join(source, "tests", "experiments", "small_experiment.toml")
for leftover in ("small.h5", "small.h5.journal"):
    shutil.rmtree(os.path.join(work, leftover), ignore_errors=True) if leftover.endswith("journal") else (
        os.remove(os.path.join(work, leftover)) if os.path.exists(os.path.join(work, leftover)) else None)
r = run("batch", small_exp, "--no-progress")
expect(r.returncode == 0 and os.path.exists(os.path.join(work, "small.h5")), f"batch without -o: {r.stderr.strip()!r}")

# Shards of another build are refused by merge unless --allow-mixed-builds, which keeps each
# run's build (cases/analysis/merge_mixed_builds.sh); a journal of another build is refused too.
mix_dir = os.path.join(work, "mix")
shutil.rmtree(mix_dir, ignore_errors=True)
os.makedirs(mix_dir)
r = subprocess.run(["bash", os.path.join(source, "tests", "experiments", "cases", "analysis", "merge_mixed_builds.sh"), chipsim,
                    small_exp, mix_dir], capture_output=True, text=True)
expect(r.returncode != 0 and "another build of chipsim" in r.stderr and "--allow-mixed-builds" in r.stderr,
       f"mixed builds: {r.stdout[-300:]!r} {r.stderr[-300:]!r}")
r = run("merge", "-o", os.path.join(mix_dir, "mixed.h5"), os.path.join(mix_dir, "mix_shard_0.h5"), os.path.join(mix_dir, "mix_shard_1.h5"),
        "--allow-mixed-builds")
if r.returncode == 0:
    import h5py
    with h5py.File(os.path.join(mix_dir, "mixed.h5"), "r") as f:
        builds = [b.decode() if isinstance(b, bytes) else b for b in f["run_build"][:]]
    expect(len(set(builds)) == 2 and any("0.0.9" in b for b in builds), f"--allow-mixed-builds keeps each run's build: {set(builds)}")
else:
    failures.append(f"merge --allow-mixed-builds failed: {r.stderr}")
journal_out = os.path.join(work, "other_build.h5")
shutil.rmtree(journal_out + ".journal", ignore_errors=True)
run("batch", small_exp, "-o", journal_out, "--no-progress", "--stop-after", "2")
marker = os.path.join(journal_out + ".journal", "experiment.toml")
text = open(marker).read().split("\n", 1)
open(marker, "w").write("# build: chipsim 0.0.9 another\n" + text[1])
r = run("batch", small_exp, "-o", journal_out, "--no-progress", "--resume")
expect(r.returncode == 1 and "another build of chipsim" in r.stderr, f"journal of another build: {r.returncode} {r.stderr.strip()!r}")
shutil.rmtree(journal_out + ".journal", ignore_errors=True)

# A results file locked by another process: HDF5's reason and the hint for shared file systems,
# not "not an HDF5 file".
import h5py
locked = os.path.join(work, "small.h5")
if os.path.exists(locked):
    with h5py.File(locked, "r+"):
        r = run("summarize", locked)
    expect(r.returncode == 1 and "unable to lock file" in r.stderr and "HDF5_USE_FILE_LOCKING=FALSE" in r.stderr,
           f"locked file: {r.returncode} {r.stderr.strip()!r}")
r = run("summarize", os.path.join(source, "README.md"))
expect(r.returncode == 1 and "file signature not found" in r.stderr, f"not an HDF5 file: {r.stderr.strip()!r}")

# Documented exit codes: command-line errors are user errors (1), --help and --version are 0.
for args in (["run", "--no-such-option"], ["run"], ["run", "/no/such/file.toml"], ["run", history, "--threads", "0"],
             ["bogus-command"], ["batch", "x.toml", "extra", "args"]):
    r = run(*args)
    expect(r.returncode == 1, f"{' '.join(args)}: exit {r.returncode}, expected 1 (a command-line error)")
expect(run("--version").returncode == 0 and run("batch", "--help").returncode == 0, "--version and --help exit 0")

if failures:
    print("\n".join("FAIL: " + f for f in failures))
    sys.exit(1)
print("ok: command line checks")
