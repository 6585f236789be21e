#!/usr/bin/env bash
# Stage -1: download and unpack VCTK 0.92 (CSTR, University of Edinburgh; CC BY 4.0) into DB_ROOT.
#
# Usage: local/download.sh DB_ROOT
#
# - Does nothing if DB_ROOT already holds a VCTK tree (0.92 or 0.80 layout, directly or in
#   VCTK-Corpus-0.92/ or VCTK-Corpus/).
# - Resumable: an interrupted download continues where it stopped (curl -C -).
# - Verified: the archive's SHA-256 must match before it is unpacked; a complete archive with a
#   wrong checksum is moved aside and the script fails.
# - Offline: says how to fetch the archive elsewhere and point --db-root at it.
#
# Environment overrides (for mirrors and tests): VCTK_URLS (space-separated), VCTK_SHA256, VCTK_ZIP_NAME.
set -euo pipefail

if [[ $# -ne 1 ]]; then
    echo "usage: $0 DB_ROOT" >&2
    exit 1
fi
db_root=$1
page="https://datashare.ed.ac.uk/handle/10283/3443"
urls=${VCTK_URLS:-"https://datashare.ed.ac.uk/bitstream/handle/10283/3443/VCTK-Corpus-0.92.zip https://datashare.is.ed.ac.uk/bitstream/handle/10283/3443/VCTK-Corpus-0.92.zip"}
sha256=${VCTK_SHA256:-f96258be9fdc2cbff6559541aae7ea4f59df3fcaf5cf963aae5ca647357e359c}
zip_name=${VCTK_ZIP_NAME:-VCTK-Corpus-0.92.zip}

has_tree() {
    local d
    for d in "$1" "$1/VCTK-Corpus-0.92" "$1/VCTK-Corpus"; do
        if [[ -d "$d/txt" && ( -d "$d/wav48_silence_trimmed" || -d "$d/wav48" ) ]]; then
            echo "$d"
            return 0
        fi
    done
    return 1
}

if tree=$(has_tree "${db_root}"); then
    echo "download: VCTK already present at ${tree}; nothing to do"
    exit 0
fi

offline_help() {
    cat >&2 <<EOF
download: could not download VCTK 0.92 ($1).
  This machine may be offline. To use a copy obtained elsewhere:
    1. download VCTK-Corpus-0.92.zip from ${page} (about 11 GB),
    2. unzip it, e.g. into /data/VCTK-Corpus-0.92 (it must hold wav48_silence_trimmed/, txt/, speaker-info.txt),
    3. run: bash run.sh --db-root /data/VCTK-Corpus-0.92 --stage 0
  The older 0.80 release (wav48/, txt/) works the same way.
EOF
}

mkdir -p "${db_root}"
archive="${db_root}/${zip_name}"
if [[ ! -f "${archive}.verified" ]]; then
    ok=false
    for url in ${urls}; do
        echo "download: fetching ${url} -> ${archive}.part (resumable)"
        if curl --fail --location --continue-at - --connect-timeout 20 --retry 3 --retry-delay 5 \
            --output "${archive}.part" "${url}"; then
            ok=true
            break
        fi
        echo "download: ${url} failed" >&2
    done
    if ! ${ok}; then
        offline_help "every source failed; partial data kept in ${archive}.part for resuming"
        exit 1
    fi
    echo "download: verifying SHA-256"
    got=$(sha256sum "${archive}.part" | cut -d' ' -f1)
    if [[ "${got}" != "${sha256}" ]]; then
        mv -f "${archive}.part" "${archive}.bad"
        echo "download: checksum mismatch for ${archive} (got ${got}, expected ${sha256});" \
            "the file was moved to ${archive}.bad; run stage -1 again to download it afresh" >&2
        exit 1
    fi
    mv -f "${archive}.part" "${archive}"
    touch "${archive}.verified"
fi

dest="${db_root}/VCTK-Corpus-0.92"
echo "download: unpacking ${archive} into ${dest}"
rm -rf "${dest}.tmp"
mkdir -p "${dest}.tmp"
python3 -m zipfile -e "${archive}" "${dest}.tmp"
# The archive may or may not have a top-level folder.
inner="${dest}.tmp"
if [[ ! -d "${inner}/txt" ]]; then
    for d in "${dest}.tmp"/*/; do
        if [[ -d "${d}txt" ]]; then inner=${d%/}; fi
    done
fi
if [[ ! -d "${inner}/txt" ]]; then
    echo "download: ${archive} does not contain a VCTK tree (no txt/ folder)" >&2
    exit 1
fi
rm -rf "${dest}"
mv "${inner}" "${dest}"
rm -rf "${dest}.tmp"
echo "download: VCTK 0.92 ready at ${dest}"
