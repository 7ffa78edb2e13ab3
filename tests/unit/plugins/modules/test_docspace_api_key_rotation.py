# Copyright (c) onlyoffice.docspace contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""docspace_api_key rotation: recreate, renew_before_days, previous_key, secret_dest, and the failure paths."""

from __future__ import annotations

import datetime
import errno
import os
import stat

import pytest

from ansible.module_utils import basic

from ansible_collections.onlyoffice.docspace.plugins.modules import docspace_api_key
from ansible_collections.onlyoffice.docspace.plugins.module_utils import _rotation
from ansible_collections.onlyoffice.docspace.plugins.module_utils._api_keys import format_date, utc_now
from ansible_collections.onlyoffice.docspace.plugins.module_utils._docspace import DocSpaceError
from ansible_collections.onlyoffice.docspace.tests.unit.plugins.modules.fake_portal import (
    KEY_ID, NEW_ID, SECRET, FakeClient, make_key, new_key)

CONNECTION = {'base_url': 'http://portal.test', 'api_key': 'sk-' + 'a' * 64}
OLD_SECRET = 'sk-' + 'f' * 60 + '9f3a'  # the secret of make_key()'s key (keyPostfix 9f3a)
RENEW = dict(name='ci-deploy', recreate='when_needed', renew_before_days=14)
UNTOUCHED = '; API key %s (ci-deploy), the one to replace, is untouched' % KEY_ID


def delete_refused():
    return DocSpaceError('DELETE failed with HTTP 503.', 503)


def lost_post():
    """Portal options: the creation's answer is lost after the portal made the key."""
    return dict(post_answers=[DocSpaceError('POST timed out.', None, timed_out=True)], appears_after_post_error=True)


def key_expiring_in(days, lifetime=90, **overrides):
    now = utc_now()
    expires = now + datetime.timedelta(days=days)
    return make_key(createOn=format_date(expires - datetime.timedelta(days=lifetime)), expiresAt=format_date(expires),
                    **overrides)


@pytest.fixture
def portal(use_client):
    return lambda keys=None, **kwargs: use_client(FakeClient([key_expiring_in(5)] if keys is None else keys, **kwargs))


def run_task(run_module, check_mode=False, diff=False, **options):
    args = dict(CONNECTION)
    args.update(options)
    return run_module(docspace_api_key.main, args, check_mode=check_mode, diff=diff)


def file_mode(path):
    return stat.S_IMODE(os.stat(path).st_mode)


# --- renewal ------------------------------------------------------------------------------------------------------

def test_renewal_takes_four_requests_and_keeps_scopes_and_lifetime(run_module, portal):
    client = portal()
    result = run_task(run_module, **RENEW)
    assert result['changed'] is True
    assert client.methods() == ['GET keys', 'GET people/@self', 'POST keys', 'DELETE keys/' + KEY_ID]
    assert client.calls[2][2] == {'name': 'ci-deploy', 'permissions': ['files:read', 'rooms:read'], 'expiresInDays': 90}
    assert result['api_key']['id'] == NEW_ID and result['api_key']['key'] == SECRET
    replaced = result['replaced_key']
    assert replaced['id'] == KEY_ID and replaced['retired'] == 'deleted' and 'within 14 day(s)' in replaced['reason']

    rerun = run_task(run_module, **RENEW)
    assert rerun['changed'] is False and 'replaced_key' not in rerun and rerun['api_key']['id'] == NEW_ID
    assert client.writes()[2:] == []


def test_key_not_expiring_soon_is_ok(run_module, portal):
    client = portal([key_expiring_in(20)])
    result = run_task(run_module, **RENEW)
    assert result['changed'] is False and client.writes() == []


def test_recreate_always_is_never_ok(run_module, portal):
    client = portal([key_expiring_in(80)])
    first = run_task(run_module, name='ci-deploy', recreate='always')
    second = run_task(run_module, name='ci-deploy', recreate='always')
    assert first['changed'] and second['changed']
    assert first['replaced_key']['reason'] == 'recreate is always'
    assert second['replaced_key']['id'] == NEW_ID and second['api_key']['id'] != NEW_ID
    assert [call[0] for call in client.writes()] == ['POST', 'DELETE', 'POST', 'DELETE']


