#!/usr/bin/env bash
# Run a command as one job or an array of jobs, locally or through Slurm (Kaldi's run.pl/slurm.pl idea).
#
# Usage: local/run_jobs.sh [--backend local|slurm] [--gpu N] [--cpus N] [--mem SIZE] [--time T]
#                          [--nodes N] [--slurm-opts "..."] [JOB=1:N] LOGFILE COMMAND [ARGS...]
#
# The literal string JOB in LOGFILE and in the arguments is replaced by the job index (1..N).
# local: jobs run as background processes on this machine, all at once, and are waited for.
# slurm: an array job goes through `sbatch --wait --array=1-N`, a single job through `srun`;
#        --gpu/--cpus/--mem/--time/--nodes become the matching Slurm options, --slurm-opts is
#        passed through verbatim (e.g. "--partition gpu --account proj"; default: $slurm_opts).
# Exit status is non-zero if any job failed; the failed jobs' logs are listed.
set -euo pipefail

backend=local
gpu=0
cpus=1
mem=""
time_limit=""
nodes=1
slurm_opts=${slurm_opts:-}   # default from the environment (cmd.sh exports it)
while [[ $# -gt 0 ]]; do
    case "$1" in
        --backend) backend=$2; shift 2 ;;
        --gpu) gpu=$2; shift 2 ;;
        --cpus) cpus=$2; shift 2 ;;
        --mem) mem=$2; shift 2 ;;
        --time) time_limit=$2; shift 2 ;;
        --nodes) nodes=$2; shift 2 ;;
        --slurm-opts) slurm_opts=$2; shift 2 ;;
        --*) echo "run_jobs.sh: unknown option $1 (valid: --backend --gpu --cpus --mem --time --nodes --slurm-opts)" >&2; exit 1 ;;
        *) break ;;
    esac
done

first=1
last=0
if [[ $# -gt 0 && "$1" =~ ^JOB=([0-9]+):([0-9]+)$ ]]; then
    first=${BASH_REMATCH[1]}
    last=${BASH_REMATCH[2]}
    shift
fi
if [[ $# -lt 2 ]]; then
    echo "usage: run_jobs.sh [options] [JOB=1:N] LOGFILE COMMAND [ARGS...]" >&2
    exit 1
fi
log=$1
shift
array=true
if [[ ${last} -eq 0 ]]; then
    array=false
    last=${first}
fi

# The command as one shell-quoted string (JOB still literal).
cmd=""
for arg in "$@"; do
    cmd+=" $(printf '%q' "${arg}")"
done
cmd=${cmd# }

case "${backend}" in
    local)
        pids=()
        logs=()
        for ((i = first; i <= last; i++)); do
            jlog=${log//JOB/${i}}
            jcmd=${cmd//JOB/${i}}
            mkdir -p "$(dirname "${jlog}")"
            (
                echo "# ${jcmd}"
                echo "# started at $(date)"
                set +e
                bash -c "${jcmd}"
                rc=$?
                echo "# ended at $(date) with status ${rc}"
                exit ${rc}
            ) >"${jlog}" 2>&1 &
            pids+=($!)
            logs+=("${jlog}")
        done
        failed=0
        for k in "${!pids[@]}"; do
            if ! wait "${pids[${k}]}"; then
                echo "run_jobs.sh: job failed; last lines of ${logs[${k}]}:" >&2
                tail -n 15 "${logs[${k}]}" >&2
                failed=$((failed + 1))
            fi
        done
        if [[ ${failed} -gt 0 ]]; then
            echo "run_jobs.sh: ${failed} of $((last - first + 1)) job(s) failed" >&2
            exit 1
        fi
        ;;
    slurm)
        opts=(--cpus-per-task "${cpus}" --nodes "${nodes}")
        [[ -n "${mem}" ]] && opts+=(--mem "${mem}")
        [[ -n "${time_limit}" ]] && opts+=(--time "${time_limit}")
        [[ ${gpu} -gt 0 ]] && opts+=(--gres "gpu:${gpu}")
        # shellcheck disable=SC2206  # word splitting of the pass-through options is intended
        extra=(${slurm_opts})
        mkdir -p "$(dirname "${log}")"
        if ${array}; then
            command -v sbatch >/dev/null || { echo "run_jobs.sh: sbatch not found (cmd_backend=slurm)" >&2; exit 1; }
            slog=${log//JOB/%a}
            scmd=${cmd//JOB/\$\{SLURM_ARRAY_TASK_ID\}}
            sbatch --wait --parsable --array "${first}-${last}" --job-name "$(basename "${log%%.*}")" \
                --output "${slog}" "${opts[@]}" "${extra[@]}" --export ALL --wrap "${scmd}"
        else
            command -v srun >/dev/null || { echo "run_jobs.sh: srun not found (cmd_backend=slurm)" >&2; exit 1; }
            jlog=${log//JOB/${first}}
            jcmd=${cmd//JOB/${first}}
            srun "${opts[@]}" "${extra[@]}" --export ALL bash -c "${jcmd}" >"${jlog}" 2>&1 \
                || { echo "run_jobs.sh: job failed, see ${jlog}" >&2; exit 1; }
        fi
        ;;
    *)
        echo "run_jobs.sh: unknown backend '${backend}' (valid: local slurm)" >&2
        exit 1
        ;;
esac
