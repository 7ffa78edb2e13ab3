# Copyright (c) onlyoffice.docspace contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import datetime

import pytest

from ansible_collections.onlyoffice.docspace.plugins.module_utils import _api_keys as keys
from ansible_collections.onlyoffice.docspace.plugins.module_utils._docspace import DocSpaceError

UTC = datetime.timezone.utc
KEY = {
    'id': '3fa85f64-5717-4562-b3fc-2c963f66afa6', 'name': 'ci', 'permissions': ['files:read'], 'isActive': True,
    'keyPostfix': 'abcd', 'createOn': '2026-07-01T10:00:00.0000000Z',
    'createBy': {'id': 'u1', 'displayName': 'Admin'},
}


@pytest.mark.parametrize('stored', [None, [], ['*'], ['*', 'files:read'], ['files:read', '*', '*']])
def test_every_form_of_full_access_is_the_same_set(stored):
    assert keys.permission_set(stored) == frozenset(['*'])
    assert keys.canonical_permissions(stored) == ['*']


def test_permissions_compare_as_sets():
    assert keys.permission_set(['b', 'a', 'a']) == keys.permission_set(['a', 'b'])
    assert keys.permission_set(['Files:read']) != keys.permission_set(['files:read'])


@pytest.mark.parametrize('asked, expected', [
    ({}, {}),
    ({'name': 'ci'}, {}),
    ({'name': 'cd'}, {'name': 'cd'}),
    ({'permissions': ['files:read', 'files:read']}, {}),
    ({'permissions': ['rooms:read', 'files:read']}, {'permissions': ['files:read', 'rooms:read']}),
    ({'permissions': ['*']}, {'permissions': ['*']}),
    ({'permissions': ['files:read', '*']}, {'permissions': ['*']}),
    ({'is_active': True}, {}),
    ({'is_active': False}, {'isActive': False}),
    ({'name': 'cd', 'is_active': False}, {'name': 'cd', 'isActive': False}),
])
def test_plan_update_sends_only_what_differs(asked, expected):
    assert keys.plan_update(KEY, **asked) == expected


def test_plan_update_on_full_access_key():
    full = dict(KEY, permissions=None)
    assert keys.plan_update(full, permissions=['*']) == {}
    assert keys.plan_update(full, permissions=['files:read']) == {'permissions': ['files:read']}


def test_apply_update_stores_full_access_as_the_portal_does():
    after = keys.apply_update(KEY, {'permissions': ['*'], 'isActive': False, 'name': 'x'})
    assert after['permissions'] == [] and after['isActive'] is False and after['name'] == 'x'
    assert KEY['permissions'] == ['files:read']  # input not mutated


@pytest.mark.parametrize('text, expected', [
    ('2026-07-01T10:00:00.0000000Z', datetime.datetime(2026, 7, 1, 10, 0, tzinfo=UTC)),
    ('2026-07-01T13:00:00.1234567+03:00', datetime.datetime(2026, 7, 1, 10, 0, 0, 123456, tzinfo=UTC)),
    ('2026-07-01T10:00:00', datetime.datetime(2026, 7, 1, 10, 0, tzinfo=UTC)),
    ('2026-07-01T10:00Z', datetime.datetime(2026, 7, 1, 10, 0, tzinfo=UTC)),
    ('2026-07-01T12:00:00+0200', datetime.datetime(2026, 7, 1, 10, 0, tzinfo=UTC)),
    ('yesterday', None),
    (None, None),
    (12, None),
    ('2026-13-45T10:00:00Z', None),
])
def test_parse_date(text, expected):
    assert keys.parse_date(text) == expected


def test_expiry():
    now = datetime.datetime(2026, 7, 2, tzinfo=UTC)
    assert not keys.is_expired(KEY, now)
    assert keys.is_expired(dict(KEY, expiresAt='2026-07-01T23:59:59.0000000Z'), now)
    assert not keys.is_expired(dict(KEY, expiresAt='2026-07-03T00:00:00.0000000+03:00'), now)


def test_describe_key_is_snake_case_without_secret():
    now = datetime.datetime(2026, 7, 2, tzinfo=UTC)
    described = keys.describe_key(dict(KEY, key='sk-***abcd'), now)
    assert described == {
        'id': KEY['id'], 'name': 'ci', 'permissions': ['files:read'], 'is_active': True, 'key_postfix': 'abcd',
        'created_by': {'id': 'u1', 'display_name': 'Admin'}, 'created_on': '2026-07-01T10:00:00.0000000Z',
        'expires_at': None, 'last_used': None, 'expired': False,
    }


