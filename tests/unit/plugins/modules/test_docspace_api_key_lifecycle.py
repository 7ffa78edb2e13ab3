# Copyright (c) onlyoffice.docspace contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Create by name, delete, find by name, expiry: docspace_api_key beyond updates."""

from __future__ import annotations

import copy
import datetime
import os
import stat

import pytest

from ansible_collections.onlyoffice.docspace.plugins.modules import docspace_api_key
from ansible_collections.onlyoffice.docspace.plugins.module_utils._api_keys import format_date, utc_now
from ansible_collections.onlyoffice.docspace.plugins.module_utils._docspace import DocSpaceError, lost
from ansible_collections.onlyoffice.docspace.tests.unit.plugins.modules.fake_portal import (
    KEY_ID, ME, NEW_ID, OTHER_USER, SECRET, FakeClient, make_key)

CONNECTION = {'base_url': 'http://portal.test', 'api_key': 'sk-' + 'a' * 64}
THEIRS = {'id': OTHER_USER, 'displayName': 'Somebody else'}
FAR_FUTURE = '2099-01-01T00:00:00.0000000Z'
SECOND_ID = '22222222-0000-4000-8000-000000000000'
RENEW = dict(name='ci-deploy', recreate='when_needed', renew_before_days=14)


@pytest.fixture
def portal(use_client):
    return lambda keys=None, **kwargs: use_client(FakeClient([make_key()] if keys is None else keys, **kwargs))


def run_task(run_module, check_mode=False, diff=False, **options):
    args = dict(CONNECTION)
    args.update(options)
    return run_module(docspace_api_key.main, args, check_mode=check_mode, diff=diff)


def test_create_by_name_returns_the_secret_once(run_module, portal):
    client = portal([])
    result = run_task(run_module, name='ci-deploy', permissions=['files:read'], expires_in_days=30)
    assert result['changed'] is True
    assert client.methods() == ['GET keys', 'POST keys']
    assert client.calls[1][2] == {'name': 'ci-deploy', 'permissions': ['files:read'], 'expiresInDays': 30}
    assert result['api_key']['key'] == SECRET and result['api_key']['id'] == NEW_ID

    rerun = run_task(run_module, name='ci-deploy', permissions=['files:read'])
    assert rerun['changed'] is False and 'key' not in rerun['api_key']
    assert client.methods()[2:] == ['GET keys', 'GET people/@self']


def test_create_full_access_is_written_as_star(run_module, portal):
    client = portal([])
    result = run_task(run_module, name='full', permissions=['*'])
    assert client.calls[1][2]['permissions'] == ['*'] and client.calls[1][2]['expiresInDays'] is None
    assert result['api_key']['permissions'] == ['*']


def test_create_requires_permissions(run_module, portal):
    client = portal([])
    result = run_task(run_module, name='ci-deploy')
    assert result['failed'] and "['*'] for full access" in result['msg']
    assert client.writes() == []


def test_create_inactive_creates_then_deactivates(run_module, portal):
    client = portal([])
    result = run_task(run_module, name='parked', permissions=['files:read'], state='inactive')
    assert client.writes() == [('POST', 'keys', {'name': 'parked', 'permissions': ['files:read'], 'expiresInDays': None}),
                               ('PUT', 'keys/' + NEW_ID, {'isActive': False})]
    assert result['api_key']['is_active'] is False and result['api_key']['key'] == SECRET


def test_create_inactive_that_cannot_be_deactivated_still_hands_over_the_secret(run_module, portal):
    portal([], put_error=DocSpaceError('PUT failed with HTTP 503: unavailable.', 503))
    result = run_task(run_module, name='parked', permissions=['files:read'], state='inactive')
    assert result['failed'] and result['changed'] is True
    assert result['api_key']['key'] == SECRET and 'could not deactivate' in result['msg']


