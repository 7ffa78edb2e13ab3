# -*- coding: utf-8 -*-
# Copyright (c) onlyoffice.docspace contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Real ansible-playbook runs against the emulator, shared by the tests and report.py.

- ``verbose_run``: one playbook at -vvv with --diff (updates with an API key, a session token and a password, failures,
  a creation with no_log) whose whole output must hold no secret.
- ``concurrent_updates``: two runs started at once (two ansible-playbook processes, or one with two forks), updating
  the same key to different wanted states.
"""

from __future__ import annotations

import json
import os
import sys

import reliability_harness as harness  # pylint: disable=import-error
import reliability_scenarios as scenarios  # pylint: disable=import-error

PLAYBOOK_TIMEOUT = 120


def _yaml(value):
    """JSON is YAML: playbooks are written as JSON documents, so no YAML library is needed."""
    return json.dumps(value, indent=1)


def _play(tasks, connection=None):
    play = dict(name='reliability', hosts='localhost', gather_facts=False, tasks=tasks)
    if connection:
        play['module_defaults'] = {'group/onlyoffice.docspace.docspace': connection}
    return [play]


def _run(workdir, name, plays, *options):
    path = os.path.join(workdir, name + '.yml')
    with open(path, 'w', encoding='utf-8') as handle:
        handle.write(_yaml(plays))
    return harness.start_playbook(path, workdir, *options)


# ---------------------------------------------------------------------------------------------------------------------
# -vvv: no secret in the whole output
# ---------------------------------------------------------------------------------------------------------------------

def verbose_run(bench, workdir):
    """Run the secrets playbook at -vvv --diff; returns dict(problems, summary, output)."""
    bench.use(bench.http)
    bench.reset()
    target = bench.add_key(name='vvv-target', permissions=['files:read'])
    token = bench.session_token()
    owner = bench.users['owner']
    key_module = 'onlyoffice.docspace.docspace_api_key'
    # The third PUT is refused with an exception envelope (a failure from the portal, with a password in use).
    bench.fault('PUT', scenarios.KEY_PATH, dict(action='pass'), dict(action='pass'),
                scenarios.respond(403, scenarios.exception_body(403, 'Access denied', scenarios.UNAUTHORIZED_ACCESS)))
    api_key = dict(api_key=bench.secret('owner'))
    tasks = [
        {'name': 'update with an API key, diff',
         key_module: dict(api_key, key_id=target['id'], name='vvv-1', permissions=['rooms:read'])},
        {'name': 'update with a session token', key_module: dict(auth_token=token, key_id=target['id'], state='inactive')},
        {'name': 'update with a password, refused by the portal', 'ignore_errors': True,
         key_module: dict(username=owner['user_name'], password=owner['password'], key_id=target['id'], state='active')},
        {'name': 'refused input (name too long)', 'ignore_errors': True, key_module: dict(api_key, name='n' * 31, permissions=['*'])},
        {'name': 'unknown key id', 'ignore_errors': True, key_module: dict(api_key, key_id=scenarios.UNKNOWN_ID, state='inactive')},
        {'name': 'create with no_log', 'no_log': True, 'register': 'created',
         key_module: dict(api_key, name='vvv-new', permissions=['files:read'])},
        {'name': 'the secret came back (shown only as a length)', 'ansible.builtin.debug': {
            'msg': '{{ created.api_key.key | length }} characters'}},
        {'name': 'list keys', 'onlyoffice.docspace.docspace_api_key_info': dict(api_key, name='vvv-new')},
    ]
    connection = dict(base_url=bench.emulator.url, retries=1, timeout=10)
    process = _run(workdir, 'secrets', _play(tasks, connection), '-vvv', '--diff')
    output, _unused = process.communicate(timeout=PLAYBOOK_TIMEOUT)
    secrets = scenarios.every_secret(bench, [token])
    problems = ['secret %s in the -vvv output' % leak for leak in harness.leaks(output, secrets)]
    expectations = {
        'the run did not end well (rc %s)' % process.returncode: process.returncode == 0,
        'the no_log task was not hidden': "the output has been hidden due to the fact that 'no_log: true'" in output,
        # ansible-core 2.19 shows the module invocation at -vvv (options masked), 2.21 no longer does.
        'an option was not masked in the invocation': '"invocation"' not in output or 'VALUE_SPECIFIED_IN_NO_LOG_PARAMETER' in output,
        'the portal refusal was not reported': 'HTTP 403' in output and 'Access denied' in output,
        'the long name was not refused': 'at most 30 characters' in output,
        'the created secret was not returned': '67 characters' in output,
        'no diff was shown': 'vvv-1' in output and 'before' in output.lower(),
        'a .NET stack reached the output': 'ASC.People' not in output,
    }
    problems += [problem for problem, holds in expectations.items() if not holds]
    created = bench.keys_named('vvv-new')
    if len(created) != 1:
        problems.append('%d keys named vvv-new' % len(created))
    summary = '%d lines of -vvv output, %d secrets looked for' % (output.count('\n'), len(secrets))
    return dict(problems=problems, summary=summary, output=output, log=bench.log())


# ---------------------------------------------------------------------------------------------------------------------
# Two playbooks at once
# ---------------------------------------------------------------------------------------------------------------------

RACES = {
    # Both tasks set the same properties and both differ from the start: the last PUT wins whole.
    'name-and-permissions': dict(
        start=dict(name='conc-start', permissions=['accounts:read'], is_active=True),
        a=dict(name='conc-a', permissions=['files:read']),
        b=dict(name='conc-b', permissions=['rooms:read']),
    ),
    # The example of the issue: A deactivates and renames, B activates and renames; B's state is already right, so
    # had B read the key before A wrote, B would send only the name (a mix if B's PUT lands last).
    'name-and-state': dict(
        start=dict(name='conc-start', permissions=['accounts:read'], is_active=True),
        a=dict(name='conc-a', state='inactive'),
        b=dict(name='conc-b', state='active'),
    ),
    # Each run wants one property changed and the other as it starts: had both read the key first, A would send only
    # the name and B only the permissions, and the portal would end in a mix whichever PUT landed last.
    'name-versus-permissions': dict(
        start=dict(name='conc-start', permissions=['accounts:read'], is_active=True),
        a=dict(name='conc-a', permissions=['accounts:read']),
        b=dict(name='conc-start', permissions=['rooms:read']),
    ),
}

STATE_ACTIVE = {'active': True, 'inactive': False}
# The module option that asks for each field of a PUT body.
PUT_FIELD_OPTION = {'name': 'name', 'permissions': 'permissions', 'isActive': 'state'}


def _wanted(key_view, task):
    """The key's name, permissions and active flag once task has run on it."""
    wanted = dict(key_view)
    if 'name' in task:
        wanted['name'] = task['name']
    if 'permissions' in task:
        wanted['permissions'] = sorted(set(task['permissions']))
    if 'state' in task:
        wanted['is_active'] = STATE_ACTIVE[task['state']]
    return wanted


