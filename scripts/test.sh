#!/usr/bin/env bash
# Run every test of the onlyoffice.docspace collection:
#   emulator     pytest on tests/emulator/ (emulator tests, SDK conformance), once
#   units        ansible-test units        } for each ansible-core version of the
#   integration  ansible-test integration  } matrix, each in its own virtual
#   sanity       ansible-test sanity       } environment under .cache/venvs/
# on a copy of the collection in .cache/build/ansible_collections/onlyoffice/docspace.
# Integration tests run against the bundled DocSpace emulator, or against the
# real DocSpace named by DOCSPACE_URL and DOCSPACE_API_KEY when both are set.
#
# Stops at the first failing stage; the last line counts the stages, e.g.
# "stages: 8 passed, 0 failed".
#
# usage: scripts/test.sh [--core X.Y]... [--stage NAME]... [--keep-going]
#   --core X.Y    test only this ansible-core version (repeatable; default 2.19 and 2.21;
#                 also known: 2.16 2.17 2.18 2.20)
#   --stage NAME  run only this stage: emulator, units, integration or sanity (repeatable)
#   --keep-going  run the remaining stages after a failure (still exits non-zero)
set -euo pipefail
shopt -s inherit_errexit

# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

DEFAULT_CORES=(2.19 2.21)
ALL_STAGES=(emulator units integration sanity)

CORES=()
STAGES=()
STAGE_RESULTS=()
STAGES_PASSED=0
STAGES_FAILED=0
KEEP_GOING=0
STAGE_OK=0
WORK_DIR=""

# usage EXIT_CODE: print the comment above; to stderr when it is an error.
usage() {
    local text
    text="$(sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed -e '$d' -e 's/^# \{0,1\}//')"
    if (($1 == 0)); then
        printf '%s\n' "${text}"
    else
        log "${text}"
    fi
    exit "$1"
}