def test_check_mode_create_sends_nothing(run_module, portal):
    client = portal([])
    result = run_task(run_module, check_mode=True, diff=True, name='ci', permissions=['files:read'], expires_in_days=7)
    assert result['changed'] is True and client.writes() == []
    assert result['api_key']['id'] is None and 'key' not in result['api_key']
    assert result['api_key']['expires_at'] is not None
    assert result['diff'] == {'before': {}, 'after': {'name': 'ci', 'permissions': ['files:read'], 'is_active': True}}


def test_name_lookup_never_takes_over_another_users_key(run_module, portal):
    client = portal([make_key(name='shared-name', createBy=THEIRS)])
    result = run_task(run_module, name='shared-name', permissions=['files:read'])
    assert result['changed'] is True and [call[0] for call in client.writes()] == ['POST']
    assert result['api_key']['id'] == NEW_ID


def test_two_own_keys_with_the_name_fail_listing_ids(run_module, portal):
    second = '22222222-0000-4000-8000-000000000000'
    client = portal([make_key(name='dup'), make_key(id=second, name='dup'), make_key(id=NEW_ID, name='dup', createBy=THEIRS)])
    result = run_task(run_module, name='dup', state='inactive')
    assert result['failed'] and KEY_ID in result['msg'] and second in result['msg'] and NEW_ID not in result['msg']
    assert 'key_id' in result['msg'] and client.writes() == []


def test_key_id_with_name_renames_and_never_creates(run_module, portal):
    client = portal([])
    result = run_task(run_module, key_id=KEY_ID, name='x', permissions=['*'])
    assert result['failed'] and 'was not found' in result['msg'] and client.writes() == []


def test_update_by_name(run_module, portal):
    client = portal()
    result = run_task(run_module, name='ci-deploy', state='inactive')
    assert result['changed'] and client.writes() == [('PUT', 'keys/' + KEY_ID, {'isActive': False})]


@pytest.mark.parametrize('options', [{'key_id': KEY_ID}, {'name': 'ci-deploy'}])
def test_absent_deletes(run_module, portal, options):
    client = portal()
    result = run_task(run_module, diff=True, state='absent', **options)
    assert result['changed'] is True and client.writes() == [('DELETE', 'keys/' + KEY_ID, None)]
    assert result['api_key']['id'] == KEY_ID and result['diff']['after'] == {}


@pytest.mark.parametrize('options', [{'key_id': KEY_ID}, {'name': 'ci-deploy'}])
def test_absent_when_gone_is_ok_and_sends_no_delete(run_module, portal, options):
    client = portal([])
    result = run_task(run_module, state='absent', **options)
    assert result['changed'] is False and result['api_key'] is None and client.writes() == []


def test_absent_in_check_mode(run_module, portal):
    client = portal()
    result = run_task(run_module, check_mode=True, key_id=KEY_ID, state='absent')
    assert result['changed'] is True and client.writes() == []


def test_absent_leaves_another_users_key_of_that_name(run_module, portal):
    client = portal([make_key(createBy=THEIRS)])
    result = run_task(run_module, name='ci-deploy', state='absent')
    assert result['changed'] is False and client.writes() == []


def test_delete_answered_500_after_it_went_through_is_changed(run_module, portal):
    client = portal(delete_answers=[DocSpaceError('DELETE failed with HTTP 500: Object reference not set.', 500)])
    client.keys = []  # the first, retried attempt had already deleted it: only the first listing shows the key
    keys = [make_key()]
    original_get = client.get

    def get(path):
        if path == 'keys' and keys:
            client.calls.append(('GET', path, None))
            return [keys.pop()]
        return original_get(path)
    client.get = get
    result = run_task(run_module, key_id=KEY_ID, state='absent')
    assert result['changed'] is True and client.methods() == ['GET keys', 'DELETE keys/' + KEY_ID, 'GET keys']


def test_delete_answered_false_fails(run_module, portal):
    portal(delete_answers=[False])
    result = run_task(run_module, key_id=KEY_ID, state='absent')
    assert result['failed'] and 'refused to delete' in result['msg'] and result['changed'] is False


