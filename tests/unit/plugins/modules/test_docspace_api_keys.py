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

    def __init__(self, keys, self_key_id=None, post_errors=None, lost_posts=(), answer_fields=None, **kwargs):
        super().__init__(keys, **kwargs)
        self.self_key_id = self_key_id
        self.post_errors = dict(post_errors or {})  # creation number (1-based) -> exception
        self.lost_posts = set(lost_posts)  # creation numbers whose answer is lost after the key was made
        self.answer_fields = dict(answer_fields or {})  # fields of every new key (None: left out of the answer)
        self.posts = 0
        self.made = []  # ids of the keys made, in order (also those deleted again)

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
                           createOn=now.strftime(DATE_FORMAT), **self.answer_fields)
        self.keys.append(dict(created, key='sk-***' + secret[-4:]))
        self.made.append(created['id'])
        if self.posts in self.lost_posts:
            raise DocSpaceError('POST http://portal.test/api/2.0/keys failed with HTTP 503.', 503)
        return created


@pytest.fixture
def portal(use_client):
    return lambda keys, **kwargs: use_client(SetPortal(keys, **kwargs))


def run_task(run_module, check_mode=False, diff=False, **options):
    args = dict(CONNECTION)
    args.update(options)
    return run_module(docspace_api_keys.main, args, check_mode=check_mode, diff=diff)


def own(index, name=None, **overrides):
    fields = dict(id='00000000-0000-4000-8000-%012d' % index, name=name or 'key-%03d' % index)
    fields.update(overrides)
    return make_key(**fields)


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
    assert predicted['diff']['before'] == {'api_keys': predicted['before']} and len(predicted['before']) == 2
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
    parked_id = result['created']['parked']['id']
    assert result['messages'] == ["API key 'parked' (%s): created, but not deactivated." % parked_id,
                                  'Not done: delete stray.']
    assert [call[0] for call in client.writes()] == ['POST', 'PUT']


def cannot_write(self, secret):
    raise DocSpaceError('Cannot write secret_dest %s: disk full.' % self.path)


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

    monkeypatch.setattr(docspace_api_keys_run.SecretFile, 'write', cannot_write)
    config = [dict(name='ci', permissions=['files:read'], recreate='when_needed', secret_dest=str(dest))]
    result = run_task(run_module, config=config)
    new_id = client.keys[-1]['id']
    assert result['failed'] and result['changed'] is True
    assert [call[0] for call in client.writes()] == ['POST', 'DELETE']
    assert result['created'] == {'ci': {'id': new_id}}  # no secret_dest: the file never got its secret
    assert 'before running the task again%s.' % untouched(old) in result['msg']
    assert result['messages'][0].startswith("API key 'ci' (%s): made, but" % new_id)
    assert any('delete API key %s' % new_id in message for message in result['messages'])
    assert not any('not retired yet' in message for message in result['messages'])
    assert result['replaced'] == [] and dest.read_text() == 'sk-' + 'f' * 64


def expiring(index, name, **overrides):
    """An own key of 30 days with 5 left: recreate when_needed with renew_before_days 7 replaces it."""
    return own(index, name, createOn=portal_time(-25), expiresAt=portal_time(5), **overrides)


ROTATED = dict(name='ci', permissions=['files:read', 'rooms:read'], recreate='when_needed', renew_before_days=7)


def refuse_puts(client, status):
    def refuse(path, body):
        client.record('PUT', path, body)
        raise DocSpaceError('PUT failed with HTTP %d.' % status, status)
    client.put = refuse


def refused_deletion():
    return DocSpaceError('DELETE http://portal.test/api/2.0/keys failed with HTTP 403.', 403)


def untouched(old):
    return '; API key %s (ci), the one to replace, is untouched' % old['id']


# --- what each write is reported as -----------------------------------------------------------------------------------

