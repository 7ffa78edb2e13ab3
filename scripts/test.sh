#!/usr/bin/env bash
# Run every test of the onlyoffice.docspace collection (what CI runs, through
# .ci/run) on copies of it under .cache/build/.
#
# Test matrix, for each ansible-core version, in its own virtual environment
# .cache/venvs/core-X.Y-pyA.B (controller Python A.B: see core_python_version
# in scripts/lib.sh):
#   units           ansible-test units
#   integration     ansible-test integration, against the bundled DocSpace emulator
#                   (or the real DocSpace named by DOCSPACE_URL and DOCSPACE_API_KEY
#                   when both are set)
#   sanity          ansible-test sanity (every test), then ansible-doc renders every
#                   module and its EXAMPLES pass the module's argument validation
#                   (scripts/check_module_docs.py)
#   sanity-pythons  newest ansible-core only: the compile and import sanity tests
#                   on every other Python it supports for modules (floor:
#                   tests/config.yml) that is installed here
# Collection tools, in .cache/venvs/tools-* (tests/requirements-tools.txt):
#   changelog       antsibull-changelog lint (fragments and changelogs/changelog.yaml)
#   docs            antsibull-docs lint-collection-docs --plugin-docs
#                   --check-extra-docs-refs --validate-collection-refs all, the
#                   module docs checks, ansible-lint over all modules' EXAMPLES
#   lint            ansible-lint, production profile, over every playbook and task
#                   file of the collection
#   galaxy-importer galaxy-importer over the built tarball (.ci/galaxy-importer.cfg);
#                   fails on any WARNING or ERROR it logs
# Once per run, in the venv of the first ansible-core version:
#   emulator        pytest tests/emulator (emulator tests, SDK conformance)
#   reliability     pytest tests/reliability
#   artifact        ansible-galaxy collection build, install of the tarball into an
#                   empty path, ansible-test integration run from that installed copy
#   benchmark       tests/benchmarks/run.sh --quick (proves the benchmark works)
# Every run fails on ignore or skip lists (tests/sanity/ignore-*.txt,
# .ansible-lint-ignore, skip_list/warn_list/exclude_paths, "# noqa" in YAML).
#
# The work is split into jobs (tools: changelog, docs, lint; core-X.Y: the
# matrix stages of one version; artifact: artifact, galaxy-importer; once:
# emulator, reliability, benchmark), run by --jobs parallel workers; each job
# tests its own copy of the collection (.cache/build/jobs/JOB) with its own
# ansible-test state (HOME=.cache/ansible-test-home/JOB).
# With more than one worker, a job's output is printed when it ends.
# Stops at the first failing stage (running stages of other jobs finish); the
# last line counts the stages, e.g. "stages: 38 passed, 0 failed".  Stages whose
# tests do not exist yet are reported as skipped.
#
# usage: scripts/test.sh [--quick] [--core X.Y]... [--stage NAME]... [--jobs N] [--keep-going]
#   (no option)   the whole matrix (ansible-core 2.16 2.17 2.18 2.19 2.20 2.21) and
#                 every stage, 2 workers: what CI runs
#   --quick       quick local run: ansible-core 2.19 only, the stages emulator,
#                 units, integration, sanity, changelog, docs and lint, 1 worker
#   --core X.Y    test only this ansible-core version (repeatable)
#   --stage NAME  run only this stage (repeatable; names above)
#   --jobs N      number of parallel workers (1: everything in turn, output live)
#   --keep-going  run the remaining stages after a failure (still exits non-zero)
set -euo pipefail
shopt -s inherit_errexit

# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