@pytest.mark.parametrize('days', [0, 366, -1])
def test_expires_in_days_out_of_range(run_module, portal, days):
    client = portal([])
    result = run_task(run_module, name='x', permissions=['*'], expires_in_days=days)
    assert result['failed'] and 'from 1 to 365' in result['msg'] and client.calls == []


def test_expiry_compares_with_original_lifetime(run_module, portal):
    key = make_key(createOn='2026-11-01T10:00:00.0000000Z', expiresAt='2026-12-31T10:00:00.0000000Z')
    client = portal([key])
    same = run_task(run_module, name='ci-deploy', expires_in_days=60, permissions=['files:read', 'rooms:read'])
    assert same['changed'] is False
    other = run_task(run_module, name='ci-deploy', expires_in_days=30)
    assert other['failed'] and 'created to expire after 60 day(s), not 30' in other['msg'] and 'create it again' in other['msg']
    never = run_task(run_module, key_id=KEY_ID, expires_in_days=30)
    assert never['failed']
    assert client.writes() == []


def test_key_that_never_expires_with_expires_in_days(run_module, portal):
    portal()
    result = run_task(run_module, key_id=KEY_ID, expires_in_days=30)
    assert result['failed'] and 'never expires' in result['msg']


def test_creation_that_timed_out_but_happened_is_adopted(run_module, portal):
    client = portal([], post_answers=[DocSpaceError('POST failed: no answer within the 30-second timeout.', timed_out=True)],
                    appears_after_post_error=True)
    result = run_task(run_module, name='ci', permissions=['files:read'])
    warnings = result['warnings']
    assert result['changed'] is True and result['api_key']['id'] == NEW_ID and 'key' not in result['api_key']
    assert [call[0] for call in client.writes()] == ['POST']
    assert any('adopted' in text for text in warnings)


def test_creation_whose_answer_was_lost_is_looked_for_until_it_appears(run_module, portal):
    """The portal may still be making the key: the list is read again, with back-off, until the key shows."""
    client = portal([], post_answers=[DocSpaceError('POST failed with HTTP 504: gateway time-out.', 504)])
    appear_on_list = [4]

    def listing():
        appear_on_list[0] -= 1
        if appear_on_list[0] == 0:
            client.keys.append(make_key(id=NEW_ID, name='ci'))
        return list(client.keys)
    client.listing = listing
    result = run_task(run_module, name='ci', permissions=['files:read'])
    assert result['changed'] is True and result['api_key']['id'] == NEW_ID and 'key' not in result['api_key']
    assert client.methods().count('GET keys') == 4 and [call[0] for call in client.writes()] == ['POST']


def test_creation_that_never_appears_fails_saying_how_long_to_wait(run_module, portal):
    client = portal([], post_answers=[DocSpaceError('POST failed: no answer within the 30-second timeout.', timed_out=True)])
    result = run_task(run_module, name='ci', permissions=['files:read'], timeout=30)
    assert result['failed'] and result['changed'] is False
    assert 'wait 30 seconds before running the task again' in result['msg']
    assert [call[0] for call in client.writes()] == ['POST'] and client.methods().count('GET keys') > 2


def test_creation_answered_500_is_looked_for_and_never_sent_twice(run_module, portal):
    client = portal([], post_answers=[DocSpaceError('POST failed with HTTP 500: boom.', 500)])
    result = run_task(run_module, name='ci', permissions=['files:read'])
    assert result['failed'] and result['status'] == 500 and result['changed'] is False
    assert [call[0] for call in client.writes()] == ['POST']


def test_creation_answered_503_is_looked_for_and_adopted_when_it_was_made(run_module, portal):
    """A proxy may answer 503 after the portal reset the connection in the middle of the creation."""
    client = portal([], post_answers=[DocSpaceError('POST failed with HTTP 503: unavailable.', 503)],
                    appears_after_post_error=True)
    result = run_task(run_module, name='ci', permissions=['files:read'])
    assert result['changed'] is True and result['api_key']['id'] == NEW_ID and 'key' not in result['api_key']
    assert [call[0] for call in client.writes()] == ['POST']


