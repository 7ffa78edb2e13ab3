#!/usr/bin/env bash
# Benchmark of the onlyoffice.docspace modules against the bundled DocSpace
# emulator (see docs/performance.md).  Not part of the test suite's pass/fail.
#
# usage: tests/benchmarks/run.sh [--quick] [bench.py options]
#   (no option)  full run: writes docs/performance.md and docs/performance-keys.png
#                (14-16 minutes on 2 cores)
#   --quick      smoke run (1 repetition, loops of 3, 10 keys; about 1 minute):
#                proves every step still works; writes its doc and plot only
#                into its work directory under .cache/bench/
#   --help       every bench.py option
#
# Makes (or reuses) its own virtual environment .cache/venvs/bench-core-2.19-py3.11
# with the ansible-core pin of scripts/lib.sh and tests/benchmarks/requirements.txt.
# Only one benchmark runs at a time (.cache/bench.lock): two would disturb each
# other's timings.
set -euo pipefail
shopt -s inherit_errexit

# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../../scripts/lib.sh"

BENCH_CORE=2.19
BENCH_REQUIREMENTS="${REPO_ROOT}/tests/benchmarks/requirements.txt"

bench_venv_dir() {
    echo "${VENVS_DIR}/bench-core-${BENCH_CORE}-py$(core_python_version "${BENCH_CORE}")"
}

# Create (or reuse, when its pins did not change) the benchmark venv; print its directory.
ensure_bench_venv() {
    local python dir stamp fingerprint
    python="$(find_python "$(core_python_version "${BENCH_CORE}")")"
    dir="$(bench_venv_dir)"
    stamp="${dir}/.requirements-stamp"
    fingerprint="$({
        echo "ansible-core==$(core_pin "${BENCH_CORE}")"
        "${python}" -c 'import sys; print(sys.version)'
        cat "${BENCH_REQUIREMENTS}"
    } | sha256sum | cut -d' ' -f1)"

    if [[ -f "${stamp}" && "$(cat "${stamp}")" == "${fingerprint}" && -x "${dir}/bin/python" ]]; then
        log "reusing venv ${dir#"${REPO_ROOT}/"} (requirements unchanged)"
        echo "${dir}"
        return 0
    fi
    log "creating venv ${dir#"${REPO_ROOT}/"} with ${python}"
    rm -rf "${dir}"
    "${python}" -m venv "${dir}" >&2
    if ! "${dir}/bin/python" -m pip install --disable-pip-version-check \
        "ansible-core==$(core_pin "${BENCH_CORE}")" -r "${BENCH_REQUIREMENTS}" >"${dir}/pip-install.log" 2>&1; then
        cat "${dir}/pip-install.log" >&2
        die "installing the benchmark requirements into ${dir#"${REPO_ROOT}/"} failed"
    fi
    echo "${fingerprint}" >"${stamp}"
    echo "${dir}"
}

main() {
    local dir lock_fd
    case "${1:-}" in
        -h | --help)
            sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed -e '$d' -e 's/^# \{0,1\}//' >&2
            ;;
    esac
    mkdir -p "${CACHE_DIR}"
    exec {lock_fd}>"${CACHE_DIR}/bench.lock"
    if ! flock --nonblock "${lock_fd}"; then
        log "another benchmark run is using .cache/bench.lock; waiting for it"
        flock "${lock_fd}"
    fi
    dir="$(ensure_bench_venv)"
    activate_venv "${dir}"
    cd "${REPO_ROOT}"
    exec python tests/benchmarks/bench.py "$@"
}

main "$@"
