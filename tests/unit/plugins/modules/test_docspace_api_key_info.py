# Copyright (c) onlyoffice.docspace contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import datetime

import pytest

from ansible.module_utils import basic

from ansible_collections.onlyoffice.docspace.plugins.modules import docspace_api_key_info
from ansible_collections.onlyoffice.docspace.plugins.module_utils._docspace import DocSpaceClient, DocSpaceError
from ansible_collections.onlyoffice.docspace.tests.unit.plugins.modules.fake_portal import (
    CATALOGUE, OTHER_USER, FakeClient, make_key)

CONNECTION = {'base_url': 'http://portal.test', 'api_key': 'sk-' + 'a' * 64}
SOON = (datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(days=10, hours=1)).strftime('%Y-%m-%dT%H:%M:%S.0000000Z')
IDS = ['aaaaaaaa-0000-4000-8000-00000000000%d' % number for number in range(4)]
KEYS = [
    make_key(id=IDS[0], name='ci', expiresAt=SOON),
    make_key(id=IDS[1], name='old', expiresAt='2026-01-01T00:00:00.0000000Z'),
    make_key(id=IDS[2], name='ci', isActive=False, createBy={'id': OTHER_USER, 'displayName': 'Other'}),
    make_key(id=IDS[3], name='full', permissions=None),
]


@pytest.fixture
def client(monkeypatch):
    fake = FakeClient(list(KEYS))
    monkeypatch.setattr(DocSpaceClient, 'from_module', classmethod(lambda cls, module: fake))
    return fake


def listed(run_module, **options):
    args = dict(CONNECTION)
    args.update(options)
    result = run_module(docspace_api_key_info.main, args)
    return result


@pytest.mark.parametrize('options, expected', [
    ({}, IDS),
    ({'key_id': IDS[2].upper()}, [IDS[2]]),
    ({'name': 'ci'}, [IDS[0], IDS[2]]),
    ({'owned_by_me': True}, [IDS[0], IDS[1], IDS[3]]),
    ({'owned_by_me': False}, [IDS[2]]),
    ({'active': False}, [IDS[2]]),
    ({'expired': True}, [IDS[1]]),
    ({'expired': False, 'active': True}, [IDS[0], IDS[3]]),
    ({'name': 'nobody'}, []),
    ({'expiring_within_days': 10}, [IDS[0]]),
    ({'expiring_within_days': 9}, []),
    ({'expiring_within_days': 365, 'name': 'old'}, []),
])
def test_filters(run_module, client, options, expected):
    result = listed(run_module, **options)
    assert [key['id'] for key in result['api_keys']] == expected
    assert result['changed'] is False and client.writes() == []


def test_audit_fields(run_module, client):
    result = listed(run_module)
    soon, old, theirs, full = result['api_keys']
    assert soon['expires_in_days_left'] == 10 and not soon['expired']
    assert old['expires_in_days_left'] == 0 and old['expired']
    assert full['expires_in_days_left'] is None and full['permissions'] == ['*']
    assert theirs['created_by'] == {'id': OTHER_USER, 'display_name': 'Other'}
    assert result['available_permissions'] == CATALOGUE
    assert 'sk-' not in repr(result)


def test_only_asks_who_i_am_when_needed(run_module, client):
    listed(run_module, name='ci')
    assert client.methods() == ['GET keys', 'GET keys/permissions']


def test_current_key(run_module, client, monkeypatch):
    monkeypatch.setattr(client, 'get', lambda path: KEYS[3] if path == 'keys/@self' else CATALOGUE)
    result = listed(run_module, current=True)
    assert [key['id'] for key in result['api_keys']] == [IDS[3]]


def test_current_needs_an_api_key(run_module, client):
    result = run_module(docspace_api_key_info.main, {'base_url': 'http://portal.test', 'auth_token': 't', 'current': True})
    assert result['failed'] and 'api_key' in result['msg'] and client.calls == []


def test_bad_key_id(run_module, client):
    result = listed(run_module, key_id='nope')
    assert result['failed'] and 'UUID' in result['msg'] and client.calls == []


