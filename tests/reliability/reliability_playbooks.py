# -*- coding: utf-8 -*-
# Copyright (c) onlyoffice.docspace contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Real ansible-playbook runs against the emulator, shared by the tests and report.py.

- ``verbose_run``: one playbook at -vvv with --diff (updates with an API key, a session token and a password, failures,
  a creation with no_log) whose whole output must hold no secret.
"""

from __future__ import annotations

import json
import os

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