ALL_CORES=(2.16 2.17 2.18 2.19 2.20 2.21)
NEWEST_CORE=2.21
QUICK_CORES=(2.19)
MATRIX_STAGES=(units integration sanity sanity-pythons)
TOOL_STAGES=(changelog docs lint galaxy-importer)
ONCE_STAGES=(emulator reliability artifact benchmark)
ALL_STAGES=("${MATRIX_STAGES[@]}" "${TOOL_STAGES[@]}" "${ONCE_STAGES[@]}")
QUICK_STAGES=(emulator units integration sanity changelog docs lint)
DEFAULT_JOBS=2
GALAXY_IMPORTER_CONFIG_FILE="${REPO_ROOT}/.ci/galaxy-importer.cfg"
# every job's copy of the collection: .cache/build/jobs/JOB/ansible_collections/onlyoffice/docspace
JOBS_BUILD_ROOT="${BUILD_ROOT}/jobs"
# every job's HOME for ansible-test (its sanity venvs, caches, ~/.ansible/tmp)
JOBS_HOME_ROOT="${CACHE_DIR}/ansible-test-home"

CORES=()
STAGES=()
JOBS=""
KEEP_GOING=0
QUICK=0
BUFFERED=0
PROGRESS_FD=2
WORK_DIR=""
# set in each job (see run_job)
JOB=""
JOB_ROOT=""
JOB_DIR=""
JOB_WORK=""
STAGE_OK=0

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
                core_pin "$2" >/dev/null || die "unknown ansible-core version $2 (known: ${ALL_CORES[*]})"
                CORES+=("$2")
                shift 2
                ;;
            --stage)
                [[ $# -ge 2 && " ${ALL_STAGES[*]} " == *" $2 "* ]] || die "--stage needs one of: ${ALL_STAGES[*]}"
                STAGES+=("$2")
                shift 2
                ;;
            --jobs)
                [[ $# -ge 2 && "$2" =~ ^[1-9][0-9]*$ ]] || die "--jobs needs a positive number"
                JOBS="$2"
                shift 2
                ;;
            --quick)
                QUICK=1
                shift
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
        if ((QUICK)); then
            CORES=("${QUICK_CORES[@]}")
        else
            CORES=("${ALL_CORES[@]}")
        fi
    fi
    if ((${#STAGES[@]} == 0)); then
        if ((QUICK)); then
            STAGES=("${QUICK_STAGES[@]}")
        else
            STAGES=("${ALL_STAGES[@]}")
        fi
    fi
    if [[ -z "${JOBS}" ]]; then
        if ((QUICK)); then
            JOBS=1
        else
            JOBS=${DEFAULT_JOBS}
        fi
    fi
}

stage_selected() {
    [[ " ${STAGES[*]} " == *" $1 "* ]]
}

any_stage_selected() {
    local stage
    for stage in "$@"; do
        if stage_selected "${stage}"; then
            return 0
        fi
    done
    return 1
}

# ---------------------------------------------------------------- stage bookkeeping
# Each job appends its stages' result lines to ${WORK_DIR}/results/JOB; a
# failure (without --keep-going) leaves ${WORK_DIR}/failed, which stops every
# job before its next stage.

# A line on the terminal while the jobs' own output goes to their logs.
progress() {
    if ((BUFFERED)); then
        printf '[%s] %s\n' "$(date +%H:%M:%S)" "$*" >&"${PROGRESS_FD}"
    fi
}

# The results file of a job: the summary lists prepare, tools, the
# ansible-core versions and the once-per-run stages in that order.
results_file() {
    local order
    case "$1" in
        prepare) order=0 ;;
        tools) order=1 ;;
        core-*) order=2 ;;
        artifact) order=3 ;;
        *) order=4 ;;
    esac
    echo "${WORK_DIR}/results/${order}-$1"
}

record_result() {
    printf '%s\n' "$1" >>"$(results_file "${JOB}")"
}

stop_requested() {
    ((!KEEP_GOING)) && [[ -e "${WORK_DIR}/failed" ]]
}

