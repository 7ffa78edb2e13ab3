# Copyright (c) onlyoffice.docspace contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""docspace_api_keys end to end against a fake portal: requests sent, results, check mode, partial failures."""

from __future__ import annotations

import datetime
import uuid

import pytest

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.onlyoffice.docspace.plugins.modules import docspace_api_keys
from ansible_collections.onlyoffice.docspace.plugins.module_utils import _key_set_run as docspace_api_keys_run
from ansible_collections.onlyoffice.docspace.plugins.module_utils._api_keys import apply_update
from ansible_collections.onlyoffice.docspace.plugins.module_utils._docspace import DocSpaceError
from ansible_collections.onlyoffice.docspace.tests.unit.plugins.modules.fake_portal import (
    OTHER_USER, FakeClient, make_key)

CONNECTION = {'base_url': 'http://portal.test', 'api_key': 'sk-' + 'a' * 64}
DATE_FORMAT = '%Y-%m-%dT%H:%M:%S.0000000Z'
THEIRS = {'id': OTHER_USER, 'displayName': 'Somebody else'}


class SetPortal(FakeClient):
    """A fake portal that gives every new key its own id and secret, and answers GET /keys/@self."""

    def __init__(self, keys, self_key_id=None, post_errors=None, **kwargs):
        super().__init__(keys, **kwargs)
        self.self_key_id = self_key_id
        self.post_errors = dict(post_errors or {})  # creation number (1-based) -> exception
        self.posts = 0

    def get(self, path):
        if path == 'keys/@self':
            self.record('GET', path, None)
            # The key of CONNECTION: one of the listed keys, or by default a key of another portal user's listing.
            return next((key for key in self.keys if key['id'] == self.self_key_id), make_key(id=str(uuid.uuid4())))
        return super().get(path)

    def put(self, path, body):
        self.record('PUT', path, body)
        self.keys = [apply_update(key, body) if path.endswith(key['id']) else key for key in self.keys]
        return True

    def post(self, path, body):
        self.record('POST', path, body)
        self.posts += 1
        if self.posts in self.post_errors:
            raise self.post_errors[self.posts]
        secret = 'sk-' + uuid.uuid4().hex + uuid.uuid4().hex
        now = datetime.datetime.now(datetime.timezone.utc)
        expires = None
        if body['expiresInDays']:
            expires = (now + datetime.timedelta(days=body['expiresInDays'])).strftime(DATE_FORMAT)
        created = make_key(id=str(uuid.uuid4()), name=body['name'], key=secret, keyPostfix=secret[-4:],
                           permissions=[] if '*' in body['permissions'] else body['permissions'], expiresAt=expires,
                           createOn=now.strftime(DATE_FORMAT))
        self.keys.append(dict(created, key='sk-***' + secret[-4:]))
        return created


@pytest.fixture
def portal(use_client):
    return lambda keys, **kwargs: use_client(SetPortal(keys, **kwargs))


def run_task(run_module, check_mode=False, diff=False, **options):
    args = dict(CONNECTION)
    args.update(options)
    return run_module(docspace_api_keys.main, args, check_mode=check_mode, diff=diff)


def own(index, name=None, **overrides):
    return make_key(id='00000000-0000-4000-8000-%012d' % index, name=name or 'key-%03d' % index, **overrides)


def test_a_100_entry_noop_sends_no_write_and_two_reads(run_module, portal):
    keys = [own(index) for index in range(100)]
    client = portal(keys)
    config = [dict(name='key-%03d' % index, permissions=['rooms:read', 'files:read']) for index in range(100)]
    result = run_task(run_module, config=config, state='replaced')
    assert result['changed'] is False and result['messages'] == []
    assert client.methods() == ['GET keys', 'GET people/@self']
    assert result['before'] == result['after'] and len(result['after']) == 100


def test_merged_creates_then_reruns_ok_and_returns_each_secret(run_module, portal):
    client = portal([own(1, 'ci')])
    config = [dict(name='ci', permissions=['files:read', 'rooms:read']),
              dict(name='a', permissions=['*'], expires_in_days=30), dict(name='b', permissions=['files:read'],
                                                                          active=False)]
    result = run_task(run_module, config=config)
    assert result['changed'] is True
    assert [call[0] for call in client.writes()] == ['POST', 'POST', 'PUT']
    assert set(result['created']) == {'a', 'b'}
    assert all(item['key'].startswith('sk-') and len(item['key']) == 67 for item in result['created'].values())
    assert {item['name']: item['active'] for item in result['after']} == {'ci': True, 'a': True, 'b': False}
    rerun = run_task(run_module, config=config)
    assert not rerun.get('failed'), rerun
    assert rerun['changed'] is False and rerun['created'] == {}
    assert len(client.writes()) == 3


