# -*- coding: utf-8 -*-
# Copyright (c) onlyoffice.docspace contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Faults injected into the emulator: retries, time-outs, every shape of answer, check mode, creations.

Each test runs the scenarios of one group of reliability_scenarios.SCENARIOS (the list report.py runs too); a
scenario fails when any of its expectations or any global invariant (see that module) does not hold.
"""

from __future__ import annotations

import pytest

import reliability_scenarios as scenarios  # pylint: disable=import-error


@pytest.mark.parametrize('scenario', scenarios.params('retries'))
def test_retries_and_timeouts(session_bench, scenario):
    """429/502/503/504 and broken connections are retried within retries and timeout (honouring Retry-After); 500 is not."""
    outcome = scenarios.run_scenario(session_bench, scenario)
    assert not outcome.problems, outcome.problems


@pytest.mark.parametrize('scenario', scenarios.params('answers'))
def test_every_answer_is_one_clear_message(session_bench, scenario):
    """Envelopes, empty bodies, HTML, cut or non-JSON bodies, JSON of the wrong shape: one line with the HTTP status."""
    outcome = scenarios.run_scenario(session_bench, scenario)
    assert not outcome.problems, outcome.problems


@pytest.mark.parametrize('scenario', scenarios.params('check mode'))
def test_check_mode_never_writes_under_faults(session_bench, scenario):
    """Check mode meets every kind of fault and never sends a POST, PUT or DELETE."""
    outcome = scenarios.run_scenario(session_bench, scenario)
    assert not outcome.problems, outcome.problems


@pytest.mark.parametrize('scenario', scenarios.params('creation'))
def test_creation_is_never_sent_twice_blindly(session_bench, scenario):
    """POST faults (503, cut answer, time-out, reset, 500, 429, 504): never two keys of one name."""
    outcome = scenarios.run_scenario(session_bench, scenario)
    assert not outcome.problems, outcome.problems


def test_scenarios_are_well_formed():
    """Titles are unique, every group has scenarios, and every fault targets the API."""
    titles = scenarios.scenario_ids()
    assert len(titles) == len(set(titles))
    groups = {scenario.group for scenario in scenarios.SCENARIOS}
    assert groups == {'retries', 'answers', 'check mode', 'creation', 'bad input', 'tls and proxies', 'hostile environment', 'secrets'}
    for scenario in scenarios.SCENARIOS:
        assert scenario.expect in ('ok', 'changed', 'failed'), scenario.sid
        assert all(path.startswith('^/api/2') for _method, path, _steps in scenario.faults), scenario.sid
