#!/usr/bin/env python
# -*- coding: utf-8 -*-
# Copyright (c) onlyoffice.docspace contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Benchmark of onlyoffice.docspace.docspace_api_key against the bundled DocSpace emulator (issue 6).

Run it through tests/benchmarks/run.sh, which provides the virtual environment (ansible-core, requests, matplotlib,
pyinstrument).  It starts the emulator in this process, runs ansible-playbook against it and prints a table; the full
mode also writes docs/performance.md and docs/performance-keys.png.  Every figure is the median of several
repetitions, and the things compared run side by side, interleaved, in the same ansible-playbook run:

- per-task wall time of a no-op docspace_api_key task, of an ansible.builtin.uri PUT of the same key and of a
  docspace_api_key task that changes the key each time, each in a loop (timed by callback_plugins/bench_timer.py);
- HTTP requests per task for no-op, change, create, delete and renew (recreate: when_needed replacing a key that
  expires within renew_before_days), counted by the emulator's request log;
- the no-op/uri ratio with 10, 1,000 and 10,000 keys in the portal;
- module start-up: time to import the module's code from its AnsiballZ payload, and the payload's bytes;
- memory peak (max RSS) of the module process, at every key count;
- a pyinstrument profile of the module process at the smallest and the largest key count.

The exit status is 0 when every step ran and the tasks did what they should (no-op unchanged, change changed, ...);
missed targets are reported, not failed on.
"""

from __future__ import annotations

import argparse
import ast
import base64
import datetime
import io
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import time
import urllib.request
import zipfile

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(REPO, 'tests', 'emulator'))

import docspace_emulator  # noqa: E402  pylint: disable=wrong-import-position

MODULE = 'onlyoffice.docspace.docspace_api_key'
INFO_MODULE = 'onlyoffice.docspace.docspace_api_key_info'
URI = 'ansible.builtin.uri'
TARGET_NAME = 'bench-target'
TARGET_PERMISSIONS = ['files:read', 'rooms:read']
CHANGE_NAME = 'bench-change'
OWNER = 'owner'

KINDS = ('noop', 'uri', 'change', 'create', 'delete', 'renew')
KIND_LABELS = {
    'noop': 'docspace_api_key, no-op (key_id, nothing differs)',
    'uri': 'ansible.builtin.uri PUT of the same key',
    'change': 'docspace_api_key, change (key_id, new name each time)',
    'create': 'docspace_api_key, create (new name)',
    'delete': 'docspace_api_key, delete (key_id, state: absent)',
    'renew': 'docspace_api_key, renew (name, recreate: when_needed, key expires within renew_before_days)',
}
# What each task must report for the benchmark to measure what it says (a failed check fails the run).
EXPECTED_CHANGED = {'noop': False, 'change': True, 'create': True, 'delete': True, 'renew': True}

TARGET_NOOP_RATIO = 1.0
TARGET_CHANGE_RATIO = 1.3
TARGET_SCALE_RATIO = 1.2
TARGET_SCALE_KEYS = 10000
TARGET_REQUESTS = {'noop': ('==', 1), 'change': ('==', 2), 'create': ('<=', 3), 'delete': ('==', 2), 'renew': ('<=', 4)}
# A renewed key: a 30-day key with 2 days left, replaced with renew_before_days: 14
RENEW_LIFETIME_DAYS = 30
RENEW_DAYS_LEFT = 2
RENEW_BEFORE_DAYS = 14

FULL = dict(reps=7, loop=20, keys='10,1000,10000', module_runs=9, import_runs=9, set_reps=7)
QUICK = dict(reps=1, loop=3, keys='10', module_runs=2, import_runs=2, set_reps=1)
# The loop of SET_SIZE tasks takes a minute or more: it runs in the first rounds only (its target is far from the
# measured figure), the set task and the single task in every round.
SET_LOOP_REPS = 2
# docspace_api_keys (issue 13): one task declaring SET_SIZE keys that are already as declared, against one no-op
# docspace_api_key task and against a loop of SET_SIZE no-op docspace_api_key tasks, in a portal of its own
SET_MODULE = 'onlyoffice.docspace.docspace_api_keys'
SET_SIZE = 100
SET_PREFIX = 'bench-set-'
TARGET_SET_VS_SINGLE = 1.5
TARGET_LOOP_VS_SET = 20.0
SET_KINDS = ('set', 'single', 'loop')
SET_LABELS = {
    'set': 'docspace_api_keys, %d entries, no-op (state: replaced)' % SET_SIZE,
    'single': 'docspace_api_key, one no-op task (by name)',
    'loop': 'docspace_api_key, loop of %d no-op tasks (by name)' % SET_SIZE,
}

# create, delete and renew are timed for information only (their targets are request counts): fewer rounds
LIFECYCLE_REPS = 3

# Runs one module process and reports its wall time, CPU time and max RSS (os.wait4).  A small process of its own
# forks it: a child's max RSS counts the memory of the process it was forked from (the benchmark's holds the
# emulator and its keys), so the module must not be forked from the benchmark itself.
RUSAGE_SNIPPET = '''
import json, os, sys, time
output = os.open(sys.argv[1], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
start = time.perf_counter()
pid = os.fork()
if pid == 0:
    os.dup2(output, 1)
    os.dup2(output, 2)
    os.execv(sys.argv[2], sys.argv[2:])
_pid, status, usage = os.wait4(pid, 0)
elapsed = time.perf_counter() - start
print(json.dumps(dict(seconds=elapsed, exit=os.waitstatus_to_exitcode(status), max_rss_kib=usage.ru_maxrss,
                      cpu_seconds=usage.ru_utime + usage.ru_stime)))
'''

IMPORT_SNIPPET = '''
import importlib, sys, time
sys.path.insert(0, sys.argv[1])
start = time.perf_counter()
importlib.import_module(sys.argv[2])
print(time.perf_counter() - start)
'''

# Frames of a pyinstrument text profile whose time the doc shows (label, regular expression on the frame).
PROFILE_FRAMES = (
    ('whole module process (AnsiballZ)', r'<module>\s+\S*AnsiballZ_\w+\.py:1$'),
    ('import ansible.module_utils.basic', r'<module>\s+ansible/module_utils/basic\.py:1$'),
    ('import requests', r'<module>\s+requests/__init__\.py:1$'),
    ('GET /keys (list_keys)', r'list_keys\s+ansible_collections/.*docspace_api_key\.py:\d+$'),
    ('  waiting for the answer headers', r'HTTPResponse\.begin\s+http/client\.py:\d+$'),
    ('  reading the body', r'Response\.content\s+requests/models\.py:\d+$'),
    ('  parsing the JSON', r'parse_json\s+ansible_collections/.*_docspace\.py:\d+$'),
    ('finding the key (find_target)', r'find_target\s+ansible_collections/.*docspace_api_key\.py:\d+$'),
    ('exit_json', r'AnsibleModule\.exit_json\s+ansible/module_utils/basic\.py:\d+$'),
)


NOTES_MARKER = '<!-- results -->'


class BenchError(Exception):
    """A step of the benchmark did not work: the run fails."""


def log(message):
    sys.stderr.write('[bench %s] %s\n' % (time.strftime('%H:%M:%S'), message))
    sys.stderr.flush()


def median(values):
    return statistics.median(values) if values else float('nan')


# ---------------------------------------------------------------------------------------------------------------------
# machine


def read_file(path):
    try:
        with open(path, encoding='utf-8') as stream:
            return stream.read()
    except OSError:
        return ''


def package_version(name):
    try:
        from importlib.metadata import version
        return version(name)
    except Exception:  # pylint: disable=broad-exception-caught
        return 'not installed'


def machine_facts():
    cpuinfo = read_file('/proc/cpuinfo')
    model = re.search(r'^model name\s*:\s*(.+)$', cpuinfo, re.M)
    family = re.search(r'^cpu family\s*:\s*(\d+)$', cpuinfo, re.M)
    model_number = re.search(r'^model\s*:\s*(\d+)$', cpuinfo, re.M)
    cpu = model.group(1).strip() if model else platform.processor() or 'unknown'
    if family and model_number:
        cpu += ' (family %s, model %s)' % (family.group(1), model_number.group(1))
    virtual = ' (virtual machine)' if re.search(r'^flags\s*:.*\bhypervisor\b', cpuinfo, re.M) else ''
    meminfo = re.search(r'^MemTotal:\s*(\d+) kB', read_file('/proc/meminfo'), re.M)
    os_release = re.search(r'^PRETTY_NAME="?([^"\n]+)"?', read_file('/etc/os-release'), re.M)
    try:
        from ansible.release import __version__ as ansible_version
    except ImportError:
        ansible_version = 'not installed'
    return {
        'cpu': cpu + virtual,
        'cores': os.cpu_count(),
        'memory_gib': round(int(meminfo.group(1)) / 1024 / 1024, 1) if meminfo else None,
        'os': os_release.group(1) if os_release else platform.platform(),
        'kernel': platform.release(),
        'python': platform.python_version(),
        'ansible_core': ansible_version,
        'requests': package_version('requests'),
        'urllib3': package_version('urllib3'),
        'date': datetime.datetime.now(datetime.timezone.utc).strftime('%Y-%m-%d %H:%M UTC'),
        'load_before': [round(value, 2) for value in os.getloadavg()],
        'git_commit': git_describe(),
    }


def git_describe():
    try:
        head = subprocess.run(['git', 'rev-parse', '--short', 'HEAD'], cwd=REPO, capture_output=True, text=True,
                              check=True).stdout.strip()
        dirty = subprocess.run(['git', 'status', '--porcelain', '--', 'plugins'], cwd=REPO, capture_output=True,
                               text=True, check=True).stdout.strip()
        return head + (' + uncommitted changes in plugins/' if dirty else '')
    except (OSError, subprocess.CalledProcessError):
        return 'unknown'


# ---------------------------------------------------------------------------------------------------------------------
# emulator


class Portal:
    """The in-process emulator and the keys the benchmark works on.

    Unless keep_nagle, the emulator's connections get TCP_NODELAY, as a real portal's front end has (Kestrel and
    nginx turn it on by default).  Python's http.server leaves Nagle's algorithm on and writes the headers and the
    body of an answer in two sends; with the client's delayed ACKs, every second request on a keep-alive connection
    (the PUT after the GET of a changing task) then waits about 40 ms for nothing.
    """

    def __init__(self, keep_nagle=False):
        docspace_emulator._RequestHandler.disable_nagle_algorithm = not keep_nagle  # pylint: disable=protected-access
        self.emulator = docspace_emulator.Emulator().start()
        self.url = self.emulator.url
        self.control_url = self.emulator.control_url
        self.api_key = self.emulator.users[OWNER]['api_key']
        self.target_id = self.add_key(TARGET_NAME, TARGET_PERMISSIONS)
        self.change_id = self.add_key(CHANGE_NAME, TARGET_PERMISSIONS)

    def stop(self):
        self.emulator.stop()

    def control(self, method, path, body=None):
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(self.control_url + '/' + path, data=data, method=method,
                                         headers={'Content-Type': 'application/json'})
        with urllib.request.urlopen(request, timeout=120) as answer:
            return json.loads(answer.read() or b'null')

    def add_key(self, name, permissions, expires_at=None, create_on=None):
        spec = dict(owner=OWNER, name=name, permissions=permissions)
        if expires_at:
            spec.update(expires_at=expires_at, create_on=create_on)
        return self.control('POST', 'keys', spec)['id']

    def add_expiring_key(self, name):
        """A key of RENEW_LIFETIME_DAYS days that expires in RENEW_DAYS_LEFT days."""
        now = datetime.datetime.now(datetime.timezone.utc)
        expires = now + datetime.timedelta(days=RENEW_DAYS_LEFT)
        created = expires - datetime.timedelta(days=RENEW_LIFETIME_DAYS)
        stamp = '%Y-%m-%dT%H:%M:%S.0000000Z'
        return self.add_key(name, TARGET_PERMISSIONS, expires.strftime(stamp), created.strftime(stamp))

    def key_count(self):
        return len(self.control('GET', 'state')['keys'])

    def grow_to(self, count):
        missing = count - self.key_count()
        if missing < 0:
            raise BenchError('the portal already has more than %d keys' % count)
        if missing:
            self.control('POST', 'keys/bulk', dict(owner=OWNER, count=missing, name_prefix='bulk-'))
        if self.key_count() != count:
            raise BenchError('could not bring the portal to %d keys' % count)

    def time_list_keys(self, runs):
        """Seconds and bytes of GET /api/2.0/keys alone (the portal's share of a no-op task)."""
        times, size = [], 0
        for _run in range(runs):
            request = urllib.request.Request(self.url + '/api/2.0/keys',
                                             headers={'Authorization': 'Bearer ' + self.api_key})
            start = time.perf_counter()
            with urllib.request.urlopen(request, timeout=120) as answer:
                size = len(answer.read())
            times.append(time.perf_counter() - start)
        return median(times), size


# ---------------------------------------------------------------------------------------------------------------------
# ansible-playbook


class Ansible:
    """A work directory with an ansible.cfg, an inventory and the collection; runs playbooks."""

    def __init__(self, work_dir, portal):
        self.work_dir = work_dir
        self.portal = portal
        self.playbook_command = os.path.join(os.path.dirname(sys.executable), 'ansible-playbook')
        if not os.path.exists(self.playbook_command):
            raise BenchError('%s not found: run the benchmark with tests/benchmarks/run.sh' % self.playbook_command)
        collections = os.path.join(work_dir, 'collections')
        namespace_dir = os.path.join(collections, 'ansible_collections', 'onlyoffice')
        os.makedirs(namespace_dir, exist_ok=True)
        link = os.path.join(namespace_dir, 'docspace')
        if not os.path.islink(link):
            os.symlink(REPO, link)
        self.inventory = os.path.join(work_dir, 'inventory.ini')
        with open(self.inventory, 'w', encoding='utf-8') as stream:
            stream.write('localhost ansible_connection=local ansible_python_interpreter=%s\n' % sys.executable)
        self.config = os.path.join(work_dir, 'ansible.cfg')
        with open(self.config, 'w', encoding='utf-8') as stream:
            stream.write('\n'.join([
                '[defaults]',
                'collections_path = %s' % collections,
                'callback_plugins = %s' % os.path.join(HERE, 'callback_plugins'),
                'callbacks_enabled = bench_timer',
                'local_tmp = %s' % os.path.join(work_dir, 'local_tmp'),
                'remote_tmp = %s' % os.path.join(work_dir, 'remote_tmp'),
                'retry_files_enabled = False',
                'nocolor = True',
                'gathering = explicit',
                'forks = 1',
                '',
            ]))
        self.runs = 0

    def environment(self, extra=None):
        env = {name: value for name, value in os.environ.items() if not name.startswith(('ANSIBLE_', 'DOCSPACE_'))}
        env['ANSIBLE_CONFIG'] = self.config
        env.update(extra or {})
        return env

    def run(self, label, tasks, extra_env=None):
        """Run one play of these tasks; return the bench_timer records."""
        self.runs += 1
        stem = os.path.join(self.work_dir, '%02d-%s' % (self.runs, label))
        playbook = stem + '.yml'
        records_file = stem + '.records.jsonl'
        with open(playbook, 'w', encoding='utf-8') as stream:
            # JSON is YAML
            json.dump([dict(name=label, hosts='localhost', gather_facts=False,
                            vars=dict(portal_url=self.portal.url, portal_key=self.portal.api_key),
                            tasks=tasks)], stream, indent=1)
        env = self.environment(dict(BENCH_RECORD_FILE=records_file, BENCH_CONTROL_URL=self.portal.control_url,
                                    **(extra_env or {})))
        with open(stem + '.log', 'wb') as output:
            answer = subprocess.run([self.playbook_command, '-i', self.inventory, playbook], cwd=self.work_dir,
                                    env=env, stdout=output, stderr=subprocess.STDOUT, check=False)
        if answer.returncode != 0:
            with open(stem + '.log', encoding='utf-8', errors='replace') as stream:
                tail = stream.read()[-3000:]
            raise BenchError('ansible-playbook %s failed (exit %d); end of %s.log:\n%s'
                             % (playbook, answer.returncode, stem, tail))
        with open(records_file, encoding='utf-8') as stream:
            return [json.loads(line) for line in stream if line.strip()]


def connection():
    return dict(base_url='{{ portal_url }}', api_key='{{ portal_key }}')


def loop_of(count):
    return list(range(count))


def noop_task(name, portal, loop):
    args = dict(connection(), key_id=portal.target_id, name=TARGET_NAME, permissions=TARGET_PERMISSIONS,
                state='active')
    return {'name': name, MODULE: args, 'loop': loop_of(loop)}


def uri_task(name, portal, loop):
    args = dict(url='{{ portal_url }}/api/2.0/keys/' + portal.target_id, method='PUT',
                headers={'Authorization': 'Bearer {{ portal_key }}'}, body_format='json', use_netrc=False,
                body=dict(name=TARGET_NAME, permissions=TARGET_PERMISSIONS, isActive=True))
    return {'name': name, URI: args, 'loop': loop_of(loop)}


def change_task(name, portal, loop, rep):
    args = dict(connection(), key_id=portal.change_id, name='bench-c%d-{{ item }}' % rep,
                permissions=TARGET_PERMISSIONS, state='active')
    return {'name': name, MODULE: args, 'loop': loop_of(loop)}


def create_task(name, loop, rep):
    args = dict(connection(), name='bench-n%d-{{ item }}' % rep, permissions=['files:read'])
    return {'name': name, MODULE: args, 'loop': loop_of(loop), 'register': 'created_%d' % rep}


def delete_task(name, rep):
    args = dict(connection(), key_id='{{ item }}', state='absent')
    return {'name': name, MODULE: args,
            'loop': "{{ created_%d.results | map(attribute='api_key') | map(attribute='id') | list }}" % rep}


def renew_task(name, portal, loop, rep):
    """Renewal of `loop` keys that expire soon (made here, through the emulator's control API)."""
    names = ['bench-r%d-%d' % (rep, item) for item in range(loop)]
    for key_name in names:
        portal.add_expiring_key(key_name)
    args = dict(connection(), name='{{ item }}', recreate='when_needed', renew_before_days=RENEW_BEFORE_DAYS)
    return {'name': name, MODULE: args, 'loop': names, 'no_log': True}


def timing_tasks(portal, keys, reps, loop, lifecycle_reps):
    """Warm-up, then reps rounds of no-op / uri / change in rotating order (and create + delete)."""
    tasks = [noop_task('warmup|noop', portal, 1), uri_task('warmup|uri', portal, 1)]
    order = ['noop', 'uri', 'change']
    for rep in range(reps):
        for kind in order[rep % 3:] + order[:rep % 3]:
            name = 'bench|%s|%d|%d' % (kind, keys, rep)
            if kind == 'noop':
                tasks.append(noop_task(name, portal, loop))
            elif kind == 'uri':
                tasks.append(uri_task(name, portal, loop))
            else:
                tasks.append(change_task(name, portal, loop, rep))
    for rep in range(lifecycle_reps):
        tasks.append(create_task('bench|create|%d|%d' % (keys, rep), loop, rep))
        tasks.append(delete_task('bench|delete|%d|%d' % (keys, rep), rep))
        tasks.append(renew_task('bench|renew|%d|%d' % (keys, rep), portal, loop, rep))
    return tasks


def check_record(record, kind, loop):
    name = record['name']
    if record.get('task_failed') or any(record['failed']):
        raise BenchError('task %s failed; see the ansible-playbook log in the work directory' % name)
    if len(record['items']) != loop:
        raise BenchError('task %s ran %d items instead of %d' % (name, len(record['items']), loop))
    expected = EXPECTED_CHANGED.get(kind)
    if expected is not None and any(changed != expected for changed in record['changed']):
        raise BenchError('task %s reported changed=%s, expected %s for every item'
                         % (name, record['changed'], expected))


# ---------------------------------------------------------------------------------------------------------------------
# docspace_api_keys: one task for a whole set of keys


def set_names():
    return ['%s%03d' % (SET_PREFIX, index) for index in range(SET_SIZE)]


def set_task(name):
    config = [dict(name=key_name, permissions=TARGET_PERMISSIONS) for key_name in set_names()]
    return {'name': name, SET_MODULE: dict(connection(), state='replaced', config=config)}


def single_by_name_task(name, loop=None):
    args = dict(connection(), name='{{ item }}' if loop else set_names()[0], permissions=TARGET_PERMISSIONS,
                state='active')
    task = {'name': name, MODULE: args}
    if loop:
        task['loop'] = set_names()
    return task


def key_set_tasks(reps):
    """Warm-up, then reps rounds of the set task and one single task, with a loop of SET_SIZE tasks in the first
    SET_LOOP_REPS rounds, in rotating order."""
    tasks = [set_task('warmup|set'), single_by_name_task('warmup|single')]
    for rep in range(reps):
        order = list(SET_KINDS) if rep < SET_LOOP_REPS else ['set', 'single']
        for kind in order[rep % len(order):] + order[:rep % len(order)]:
            name = 'keyset|%s|%d' % (kind, rep)
            tasks.append(set_task(name) if kind == 'set' else single_by_name_task(name, loop=kind == 'loop'))
    return tasks


def check_set_record(record, kind):
    name = record['name']
    if record.get('task_failed') or any(record['failed']):
        raise BenchError('task %s failed; see the ansible-playbook log in the work directory' % name)
    expected_items = SET_SIZE if kind == 'loop' else 1
    if len(record['items']) != expected_items or any(record['changed']):
        raise BenchError('task %s ran %d items (changed: %s) instead of %d unchanged'
                         % (name, len(record['items']), sorted(set(record['changed'])), expected_items))
    writes = [request for request in record['requests'] if request[0] != 'GET']
    if writes:
        raise BenchError('task %s, a no-op, sent writes: %s' % (name, writes))


def measure_key_set(work_dir, reps, keep_nagle):
    """Wall time of the set task, one single no-op task and a loop of SET_SIZE of them, in a portal of its own."""
    portal = Portal(keep_nagle=keep_nagle)
    try:
        for name in set_names():
            portal.add_key(name, TARGET_PERMISSIONS)
        keys = portal.key_count()
        set_dir = os.path.join(work_dir, 'key-set')
        os.makedirs(set_dir, exist_ok=True)
        log('docspace_api_keys: %d-entry set task, one task and a loop of %d, %d rounds, %d keys in the portal'
            % (SET_SIZE, SET_SIZE, reps, keys))
        records = Ansible(set_dir, portal).run('key-set', key_set_tasks(reps))
    finally:
        portal.stop()
    seconds = {kind: {} for kind in SET_KINDS}
    requests = {}
    for record in records:
        parts = record['name'].split('|')
        if parts[0] != 'keyset':
            continue
        check_set_record(record, parts[1])
        seconds[parts[1]][parts[2]] = record['end'] - record['start']
        requests[parts[1]] = max(requests.get(parts[1], 0), len(record['requests']))
    rounds = sorted(seconds['set'])
    return dict(
        size=SET_SIZE, keys=keys, reps=reps, rounds={kind: len(values) for kind, values in seconds.items()},
        seconds={kind: dict(median=median(list(values.values())), low=min(values.values()), high=max(values.values()))
                 for kind, values in seconds.items()},
        requests=requests,
        # ratios of the tasks of one round (run next to each other), median over the rounds
        set_vs_single=median([seconds['set'][rep] / seconds['single'][rep] for rep in rounds]),
        loop_vs_set=median([seconds['loop'][rep] / seconds['set'][rep] for rep in sorted(seconds['loop'])]),
    )


def key_set_rows(key_set):
    """Target rows of the set task."""
    return [
        ('%d-entry docspace_api_keys no-op / one docspace_api_key no-op' % key_set['size'],
         '%.2f' % key_set['set_vs_single'], '<= %.1f' % TARGET_SET_VS_SINGLE,
         verdict(round(key_set['set_vs_single'], 2), '<=', TARGET_SET_VS_SINGLE)),
        ('loop of %d docspace_api_key no-ops / %d-entry docspace_api_keys no-op' % (key_set['size'], key_set['size']),
         '%.1f' % key_set['loop_vs_set'], '>= %.0f' % TARGET_LOOP_VS_SET,
         'met' if key_set['loop_vs_set'] >= TARGET_LOOP_VS_SET else '**missed**'),
    ]


def key_set_table(key_set):
    rows = [(SET_LABELS[kind], ms(key_set['seconds'][kind]['median']),
             '%s to %s' % (ms(key_set['seconds'][kind]['low']), ms(key_set['seconds'][kind]['high'])),
             key_set['rounds'][kind], '%d' % key_set['requests'][kind]) for kind in SET_KINDS]
    return ('### One task for a whole set of keys (docspace_api_keys)\n\nA portal of its own with %d keys, %d of them '
            'the set (names %s000 to %s%03d, already as declared). Wall time of the whole task (the loop: all %d '
            'items), median over the rounds, run interleaved in one ansible-playbook run (the loop only in the first '
            '%d rounds); ratios of the tasks of one round, median over the rounds. Requests: the most any round made, '
            'all reads.\n\n'
            % (key_set['keys'], key_set['size'], SET_PREFIX, SET_PREFIX, key_set['size'] - 1, key_set['size'],
               SET_LOOP_REPS)
            + markdown_table(('task', 'median', 'range', 'rounds', 'requests'), rows) + '\n\n'
            + markdown_table(('figure', 'measured', 'target', 'verdict'), key_set_rows(key_set)))


# ---------------------------------------------------------------------------------------------------------------------
# AnsiballZ payloads


class Payload:
    """A module's AnsiballZ file as ANSIBLE_KEEP_REMOTE_FILES left it."""

    def __init__(self, path):
        self.path = path
        with open(path, encoding='utf-8') as stream:
            self.text = stream.read()
        self.fqn = re.search(r"^module_fqn='([^']+)',$", self.text, re.M).group(1)
        self.zip_bytes = base64.b64decode(re.search(r"^zip_data='([^']*)',$", self.text, re.M).group(1))
        with zipfile.ZipFile(io.BytesIO(self.zip_bytes)) as archive:
            self.members = archive.infolist()

    @property
    def sent_bytes(self):
        """Bytes of the file a normal run sends: KEEP_REMOTE_FILES keeps the wrapper's comments, a normal run strips
        them (ansible.executor.module_common._strip_comments)."""
        code, separator, call = self.text.partition('\n\n\nif __name__ == "__main__":')
        try:
            from ansible.executor.module_common import _strip_comments  # pylint: disable=import-outside-toplevel
        except ImportError:
            return len(self.text.encode())
        return len((_strip_comments(code) + separator + call).encode())

    def variant(self, path, **module_args):
        """A copy of this AnsiballZ file with some module arguments replaced."""
        match = re.search(r"^params=(.*),$", self.text, re.M)
        params = json.loads(ast.literal_eval(match.group(1)))
        params['ANSIBLE_MODULE_ARGS'].update(module_args)
        with open(path, 'w', encoding='utf-8') as stream:
            stream.write(self.text[:match.start()] + 'params=%r,' % json.dumps(params) + self.text[match.end():])
        return Payload(path)

    def write_zip(self, path):
        with open(path, 'wb') as stream:
            stream.write(self.zip_bytes)
        return path


def capture_payloads(ansible, portal):
    """Run each module once with ANSIBLE_KEEP_REMOTE_FILES=1; return {kind: Payload}."""
    keep_dir = os.path.join(ansible.work_dir, 'kept_payloads')
    shutil.rmtree(keep_dir, ignore_errors=True)
    tasks = [
        noop_task('capture|noop', portal, 1),
        uri_task('capture|uri', portal, 1),
        {'name': 'capture|info', INFO_MODULE: dict(connection(), key_id=portal.target_id)},
    ]
    for task in tasks:
        task.pop('loop', None)
    ansible.run('capture', tasks, dict(ANSIBLE_KEEP_REMOTE_FILES='1', ANSIBLE_REMOTE_TMP=keep_dir))
    kind_of_payload = {'AnsiballZ_docspace_api_key.py': 'noop', 'AnsiballZ_uri.py': 'uri',
                       'AnsiballZ_docspace_api_key_info.py': 'info'}
    found = {}
    for root, _dirs, files in os.walk(keep_dir):
        for name in files:
            if name in kind_of_payload:
                found[kind_of_payload[name]] = Payload(os.path.join(root, name))
    missing = set(kind_of_payload.values()) - set(found)
    if missing:
        raise BenchError('ANSIBLE_KEEP_REMOTE_FILES left no AnsiballZ file for %s in %s' % (sorted(missing), keep_dir))
    # two changing variants, run alternately: each run renames the change key
    for suffix in ('a', 'b'):
        found['change_' + suffix] = found['noop'].variant(
            os.path.join(os.path.dirname(found['noop'].path), 'AnsiballZ_docspace_api_key_change_%s.py' % suffix),
            key_id=portal.change_id, name='bench-process-' + suffix)
    return found


def run_payload(payload, work_dir, expect_changed=None):
    """Run an AnsiballZ file once in its own process: dict(seconds, cpu_seconds, max_rss_kib) from os.wait4."""
    output_path = os.path.join(work_dir, 'payload-output.json')
    answer = subprocess.run([sys.executable, '-c', RUSAGE_SNIPPET, output_path, sys.executable, payload.path],
                            cwd=work_dir, capture_output=True, text=True, check=False)
    try:
        usage = json.loads(answer.stdout.strip().splitlines()[-1])
    except (ValueError, IndexError):
        raise BenchError('measuring %s failed:\n%s' % (payload.path, answer.stderr[-2000:])) from None
    with open(output_path, encoding='utf-8', errors='replace') as stream:
        text = stream.read()
    try:
        result = json.loads(text.strip().splitlines()[-1])
    except (ValueError, IndexError):
        raise BenchError('%s printed no JSON result:\n%s' % (payload.path, text[-2000:])) from None
    if usage['exit'] != 0 or result.get('failed'):
        raise BenchError('%s failed (exit %d): %s' % (payload.path, usage['exit'], result.get('msg')))
    if expect_changed is not None and bool(result.get('changed')) != expect_changed:
        raise BenchError('%s reported changed=%s' % (payload.path, result.get('changed')))
    return usage


def measure_processes(payloads, work_dir, runs):
    """Median wall time and max RSS of the no-op, changing and uri module processes, run alternately."""
    samples = {'noop': [], 'change': [], 'uri': []}
    for run in range(runs):
        for kind, values in samples.items():
            if kind == 'change':
                values.append(run_payload(payloads['change_' + 'ab'[run % 2]], work_dir, expect_changed=True))
            else:
                values.append(run_payload(payloads[kind], work_dir, expect_changed=False if kind == 'noop' else None))
    for values in samples.values():
        for sample in values:
            sample['idle_seconds'] = sample['seconds'] - sample['cpu_seconds']
    return {kind: {name: median([sample[name] for sample in values])
                   for name in ('seconds', 'cpu_seconds', 'idle_seconds', 'max_rss_kib')}
            for kind, values in samples.items()}


def measure_imports(payloads, work_dir, runs):
    """Seconds to import each module's code from its AnsiballZ zip in a fresh interpreter (no cached bytecode, as
    in a real run), plus ansible.module_utils.basic alone, which both share."""
    cases = {
        'noop': (payloads['noop'].write_zip(os.path.join(work_dir, 'docspace_api_key.zip')), payloads['noop'].fqn),
        'uri': (payloads['uri'].write_zip(os.path.join(work_dir, 'uri.zip')), payloads['uri'].fqn),
        'basic': (os.path.join(work_dir, 'docspace_api_key.zip'), 'ansible.module_utils.basic'),
    }
    samples = {kind: [] for kind in cases}
    for _run in range(runs):
        for kind, (zip_path, fqn) in cases.items():
            answer = subprocess.run([sys.executable, '-c', IMPORT_SNIPPET, zip_path, fqn], cwd=work_dir,
                                    capture_output=True, text=True, check=False)
            if answer.returncode != 0:
                raise BenchError('importing %s from %s failed:\n%s' % (fqn, zip_path, answer.stderr[-2000:]))
            samples[kind].append(float(answer.stdout.strip().splitlines()[-1]))
    # -X importtime of one import each, kept for reading
    for kind, (zip_path, fqn) in cases.items():
        answer = subprocess.run([sys.executable, '-X', 'importtime', '-c', IMPORT_SNIPPET, zip_path, fqn],
                                cwd=work_dir, capture_output=True, text=True, check=False)
        with open(os.path.join(work_dir, 'importtime-%s.txt' % kind), 'w', encoding='utf-8') as stream:
            stream.write(answer.stderr)
    return {kind: median(values) for kind, values in samples.items()}


def profile_payload(payload, work_dir, label):
    """pyinstrument text profile of one module process; returns (path, {frame label: seconds})."""
    path = os.path.join(work_dir, 'profile-%s.txt' % label)
    try:
        import pyinstrument  # noqa: F401  pylint: disable=import-outside-toplevel,unused-import
    except ImportError:
        log('pyinstrument is not installed: no profile')
        return None, {}
    subprocess.run([sys.executable, '-m', 'pyinstrument', '--interval', '0.0005', '--show-all', '-r', 'text',
                    '-o', path, payload.path], cwd=work_dir, capture_output=True, check=False)
    if not os.path.exists(path):
        raise BenchError('pyinstrument wrote no profile for %s' % payload.path)
    frames = {}
    with open(path, encoding='utf-8') as stream:
        lines = stream.read().splitlines()
    for label_, pattern in PROFILE_FRAMES:
        regex = re.compile(r'(\d+\.\d+)\s+' + pattern)
        values = [float(match.group(1)) for match in (regex.search(line) for line in lines) if match]
        frames[label_] = max(values) if values else 0.0
    return path, frames


# ---------------------------------------------------------------------------------------------------------------------
# the run


def run_benchmark(options):
    results = dict(machine=machine_facts(), options=vars(options).copy(), per_keys={}, requests={}, lifecycle={})
    portal = Portal(keep_nagle=options.emulator_nagle)
    try:
        ansible = Ansible(options.work_dir, portal)
        payloads = None
        for index, keys in enumerate(options.keys):
            portal.grow_to(keys)
            list_seconds, list_bytes = portal.time_list_keys(3)
            log('%d keys in the portal (GET /keys alone: %.0f ms, %d bytes); timing %d x %d-item loops'
                % (keys, list_seconds * 1000, list_bytes, options.reps, options.loop))
            lifecycle_reps = min(options.reps, LIFECYCLE_REPS) if index == 0 else 0
            records = ansible.run('timing-%d-keys' % keys,
                                  timing_tasks(portal, keys, options.reps, options.loop, lifecycle_reps))
            per_task = {kind: [] for kind in KINDS}
            by_rep = {kind: {} for kind in KINDS}
            requests = {kind: [] for kind in KINDS}
            for record in records:
                parts = record['name'].split('|')
                if parts[0] != 'bench':
                    continue
                kind = parts[1]
                check_record(record, kind, options.loop)
                per_task[kind].append((record['end'] - record['start']) / len(record['items']))
                by_rep[kind][parts[3]] = per_task[kind][-1]
                requests[kind].append(len(record['requests']) / len(record['items']))
                if index == 0:
                    seen = list(dict.fromkeys('%s %s' % (method, re.sub(r'[0-9a-f-]{36}', '{id}', path))
                                              for method, path, _status in record['requests']))
                    results['requests'].setdefault(kind, []).append(seen)
            if payloads is None:
                payloads = capture_payloads(ansible, portal)
            log('%d keys: running the module processes alone, %d times each' % (keys, options.module_runs))
            processes = measure_processes(payloads, options.work_dir, options.module_runs)
            entry = dict(
                list_seconds=list_seconds, list_bytes=list_bytes,
                per_task={kind: dict(median=median(values), low=min(values), high=max(values), samples=values)
                          for kind, values in per_task.items() if values},
                requests_per_task={kind: max(values) for kind, values in requests.items() if values},
                # ratio of each repetition's loops (run next to each other), median over the repetitions
                ratios={kind: median([by_rep[kind][rep] / by_rep['uri'][rep] for rep in by_rep[kind]])
                        for kind in ('noop', 'change')},
                ratio_noop_without_list=median([(by_rep['noop'][rep] - list_seconds) / by_rep['uri'][rep]
                                                for rep in by_rep['noop']]),
                processes=processes,
            )
            if index in (0, len(options.keys) - 1):
                path, frames = profile_payload(payloads['noop'], options.work_dir, '%d-keys' % keys)
                entry['profile'] = dict(path=path, frames=frames)
            results['per_keys'][str(keys)] = entry
        log('start-up: AnsiballZ payloads and import times (%d fresh interpreters each)' % options.import_runs)
        results['startup'] = dict(
            payload_bytes={kind: payload.sent_bytes for kind, payload in payloads.items()},
            zip_members={kind: len(payload.members) for kind, payload in payloads.items()},
            zip_bytes={kind: len(payload.zip_bytes) for kind, payload in payloads.items()},
            import_seconds=measure_imports(payloads, options.work_dir, options.import_runs),
        )
    finally:
        portal.stop()
    results['key_set'] = measure_key_set(options.work_dir, options.set_reps, options.emulator_nagle)
    results['machine']['load_after'] = [round(value, 2) for value in os.getloadavg()]
    return results


# ---------------------------------------------------------------------------------------------------------------------
# report


def ms(seconds):
    return '%.0f ms' % (seconds * 1000)


def verdict(value, operator, target):
    met = value <= target if operator == '<=' else value == target
    return 'met' if met else '**missed**'


def summarize(results):
    """The target rows: (figure, measured, target, verdict)."""
    ordered = sorted(results['per_keys'].items(), key=lambda item: int(item[0]))
    smallest_keys, smallest = ordered[0]
    rows = []
    for kind, target, label in (('noop', TARGET_NOOP_RATIO, 'no-op task / uri PUT'),
                                ('change', TARGET_CHANGE_RATIO, 'changing task / uri PUT')):
        ratio = smallest['ratios'][kind]
        rows.append(('%s, %s keys' % (label, format(int(smallest_keys), ',')), '%.2f' % ratio, '<= %.1f' % target,
                     verdict(round(ratio, 2), '<=', target)))
    for kind, (operator, target) in TARGET_REQUESTS.items():
        value = smallest['requests_per_task'].get(kind)
        if value is not None:
            rows.append(('HTTP requests per %s task' % kind, '%g' % value,
                         ('%s %d' % (operator, target)).replace('==', '='), verdict(value, operator, target)))
    for keys, entry in ordered[1:]:
        ratio = entry['ratios']['noop']
        scored = int(keys) == TARGET_SCALE_KEYS
        rows.append(('no-op task / uri PUT, %s keys' % format(int(keys), ','), '%.2f' % ratio,
                     '<= %.1f' % TARGET_SCALE_RATIO if scored else '(none)',
                     verdict(round(ratio, 2), '<=', TARGET_SCALE_RATIO) if scored else '-'))
    startup = results['startup']
    rows.append(('import time of docspace_api_key (uri: %s)' % ms(startup['import_seconds']['uri']),
                 ms(startup['import_seconds']['noop']), '(measure)', '-'))
    rows.append(('AnsiballZ payload of docspace_api_key (uri: %s bytes)' % format(startup['payload_bytes']['uri'], ','),
                 '%s bytes' % format(startup['payload_bytes']['noop'], ','), '(measure)', '-'))
    if results.get('key_set'):
        rows += key_set_rows(results['key_set'])
    largest_keys, largest = ordered[-1]
    rows.append(('memory peak of the no-op module process, %s keys' % format(int(largest_keys), ','),
                 mib(largest['processes']['noop']['max_rss_kib']), '(measure)', '-'))
    return rows


def markdown_table(header, rows):
    lines = ['| ' + ' | '.join(header) + ' |', '|' + '|'.join(' --- ' for _column in header) + '|']
    lines += ['| ' + ' | '.join(str(cell) for cell in row) + ' |' for row in rows]
    return '\n'.join(lines)


def mib(kib):
    return '%.1f MiB' % (kib / 1024.0)


def report_tables(results):
    """Markdown tables of every figure."""
    options = results['options']
    ordered = sorted(results['per_keys'].items(), key=lambda item: int(item[0]))
    smallest_keys, smallest = ordered[0]
    out = ['### Targets\n\n' + markdown_table(('figure', 'measured', 'target', 'verdict'), summarize(results))]

    rows = []
    for kind in KINDS:
        stats = smallest['per_task'].get(kind)
        if stats:
            ratio = smallest['ratios'].get(kind)
            rows.append((KIND_LABELS[kind], ms(stats['median']), '%s to %s' % (ms(stats['low']), ms(stats['high'])),
                         len(stats['samples']), '1' if kind == 'uri' else '%.2f' % ratio if ratio else '-'))
    out.append('### Per-task wall time, %s keys in the portal\n\nTime of a loop of %d divided by %d, median over the '
               'loops (range: fastest and slowest loop). Ratio: no-op or change loop over the uri loop of the same '
               'round, median over the rounds.\n\n' % (format(int(smallest_keys), ','), options['loop'], options['loop'])
               + markdown_table(('task', 'median', 'range', 'loops', 'ratio to uri PUT'), rows))

    rows = []
    for kind in KINDS:
        value = smallest['requests_per_task'].get(kind)
        if value is None:
            continue
        seen = results['requests'].get(kind, [[]])[0]
        target = TARGET_REQUESTS.get(kind)
        rows.append((kind, '%g' % value, ', '.join(seen),
                     ('%s %d' % target).replace('==', '=') if target else '(reference)'))
    out.append('### HTTP requests per task (emulator request log)\n\nThe most requests any loop made per task.\n\n'
               + markdown_table(('task', 'requests per task', 'requests', 'target'), rows))

    rows = []
    for keys, entry in ordered:
        tasks = entry['per_task']
        rows.append((format(int(keys), ','), '%.2f MB' % (entry['list_bytes'] / 1e6), ms(entry['list_seconds']),
                     ms(tasks['noop']['median']), ms(tasks['change']['median']), ms(tasks['uri']['median']),
                     '%.2f' % entry['ratios']['noop'], '%.2f' % entry['ratios']['change'],
                     '%.2f' % entry['ratio_noop_without_list']))
    out.append('### Task time against the number of keys in the portal\n\nGET /keys alone: the emulator\'s answer to '
               'the list, timed from the benchmark process (median of 3): the no-op and changing tasks need it, the '
               'uri PUT does not. The last column takes that time out of the no-op task. Ratios: of the loops of one round, median '
               'over the rounds.\n\n'
               + markdown_table(('keys', 'GET /keys answer', 'GET /keys alone', 'no-op task', 'change task',
                                 'uri PUT', 'no-op / uri', 'change / uri', 'no-op minus GET /keys, / uri'), rows))

    rows = []
    for keys, entry in ordered:
        processes = entry['processes']
        rows.append((format(int(keys), ','),
                     ' / '.join(ms(processes[kind]['seconds']) for kind in ('noop', 'change', 'uri')),
                     '%.2f' % (processes['noop']['seconds'] / processes['uri']['seconds']),
                     ' / '.join(ms(processes[kind]['cpu_seconds']) for kind in ('noop', 'change', 'uri')),
                     '%.2f' % (processes['noop']['cpu_seconds'] / processes['uri']['cpu_seconds']),
                     ' / '.join(ms(processes[kind]['idle_seconds']) for kind in ('noop', 'change', 'uri')),
                     ' / '.join(mib(processes[kind]['max_rss_kib']) for kind in ('noop', 'change', 'uri'))))
    out.append('### Module processes alone, and their memory peak\n\nEach AnsiballZ file (kept with '
               'ANSIBLE_KEEP_REMOTE_FILES=1) run by itself, without Ansible around it, %d times, the three '
               'alternating; medians of the wall time, the CPU time (user + system), the time it waited (wall minus '
               'CPU: for the server\'s answers, or for a CPU) and the max RSS of the process '
               '(`os.wait4` rusage; the process is forked from a small helper so that its max RSS is its own).\n\n'
               % options['module_runs']
               + markdown_table(('keys', 'wall: no-op / change / uri', 'wall no-op / uri',
                                 'CPU: no-op / change / uri', 'CPU no-op / uri', 'waited: no-op / change / uri',
                                 'max RSS: no-op / change / uri'),
                                rows))

    startup = results['startup']
    rows = []
    for kind, label in (('noop', 'docspace_api_key'), ('info', 'docspace_api_key_info'),
                        ('uri', 'ansible.builtin.uri (reference)')):
        imported = startup['import_seconds'].get(kind)
        rows.append((label, ms(imported) if imported is not None else '-', format(startup['payload_bytes'][kind], ','),
                     '%d files, %s bytes' % (startup['zip_members'][kind], format(startup['zip_bytes'][kind], ','))))
    rows.append(('ansible.module_utils.basic alone (both import it)', ms(startup['import_seconds']['basic']), '-', '-'))
    out.append('### Module start-up\n\nImport time: a fresh interpreter imports the module from its AnsiballZ zip (no '
               'cached bytecode, as in a real run), median of %d. Payload: the AnsiballZ file a normal run writes, '
               'module arguments included (the kept file less the wrapper comments a normal run strips).\n\n'
               % options['import_runs']
               + markdown_table(('module', 'import time', 'AnsiballZ payload bytes', 'zip inside'), rows))

    if results.get('key_set'):
        out.append(key_set_table(results['key_set']))

    profiles = [(keys, entry['profile']) for keys, entry in ordered if entry.get('profile', {}).get('path')]
    if profiles:
        header = ['part of the no-op module process'] + ['%s keys' % format(int(keys), ',') for keys, _profile in profiles]
        rows = [[label.replace('  ', '&nbsp;&nbsp;')] + [ms(profile['frames'].get(label, 0.0)) for _k, profile in profiles]
                for label, _pattern in PROFILE_FRAMES]
        out.append('### Where the no-op module process spends its time (pyinstrument)\n\nOne profiled run at the '
                   'smallest and the largest key count (sampling every 0.5 ms, which slows the process a little; '
                   'parts are nested and do not add up).\n\n' + markdown_table(header, rows))
    return '\n\n'.join(out)


def finish_panel(axes, ylabel, title, legend_loc):
    """The axes, grid, title and legend of one panel of the plot (both share the key-count x axis)."""
    axes.set_xscale('log')
    axes.set_xlabel('keys in the portal')
    axes.set_ylabel(ylabel)
    axes.set_ylim(bottom=0)
    axes.set_title(title, fontsize=9)
    axes.grid(True, which='both', alpha=0.3)
    axes.legend(fontsize=7, loc=legend_loc)


def write_plot(results, path):
    import matplotlib  # pylint: disable=import-outside-toplevel
    matplotlib.use('Agg')
    from matplotlib import pyplot  # pylint: disable=import-outside-toplevel

    ordered = sorted(results['per_keys'].items(), key=lambda item: int(item[0]))
    keys = [int(count) for count, _entry in ordered]
    key_set = results.get('key_set')
    figure, axes = pyplot.subplots(1, 3 if key_set else 2, figsize=(16.5 if key_set else 11, 4.4))
    left, right = axes[0], axes[1]
    for kind, style, label in (('noop', 'o-', 'docspace_api_key no-op'), ('change', 's-', 'docspace_api_key change'),
                               ('uri', '^--', 'ansible.builtin.uri PUT')):
        medians, low, high = ([entry['per_task'][kind][statistic] * 1000 for _count, entry in ordered]
                              for statistic in ('median', 'low', 'high'))
        line, = left.plot(keys, medians, style, label=label)
        left.fill_between(keys, low, high, color=line.get_color(), alpha=0.12)
    left.plot(keys, [entry['list_seconds'] * 1000 for _count, entry in ordered], 'x:', color='grey',
              label='GET /keys alone (emulator answer)')
    finish_panel(left, 'wall time per task (ms)', 'Per-task wall time (median; band: fastest to slowest loop)', 'upper left')
    right.plot(keys, [entry['ratios']['noop'] for _count, entry in ordered], 'o-', label='no-op / uri PUT')
    right.plot(keys, [entry['ratios']['change'] for _count, entry in ordered], 's-', label='change / uri PUT')
    right.plot(keys, [entry['ratio_noop_without_list'] for _count, entry in ordered], 'o--', color='tab:blue',
               alpha=0.45, label='(no-op minus GET /keys alone) / uri PUT')
    right.plot([keys[0]], [TARGET_NOOP_RATIO], 'g*', markersize=11, linestyle='none',
               label='no-op target at 10 keys (%.1f)' % TARGET_NOOP_RATIO)
    right.plot([TARGET_SCALE_KEYS], [TARGET_SCALE_RATIO], 'r*', markersize=11, linestyle='none',
               label='no-op target at 10,000 keys (%.1f)' % TARGET_SCALE_RATIO)
    right.plot([keys[0]], [TARGET_CHANGE_RATIO], '*', color='orange', markersize=11, linestyle='none',
               label='change target at 10 keys (%.1f)' % TARGET_CHANGE_RATIO)
    finish_panel(right, 'ratio to the uri PUT', 'Ratio to ansible.builtin.uri PUT (median of paired loops)', 'lower right')
    if key_set:
        plot_key_set(axes[2], key_set)
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    pyplot.close(figure)


def plot_key_set(axes, key_set):
    """Bars of the whole-task wall time of the set task, one task and a loop of SET_SIZE (log scale)."""
    labels = ['docspace_api_keys\n%d entries' % key_set['size'], 'docspace_api_key\n1 task',
              'docspace_api_key\nloop of %d' % key_set['size']]
    medians = [key_set['seconds'][kind]['median'] for kind in SET_KINDS]
    bars = axes.bar(labels, medians, color=['tab:green', 'tab:blue', 'tab:grey'])
    for column, value in zip(bars, medians):
        axes.annotate('%.2f s' % value, (column.get_x() + column.get_width() / 2, value), ha='center', va='bottom',
                      fontsize=8)
    axes.set_yscale('log')
    axes.set_ylabel('wall time of the whole task (s, log scale)')
    axes.set_title('No-op: set of %d / one task %.2fx (target <= %.1f); loop / set %.0fx (target >= %.0f)'
                   % (key_set['size'], key_set['set_vs_single'], TARGET_SET_VS_SINGLE, key_set['loop_vs_set'],
                      TARGET_LOOP_VS_SET), fontsize=8)
    axes.tick_params(axis='x', labelsize=8)
    axes.grid(True, axis='y', which='both', alpha=0.3)


def load_text(loads):
    return ' / '.join('%.2f' % value for value in loads) if loads else '?'


def machine_table(machine, options=None):
    rows = [
        ('CPU', '%s, %d cores' % (machine['cpu'], machine['cores'])),
        ('memory', '%s GiB' % machine['memory_gib']),
        ('OS', '%s (kernel %s)' % (machine['os'], machine['kernel'])),
        ('Python', machine['python']),
        ('ansible-core', machine['ansible_core']),
        ('requests / urllib3', '%s / %s' % (machine['requests'], machine['urllib3'])),
        ('collection', 'git %s' % machine['git_commit']),
        ('run', '%s; load average (1, 5, 15 min) before %s, after %s'
         % (machine['date'], load_text(machine['load_before']), load_text(machine.get('load_after')))),
        ('duration', '%.1f minutes' % (machine.get('duration_seconds', 0) / 60)),
    ]
    if options is not None:
        rows.append(('settings', 'niceness %d, session scheduling group %s; emulator %s' % (
            options.get('niceness', 0), (options.get('autogroup') or 'unchanged').lstrip('/'),
            "with Nagle's algorithm (as http.server has it)" if options.get('emulator_nagle')
            else 'with TCP_NODELAY (as a real portal front end)')))
    return markdown_table(('', ''), rows)


def write_doc(results, tables, path, plot_path, notes_path):
    options = results['options']
    plot_ref = os.path.relpath(plot_path, os.path.dirname(os.path.abspath(path)))
    notes = read_file(notes_path).strip() if notes_path else ''
    # notes.md: what comes before a '<!-- results -->' line goes before the results, the rest after them
    notes_before, _marker, notes_after = notes.rpartition(NOTES_MARKER)
    command = 'tests/benchmarks/run.sh' + (' --quick' if options['quick'] else '')
    parts = [
        '# Performance of onlyoffice.docspace.docspace_api_key',
        '<!-- Generated by tests/benchmarks/bench.py (%s); the findings come from tests/benchmarks/notes.md. '
        'Edit those, not this file. -->' % command,
        'Measured by `%s` on the machine below: %d repetitions of loops of %d tasks, %s keys in the portal. '
        'Every figure is the median of the repetitions; the tasks compared ran interleaved in the same '
        '`ansible-playbook` run against the bundled DocSpace emulator (`tests/emulator/`) on loopback.'
        % (command, options['reps'], options['loop'], ', '.join(format(k, ',') for k in options['keys'])),
        notes_before.strip(),
        '## Machine\n\n' + machine_table(results['machine'], options),
        '## Results\n\n' + tables,
        '### Task time against the number of keys\n\n![Per-task wall time and ratio to the uri PUT against the number '
        'of keys in the portal](%s)' % plot_ref,
    ]
    parts.append(notes_after.strip())
    with open(path, 'w', encoding='utf-8') as stream:
        stream.write('\n\n'.join(part for part in parts if part) + '\n')


# ---------------------------------------------------------------------------------------------------------------------
# command line


def parse_arguments(argv=None):
    parser = argparse.ArgumentParser(description='Benchmark of onlyoffice.docspace.docspace_api_key (issue 6). '
                                                 'Run it with tests/benchmarks/run.sh.')
    parser.add_argument('--quick', action='store_true',
                        help='smoke run: %(reps)d repetition, loops of %(loop)d, %(keys)s keys; writes its doc and plot '
                             'into the work directory only' % QUICK)
    parser.add_argument('--reps', type=int, help='repetitions of each measurement (full: %d)' % FULL['reps'])
    parser.add_argument('--loop', type=int, help='loop items per task (full: %d)' % FULL['loop'])
    parser.add_argument('--keys', help='comma-separated key counts in the portal (full: %s)' % FULL['keys'])
    parser.add_argument('--module-runs', type=int, help='runs of each module process alone per key count (full: %d)'
                        % FULL['module_runs'])
    parser.add_argument('--import-runs', type=int, help='fresh interpreters per import-time figure (full: %d)'
                        % FULL['import_runs'])
    parser.add_argument('--set-reps', type=int, help='rounds of the docspace_api_keys set task and one task, the first %d '
                        'with a loop of %d (full: %d)' % (SET_LOOP_REPS, SET_SIZE, FULL['set_reps']))
    parser.add_argument('--key-set-only', action='store_true',
                        help='measure only the docspace_api_keys figures (set task, one task, loop of %d), print them '
                             'and put them into the doc as a section of their own, with their own plot' % SET_SIZE)
    parser.add_argument('--work-dir', help='where playbooks, logs, payloads, profiles and results.json go '
                                           '(default: a new directory under .cache/bench/)')
    parser.add_argument('--doc', help='markdown report to write (full: docs/performance.md; quick: in the work dir)')
    parser.add_argument('--plot', help='PNG plot to write (full: docs/performance-keys.png; quick: in the work dir)')
    parser.add_argument('--nice', type=int, default=-10,
                        help='niceness increment for the benchmark and everything it starts, to lessen the effect of '
                             'other work on the machine (default %(default)d; ignored where not allowed; 0: none)')
    parser.add_argument('--emulator-nagle', action='store_true',
                        help="leave Nagle's algorithm on in the emulator, as Python's http.server has it (default: "
                             'TCP_NODELAY, like a real portal; see Portal)')
    parser.add_argument('--from-results', metavar='RESULTS_JSON',
                        help='measure nothing: print the tables and write the doc and plot again from the results.json '
                             'of an earlier run (for example after editing notes.md)')
    parser.add_argument('--notes', default=os.path.join(HERE, 'notes.md'),
                        help='hand-written findings appended to the doc (default: %(default)s)')
    options = parser.parse_args(argv)
    defaults = QUICK if options.quick else FULL
    for name, value in defaults.items():
        if getattr(options, name) is None:
            setattr(options, name, value)
    try:
        options.keys = sorted(set(int(count) for count in str(options.keys).split(',') if count.strip()))
    except ValueError:
        parser.error('--keys takes comma-separated integers')
    if not options.keys or options.keys[0] < 7:
        parser.error('--keys: the portal always holds the emulator\'s 5 seed keys and the benchmark\'s 2')
    if min(options.reps, options.loop, options.module_runs, options.import_runs, options.set_reps) < 1:
        parser.error('--reps, --loop, --module-runs, --import-runs and --set-reps must be at least 1')
    if options.work_dir is None and options.from_results:
        options.work_dir = os.path.dirname(os.path.abspath(options.from_results))
    if options.work_dir is None:
        base = os.path.join(REPO, '.cache', 'bench')
        options.work_dir = os.path.join(base, '%s-%s' % ('key-set' if options.key_set_only else 'quick' if options.quick
                                                         else 'full',
                                                         time.strftime('%Y%m%d-%H%M%S')))
        prune_work_dirs(base, keep=5)
    options.work_dir = os.path.abspath(options.work_dir)
    if options.doc is None:
        options.doc = (os.path.join(options.work_dir, 'performance.md') if options.quick
                       else os.path.join(REPO, 'docs', 'performance.md'))
    if options.plot is None:
        options.plot = (os.path.join(options.work_dir, 'performance-keys.png') if options.quick
                        else os.path.join(REPO, 'docs', 'performance-keys.png'))
    return options


def raise_priority(options):
    """Lower the niceness of the benchmark (inherited by everything it starts) and, where the kernel groups
    processes by session (sched_autogroup), of its session's group: other sessions' work on the machine then
    disturbs the timings less.  Where this is not allowed the benchmark runs as it is."""
    options.niceness = os.nice(0)
    options.autogroup = None
    if not options.nice:
        return
    try:
        options.niceness = os.nice(options.nice)
    except OSError as exc:
        log('cannot change the niceness (%s); running at %d' % (exc, options.niceness))
    try:
        with open('/proc/self/autogroup', 'w', encoding='ascii') as stream:
            stream.write('%d\n' % options.nice)
        with open('/proc/self/autogroup', encoding='ascii') as stream:
            options.autogroup = stream.read().strip()
    except OSError:
        pass


def prune_work_dirs(base, keep):
    try:
        names = sorted(os.listdir(base), key=lambda name: os.path.getmtime(os.path.join(base, name)))
    except OSError:
        return
    for name in names[:-keep]:
        shutil.rmtree(os.path.join(base, name), ignore_errors=True)


def write_outputs(results, options):
    tables = report_tables(results)
    print('\n' + tables + '\n')
    os.makedirs(os.path.dirname(os.path.abspath(options.plot)), exist_ok=True)
    write_plot(results, options.plot)
    write_doc(results, tables, options.doc, options.plot, options.notes)


KEY_SET_BEGIN = '<!-- key-set figures (bench.py --key-set-only) -->'
KEY_SET_END = '<!-- end of key-set figures -->'


def run_key_set_only(options):
    """Measure only the docspace_api_keys figures; print them, write their plot and put them into the doc.

    The doc (a full run's) keeps its other figures: the key-set section, between KEY_SET_BEGIN and KEY_SET_END, is
    replaced or added before the '## Machine' section, with the machine it was measured on.
    """
    machine = machine_facts()
    started = time.perf_counter()
    try:
        key_set = measure_key_set(options.work_dir, options.set_reps, options.emulator_nagle)
    except BenchError as exc:
        log('FAILED: %s' % exc)
        return 1
    machine['duration_seconds'] = time.perf_counter() - started
    machine['load_after'] = [round(value, 2) for value in os.getloadavg()]
    with open(os.path.join(options.work_dir, 'key-set-results.json'), 'w', encoding='utf-8') as stream:
        json.dump(dict(machine=machine, key_set=key_set), stream, indent=1)
    table = key_set_table(key_set)
    print('\n' + table + '\n')
    plot = os.path.join(os.path.dirname(os.path.abspath(options.plot)), 'performance-key-set.png')
    write_key_set_plot(key_set, plot)
    plot_ref = os.path.relpath(plot, os.path.dirname(os.path.abspath(options.doc)))
    section = '\n\n'.join([
        KEY_SET_BEGIN,
        '## One task for a whole set of keys (docspace_api_keys)',
        'Measured on its own by `tests/benchmarks/run.sh --key-set-only` (the other figures of this page come from '
        'the full run described above):\n\n' + machine_table(machine, vars(options)),
        table.replace('### One task for a whole set of keys (docspace_api_keys)\n\n', ''),
        '![Whole-task wall time of the set task, one task and a loop of %d](%s)' % (key_set['size'], plot_ref),
        KEY_SET_END])
    doc = read_file(options.doc)
    if KEY_SET_BEGIN in doc:
        doc = doc[:doc.index(KEY_SET_BEGIN)] + section + doc[doc.index(KEY_SET_END) + len(KEY_SET_END):]
    elif '\n## Machine' in doc:
        doc = doc.replace('\n## Machine', '\n' + section + '\n\n## Machine', 1)
    else:
        doc = doc.rstrip('\n') + '\n\n' + section
    with open(options.doc, 'w', encoding='utf-8') as stream:
        stream.write(doc.rstrip('\n') + '\n')
    log('wrote the key-set figures into %s and %s' % (options.doc, plot))
    return 0


def write_key_set_plot(key_set, path):
    import matplotlib  # pylint: disable=import-outside-toplevel
    matplotlib.use('Agg')
    from matplotlib import pyplot  # pylint: disable=import-outside-toplevel

    figure, axes = pyplot.subplots(1, 1, figsize=(6.5, 4.4))
    plot_key_set(axes, key_set)
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    pyplot.close(figure)


def main(argv=None):
    options = parse_arguments(argv)
    if options.key_set_only:
        os.makedirs(options.work_dir, exist_ok=True)
        log('work directory %s' % options.work_dir)
        raise_priority(options)
        return run_key_set_only(options)
    if options.from_results:
        with open(options.from_results, encoding='utf-8') as stream:
            results = json.load(stream)
        if not options.quick and results['options']['quick']:
            raise SystemExit('%s comes from a --quick run: add --quick' % options.from_results)
        write_outputs(results, options)
        log('wrote %s and %s from %s' % (options.doc, options.plot, options.from_results))
        return 0
    os.makedirs(options.work_dir, exist_ok=True)
    log('work directory %s' % options.work_dir)
    raise_priority(options)
    started = time.perf_counter()
    try:
        results = run_benchmark(options)
    except BenchError as exc:
        log('FAILED: %s' % exc)
        return 1
    results['machine']['duration_seconds'] = time.perf_counter() - started
    with open(os.path.join(options.work_dir, 'results.json'), 'w', encoding='utf-8') as stream:
        json.dump(results, stream, indent=1)
    write_outputs(results, options)
    log('wrote %s and %s in %.1f minutes' % (options.doc, options.plot, results['machine']['duration_seconds'] / 60))
    return 0


if __name__ == '__main__':
    sys.exit(main())
