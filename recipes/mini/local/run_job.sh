#!/usr/bin/env bash
# Run one job locally with its output in a log file (Kaldi run.pl's calling convention, one job).
# Usage: local/run_job.sh LOGFILE COMMAND [ARGS...]
# The log starts with the command line and ends with the exit status and time taken; on failure
# the last lines of the log are printed.
set -euo pipefail
if [[ $# -lt 2 ]]; then
    echo "usage: $0 LOGFILE COMMAND [ARGS...]" >&2
    exit 2
fi
log="$1"
shift
mkdir -p "$(dirname "${log}")"
start=$(date +%s)
{
    echo "# $*"
    echo "# started $(date -u '+%Y-%m-%d %H:%M:%S UTC') on $(hostname)"
} > "${log}"
status=0
"$@" >> "${log}" 2>&1 || status=$?
end=$(date +%s)
echo "# exit status ${status}, $((end - start)) s" >> "${log}"
if [[ ${status} -ne 0 ]]; then
    echo "error: job failed (exit ${status}); last lines of ${log}:" >&2
    tail -n 15 "${log}" >&2
fi
exit ${status}
