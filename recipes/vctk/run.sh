#!/usr/bin/env bash
# VCTK recipe: from the VCTK corpus to a trained SFVQ voice converter, phone-versus-index analysis
# and converted speech. Kaldi style: stages, data/ dump/ exp/, cmd.sh for local or Slurm jobs.
#
#   bash run.sh [--db-root DIR] [--stage N] [--stop-stage M] [--nj N] [--ngpu N] [--conf conf/X.yaml]
#               [--tag T] [--aligner auto|textgrids|mfa|builtin] [--textgrid-dir DIR] [--mic mic1|mic2]
#               [more options below; `bash run.sh --help` lists them all]
#
# Stages
#   -1  download VCTK 0.92 into --db-root (skipped if it already holds VCTK 0.92 or 0.80)
#    0  data prep: data/{train,dev,test,heldout,all} (utterances without transcripts skipped)
#    1  phone alignment into MFA-style TextGrids -> data/*/textgrid.scp
#    2  features (log-mel + log-F0) -> dump/{train,dev,test,heldout}
#    3  train the SFVQ voice converter exp/sfvq_TAG (torchrun when --ngpu > 1); VQ baseline exp/vq_TAG
#       with --baseline true
#    4  post-hoc SFVQ fit on the frozen encoder (the paper's setting)
#    5  encoding and phonetic analysis of the test set (figures, metrics.json)
#    6  conversion samples for source/target speaker pairs
#    7  objective evaluation
set -euo pipefail

# ---- options (each can be given as --name value or --name=value) ----
db_root=""                   # where VCTK is (or will be downloaded to); default WORKDIR/downloads
stage=-1
stop_stage=100
nj=4                         # parallel jobs of data-parallel stages
ngpu=0                       # 0: CPU; 1: one GPU; N > 1: torchrun --nproc_per_node N
conf=""                      # default: conf/gpu.yaml when --ngpu > 0, else conf/small.yaml
tag=""                       # experiments exp/sfvq_TAG, exp/vq_TAG (default TAG: the config's file name)
aligner=auto                 # auto | textgrids | mfa | builtin
textgrid_dir=""              # existing TextGrids (for --aligner textgrids)
mic=mic1                     # VCTK 0.92 microphone
num_heldout=2                # speakers held out of training (unseen-speaker tests)
heldout_speakers=""          # or name them: "p225,p226"
dev_per_speaker=10
test_per_speaker=10
max_utts_per_speaker=0       # 0: all (small values for quick trials)
baseline=false               # also train the plain-VQ baseline (for the analysis comparison)
posthoc_bits=8               # corners of the post-hoc SFVQ: 2^bits
torchrun_args=""             # passed to torchrun, e.g. "--nnodes 2 --rdzv-backend c10d --rdzv-endpoint HOST:29500 --rdzv-id vctk"
num_nodes=1                  # Slurm nodes for training (each runs torchrun with --torchrun-args)
convert_pairs=""             # "SRC:TGT ..." speaker pairs (default: chosen from the test and held-out speakers)
convert_utts=2               # test utterances converted per pair
eval_pairs=20                # conversion pairs drawn for the evaluation
eval_metrics=""              # vc-evaluate --metrics (empty: its default)
workdir=""                   # where data/ dump/ exp/ go (default: this recipe directory)

valid_options=(db-root stage stop-stage nj ngpu conf tag aligner textgrid-dir mic num-heldout heldout-speakers
    dev-per-speaker test-per-speaker max-utts-per-speaker baseline posthoc-bits torchrun-args num-nodes
    convert-pairs convert-utts eval-pairs eval-metrics workdir)

usage() {
    awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"
    echo "options (default):"
    local o v
    for o in "${valid_options[@]}"; do
        v=${o//-/_}
        printf '  --%-22s %s\n' "${o}" "${!v:-\"\"}"
    done
}

while [[ $# -gt 0 ]]; do
    arg=$1
    case "${arg}" in
        -h|--help) usage; exit 0 ;;
        --*=*) name=${arg%%=*}; name=${name#--}; value=${arg#*=}; shift ;;
        --*)
            name=${arg#--}
            if [[ $# -lt 2 ]]; then echo "run.sh: option --${name} needs a value" >&2; exit 1; fi
            value=$2; shift 2 ;;
        *) echo "run.sh: unexpected argument '${arg}'; options are --name value (see --help)" >&2; exit 1 ;;
    esac
    known=false
    for o in "${valid_options[@]}"; do [[ "${o}" == "${name}" ]] && known=true; done
    if ! ${known}; then
        echo "run.sh: unknown option --${name}; valid options: $(printf -- '--%s ' "${valid_options[@]}")" >&2
        exit 1
    fi
    printf -v "${name//-/_}" '%s' "${value}"
done

for v in stage stop_stage nj ngpu num_heldout dev_per_speaker test_per_speaker max_utts_per_speaker posthoc_bits \
    num_nodes convert_utts eval_pairs; do
    if ! [[ "${!v}" =~ ^-?[0-9]+$ ]]; then echo "run.sh: --${v//_/-} must be an integer, got '${!v}'" >&2; exit 1; fi
done
case "${aligner}" in auto|textgrids|mfa|builtin) ;; *)
    echo "run.sh: --aligner must be auto, textgrids, mfa or builtin, got '${aligner}'" >&2; exit 1 ;; esac
case "${mic}" in mic1|mic2) ;; *) echo "run.sh: --mic must be mic1 or mic2, got '${mic}'" >&2; exit 1 ;; esac
case "${baseline}" in true|false) ;; *) echo "run.sh: --baseline must be true or false" >&2; exit 1 ;; esac