def test_each_write_is_reported_with_its_key_and_the_lockout_write_says_it_is_last(run_module, portal):
    in_use = own(1, 'me', permissions=None, id='abcdef00-0000-4000-8000-000000000001')
    upd, stray = own(2, 'upd', isActive=False), own(3, 'stray')
    client = portal([in_use, upd, stray], self_key_id=in_use['id'])
    config = [dict(name='me', permissions=['*'], active=False), dict(name='upd', permissions=['*']),
              dict(name='new', permissions=['files:read'], active=False)]
    result = run_task(run_module, config=config, state='overridden', unlisted='deactivate')
    new_id = client.keys[-1]['id']
    assert [(call[0], call[1]) for call in client.writes()] == [
        ('PUT', 'keys/' + upd['id']), ('POST', 'keys'), ('PUT', 'keys/' + new_id), ('PUT', 'keys/' + stray['id']),
        ('PUT', 'keys/' + in_use['id'])]
    assert result['messages'] == [
        "API key 'upd' (%s): updated (activated, permissions)." % upd['id'],
        "API key 'new' (%s): created inactive." % new_id,
        "API key 'stray' (%s): deactivated (not in config)." % stray['id'],
        "API key 'me' (%s): updated (deactivated), made last: this write deactivates the API key this task "
        "authenticates with." % in_use['id']]
    assert result['deactivated'] == [stray['id'], in_use['id']]


def test_a_replaced_key_in_use_is_reported_made_then_deleted_last(run_module, portal):
    in_use = expiring(1, 'me', permissions=None)
    client = portal([in_use], self_key_id=in_use['id'])
    config = [dict(name='me', permissions=['*'], recreate='when_needed', renew_before_days=7)]
    result = run_task(run_module, config=config)
    new_id = result['created']['me']['id']
    assert result['messages'] == [
        "API key 'me' (%s): made to replace API key %s, because it expires on %s, within 7 day(s)."
        % (new_id, in_use['id'], in_use['expiresAt']),
        "API key 'me' (%s): deleted, replaced by a new key, made last: this write deletes the API key this task "
        "authenticates with, which a new key replaced." % in_use['id']]
    assert [call[0] for call in client.writes()] == ['POST', 'DELETE']


def test_deleted_reports_each_deletion(run_module, portal):
    portal([own(1, 'a')])
    result = run_task(run_module, config=[dict(name='a')], state='deleted')
    assert result['messages'] == ["API key 'a' (%s): deleted." % own(1)['id']]


def test_a_failed_write_lists_every_write_not_done(run_module, portal):
    in_use = expiring(5, 'me', permissions=None)
    keys = [own(1, 'a', isActive=False), own(2, 'b', isActive=False), in_use, own(6, 'stray'),
            own(4, 'd', createOn='2026-01-01T10:00:00.0000000Z', expiresAt='2026-01-31T10:00:00.0000000Z')]
    client = portal(keys, self_key_id=in_use['id'])
    refuse_puts(client, 409)
    scopes = ['files:read', 'rooms:read']
    config = [dict(name=name, permissions=scopes) for name in ('a', 'b', 'c')] + [
        dict(name='d', permissions=scopes, recreate='when_needed'),
        dict(name='me', permissions=['*'], recreate='when_needed', renew_before_days=7)]
    result = run_task(run_module, config=config, state='overridden', unlisted='delete')
    not_done = 'Not done: update b, create c, replace d, replace me, delete stray, delete the old key of me.'
    assert result['failed'] and result['changed'] is False and result['status'] == 409
    assert result['msg'] == ("API key 'a' (%s) failed: PUT failed with HTTP 409. %s Run the task again to continue "
                             "where this run stopped." % (own(1)['id'], not_done))
    assert result['messages'] == [not_done] and [call[0] for call in client.writes()] == ['PUT']


# --- check mode -------------------------------------------------------------------------------------------------------

def test_check_mode_fails_on_an_unknown_scope_of_a_key_to_update(run_module, portal):
    client = portal([own(1, 'ci')])
    result = run_task(run_module, check_mode=True, config=[dict(name='ci', permissions=['Files:read'])])
    assert result['failed'] and "'Files:read'" in result['msg'] and client.writes() == []


def test_check_mode_fails_on_a_secret_dest_that_could_not_be_written(run_module, portal, tmp_path):
    client = portal([])
    dest = tmp_path / 'missing' / 'ci.key'
    result = run_task(run_module, check_mode=True, config=[dict(name='ci', permissions=['*'], secret_dest=str(dest))])
    assert result['failed'] and 'does not exist' in result['msg'] and client.writes() == []


