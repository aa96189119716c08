#!/bin/bash
# Submits a chipsim experiment to Slurm as N array shards plus a merge job that runs once all
# shards have succeeded.
#   experiments/examples/slurm/submit.sh EXPERIMENT.toml N OUTDIR
# Set CHIPSIM to the chipsim binary if it is not on PATH (e.g. $PWD/build/release/experiments/chipsim).
set -euo pipefail
experiment=${1:?usage: submit.sh EXPERIMENT.toml N OUTDIR}
shards=${2:?usage: submit.sh EXPERIMENT.toml N OUTDIR}
outdir=${3:?usage: submit.sh EXPERIMENT.toml N OUTDIR}
here=$(cd "$(dirname "$0")" && pwd)
array=$(sbatch --parsable --export=ALL --array=0-$((shards - 1)) "$here/shards.sbatch" "$experiment" "$outdir")
merge=$(sbatch --parsable --export=ALL --dependency=afterok:"${array%%;*}" "$here/merge.sbatch" "$outdir")
echo "submitted shards as job $array and the merge as job $merge; results: $outdir/results.h5"