recipe_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
abspath() { case "$1" in /*) echo "$1" ;; *) echo "${PWD}/$1" ;; esac; }
[[ -n "${textgrid_dir}" ]] && textgrid_dir=$(abspath "${textgrid_dir}")
# A relative --conf is looked up in the current directory, then in the recipe directory.
if [[ -n "${conf}" && "${conf}" != /* && ! -f "${conf}" && -f "${recipe_dir}/${conf}" ]]; then
    conf=${recipe_dir}/${conf}
fi
[[ -n "${conf}" ]] && conf=$(abspath "${conf}")
workdir=$(abspath "${workdir:-${recipe_dir}}")
db_root=$(abspath "${db_root:-${workdir}/downloads}")
cd "${recipe_dir}"
if [[ -z "${conf}" ]]; then
    if [[ ${ngpu} -gt 0 ]]; then conf=${recipe_dir}/conf/gpu.yaml; else conf=${recipe_dir}/conf/small.yaml; fi
fi
[[ -f "${conf}" ]] || { echo "run.sh: config not found: ${conf}" >&2; exit 1; }
[[ -z "${tag}" ]] && tag=$(basename "${conf%.*}")

. ./path.sh
. ./cmd.sh

data=${workdir}/data
dump=${workdir}/dump
exp=${workdir}/exp/sfvq_${tag}       # the SFVQ converter (as in the mini recipe: exp/sfvq*, exp/vq*)
vq_exp=${workdir}/exp/vq_${tag}      # the plain-VQ baseline (--baseline true)
log=${workdir}/exp/log
mkdir -p "${log}"

announce() { echo "=== stage $1: $2 $(date '+%F %T')${3:+ (log: $3)}"; }
run_stage() { [[ ${stage} -le $1 && ${stop_stage} -ge $1 ]]; }

# A --db-root that holds something other than VCTK is a mistake, not a download target.
if run_stage -1 || run_stage 0; then
    if [[ -d "${db_root}" ]] && [[ -n "$(ls -A "${db_root}")" ]] \
        && ! compgen -G "${db_root}/VCTK-Corpus-0.92.zip*" >/dev/null; then
        python local/data_prep.py --db-root "${db_root}" --out "${data}" --check >/dev/null
    fi
fi

if run_stage -1; then
    announce -1 "download VCTK 0.92 into ${db_root}"
    local/download.sh "${db_root}"
fi

if run_stage 0; then
    announce 0 "data preparation" "${log}/data_prep.log"
    python local/data_prep.py --db-root "${db_root}" --out "${data}" --mic "${mic}" \
        --num-heldout "${num_heldout}" --heldout-speakers "${heldout_speakers}" \
        --dev-per-speaker "${dev_per_speaker}" --test-per-speaker "${test_per_speaker}" \
        --max-utts-per-speaker "${max_utts_per_speaker}" 2>&1 | tee "${log}/data_prep.log"
    for d in train dev test heldout all; do
        if [[ -f "${data}/${d}/wav.scp" ]]; then vc-validate-data-dir --no-audio-check "${data}/${d}"; fi
    done
fi

sets=()
for d in train dev test heldout; do [[ -f "${data}/${d}/wav.scp" ]] && sets+=("${d}"); done

if run_stage 1; then
    chosen=${aligner}
    if [[ "${chosen}" == auto ]]; then
        if [[ -n "${textgrid_dir}" ]]; then chosen=textgrids
        elif command -v mfa >/dev/null; then chosen=mfa
        elif python -c "import pocketsphinx" 2>/dev/null; then chosen=builtin
        else
            echo "run.sh: stage 1: no aligner available: give --textgrid-dir, put Montreal Forced Aligner's 'mfa'" \
                "on the PATH, or install pocketsphinx (pip install pocketsphinx) for the built-in one" >&2
            exit 1
        fi
    fi
    announce 1 "phone alignment with '${chosen}'" "${log}/align.*.log"
    align_dir=${workdir}/exp/align
    case "${chosen}" in
        textgrids)
            [[ -n "${textgrid_dir}" ]] || { echo "run.sh: --aligner textgrids needs --textgrid-dir DIR" >&2; exit 1; }
            python local/collect_textgrids.py --data "${data}" --sets all "${sets[@]}" --out "${align_dir}" \
                --tg-dir "${textgrid_dir}"
            ;;
        mfa)
            command -v mfa >/dev/null || { echo "run.sh: --aligner mfa but 'mfa' is not on the PATH" >&2; exit 1; }
            corpus=${align_dir}/mfa_corpus
            rm -rf "${corpus}"
            mkdir -p "${corpus}"
            python - "${data}/all" "${corpus}" <<'EOF'
import os, sys
from vc.datadir import read_data_dir
d = read_data_dir(sys.argv[1])
for utt in d.utts:
    spk_dir = os.path.join(sys.argv[2], d.utt2spk[utt])
    os.makedirs(spk_dir, exist_ok=True)
    src = d.wav_path(utt).resolve()
    os.symlink(src, os.path.join(spk_dir, utt + src.suffix))
    with open(os.path.join(spk_dir, utt + ".lab"), "w", encoding="utf-8") as f:
        f.write(d.text.get(utt, "") + "\n")
EOF
            ${train_cmd} --cpus "${nj}" "${log}/align.mfa.log" \
                mfa align --clean -j "${nj}" "${corpus}" english_us_arpa english_us_arpa "${align_dir}/mfa_out"
            python local/collect_textgrids.py --data "${data}" --sets all "${sets[@]}" --out "${align_dir}" \
                --tg-dir "${align_dir}/mfa_out"
            ;;
        builtin)
            # Finished TextGrids of an earlier run with the same --nj are kept (vc-align resumes).
            nparts=$(python local/split_data.py "${data}/all" "${nj}")
            ${decode_cmd} JOB=1:"${nparts}" "${log}/align.JOB.log" \
                vc-align --data "${data}/all/split${nj}/JOB" --out "${align_dir}/jobs/JOB" --nj 1 --quiet
            job_dirs=()
            for ((j = 1; j <= nparts; j++)); do job_dirs+=("${align_dir}/jobs/${j}"); done
            python local/collect_textgrids.py --data "${data}" --sets all "${sets[@]}" --out "${align_dir}" \
                --job-dirs "${job_dirs[@]}"
            ;;
        *) echo "run.sh: unknown aligner '${chosen}'" >&2; exit 1 ;;
    esac
fi

if run_stage 2; then
    announce 2 "features" "${log}/features.*.log"
    ${train_cmd} --cpus "${nj}" "${log}/features.train.log" \
        vc-extract-features --data "${data}/train" --out "${dump}/train" --config "${conf}" --nj "${nj}" --no-progress
    for d in "${sets[@]}"; do
        [[ "${d}" == train ]] && continue
        ${train_cmd} --cpus "${nj}" "${log}/features.${d}.log" \
            vc-extract-features --data "${data}/${d}" --out "${dump}/${d}" --config "${conf}" --nj "${nj}" \
            --stats-from "${dump}/train" --no-progress
    done
    for d in "${sets[@]}"; do
        if [[ -f "${data}/${d}/textgrid.scp" ]]; then cp "${data}/${d}/textgrid.scp" "${dump}/${d}/textgrid.scp"; fi
    done
fi

train_one() {  # $1: experiment dir, $2...: extra vc-train arguments
    local expdir=$1
    shift
    if [[ -f "${expdir}/model.pt" && -f "${expdir}/summary.json" ]]; then
        echo "${expdir} is already trained (delete it to retrain)"
        return 0
    fi
    local launcher device gpu_opts=() threads=()
    if [[ ${ngpu} -gt 1 ]]; then
        # shellcheck disable=SC2206  # torchrun options are split on purpose
        launcher=(torchrun --nproc_per_node "${ngpu}" ${torchrun_args} -m vc.cli.train)
        device=cuda
    else
        launcher=(vc-train)
        if [[ ${ngpu} -eq 1 ]]; then device=cuda; else device=cpu; threads=(--threads "${nj}"); fi
    fi
    [[ ${ngpu} -gt 0 ]] && gpu_opts=(--gpu "${ngpu}")
    [[ ${num_nodes} -gt 1 ]] && gpu_opts+=(--nodes "${num_nodes}")
    ${cuda_cmd} "${gpu_opts[@]}" "${log}/train.$(basename "${expdir}").log" \
        "${launcher[@]}" --config "${conf}" --data "${dump}/train" --dev "${dump}/dev" --exp "${expdir}" \
        --device "${device}" "${threads[@]}" --resume --no-progress "$@"
}

if run_stage 3; then
    announce 3 "train sfvq_${tag} on $([[ ${ngpu} -gt 0 ]] && echo "${ngpu} GPU(s)" || echo CPU)" "${log}/train.sfvq_${tag}.log"
    train_one "${exp}"
    [[ -f "${exp}/summary.json" ]] && echo "${exp}: $(tr -d '\n ' < "${exp}/summary.json")"
    if ${baseline}; then
        announce 3 "train the VQ baseline vq_${tag}" "${log}/train.vq_${tag}.log"
        train_one "${vq_exp}" --quantizer vq
    fi
fi

if run_stage 4; then
    announce 4 "post-hoc SFVQ fit (${posthoc_bits} bits) on the frozen encoder" "${log}/fit_sfvq.sfvq_${tag}.log"
    ${train_cmd} --cpus "${nj}" "${log}/fit_sfvq.sfvq_${tag}.log" \
        vc-fit-sfvq --model "${exp}" --data "${dump}/train" --bits "${posthoc_bits}" --nj "${nj}" --quiet
fi

if run_stage 5; then
    announce 5 "encoding and phonetic analysis of the test set" "${log}/{encode,analysis}.*.log"
    # Encode each model's quantizer once (latent indices, curve positions), then analyse the encodings.
    encode() {  # $1 model dir, $2 quantizer (joint|posthoc), $3 output dir
        ${train_cmd} --cpus "${nj}" "${log}/encode.$(basename "$1").$2.log" \
            vc-encode --model "$1" --data "${dump}/test" --out "$3" --quantizer "$2" --save-z --nj "${nj}"
    }
    encode "${exp}" joint "${exp}/encode/test"
    compare=()
    if [[ -f "${vq_exp}/model.pt" ]]; then
        encode "${vq_exp}" joint "${vq_exp}/encode/test"
        compare=(--compare "${vq_exp}/encode/test")
    fi
    ${train_cmd} --cpus "${nj}" "${log}/analysis.sfvq_${tag}.joint.log" \
        vc-analyze-latents --model "${exp}/encode/test" --data "${dump}/test" --out "${exp}/analysis/joint" \
        "${compare[@]}" --nj "${nj}"
    if [[ -f "${exp}/posthoc_sfvq.pt" ]]; then
        # The paper's setting (SFVQ fitted on the frozen encoder) beside the jointly trained curve.
        encode "${exp}" posthoc "${exp}/encode/test_posthoc"
        ${train_cmd} --cpus "${nj}" "${log}/analysis.sfvq_${tag}.posthoc.log" \
            vc-analyze-latents --model "${exp}/encode/test_posthoc" --compare "${exp}/encode/test" \
            --data "${dump}/test" --out "${exp}/analysis/posthoc" --nj "${nj}"
    fi
    for f in "${exp}"/analysis/*/metrics.md; do
        if [[ -f "${f}" ]]; then echo "--- ${f}"; grep '^|' "${f}"; fi
    done
fi

if run_stage 6; then
    announce 6 "conversion samples" "${log}/convert.sfvq_${tag}.log"
    python local/convert_pairs.py --data "${data}" --out "${exp}/convert" --pairs "${convert_pairs}" \
        --utts-per-pair "${convert_utts}"
    ${decode_cmd} "${log}/convert.sfvq_${tag}.log" vc-convert --model "${exp}" --batch "${exp}/convert/pairs.txt"
    echo "converted speech: $(find "${exp}/convert" -name '*.wav' | wc -l) wavs in ${exp}/convert"
fi

if run_stage 7; then
    announce 7 "objective evaluation" "${log}/evaluate.sfvq_${tag}.log"
    compare=()
    [[ -f "${vq_exp}/model.pt" ]] && compare=(--compare "${vq_exp}")
    metrics=()
    [[ -n "${eval_metrics}" ]] && metrics=(--metrics "${eval_metrics}")
    ${train_cmd} "${log}/evaluate.sfvq_${tag}.log" \
        vc-evaluate --model "${exp}" --data "${data}/test" --out "${exp}/eval" --pairs "${eval_pairs}" \
        "${compare[@]}" "${metrics[@]}" --quiet
    tail -n 30 "${log}/evaluate.sfvq_${tag}.log"
fi

echo "run.sh: finished stages ${stage}..${stop_stage} (work in ${workdir})"
