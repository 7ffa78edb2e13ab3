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

from ansible_collections.onlyoffice.docspace.plugins.modules import docspace_api_key
from ansible_collections.onlyoffice.docspace.plugins.module_utils import _rotation
from ansible_collections.onlyoffice.docspace.plugins.module_utils._api_keys import format_date, utc_now
from ansible_collections.onlyoffice.docspace.plugins.module_utils._docspace import DocSpaceError
from ansible_collections.onlyoffice.docspace.tests.unit.plugins.modules.fake_portal import (
    KEY_ID, NEW_ID, SECRET, FakeClient, make_key)

CONNECTION = {'base_url': 'http://portal.test', 'api_key': 'sk-' + 'a' * 64}
OLD_SECRET = 'sk-' + 'f' * 60 + '9f3a'  # the secret of make_key()'s key (keyPostfix 9f3a)
RENEW = dict(name='ci-deploy', recreate='when_needed', renew_before_days=14)


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
    client = portal(post_answers=[DocSpaceError('POST timed out.', None, timed_out=True)], appears_after_post_error=True)
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