def test_expired_key_is_replaced_by_an_active_key_and_always_deleted(run_module, portal):
    client = portal([key_expiring_in(-2, isActive=False)])
    result = run_task(run_module, name='ci-deploy', recreate='when_needed', previous_key='keep')
    assert result['changed'] and result['api_key']['is_active'] is True
    assert result['replaced_key']['retired'] == 'deleted' and result['replaced_key']['reason'].startswith('it expired')
    assert [call[0] for call in client.writes()] == ['POST', 'DELETE']
    assert any('deleted instead of being kept' in warning for warning in result['warnings'])


def test_disabled_key_is_replaced_by_a_disabled_key(run_module, portal):
    client = portal([key_expiring_in(5, isActive=False)])
    result = run_task(run_module, **RENEW)
    assert client.writes()[:2] == [
        ('POST', 'keys', {'name': 'ci-deploy', 'permissions': ['files:read', 'rooms:read'], 'expiresInDays': 90}),
        ('PUT', 'keys/' + NEW_ID, {'isActive': False})]
    assert result['api_key']['is_active'] is False


@pytest.mark.parametrize('previous_key, body, retired', [
    ('deactivate', {'isActive': False}, 'deactivated'),
    ('keep', {}, 'kept'),
])
def test_previous_key_renamed_so_a_rerun_finds_only_the_new_key(run_module, portal, previous_key, body, retired):
    client = portal()
    result = run_task(run_module, previous_key=previous_key, **RENEW)
    retired_name = 'ci-deploy~old-' + utc_now().strftime('%Y%m%d')
    assert client.writes()[1] == ('PUT', 'keys/' + KEY_ID, dict(body, name=retired_name))
    assert result['replaced_key']['name'] == retired_name and result['replaced_key']['retired'] == retired
    assert result['replaced_key']['is_active'] is (previous_key == 'keep')
    rerun = run_task(run_module, previous_key=previous_key, **RENEW)
    assert rerun['changed'] is False and rerun['api_key']['id'] == NEW_ID


def test_lifetime_change_replaces_with_when_needed_and_fails_with_never(run_module, portal):
    client = portal([key_expiring_in(60)])
    refused = run_task(run_module, name='ci-deploy', expires_in_days=30)
    assert refused['failed'] and 'recreate: when_needed' in refused['msg'] and client.writes() == []
    result = run_task(run_module, name='ci-deploy', expires_in_days=30, recreate='when_needed')
    assert result['replaced_key']['reason'] == 'its lifetime is 90 day(s), not 30'
    assert client.calls[-2][2]['expiresInDays'] == 30


def test_key_id_with_recreate_is_refused_before_any_request(run_module, portal):
    client = portal()
    result = run_task(run_module, key_id=KEY_ID, recreate='always')
    assert result['failed'] and 'new id' in result['msg'] and client.calls == []


def test_renew_before_days_without_when_needed_is_refused(run_module, portal):
    client = portal()
    result = run_task(run_module, name='ci-deploy', renew_before_days=14)
    assert result['failed'] and 'recreate: when_needed' in result['msg'] and client.calls == []


# --- check and diff mode ----------------------------------------------------------------------------------------

def test_check_mode_predicts_the_replacement_and_writes_nothing(run_module, portal, tmp_path):
    client = portal()
    dest = tmp_path / 'secret'
    result = run_task(run_module, check_mode=True, diff=True, previous_key='deactivate', secret_dest=str(dest), **RENEW)
    assert result['changed'] is True and client.writes() == [] and not dest.exists()
    assert result['api_key']['id'] is None and 'key' not in result['api_key']
    assert result['replaced_key']['retired'] == 'deactivated' and result['replaced_key']['is_active'] is False
    diff = result['diff']
    assert diff['before']['id'] == KEY_ID and diff['after']['id'] is None
    assert 'replaced because it expires' in diff['before_header']
    assert 'sk-' not in repr(diff)


def test_check_mode_fails_where_the_real_run_fails(run_module, portal, tmp_path):
    client = portal([key_expiring_in(60)])
    result = run_task(run_module, check_mode=True, name='ci-deploy', secret_dest=str(tmp_path / 'missing'))
    assert result['failed'] and 'shows a secret only once' in result['msg'] and client.writes() == []


# --- secret_dest ----------------------------------------------------------------------------------------------------