def test_creation_rate_limited_says_when_to_run_again(run_module, portal):
    client = portal([], post_answers=[DocSpaceError('POST failed with HTTP 429: too many requests.', 429)] * 5)
    result = run_task(run_module, name='ci', permissions=['files:read'])
    assert result['failed'] and result['status'] == 429
    assert '5 new API keys per 15 minutes' in result['msg']
    assert client.methods() == ['GET keys', 'POST keys']


@pytest.mark.parametrize('answer', [True, [], 'sk-' + 'a' * 64, {}, {'id': 5}, None])
def test_creation_answer_of_the_wrong_shape_fails_in_a_sentence(run_module, portal, answer):
    portal([], post_answers=[answer])
    result = run_task(run_module, name='ci', permissions=['files:read'])
    assert result['failed'] and 'instead of the new API key' in result['msg']
    assert 'sk-' not in result['msg'] and 'aaaa' not in result['msg']


def test_creation_with_unknown_scope_names_it(run_module, portal):
    portal([], post_answers=[DocSpaceError('POST failed with HTTP 400: Permissions are not valid.', 400)])
    result = run_task(run_module, name='ci', permissions=['rooms:delete'])
    assert result['failed'] and "'rooms:delete'" in result['msg']


def test_created_key_without_the_secret_in_its_answer_returns_no_secret(run_module, portal):
    portal([], post_answers=[make_key(id=NEW_ID, name='ci', key=None)])
    result = run_task(run_module, name='ci', permissions=['files:read'])
    assert result['changed'] is True and 'key' not in result['api_key']


def test_scopes_with_stray_spaces_are_trimmed(run_module, portal):
    client = portal([])
    result = run_task(run_module, name='ci', permissions=['files:read', ' rooms:read '])
    assert client.writes()[0][2]['permissions'] == ['files:read', 'rooms:read']
    assert result['api_key']['permissions'] == ['files:read', 'rooms:read']


def test_check_mode_create_names_the_caller_as_creator(run_module, portal):
    portal([])
    result = run_task(run_module, check_mode=True, name='ci', permissions=['files:read'])
    assert result['api_key']['created_by'] == {'id': ME, 'display_name': 'Administrator'}
    assert result['api_key']['created_on'] and result['api_key']['id'] is None


def test_absent_by_id_of_an_invisible_key_warns_a_non_admin(run_module, portal):
    client = portal([], me={'id': ME, 'displayName': 'Dev', 'isAdmin': False})
    result = run_task(run_module, key_id=KEY_ID, state='absent')
    assert result['changed'] is False and not result.get('failed') and client.writes() == []
    assert any(KEY_ID in text and 'another user' in text for text in result['warnings'])


def test_absent_by_id_of_an_invisible_key_is_plainly_ok_for_an_admin(run_module, portal):
    portal([])
    result = run_task(run_module, key_id=KEY_ID, state='absent')
    assert result['changed'] is False and result['warnings'] == []


def test_absent_by_name_asks_nobody_who_the_caller_is(run_module, portal):
    client = portal([])
    result = run_task(run_module, name='ci', state='absent')
    assert result['changed'] is False and client.methods() == ['GET keys']


def test_delete_whose_answer_was_lost_is_read_back(run_module, portal):
    client = portal(delete_answers=[DocSpaceError('DELETE failed with HTTP 502: bad gateway.', 502)], delete_applies=True)
    result = run_task(run_module, key_id=KEY_ID, state='absent')
    assert result['changed'] is True and not result.get('failed')
    assert client.methods() == ['GET keys', 'DELETE keys/' + KEY_ID, 'GET keys']


