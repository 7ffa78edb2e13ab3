# Copyright (c) onlyoffice.docspace contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The wording of docspace_api_keys' results: what each write is called once done, and while still to do."""

from __future__ import annotations

import pytest

from ansible_collections.onlyoffice.docspace.plugins.module_utils._key_set import Step
from ansible_collections.onlyoffice.docspace.plugins.module_utils._key_set_run import done_text, label, todo_text

OLD = {'id': 'old-id', 'name': 'ci'}


def retire_later(step):
    step.retire_later = True
    return step


STEPS = {
    'created': Step('create', 'ci', body={}),
    'created inactive': Step('create', 'ci', body={}, active=False),
    'replaced': Step('replace', 'ci', key=OLD, body={}, reason='it expired'),
    'replaced, in use': retire_later(Step('replace', 'ci', key=OLD, body={}, reason='it expired')),
    'retired': Step('retire', 'ci', key=OLD, reason='it expired'),
    'deleted': Step('delete', 'ci', key=OLD),
    'deleted, unlisted': Step('delete', 'ci', key=OLD, unlisted=True),
    'deleted, leftover': Step('delete', 'ci', key=OLD, leftover=True),
    'deactivated, unlisted': Step('update', 'ci', key=OLD, changes={'isActive': False}, unlisted=True),
    'activated': Step('update', 'ci', key=OLD, changes={'isActive': True}),
    'deactivated': Step('update', 'ci', key=OLD, changes={'isActive': False}),
    'rescoped and activated': Step('update', 'ci', key=OLD, changes={'permissions': ['*'], 'isActive': True}),
    'rescoped': Step('update', 'ci', key=OLD, changes={'permissions': ['files:read']}),
}


@pytest.mark.parametrize('case, text', [
    ('created', 'created'),
    ('created inactive', 'created inactive'),
    ('replaced', 'replaced API key old-id, because it expired'),
    ('replaced, in use', 'made to replace API key old-id, because it expired'),
    ('retired', 'deleted, replaced by a new key'),
    ('deleted', 'deleted'),
    ('deleted, unlisted', 'deleted (not in config)'),
    ('deleted, leftover', 'deleted (left behind by an interrupted replacement)'),
    ('deactivated, unlisted', 'deactivated (not in config)'),
    ('activated', 'updated (activated)'),
    ('deactivated', 'updated (deactivated)'),
    ('rescoped and activated', 'updated (activated, permissions)'),
    ('rescoped', 'updated (permissions)'),
])
def test_done_text_says_what_the_write_did(case, text):
    assert done_text(STEPS[case]) == text


@pytest.mark.parametrize('case, text', [
    ('created', 'create'),
    ('replaced', 'replace'),
    ('retired', 'delete the old key of'),
    ('deleted, unlisted', 'delete'),
    ('deactivated, unlisted', 'deactivate'),
    ('activated', 'update'),
])
def test_todo_text_says_what_the_write_would_do(case, text):
    assert todo_text(STEPS[case]) == text


def test_label_names_the_key_made_else_the_key_written_else_only_the_name():
    assert label(STEPS['replaced'], {'id': 'new-id'}) == "API key 'ci' (new-id)"
    assert label(STEPS['replaced']) == "API key 'ci' (old-id)"
    assert label(STEPS['created'], {'id': 'new-id'}) == "API key 'ci' (new-id)"
    assert label(STEPS['created'], {'id': None}) == "API key 'ci'"  # check mode: the portal has not chosen an id
    assert label(STEPS['created']) == "API key 'ci'"
