#!/usr/bin/env bash
# Set up .venv (if needed), lint (ruff), and run the test suite on one torch thread.
#
# Usage: bash tests/run.sh [PYTEST ARGS...]
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bash "${root}/tools/bootstrap.sh" dev

export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 NUMBA_NUM_THREADS=1
export MPLBACKEND=Agg PYTHONHASHSEED=0
cd "${root}"
"${root}/.venv/bin/ruff" check --quiet sfvq vc tools tests recipes
exec "${root}/.venv/bin/python" -m pytest "$@"