print_summary() {
    local job passed failed
    banner "summary"
    for job in "${WORK_DIR}"/results/*; do
        [[ -e "${job}" ]] || continue
        cat "${job}"
    done
    passed="$(cat "${WORK_DIR}"/results/* 2>/dev/null | grep -c '^PASSED' || true)"
    failed="$(cat "${WORK_DIR}"/results/* 2>/dev/null | grep -c '^FAILED' || true)"
    printf 'total time: %ss (%s worker(s))\n' "${SECONDS}" "${JOBS}"
    printf 'stages: %d passed, %d failed\n' "${passed}" "${failed}"
    ((failed == 0))
}

# run_stage NAME COMMAND...: run one stage in a subshell with errexit in
# force, time it and record its result in STAGE_OK; after a failure, end the
# job (exit) unless --keep-going.
# Never call it in a condition (`if`, `||`, `&&`): bash would then ignore
# errexit inside the stage.
run_stage() {
    local name="$1" started status elapsed
    shift
    STAGE_OK=0
    if stop_requested; then
        exit 1
    fi
    banner "stage: ${name}"
    progress "${name}: started"
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
        record_result "$(printf 'PASSED  %-36s %5ss' "${name}" "${elapsed}")"
        log "stage ${name} passed in ${elapsed}s"
        progress "${name}: passed in ${elapsed}s"
    else
        record_result "$(printf 'FAILED  %-36s %5ss (exit %d)' "${name}" "${elapsed}" "${status}")"
        log "stage ${name} FAILED (exit ${status}) after ${elapsed}s"
        progress "${name}: FAILED (exit ${status}) after ${elapsed}s"
        if ((!KEEP_GOING)); then
            touch "${WORK_DIR}/failed"
            exit 1
        fi
    fi
}

# Skipped stages are reported but not counted.
skip_stage() {
    local name="$1" reason="$2"
    banner "stage: ${name}"
    log "skipped: ${reason}"
    progress "${name}: skipped (${reason})"
    record_result "$(printf 'SKIPPED %-36s (%s)' "${name}" "${reason}")"
}

# ---------------------------------------------------------------- checks shared by stages

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

# The collection is tested with no ignore or skip list of any tool.
require_no_ignore_lists() {
    local found=0 file
    while IFS= read -r -d '' file; do
        log "ignore file not allowed: ${file#"${BUILD_DIR}/"}"
        found=1
    done < <(find "${BUILD_DIR}" -path "${BUILD_DIR}/.git" -prune -o -path "${BUILD_DIR}/tests/output" -prune -o \
        \( -path "${BUILD_DIR}/tests/sanity/ignore-*.txt" -o -name '.ansible-lint-ignore' \) -print0)
    for file in .ansible-lint .config/ansible-lint.yml .config/ansible-lint.yaml; do
        if [[ -f "${BUILD_DIR}/${file}" ]] && grep -Eq '^[[:space:]]*(skip_list|warn_list|exclude_paths|mock_modules|mock_roles)[[:space:]]*:' "${BUILD_DIR}/${file}"; then
            log "${file}: no skip_list, warn_list, exclude_paths or mocks allowed"
            found=1
        fi
    done
    if grep -rnE --include='*.yml' --include='*.yaml' '#[[:space:]]*noqa' "${BUILD_DIR}" --exclude-dir=.git; then
        log "# noqa comments (ansible-lint skips) are not allowed"
        found=1
    fi
    ((found == 0))
}

# ---------------------------------------------------------------- stages
# Each runs in its own subshell (see run_stage), so PATH changes, cd and traps
# stay inside it.  They work in the job's copy of the collection, JOB_DIR.

stage_setup() {
    local core="$1" dir
    dir="$(ensure_venv "${core}")"
    "${dir}/bin/python" -c 'import sys, ansible.release; print("ansible-core %s, Python %s" % (ansible.release.__version__, sys.version.split()[0]))' >&2
}

stage_tools_setup() {
    local dir
    dir="$(ensure_tools_venv)"
    "${dir}/bin/python" -m pip list --disable-pip-version-check 2>/dev/null |
        grep -Ei '^(ansible-core|ansible-lint|antsibull-changelog|antsibull-docs|galaxy[-_]importer) ' >&2
}

# ansible-test with the job's own HOME (sanity venvs, get-pip stand-in,
# ~/.ansible/tmp), so that parallel jobs never share that state.
job_ansible_test() {
    HOME="${JOBS_HOME_ROOT}/${JOB}" ansible-test "$@"
}

job_install_get_pip_workaround() {
    mkdir -p "${JOBS_HOME_ROOT}/${JOB}"
    HOME="${JOBS_HOME_ROOT}/${JOB}" install_get_pip_workaround
}

# stage_pytest CORE DIR: pytest over one test directory of the job's copy
# (tests/emulator, tests/reliability); fails unless some test passed.
stage_pytest() {
    local core="$1" dir="$2"
    local log_file="${JOB_WORK}/pytest-${dir##*/}.log"
    activate_venv "$(venv_dir "${core}")"
    cd "${JOB_DIR}"
    PYTHONDONTWRITEBYTECODE=1 python -m pytest -p no:cacheprovider "${dir}" -q 2>&1 | tee "${log_file}"
    require_pytest_passes "${log_file}"
}