@pytest.mark.parametrize('value', ['3FA85F64-5717-4562-B3FC-2C963F66AFA6', '{3fa85f64-5717-4562-b3fc-2c963f66afa6}',
                                   '3fa85f6457174562b3fc2c963f66afa6', ' 3fa85f64-5717-4562-b3fc-2c963f66afa6 '])
def test_canonical_key_id(value):
    assert keys.canonical_key_id(value) == '3fa85f64-5717-4562-b3fc-2c963f66afa6'


@pytest.mark.parametrize('value', ['', 'abc', '3fa85f64-5717-4562-b3fc', None, 12])
def test_canonical_key_id_refuses(value):
    with pytest.raises(DocSpaceError, match='key_id must be a UUID'):
        keys.canonical_key_id(value)


@pytest.mark.parametrize('name, problem', [
    (None, None), ('a', None), ('x' * 30, None), ('é' * 30, None),
    ('', 'blank'), (' \t', 'blank'), ('x' * 31, 'at most 30'), ('\U0001F600' * 15, None), ('\U0001F600' * 16, 'at most 30'),
])
def test_check_name(name, problem):
    if problem is None:
        assert keys.check_name(name) == name
    else:
        with pytest.raises(DocSpaceError, match=problem):
            keys.check_name(name)


def test_clean_permissions():
    assert keys.clean_permissions(None) is None
    assert keys.clean_permissions(['*']) == ['*']
    assert keys.clean_permissions(['files:read', ' rooms:read ']) == ['files:read', 'rooms:read']
    with pytest.raises(DocSpaceError, match=r"\['\*'\]"):
        keys.clean_permissions([])
    with pytest.raises(DocSpaceError, match='blank'):
        keys.clean_permissions(['files:read', ' '])


def test_unknown_scopes_keeps_order_and_dedups():
    assert keys.unknown_scopes(['b', 'files:read', 'a', 'b'], ['files:read']) == ['b', 'a']


def test_find_key_by_id_ignores_junk():
    assert keys.find_key_by_id(['junk', None, KEY], KEY['id']) is KEY
    assert keys.find_key_by_id([KEY], '00000000-0000-0000-0000-000000000000') is None


def test_own_keys_and_names():
    mine = dict(KEY, createBy={'id': 'U1'})
    theirs = dict(KEY, id='k2', createBy={'id': 'u2'})
    assert keys.own_keys([mine, theirs, {'name': 'no creator'}], 'u1') == [mine]
    assert keys.keys_named([mine, theirs, 'junk'], 'ci') == [mine, theirs]


@pytest.mark.parametrize('caller', ['', None, 'None', 'u1'])
def test_a_key_that_does_not_say_who_created_it_is_never_the_callers_own(caller):
    unowned = [dict(KEY, createBy=None), dict(KEY, createBy={'displayName': 'Admin'}), dict(KEY, createBy='u1'),
               {'id': 'k3', 'name': 'ci'}]
    assert keys.own_keys(unowned, caller) == []
    assert keys.appeared_key(unowned, set(), 'ci', caller) is None


@pytest.mark.parametrize('created_on, expires_at, days', [
    ('2026-07-01T10:00:00.0000000Z', '2026-07-31T10:00:00.0000000Z', 30),
    ('2026-07-01T10:00:00.0000000Z', '2026-07-31T13:00:00.0000000+03:00', 30),
    ('2026-07-01T10:00:00.1234567Z', '2026-08-01T09:59:59.9999999Z', 31),
    ('2026-07-01T10:00:00.0000000Z', None, None),
])
def test_lifetime_days(created_on, expires_at, days):
    assert keys.lifetime_days({'createOn': created_on, 'expiresAt': expires_at}) == days


def test_expiry_mismatch_message():
    key = dict(KEY, expiresAt='2026-07-31T10:00:00.0000000Z')
    assert keys.expiry_mismatch_message(key, None) is None
    assert keys.expiry_mismatch_message(key, 30) is None
    assert 'after 30 day(s), not 10' in keys.expiry_mismatch_message(key, 10)
    assert 'never expires, not 10' in keys.expiry_mismatch_message(KEY, 10)


