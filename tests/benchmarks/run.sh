#!/usr/bin/env bash
# Benchmark of the onlyoffice.docspace modules against the bundled DocSpace
# emulator (see docs/performance.md).  Not part of the test suite's pass/fail.
#
# usage: tests/benchmarks/run.sh [--quick] [bench.py options]
#   (no option)  full run: writes docs/performance.md and docs/performance-keys.png
#                (14-16 minutes on 2 cores)
#   --quick      smoke run (about 1 minute; the test suite's session benchmark):
#                writes its doc and plot only into its work directory under .cache/bench/
#   --key-set-only  only the docspace_api_keys figures (a 100-entry set task, one
#                task, a loop of 100; 5-10 minutes): printed, and written as a section
#                of their own into docs/performance.md with docs/performance-key-set.png
#   --help       every bench.py option
#
# Runs bench.py in the nox session "benchmark" (scripts/test.sh -s benchmark -- OPTIONS),
# whose venv holds the ansible-core of tests/requirements-tools.txt and
# tests/benchmarks/requirements.txt.
set -euo pipefail
if (($# == 0)); then
    # the session's default is --quick; a full run is bench.py with its full defaults
    set -- --doc docs/performance.md
fi
exec "$(dirname "${BASH_SOURCE[0]}")/../../scripts/test.sh" -s benchmark -- "$@"