stage_benchmark() {
    # the benchmark makes its own venv (.cache/venvs/bench-*) and work
    # directory (.cache/bench/) in the project, which outlive this run
    "${REPO_ROOT}/tests/benchmarks/run.sh" --quick
}

# The module docs checks, with the ansible-core of the active venv.
check_module_docs() {
    ANSIBLE_COLLECTIONS_PATH="${JOB_ROOT}" python "${REPO_ROOT}/scripts/check_module_docs.py" "${JOB_DIR}" "$@"
}

stage_sanity() {
    local core="$1"
    local log_file="${JOB_WORK}/sanity.log"
    activate_venv "$(venv_dir "${core}")"
    job_install_get_pip_workaround
    cd "${JOB_DIR}"
    job_ansible_test sanity --color no --python "$(core_python_version "${core}")" 2>&1 | tee "${log_file}"
    require_no_skipped_sanity_tests "${log_file}"
    banner "ansible-doc (ansible-core ${core})"
    check_module_docs
}

# compile and import on the other Pythons: the bin directory of each goes on
# PATH right after the venv's (before pyenv's shims, which fail for versions
# other than the global one), so that ansible-test finds pythonX.Y.
stage_sanity_pythons() {
    local core="$1" version python own python_dirs=""
    local -a versions=()
    activate_venv "$(venv_dir "${core}")"
    job_install_get_pip_workaround
    own="$(core_python_version "${core}")"
    while IFS= read -r version; do
        if [[ "${version}" == "${own}" ]]; then
            continue
        fi
        if ! python="$(locate_python "${version}")"; then
            log "Python ${version} (supported by ansible-core ${core}) is not installed here: not tested"
            continue
        fi
        python_dirs+="$(dirname "${python}"):"
        versions+=("${version}")
    done < <(module_python_versions "${JOB_DIR}/tests/config.yml")
    export PATH="${VIRTUAL_ENV}/bin:${python_dirs}${PATH}"
    hash -r
    ((${#versions[@]})) || die "no other Python supported by ansible-core ${core} is installed"
    log "compile and import sanity tests on Python ${versions[*]} (full sanity ran on ${own})"
    cd "${JOB_DIR}"
    for version in "${versions[@]}"; do
        banner "compile, import: Python ${version}"
        job_ansible_test sanity --color no --test compile --test import --python "${version}" 2>&1 |
            tee "${JOB_WORK}/sanity-py${version}.log"
        require_no_skipped_sanity_tests "${JOB_WORK}/sanity-py${version}.log"
    done
}

stage_units() {
    local core="$1"
    local log_file="${JOB_WORK}/units.log"
    activate_venv "$(venv_dir "${core}")"
    cd "${JOB_DIR}"
    job_ansible_test units --color no --python "$(core_python_version "${core}")" 2>&1 | tee "${log_file}"
    require_pytest_passes "${log_file}"
}

# run_integration CORE COLLECTION_DIR: ansible-test integration in a
# collection directory, with the emulator unless a real DocSpace is given.
run_integration() {
    local core="$1" collection_dir="$2"
    local -a emulator_args=()
    trap stop_emulator EXIT
    if use_real_docspace; then
        log "integration against the real DocSpace at ${DOCSPACE_URL}"
    else
        start_emulator "${JOB_WORK}"
        emulator_args=(--emulator-ready-file "${EMULATOR_READY_FILE}")
    fi
    python "${REPO_ROOT}/scripts/write_integration_config.py" \
        "${collection_dir}/tests/integration/integration_config.yml" "${emulator_args[@]}"
    cd "${collection_dir}"
    job_ansible_test integration --color no --python "$(core_python_version "${core}")"
}

stage_integration() {
    local core="$1"
    activate_venv "$(venv_dir "${core}")"
    run_integration "${core}" "${JOB_DIR}"
}

# The tarball that ansible-galaxy collection build makes of a pristine copy
# of the collection, made once per run (with the active venv's
# ansible-galaxy); print its path.
ensure_artifact() {
    local out="${WORK_DIR}/artifact" source="${WORK_DIR}/artifact-source" tarball lock_fd
    exec {lock_fd}>"${WORK_DIR}/artifact.lock"
    flock "${lock_fd}"
    tarball="$(find "${out}" -maxdepth 1 -name '*.tar.gz' -print -quit 2>/dev/null || true)"
    if [[ -z "${tarball}" ]]; then
        rm -rf "${out}" "${source}"
        export_collection "${source}"
        mkdir -p "${out}"
        ansible-galaxy collection build --output-path "${out}" "${source}" >&2
        tarball="$(find "${out}" -maxdepth 1 -name '*.tar.gz' -print -quit)"
        [[ -n "${tarball}" ]] || die "ansible-galaxy collection build made no tarball"
    fi
    exec {lock_fd}>&-
    echo "${tarball}"
}

stage_artifact() {
    local core="$1" tarball installed="${JOB_WORK}/installed" collection_dir
    activate_venv "$(venv_dir "${core}")"
    tarball="$(ensure_artifact)"
    log "built ${tarball##*/}: $(tar -tzf "${tarball}" | { grep -vc '/$' || true; }) files"
    rm -rf "${installed}"
    mkdir -p "${installed}"
    ansible-galaxy collection install --offline -p "${installed}" "${tarball}" 2>&1 |
        { grep -v 'is not part of the configured Ansible collections path' || true; } >&2
    collection_dir="${installed}/ansible_collections/${COLLECTION_NAMESPACE}/${COLLECTION_NAME}"
    [[ -f "${collection_dir}/MANIFEST.json" ]] || die "the collection was not installed into ${collection_dir}"
    [[ -d "${collection_dir}/tests/integration/targets" ]] || die "the artifact has no tests/integration/targets"
    banner "ansible-test integration in the installed collection ${collection_dir}"
    run_integration "${core}" "${collection_dir}"
}

stage_changelog() {
    activate_venv "$(tools_venv_dir)"
    cd "${JOB_DIR}"
    antsibull-changelog lint
    antsibull-changelog lint-changelog-yaml changelogs/changelog.yaml
}

stage_docs() {
    local examples="${JOB_WORK}/module-examples/examples.yml"
    activate_venv "$(tools_venv_dir)"
    cd "${JOB_DIR}"
    antsibull-docs lint-collection-docs --plugin-docs --check-extra-docs-refs \
        --validate-collection-refs all "${JOB_DIR}"
    log "antsibull-docs lint-collection-docs: no problems"
    banner "ansible-doc and EXAMPLES (ansible-core ${TOOLS_CORE})"
    mkdir -p "${examples%/*}"
    check_module_docs --playbook "${examples}"
    banner "ansible-lint (production) over the modules' EXAMPLES"
    cd "${examples%/*}"
    ANSIBLE_COLLECTIONS_PATH="${JOB_ROOT}" ansible-lint --offline --profile production --strict --nocolor \
        "${examples##*/}"
}

stage_lint() {
    local log_file="${JOB_WORK}/ansible-lint.log" status=0 file missing=0
    activate_venv "$(tools_venv_dir)"
    # in the job's copy, never the project: ansible-lint may write .ansible/ where it runs
    cd "${JOB_DIR}"
    ANSIBLE_COLLECTIONS_PATH="${JOB_ROOT}" ansible-lint --offline --profile production --strict --nocolor -vv \
        >"${log_file}" 2>&1 || status=$?
    # its verdict without the debug log (which lists what it examined)
    grep -Ev '^(DEBUG|INFO) ' "${log_file}" >&2 || true
    ((status == 0)) || return "${status}"
    # every YAML file was linted, every playbook as a playbook
    while IFS= read -r -d '' file; do
        file="${file#./}"
        if [[ "${file}" == examples/* ]] && ! grep -q "Examining ${file} of type playbook" "${log_file}"; then
            log "ansible-lint did not lint ${file} as a playbook"
            missing=1
        elif ! grep -q "Examining ${file} of type" "${log_file}"; then
            log "ansible-lint did not lint ${file}"
            missing=1
        fi
    done < <(find . \( -path ./.git -o -path ./tests/output -o -path ./.ansible \) -prune -o \
        -type f \( -name '*.yml' -o -name '*.yaml' \) -print0)
    ((missing == 0)) || die "ansible-lint left files out (see above)"
    log "ansible-lint examined every YAML file ($(grep -c 'Examining .* of type playbook' "${log_file}") playbooks)"
}

stage_galaxy_importer() {
    local tarball log_file="${JOB_WORK}/galaxy-importer.log" work="${JOB_WORK}/galaxy-importer" status=0
    activate_venv "$(tools_venv_dir)"
    tarball="$(ensure_artifact)"
    mkdir -p "${work}"
    cd "${work}" # it writes importer_result.json into the current directory
    GALAXY_IMPORTER_CONFIG="${GALAXY_IMPORTER_CONFIG_FILE}" python -m galaxy_importer.main "${tarball}" \
        >"${log_file}" 2>&1 || status=$?
    cat "${log_file}" >&2
    if ((status != 0)); then
        die "galaxy-importer exited with ${status}"
    fi
    if grep -E '^(WARNING|ERROR|CRITICAL)\b' "${log_file}" >&2; then
        die "galaxy-importer reported the warnings or errors above"
    fi
    grep -q 'Importer processing completed successfully' "${log_file}" || die "galaxy-importer did not complete"
}

# ---------------------------------------------------------------- jobs

has_integration_targets() {
    [[ -n "$(find "${JOB_DIR}/tests/integration/targets" -mindepth 1 -maxdepth 1 -type d -print -quit 2>/dev/null)" ]]
}

has_tests_in() {
    [[ -n "$(find "${JOB_DIR}/$1" -name 'test_*.py' -print -quit 2>/dev/null)" ]]
}

# run_tests_stage STAGE NAME DIR COMMAND...: when STAGE is selected, run
# COMMAND as the stage NAME if DIR (in the job's copy) holds test_*.py files,
# else report NAME skipped.
run_tests_stage() {
    local stage="$1" name="$2" dir="$3"
    shift 3
    if ! stage_selected "${stage}"; then
        return 0
    fi
    if has_tests_in "${dir}"; then
        run_stage "${name}" "$@"
    else
        skip_stage "${name}" "no ${dir}/**/test_*.py"
    fi
}

# Job "core-X.Y": the matrix stages of one ansible-core version.
job_core() {
    local core="$1"
    run_stage "setup core ${core}" stage_setup "${core}"
    if ((!STAGE_OK)); then
        return 0
    fi
    run_tests_stage units "units core ${core}" tests/unit stage_units "${core}"
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
    if [[ "${core}" == "${NEWEST_CORE}" ]] && stage_selected sanity-pythons; then
        run_stage "sanity-pythons core ${core}" stage_sanity_pythons "${core}"
    fi
}

# Job "tools": the collection tools (galaxy-importer runs in job "artifact").
job_tools() {
    run_stage "setup tools" stage_tools_setup
    if ((!STAGE_OK)); then
        return 0
    fi
    if stage_selected changelog; then
        run_stage "changelog lint" stage_changelog
    fi
    if stage_selected docs; then
        run_stage "docs lint" stage_docs
    fi
    if stage_selected lint; then
        run_stage "ansible-lint" stage_lint
    fi
}

# Job "once": the once-per-run test suites, in the venv of the first
# ansible-core version (made or reused under a lock, so the job of that
# version may run at the same time).
job_once() {
    local core="${CORES[0]}"
    run_stage "setup core ${core} (once)" stage_setup "${core}"
    if ((!STAGE_OK)); then
        return 0
    fi
    run_tests_stage emulator "emulator pytest" tests/emulator stage_pytest "${core}" tests/emulator
    run_tests_stage reliability "reliability pytest" tests/reliability stage_pytest "${core}" tests/reliability
    if stage_selected benchmark; then
        if [[ -x "${REPO_ROOT}/tests/benchmarks/run.sh" ]]; then
            run_stage "benchmark-quick" stage_benchmark
        else
            skip_stage "benchmark-quick" "no tests/benchmarks/run.sh"
        fi
    fi
}

# Job "artifact": the built tarball, installed and tested (first ansible-core
# version), and galaxy-importer over it (tools venv).
job_artifact() {
    local core="${CORES[0]}"
    if stage_selected artifact; then
        run_stage "setup core ${core} (artifact)" stage_setup "${core}"
        if ((STAGE_OK)); then
            if has_integration_targets; then
                run_stage "artifact build+install+integration" stage_artifact "${core}"
            else
                skip_stage "artifact build+install+integration" "no tests/integration/targets/*"
            fi
        fi
    fi
    if stage_selected galaxy-importer; then
        run_stage "setup tools (galaxy-importer)" stage_tools_setup
        if ((STAGE_OK)); then
            run_stage "galaxy-importer" stage_galaxy_importer
        fi
    fi
}

# run_job JOB: run one job in the current (sub)shell, with its own copy of the
# collection made from the prepared one.
run_job() {
    JOB="$1"
    JOB_ROOT="${JOBS_BUILD_ROOT}/${JOB}"
    JOB_DIR="${JOB_ROOT}/ansible_collections/${COLLECTION_NAMESPACE}/${COLLECTION_NAME}"
    JOB_WORK="${WORK_DIR}/jobs/${JOB}"
    rm -rf "${JOB_ROOT}" "${JOB_WORK}"
    mkdir -p "${JOB_DIR%/*}" "${JOB_WORK}"
    cp -a "${BUILD_DIR}" "${JOB_DIR}"
    case "${JOB}" in
        tools) job_tools ;;
        once) job_once ;;
        artifact) job_artifact ;;
        core-*) job_core "${JOB#core-}" ;;
        *) die "unknown job ${JOB}" ;;
    esac
}