def test_days_left():
    now = datetime.datetime(2026, 7, 1, 12, tzinfo=UTC)
    assert keys.days_left(KEY, now) is None
    assert keys.days_left(dict(KEY, expiresAt='2026-07-31T12:00:00.0000000Z'), now) == 30
    assert keys.days_left(dict(KEY, expiresAt='2026-07-02T11:00:00.0000000Z'), now) == 0
    assert keys.days_left(dict(KEY, expiresAt='2026-06-01T00:00:00.0000000Z'), now) == 0


def test_check_expires_in_days():
    assert keys.check_expires_in_days(None) is None
    assert keys.check_expires_in_days(1) == 1 and keys.check_expires_in_days(365) == 365
    for days in (0, 366):
        with pytest.raises(DocSpaceError, match='from 1 to 365'):
            keys.check_expires_in_days(days)


NOW = datetime.datetime(2026, 7, 10, tzinfo=UTC)


@pytest.mark.parametrize('found, options, action, changes', [
    (None, dict(state='absent'), 'none', {}),
    (KEY, dict(state='absent'), 'delete', {}),
    (None, dict(name='ci', permissions=['files:read']), 'create', {}),
    (KEY, dict(name='ci', permissions=KEY['permissions']), 'none', {}),
    (KEY, dict(name='ci', state='inactive'), 'update', {'isActive': False}),
    (KEY, dict(key_id=KEY['id'], name='cd'), 'update', {'name': 'cd'}),
    (KEY, dict(name='cd'), 'none', {}),  # by name, the name is how the key was found, never a rename
])
def test_plan_task(found, options, action, changes):
    args = dict(key_id=None, name=None, permissions=None, expires_in_days=None, state=None)
    args.update(options)
    plan = keys.plan_task(found, now=NOW, **args)
    assert (plan.action, plan.changes) == (action, changes)
    if action == 'create':
        assert plan.body == {'name': 'ci', 'permissions': ['files:read'], 'expiresInDays': None}


@pytest.mark.parametrize('found, options, words', [
    (None, dict(key_id=KEY['id']), 'was not found'),
    (None, dict(name='ci'), 'permissions is required'),
    (dict(KEY, expiresAt='2026-07-01T00:00:00Z'), dict(name='ci', state='inactive'), 'expired on'),
    (dict(KEY, expiresAt='2026-07-09T10:00:00Z'), dict(name='ci', expires_in_days=30), 'cannot change the expiry'),
])
def test_plan_task_refuses(found, options, words):
    args = dict(key_id=None, name=None, permissions=None, expires_in_days=None, state=None)
    args.update(options)
    with pytest.raises(DocSpaceError, match=words):
        keys.plan_task(found, now=NOW, **args)


def test_plan_task_warns_about_an_expired_key_left_as_it_is():
    plan = keys.plan_task(dict(KEY, expiresAt='2026-07-01T00:00:00Z'), None, 'ci', None, None, None, NOW)
    assert plan.action == 'none' and 'expired on' in plan.warning


def test_creation_body_and_planned_key():
    body = keys.creation_body('ci', ['rooms:read', 'files:read', '*'], 7)
    assert body == {'name': 'ci', 'permissions': ['*'], 'expiresInDays': 7}
    now = datetime.datetime(2026, 7, 1, 12, tzinfo=UTC)
    planned = keys.planned_key(body, False, now)
    assert planned['isActive'] is False and planned['expiresAt'] == '2026-07-08T12:00:00.0000000Z'
    assert 'expiresAt' not in keys.planned_key(keys.creation_body('ci', ['*'], None), None, now)


def test_appeared_key_only_adopts_a_new_own_key_of_that_name():
    old = dict(KEY, id='old', createBy={'id': 'me'})
    theirs = dict(KEY, id='theirs', createBy={'id': 'other'})
    other_name = dict(KEY, id='renamed', name='other', createBy={'id': 'me'})
    fresh = dict(KEY, id='fresh', createBy={'id': 'me'})
    assert keys.appeared_key([old, theirs, other_name], {'old'}, 'ci', 'me') is None
    assert keys.appeared_key([old, theirs, other_name, fresh], {'old'}, 'ci', 'me') is fresh


def test_apply_update_stores_a_scope_list_as_sent():
    after = keys.apply_update(KEY, {'permissions': ['rooms:read', 'files:read']})
    assert after['permissions'] == ['rooms:read', 'files:read']


def test_a_null_scope_is_refused_as_blank():
    with pytest.raises(DocSpaceError, match='blank'):
        keys.clean_permissions(['files:read', None])