def test_secret_dest_gets_the_secret_of_a_new_key_and_it_is_not_returned(run_module, portal, tmp_path):
    client = portal([])
    dest = tmp_path / 'ci.key'
    result = run_task(run_module, name='ci-deploy', permissions=['files:read'], secret_dest=str(dest))
    assert result['changed'] and 'key' not in result['api_key'] and SECRET not in repr(result)
    assert dest.read_text() == SECRET and file_mode(dest) == 0o600
    assert not [name for name in os.listdir(tmp_path) if name != 'ci.key']  # no temporary file left
    rerun = run_task(run_module, name='ci-deploy', permissions=['files:read'], secret_dest=str(dest))
    assert rerun['changed'] is False and len(client.writes()) == 1


def test_secret_file_with_the_wrong_mode_is_fixed_and_changed(run_module, portal, tmp_path):
    portal([key_expiring_in(60)])
    dest = tmp_path / 'ci.key'
    dest.write_text(OLD_SECRET + '\n')
    dest.chmod(0o644)
    check = run_task(run_module, check_mode=True, name='ci-deploy', secret_dest=str(dest))
    assert check['changed'] is True and file_mode(dest) == 0o644
    result = run_task(run_module, name='ci-deploy', secret_dest=str(dest))
    assert result['changed'] is True and file_mode(dest) == 0o600
    assert run_task(run_module, name='ci-deploy', secret_dest=str(dest))['changed'] is False
    assert run_task(run_module, name='ci-deploy', secret_dest=str(dest), mode='0640')['changed'] is True
    assert file_mode(dest) == 0o640


def test_missing_secret_with_never_fails_and_when_needed_replaces(run_module, portal, tmp_path):
    client = portal([key_expiring_in(60)])
    dest = tmp_path / 'ci.key'
    dest.write_text('sk-' + '0' * 64)
    dest.chmod(0o644)
    refused = run_task(run_module, name='ci-deploy', secret_dest=str(dest))
    assert refused['failed'] and 'DocSpace shows a secret only once' in refused['msg'] and client.writes() == []
    result = run_task(run_module, name='ci-deploy', recreate='when_needed', secret_dest=str(dest))
    assert result['replaced_key']['reason'] == 'secret_dest does not hold its secret'
    assert dest.read_text() == SECRET and file_mode(dest) == 0o600 and 'key' not in result['api_key']
    assert run_task(run_module, name='ci-deploy', recreate='when_needed', secret_dest=str(dest))['changed'] is False


def test_secret_dest_in_a_missing_directory_fails_before_creating(run_module, portal, tmp_path):
    client = portal([])
    result = run_task(run_module, name='ci-deploy', permissions=['*'], secret_dest=str(tmp_path / 'no' / 'ci.key'))
    assert result['failed'] and 'does not exist' in result['msg'] and client.writes() == []


def test_secret_that_cannot_be_written_deletes_the_new_key(run_module, portal, tmp_path, monkeypatch):
    client = portal()
    dest = tmp_path / 'ci.key'

    def disk_full(*args, **kwargs):
        raise OSError(errno.ENOSPC, 'No space left on device')
    monkeypatch.setattr(_rotation.tempfile, 'mkstemp', disk_full)
    result = run_task(run_module, secret_dest=str(dest), **RENEW)
    assert result['failed'] and 'No space left on device' in result['msg'] and 'deleted again' in result['msg']
    assert [call[:2] for call in client.writes()] == [('POST', 'keys'), ('DELETE', 'keys/' + NEW_ID)]
    assert [key['id'] for key in client.keys] == [KEY_ID] and not dest.exists()


# --- failure paths ----------------------------------------------------------------------------------------------------

@pytest.mark.parametrize('option', ['owner', 'group'])
def test_an_owner_or_group_that_does_not_exist_fails_before_any_write(run_module, portal, tmp_path, option):
    client = portal()
    result = run_task(run_module, secret_dest=str(tmp_path / 'ci.key'), **dict(RENEW, **{option: 'no-such-name-here'}))
    assert result['failed'] and "'no-such-name-here'" in result['msg'] and client.writes() == []