def _view(key):
    return dict(name=key.get('name'), permissions=sorted(set(key.get('permissions') or ['*'])), is_active=key.get('isActive'))


def _replay(start, puts):
    """The key after the PUT bodies, applied in the order the portal logged them."""
    after = dict(start)
    for body in puts:
        if 'name' in body:
            after['name'] = body['name']
        if 'permissions' in body:
            after['permissions'] = sorted(set(body['permissions']))
        if 'isActive' in body:
            after['is_active'] = body['isActive']
    return after


WAYS = ('processes', 'forks')


def _start_processes(workdir, race, task_for, connection, credentials):
    """Two ansible-playbook processes, one per run; returns {run: (Popen, result file)}."""
    processes = {}
    for run in ('a', 'b'):
        result_file = os.path.join(workdir, 'result-%s-processes-%s.json' % (race, run))
        tasks = [
            dict(task_for(credentials[run], run), name='update the shared key', register='outcome', ignore_errors=True),
            {'name': 'keep the result', 'ansible.builtin.copy': {'content': '{{ outcome | to_json }}', 'dest': result_file}},
        ]
        processes[run] = (_run(workdir, 'race-%s-%s' % (race, run), _play(tasks, connection)), result_file)
    return processes


def _start_forks(workdir, race, task_for, connection, credentials):
    """One ansible-playbook, two inventory hosts (one per run) and two forks; returns {run: (Popen, result file)}."""
    result_files = {run: os.path.join(workdir, 'result-%s-forks-%s.json' % (race, run)) for run in ('a', 'b')}
    per_host = {'race_%s' % run: task_for(credentials[run], run)['onlyoffice.docspace.docspace_api_key'] for run in ('a', 'b')}
    options = sorted(set(option for args in per_host.values() for option in args))
    module_args = {option: '{{ per_host[inventory_hostname].%s | default(omit) }}' % option for option in options}
    play = _play([
        {'name': 'update the shared key', 'register': 'outcome', 'ignore_errors': True,
         'onlyoffice.docspace.docspace_api_key': module_args},
        {'name': 'keep the result', 'ansible.builtin.copy': {
            'content': '{{ outcome | to_json }}', 'dest': '{{ result_files[inventory_hostname] }}'}},
    ], connection)
    play[0].update(hosts='race_a:race_b', vars=dict(
        per_host=per_host, result_files={'race_%s' % run: path for run, path in result_files.items()},
        ansible_python_interpreter=sys.executable))
    process = _run(workdir, 'race-%s-forks' % race, play, '-i', 'race_a,race_b,', '--forks', '2')
    return {run: (process, result_files[run]) for run in ('a', 'b')}