def test_delete_whose_outcome_stays_unknown_fails_saying_so(run_module, portal):
    client = portal(delete_answers=[DocSpaceError('DELETE failed: no answer.', timed_out=True)])
    result = run_task(run_module, key_id=KEY_ID, state='absent')
    assert result['failed'] and 'is unknown' in result['msg']
    assert client.methods().count('DELETE keys/' + KEY_ID) == 1


@pytest.mark.parametrize('answer', [None, 'true', [], {'response': True}])
def test_delete_answer_of_the_wrong_shape_fails(run_module, portal, answer):
    portal(delete_answers=[answer])
    result = run_task(run_module, key_id=KEY_ID, state='absent')
    assert result['failed'] and 'instead of true or false' in result['msg']


def test_key_id_or_name_is_required(run_module, portal):
    client = portal()
    result = run_task(run_module, state='absent')
    assert result['failed'] and 'key_id, name' in result['msg'] and client.calls == []


def refuse_every_listing_but_the_first(client):
    """From the second GET /keys on, the credentials are refused (HTTP 401), as after deleting the key in use."""
    listings = []

    def listing():
        listings.append(1)
        if len(listings) > 1:
            raise DocSpaceError('GET failed with HTTP 401: authentication failed.', 401)
        return list(client.keys)
    client.listing = listing


def test_deleting_the_key_in_use_whose_answer_was_lost_is_confirmed_by_the_refusal_that_follows(run_module, portal):
    """The task deletes the key it authenticates with; the answer is lost and every later request is refused (401)."""
    client = portal(delete_answers=[DocSpaceError('DELETE failed: no answer within the 30-second timeout.', timed_out=True)])
    refuse_every_listing_but_the_first(client)
    result = run_task(run_module, key_id=KEY_ID, state='absent')
    assert result['changed'] is True and not result.get('failed')
    assert client.methods() == ['GET keys', 'DELETE keys/' + KEY_ID, 'GET keys']


def test_a_refusal_after_a_lost_rename_proves_nothing(run_module, portal):
    client = portal(put_error=DocSpaceError('PUT failed: no answer within the 30-second timeout.', timed_out=True))
    refuse_every_listing_but_the_first(client)
    result = run_task(run_module, key_id=KEY_ID, name='renamed')
    assert result['failed'] and 'is unknown' in result['msg']


def lost_then_refused(method):
    """The client's error when the write got through, its answer was lost, and the retry was refused (HTTP 401)."""
    return lost(DocSpaceError('%s failed with HTTP 401: authentication failed.' % method, 401))


def test_deleting_the_key_in_use_whose_retry_was_refused_is_confirmed(run_module, portal):
    client = portal(delete_answers=[lost_then_refused('DELETE')], delete_applies=True)
    refuse_every_listing_but_the_first(client)
    result = run_task(run_module, key_id=KEY_ID, state='absent')
    assert result['changed'] is True and not result.get('failed')
    assert client.methods() == ['GET keys', 'DELETE keys/' + KEY_ID, 'GET keys']


def test_deactivating_the_key_in_use_whose_retry_was_refused_is_confirmed(run_module, portal):
    client = portal(put_error=lost_then_refused('PUT'), put_applies=True)
    refuse_every_listing_but_the_first(client)
    result = run_task(run_module, key_id=KEY_ID, state='inactive')
    assert result['changed'] is True and not result.get('failed')
    assert [call[0] for call in client.writes()] == ['PUT']


def test_a_refusal_that_was_the_first_answer_is_an_authentication_failure(run_module, portal):
    client = portal(delete_answers=[DocSpaceError('DELETE failed with HTTP 401: authentication failed.', 401)])
    result = run_task(run_module, key_id=KEY_ID, state='absent')
    assert result['failed'] and result['changed'] is False and result['status'] == 401
    assert client.methods() == ['GET keys', 'DELETE keys/' + KEY_ID]


def key_expiring_in(days, lifetime=90, **overrides):
    expires = utc_now() + datetime.timedelta(days=days)
    return make_key(createOn=format_date(expires - datetime.timedelta(days=lifetime)), expiresAt=format_date(expires),
                    **overrides)


