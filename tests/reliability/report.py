# -*- coding: utf-8 -*-
# Copyright (c) onlyoffice.docspace contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Write docs/reliability.md: every fault scenario and bad input of the reliability suite, run now, with its outcome.

Runs the same scenario list as the tests (reliability_scenarios.SCENARIOS), the same property checks derandomized
(reliability_properties) and the same ansible-playbook runs (reliability_playbooks), against the in-process emulator.

usage: python tests/reliability/report.py [--output docs/reliability.md] [--examples N]
Use the Python of a test venv (ansible-core, requests, hypothesis), e.g. .cache/venvs/core-2.19-py3.11/bin/python.
Exits 1 when any verdict is not "pass".
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
if HERE not in sys.path:
    sys.path.insert(0, HERE)

# pylint: disable=wrong-import-position,import-error
import ansible.release  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

import reliability_harness as harness  # noqa: E402
import reliability_playbooks as playbooks  # noqa: E402
import reliability_properties as properties  # noqa: E402
import reliability_scenarios as scenarios  # noqa: E402

# pylint: enable=wrong-import-position,import-error

DEFAULT_OUTPUT = os.path.join(harness.REPO_ROOT, 'docs', 'reliability.md')
MESSAGE_WIDTH = 240
GROUP_TITLES = {
    'retries': 'Retries and time-outs',
    'answers': 'Every shape of portal answer',
    'check mode': 'Check mode under every kind of fault',
    'creation': 'Creations (POST is never retried blindly)',
    'bad input': 'Bad input',
    'tls and proxies': 'TLS and proxies',
    'secrets': 'Secrets',
}
TEST_OF_GROUP = {
    'retries': 'test_faults.py::test_retries_and_timeouts',
    'answers': 'test_faults.py::test_every_answer_is_one_clear_message',
    'check mode': 'test_faults.py::test_check_mode_never_writes_under_faults',
    'creation': 'test_faults.py::test_creation_is_never_sent_twice_blindly',
    'bad input': 'test_bad_input.py::test_bad_input',
    'tls and proxies': 'test_transport.py::test_tls_and_proxies',
    'secrets': 'test_secrets.py::test_secrets_stay_out_of_results',
}
UUID_RE = re.compile(r'[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}')


def stable(text, context=None):
    """Text without what changes from run to run: the emulator's port, key ids."""
    for name in ('key_id', 'key_id_upper', 'key_id_short'):
        if context and context.get(name):
            text = text.replace(context[name], '{%s}' % name)
    if context and context.get('port'):
        text = re.sub(r':%d\b' % context['port'], ':PORT', text)
    return UUID_RE.sub('{id}', text)


def cell(text, width=None, context=None):
    text = stable(str(text), context).replace('\n', ' ').replace('|', '\\|')
    if width and len(text) > width:
        text = text[:width - 1].rstrip() + '…'
    return text


def outcome_label(outcome):
    label = outcome.result.outcome
    if outcome.scenario.check_mode:
        label += ' (check)'
    if outcome.result.get('status') is not None:
        label += ', status %s' % outcome.result['status']
    return label


def scenario_sections(bench):
    lines, failures = [], 0
    for group, title in GROUP_TITLES.items():
        members = scenarios.of_group(group)
        lines += ['', '### %s' % title, '', 'Test: `tests/reliability/%s`.' % TEST_OF_GROUP[group], '',
                  '| Scenario | Injected / given | Requests the portal saw | Outcome | Message | Verdict |',
                  '|---|---|---|---|---|---|']
        for scenario in members:
            outcome = scenarios.run_scenario(bench, scenario)
            failures += bool(outcome.problems)
            message = outcome.result.message or '; '.join(outcome.result.warnings) or ''
            context = outcome.context
            lines.append('| %s | %s | %s | %s | %s | %s |' % (
                cell(scenario.title), cell(scenario.given, context=context), cell(harness.describe_log(outcome.log)),
                cell(outcome_label(outcome)), cell(message, MESSAGE_WIDTH, context), cell(outcome.verdict, context=context)))
    return lines, failures