def test_refused_creation_leaves_the_old_key_untouched(run_module, portal):
    client = portal(post_answers=[DocSpaceError('POST http://portal.test/api/2.0/keys failed with HTTP 429.', 429)])
    result = run_task(run_module, **RENEW)
    assert result['failed'] and result['changed'] is False
    assert 'untouched' in result['msg'] and '15 minutes' in result['msg']
    assert [call[0] for call in client.writes()] == ['POST']


def test_lost_creation_answer_deletes_the_adopted_key(run_module, portal):
    client = portal(**lost_post())
    result = run_task(run_module, **RENEW)
    assert result['failed'] and 'secret is unknown' in result['msg'] and 'Run the task again' in result['msg']
    assert [call[0] for call in client.writes()] == ['POST', 'DELETE'] and client.writes()[1][1] != 'keys/' + KEY_ID
    assert [key['id'] for key in client.keys] == [KEY_ID]


def test_failed_retirement_returns_the_new_key_and_the_next_run_finishes(run_module, portal, tmp_path):
    refusal = DocSpaceError('DELETE failed with HTTP 503.', 503)
    client = portal(delete_answers=[refusal])
    failed = run_task(run_module, **RENEW)
    assert failed['failed'] and failed['changed'] is True and 'could not retire' in failed['msg']
    assert failed['api_key']['id'] == NEW_ID and failed['api_key']['key'] == SECRET
    assert failed['replaced_key']['id'] == KEY_ID and failed['replaced_key']['retired'] is None

    finished = run_task(run_module, **RENEW)
    assert finished['changed'] is True and finished['api_key']['id'] == NEW_ID
    assert [key['id'] for key in finished['retired_keys']] == [KEY_ID]
    assert client.writes()[-1] == ('DELETE', 'keys/' + KEY_ID, None)
    assert run_task(run_module, **RENEW)['changed'] is False

    ambiguous = portal([key_expiring_in(60), make_key(id=NEW_ID)])
    assert 'set key_id' in run_task(run_module, name='ci-deploy')['msg'] and ambiguous.writes() == []


def test_two_keys_of_a_name_prefer_the_one_in_secret_dest(run_module, portal, tmp_path):
    older = key_expiring_in(60)
    newer = make_key(id=NEW_ID, keyPostfix='beef', createOn=format_date(utc_now()))
    client = portal([newer, older])
    dest = tmp_path / 'ci.key'
    dest.write_text(OLD_SECRET)
    dest.chmod(0o600)
    result = run_task(run_module, name='ci-deploy', recreate='when_needed', secret_dest=str(dest))
    assert result['api_key']['id'] == KEY_ID and [key['id'] for key in result['retired_keys']] == [NEW_ID]
    assert client.writes() == [('DELETE', 'keys/' + NEW_ID, None)]


def test_refused_creation_leaves_no_secret_file(run_module, portal, tmp_path):
    portal([], post_answers=[DocSpaceError('POST http://portal.test/api/2.0/keys failed with HTTP 403.', 403)])
    result = run_task(run_module, name='ci-deploy', permissions=['*'], secret_dest=str(tmp_path / 'ci.key'))
    assert result['failed'] and os.listdir(tmp_path) == []


def test_lost_creation_answer_with_secret_dest_deletes_the_new_key(run_module, portal, tmp_path):
    client = portal([], post_answers=[DocSpaceError('POST timed out.', None, timed_out=True)],
                    appears_after_post_error=True)
    result = run_task(run_module, name='ci-deploy', permissions=['*'], secret_dest=str(tmp_path / 'ci.key'))
    assert result['failed'] and 'cannot be written to secret_dest' in result['msg']
    assert [call[0] for call in client.writes()] == ['POST', 'DELETE'] and client.keys == []
    assert os.listdir(tmp_path) == []


def test_a_leftover_that_cannot_be_retired_keeps_the_new_key_in_the_failure(run_module, portal):
    """Two own keys of the name, recreate: always: the replacement is made, then retiring the leftover fails."""
    older = key_expiring_in(60)
    newer = make_key(id='11111111-2222-4333-8444-555555555555', createOn=format_date(utc_now()))
    client = portal([newer, older], delete_answers=[True, DocSpaceError('DELETE failed with HTTP 403.', 403)])
    result = run_task(run_module, name='ci-deploy', recreate='always')
    assert result['failed'] and result['changed'] is True and 'Run the task again' in result['msg']
    assert result['api_key']['key'] == SECRET and result['replaced_key']['id'] == newer['id']
    assert [call[0] for call in client.writes()] == ['POST', 'DELETE', 'DELETE']