def without(described, *names):
    return {name: value for name, value in described.items() if name not in names}


# --- deletion -------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize('check_mode', [False, True])
def test_absent_returns_and_diffs_the_deleted_key_with_its_expiry(run_module, portal, check_mode):
    client = portal([make_key(expiresAt=FAR_FUTURE)])
    result = run_task(run_module, check_mode=check_mode, diff=True, key_id=KEY_ID, state='absent')
    assert result['changed'] is True and len(client.writes()) == (0 if check_mode else 1)
    assert result['api_key']['id'] == KEY_ID and result['api_key']['expires_at'] == FAR_FUTURE
    assert result['api_key']['expired'] is False and 'key' not in result['api_key']
    assert result['diff'] == {
        'before': {'name': 'ci-deploy', 'permissions': ['files:read', 'rooms:read'], 'is_active': True}, 'after': {}}


def test_absent_with_recreate_and_two_own_keys_of_the_name_fails_and_touches_neither(run_module, portal):
    client = portal([make_key(), make_key(id=SECOND_ID)])
    result = run_task(run_module, name='ci-deploy', recreate='when_needed', state='absent')
    assert result['failed'] and KEY_ID in result['msg'] and SECOND_ID in result['msg']
    assert client.writes() == [] and 'retired_keys' not in result


def test_absent_leaves_the_secret_file_alone(run_module, portal, tmp_path):
    client = portal()
    dest = tmp_path / 'ci.key'
    dest.write_text('sk-' + 'f' * 60 + '9f3a')
    dest.chmod(0o644)
    result = run_task(run_module, name='ci-deploy', state='absent', secret_dest=str(dest))
    assert result['changed'] is True and client.writes() == [('DELETE', 'keys/' + KEY_ID, None)]
    assert stat.S_IMODE(os.stat(dest).st_mode) == 0o644 and dest.read_text().endswith('9f3a')


# --- creation -------------------------------------------------------------------------------------------------------

def test_check_mode_create_inactive_predicts_the_real_run(run_module, portal):
    options = dict(name='parked', permissions=['files:read'], state='inactive')
    portal([])
    checked = run_task(run_module, check_mode=True, diff=True, **options)
    portal([])
    real = run_task(run_module, diff=True, **options)
    assert checked['changed'] is real['changed'] is True
    assert checked['api_key']['is_active'] is real['api_key']['is_active'] is False
    assert checked['diff'] == real['diff'] == {
        'before': {}, 'after': {'name': 'parked', 'permissions': ['files:read'], 'is_active': False}}


def test_check_mode_create_with_an_unknown_scope_fails_like_the_real_run(run_module, portal):
    client = portal([])
    result = run_task(run_module, check_mode=True, name='ci', permissions=['files:read', 'files:delete'])
    assert result['failed'] and "'files:delete'" in result['msg'] and client.writes() == []


def test_created_key_the_portal_lists_as_inactive_is_not_deactivated_again(run_module, portal):
    client = portal([], post_answers=[make_key(id=NEW_ID, name='parked', key=SECRET, isActive=False)])
    result = run_task(run_module, name='parked', permissions=['files:read'], state='inactive')
    assert [call[0] for call in client.writes()] == ['POST']
    assert result['changed'] is True and result['api_key']['is_active'] is False


def test_created_key_without_an_active_status_is_deactivated_for_state_inactive(run_module, portal):
    client = portal([], post_answers=[make_key(id=NEW_ID, name='parked', key=SECRET, isActive=None)])
    result = run_task(run_module, name='parked', permissions=['files:read'], state='inactive')
    assert client.writes()[1:] == [('PUT', 'keys/' + NEW_ID, {'isActive': False})]
    assert result['api_key']['is_active'] is False