def test_check_mode_predicts_the_real_run(run_module, portal):
    keys = [own(1, 'ci'), own(2, 'old'), own(3, 'theirs', createBy=THEIRS)]
    config = [dict(name='ci', permissions=['files:read']), dict(name='new', permissions=['rooms:read'])]
    client = portal([dict(key) for key in keys])
    predicted = run_task(run_module, check_mode=True, diff=True, config=config, state='overridden', unlisted='delete')
    assert client.writes() == []
    assert 'GET keys/permissions' in client.methods()  # check mode fails where the portal would refuse a scope
    real = run_task(run_module, diff=True, config=config, state='overridden', unlisted='delete')
    assert predicted['changed'] is real['changed'] is True
    assert predicted['deleted'] == real['deleted'] == ['00000000-0000-4000-8000-000000000002']
    assert predicted['created'] == {'new': {'id': None}} and set(real['created']) == {'new'}

    def without_new_ids(entries):
        return [dict(entry, id=None, expires_at=None) for entry in entries]
    assert without_new_ids(predicted['after']) == without_new_ids(real['after'])
    assert without_new_ids(predicted['diff']['after']['api_keys']) == without_new_ids(real['diff']['after']['api_keys'])
    assert [key['name'] for key in client.keys] == ['ci', 'theirs', 'new']  # the other user's key is untouched


def test_check_mode_fails_on_an_unknown_scope_like_the_portal(run_module, portal):
    client = portal([])
    result = run_task(run_module, check_mode=True, config=[dict(name='x', permissions=['Files:read'])])
    assert result['failed'] and "'Files:read'" in result['msg'] and client.writes() == []


def test_overridden_keeps_the_key_in_use_and_says_so(run_module, portal):
    in_use, other = own(1, 'admin-key', permissions=None), own(2, 'stray')
    client = portal([in_use, other], self_key_id=in_use['id'])
    result = run_task(run_module, config=[], state='overridden', unlisted='delete')
    assert client.methods() == ['GET keys', 'GET people/@self', 'GET keys/@self', 'DELETE keys/' + other['id']]
    assert result['deleted'] == [other['id']]
    assert any('kept' in message and in_use['id'] in message for message in result['messages'])


def test_overridden_needs_unlisted(run_module, portal):
    client = portal([own(1)])
    result = run_task(run_module, config=[], state='overridden')
    assert result['failed'] and 'unlisted' in result['msg'] and client.calls == []


def test_deactivating_the_key_in_use_is_last_and_warned(run_module, portal):
    in_use, off = own(1, 'me', permissions=None), own(2, 'off', isActive=False)
    client = portal([in_use, off], self_key_id=in_use['id'])
    result = run_task(run_module, config=[dict(name='me', active=False), dict(name='off', active=True)])
    assert [call[1] for call in client.writes()] == ['keys/' + off['id'], 'keys/' + in_use['id']]
    assert result['deactivated'] == [in_use['id']]
    assert any('authenticates' in warning for warning in result['warnings'])


def test_rate_limit_after_some_creations_reports_what_was_made_and_removes_nothing(run_module, portal):
    limited = DocSpaceError('POST http://portal.test/api/2.0/keys failed with HTTP 429.', 429)
    client = portal([own(1, 'stray')], post_errors={3: limited})
    config = [dict(name=name, permissions=['files:read']) for name in ('a', 'b', 'c', 'd')]
    result = run_task(run_module, config=config, state='overridden', unlisted='delete')
    assert result['failed'] and result['changed'] is True and result['status'] == 429
    assert set(result['created']) == {'a', 'b'} and all('key' in item for item in result['created'].values())
    assert '5 new API keys per 15 minutes' in result['msg']
    assert 'created a, created b' in result['msg'] and 'create d' in result['msg'] and 'delete stray' in result['msg']
    assert [call[0] for call in client.writes()] == ['POST', 'POST', 'POST']
    assert [key['name'] for key in client.keys] == ['stray', 'a', 'b']

    rerun = run_task(run_module, config=config, state='overridden', unlisted='delete')
    assert rerun['changed'] is True and set(rerun['created']) == {'c', 'd'}
    assert rerun['deleted'] == [own(1)['id']]


