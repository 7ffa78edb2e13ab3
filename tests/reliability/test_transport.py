# -*- coding: utf-8 -*-
# Copyright (c) onlyoffice.docspace contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""TLS (a CA and a server certificate made in the test with openssl), proxies from the environment, User-Agent."""

from __future__ import annotations

import pytest

import reliability_harness as harness  # pylint: disable=import-error
import reliability_scenarios as scenarios  # pylint: disable=import-error


@pytest.mark.parametrize('scenario', scenarios.params('tls and proxies'))
def test_tls_and_proxies(session_bench, scenario):
    """validate_certs and ca_path are applied; HTTP_PROXY and https_proxy are honoured (CONNECT for HTTPS)."""
    outcome = scenarios.run_scenario(session_bench, scenario)
    assert not outcome.problems, outcome.problems
    if scenario.proxy:
        assert outcome.proxied and all(harness.PROXIED_HOST in target for _method, target in outcome.proxied)
        if scenario.emulator == 'https':
            assert {method for method, _target in outcome.proxied} == {'CONNECT'}


def test_proxied_name_does_not_resolve_without_the_proxy(bench, run_module, api_key_main):
    """The proxy tests prove something: without HTTP_PROXY the made-up host name cannot be reached."""
    target = bench.add_key(name='rel-target', permissions=['files:read'])
    args = bench.connection(base_url='http://%s:%d' % (harness.PROXIED_HOST, bench.emulator.port), retries=0)
    result = run_module(api_key_main, dict(args, key_id=target['id'], state='inactive'))
    assert result.failed and 'could not connect' in result.message and bench.log() == []


@pytest.mark.parametrize('scenario', scenarios.params('hostile environment'))
def test_hostile_environment(session_bench, scenario):
    """netrc, CA bundle and proxy variables in place; dripping, endless, gzip-bombed, nested and redirecting answers."""
    outcome = scenarios.run_scenario(session_bench, scenario)
    assert not outcome.problems, outcome.problems


def test_user_agent_names_the_collection(bench, run_module, api_key_main):
    """Every request says onlyoffice.docspace-ansible (no version: a module cannot read the built collection's)."""
    target = bench.add_key(name='rel-target', permissions=['files:read'])
    result = run_module(api_key_main, dict(bench.connection(), key_id=target['id'], permissions=['rooms:read']))
    assert result.changed
    agents = {entry['user_agent'] for entry in bench.log()}
    assert agents == {'onlyoffice.docspace-ansible'}
