#!/usr/bin/env bash
# Create (or refresh) the project's virtual environment in .venv at the repository root.
#
# Installs the package in editable mode with the exact pins of constraints.txt. A stamp of
# setup.cfg + constraints.txt + the extras asked for makes a second run a no-op, so tests and
# recipes can call this every time.
#
# Usage: bash tools/bootstrap.sh [EXTRAS]     e.g. EXTRAS=dev or dev,eval
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
extras="${1:-dev}"
venv="${root}/.venv"
python="${PYTHON:-python3}"

# One bootstrap at a time (tests and recipes may start together).
mkdir -p "${root}/.venv-lock" 2>/dev/null || true
exec 9>"${root}/.venv-lock/lock"
flock 9

if [[ ! -x "${venv}/bin/python" ]]; then
    echo "bootstrap: creating ${venv}" >&2
    "${python}" -m venv "${venv}"
fi

stamp="${venv}/.sfvq-vc-stamp"
want="$(cat "${root}/setup.cfg" "${root}/constraints.txt" | sha256sum | cut -d' ' -f1) ${extras}"
if [[ -f "${stamp}" ]] && [[ "$(cat "${stamp}")" == "${want}" ]]; then
    exit 0
fi

echo "bootstrap: installing sfvq-vc[${extras}] into ${venv} (pinned by constraints.txt)" >&2
# torch first and on its own: the exact pin resolves to the local CPU wheel, never a CUDA build.
"${venv}/bin/python" -m pip install --quiet --disable-pip-version-check \
    -c "${root}/constraints.txt" "torch==2.13.0"
"${venv}/bin/python" -m pip install --quiet --disable-pip-version-check \
    -c "${root}/constraints.txt" -e "${root}[${extras}]"
if [[ ",${extras}," == *",dev,"* || ",${extras}," == *",eval,"* ]]; then
    # Speaker similarity: Resemblyzer's own metadata asks for the `typing` backport, which must not
    # shadow the standard library; everything it really needs comes with the eval extra.
    "${venv}/bin/python" -m pip install --quiet --disable-pip-version-check --no-deps \
        -c "${root}/constraints.txt" resemblyzer
fi
echo "${want}" > "${stamp}"
