#!/usr/bin/env bash
# Mini recipe: the embedded multi-speaker corpus -> features -> VQ-VAE voice converter with an SFVQ
# bottleneck and a plain-VQ baseline -> converted test utterances -> quality numbers.
#
# Usage: bash recipes/mini/run.sh [--stage N] [--stop-stage N] [--nj N] [--conf FILE] [--tag NAME]
#
# Stages (each prints the log file to watch; re-running a finished stage is safe):
#   1  data preparation          data/{train,dev,test,heldout}
#   2  features                  dump/{train,dev,test,heldout}
#   3  train the SFVQ model      exp/sfvq${tag}/
#   4  train the VQ baseline     exp/vq${tag}/   (same config, quantizer.name=vq)
#   5  convert test utterances   exp/{sfvq,vq}${tag}/convert/*.wav
#   6  quality and speed         exp/quality${tag}.json (MCD after DTW, dev losses, RTF)
#   7  phonetic latent analysis  exp/analysis${tag}/ (SFVQ vs VQ: figures, metrics.md, Praat TextGrids)
#                                exp/analysis_posthoc${tag}/ (joint SFVQ vs an SFVQ fitted afterwards)
#   8  objective evaluation      exp/eval${tag}/ (MCD, F0, speaker similarity, WER/CER, DNSMOS; SFVQ vs VQ)
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")"

stage=1
stop_stage=100
nj=2
conf=conf/mini.yaml
tag=""
per_utt=3     # target speakers per test utterance

usage() {
    echo "usage: bash recipes/mini/run.sh [--stage N] [--stop-stage N] [--nj N] [--conf FILE] [--tag NAME]"
    echo "valid options: --stage --stop-stage --nj --conf --tag --help"
}
while [[ $# -gt 0 ]]; do
    case "$1" in
        --stage) stage="${2:?--stage needs a value}"; shift 2 ;;
        --stop-stage|--stop_stage) stop_stage="${2:?--stop-stage needs a value}"; shift 2 ;;
        --nj) nj="${2:?--nj needs a value}"; shift 2 ;;
        --conf) conf="${2:?--conf needs a value}"; shift 2 ;;
        --tag) tag="${2?--tag needs a value}"; shift 2 ;;
        -h|--help) usage; exit 0 ;;
        *) echo "error: unknown option '$1'" >&2; usage >&2; exit 1 ;;
    esac
done
for v in stage stop_stage nj; do
    if ! [[ "${!v}" =~ ^[0-9]+$ ]]; then echo "error: --${v//_/-} must be a non-negative integer, got '${!v}'" >&2; exit 1; fi
done
if [[ ! -f "${conf}" ]]; then echo "error: config not found: ${conf} (relative to recipes/mini/)" >&2; exit 1; fi
[[ -n "${tag}" && "${tag}" != _* ]] && tag="_${tag}"

t_start=$(date +%s)
# shellcheck disable=SC1091
. ./path.sh
# shellcheck disable=SC1091
. ./cmd.sh

sfvq_exp=exp/sfvq${tag}
vq_exp=exp/vq${tag}
announce() { echo "=== stage $1: $2 (log: $3) [$(date '+%H:%M:%S')]"; }

if [[ ${stage} -le 1 && ${stop_stage} -ge 1 ]]; then
    announce 1 "data preparation" exp/log/prepare_data.log
    ${train_cmd} exp/log/prepare_data.log python local/prepare_data.py --corpus corpus --out data
    for set in train dev test heldout; do
        vc-validate-data-dir "data/${set}" >> exp/log/prepare_data.log
    done
fi

if [[ ${stage} -le 2 && ${stop_stage} -ge 2 ]]; then
    announce 2 "features" "exp/log/features_{train,dev,test,heldout}.log"
    ${feats_cmd} exp/log/features_train.log \
        vc-extract-features --data data/train --out dump/train --config "${conf}" --nj "${nj}" --no-progress
    for set in dev test heldout; do
        ${feats_cmd} "exp/log/features_${set}.log" \
            vc-extract-features --data "data/${set}" --out "dump/${set}" --config "${conf}" --nj "${nj}" \
            --stats-from dump/train --no-progress
    done
fi

train() {  # $1 exp dir, $2 quantizer name
    if [[ -f "$1/model.pt" && -f "$1/summary.json" ]]; then
        echo "$1 is already trained (delete it to retrain)"
        return 0
    fi
    ${train_cmd} "$1/train.log" vc-train --config "${conf}" --data dump/train --dev dump/dev --exp "$1" \
        --quantizer "$2" --threads 1 --resume --no-progress || return $?
    echo "$1: $(tr -d '\n ' < "$1/summary.json")"
}

