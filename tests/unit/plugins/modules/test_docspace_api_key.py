# Copyright (c) onlyoffice.docspace contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import pytest

from ansible_collections.onlyoffice.docspace.plugins.modules import docspace_api_key
from ansible_collections.onlyoffice.docspace.plugins.module_utils._docspace import DocSpaceClient, DocSpaceError

from ansible_collections.onlyoffice.docspace.tests.unit.plugins.modules.fake_portal import (
    KEY_ID, FakeClient, make_key,
)

CONNECTION = {'base_url': 'http://portal.test', 'api_key': 'sk-' + 'a' * 64}
FAR_FUTURE = '2099-01-01T00:00:00.0000000Z'


@pytest.fixture
def portal(use_client):
    """Install a FakeClient with the given keys as the module's client and return it."""
    return lambda keys=None, **kwargs: use_client(FakeClient([make_key()] if keys is None else keys, **kwargs))


def run_task(run_module, check_mode=False, diff=False, **options):
    args = dict(CONNECTION, key_id=KEY_ID)
    args.update(options)
    return run_module(docspace_api_key.main, args, check_mode=check_mode, diff=diff)


def test_no_change_reads_once_and_writes_nothing(run_module, portal):
    client = portal()
    result = run_task(run_module, name='ci-deploy', permissions=['rooms:read', 'files:read', 'files:read'], state='active')
    assert result['changed'] is False
    assert client.calls == [('GET', 'keys', None)]
    assert result['api_key']['permissions'] == ['files:read', 'rooms:read']


def test_change_sends_only_differing_fields(run_module, portal):
    client = portal()
    result = run_task(run_module, name='ci-deploy', permissions=['files:read', 'rooms:read'], state='inactive')
    assert result['changed'] is True
    assert client.calls == [('GET', 'keys', None), ('PUT', 'keys/' + KEY_ID, {'isActive': False})]
    assert result['api_key']['is_active'] is False


def test_task_without_state_never_reactivates(run_module, portal):
    client = portal([make_key(isActive=False)])
    result = run_task(run_module, name='renamed')
    assert client.writes() == [('PUT', 'keys/' + KEY_ID, {'name': 'renamed'})]
    assert result['api_key']['is_active'] is False


@pytest.mark.parametrize('stored', [None, [], ['*'], ['files:read', '*']])
def test_full_access_equals_every_stored_form(run_module, portal, stored):
    client = portal([make_key(permissions=stored)])
    result = run_task(run_module, permissions=['*'])
    assert result['changed'] is False
    assert client.writes() == []
    assert result['api_key']['permissions'] == ['*']


def test_widening_to_full_access_sends_star(run_module, portal):
    client = portal()
    result = run_task(run_module, permissions=['*'])
    assert client.writes() == [('PUT', 'keys/' + KEY_ID, {'permissions': ['*']})]
    assert result['api_key']['permissions'] == ['*']


def test_check_mode_reports_change_and_diff_without_writing(run_module, portal):
    client = portal()
    result = run_task(run_module, check_mode=True, diff=True, name='new-name', state='inactive')
    assert result['changed'] is True
    assert client.writes() == []
    assert result['diff'] == {
        'before': {'name': 'ci-deploy', 'permissions': ['files:read', 'rooms:read'], 'is_active': True},
        'after': {'name': 'new-name', 'permissions': ['files:read', 'rooms:read'], 'is_active': False},
    }


def test_check_mode_and_real_run_agree(run_module, portal):
    portal()
    checked = run_task(run_module, check_mode=True, diff=True, permissions=['files:write'])
    portal()
    real = run_task(run_module, diff=True, permissions=['files:write'])
    assert checked == real


def test_diff_never_holds_a_secret(run_module, portal):
    portal([make_key(key='sk-' + 'b' * 64)])
    result = run_task(run_module, diff=True, name='x')
    assert 'sk-' not in repr(result)


