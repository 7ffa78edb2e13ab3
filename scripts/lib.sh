# shellcheck shell=bash
# Shared helpers for scripts/test.sh and scripts/demo.sh: virtual environments,
# the build copy of the collection, the offline get-pip workaround for
# ansible-test and the DocSpace emulator.  Source it; it defines functions only
# (plus a few read-only settings) and runs nothing by itself.

COLLECTION_NAMESPACE=onlyoffice
COLLECTION_NAME=docspace

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CACHE_DIR="${REPO_ROOT}/.cache"
VENVS_DIR="${CACHE_DIR}/venvs"
BUILD_ROOT="${CACHE_DIR}/build"
BUILD_DIR="${BUILD_ROOT}/ansible_collections/${COLLECTION_NAMESPACE}/${COLLECTION_NAME}"
TEST_REQUIREMENTS="${REPO_ROOT}/tests/requirements-test.txt"
TOOLS_REQUIREMENTS="${REPO_ROOT}/tests/requirements-tools.txt"
TOOLS_CORE=2.19
TOOLS_PYTHON=3.11
EMULATOR_SCRIPT="tests/emulator/docspace_emulator.py"
EMULATOR_REQUIREMENTS="${REPO_ROOT}/tests/emulator/requirements.txt"
GET_PIP_REPLACEMENT="${REPO_ROOT}/scripts/ansible_test_get_pip.py"
EMULATOR_READY_TIMEOUT=60

EMULATOR_PID=""
EMULATOR_READY_FILE=""

# ---------------------------------------------------------------- messages

log() {
    printf '%s\n' "$*" >&2
}

banner() {
    printf '\n==================== %s ====================\n' "$*" >&2
}

die() {
    log "ERROR: $*"
    exit 1
}

# Only one test.sh/demo.sh run at a time may use .cache/ (the build copy is
# re-created by each run): wait for the others.  The lock is released when
# the script exits.
CACHE_LOCK_FD=""

acquire_cache_lock() {
    mkdir -p "${CACHE_DIR}"
    exec {CACHE_LOCK_FD}>"${CACHE_DIR}/lock"
    if ! flock --nonblock "${CACHE_LOCK_FD}"; then
        log "another scripts/test.sh or scripts/demo.sh run is using .cache/; waiting for it"
        flock "${CACHE_LOCK_FD}"
    fi
}

# ---------------------------------------------------------------- test matrix

# Exact ansible-core release tested for each supported minor version.
core_pin() {
    case "$1" in
        2.16) echo 2.16.19 ;;
        2.17) echo 2.17.14 ;;
        2.18) echo 2.18.19 ;;
        2.19) echo 2.19.14 ;;
        2.20) echo 2.20.10 ;;
        2.21) echo 2.21.5 ;;
        *) return 1 ;;
    esac
}

# Controller Python used for each ansible-core minor version: one it supports,
# chosen so that the matrix covers every controller Python installed here
# (3.10 to 3.13).
core_python_version() {
    case "$1" in
        2.16 | 2.17) echo 3.10 ;;
        2.18 | 2.19) echo 3.11 ;;
        2.20) echo 3.13 ;;
        2.21) echo 3.12 ;;
        *) return 1 ;;
    esac
}

# pyenv's root directory (where it may not be on PATH: PYENV_ROOT or ~/.pyenv).
pyenv_root() {
    pyenv root 2>/dev/null || echo "${PYENV_ROOT:-${HOME}/.pyenv}"
}

# Full path of a Python interpreter for a minor version such as 3.12: pyenv's
# build when present (its shims only work for the global version), else
# pythonX.Y from PATH; nothing (and status 1) when there is none.
locate_python() {
    local version="$1" candidate
    for candidate in "$(pyenv_root)/versions/${version}".*/bin/python3; do
        if [[ -x "${candidate}" ]]; then
            echo "${candidate}"
            return 0
        fi
    done
    candidate="$(command -v "python${version}" || true)"
    # a pyenv shim of a version that is not installed fails when run
    if [[ -n "${candidate}" ]] && "${candidate}" -c '' 2>/dev/null; then
        echo "${candidate}"
        return 0
    fi
    return 1
}

# Like locate_python, but a missing interpreter is an error.
find_python() {
    local version="$1"
    locate_python "${version}" || die "no Python ${version} found (looked in pyenv's versions and PATH)"
}

# ---------------------------------------------------------------- virtual environments

venv_dir() {
    local core="$1"
    echo "${VENVS_DIR}/core-${core}-py$(core_python_version "${core}")"
}

# Requirement files installed into every test venv (the emulator's when present).
requirement_files() {
    echo "${TEST_REQUIREMENTS}"
    if [[ -f "${EMULATOR_REQUIREMENTS}" ]]; then
        echo "${EMULATOR_REQUIREMENTS}"
    fi
}