def test_describe_key_copies_last_use_and_tolerates_a_missing_creator():
    now = datetime.datetime(2026, 7, 2, tzinfo=UTC)
    described = keys.describe_key(dict(KEY, createBy=None, lastUsed='2026-07-01T11:00:00.0000000Z'), now)
    assert described['last_used'] == '2026-07-01T11:00:00.0000000Z' and described['created_by'] is None


def test_messages_about_a_key_name_its_id_and_name():
    key = dict(KEY, expiresAt='2026-07-01T23:00:00.0000000Z')
    for message in (keys.expired_message(key), keys.expiry_mismatch_message(key, 30)):
        assert '%s (ci)' % KEY['id'] in message


@pytest.mark.usefixtures('host_in_tokyo')
def test_dates_are_written_in_utc_whatever_the_hosts_timezone():
    moscow = datetime.timezone(datetime.timedelta(hours=3))
    assert keys.format_date(datetime.datetime(2026, 7, 1, 13, 0, tzinfo=moscow)) == '2026-07-01T10:00:00.0000000Z'
    planned = keys.planned_key(keys.creation_body('ci', ['*'], 1), True, datetime.datetime(2026, 7, 1, 23, tzinfo=UTC))
    assert planned['createOn'] == '2026-07-01T23:00:00.0000000Z'
    assert planned['expiresAt'] == '2026-07-02T23:00:00.0000000Z'


def test_a_key_has_expired_at_the_instant_of_its_expiry():
    key = dict(KEY, expiresAt='2026-07-02T00:00:00.0000000Z')
    assert keys.is_expired(key, datetime.datetime(2026, 7, 2, tzinfo=UTC))
    assert not keys.is_expired(key, datetime.datetime(2026, 7, 1, 23, 59, 59, 999999, tzinfo=UTC))


@pytest.mark.parametrize('expires_at, days', [
    ('2026-07-31T11:59:59.0000000Z', 30),
    ('2026-07-31T12:00:01.0000000Z', 31),
])
def test_lifetime_rounds_to_the_nearest_whole_day(expires_at, days):
    assert keys.lifetime_days({'createOn': '2026-07-01T00:00:00.0000000Z', 'expiresAt': expires_at}) == days


def test_parse_date_reads_a_short_fraction_as_tenths():
    assert keys.parse_date('2026-07-01T10:00:00.5Z') == datetime.datetime(2026, 7, 1, 10, 0, 0, 500000, tzinfo=UTC)


def test_plan_task_warns_only_about_an_expired_key():
    plan = keys.plan_task(dict(KEY, expiresAt='2026-07-31T00:00:00Z'), None, 'ci', None, None, None, NOW)
    assert plan.action == 'none' and plan.warning is None


def test_plan_repr_shows_the_decision():
    assert repr(keys.Plan('update', changes={'isActive': False})).startswith("Plan('update', body=None, changes={'isAc")


@pytest.mark.parametrize('field, value, problem', [
    ('id', 5, 'its id is not a string'),
    ('id', None, 'its id is not a string'),
    ('name', 5, 'its name is not a string'),
    ('isActive', 'true', 'its isActive is not a boolean'),
    ('createBy', 'u1', 'its createBy is not an object'),
    ('createOn', 20260701, 'its createOn is not a string'),
    ('expiresAt', 20260701, 'its expiresAt is not a string'),
    ('permissions', 'files:read', 'its permissions are not a list of scope names'),
    ('permissions', ['files:read', 5], 'its permissions are not a list of scope names'),
])
def test_key_shape_problem_names_the_field_of_the_wrong_type(field, value, problem):
    assert keys.key_shape_problem(dict(KEY, **{field: value})) == problem


def test_key_shape_problem_counts_null_as_absent():
    nulls = dict(KEY, name=None, isActive=None, createBy=None, createOn=None, expiresAt=None, permissions=None)
    assert keys.key_shape_problem(nulls) is None
    assert keys.key_shape_problem(KEY) is None


def test_key_list_problem_says_what_the_answer_was_and_where_from():
    url = 'https://portal.example/api/2.0/keys'
    assert keys.key_list_problem([KEY, 'junk', None], url) is None
    assert keys.key_list_problem({'response': []}, url).startswith('GET %s answered something other than a list' % url)
    problem = keys.key_list_problem([KEY, dict(KEY, isActive='yes')], url)
    assert problem.startswith('GET %s answered a key' % url) and '(its isActive is not a boolean)' in problem