def test_current_works_for_a_key_that_may_not_read_the_catalogue(run_module, client, monkeypatch):
    """A least-privilege CI key checks its own expiry: GET /keys/@self needs no scope, the catalogue needs *:read."""
    def get(path):
        client.calls.append(('GET', path, None))
        if path == 'keys/@self':
            return KEYS[3]
        raise DocSpaceError('GET %s failed with HTTP 403: not allowed.' % path, 403)
    monkeypatch.setattr(client, 'get', get)
    result = listed(run_module, current=True)
    assert [key['id'] for key in result['api_keys']] == [IDS[3]] and result['available_permissions'] == []
    assert any('*:read' in text for text in result['warnings'])
    assert client.methods() == ['GET keys/@self', 'GET keys/permissions']


def test_a_key_that_may_not_list_keys_is_told_which_scope_it_needs(run_module, client, monkeypatch):
    def get(path):
        raise DocSpaceError('GET %s failed with HTTP 403: not allowed.' % path, 403)
    monkeypatch.setattr(client, 'get', get)
    result = listed(run_module)
    assert result['failed'] and result['status'] == 403 and '*:read' in result['msg'] and '*:write' not in result['msg']


def test_who_am_i_must_be_a_docspace_answer(run_module, client, monkeypatch):
    real_get = client.get
    monkeypatch.setattr(client, 'get', lambda path: '<html>' if path == 'people/@self' else real_get(path))
    result = listed(run_module, owned_by_me=True)
    assert result['failed'] and 'did not say who the caller is' in result['msg']


def days_ago(days):
    return (datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(days=days)).strftime('%Y-%m-%dT%H:%M:%S.0000000Z')


def test_unused_for_days_and_days_since_last_use(run_module, monkeypatch):
    keys = [make_key(id=IDS[0], createOn=days_ago(100), lastUsed=days_ago(2.5)),
            make_key(id=IDS[1], createOn=days_ago(100), lastUsed=days_ago(40)),
            make_key(id=IDS[2], createOn=days_ago(35))]
    fake = FakeClient(keys)
    monkeypatch.setattr(DocSpaceClient, 'from_module', classmethod(lambda cls, module: fake))
    every = listed(run_module)['api_keys']
    assert [key['days_since_last_use'] for key in every] == [2, 40, None]
    assert [key['id'] for key in listed(run_module, unused_for_days=30)['api_keys']] == [IDS[1], IDS[2]]
    assert [key['id'] for key in listed(run_module, unused_for_days=36)['api_keys']] == [IDS[1]]
    assert len(listed(run_module, unused_for_days=0)['api_keys']) == 3


@pytest.mark.parametrize('option', ['expiring_within_days', 'unused_for_days'])
def test_negative_day_counts_are_refused(run_module, client, option):
    result = listed(run_module, **{option: -1})
    assert result['failed'] and option in result['msg'] and client.calls == []


def refuse_the_catalogue(client, monkeypatch, status):
    real_get = client.get

    def get(path):
        if path == 'keys/permissions':
            client.calls.append(('GET', path, None))
            raise DocSpaceError('GET %s failed with HTTP %d.' % (path, status), status)
        return real_get(path)
    monkeypatch.setattr(client, 'get', get)


def test_a_listing_key_that_may_not_read_the_catalogue_fails(run_module, client, monkeypatch):
    """Only current: true (a key checking itself) is excused from reading the catalogue."""
    refuse_the_catalogue(client, monkeypatch, 403)
    result = listed(run_module)
    assert result['failed'] and result['status'] == 403 and result['warnings'] == []


def test_current_key_still_fails_when_the_catalogue_fails_otherwise(run_module, client, monkeypatch):
    real_get = client.get
    monkeypatch.setattr(client, 'get', lambda path: KEYS[3] if path == 'keys/@self' else real_get(path))
    refuse_the_catalogue(client, monkeypatch, 500)
    result = listed(run_module, current=True)
    assert result['failed'] and result['status'] == 500 and result['warnings'] == []


def test_check_mode_lists_the_keys(run_module, client):
    result = run_module(docspace_api_key_info.main, CONNECTION, check_mode=True)
    assert not result.get('skipped') and [key['id'] for key in result['api_keys']] == IDS
    assert result['changed'] is False and client.writes() == []


def test_the_module_itself_reports_no_change(run_module, client, monkeypatch):
    """changed: false comes from the module, not from a default of whoever runs it."""
    reported = []
    fixture_exit_json = basic.AnsibleModule.exit_json

    def exit_json(self, **kwargs):
        reported.append(dict(kwargs))
        fixture_exit_json(self, **kwargs)
    monkeypatch.setattr(basic.AnsibleModule, 'exit_json', exit_json)
    listed(run_module)
    assert len(reported) == 1 and reported[0]['changed'] is False