# make_venv DIR PYTHON CORE [REQUIREMENT_FILE]...: create (or reuse, when
# nothing that determines its content changed) a venv in DIR with the
# interpreter PYTHON, the pinned ansible-core release of the minor version CORE
# and the requirement files; print DIR.
make_venv() {
    local dir="$1" python="$2" core="$3" stamp fingerprint file lock_fd
    shift 3
    local -a requirement_args=()
    for file in "$@"; do
        requirement_args+=(-r "${file}")
    done
    stamp="${dir}/.requirements-stamp"
    fingerprint="$({
        echo "ansible-core==$(core_pin "${core}")"
        "${python}" -c 'import sys; print(sys.version)'
        for file in "$@"; do
            echo "# ${file#"${REPO_ROOT}/"}"
            cat "${file}"
        done
    } | sha256sum | cut -d' ' -f1)"

    # parallel jobs of scripts/test.sh may need the same venv: one makes it
    mkdir -p "${dir%/*}"
    exec {lock_fd}>"${dir}.lock"
    flock "${lock_fd}"
    if [[ -f "${stamp}" && "$(cat "${stamp}")" == "${fingerprint}" && -x "${dir}/bin/python" ]]; then
        log "reusing venv ${dir#"${REPO_ROOT}/"} (requirements unchanged)"
        exec {lock_fd}>&-
        echo "${dir}"
        return 0
    fi

    log "creating venv ${dir#"${REPO_ROOT}/"} with ${python}"
    rm -rf "${dir}"
    "${python}" -m venv "${dir}" >&2
    # pip's output only matters when it fails
    if ! "${dir}/bin/python" -m pip install --disable-pip-version-check \
        "ansible-core==$(core_pin "${core}")" "${requirement_args[@]}" >"${dir}/pip-install.log" 2>&1; then
        cat "${dir}/pip-install.log" >&2
        die "installing the requirements into ${dir#"${REPO_ROOT}/"} failed"
    fi
    echo "${fingerprint}" >"${stamp}"
    exec {lock_fd}>&-
    echo "${dir}"
}

# Create (or reuse) the test venv of an ansible-core minor version; print its
# directory.
ensure_venv() {
    local core="$1" file
    local -a files=()
    while IFS= read -r file; do
        files+=("${file}")
    done < <(requirement_files)
    make_venv "$(venv_dir "${core}")" "$(find_python "$(core_python_version "${core}")")" "${core}" "${files[@]}"
}

# The venv of the collection tools (antsibull-docs, antsibull-changelog,
# ansible-lint, galaxy-importer) with ansible-core TOOLS_CORE beside them.
tools_venv_dir() {
    echo "${VENVS_DIR}/tools-core-${TOOLS_CORE}-py${TOOLS_PYTHON}"
}

ensure_tools_venv() {
    make_venv "$(tools_venv_dir)" "$(find_python "${TOOLS_PYTHON}")" "${TOOLS_CORE}" "${TOOLS_REQUIREMENTS}"
}

# Put a venv first on PATH so that ansible-test, ansible-playbook and
# pythonX.Y all come from it.
activate_venv() {
    local dir="$1"
    export VIRTUAL_ENV="${dir}"
    export PATH="${dir}/bin:${PATH}"
    hash -r
}

# ---------------------------------------------------------------- build copy

# export_collection DEST: copy the collection's files (tracked plus new,
# untracked-but-not-ignored ones) into the directory DEST.
export_collection() {
    local dest="$1"
    mkdir -p "${dest}"
    (
        cd "${REPO_ROOT}" || exit
        git ls-files -z --cached --others --exclude-standard |
            while IFS= read -r -d '' file; do
                # tracked files deleted in the work tree are still listed
                if [[ -e "${file}" || -L "${file}" ]]; then
                    printf '%s\0' "${file}"
                fi
            done |
            tar --create --file=- --no-recursion --null --files-from=- |
            tar --extract --file=- --directory="${dest}"
    )
}

# Copy the collection into a fresh .cache/build/ansible_collections/onlyoffice/docspace:
# tests run on exactly what would be committed, and ansible-test needs the
# collection under an ansible_collections/NAMESPACE/NAME directory.
build_collection() {
    log "copying collection into ${BUILD_DIR#"${REPO_ROOT}/"}"
    rm -rf "${BUILD_ROOT}"
    export_collection "${BUILD_DIR}"
    # ansible-test lists a collection's files with git when it finds a .git
    # directory above it (here: the project's, where .cache/ is ignored), so
    # the copy needs one of its own; untracked files count, no commit needed.
    git init --quiet "${BUILD_DIR}"
}

# ---------------------------------------------------------------- ansible-test get-pip workaround

# pip versions that the active venv's ansible-test bootstraps into the virtual
# environments it creates (all of them, whatever the Python version).
ansible_test_pip_versions() {
    python - <<'PYTHON'
import os
import re

import ansible_test

source = os.path.join(os.path.dirname(ansible_test.__file__), '_internal', 'python_requirements.py')
with open(source, encoding='utf-8') as handle:
    text = handle.read()
body = text.split('def get_venv_packages', 1)[1].split('\ndef ', 1)[0]
for version in sorted(set(re.findall(r"""pip\s*=\s*['"]([0-9][0-9.]*)['"]""", body))):
    print(version)
PYTHON
}