def test_deleted_deletes_listed_keys_only(run_module, portal):
    client = portal([own(1, 'a'), own(2, 'b'), own(3, 'a', createBy=THEIRS)])
    result = run_task(run_module, config=[dict(name='a'), dict(name='gone')], state='deleted')
    assert result['deleted'] == [own(1)['id']] and len(client.writes()) == 1
    assert run_task(run_module, config=[dict(name='a')], state='deleted')['changed'] is False


def test_gathered_returns_own_keys_in_config_format(run_module, portal):
    client = portal([own(1, 'b'), own(2, 'a', permissions=None), own(3, 'x', createBy=THEIRS)])
    result = run_task(run_module, state='gathered')
    assert result['changed'] is False and client.writes() == []
    assert result['gathered'] == [
        dict(name='a', permissions=['*'], expires_in_days=None, active=True),
        dict(name='b', permissions=['files:read', 'rooms:read'], expires_in_days=None, active=True)]


def test_when_needed_replaces_an_expired_key_new_key_first_then_rerun_ok(run_module, portal):
    expired = own(1, 'ci', createOn='2026-01-01T10:00:00.0000000Z', expiresAt='2026-01-31T10:00:00.0000000Z')
    client = portal([expired])
    config = [dict(name='ci', permissions=['files:read'], recreate='when_needed')]
    predicted = run_task(run_module, check_mode=True, config=config)
    assert predicted['changed'] and predicted['replaced'] == [expired['id']] and client.writes() == []
    result = run_task(run_module, config=config)
    assert [call[0] for call in client.writes()] == ['POST', 'DELETE']
    assert client.writes()[0][2] == {'name': 'ci', 'permissions': ['files:read'], 'expiresInDays': 30}
    assert result['replaced'] == [expired['id']] and result['created']['ci']['key'].startswith('sk-')
    assert [entry['id'] for entry in result['after']] == [result['created']['ci']['id']]
    assert any('because it expired' in message for message in result['messages'])
    assert run_task(run_module, config=config)['changed'] is False


def test_secret_dest_gets_the_secret_and_the_result_does_not(run_module, portal, tmp_path):
    client = portal([])
    dest = tmp_path / 'ci.key'
    config = [dict(name='ci', permissions=['files:read'], secret_dest=str(dest))]
    result = run_task(run_module, config=config)
    secret = dest.read_text()
    assert secret.startswith('sk-') and oct(dest.stat().st_mode & 0o777) == '0o600'
    assert result['created']['ci'] == {'id': client.keys[-1]['id'], 'secret_dest': str(dest)}
    assert secret not in str(result)
    assert run_task(run_module, config=config)['changed'] is False
    dest.chmod(0o644)
    fixed = run_task(run_module, config=config)
    assert fixed['changed'] is True and oct(dest.stat().st_mode & 0o777) == '0o600' and len(client.writes()) == 1

    dest.write_text('sk-' + 'f' * 64)
    refused = run_task(run_module, config=config)
    assert refused['failed'] and 'recreate: when_needed' in refused['msg'] and len(client.writes()) == 1
    rotated = run_task(run_module, config=[dict(config[0], recreate='when_needed')])
    assert rotated['changed'] and [call[0] for call in client.writes()[1:]] == ['POST', 'DELETE']
    assert dest.read_text()[-4:] == client.keys[-1]['keyPostfix'] and 'key' not in rotated['created']['ci']


def test_a_key_made_before_a_failure_keeps_its_secret_in_the_result(run_module, portal):
    client = portal([own(1, 'stray')])

    def refuse(path, body):
        client.record('PUT', path, body)
        raise DocSpaceError('PUT failed with HTTP 503.', 503)
    client.put = refuse
    result = run_task(run_module, config=[dict(name='parked', permissions=['files:read'], active=False)],
                      state='overridden', unlisted='delete')
    assert result['failed'] and result['changed'] is True
    assert result['created']['parked']['key'].startswith('sk-')
    assert 'delete stray' in result['msg'] and result['deleted'] == []
    assert [call[0] for call in client.writes()] == ['POST', 'PUT']


def portal_time(days):
    return (datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(days=days)).strftime(DATE_FORMAT)