# --- a new key that cannot be handed over -----------------------------------------------------------------------------

def disk_full(*args, **kwargs):
    raise OSError(errno.ENOSPC, 'No space left on device')


def assert_new_key_deleted_or_left_named(result, client, why, delete_fails, untouched=''):
    """The failure of a task whose new key could not be handed over: deleted again, or, when that failed too, named."""
    assert result['failed'] and result['warnings'] == []
    assert [call[1] for call in client.writes() if call[0] == 'DELETE'] == ['keys/' + NEW_ID]
    if delete_fails:
        assert ('%s, and deleting it again failed: DELETE failed with HTTP 503. Delete API key %s (key_id) before '
                'running the task again%s.' % (why, NEW_ID, untouched)) in result['msg']
        assert result['changed'] is True and result['status'] == 503
        assert result['api_key']['id'] == NEW_ID and result['api_key']['expired'] is False
        assert 'key' not in result['api_key']
    else:
        assert '%s, so the new key was deleted again%s. Run the task again.' % (why, untouched) in result['msg']
        assert result['changed'] is False and 'status' not in result
        assert NEW_ID not in [key['id'] for key in client.keys]


@pytest.mark.parametrize('delete_fails', [False, True])
@pytest.mark.parametrize('failure', ['deactivate', 'write', 'lost'])
def test_replacement_that_cannot_be_handed_over_is_deleted_and_the_old_key_untouched(
        run_module, portal, tmp_path, monkeypatch, failure, delete_fails):
    dest = tmp_path / 'ci.key'
    options = dict(delete_answers=[delete_refused()] if delete_fails else [])
    if failure == 'deactivate':
        options['put_error'] = DocSpaceError('PUT failed with HTTP 400.', 400)
        client = portal([key_expiring_in(5, isActive=False)], **options)
        result = run_task(run_module, **RENEW)
        why = 'Made API key %s (ci-deploy) but could not deactivate it (PUT failed with HTTP 400)' % NEW_ID
    elif failure == 'write':
        monkeypatch.setattr(_rotation.tempfile, 'mkstemp', disk_full)
        client = portal(**options)
        result = run_task(run_module, secret_dest=str(dest), **RENEW)
        why = ('Made API key %s (ci-deploy) but could not write its secret (Cannot write secret_dest %s: No space left '
               'on device)' % (NEW_ID, dest))
    else:
        client = portal(**dict(options, **lost_post()))
        result = run_task(run_module, **RENEW)
        why = ('The answer to the creation of API key %s (ci-deploy) was lost, so its secret is unknown and a '
               'replacement without its secret is worth nothing' % NEW_ID)
    assert_new_key_deleted_or_left_named(result, client, why, delete_fails, UNTOUCHED)
    assert KEY_ID in [key['id'] for key in client.keys]
    assert 'keys/' + KEY_ID not in [call[1] for call in client.writes()]


@pytest.mark.parametrize('delete_fails', [False, True])
@pytest.mark.parametrize('failure', ['write', 'lost'])
def test_new_key_whose_secret_cannot_reach_secret_dest_is_deleted(run_module, portal, tmp_path, monkeypatch, failure,
                                                                  delete_fails):
    dest = tmp_path / 'ci.key'
    options = dict(delete_answers=[delete_refused()] if delete_fails else [])
    if failure == 'write':
        monkeypatch.setattr(_rotation.tempfile, 'mkstemp', disk_full)
        why = ('Made API key %s (ci-deploy) but could not write its secret (Cannot write secret_dest %s: No space left '
               'on device)' % (NEW_ID, dest))
    else:
        options.update(lost_post())
        why = ('The answer to the creation of API key %s (ci-deploy) was lost, so its secret is unknown and cannot be '
               'written to secret_dest' % NEW_ID)
    client = portal([], **options)
    result = run_task(run_module, name='ci-deploy', permissions=['*'], expires_in_days=30, secret_dest=str(dest))
    assert_new_key_deleted_or_left_named(result, client, why, delete_fails)
    assert os.listdir(tmp_path) == []


