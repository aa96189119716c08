#!/bin/bash
# Submits a chipsim experiment to Slurm as N array shards plus a merge job that runs once all
# shards have succeeded (and is cancelled if one fails: redo it with
# `sbatch --array=I shards.sbatch EXPERIMENT.toml N OUTDIR`, then submit merge.sbatch N OUTDIR).
# All three scripts take their arguments in this order: EXPERIMENT.toml, N, OUTDIR.
#   experiments/examples/slurm/submit.sh EXPERIMENT.toml N OUTDIR
# Set CHIPSIM to the chipsim binary if it is not on PATH (e.g. $PWD/build/release/experiments/chipsim).
set -euo pipefail
usage="usage: submit.sh EXPERIMENT.toml N OUTDIR"
experiment=${1:?$usage}
shards=${2:?$usage}
outdir=${3:?$usage}
here=$(cd "$(dirname "$0")" && pwd)
array=$(sbatch --parsable --export=ALL --array=0-$((shards - 1)) "$here/shards.sbatch" "$experiment" "$shards" "$outdir")
merge=$(sbatch --parsable --export=ALL --dependency=afterok:"${array%%;*}" --kill-on-invalid-dep=yes \
  "$here/merge.sbatch" "$shards" "$outdir")
echo "submitted shards as job $array and the merge as job $merge; results: $outdir/results.h5"
