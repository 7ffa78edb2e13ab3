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
#   --key-set-only  only the docspace_api_keys figures (a 100-entry set task, one
#                task, a loop of 100; 5-10 minutes): printed, and written as a section
#                of their own into docs/performance.md with docs/performance-key-set.png
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
    make_venv "$(bench_venv_dir)" "$(find_python "$(core_python_version "${BENCH_CORE}")")" "${BENCH_CORE}" \
        "${BENCH_REQUIREMENTS}"
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