# The next job of the queue (empty when there is none), under a lock.
next_job() {
    local lock_fd
    exec {lock_fd}>"${WORK_DIR}/queue.lock"
    flock "${lock_fd}"
    head -n 1 "${WORK_DIR}/queue"
    sed -i 1d "${WORK_DIR}/queue"
    exec {lock_fd}>&-
}

# worker BUFFERED: take jobs from the queue until it is empty or a stage
# failed; with BUFFERED=1, a job's output goes to its log, printed (under a
# lock) when the job ends.
worker() {
    local buffered="$1" job status lock_fd
    while true; do
        job="$(next_job)"
        if [[ -z "${job}" ]] || stop_requested; then
            return 0
        fi
        progress "job ${job}: started"
        set +e
        if ((buffered)); then
            (
                set -e
                run_job "${job}"
            ) >"${WORK_DIR}/logs/${job}.log" 2>&1
            status=$?
        else
            (
                set -e
                run_job "${job}"
            )
            status=$?
        fi
        set -e
        if ((buffered)); then
            exec {lock_fd}>"${WORK_DIR}/output.lock"
            flock "${lock_fd}"
            banner "job ${job} (output)"
            cat "${WORK_DIR}/logs/${job}.log" >&2
            banner "end of job ${job}"
            exec {lock_fd}>&-
        fi
        progress "job ${job}: ended (status ${status})"
    done
}