# --- creations whose answer is lost -----------------------------------------------------------------------------------

def test_a_creation_whose_answer_is_lost_adopts_the_key_and_warns_its_secret_is_gone(run_module, portal):
    client = portal([own(1, 'ci')], lost_posts={1})
    config = [dict(name='ci', permissions=['files:read', 'rooms:read']), dict(name='new', permissions=['*'])]
    result = run_task(run_module, config=config)
    made = client.keys[-1]
    assert not result.get('failed') and result['changed'] is True
    assert result['created'] == {'new': {'id': made['id']}}  # adopted: the portal shows the secret only once
    assert [call[0] for call in client.writes()] == ['POST']
    assert len(result['warnings']) == 1 and 'adopted' in result['warnings'][0]


def test_a_lost_creation_with_secret_dest_deletes_the_adopted_key_without_a_warning(run_module, portal, tmp_path):
    client = portal([], lost_posts={1})
    dest = tmp_path / 'ci.key'
    result = run_task(run_module, config=[dict(name='ci', permissions=['*'], secret_dest=str(dest))])
    assert result['failed'] and 'its secret is unknown and cannot be written to secret_dest' in result['msg']
    assert [call[0] for call in client.writes()] == ['POST', 'DELETE']
    assert client.keys == [] and result['warnings'] == [] and not dest.exists()


# --- replacements -----------------------------------------------------------------------------------------------------

@pytest.mark.parametrize('delete_refused', [False, True])
def test_a_replacement_whose_creation_answer_is_lost_is_deleted_again_and_the_old_key_untouched(
        run_module, portal, delete_refused):
    old = expiring(1, 'ci')
    client = portal([old], lost_posts={1}, delete_answers=[refused_deletion()] if delete_refused else [])
    result = run_task(run_module, config=[ROTATED])
    new_id = client.made[0]
    lost = ('The answer to the creation of API key %s (ci) was lost, so its secret is unknown and a replacement '
            'without its secret is worth nothing' % new_id)
    assert result['failed'] and result['warnings'] == [] and result['replaced'] == []
    assert [(call[0], call[1]) for call in client.writes()] == [('POST', 'keys'), ('DELETE', 'keys/' + new_id)]
    if delete_refused:
        assert lost + ', and deleting it again failed' in result['msg']
        assert 'Delete API key %s (key_id) before running the task again%s.' % (new_id, untouched(old)) in result['msg']
        assert result['changed'] is True and result['created'] == {'ci': {'id': new_id}}
        assert result['messages'][0].startswith("API key 'ci' (%s): made, but its secret could not be handed over"
                                                % new_id)
    else:
        assert lost + ', so the new key was deleted again%s. Run the task again.' % untouched(old) in result['msg']
        assert result['created'] == {} and client.keys == [old]


def test_a_refused_replacement_leaves_the_old_key_untouched(run_module, portal):
    old = expiring(1, 'ci')
    client = portal([old], post_errors={1: DocSpaceError('POST failed with HTTP 409.', 409)})
    result = run_task(run_module, config=[ROTATED])
    assert result['failed'] and result['status'] == 409 and result['changed'] is False
    assert ('Could not create the replacement of API key %s (ci), so the key is untouched: POST failed with HTTP 409.'
            % old['id']) in result['msg']
    assert [call[0] for call in client.writes()] == ['POST'] and client.keys == [old]


@pytest.mark.parametrize('answer_fields, sends_deactivation', [
    ({}, True),
    ({'isActive': None}, True),  # an answer that does not say: taken as active
    ({'isActive': False}, False),  # already inactive: nothing to send
])
@pytest.mark.parametrize('replacing', [False, True])
def test_a_new_key_the_entry_wants_inactive_is_deactivated_unless_it_already_is(
        run_module, portal, answer_fields, sends_deactivation, replacing):
    old = expiring(1, 'ci')
    client = portal([old] if replacing else [], answer_fields=answer_fields)
    result = run_task(run_module, config=[dict(ROTATED, active=False)])
    new_id = result['created']['ci']['id']
    deactivation = [('PUT', 'keys/' + new_id, {'isActive': False})] if sends_deactivation else []
    removal = [('DELETE', 'keys/' + old['id'], None)] if replacing else []
    assert client.writes()[1:] == deactivation + removal
    assert [(entry['id'], entry['active']) for entry in result['after']] == [(new_id, False)]
    assert result['replaced'] == ([old['id']] if replacing else [])


