#!/usr/bin/env bash
# The main job: run examples/demo.yml with the onlyoffice.docspace collection
# (ansible-core 2.19 venv under .cache/venvs/, collection from .cache/build/).
# It talks to the DocSpace named by DOCSPACE_URL and DOCSPACE_API_KEY when both
# are set, and otherwise starts the bundled DocSpace emulator and uses its
# owner's API key.
#
# usage: scripts/demo.sh [ansible-playbook options, e.g. -v or --check]
set -euo pipefail
shopt -s inherit_errexit

# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

DEMO_CORE=2.19
DEMO_PLAYBOOK="examples/demo.yml"
WORK_DIR=""

cleanup() {
    stop_emulator
    if [[ -n "${WORK_DIR}" ]]; then
        rm -rf "${WORK_DIR}"
    fi
}

# Point DOCSPACE_URL / DOCSPACE_API_KEY at the emulator unless a real
# DocSpace was given.
connect_docspace() {
    if use_real_docspace; then
        log "using the DocSpace at ${DOCSPACE_URL}"
        return 0
    fi
    start_emulator "${WORK_DIR}"
    DOCSPACE_URL="$(emulator_field url)"
    DOCSPACE_API_KEY="$(emulator_field users.owner.api_key)"
    export DOCSPACE_URL DOCSPACE_API_KEY
}

main() {
    local venv
    acquire_cache_lock
    WORK_DIR="$(mktemp -d "${TMPDIR:-/tmp}/docspace-demo.XXXXXX")"
    trap cleanup EXIT

    banner "preparing"
    venv="$(ensure_venv "${DEMO_CORE}")"
    activate_venv "${venv}"
    build_collection
    connect_docspace

    banner "ansible-playbook ${DEMO_PLAYBOOK}"
    cd "${REPO_ROOT}"
    # the demo runs on the implicit localhost: no inventory is expected, so no warning about it
    ANSIBLE_COLLECTIONS_PATH="${BUILD_ROOT}" ANSIBLE_LOCALHOST_WARNING=false ANSIBLE_INVENTORY_UNPARSED_WARNING=false \
        ansible-playbook "${DEMO_PLAYBOOK}" "$@"
}

main "$@"