def test_failed_retirement_with_secret_dest_keeps_the_secret_in_the_file_only(run_module, portal, tmp_path):
    client = portal(delete_answers=[delete_refused()])
    dest = tmp_path / 'ci.key'
    result = run_task(run_module, secret_dest=str(dest), **RENEW)
    assert result['failed'] and result['changed'] is True and result['status'] == 503
    assert ('Made API key %s to replace API key %s (ci-deploy), but could not retire the old key: DELETE failed with '
            'HTTP 503.' % (NEW_ID, KEY_ID)) in result['msg']
    assert result['api_key']['id'] == NEW_ID and 'key' not in result['api_key'] and SECRET not in repr(result)
    assert dest.read_text() == SECRET and file_mode(dest) == 0o600
    assert result['replaced_key']['retired'] is None and 'within 14 day(s)' in result['replaced_key']['reason']
    assert [key['id'] for key in client.keys] == [NEW_ID, KEY_ID]


def test_refused_replacement_reports_the_status_and_names_the_key(run_module, portal):
    portal(post_answers=[DocSpaceError('POST http://portal.test/api/2.0/keys failed with HTTP 403.', 403)])
    result = run_task(run_module, **RENEW)
    assert result['failed'] and result['status'] == 403
    assert 'replacement of API key %s (ci-deploy), so the key is untouched: POST' % KEY_ID in result['msg']


@pytest.mark.parametrize('answered_active, writes', [
    (False, ['POST keys', 'DELETE keys/' + KEY_ID]),
    (None, ['POST keys', 'PUT keys/' + NEW_ID, 'DELETE keys/' + KEY_ID]),
])
def test_disabled_key_replacement_is_deactivated_unless_the_portal_made_it_inactive(run_module, portal,
                                                                                    answered_active, writes):
    answer = new_key({'name': 'ci-deploy', 'permissions': ['files:read', 'rooms:read'], 'expiresInDays': 90})
    answer['isActive'] = answered_active
    client = portal([key_expiring_in(5, isActive=False)],
                    post_answers=[{name: value for name, value in answer.items() if value is not None}])
    result = run_task(run_module, **RENEW)
    assert result['changed'] and result['api_key']['is_active'] is False
    assert [call[0] + ' ' + call[1] for call in client.writes()] == writes


# --- secret_dest: the file itself ---------------------------------------------------------------------------------

def test_secret_dest_that_is_a_directory_fails_before_any_write(run_module, portal, tmp_path):
    client = portal([])
    result = run_task(run_module, name='ci-deploy', permissions=['*'], secret_dest=str(tmp_path))
    assert result['failed'] and 'secret_dest %s is a directory' % tmp_path in result['msg'] and client.writes() == []


def test_secret_dest_in_a_directory_the_module_cannot_write_fails_before_any_write(run_module, portal, tmp_path,
                                                                                   monkeypatch):
    client = portal([])
    locked = tmp_path / 'locked'
    locked.mkdir()
    real_access = os.access

    def access(path, mode, *args, **kwargs):  # a directory of mode 0555 for a user other than root
        return real_access(path, mode, *args, **kwargs) and not (str(path) == str(locked) and mode & os.W_OK)
    monkeypatch.setattr(os, 'access', access)
    result = run_task(run_module, name='ci-deploy', permissions=['*'], secret_dest=str(locked / 'ci.key'))
    assert result['failed'] and 'not writable' in result['msg'] and client.writes() == []
    assert os.listdir(locked) == []


@pytest.mark.parametrize('option', ['owner', 'group'])
def test_numeric_owner_or_group_is_not_looked_up_by_name(run_module, portal, tmp_path, option):
    portal([])
    result = run_task(run_module, check_mode=True, name='ci-deploy', permissions=['*'],
                      secret_dest=str(tmp_path / 'ci.key'), **{option: '54321'})
    assert 'failed' not in result and result['changed'] is True and os.listdir(tmp_path) == []


@pytest.mark.parametrize('keys, says', [([], 'Cannot create'), (None, 'Cannot read')])
def test_secret_dest_the_system_refuses_fails_naming_the_reason(run_module, portal, tmp_path, keys, says):
    client = portal(keys)
    dest = tmp_path / ('x' * 300)  # longer than a file name may be
    result = run_task(run_module, name='ci-deploy', permissions=['*'], secret_dest=str(dest))
    assert result['failed'] and result['msg'] == '%s secret_dest %s: File name too long.' % (says, dest)
    assert client.writes() == []