parse_args() {
    while (($#)); do
        case "$1" in
            --core)
                [[ $# -ge 2 ]] || usage 2
                core_pin "$2" >/dev/null || die "unknown ansible-core version $2"
                CORES+=("$2")
                shift 2
                ;;
            --stage)
                [[ $# -ge 2 && " ${ALL_STAGES[*]} " == *" $2 "* ]] || die "--stage needs one of: ${ALL_STAGES[*]}"
                STAGES+=("$2")
                shift 2
                ;;
            --keep-going)
                KEEP_GOING=1
                shift
                ;;
            -h | --help) usage 0 ;;
            *)
                log "unknown argument: $1"
                usage 2
                ;;
        esac
    done
    if ((${#CORES[@]} == 0)); then
        CORES=("${DEFAULT_CORES[@]}")
    fi
    if ((${#STAGES[@]} == 0)); then
        STAGES=("${ALL_STAGES[@]}")
    fi
}

stage_selected() {
    [[ " ${STAGES[*]} " == *" $1 "* ]]
}

# ---------------------------------------------------------------- stage bookkeeping

print_summary() {
    local line
    banner "summary"
    for line in "${STAGE_RESULTS[@]}"; do
        printf '%s\n' "${line}"
    done
    printf 'stages: %d passed, %d failed\n' "${STAGES_PASSED}" "${STAGES_FAILED}"
}

# run_stage NAME COMMAND...: run one stage in a subshell with errexit in
# force, time it and record its result in STAGE_OK; stop everything at the
# first failure unless --keep-going.
# Never call it in a condition (`if`, `||`, `&&`): bash would then ignore
# errexit inside the stage.
run_stage() {
    local name="$1" started status elapsed
    shift
    banner "stage: ${name}"
    started=${SECONDS}
    set +e
    (
        set -e
        "$@"
    )
    status=$?
    set -e
    elapsed=$((SECONDS - started))
    if ((status == 0)); then
        STAGE_OK=1
        STAGES_PASSED=$((STAGES_PASSED + 1))
        STAGE_RESULTS+=("$(printf 'PASSED  %-28s %5ss' "${name}" "${elapsed}")")
        log "stage ${name} passed in ${elapsed}s"
    else
        STAGE_OK=0
        STAGES_FAILED=$((STAGES_FAILED + 1))
        STAGE_RESULTS+=("$(printf 'FAILED  %-28s %5ss (exit %d)' "${name}" "${elapsed}" "${status}")")
        log "stage ${name} FAILED (exit ${status}) after ${elapsed}s"
        if ((KEEP_GOING)); then
            return 0
        fi
        print_summary
        exit 1
    fi
}

# Skipped stages are reported but not counted.
skip_stage() {
    local name="$1" reason="$2"
    banner "stage: ${name}"
    log "skipped: ${reason}"
    STAGE_RESULTS+=("$(printf 'SKIPPED %-28s (%s)' "${name}" "${reason}")")
}

# ---------------------------------------------------------------- stages
# Each runs in its own subshell (see run_stage), so PATH changes, cd and traps
# stay inside it.

stage_prepare() {
    build_collection
    if stage_selected sanity; then
        ensure_shellcheck
    fi
}

stage_setup() {
    local core="$1" dir
    dir="$(ensure_venv "${core}")"
    "${dir}/bin/python" -c 'import sys, ansible.release; print("ansible-core %s, Python %s" % (ansible.release.__version__, sys.version.split()[0]))' >&2
}

stage_emulator_pytest() {
    local core="$1" status=0
    activate_venv "$(venv_dir "${core}")"
    cd "${BUILD_DIR}"
    PYTHONDONTWRITEBYTECODE=1 python -m pytest -p no:cacheprovider tests/emulator || status=$?
    if ((status == 5)); then
        log "pytest collected no tests in tests/emulator/ although test files exist"
    fi
    return "${status}"
}

# Fail when a log shows that tests existed but none of them ran.
require_pytest_passes() {
    local log_file="$1"
    if ! grep -Eq '[0-9]+ passed' "${log_file}"; then
        log "tests exist but pytest reported none passed"
        return 1
    fi
}

# Fail when ansible-test skipped a sanity test for a missing tool or Python
# (tests skipped because no file applies to them are fine).
require_no_skipped_sanity_tests() {
    local log_file="$1"
    if grep -E 'Skipping sanity test|Required program .* not found' "${log_file}"; then
        log "some sanity tests did not run (see above)"
        return 1
    fi
}

stage_sanity() {
    local core="$1"
    local log_file="${WORK_DIR}/sanity-${core}.log"
    activate_venv "$(venv_dir "${core}")"
    install_get_pip_workaround
    cd "${BUILD_DIR}"
    ansible-test sanity --color no --python "$(core_python_version "${core}")" 2>&1 | tee "${log_file}"
    require_no_skipped_sanity_tests "${log_file}"
}

stage_units() {
    local core="$1"
    local log_file="${WORK_DIR}/units-${core}.log"
    activate_venv "$(venv_dir "${core}")"
    cd "${BUILD_DIR}"
    ansible-test units --color no --python "$(core_python_version "${core}")" 2>&1 | tee "${log_file}"
    require_pytest_passes "${log_file}"
}

write_integration_config() {
    local config="${BUILD_DIR}/tests/integration/integration_config.yml"
    if use_real_docspace; then
        log "integration against the real DocSpace at ${DOCSPACE_URL}"
        python "${REPO_ROOT}/scripts/write_integration_config.py" "${config}"
    else
        python "${REPO_ROOT}/scripts/write_integration_config.py" "${config}" \
            --emulator-ready-file "${EMULATOR_READY_FILE}"
    fi
}

stage_integration() {
    local core="$1"
    activate_venv "$(venv_dir "${core}")"
    trap stop_emulator EXIT
    if ! use_real_docspace; then
        start_emulator "${WORK_DIR}"
    fi
    write_integration_config
    cd "${BUILD_DIR}"
    ansible-test integration --color no --python "$(core_python_version "${core}")"
}

# ---------------------------------------------------------------- main

has_unit_tests() {
    [[ -n "$(find "${BUILD_DIR}/tests/unit" -name 'test_*.py' -print -quit 2>/dev/null)" ]]
}

has_integration_targets() {
    [[ -n "$(find "${BUILD_DIR}/tests/integration/targets" -mindepth 1 -maxdepth 1 -type d -print -quit 2>/dev/null)" ]]
}

has_emulator_tests() {
    [[ -n "$(find "${BUILD_DIR}/tests/emulator" -name 'test_*.py' -print -quit 2>/dev/null)" ]]
}

# The stages of one ansible-core version; the emulator's own tests run with
# the first one only.
run_core() {
    local core="$1" first="$2"
    run_stage "setup core ${core}" stage_setup "${core}"
    if ((!STAGE_OK)); then
        return 0
    fi

    if [[ "${first}" == 1 ]] && stage_selected emulator; then
        if has_emulator_tests; then
            run_stage "emulator pytest" stage_emulator_pytest "${core}"
        else
            skip_stage "emulator pytest" "no tests/emulator/test_*.py"
        fi
    fi
    if stage_selected units; then
        if has_unit_tests; then
            run_stage "units core ${core}" stage_units "${core}"
        else
            skip_stage "units core ${core}" "no tests/unit/**/test_*.py"
        fi
    fi
    if stage_selected integration; then
        if has_integration_targets; then
            run_stage "integration core ${core}" stage_integration "${core}"
        else
            skip_stage "integration core ${core}" "no tests/integration/targets/*"
        fi
    fi
    if stage_selected sanity; then
        run_stage "sanity core ${core}" stage_sanity "${core}"
    fi
}

main() {
    local core first=1
    parse_args "$@"
    acquire_cache_lock
    WORK_DIR="$(mktemp -d "${TMPDIR:-/tmp}/docspace-test.XXXXXX")"
    # shellcheck disable=SC2064 # expand WORK_DIR now
    trap "rm -rf '${WORK_DIR}'" EXIT

    log "ansible-core versions: ${CORES[*]}; stages: ${STAGES[*]}"
    run_stage "prepare" stage_prepare
    if ((!STAGE_OK)); then
        print_summary
        exit 1
    fi

    for core in "${CORES[@]}"; do
        run_core "${core}" "${first}"
        first=0
    done
    print_summary
    ((STAGES_FAILED == 0))
}

main "$@"
