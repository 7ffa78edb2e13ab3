#!/usr/bin/env bash
# The main job: examples/demo.yml creates, updates and deletes a throw-away API key with
# onlyoffice.docspace.docspace_api_key (changed, then ok when run again), on the portal in
# DOCSPACE_URL and DOCSPACE_API_KEY when both are set, on the bundled emulator when neither is.
# Needs only a Python 3.10-3.13: it makes its own venv under .cache/demo/.
# usage: scripts/demo.sh [ansible-playbook options, e.g. -v or --check]
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DEMO_DIR="${ROOT}/.cache/demo"
REQUESTS_PIN=requests==2.34.2 EMULATOR_PID="" RUN_DIR=""
declare -A CORE_PIN=([3.10]=2.17.14 [3.11]=2.19.14 [3.12]=2.19.14 [3.13]=2.19.14) # 2.19 needs Python 3.11+

say() { printf 'demo: %s\n' "$*" >&2; }
die() { say "ERROR: $*"; exit 1; }
cleanup() { if [[ -n "${EMULATOR_PID}" ]]; then kill "${EMULATOR_PID}" 2>/dev/null || true; fi && rm -rf "${RUN_DIR}"; }

# "X.Y PATH" of the newest Python 3.13..3.10 in pyenv's versions or on PATH (each asked its version).
find_python() {
    local version candidate root
    root="$(pyenv root 2>/dev/null || echo "${PYENV_ROOT:-${HOME}/.pyenv}")"
    for version in 3.13 3.12 3.11 3.10; do
        for candidate in "${root}/versions/${version}".*/bin/python3 "$(command -v "python${version}")" "$(command -v python3)"; do
            if [[ -x "${candidate}" && "$("${candidate}" -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null)" == "${version}" ]]; then
                echo "${version} ${candidate}" && return 0
            fi
        done
    done
    die "the demo needs Python 3.10, 3.11, 3.12 or 3.13, and found none (looked in pyenv's versions and on PATH)"
}

# The venv of that Python with its ansible-core and requests; made once.
ensure_venv() {
    local version="$1" python="$2" venv="${DEMO_DIR}/venv-py$1" core="ansible-core==${CORE_PIN[$1]}"
    if [[ "$(cat "${venv}/.pins" 2>/dev/null)" != "${core} ${REQUESTS_PIN}" ]]; then
        say "installing ${core} and ${REQUESTS_PIN} for Python ${version} into ${venv#"${ROOT}/"} (once)"
        rm -rf "${venv}" && "${python}" -m venv "${venv}"
        "${venv}/bin/python" -m pip install --disable-pip-version-check "${core}" "${REQUESTS_PIN}" >"${venv}.log" 2>&1 ||
            die "pip could not install ${core} and ${REQUESTS_PIN} (its output: ${venv#"${ROOT}/"}.log)"
        echo "${core} ${REQUESTS_PIN}" >"${venv}/.pins"
    fi
    echo "${venv}"
}

# Start the bundled emulator, wait for its ready file, and take its URL and its owner's API key.
start_emulator() {
    local python="$1" ready="${RUN_DIR}/ready.json" tries=0
    "${python}" "${ROOT}/tests/emulator/docspace_emulator.py" --port 0 --ready-file "${ready}" >"${RUN_DIR}/emulator.log" 2>&1 &
    EMULATOR_PID=$!
    until [[ -s "${ready}" ]]; do
        if ! kill -0 "${EMULATOR_PID}" 2>/dev/null || ((tries++ > 300)); then
            cat "${RUN_DIR}/emulator.log" >&2 && die "the bundled emulator did not start (its log is above)"
        fi
        sleep 0.1
    done
    read -r DOCSPACE_URL DOCSPACE_API_KEY < <("${python}" -c 'import json, sys
info = json.load(open(sys.argv[1])); print(info["url"], info["users"]["owner"]["api_key"])' "${ready}")
    export DOCSPACE_URL DOCSPACE_API_KEY
}

main() {
    local version python venv
    if [[ "${1:-}" == -h || "${1:-}" == --help ]]; then sed -n '2,6s/^# \{0,1\}//p' "${BASH_SOURCE[0]}" && return 0; fi
    [[ "${DOCSPACE_URL:+set}" == "${DOCSPACE_API_KEY:+set}" ]] ||
        die "only one of DOCSPACE_URL and DOCSPACE_API_KEY is set: set both to use your portal, or neither to use the bundled emulator"
    read -r version python < <(find_python) || exit 1
    venv="$(ensure_venv "${version}" "${python}")"
    mkdir -p "${DEMO_DIR}/collections/ansible_collections/onlyoffice" && ln -sfn "${ROOT}" "${DEMO_DIR}/collections/ansible_collections/onlyoffice/docspace"
    RUN_DIR="$(mktemp -d "${DEMO_DIR}/run.XXXXXX")" && trap cleanup EXIT
    if [[ -n "${DOCSPACE_URL:-}" ]]; then
        say "portal: ${DOCSPACE_URL} (DOCSPACE_URL and DOCSPACE_API_KEY are set)"
    else
        start_emulator "${venv}/bin/python"
        say "portal: the bundled emulator at ${DOCSPACE_URL} (DOCSPACE_URL and DOCSPACE_API_KEY are not set)"
    fi
    say "ansible-core $("${venv}/bin/python" -c 'import ansible.release as r; print(r.__version__)'), Python ${version}"
    cd "${ROOT}/examples"
    ANSIBLE_COLLECTIONS_PATH="${DEMO_DIR}/collections" "${venv}/bin/ansible-playbook" -i localhost.ini demo.yml "$@"
}

main "$@"