def concurrent_updates(bench, workdir, race, way='processes'):
    """Two runs (A with the API key, B with the password) update one key at once: two ansible-playbook processes, or
    one ansible-playbook with two hosts and two forks; returns dict(problems, summary, final, wanted, log, mixed)."""
    spec = RACES[race]
    bench.use(bench.http)
    bench.reset()
    start = bench.add_key(**spec['start'])
    owner = bench.users['owner']
    credentials = dict(a=dict(api_key=bench.secret('owner')), b=dict(username=owner['user_name'], password=owner['password']))
    schemes = dict(a='Bearer', b='Basic')
    # The first PUT to arrive is held 1.5 s before the portal applies it: without the module's lock, the other run
    # reads the old key meanwhile.
    bench.fault('PUT', scenarios.KEY_PATH, dict(action='pass', delay=1.5))

    def task_for(credential, run):
        return {'onlyoffice.docspace.docspace_api_key': dict(credential, key_id=start['id'], **spec[run])}

    connection = dict(base_url=bench.emulator.url, retries=1, timeout=10)
    starter = _start_forks if way == 'forks' else _start_processes
    processes = starter(workdir, race, task_for, connection, credentials)
    results, problems, outputs = {}, [], {}
    for run, (process, result_file) in processes.items():
        if process not in outputs:
            outputs[process] = process.communicate(timeout=PLAYBOOK_TIMEOUT)[0]
        output = outputs[process]
        if process.returncode != 0 or not os.path.exists(result_file):
            problems.append('run %s ended with rc %s: %s' % (run.upper(), process.returncode, output[-500:]))
            continue
        with open(result_file, encoding='utf-8') as handle:
            results[run] = json.load(handle)
    log = bench.log()
    puts = [entry for entry in log if entry['method'] == 'PUT']
    final = _view(bench.key(start['id']))
    initial = _view(dict(name=spec['start']['name'], permissions=spec['start']['permissions'], isActive=spec['start']['is_active']))
    wanted = {run: _wanted(initial, spec[run]) for run in ('a', 'b')}
    for run, result in results.items():
        sent = [entry for entry in puts if entry['auth_scheme'] == schemes[run]]
        if result.get('failed'):
            problems.append('run %s failed: %s' % (run.upper(), result.get('msg')))
            continue
        reported = result.get('api_key') or {}
        view = dict(name=reported.get('name'), permissions=sorted(reported.get('permissions') or []), is_active=reported.get('is_active'))
        if view != wanted[run]:
            problems.append('run %s reported %s, not what it asked for %s' % (run.upper(), view, wanted[run]))
        if bool(result.get('changed')) != bool(sent):
            problems.append('run %s reported changed=%s after %d PUT(s)' % (run.upper(), result.get('changed'), len(sent)))
        for entry in sent:
            # a field that is no module option (None) is never asked for
            unasked = sorted(field for field in entry['body'] or {} if PUT_FIELD_OPTION.get(field) not in spec[run])
            if unasked:
                problems.append('run %s sent fields it was not asked to set: %s' % (run.upper(), unasked))
    replayed = _replay(initial, [entry['body'] for entry in puts if entry['status'] == 200])
    if final != replayed:
        problems.append('the portal holds %s, but the PUTs it logged give %s' % (final, replayed))
    if final not in wanted.values():
        problems.append('the portal holds %s, neither wanted state %s' % (final, list(wanted.values())))
    landed_as = 'A' if final == wanted['a'] else 'B' if final == wanted['b'] else 'a field-wise mix (each field from the last PUT that set it)'
    first_put = next((index for index, entry in enumerate(log) if entry['method'] == 'PUT' and entry['status'] == 200), len(log))
    read_first = all(any(entry['method'] == 'GET' and entry['auth_scheme'] == scheme for entry in log[:first_put])
                     for scheme in schemes.values())
    summary = 'both read the key before the first PUT landed: %s; PUTs in portal order: %s; final %s = %s' % (
        'yes' if read_first else 'no',
        ', '.join('%s %s' % ('A' if entry['auth_scheme'] == 'Bearer' else 'B', json.dumps(entry['body'], sort_keys=True)) for entry in puts),
        json.dumps(final, sort_keys=True), landed_as)
    return dict(problems=problems, summary=summary, final=final, wanted=wanted, log=log, mixed=landed_as not in ('A', 'B'))