def property_section(bench, examples):
    explorations = [
        ('docspace_api_key options (names, scopes, key ids, URLs, credentials, expiry, state, check mode)',
         'test_properties.py::test_key_module_argument_space', properties.KEY_TASKS,
         lambda example: properties.check_task(bench, 'docspace_api_key', example), examples),
        ('docspace_api_key_info options', 'test_properties.py::test_info_module_argument_space', properties.INFO_TASKS,
         lambda example: properties.check_task(bench, 'docspace_api_key_info', example), examples // 2),
        ('read_answer(status, body): random JSON, envelopes, cut text', 'test_properties.py::test_read_answer_only_raises_docspace_error',
         st.tuples(properties.STATUSES, properties.ANSWER_BODIES), lambda example: properties.check_answer(*example), examples * 5),
        ('GET /keys answering damaged keys, random JSON or cut text, both modules',
         'test_properties.py::test_modules_survive_damaged_key_lists',
         st.tuples(st.sampled_from(['docspace_api_key', 'docspace_api_key_info']), st.booleans(),
                   st.sampled_from([200, 200, 200, 200, 500]), properties.keys_answers()),
         lambda example: properties.check_keys_answer(bench, example[0], example[2], example[3], example[1]), examples),
    ]
    lines = ['', '## Random exploration (hypothesis, derandomized)', '',
             'The same strategies and checks as `tests/reliability/test_properties.py`, run here with a fixed seed and '
             'without shrinking. Every example must end in a result or one clear failure line (never a traceback); input '
             'the README rules refuse must be refused before any request; a failed run must leave the portal unchanged; '
             'check mode must send no write and predict the real run; a successful run must be `ok` when run again; no '
             'secret may reach the result.', '',
             '| Space | Test | Examples | Outcomes | Problems |', '|---|---|---|---|---|']
    failures = 0
    for title, test, strategy, check, count in explorations:
        tally, problems = properties.explore(strategy, check, count)
        failures += len(problems)
        outcomes = ', '.join('%s %d' % (name, number) for name, number in sorted(tally.items()))
        shown = 'none' if not problems else cell('; '.join('%r: %s' % (example, found) for example, found in problems[:3]), 400)
        lines.append('| %s | `%s` | %d | %s | %s |' % (title, test, sum(tally.values()), outcomes, shown))
    return lines, failures


def playbook_section(bench):
    lines = ['', '## Real ansible-playbook runs', '',
             '| Run | Test | What happened | Verdict |', '|---|---|---|---|']
    failures = 0
    with tempfile.TemporaryDirectory(prefix='docspace-report-') as workdir:
        run = playbooks.verbose_run(bench, workdir)
        failures += bool(run['problems'])
        lines.append('| `-vvv --diff`: updates with an API key, a session token and a password (refused with 403), refused '
                     'input, unknown key, creation with `no_log` | `test_secrets.py::test_verbose_playbook_shows_no_secret` | '
                     '%s; portal saw %s | %s |' % (cell(run['summary']), cell(harness.describe_log(run['log'])),
                                                   'pass' if not run['problems'] else cell('FAIL: ' + '; '.join(run['problems']))))
    return lines, failures


HEADER = '''# Reliability and security report

<!-- Generated by tests/reliability/report.py: do not edit by hand. -->

Generated by `tests/reliability/report.py` (ansible-core {core}, Python {python}) against the in-process DocSpace
emulator of `tests/emulator/`. To regenerate:

```bash
.cache/venvs/core-2.19-py3.11/bin/python tests/reliability/report.py
```

The scenarios are the ones the pytest suite runs (`tests/reliability/reliability_scenarios.py`, one list for both):
`.cache/venvs/core-2.19-py3.11/bin/python -m pytest tests/reliability`. Ports and key ids are replaced by `PORT` and
`{{id}}` so that the file only changes when behaviour does. How many mutants of the code the unit tests kill is
measured by the optional mutation stage of the test command (mutmut), not here.

**{passed} of {total} scenarios pass; {problems} problem(s) in the random exploration; {runs} problem(s) in the playbook runs.**

## Checked for every scenario

- The outcome (`ok`, `changed`, `failed`), and for failures the HTTP status (`status`) and the words the message must
  and must not hold (no .NET stack, no HTML, no body content).
- No traceback, and a failure is one non-empty line reporting `changed: false`.
- Check mode sends no POST, PUT or DELETE, whatever the faults.
- The POST/PUT/DELETE requests the portal saw, in order, when the scenario says which (`PUT 429, PUT 503, PUT 200`).
- Time bounds where the scenario is about time (Retry-After honoured; a time-out fails in about `timeout` × attempts).
- Never two keys of one name after a creation, and a new key's secret returned at `api_key.key` only when this run
  created it.
- No secret of the portal (API keys, passwords, session tokens, created secrets, the credentials given) anywhere in
  the result except a created key's secret at `api_key.key`.
- Every request carries the User-Agent `onlyoffice.docspace-ansible`.

## Faults and bad inputs
'''

LIMITATIONS = '''
## Known limitations

- **Concurrent runs are not coordinated.** DocSpace has no conditional update (no ETag or version), and a run sends
  only the properties that differ from the key it read: two runs that read a key before either writes can leave a mix
  of both wanted states (each field holds the value of the last PUT that set it). Tasks that change one key from
  several hosts should use `throttle: 1` or `run_once: true`. Each run still reports what it asked for, and `changed`
  is true exactly when it sent a PUT.
- **A creation whose answer was lost is never repeated blindly.** After a time-out, a dropped connection or HTTP 500,
  502 or 504 on POST, the module lists the keys again with back-off for at least 10 seconds (and at least `timeout`)
  and adopts the key if it appears; otherwise it fails saying how long to wait before running again (which then finds
  the key; its secret cannot be shown then).
'''


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--output', default=DEFAULT_OUTPUT, help='where to write the report (default: docs/reliability.md)')
    parser.add_argument('--examples', type=int, default=100, help='examples per explored space (default: 100)')
    options = parser.parse_args(argv)
    bench = harness.Bench()
    bench.https  # pylint: disable=pointless-statement  # make the TLS material now, outside any timed scenario
    try:
        with harness.clean_environment():
            scenario_lines, scenario_failures = scenario_sections(bench)
            property_lines, property_failures = property_section(bench, options.examples)
            playbook_lines, playbook_failures = playbook_section(bench)
    finally:
        bench.stop()
    total = len(scenarios.SCENARIOS)
    header = HEADER.format(core=ansible.release.__version__, python='%d.%d' % sys.version_info[:2],
                           passed=total - scenario_failures, total=total, problems=property_failures, runs=playbook_failures)
    text = header + '\n'.join(scenario_lines + property_lines + playbook_lines) + '\n' + LIMITATIONS
    with open(options.output, 'w', encoding='utf-8') as handle:
        handle.write(text)
    failures = scenario_failures + property_failures + playbook_failures
    print('%s: %d scenarios, %d failing; %d problems in random exploration; %d failing playbook runs'
          % (options.output, total, scenario_failures, property_failures, playbook_failures))
    return 1 if failures else 0


if __name__ == '__main__':
    sys.exit(main())