# run_jobs JOB...: run the jobs with JOBS workers.
run_jobs() {
    local worker_count="${JOBS}" i
    local -a pids=()
    printf '%s\n' "$@" >"${WORK_DIR}/queue"
    if ((worker_count > $#)); then
        worker_count=$#
    fi
    if ((worker_count <= 1)); then
        worker 0
        return 0
    fi
    log "running ${#} jobs ($*) with ${worker_count} workers; each job's output follows when it ends"
    BUFFERED=1
    for ((i = 0; i < worker_count; i++)); do
        worker 1 &
        pids+=($!)
    done
    for i in "${pids[@]}"; do
        wait "${i}" || true
    done
}

stage_prepare() {
    build_collection
    require_no_ignore_lists
    rm -rf "${JOBS_BUILD_ROOT}"
    if stage_selected sanity; then
        ensure_shellcheck
    fi
}

main() {
    local core
    local -a jobs=()
    parse_args "$@"
    acquire_cache_lock
    WORK_DIR="$(mktemp -d "${TMPDIR:-/tmp}/docspace-test.XXXXXX")"
    # shellcheck disable=SC2064 # expand WORK_DIR now
    trap "rm -rf '${WORK_DIR}'" EXIT
    mkdir -p "${WORK_DIR}/results" "${WORK_DIR}/logs"
    exec {PROGRESS_FD}>&2
    # the jobs' ansible-test runs get their own HOME: keep sharing pip's cache
    # and finding pyenv
    export PIP_CACHE_DIR="${PIP_CACHE_DIR:-${HOME}/.cache/pip}"
    PYENV_ROOT="$(pyenv_root)"
    export PYENV_ROOT

    log "ansible-core versions: ${CORES[*]}; stages: ${STAGES[*]}; workers: ${JOBS}"
    JOB=prepare
    set +e
    (
        set -e
        run_stage "prepare" stage_prepare
    )
    set -e
    if [[ ! -s "$(results_file prepare)" ]] || grep -q '^FAILED' "$(results_file prepare)"; then
        print_summary || true
        exit 1
    fi

    # longest jobs first, the quick tools before them to fail fast
    if any_stage_selected changelog docs lint; then
        jobs+=(tools)
    fi
    if any_stage_selected "${MATRIX_STAGES[@]}"; then
        for core in "${CORES[@]}"; do
            if [[ "${core}" == "${NEWEST_CORE}" ]]; then
                jobs=("${jobs[@]}" "core-${core}")
            fi
        done
        for core in "${CORES[@]}"; do
            if [[ "${core}" != "${NEWEST_CORE}" ]]; then
                jobs+=("core-${core}")
            fi
        done
    fi
    if any_stage_selected artifact galaxy-importer; then
        jobs+=(artifact)
    fi
    if any_stage_selected emulator reliability benchmark; then
        jobs+=(once)
    fi
    run_jobs "${jobs[@]}"
    print_summary
}

main "$@"
