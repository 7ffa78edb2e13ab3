# Copyright (c) onlyoffice.docspace contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Mutation score of plugins/ under the unit tests (mutmut 3), per file. Prints figures; it passes or fails nothing.

usage: python tests/tools/mutation.py [--max-children N] [--keep DIR] [--only plugins/module_utils/_docspace]
                                      [--survivors FILE_FRAGMENT]

Run it with a Python that has tests/requirements-mutation.txt and ansible-core installed (any venv of
scripts/test.sh plus `pip install -r tests/requirements-mutation.txt`).

How mutmut 3 is made to test an Ansible collection: mutmut names each mutant after the dotted path of its file below
the directory it runs in, and its trampolines record the function's __module__ at run time; the two must agree. So
the collection is copied to WORK/ansible_collections/onlyoffice/docspace, mutmut runs in WORK with
source_paths=ansible_collections/onlyoffice/docspace/plugins, and the unit tests import the mutated copy as
ansible_collections.onlyoffice.docspace (mutmut puts WORK/mutants first on sys.path). Plain pytest runs the unit
tests there, as ansible-test units would.
"""

from __future__ import annotations

import argparse
import collections
import glob
import json
import os
import shutil
import subprocess
import sys
import tempfile

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
COLLECTION = os.path.join('ansible_collections', 'onlyoffice', 'docspace')
# tests/emulator/docspace_emulator.py: the unit tests' fake portal takes the scope catalogue from it.
COPIED = ('plugins', 'tests/unit', 'tests/emulator/docspace_emulator.py', 'meta', 'galaxy.yml')
# mutmut's exit codes (mutmut.stats.status_by_exit_code)
STATUS = {0: 'survived', 1: 'killed', 3: 'killed', 5: 'no tests', 33: 'no tests', 34: 'skipped', 36: 'timeout',
          24: 'timeout', -24: 'timeout', 152: 'timeout', 255: 'timeout', None: 'not checked'}

SETUP_CFG = """[mutmut]
source_paths = {collection}/plugins
do_not_mutate = {collection}/plugins/doc_fragments/*
also_copy =
    {collection}/tests
    {collection}/meta
    {collection}/galaxy.yml
pytest_add_cli_args_test_selection = {collection}/tests/unit
pytest_add_cli_args = -p no:cacheprovider
"""


def prepare(work):
    """WORK/ansible_collections/onlyoffice/docspace: a copy of what the unit tests need; setup.cfg for mutmut."""
    target = os.path.join(work, COLLECTION)
    for item in COPIED:
        source = os.path.join(REPO_ROOT, item)
        if os.path.isdir(source):
            shutil.copytree(source, os.path.join(target, item), ignore=shutil.ignore_patterns('__pycache__', '*.pyc'))
        elif os.path.exists(source):
            os.makedirs(os.path.dirname(os.path.join(target, item)), exist_ok=True)
            shutil.copy(source, os.path.join(target, item))
    with open(os.path.join(work, 'setup.cfg'), 'w', encoding='utf-8') as config:
        config.write(SETUP_CFG.format(collection=COLLECTION.replace(os.sep, '/')))


def run_mutmut(work, max_children, only=()):
    env = dict(os.environ, PYTHONDONTWRITEBYTECODE='1')
    for name in list(env):
        if name.startswith('DOCSPACE_'):
            del env[name]
    command = [sys.executable, '-m', 'mutmut', 'run', '--max-children', str(max_children)]
    command += ['%s.%s.*' % (COLLECTION.replace(os.sep, '.'), os.path.splitext(name)[0].replace('/', '.')) for name in only]
    return subprocess.run(command, cwd=work, env=env, check=False).returncode


def results(work):
    """{file: Counter(status)} and {file: [surviving mutant names]} from mutmut's .meta files."""
    scores, survivors = {}, collections.defaultdict(list)
    for meta in sorted(glob.glob(os.path.join(work, 'mutants', '**', '*.py.meta'), recursive=True)):
        relative = os.path.relpath(meta[:-len('.meta')], os.path.join(work, 'mutants', COLLECTION))
        with open(meta, encoding='utf-8') as handle:
            codes = json.load(handle).get('exit_code_by_key', {})
        scores[relative] = collections.Counter(STATUS.get(code, 'suspicious') for code in codes.values())
        survivors[relative] = sorted(name for name, code in codes.items() if code == 0)
    return scores, survivors


def table(scores):
    lines = ['%-45s %7s %7s %8s %8s %7s %7s' % ('file', 'mutants', 'killed', 'survived', 'no tests', 'timeout', 'score')]
    for path, counts in sorted(scores.items()):
        total = sum(counts.values())
        if not total or not counts['killed'] + counts['survived'] + counts['timeout'] + counts['no tests']:
            continue  # not run (--only)
        tested = counts['killed'] + counts['survived'] + counts['timeout']
        score = 100.0 * (counts['killed'] + counts['timeout']) / tested if tested else 0.0
        figures = (path, total, counts['killed'], counts['survived'], counts['no tests'], counts['timeout'], score)
        lines.append('%-45s %7d %7d %8d %8d %7d %6.1f%%' % figures)
    return lines


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n', 1)[0])
    parser.add_argument('--max-children', type=int, default=os.cpu_count() or 2)
    parser.add_argument('--keep', help='work in this directory and keep it (mutmut browse / mutmut show NAME there)')
    parser.add_argument('--only', action='append', default=[],
                        help='mutate only this module, e.g. plugins/module_utils/_docspace (repeatable)')
    parser.add_argument('--survivors', action='append', default=[],
                        help='list the surviving mutants of files whose path contains this (repeatable)')
    options = parser.parse_args(argv)
    work = options.keep or tempfile.mkdtemp(prefix='docspace-mutmut-')
    try:
        if not os.path.exists(os.path.join(work, 'setup.cfg')):
            prepare(work)
        code = run_mutmut(work, options.max_children, options.only)
        scores, survivors = results(work)
        print('\n'.join(table(scores)))
        print('score: killed / (killed + survived), timeouts count as killed; "no tests": no unit test runs that function')
        for fragment in options.survivors:
            for path, names in sorted(survivors.items()):
                if fragment in path:
                    print('\nsurvivors in %s (mutmut show NAME in %s):' % (path, work))
                    print('\n'.join('  ' + name for name in names) or '  none')
        return 0 if code == 0 and scores else 1
    finally:
        if not options.keep:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == '__main__':
    sys.exit(main())
