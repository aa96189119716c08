#!/usr/bin/python3
"""A full disk under every writing command (cases/reliability/disk_full.sh, generalised).

For run, compare, deals, batch, merge and rerun -o: an earlier output exists on a small tmpfs
(16 MiB: room for the batch journal, the earlier file and its replacement once space is freed),
the disk is then filled, and the command is run again. It must print a clear error naming the
file, exit 1 (no crash), leave the earlier file byte for byte intact and leave no temporary
file. Needs root to mount the tmpfs; otherwise exits 77 (CTest: skipped).

usage: check_disk_full.py CHIPSIM_BINARY SOURCE_DIR WORK_DIR
"""
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile

chipsim, source, work = sys.argv[1:4]
os.makedirs(work, exist_ok=True)
if os.geteuid() != 0:
    print("skipped: mounting a tmpfs needs root")
    sys.exit(77)

T = os.path.join(source, "tests", "experiments")
small = os.path.join(T, "small_history.toml")
nocontrols = os.path.join(T, "small_no_controls.toml")
experiment = os.path.join(T, "small_experiment.toml")
deals = os.path.join(T, "small_deals.toml")
failures = []


def run(*args, cwd=work):
    return subprocess.run([chipsim, *args], capture_output=True, text=True, cwd=cwd)


def md5(path):
    return hashlib.md5(open(path, "rb").read()).hexdigest()


# Shards and a batch file made on the normal disk, inputs of merge and rerun.
r = run("batch", experiment, "-o", "s0.h5", "--shard", "0/2", "--no-progress")
r2 = run("batch", experiment, "-o", "s1.h5", "--shard", "1/2", "--no-progress")
r3 = run("batch", experiment, "-o", "full.h5", "--no-progress")
if r.returncode or r2.returncode or r3.returncode:
    print("could not make the shard files:", r.stderr, r2.stderr, r3.stderr)
    sys.exit(1)
s0, s1, full = (os.path.join(work, f) for f in ("s0.h5", "s1.h5", "full.h5"))

commands = {
    "run": lambda out: ["run", small, "-q", "-o", out],
    "compare": lambda out: ["compare", small, nocontrols, "-o", out],
    "deals": lambda out: ["deals", deals, "-o", out, "--no-progress"],
    "batch": lambda out: ["batch", experiment, "-o", out, "--no-progress"],
    "merge": lambda out: ["merge", s0, s1, "-o", out],
    "rerun": lambda out: ["rerun", full, "--run", "3", "-o", out],
    # every run already journalled (24 of 24): only the final write meets the full disk
    "batch-final": lambda out: ["batch", experiment, "-o", out, "--no-progress", "--resume"],
}

for name, make in commands.items():
    mount = tempfile.mkdtemp(dir=work)
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=16m", "tmpfs", mount]).returncode != 0:
        print("skipped: cannot mount a tmpfs here")
        sys.exit(77)
    try:
        out = os.path.join(mount, name + ".h5")
        first = run(*make(out), cwd=mount)
        if name == "batch-final":
            run("batch", experiment, "-o", out, "--no-progress", "--stop-after", "24", cwd=mount)
        if first.returncode != 0 or not os.path.exists(out):
            failures.append(f"{name}: the first write on an empty tmpfs failed: {first.stderr!r}")
            continue
        before = md5(out)
        # Fill the disk, leaving a few KiB so that the write starts and fails part-way.
        with open(os.path.join(mount, "filler"), "wb", buffering=0) as f:  # unbuffered: close has nothing to flush
            try:
                while True:
                    f.write(b"\0" * 65536)
            except OSError:
                pass
        os.truncate(os.path.join(mount, "filler"), os.path.getsize(os.path.join(mount, "filler")) - 32768)
        again = run(*make(out), cwd=mount)
        if os.environ.get("VERBOSE"): print(name, again.returncode, again.stderr.strip()[-300:])
        left = sorted(os.listdir(mount))
        if again.returncode != 1:
            failures.append(f"{name}: exit code {again.returncode} on a full disk, expected 1; stderr {again.stderr[-400:]!r}")
        if "error" not in again.stderr or (name + ".h5") not in again.stderr or ".tmp-" in again.stderr:
            failures.append(f"{name}: the error does not name the output file: {again.stderr[-400:]!r}")
        if "internal error" in again.stderr:
            failures.append(f"{name}: a full disk is reported as an internal error")
        if md5(out) != before:
            failures.append(f"{name}: the earlier output file was changed")
        stray = [f for f in left if ".tmp" in f]
        if stray:
            failures.append(f"{name}: temporary files left behind: {stray}")
        if name == "batch-final" and again.returncode == 1:
            # The journal stays, and --resume finishes the batch once there is room again.
            os.remove(os.path.join(mount, "filler"))
            if not os.path.isdir(out + ".journal"):
                failures.append("batch-final: the journal was not kept after the failed write")
            done = run(*make(out), cwd=mount)
            if done.returncode != 0:
                failures.append(f"batch-final: --resume after freeing space failed: {done.stderr!r}")
    finally:
        subprocess.run(["umount", mount])
        os.rmdir(mount)

for f in failures:
    print("FAIL:", f)
print(f"{len(commands)} writing commands checked on a full disk; {len(failures)} failures")
sys.exit(1 if failures else 0)
