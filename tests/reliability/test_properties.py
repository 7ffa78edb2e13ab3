# -*- coding: utf-8 -*-
# Copyright (c) onlyoffice.docspace contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Property tests (hypothesis): any argument, any portal answer: a result or one clear failure, never a traceback."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import reliability_properties as props  # pylint: disable=import-error

PROPERTY_SETTINGS = settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow], database=None)


@PROPERTY_SETTINGS
@given(example=props.KEY_TASKS)
def test_key_module_argument_space(session_bench, example):
    """docspace_api_key: right result or one clear line; nothing sent after refusing input; check mode predicts."""
    outcome, problems = props.check_task(session_bench, 'docspace_api_key', example)
    assert not problems, (outcome, problems)


@settings(PROPERTY_SETTINGS, max_examples=40)
@given(example=props.INFO_TASKS)
def test_info_module_argument_space(session_bench, example):
    """docspace_api_key_info: the same over its own options."""
    outcome, problems = props.check_task(session_bench, 'docspace_api_key_info', example)
    assert not problems, (outcome, problems)


@settings(PROPERTY_SETTINGS, max_examples=400)
@given(status=props.STATUSES, text=props.ANSWER_BODIES)
def test_read_answer_only_raises_docspace_error(status, text):
    """Any status and body: read_answer returns a value or raises DocSpaceError with a message and the status."""
    outcome, problems = props.check_answer(status, text)
    assert not problems, (outcome, problems)


@settings(PROPERTY_SETTINGS, max_examples=200)
@given(data=st.data(), module=st.sampled_from(['docspace_api_key', 'docspace_api_key_info']), check_mode=st.booleans(),
       status=st.sampled_from([200, 200, 200, 200, 500]))
def test_modules_survive_damaged_key_lists(session_bench, data, module, check_mode, status):
    """GET /keys answering random JSON, damaged keys or cut text: both modules end with a result or one clear failure."""
    body = data.draw(props.keys_answers(), label='body')
    outcome, problems = props.check_keys_answer(session_bench, module, status, body, check_mode)
    assert not problems, (outcome, problems)
