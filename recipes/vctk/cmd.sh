# How the recipe's jobs run (sourced by run.sh). Kaldi/ESPnet style: pick a backend here or with
# the environment variable cmd_backend.
#
#   local  (default) jobs are processes on this machine; --nj of them run at once.
#   slurm  data-parallel stages become Slurm array jobs (sbatch --wait --array), single jobs go
#          through srun. Put site options (partition, account, QoS) in slurm_opts.
#
# Each *_cmd is used as:  ${train_cmd} [JOB=1:N] LOGFILE COMMAND ARGS...
# (JOB in LOGFILE and ARGS becomes the job index).

cmd_backend=${cmd_backend:-local}
export slurm_opts=${slurm_opts:-}   # e.g. "--partition gpu --account myproj" (read by local/run_jobs.sh)

case "${cmd_backend}" in
    local)
        export train_cmd="local/run_jobs.sh --backend local"
        export decode_cmd="local/run_jobs.sh --backend local"
        export cuda_cmd="local/run_jobs.sh --backend local"
        ;;
    slurm)
        # CPU jobs (data prep, alignment, features, encoding, analysis, conversion).
        export train_cmd="local/run_jobs.sh --backend slurm --cpus 1 --mem 4G --time 4:00:00"
        export decode_cmd="${train_cmd}"
        # GPU training: run.sh adds --gpu NGPU (and --nodes for multi-node torchrun).
        export cuda_cmd="local/run_jobs.sh --backend slurm --cpus 8 --mem 32G --time 48:00:00"
        ;;
    *)
        echo "cmd.sh: unknown cmd_backend '${cmd_backend}' (valid: local slurm)" >&2
        return 1
        ;;
esac