@pytest.mark.parametrize('delete_refused', [False, True])
def test_a_replacement_that_cannot_be_deactivated_is_deleted_again(run_module, portal, delete_refused):
    old = expiring(1, 'ci')
    client = portal([old], delete_answers=[refused_deletion()] if delete_refused else [])
    refuse_puts(client, 409)
    result = run_task(run_module, config=[dict(ROTATED, active=False)])
    new_id = client.made[0]
    why = 'Made API key %s (ci) but could not deactivate it (PUT failed with HTTP 409)' % new_id
    assert result['failed'] and result['replaced'] == []
    assert [call[0] for call in client.writes()] == ['POST', 'PUT', 'DELETE']
    if delete_refused:
        assert why + ', and deleting it again failed' in result['msg'] and untouched(old) + '.' in result['msg']
        assert result['created'] == {'ci': {'id': new_id}}
        assert any(("API key 'ci' (%s): made, but" % new_id) in message for message in result['messages'])
    else:
        assert why + ', so the new key was deleted again%s. Run the task again.' % untouched(old) in result['msg']
        assert client.keys == [old]


def test_a_replacement_whose_old_key_cannot_be_deleted_keeps_the_new_key_and_its_secret(run_module, portal):
    old = expiring(1, 'ci')
    client = portal([old], delete_answers=[refused_deletion()])
    result = run_task(run_module, config=[dict(ROTATED, active=False)])
    new_id = client.made[0]
    assert result['failed'] and result['changed'] is True and result['status'] == 403
    assert ('Made API key %s to replace API key %s (ci), but could not retire the old key: DELETE'
            % (new_id, old['id'])) in result['msg']
    assert 'Done before it: created inactive ci.' in result['msg']
    assert result['created']['ci']['id'] == new_id and result['created']['ci']['key'].startswith('sk-')
    assert result['messages'] == ["API key 'ci' (%s): made to replace %s, which is not retired yet."
                                  % (new_id, old['id'])]
    assert result['replaced'] == [] and result['deleted'] == []
    assert sorted((entry['id'], entry['active']) for entry in result['after']) == sorted([(old['id'], True),
                                                                                          (new_id, False)])


# --- secret_dest ------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize('delete_refused', [False, True])
def test_a_new_key_whose_secret_cannot_be_written_is_deleted_again(
        run_module, portal, tmp_path, monkeypatch, delete_refused):
    client = portal([], delete_answers=[refused_deletion()] if delete_refused else [])
    monkeypatch.setattr(docspace_api_keys_run.SecretFile, 'write', cannot_write)
    dest = tmp_path / 'ci.key'
    config = [dict(name='ci', permissions=['*'], expires_in_days=30, secret_dest=str(dest))]
    result = run_task(run_module, config=config)
    new_id = client.made[0]
    why = ('Made API key %s (ci) but could not write its secret (Cannot write secret_dest %s: disk full)'
           % (new_id, dest))
    assert result['failed'] and [call[0] for call in client.writes()] == ['POST', 'DELETE']
    if delete_refused:
        assert why + ', and deleting it again failed' in result['msg']
        assert 'Delete API key %s (key_id) before running the task again. ' % new_id in result['msg']
        assert result['created'] == {'ci': {'id': new_id}}  # no secret_dest: the file never got the secret
        assert result['messages'] == [
            "API key 'ci' (%s): made, but its secret could not be handed over and deleting it again failed; delete "
            "API key %s (key_id, state: absent) before running the task again." % (new_id, new_id)]
    else:
        assert why + ', so the new key was deleted again. Run the task again. ' in result['msg']
        assert client.keys == [] and result['created'] == {}


def secret_file_of(key, path, mode):
    path.write_text('sk-' + '0' * 60 + key['keyPostfix'])
    path.chmod(mode)
    return path