# Put scripts/ansible_test_get_pip.py where ansible-test looks for its cached
# get-pip.py, so that it never tries to download one.
install_get_pip_workaround() {
    local cache_dir="${HOME}/.ansible/test/cache" version found=0
    mkdir -p "${cache_dir}"
    while IFS= read -r version; do
        cp "${GET_PIP_REPLACEMENT}" "${cache_dir}/get_pip_${version//./_}.py"
        log "get-pip workaround installed for pip ${version}: ${cache_dir}/get_pip_${version//./_}.py"
        found=1
    done < <(ansible_test_pip_versions)
    [[ "${found}" == 1 ]] || die "could not find the pip version ansible-test bootstraps"
}

# Python versions (X.Y) that the active venv's ansible-test tests modules on
# and that modules.python_requires of the given tests/config.yml allows,
# oldest first, installed here or not.
module_python_versions() {
    python - "$1" <<'PYTHON'
import sys

import yaml
from ansible_test._util.target.common.constants import CONTROLLER_PYTHON_VERSIONS, REMOTE_ONLY_PYTHON_VERSIONS
from packaging.specifiers import SpecifierSet

with open(sys.argv[1], encoding='utf-8') as handle:
    config = yaml.safe_load(handle) or {}
requires = str((config.get('modules') or {}).get('python_requires') or 'default')
if requires == 'controller':
    versions = list(CONTROLLER_PYTHON_VERSIONS)
else:
    versions = list(REMOTE_ONLY_PYTHON_VERSIONS) + list(CONTROLLER_PYTHON_VERSIONS)
    if requires != 'default':
        versions = [version for version in versions if version in SpecifierSet(requires)]
print('\n'.join(versions))
PYTHON
}

# ---------------------------------------------------------------- external tools

# The shellcheck sanity test needs the shellcheck binary.
ensure_shellcheck() {
    if command -v shellcheck >/dev/null; then
        return 0
    fi
    if [[ "$(id -u)" == 0 ]] && command -v apt-get >/dev/null; then
        log "installing shellcheck (Debian package)"
        apt-get update -qq >&2
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq shellcheck >&2
        return 0
    fi
    log "WARNING: shellcheck is missing and cannot be installed here (needs root and apt-get):"
    log "         the shellcheck sanity test cannot run, so the sanity stages will fail"
}

# ---------------------------------------------------------------- DocSpace server / emulator

use_real_docspace() {
    [[ -n "${DOCSPACE_URL:-}" && -n "${DOCSPACE_API_KEY:-}" ]]
}

# Start the emulator from the build copy in the background; wait until it has
# written its ready file (atomically: write_ready_file renames a complete
# file into place).  Sets EMULATOR_PID and EMULATOR_READY_FILE.
start_emulator() {
    local work_dir="$1" deadline
    [[ -f "${BUILD_DIR}/${EMULATOR_SCRIPT}" ]] || die "${EMULATOR_SCRIPT} not found"
    EMULATOR_READY_FILE="${work_dir}/emulator-ready.json"
    rm -f "${EMULATOR_READY_FILE}"
    (
        # without the .cache lock: an emulator left behind must not block later runs
        if [[ -n "${CACHE_LOCK_FD}" ]]; then
            exec {CACHE_LOCK_FD}>&-
        fi
        exec python "${BUILD_DIR}/${EMULATOR_SCRIPT}" --port 0 --ready-file "${EMULATOR_READY_FILE}"
    ) >"${work_dir}/emulator.log" 2>&1 &
    EMULATOR_PID=$!
    deadline=$((SECONDS + EMULATOR_READY_TIMEOUT))
    until [[ -s "${EMULATOR_READY_FILE}" ]]; do
        if ! kill -0 "${EMULATOR_PID}" 2>/dev/null; then
            cat "${work_dir}/emulator.log" >&2
            EMULATOR_PID=""
            die "the emulator exited before it was ready"
        fi
        if ((SECONDS >= deadline)); then
            cat "${work_dir}/emulator.log" >&2
            die "the emulator was not ready after ${EMULATOR_READY_TIMEOUT}s"
        fi
        sleep 0.2
    done
    log "emulator running (pid ${EMULATOR_PID}) at $(emulator_field url)"
}

stop_emulator() {
    if [[ -n "${EMULATOR_PID}" ]]; then
        kill "${EMULATOR_PID}" 2>/dev/null || true
        wait "${EMULATOR_PID}" 2>/dev/null || true
        EMULATOR_PID=""
    fi
}

# A top-level string field (url, control_url) or a dotted path
# (users.owner.api_key) of the emulator's ready file.
emulator_field() {
    python - "${EMULATOR_READY_FILE}" "$1" <<'PYTHON'
import json
import sys

value = json.load(open(sys.argv[1], encoding='utf-8'))
for key in sys.argv[2].split('.'):
    value = value[key]
print(value)
PYTHON
}