def test_refused_secret_file_attributes_fail_before_any_key_is_made(run_module, portal, tmp_path, monkeypatch):
    client = portal([])
    dest = tmp_path / 'b.key'

    def refuse(module, file_args, changed, diff=None, expand=True):
        module.fail_json(msg='chown failed: failed to look up user no-such-user-keyfix', path=file_args['path'])
    # What AnsibleModule does when it cannot give the file the task's owner, group or mode.
    monkeypatch.setattr(AnsibleModule, 'set_fs_attributes_if_different', refuse)
    config = [dict(name='a', permissions=['files:read']), dict(name='b', permissions=['files:read'], secret_dest=str(dest))]
    result = run_task(run_module, config=config)
    assert result['failed'] and 'no-such-user-keyfix' in result['msg']
    assert client.writes() == []  # a's key is not made and lost: the failure comes before the first POST
    assert not dest.exists()  # and the empty file made for b's secret is gone again


def test_a_refused_replacement_of_the_key_in_use_removes_no_unlisted_key(run_module, portal):
    in_use = own(1, 'me', permissions=None, createOn=portal_time(-25), expiresAt=portal_time(5))
    stray = own(2, 'stray')
    limited = DocSpaceError('POST http://portal.test/api/2.0/keys failed with HTTP 429.', 429)
    client = portal([in_use, stray], self_key_id=in_use['id'], post_errors={1: limited})
    config = [dict(name='me', permissions=['*'], recreate='when_needed', renew_before_days=7)]
    result = run_task(run_module, config=config, state='overridden', unlisted='delete')
    assert result['failed'] and result['status'] == 429 and result['changed'] is False
    assert [call[0] for call in client.writes()] == ['POST']  # DELETE stray never sent
    assert result['deleted'] == [] and 'delete stray' in result['msg']


def test_replacing_the_key_in_use_makes_it_first_and_deletes_the_old_key_last(run_module, portal):
    in_use = own(1, 'me', permissions=None, createOn=portal_time(-25), expiresAt=portal_time(5))
    stray = own(2, 'stray')
    client = portal([in_use, stray], self_key_id=in_use['id'])
    config = [dict(name='me', permissions=['*'], recreate='when_needed', renew_before_days=7)]
    predicted = run_task(run_module, check_mode=True, config=config, state='overridden', unlisted='delete')
    result = run_task(run_module, config=config, state='overridden', unlisted='delete')
    assert [(call[0], call[1]) for call in client.writes()] == [
        ('POST', 'keys'), ('DELETE', 'keys/' + stray['id']), ('DELETE', 'keys/' + in_use['id'])]
    assert predicted['replaced'] == result['replaced'] == [in_use['id']]
    assert predicted['deleted'] == result['deleted'] == [stray['id']]
    assert result['created']['me']['key'].startswith('sk-')
    assert [entry['id'] for entry in result['after']] == [result['created']['me']['id']]
    assert any('authenticates' in warning for warning in result['warnings'])


def test_a_new_key_neither_written_nor_deleted_again_is_not_claimed_in_secret_dest(
        run_module, portal, tmp_path, monkeypatch):
    old = own(1, 'ci')
    dest = tmp_path / 'ci.key'
    dest.write_text('sk-' + 'f' * 64)  # not the key's secret: when_needed replaces it
    refused = DocSpaceError('DELETE http://portal.test/api/2.0/keys failed with HTTP 403.', 403)
    client = portal([old], delete_answers=[refused])

    def cannot_write(self, secret):
        raise DocSpaceError('Cannot write secret_dest %s: disk full.' % self.path)
    monkeypatch.setattr(docspace_api_keys_run.SecretFile, 'write', cannot_write)
    config = [dict(name='ci', permissions=['files:read'], recreate='when_needed', secret_dest=str(dest))]
    result = run_task(run_module, config=config)
    new_id = client.keys[-1]['id']
    assert result['failed'] and result['changed'] is True
    assert [call[0] for call in client.writes()] == ['POST', 'DELETE']
    assert result['created'] == {'ci': {'id': new_id}}  # no secret_dest: the file never got its secret
    assert any('delete API key %s' % new_id in message for message in result['messages'])
    assert not any('not retired yet' in message for message in result['messages'])
    assert result['replaced'] == [] and dest.read_text() == 'sk-' + 'f' * 64