# With --nj >= 2 and both training stages selected, the SFVQ model trains in the background while
# stage 4 trains the VQ baseline (one thread each: two single-thread jobs use two cores better than
# one two-thread job, especially on a shared machine).
sfvq_pid=""
if [[ ${stage} -le 3 && ${stop_stage} -ge 3 ]]; then
    announce 3 "train the SFVQ model" "${sfvq_exp}/train.log (and ${sfvq_exp}/log.jsonl, loss.png)"
    if [[ ${nj} -ge 2 && ${stop_stage} -ge 4 && ${stage} -le 4 ]]; then
        train "${sfvq_exp}" sfvq &
        sfvq_pid=$!
        echo "(running in the background, pid ${sfvq_pid}, alongside stage 4)"
    else
        train "${sfvq_exp}" sfvq
    fi
fi

if [[ ${stage} -le 4 && ${stop_stage} -ge 4 ]]; then
    announce 4 "train the VQ baseline" "${vq_exp}/train.log (and ${vq_exp}/log.jsonl, loss.png)"
    vq_status=0
    train "${vq_exp}" vq || vq_status=$?
    if [[ -n "${sfvq_pid}" ]]; then
        echo "waiting for the SFVQ training (stage 3, pid ${sfvq_pid})"
        wait "${sfvq_pid}"
    fi
    [[ ${vq_status} -eq 0 ]] || exit "${vq_status}"
fi

if [[ ${stage} -le 5 && ${stop_stage} -ge 5 ]]; then
    for exp in "${sfvq_exp}" "${vq_exp}"; do
        announce 5 "convert test utterances with ${exp}" "${exp}/convert/convert.log"
        mkdir -p "${exp}/convert"
        vc-convert --model "${exp}" --list-speakers > "${exp}/convert/speakers.txt"
        python local/make_pairs.py --data data/test --speakers "${exp}/convert/speakers.txt" \
            --per-utt "${per_utt}" --outdir "${exp}/convert" > "${exp}/convert/pairs.txt"
        ${convert_cmd} "${exp}/convert/convert.log" \
            vc-convert --model "${exp}" --batch "${exp}/convert/pairs.txt" --threads 1
        echo "${exp}/convert: $(ls "${exp}/convert" | grep -c '\.wav$') wav files"
    done
fi

if [[ ${stage} -le 6 && ${stop_stage} -ge 6 ]]; then
    announce 6 "quality and speed" "exp/log/quality${tag}.log"
    ${train_cmd} "exp/log/quality${tag}.log" python "${REPO_ROOT}/tools/mini_quality.py" \
        --data data/test --exps "${sfvq_exp}" "${vq_exp}" --out "exp/quality${tag}.json"
    ${train_cmd} "exp/log/bench_convert${tag}.log" python "${REPO_ROOT}/tools/bench_convert.py" \
        --model "${sfvq_exp}" --repeats 5
    grep -v '^#' "exp/log/quality${tag}.log"
    grep -v '^#' "exp/log/bench_convert${tag}.log"
fi

if [[ ${stage} -le 7 && ${stop_stage} -ge 7 ]]; then
    ana=exp/analysis${tag}
    announce 7 "phonetic latent analysis, SFVQ vs VQ" "exp/log/analysis${tag}.log"
    ${train_cmd} "exp/log/analysis${tag}.log" vc-analyze-latents --model "${sfvq_exp}" --compare "${vq_exp}" \
        --data data/test --out "${ana}" --textgrid-out "${ana}/textgrids" --nj "${nj}"
    cat "${ana}/metrics.md"
    echo "figures: ${ana}/*.png and ${ana}/figures.pdf; Praat tiers: ${ana}/textgrids/"

    bits=$(python -c "import yaml, sys; print(yaml.safe_load(open(sys.argv[1]))['quantizer']['bits'])" "${conf}")
    announce 7 "post-hoc SFVQ on the frozen encoder (the paper's setting)" "exp/log/fit_sfvq${tag}.log"
    ${train_cmd} "exp/log/fit_sfvq${tag}.log" vc-fit-sfvq --model "${sfvq_exp}" --data dump/train \
        --bits "${bits}" --quiet
    ${train_cmd} "exp/log/analysis_posthoc${tag}.log" vc-analyze-latents --model "${sfvq_exp}" \
        --quantizer posthoc --compare "${sfvq_exp}" --compare-quantizer joint \
        --data data/test --out "exp/analysis_posthoc${tag}" --nj "${nj}" --no-figures
    cat "exp/analysis_posthoc${tag}/metrics.md"
fi

if [[ ${stage} -le 8 && ${stop_stage} -ge 8 ]]; then
    announce 8 "objective evaluation, SFVQ vs VQ" "exp/log/evaluate${tag}.log"
    ${train_cmd} "exp/log/evaluate${tag}.log" vc-evaluate --model "${sfvq_exp}" --compare "${vq_exp}" \
        --data data/test --out "exp/eval${tag}" --pairs 100 --seed 0 --nj "${nj}" --quiet
    cat "exp/eval${tag}/summary.md"
fi

echo "done in $(( $(date +%s) - t_start )) s (stages ${stage}..${stop_stage})"