def test_create_inactive_that_cannot_be_deactivated_says_the_status_and_expiry(run_module, portal):
    portal([], put_error=DocSpaceError('PUT failed with HTTP 403: not allowed.', 403))
    result = run_task(run_module, name='parked', permissions=['files:read'], state='inactive', expires_in_days=30)
    assert result['failed'] and result['changed'] is True and result['status'] == 403
    assert result['api_key']['id'] == NEW_ID and result['api_key']['key'] == SECRET
    assert result['api_key']['expires_at'] is not None and result['api_key']['expired'] is False


def test_create_inactive_that_cannot_be_deactivated_keeps_the_secret_in_secret_dest_only(run_module, portal, tmp_path):
    portal([], put_error=DocSpaceError('PUT failed with HTTP 403: not allowed.', 403))
    dest = tmp_path / 'ci.key'
    result = run_task(run_module, name='parked', permissions=['files:read'], state='inactive', secret_dest=str(dest))
    assert result['failed'] and result['changed'] is True and result['api_key']['id'] == NEW_ID
    assert 'key' not in result['api_key'] and SECRET not in repr(result)
    assert dest.read_text() == SECRET


def test_lost_creation_with_secret_dest_does_not_speak_of_adopting(run_module, portal, tmp_path):
    client = portal([], post_answers=[DocSpaceError('POST timed out.', None, timed_out=True)],
                    appears_after_post_error=True)
    result = run_task(run_module, name='ci', permissions=['*'], secret_dest=str(tmp_path / 'ci.key'))
    assert result['failed'] and result['warnings'] == []
    assert [call[0] for call in client.writes()] == ['POST', 'DELETE'] and client.keys == []


def test_lost_creation_whose_key_cannot_be_deleted_again_returns_it(run_module, portal, tmp_path):
    client = portal([], post_answers=[DocSpaceError('POST timed out.', None, timed_out=True)],
                    appears_after_post_error=True, delete_answers=[DocSpaceError('DELETE failed with HTTP 403.', 403)])
    dest = tmp_path / 'ci.key'
    result = run_task(run_module, name='ci', permissions=['*'], expires_in_days=30, secret_dest=str(dest))
    assert result['failed'] and result['changed'] is True and result['status'] == 403
    assert 'Delete API key %s' % NEW_ID in result['msg']
    assert result['api_key']['id'] == NEW_ID and result['api_key']['expired'] is False
    assert 'key' not in result['api_key']
    assert [key['id'] for key in client.keys] == [NEW_ID]


def test_renew_window_a_new_key_would_be_within_is_refused_before_any_request(run_module, portal):
    client = portal([])
    result = run_task(run_module, permissions=['*'], expires_in_days=14, **RENEW)
    assert result['failed'] and 'renew_before_days: 14' in result['msg'] and client.calls == []


# --- replacement ----------------------------------------------------------------------------------------------------

def test_check_mode_replacement_predicts_the_real_run(run_module, portal):
    options = dict(RENEW, state='inactive', previous_key='deactivate')
    expiring = key_expiring_in(5)  # made once: a second made later may expire a second later
    portal([copy.deepcopy(expiring)])
    checked = run_task(run_module, check_mode=True, diff=True, **options)
    portal([copy.deepcopy(expiring)])
    real = run_task(run_module, diff=True, **options)
    moving = ('id', 'key', 'key_postfix', 'created_on', 'expires_at')
    assert without(checked['api_key'], *moving) == without(real['api_key'], *moving)
    assert checked['api_key']['is_active'] is False and checked['api_key']['created_by'] == {
        'id': ME, 'display_name': 'Administrator'}
    assert checked['api_key']['expires_at'] is not None and 'key' not in checked['api_key']
    assert checked['replaced_key'] == real['replaced_key']
    assert real['replaced_key']['reason'].startswith('it expires on')
    assert checked['diff']['before'] == real['diff']['before']
    assert without(checked['diff']['after'], 'id', 'expires_at') == without(real['diff']['after'], 'id', 'expires_at')
    assert checked['diff']['before_header'] == real['diff']['before_header']
    assert checked['warnings'] == real['warnings'] == []


