#!/usr/bin/env bash
# The test command of the onlyoffice.docspace collection (CI runs it through .ci/run).
# It installs the pinned nox and antsibull-nox (tests/requirements-nox.txt) into
# .cache/nox-venv and runs nox: the sessions are in noxfile.py, the ansible-core
# matrix in antsibull-nox.toml.
#
# usage: scripts/test.sh [nox arguments]
#   (none)          every default session, in two nox processes side by side (tags
#                   ci-1 and ci-2), then one line per session and "N passed, M failed"
#   -l              list the sessions
#   -s NAME...      run these sessions, e.g. -s units-2.19 lint
#   -t TAG...       run the sessions with a tag: units, integration, sanity, tools,
#                   suites, core-2.19, ...
#   -R              reuse the sessions' virtual environments (faster reruns)
#   -x              stop at the first failing session (default: keep going)
#   -- ARGS         passed to the session's command (ansible-test, pytest, bench.py)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${ROOT}/.cache/nox-venv"
REQUIREMENTS="${ROOT}/tests/requirements-nox.txt"
LOGS="${ROOT}/.cache/nox-logs"

# (Re)create the nox venv when tests/requirements-nox.txt changed.
ensure_nox() {
    if [[ -x "${VENV}/bin/nox" ]] && cmp -s "${REQUIREMENTS}" "${VENV}/requirements-nox.txt"; then
        return 0
    fi
    echo "installing nox into ${VENV#"${ROOT}/"}" >&2
    rm -rf "${VENV}"
    "${NOX_PYTHON:-python3}" -m venv "${VENV}"
    # pip's output only matters when it fails
    if ! "${VENV}/bin/python" -m pip install --disable-pip-version-check -r "${REQUIREMENTS}" >"${VENV}/pip.log" 2>&1; then
        cat "${VENV}/pip.log" >&2
        return 1
    fi
    cp "${REQUIREMENTS}" "${VENV}/requirements-nox.txt"
}

# Every default session: half ci-2 in the background (its output follows at the end),
# half ci-1 in the foreground, then the summary of both reports.
run_all() {
    local status=0
    rm -rf "${LOGS}"
    mkdir -p "${LOGS}"
    "${VENV}/bin/nox" -t ci-2 --report "${LOGS}/ci-2.json" >"${LOGS}/ci-2.log" 2>&1 &
    local background=$!
    "${VENV}/bin/nox" -t ci-1 --report "${LOGS}/ci-1.json" 2>&1 | tee "${LOGS}/ci-1.log" || true
    wait "${background}" || true
    printf '\n==================== output of the second nox process (-t ci-2) ====================\n'
    cat "${LOGS}/ci-2.log"
    "${VENV}/bin/python" "${ROOT}/scripts/nox_summary.py" "${LOGS}/ci-1.json:${LOGS}/ci-1.log" \
        "${LOGS}/ci-2.json:${LOGS}/ci-2.log" || status=$?
    printf 'total time: %ss\n' "${SECONDS}"
    return "${status}"
}

main() {
    case "${1:-}" in
        -h | --help)
            sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed -e '$d' -e 's/^# \{0,1\}//'
            return 0
            ;;
    esac
    ensure_nox
    cd "${ROOT}"
    if (($# == 0)); then
        run_all
    else
        exec "${VENV}/bin/nox" "$@"
    fi
}

main "$@"