def test_secret_file_that_is_not_utf8_is_replaced_like_a_wrong_secret(run_module, portal, tmp_path):
    portal([key_expiring_in(60)])
    dest = tmp_path / 'ci.key'
    dest.write_bytes(b'\xff\xfe\x00garbage')
    result = run_task(run_module, name='ci-deploy', recreate='when_needed', secret_dest=str(dest))
    assert result['replaced_key']['reason'] == 'secret_dest does not hold its secret' and dest.read_text() == SECRET


def test_refused_creation_keeps_an_empty_secret_file_it_did_not_make(run_module, portal, tmp_path):
    portal([], post_answers=[DocSpaceError('POST http://portal.test/api/2.0/keys failed with HTTP 403.', 403)])
    dest = tmp_path / 'ci.key'
    dest.write_text('')
    result = run_task(run_module, name='ci-deploy', permissions=['*'], secret_dest=str(dest))
    assert result['failed'] and dest.exists()


def test_no_placeholder_is_left_when_file_options_fail(run_module, portal, tmp_path):
    client = portal([])
    dest = tmp_path / 'ci.key'
    result = run_task(run_module, name='ci-deploy', permissions=['*'], secret_dest=str(dest), mode='bogus')
    assert result['failed'] and client.writes() == []
    assert not dest.exists()  # the empty placeholder made before the options failed is removed again


def test_placeholder_is_private_from_its_creation_before_the_file_options_apply(run_module, portal, tmp_path,
                                                                                monkeypatch):
    portal([])
    dest = tmp_path / 'ci.key'
    seen = []
    real = basic.AnsibleModule.set_fs_attributes_if_different

    def set_attributes(module, file_args, changed, *args, **kwargs):
        seen.append(file_mode(dest))
        return real(module, file_args, changed, *args, **kwargs)
    monkeypatch.setattr(basic.AnsibleModule, 'set_fs_attributes_if_different', set_attributes)
    old_umask = os.umask(0)  # the host's umask must not narrow a wide mode the module asked for
    try:
        result = run_task(run_module, name='ci-deploy', permissions=['*'], secret_dest=str(dest), mode='0640')
    finally:
        os.umask(old_umask)
    assert result['changed'] and seen[0] == 0o600 and file_mode(dest) == 0o640


def test_secret_is_written_to_a_hidden_private_file_beside_secret_dest_then_renamed(run_module, portal, tmp_path,
                                                                                    monkeypatch):
    portal([])
    dest = tmp_path / 'secrets' / 'ci.key'
    dest.parent.mkdir()
    seen = []
    real_fsync = os.fsync

    def fsync(handle):  # what the directory holds while the secret is being written
        seen.extend((name, file_mode(dest.parent / name)) for name in sorted(os.listdir(dest.parent)))
        real_fsync(handle)
    monkeypatch.setattr(os, 'fsync', fsync)
    result = run_task(run_module, name='ci-deploy', permissions=['*'], secret_dest=str(dest))
    assert result['changed'] and dest.read_text() == SECRET and os.listdir(dest.parent) == ['ci.key']
    temporary = [(name, mode) for name, mode in seen if name != 'ci.key']
    assert len(temporary) == 1 and temporary[0][0].startswith('.ci.key.') and temporary[0][1] == 0o600


def test_failed_rename_leaves_no_temporary_file_and_deletes_the_new_key(run_module, portal, tmp_path, monkeypatch):
    client = portal([])
    dest = tmp_path / 'ci.key'
    real_replace = os.replace

    def replace(source, target, *args, **kwargs):
        if str(target) == str(dest):
            raise OSError(errno.EACCES, 'Permission denied')
        return real_replace(source, target, *args, **kwargs)
    monkeypatch.setattr(os, 'replace', replace)
    result = run_task(run_module, name='ci-deploy', permissions=['*'], secret_dest=str(dest))
    assert result['failed'] and 'Cannot write secret_dest %s: Permission denied), so' % dest in result['msg']
    assert [call[0] for call in client.writes()] == ['POST', 'DELETE'] and os.listdir(tmp_path) == []