def test_check_mode_replacement_with_an_unknown_scope_fails_like_the_real_run(run_module, portal):
    client = portal([key_expiring_in(5)])
    result = run_task(run_module, check_mode=True, permissions=['files:delete'], **RENEW)
    assert result['failed'] and "'files:delete'" in result['msg'] and client.writes() == []


def test_replacement_diff_shows_both_keys_with_ids_and_expiry(run_module, portal):
    old = key_expiring_in(5)
    portal([old])
    result = run_task(run_module, diff=True, **RENEW)
    view = {'name': 'ci-deploy', 'permissions': ['files:read', 'rooms:read'], 'is_active': True}
    assert result['diff']['before'] == dict(view, id=KEY_ID, expires_at=old['expiresAt'])
    assert result['diff']['after'] == dict(view, id=NEW_ID, expires_at=result['api_key']['expires_at'])
    assert result['api_key']['expires_at'] is not None
    assert KEY_ID in result['diff']['before_header'] and NEW_ID in result['diff']['after_header']
    assert SECRET not in repr(result['diff'])


def test_check_mode_replacement_diff_says_the_portal_gives_the_id(run_module, portal):
    portal([key_expiring_in(5)])
    result = run_task(run_module, check_mode=True, diff=True, **RENEW)
    assert '(its id comes from the portal)' in result['diff']['after_header']
    assert 'None' not in result['diff']['after_header']


@pytest.mark.parametrize('days_left, previous_key, warned', [
    (5, 'delete', None),
    (5, 'deactivate', None),
    (5, 'keep', None),
    (-2, 'delete', None),
    (-2, 'deactivate', 'deactivated'),
    (-2, 'keep', 'kept'),
])
def test_only_an_expired_key_deleted_against_previous_key_is_warned_about(run_module, portal, days_left,
                                                                          previous_key, warned):
    portal([key_expiring_in(days_left)])
    result = run_task(run_module, previous_key=previous_key, **RENEW)
    assert result['changed'] is True and not result.get('failed')
    if warned is None:
        assert result['warnings'] == []
    else:
        assert len(result['warnings']) == 1 and '%s (ci-deploy)' % KEY_ID in result['warnings'][0]
        assert result['warnings'][0].endswith('instead of being %s.' % warned)


# --- keys an interrupted replacement left behind --------------------------------------------------------------------

@pytest.mark.parametrize('previous_key', ['delete', 'deactivate'])
def test_check_mode_predicts_the_retirement_of_leftovers(run_module, portal, previous_key):
    keys = [key_expiring_in(60, id=SECOND_ID), key_expiring_in(40)]  # made once: see above
    portal(copy.deepcopy(keys))
    checked = run_task(run_module, check_mode=True, name='ci-deploy', recreate='when_needed', previous_key=previous_key)
    client = portal(copy.deepcopy(keys))
    real = run_task(run_module, name='ci-deploy', recreate='when_needed', previous_key=previous_key)
    assert checked['changed'] is real['changed'] is True
    assert checked['api_key'] == real['api_key'] and real['api_key']['id'] == SECOND_ID
    assert checked['retired_keys'] == real['retired_keys']
    assert [(key['id'], key['reason']) for key in real['retired_keys']] == [(KEY_ID, docspace_api_key.LEFTOVER_REASON)]
    assert real['retired_keys'][0]['retired'] == previous_key + 'd'
    assert [call[1] for call in client.writes()] == ['keys/' + KEY_ID]


def test_leftover_that_cannot_be_retired_fails_with_the_portal_status(run_module, portal):
    portal([key_expiring_in(60, id=SECOND_ID), key_expiring_in(40)],
           delete_answers=[DocSpaceError('DELETE failed with HTTP 403.', 403)])
    result = run_task(run_module, name='ci-deploy', recreate='when_needed')
    assert result['failed'] and result['changed'] is True and result['status'] == 403
    assert result['api_key']['id'] == SECOND_ID and "named 'ci-deploy'" in result['msg']