def test_key_id_is_compared_case_insensitively(run_module, portal):
    client = portal()
    result = run_task(run_module, key_id='{%s}' % KEY_ID.upper(), state='active')
    assert result['changed'] is False and client.writes() == []
    assert not result.get('failed') and result['api_key']['id'] == KEY_ID


@pytest.mark.parametrize('options, words', [
    ({'key_id': 'not-a-uuid'}, 'key_id must be a UUID'),
    ({'name': ''}, 'must not be blank'),
    ({'name': '   '}, 'must not be blank'),
    ({'name': 'x' * 31}, 'at most 30 characters'),
    ({'name': '\U0001F511' * 16}, 'at most 30 characters'),  # 32 UTF-16 units, as .NET counts
    ({'permissions': []}, "['*'] for full access"),
])
def test_bad_input_fails_before_any_request(run_module, portal, options, words):
    client = portal()
    result = run_task(run_module, **options)
    assert result['failed'] and words in result['msg']
    assert client.calls == []


def test_name_of_thirty_characters_is_fine(run_module, portal):
    client = portal()
    result = run_task(run_module, name='x' * 30)
    assert result['changed'] is True and client.writes()[0][2] == {'name': 'x' * 30}


def test_unknown_key_fails_without_put(run_module, portal):
    client = portal([make_key(id='11111111-2222-3333-4444-555555555555')])
    result = run_task(run_module, state='inactive')
    assert result['failed'] and 'was not found' in result['msg'] and KEY_ID in result['msg']
    assert client.writes() == []


def test_expired_key_that_needs_a_change_fails_with_date(run_module, portal):
    client = portal([make_key(expiresAt='2026-01-01T00:00:00.0000000Z')])
    result = run_task(run_module, name='renamed')
    assert result['failed'] and 'expired on 2026-01-01T00:00:00.0000000Z' in result['msg']
    assert 'create a new one' in result['msg']
    assert client.writes() == []


def test_expired_key_already_as_wanted_is_ok_with_a_warning(run_module, portal):
    client = portal([make_key(expiresAt='2026-01-01T00:00:00.0000000+03:00')])
    result = run_task(run_module, name='ci-deploy')
    warnings = result['warnings']
    assert result['changed'] is False and result['api_key']['expired'] is True
    assert client.writes() == [] and any('expired' in text for text in warnings)


def test_false_answer_fails_and_reports_no_change(run_module, portal):
    portal(put_answer=False)
    result = run_task(run_module, state='inactive')
    assert result['failed'] and result['changed'] is False
    assert 'refused' in result['msg'] and result['status'] == 200


def test_unknown_scope_is_named_after_the_portal_refuses(run_module, portal):
    client = portal(put_error=DocSpaceError('PUT ... failed with HTTP 400: Permissions are not valid.', 400))
    result = run_task(run_module, permissions=['files:read', 'Files:Write'])
    assert result['failed'] and "'Files:Write'" in result['msg'] and result['status'] == 400
    assert ('GET', 'keys/permissions', None) in client.calls


def test_unknown_scope_fails_in_check_mode_too(run_module, portal):
    client = portal()
    result = run_task(run_module, check_mode=True, permissions=['files:delete'])
    assert result['failed'] and "'files:delete'" in result['msg']
    assert client.writes() == []


def test_portal_error_status_is_returned(run_module, portal):
    portal(put_error=DocSpaceError('PUT x failed with HTTP 403: not allowed.', 403))
    result = run_task(run_module, state='inactive')
    assert result['failed'] and result['status'] == 403 and result['changed'] is False


def test_auth_options_are_mutually_exclusive(run_module):
    """The real DocSpaceClient.from_module refuses them before any request (portal.test would not resolve)."""
    result = run_task(run_module, auth_token='token')
    assert result['failed'] and 'api_key and auth_token are mutually exclusive' in result['msg']


