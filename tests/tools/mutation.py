# Copyright (c) onlyoffice.docspace contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Mutation score of plugins/ under the unit tests (mutmut 3), per file. Prints figures; it passes or fails nothing.

usage: python tests/tools/mutation.py [--max-children N] [--keep DIR [--report]] [--only plugins/module_utils/_docspace]
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
import re
import shutil
import subprocess
import sys
import tempfile

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
COLLECTION = os.path.join('ansible_collections', 'onlyoffice', 'docspace')
# All of tests/: the unit tests import from other test folders (the fake portal takes the emulator's scope catalogue).
COPIED = ('plugins', 'tests', 'meta', 'galaxy.yml')
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
            shutil.copytree(source, os.path.join(target, item), ignore=shutil.ignore_patterns('__pycache__', '*.pyc', 'output'))
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


# Printed by this script run inside WORK (mutmut reads its configuration from the working directory on import).
DIFFS = """
import json, sys
from mutmut.mutation.diff_apply import get_diff_for_mutant
names = json.load(sys.stdin)
json.dump({name: get_diff_for_mutant(name, path=path) for name, path in names.items()}, sys.stdout)
"""
STRING = re.compile(r"'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\"")
KINDS = ('behaviour', 'wording')


def mutants(work):
    """{name: (source path relative to WORK, status)} from mutmut's .meta files."""
    found = {}
    for meta in sorted(glob.glob(os.path.join(work, 'mutants', '**', '*.py.meta'), recursive=True)):
        source = os.path.relpath(meta[:-len('.meta')], os.path.join(work, 'mutants'))
        with open(meta, encoding='utf-8') as handle:
            codes = json.load(handle).get('exit_code_by_key', {})
        found.update((name, (source, STATUS.get(code, 'suspicious'))) for name, code in codes.items())
    return found


def diffs(work, names):
    """{name: unified diff of the mutant} (mutmut show, for many mutants in one process)."""
    answer = subprocess.run([sys.executable, '-c', DIFFS], cwd=work, input=json.dumps(names), capture_output=True,
                            text=True, check=True)
    return json.loads(answer.stdout)


def kind(diff):
    """'wording' when the mutant changes only the text of messages (string literals with a space in them; a string
    without one, such as a dict key, a path or a choice, is behaviour), else 'behaviour'."""
    lines = [line for line in diff.splitlines() if line[:1] in '-+' and line[:3] not in ('---', '+++')]

    def masked(sign):
        text = '\n'.join(line[1:] for line in lines if line[0] == sign)
        return STRING.sub(lambda match: '<message>' if re.search(r'\s', match.group()) else match.group(), text)

    return 'wording' if masked('-') == masked('+') else 'behaviour'


def classify(work):
    """[(file, name, status, kind, diff)] for every mutant."""
    found = mutants(work)
    shown = diffs(work, {name: source for name, (source, _status) in found.items()})
    return [(os.path.relpath(source, COLLECTION), name, status, kind(shown[name]), shown[name])
            for name, (source, status) in sorted(found.items())]


def table(classified):
    """Per file: mutants, then killed/survived/no tests/timeout and the score of the behaviour-changing ones, and
    the score of all of them (message wording included)."""
    counts = collections.defaultdict(collections.Counter)
    for path, _name, status, what, _diff in classified:
        counts[path][status] += 1
        counts[path][(what, status)] += 1
        counts[path][what] += 1
    head = '%-45s %7s %8s %7s %8s %8s %7s %9s %7s' % (
        'file', 'mutants', 'wording', 'killed', 'survived', 'no tests', 'timeout', 'behaviour', 'all')
    lines = [head]
    for path, count in sorted(counts.items()):
        if not count['killed'] + count['survived'] + count['timeout'] + count['no tests']:
            continue  # not run (--only)
        behaviour = [count[('behaviour', status)] for status in ('killed', 'survived', 'no tests', 'timeout')]
        every = [count[status] for status in ('killed', 'survived', 'no tests', 'timeout')]
        figures = (path, count['behaviour'] + count['wording'], count['wording'], *behaviour,
                   score(behaviour[0] + behaviour[3], sum(behaviour)), score(every[0] + every[3], sum(every)))
        lines.append('%-45s %7d %8d %7d %8d %8d %7d %8s %7s' % figures)
    return lines


def score(killed, tested):
    return '%.1f%%' % (100.0 * killed / tested) if tested else '-'


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n', 1)[0])
    parser.add_argument('--max-children', type=int, default=os.cpu_count() or 2)
    parser.add_argument('--keep', help='work in this directory and keep it (mutmut browse / mutmut show NAME there)')
    parser.add_argument('--only', action='append', default=[],
                        help='mutate only this module, e.g. plugins/module_utils/_docspace (repeatable)')
    parser.add_argument('--survivors', action='append', default=[],
                        help='show the behaviour-changing surviving mutants of files whose path contains this (repeatable)')
    parser.add_argument('--report', action='store_true', help='only report the results already in --keep DIR')
    options = parser.parse_args(argv)
    work = options.keep or tempfile.mkdtemp(prefix='docspace-mutmut-')
    try:
        code = 0
        if not options.report:
            if not os.path.exists(os.path.join(work, 'setup.cfg')):
                prepare(work)
            code = run_mutmut(work, options.max_children, options.only)
        classified = classify(work)
        print('\n'.join(table(classified)))
        print('The counts after "wording" are of the behaviour-changing mutants; "wording" mutants change only message '
              'text.\nScore: (killed + timeout) / every mutant that ran or had no test to run; "no tests": no unit '
              'test runs that function.')
        for fragment in options.survivors:
            for path, name, status, what, diff in classified:
                if fragment in path and what == 'behaviour' and status in ('survived', 'no tests'):
                    print('\n# %s (%s)\n%s' % (name, status, '\n'.join(diff.splitlines()[2:])))
        return 0 if code == 0 and classified else 1
    finally:
        if not options.keep:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == '__main__':
    sys.exit(main())
