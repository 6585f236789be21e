# Environment for the mini recipe: create/refresh the repository's .venv, activate it, pin threads.
# Sourced by run.sh from recipes/mini/.
_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
bash "${_root}/tools/bootstrap.sh" dev
# shellcheck disable=SC1091
source "${_root}/.venv/bin/activate"
export OMP_NUM_THREADS="${OMP_NUM_THREADS:-1}" MKL_NUM_THREADS="${MKL_NUM_THREADS:-1}"
export OPENBLAS_NUM_THREADS="${OPENBLAS_NUM_THREADS:-1}" NUMBA_NUM_THREADS="${NUMBA_NUM_THREADS:-1}"
export MPLBACKEND=Agg PYTHONUNBUFFERED=1 LC_ALL=C
export REPO_ROOT="${_root}"
unset _root
