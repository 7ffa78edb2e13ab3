# -*- coding: utf-8 -*-
# Copyright (c) onlyoffice.docspace contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Bad input, one case at a time: refused before any request with one clear line, or handled right.

The random exploration of the same space is in test_properties.py.
"""

from __future__ import annotations

import pytest

import reliability_scenarios as scenarios  # pylint: disable=import-error


@pytest.mark.parametrize('scenario', scenarios.params('bad input'))
def test_bad_input(session_bench, scenario):
    """Names, scopes, key ids, URLs, time-outs, credentials and options the module must refuse or normalize."""
    outcome = scenarios.run_scenario(session_bench, scenario)
    assert not outcome.problems, outcome.problems