def test_an_update_fixes_the_mode_of_its_secret_file_and_says_so(run_module, portal, tmp_path):
    key = own(1, 'ci')
    client = portal([key])
    dest = secret_file_of(key, tmp_path / 'ci.key', 0o644)
    result = run_task(run_module, config=[dict(name='ci', permissions=['*'], secret_dest=str(dest))])
    assert result['changed'] is True and [call[0] for call in client.writes()] == ['PUT']
    assert oct(dest.stat().st_mode & 0o777) == '0o600'
    assert result['messages'] == ["API key 'ci' (%s): updated (permissions)." % key['id'],
                                  "secret_dest %s of API key 'ci': file attributes fixed." % dest]


def test_deleted_leaves_the_secret_file_of_a_deleted_key_alone(run_module, portal, tmp_path):
    key = own(1, 'ci')
    portal([key])
    dest = secret_file_of(key, tmp_path / 'ci.key', 0o644)
    result = run_task(run_module, config=[dict(name='ci', secret_dest=str(dest))], state='deleted')
    assert result['deleted'] == [key['id']] and result['messages'] == ["API key 'ci' (%s): deleted." % key['id']]
    assert oct(dest.stat().st_mode & 0o777) == '0o644'


def test_secret_dest_takes_the_file_options_of_the_task(run_module, portal, tmp_path):
    portal([])
    dest = tmp_path / 'ci.key'
    result = run_task(run_module, mode='0640', config=[dict(name='ci', permissions=['*'], secret_dest=str(dest))])
    assert not result.get('failed'), result
    assert oct(dest.stat().st_mode & 0o777) == '0o640' and dest.read_text().startswith('sk-')


# --- reads, options and the key in use --------------------------------------------------------------------------------

def test_an_empty_portal_is_not_asked_who_the_caller_is(run_module, portal):
    client = portal([])
    run_task(run_module, config=[dict(name='a', permissions=['*'])])
    assert client.methods() == ['GET keys', 'POST keys']


def test_overridden_deletes_an_inactive_unlisted_key_without_asking_for_the_key_in_use(run_module, portal):
    off = own(1, 'off', isActive=False)
    client = portal([off])
    result = run_task(run_module, config=[], state='overridden', unlisted='delete')
    assert client.methods() == ['GET keys', 'GET people/@self', 'DELETE keys/' + off['id']]
    assert result['deleted'] == [off['id']]


def test_unlisted_is_refused_outside_overridden(run_module, portal):
    client = portal([own(1)])
    result = run_task(run_module, config=[dict(name='key-001')], state='merged', unlisted='delete')
    assert result['failed'] and 'unlisted applies only to state: overridden' in result['msg'] and client.calls == []


def test_gathered_shows_an_expired_key_inactive_and_a_nameless_key_first(run_module, portal):
    portal([own(1, 'B', createOn='2026-01-01T10:00:00.0000000Z', expiresAt='2026-01-31T10:00:00.0000000Z'),
            make_key(id=own(2)['id'], name=None)])
    result = run_task(run_module, state='gathered')
    assert [(entry['name'], entry['active']) for entry in result['gathered']] == [(None, True), ('B', False)]


@pytest.mark.parametrize('connection', [
    dict(api_key=CONNECTION['api_key']),
    dict(auth_token=CONNECTION['api_key']),  # an API key given as the token: still the key in use
])
def test_overridden_never_deletes_the_key_in_use_whatever_the_case_of_its_id(run_module, portal, connection):
    in_use, stray = own(1, 'me', id='abcdef00-0000-4000-8000-00000000000a'), own(2, 'stray')
    client = portal([in_use, stray], self_key_id=in_use['id'])
    listed_get = client.get
    client.get = lambda path: dict(in_use, id=in_use['id'].upper()) if path == 'keys/@self' else listed_get(path)
    result = run_module(docspace_api_keys.main, dict(connection, base_url=CONNECTION['base_url'], config=[],
                                                     state='overridden', unlisted='delete'))
    assert client.writes() == [('DELETE', 'keys/' + stray['id'], None)]
    assert result['deleted'] == [stray['id']] and in_use['id'] in result['messages'][0]
