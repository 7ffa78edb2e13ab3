# -*- coding: utf-8 -*-
# Copyright (c) onlyoffice.docspace contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Secrets stay out of results, diffs, warnings, failures and -vvv logs; a new key's secret only at api_key.key.

Every scenario of the suite already checks its result for every secret of the portal (reliability_scenarios); these
tests add the three ways to authenticate with diff mode, creations, and a real ansible-playbook -vvv run.
"""

from __future__ import annotations

import json

import pytest

import reliability_playbooks as playbooks  # pylint: disable=import-error
import reliability_scenarios as scenarios  # pylint: disable=import-error


@pytest.mark.parametrize('scenario', scenarios.params('secrets'))
def test_secrets_stay_out_of_results(session_bench, scenario):
    """API key, session token, password: none in the result or diff; a created secret only at api_key.key."""
    outcome = scenarios.run_scenario(session_bench, scenario)
    assert not outcome.problems, outcome.problems
    if scenario.diff:
        assert outcome.result['diff']['before'] != outcome.result['diff']['after']


def test_created_secret_appears_once_at_its_documented_place(bench, run_module, api_key_main):
    """The new secret is in the printed result exactly once, at api_key.key, also with diff and a warning."""
    result = run_module(api_key_main, dict(bench.connection(validate_certs=False), name='rel-once', permissions=['files:read']),
                        diff=True)
    secret = result['api_key']['key']
    stored = [key.secret for key in bench.emulator.portal.state.keys.values() if key.name == 'rel-once']
    assert stored == [secret]
    assert result.stdout.count(secret) == 1
    assert result.warnings and secret not in json.dumps(result['diff'])


def test_verbose_playbook_shows_no_secret(session_bench, tmp_path):
    """ansible-playbook -vvv --diff: updates with key, token and password, failures, no_log creation: no secret anywhere."""
    run = playbooks.verbose_run(session_bench, str(tmp_path))
    assert not run['problems'], (run['problems'], run['output'][-3000:])
