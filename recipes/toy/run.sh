#!/usr/bin/env bash
# Toy recipe: fit SFVQ and a plain VQ on 2-D pentagon and Gaussian data, then draw the figures.
#
#   stage 0: sfvq-train  SFVQ and VQ on each data set       -> exp/{sfvq,vq}_{pentagon,gaussian}/
#   stage 1: sfvq-plot   training curves and usage per run  -> exp/figures/*_{curves,usage}.{pdf,png}
#   stage 2: sfvq-plot   VQ cells beside the SFVQ curve     -> exp/figures/vq_sfvq_{pentagon,gaussian}.{pdf,png}
#   stage 3: (only when asked) refresh the README figure    -> figures/vq_sfvq_pentagon.png
#
# Usage: bash recipes/toy/run.sh [--stage N] [--stop-stage N] [--nj N] [--bits B]
#                                [--epochs-per-stage E] [--num-samples N] [--seed S]
set -euo pipefail

stage=0
stop_stage=2
nj=1
bits=6
epochs_per_stage=3
num_samples=65536
seed=0

while [[ $# -gt 0 ]]; do
    case "$1" in
        --stage) stage="$2"; shift 2 ;;
        --stop-stage|--stop_stage) stop_stage="$2"; shift 2 ;;
        --nj) nj="$2"; shift 2 ;;
        --bits) bits="$2"; shift 2 ;;
        --epochs-per-stage) epochs_per_stage="$2"; shift 2 ;;
        --num-samples) num_samples="$2"; shift 2 ;;
        --seed) seed="$2"; shift 2 ;;
        -h|--help) sed -n '2,12p' "$0"; exit 0 ;;
        *) echo "error: unknown option $1 (see --help)" >&2; exit 1 ;;
    esac
done

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "${here}/../.." && pwd)"
cd "${here}"
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 MPLBACKEND=Agg SFVQ_NO_PROGRESS=1
bash "${root}/tools/bootstrap.sh" dev
export PATH="${root}/.venv/bin:${PATH}"

datasets="pentagon gaussian"
kinds="sfvq vq"
exp=exp

if [[ ${stage} -le 0 && ${stop_stage} -ge 0 ]]; then
    echo "stage 0: fitting ${kinds} on ${datasets} (bits=${bits}, nj=${nj})"
    mkdir -p "${exp}/log"
    pids=()
    for data in ${datasets}; do
        for kind in ${kinds}; do
            (
                sfvq-train --data "${data}" --dim 2 --num-samples "${num_samples}" --seed "${seed}" \
                    --kind "${kind}" --bits "${bits}" --gradient none \
                    --epochs-per-stage "${epochs_per_stage}" --no-progress \
                    --out "${exp}/${kind}_${data}" > "${exp}/log/train_${kind}_${data}.log" 2>&1 \
                    || { echo "error: sfvq-train ${kind} ${data} failed; see ${here}/${exp}/log/train_${kind}_${data}.log" >&2; exit 1; }
                head -n 1 "${exp}/log/train_${kind}_${data}.log"
            ) &
            pids+=($!)
            if [[ ${#pids[@]} -ge ${nj} ]]; then
                wait "${pids[0]}"
                pids=("${pids[@]:1}")
            fi
        done
    done
    for pid in "${pids[@]}"; do wait "${pid}"; done
fi

if [[ ${stage} -le 1 && ${stop_stage} -ge 1 ]]; then
    echo "stage 1: training figures"
    for data in ${datasets}; do
        for kind in ${kinds}; do
            sfvq-plot training --log "${exp}/${kind}_${data}/log.jsonl" --checkpoint "${exp}/${kind}_${data}/model.pt" \
                --out "${exp}/figures/${kind}_${data}"
        done
    done
fi

if [[ ${stage} -le 2 && ${stop_stage} -ge 2 ]]; then
    echo "stage 2: VQ versus SFVQ figures"
    for data in ${datasets}; do
        sfvq-plot compare --vq "${exp}/vq_${data}/model.pt" --sfvq "${exp}/sfvq_${data}/model.pt" \
            --out "${exp}/figures/vq_sfvq_${data}"
    done
fi

if [[ ${stage} -le 3 && ${stop_stage} -ge 3 ]]; then
    echo "stage 3: refreshing the README figure"
    mkdir -p figures
    cp "${exp}/figures/vq_sfvq_pentagon.png" figures/vq_sfvq_pentagon.png
    echo "wrote ${here}/figures/vq_sfvq_pentagon.png"
fi
