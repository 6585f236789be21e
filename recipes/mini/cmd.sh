# How jobs run (Kaldi style). Each *_cmd is called as: $cmd LOGFILE COMMAND [ARGS...]
# local/run_job.sh runs the command on this machine with its output in LOGFILE. To use a cluster,
# point these at a wrapper with the same calling convention (e.g. one around sbatch --wait).
export train_cmd="local/run_job.sh"
export feats_cmd="local/run_job.sh"
export convert_cmd="local/run_job.sh"