def test_connection_options_come_from_environment(run_module, portal, monkeypatch):
    seen = {}
    client = FakeClient([make_key()])

    def from_module(cls, module):
        seen.update(module.params)
        return client
    monkeypatch.setattr(DocSpaceClient, 'from_module', classmethod(from_module))
    monkeypatch.setenv('DOCSPACE_URL', 'https://env.portal.test')
    monkeypatch.setenv('DOCSPACE_API_KEY', 'sk-env')
    monkeypatch.setenv('DOCSPACE_TIMEOUT', '7')
    monkeypatch.setenv('DOCSPACE_RETRIES', '1')
    monkeypatch.setenv('DOCSPACE_VALIDATE_CERTS', 'false')
    result = run_module(docspace_api_key.main, {'key_id': KEY_ID})
    assert result['changed'] is False
    assert (seen['base_url'], seen['api_key'], seen['timeout'], seen['retries'], seen['validate_certs']) == \
        ('https://env.portal.test', 'sk-env', 7.0, 1, False)


@pytest.mark.parametrize('lost', [
    DocSpaceError('PUT failed: no answer within the 30-second timeout.', timed_out=True),
    DocSpaceError('PUT failed with HTTP 502: bad gateway.', 502),
    DocSpaceError('PUT failed with HTTP 504: gateway time-out.', 504),
])
def test_update_whose_answer_was_lost_but_applied_is_changed(run_module, portal, lost):
    client = portal(put_error=lost, put_applies=True)
    result = run_task(run_module, state='inactive', permissions=['files:read'])
    assert result['changed'] is True and not result.get('failed') and result['api_key']['is_active'] is False
    assert client.methods() == ['GET keys', 'PUT keys/' + KEY_ID, 'GET keys']


def test_update_whose_outcome_stays_unknown_fails_saying_so(run_module, portal):
    client = portal(put_error=DocSpaceError('PUT failed: no answer within the 30-second timeout.', timed_out=True))
    result = run_task(run_module, state='inactive')
    assert result['failed'] and 'is unknown' in result['msg'] and KEY_ID in result['msg']
    assert client.methods().count('PUT keys/' + KEY_ID) == 1 and client.methods().count('GET keys') > 2


@pytest.mark.parametrize('answer', [None, [], {'id': KEY_ID}, 'true', 1])
def test_update_answer_of_the_wrong_shape_fails_in_a_sentence(run_module, portal, answer):
    portal(put_answer=answer)
    result = run_task(run_module, state='inactive')
    assert result['failed'] and 'instead of true or false' in result['msg'] and 'refused' not in result['msg']


def test_a_key_without_the_write_scope_is_told_so(run_module, portal):
    portal(put_error=DocSpaceError('PUT x failed with HTTP 403: not allowed.', 403))
    result = run_task(run_module, state='inactive')
    assert result['failed'] and result['status'] == 403 and '*:write' in result['msg']


def test_unknown_key_id_is_named_in_its_canonical_form(run_module, portal):
    portal([])
    result = run_task(run_module, key_id='{%s}' % KEY_ID.upper(), state='inactive')
    assert result['failed'] and 'API key %s was not found' % KEY_ID in result['msg']


def test_unchanged_key_shows_the_same_before_and_after_in_diff(run_module, portal):
    portal()
    result = run_task(run_module, diff=True, state='active')
    view = {'name': 'ci-deploy', 'permissions': ['files:read', 'rooms:read'], 'is_active': True}
    assert result['changed'] is False and result['diff'] == {'before': view, 'after': view}


@pytest.mark.parametrize('check_mode', [False, True])
def test_update_of_a_key_with_an_expiry_returns_it_with_its_expiry(run_module, portal, check_mode):
    client = portal([make_key(expiresAt=FAR_FUTURE)])
    result = run_task(run_module, check_mode=check_mode, state='inactive')
    assert result['changed'] is True and len(client.writes()) == (0 if check_mode else 1)
    assert result['api_key']['expires_at'] == FAR_FUTURE and result['api_key']['expired'] is False
    assert result['api_key']['is_active'] is False and 'key' not in result['api_key']
