# Copyright (c) onlyoffice.docspace contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""plan_key_set: current keys + config + state -> ordered list of writes (docspace_api_keys)."""

from __future__ import annotations

import datetime

import pytest

from ansible_collections.onlyoffice.docspace.plugins.module_utils import _key_set as ks
from ansible_collections.onlyoffice.docspace.plugins.module_utils._docspace import DocSpaceError

UTC = datetime.timezone.utc
NOW = datetime.datetime(2026, 8, 1, 12, 0, tzinfo=UTC)
ME = 'aaaaaaaa-0000-0000-0000-000000000001'
OTHER = 'bbbbbbbb-0000-0000-0000-000000000002'


def key(key_id, name, permissions=('files:read',), active=True, owner=ME, created='2026-07-01T12:00:00.0000000Z',
        expires=None):
    made = {'id': key_id, 'name': name, 'isActive': active, 'createOn': created,
            'createBy': {'id': owner, 'displayName': 'someone'}, 'keyPostfix': 'abcd'}
    if permissions is not None:
        made['permissions'] = list(permissions)
    if expires:
        made['expiresAt'] = expires
    return made


def entry(name, **options):
    return dict(dict(name=name, permissions=None, expires_in_days=None, active=None, recreate='never',
                     renew_before_days=None, secret_dest=None), **options)


def plan(keys, config, state='merged', unlisted=None, self_key_id=None):
    config = ks.check_config(config, state, unlisted)
    return ks.plan_key_set(keys, ME, config, state, unlisted, self_key_id, NOW)


def writes(the_plan):
    """The plan as (action, name, what) triples, in order."""
    return [(step.action, step.name, step.body if step.action == 'create' else step.changes or None)
            for step in the_plan.steps]


CI = key('k-ci', 'ci', ['files:read'])
BACKUP = key('k-backup', 'backup', None)  # full access, stored as null
OFF = key('k-off', 'off', ['rooms:read'], active=False)
EXPIRED = key('k-old', 'old', ['rooms:read'], created='2026-06-01T12:00:00.0000000Z',
              expires='2026-07-01T12:00:00.0000000Z')
THEIRS = key('k-theirs', 'ci', ['*'], owner=OTHER)
PORTAL = [CI, BACKUP, OFF, EXPIRED, THEIRS]


# --- merged ----------------------------------------------------------------------------------------------------------

def test_merged_noop_sends_nothing():
    config = [entry('ci', permissions=['files:read']), entry('backup', permissions=['*']), entry('off')]
    assert writes(plan(PORTAL, config)) == []


def test_merged_changes_only_what_an_entry_sets():
    config = [entry('ci', permissions=['rooms:read', 'files:read']), entry('off', active=True)]
    assert writes(plan(PORTAL, config)) == [
        ('update', 'ci', {'permissions': ['files:read', 'rooms:read']}),
        ('update', 'off', {'isActive': True}),
    ]


def test_merged_creates_missing_keys_after_updates_in_place():
    config = [entry('new', permissions=['files:read'], expires_in_days=30), entry('ci', active=False)]
    assert writes(plan(PORTAL, config)) == [
        ('update', 'ci', {'isActive': False}),
        ('create', 'new', {'name': 'new', 'permissions': ['files:read'], 'expiresInDays': 30}),
    ]


def test_merged_creation_needs_permissions():
    with pytest.raises(DocSpaceError, match="permissions is required to create API key 'new'"):
        plan(PORTAL, [entry('new')])


def test_inactive_creation_is_one_create_step_that_deactivates():
    step = plan(PORTAL, [entry('new', permissions=['*'], active=False)]).steps[0]
    assert (step.action, step.active, step.body['permissions']) == ('create', False, ['*'])


def test_another_users_key_of_a_listed_name_is_never_touched():
    # THEIRS is named 'ci' too, with full access: only the caller's own 'ci' is compared.
    the_plan = plan(PORTAL, [entry('ci', permissions=['*'])])
    assert [(step.key_id, step.changes) for step in the_plan.steps] == [('k-ci', {'permissions': ['*']})]


def test_a_name_only_another_user_has_is_created_for_the_caller():
    theirs = key('k-t', 'shared', owner=OTHER)
    assert writes(plan([theirs], [entry('shared', permissions=['files:read'])]))[0][0] == 'create'


def test_two_own_keys_of_a_listed_name_fail_before_any_write_listing_both_ids():
    twin = key('k-ci-2', 'ci')
    with pytest.raises(DocSpaceError) as failure:
        plan(PORTAL + [twin], [entry('new', permissions=['*']), entry('ci', permissions=['*'])])
    assert 'k-ci' in failure.value.message and 'k-ci-2' in failure.value.message
    assert 'k-theirs' not in failure.value.message


def test_every_problem_is_named_at_once():
    twin = key('k-ci-2', 'ci')
    with pytest.raises(DocSpaceError) as failure:
        plan(PORTAL + [twin], [entry('ci'), entry('nope'), entry('old', expires_in_days=5)])
    message = failure.value.message
    assert "'ci'" in message and "'nope'" in message and 'not 5' in message


def test_expiry_is_compared_only_where_an_entry_gives_it():
    ninety = key('k-90', 'ninety', created='2026-07-01T12:00:00.0000000Z', expires='2026-09-29T12:00:00.0000000Z')
    assert writes(plan([ninety], [entry('ninety', expires_in_days=90)])) == []
    assert writes(plan([ninety], [entry('ninety')])) == []
    with pytest.raises(DocSpaceError, match='not 30'):
        plan([ninety], [entry('ninety', expires_in_days=30)])


# --- expired keys -----------------------------------------------------------------------------------------------------

def test_deactivating_an_expired_key_is_a_noop_even_when_the_portal_still_shows_it_active():
    assert EXPIRED['isActive'] is True
    assert writes(plan(PORTAL, [entry('old', active=False)])) == []


def test_changing_an_expired_key_fails_before_any_write():
    with pytest.raises(DocSpaceError, match='expired'):
        plan(PORTAL, [entry('ci', active=False), entry('old', permissions=['files:read'])])


def test_unlisted_expired_key_is_not_deactivated_again():
    the_plan = plan(PORTAL, [entry('ci', permissions=['files:read']), entry('backup', permissions=['*']),
                             entry('off', permissions=['rooms:read'], active=False)],
                    state='overridden', unlisted='deactivate')
    assert writes(the_plan) == []


# --- replaced --------------------------------------------------------------------------------------------------------

def test_replaced_needs_permissions_in_every_entry():
    with pytest.raises(DocSpaceError, match="state: replaced needs permissions"):
        plan(PORTAL, [entry('ci')], state='replaced')


def test_replaced_reactivates_a_listed_key_whose_entry_omits_active():
    assert writes(plan(PORTAL, [entry('off', permissions=['rooms:read'])], state='replaced')) == [
        ('update', 'off', {'isActive': True})]
    assert writes(plan(PORTAL, [entry('off', permissions=['rooms:read'], active=False)], state='replaced')) == []


def test_replaced_leaves_unlisted_keys_alone():
    assert writes(plan(PORTAL, [entry('ci', permissions=['files:read'])], state='replaced')) == []


def test_replaced_cannot_reactivate_an_expired_key():
    with pytest.raises(DocSpaceError, match='expired'):
        plan(PORTAL, [entry('old', permissions=['rooms:read'])], state='replaced')


# --- overridden ------------------------------------------------------------------------------------------------------

def test_overridden_deletes_every_other_own_key_after_creations():
    the_plan = plan(PORTAL, [entry('ci', permissions=['files:read']), entry('new', permissions=['*'])],
                    state='overridden', unlisted='delete')
    assert [(step.action, step.key_id or step.name) for step in the_plan.steps] == [
        ('create', 'new'), ('delete', 'k-backup'), ('delete', 'k-off'), ('delete', 'k-old')]
    assert 'k-theirs' not in [step.key_id for step in the_plan.steps]


def test_overridden_deactivate_touches_only_active_unlisted_keys():
    the_plan = plan(PORTAL, [entry('ci', permissions=['files:read'])], state='overridden', unlisted='deactivate')
    assert [(step.action, step.key_id, step.changes) for step in the_plan.steps] == [
        ('update', 'k-backup', {'isActive': False})]
    assert all(step.unlisted for step in the_plan.steps)


def test_overridden_never_removes_the_key_in_use_and_says_so():
    the_plan = plan(PORTAL, [], state='overridden', unlisted='delete', self_key_id='k-backup')
    assert 'k-backup' not in [step.key_id for step in the_plan.steps]
    assert len(the_plan.kept) == 1 and 'k-backup' in the_plan.kept[0] and 'authenticates' in the_plan.kept[0]


def test_overridden_asks_for_the_key_in_use_only_when_a_write_could_remove_it():
    assert plan(PORTAL, [], state='overridden', unlisted='delete').needs_self_key
    # only inactive or expired keys would go: none of them can be the key in use
    only_dead = [OFF, EXPIRED, THEIRS]
    assert not plan(only_dead, [], state='overridden', unlisted='delete').needs_self_key
    assert not plan(PORTAL, [entry('ci', permissions=['files:read'])]).needs_self_key


def test_overridden_with_an_empty_list_deletes_every_own_key():
    the_plan = plan(PORTAL, [], state='overridden', unlisted='delete')
    assert sorted(step.key_id for step in the_plan.steps) == ['k-backup', 'k-ci', 'k-off', 'k-old']


def test_overridden_needs_permissions_in_every_entry():
    with pytest.raises(DocSpaceError, match='state: overridden needs permissions'):
        plan(PORTAL, [entry('ci')], state='overridden', unlisted='delete')


# --- the key in use: lock-out writes go last ------------------------------------------------------------------------

def test_deactivating_the_key_in_use_is_made_last_and_reported():
    the_plan = plan(PORTAL, [entry('ci', active=False), entry('off', active=True), entry('new', permissions=['*'])],
                    self_key_id='k-ci')
    assert [(step.action, step.name) for step in the_plan.steps] == [
        ('update', 'off'), ('create', 'new'), ('update', 'ci')]
    assert the_plan.steps[-1].lockout == 'deactivates the API key this task authenticates with'
    assert [step.lockout for step in the_plan.steps[:-1]] == [None, None]


def test_removing_the_management_scope_of_the_key_in_use_is_last():
    the_plan = plan(PORTAL, [entry('backup', permissions=['files:read']), entry('ci', permissions=['rooms:read'])],
                    self_key_id='k-backup')
    assert [step.name for step in the_plan.steps] == ['ci', 'backup']
    assert 'key-management scope' in the_plan.steps[-1].lockout


def test_a_scope_change_that_keeps_key_management_is_not_a_lockout():
    the_plan = plan(PORTAL, [entry('backup', permissions=['*:write', 'files:read'])], self_key_id='k-backup')
    assert [step.lockout for step in the_plan.steps] == [None]
    assert not plan(PORTAL, [entry('backup', permissions=['*:write'])]).needs_self_key


def test_deleting_the_key_in_use_by_name_is_last():
    the_plan = plan(PORTAL, [entry('ci'), entry('backup'), entry('gone')], state='deleted', self_key_id='k-ci')
    assert [(step.action, step.key_id) for step in the_plan.steps] == [('delete', 'k-backup'), ('delete', 'k-ci')]
    assert the_plan.steps[-1].lockout == 'deletes the API key this task authenticates with'


def test_lockout_writes_come_after_unlisted_removals():
    the_plan = plan(PORTAL, [entry('ci', permissions=['files:read'], active=False)], state='overridden',
                    unlisted='deactivate', self_key_id='k-ci')
    assert [step.key_id for step in the_plan.steps] == ['k-backup', 'k-ci']
    assert the_plan.steps[-1].lockout


# --- deleted and gathered --------------------------------------------------------------------------------------------

def test_deleted_deletes_only_listed_own_keys_and_missing_ones_are_ok():
    the_plan = plan(PORTAL, [entry('ci'), entry('missing')], state='deleted')
    assert [(step.action, step.key_id) for step in the_plan.steps] == [('delete', 'k-ci')]


def test_deleted_with_an_empty_config_is_refused():
    with pytest.raises(DocSpaceError, match='overridden with config: \\[\\] and unlisted: delete'):
        plan(PORTAL, [], state='deleted')


def test_gathered_plans_nothing():
    the_plan = plan(PORTAL, [entry('new', permissions=['*'])], state='gathered')
    assert the_plan.steps == [] and [key['id'] for key in the_plan.mine] == ['k-ci', 'k-backup', 'k-off', 'k-old']


def test_config_entry_is_the_config_format():
    assert ks.config_entry(EXPIRED, NOW) == dict(name='old', permissions=['rooms:read'], expires_in_days=30,
                                                 active=False)
    assert ks.config_entry(BACKUP, NOW) == dict(name='backup', permissions=['*'], expires_in_days=None, active=True)
    assert ks.listed_entry(EXPIRED, NOW)['expires_at'] == '2026-07-01T12:00:00.0000000Z'


# --- config validation -----------------------------------------------------------------------------------------------

def test_names_must_be_unique_in_config():
    with pytest.raises(DocSpaceError, match="'ci' is listed twice"):
        plan(PORTAL, [entry('ci'), entry('ci')])


def test_unlisted_only_with_overridden():
    with pytest.raises(DocSpaceError, match='unlisted applies only to state: overridden'):
        plan(PORTAL, [entry('ci')], unlisted='delete')


def test_renew_before_days_needs_recreate_when_needed():
    with pytest.raises(DocSpaceError, match='renew_before_days'):
        plan(PORTAL, [entry('ci', renew_before_days=7)])


def test_invalid_entries_are_refused_before_any_request():
    with pytest.raises(DocSpaceError) as failure:
        plan(PORTAL, [entry('x' * 31), entry('ok', permissions=[]), entry('y', expires_in_days=400)])
    assert 'config[0]' in failure.value.message and 'config[1]' in failure.value.message
    assert 'config[2]' in failure.value.message


# --- the keys after the writes -------------------------------------------------------------------------------------

def test_keys_after_applies_every_write():
    the_plan = plan(PORTAL, [entry('ci', permissions=['*']), entry('new', permissions=['files:read'], active=False)],
                    state='overridden', unlisted='delete', self_key_id='k-backup')
    done = [(step, ks.planned_creation(step, None, NOW) if step.action == 'create' else None)
            for step in the_plan.steps]
    after = ks.listed_entries(ks.keys_after(the_plan.mine, done), NOW)
    assert [(item['name'], item['permissions'], item['active'], item['id']) for item in after] == [
        ('backup', ['*'], True, 'k-backup'), ('ci', ['*'], True, 'k-ci'), ('new', ['files:read'], False, None)]


@pytest.mark.parametrize('api_key, auth_token, expected', [
    ('sk-1', None, True), (None, 'sk-abc', True), (None, 'Bearer sk-abc', True), (None, 'session-token', False),
    (None, None, False)])
def test_uses_api_key(api_key, auth_token, expected):
    assert ks.uses_api_key(api_key, auth_token) is expected


# --- rotation (recreate, renew_before_days, secret_dest: the decisions are _rotation's) ------------------------------

class SecretFileStub:
    """What the planner asks of a secret_dest file: whether it holds a key's secret, and its last 4 characters."""

    def __init__(self, postfix=None):
        self.last4 = postfix

    def holds(self, key):
        return bool(key.get('keyPostfix')) and key.get('keyPostfix') == self.last4

    def postfix(self):
        return self.last4


def rotation_plan(keys, config, state='merged', self_key_id=None, secret_files=None):
    config = ks.check_config(config, state, None)
    return ks.plan_key_set(keys, ME, config, state, None, self_key_id, NOW, secret_files)


def test_when_needed_replaces_an_expired_key_with_its_scopes_and_lifetime():
    the_plan = rotation_plan(PORTAL, [entry('old', recreate='when_needed'), entry('new', permissions=['*'])])
    assert [(step.action, step.name) for step in the_plan.steps] == [('replace', 'old'), ('create', 'new')]
    step = the_plan.steps[0]
    assert step.key_id == 'k-old' and 'expired' in step.reason
    assert step.body == {'name': 'old', 'permissions': ['rooms:read'], 'expiresInDays': 30}
    assert step.active is True  # the portal deactivated it at expiry: the replacement is active


def test_when_needed_renews_within_renew_before_days_including_day_n():
    soon = key('k-soon', 'soon', created='2026-07-03T12:00:00.0000000Z', expires='2026-08-02T12:00:00.0000000Z')
    assert writes(rotation_plan([soon], [entry('soon', recreate='when_needed', renew_before_days=0)])) == []
    step = rotation_plan([soon], [entry('soon', recreate='when_needed', renew_before_days=1)]).steps[0]
    assert (step.action, step.body['expiresInDays']) == ('replace', 30) and 'within 1 day' in step.reason


def test_when_needed_replaces_a_key_of_another_lifetime_and_never_fails_on_it():
    with pytest.raises(DocSpaceError, match='not 30'):
        rotation_plan([CI], [entry('ci', expires_in_days=30)])
    step = rotation_plan([CI], [entry('ci', expires_in_days=30, recreate='when_needed')]).steps[0]
    assert step.action == 'replace' and step.body['expiresInDays'] == 30 and step.body['permissions'] == ['files:read']


def test_always_replaces_on_every_run():
    assert writes(rotation_plan([CI], [entry('ci', recreate='always')]))[0][0] == 'replace'


def test_secret_dest_without_the_secret_fails_with_never_and_replaces_with_when_needed():
    stale = {'ci': SecretFileStub('zzzz')}
    with pytest.raises(DocSpaceError, match='recreate: when_needed'):
        rotation_plan([CI], [entry('ci', secret_dest='/s/ci')], secret_files=stale)
    assert writes(rotation_plan([CI], [entry('ci', secret_dest='/s/ci')], secret_files={'ci': SecretFileStub('abcd')})) == []
    step = rotation_plan([CI], [entry('ci', secret_dest='/s/ci', recreate='when_needed')], secret_files=stale).steps[0]
    assert step.action == 'replace' and 'secret_dest' in step.reason


def test_two_keys_of_a_name_with_recreate_keep_the_one_in_secret_dest_and_delete_the_other():
    newer = key('k-ci-new', 'ci', created='2026-07-20T12:00:00.0000000Z')
    newer['keyPostfix'] = 'wxyz'
    files = {'ci': SecretFileStub('abcd')}  # holds the older key's secret
    the_plan = rotation_plan([CI, newer], [entry('ci', secret_dest='/s/ci', recreate='when_needed')], secret_files=files)
    assert [(step.action, step.key_id, step.leftover) for step in the_plan.steps] == [('delete', 'k-ci-new', True)]
    without_file = rotation_plan([CI, newer], [entry('ci', recreate='when_needed')])
    assert [(step.action, step.key_id) for step in without_file.steps] == [('delete', 'k-ci')]


def test_replacing_the_key_in_use_makes_the_new_key_with_the_creations_and_retires_the_old_one_last():
    config = ks.check_config([entry('backup', permissions=['*'], recreate='always'), entry('new', permissions=['*'])],
                             'overridden', 'delete')
    the_plan = ks.plan_key_set(PORTAL, ME, config, 'overridden', 'delete', 'k-backup', NOW)
    assert [(step.action, step.key_id) for step in the_plan.steps] == [
        ('replace', 'k-backup'), ('create', None), ('delete', 'k-ci'), ('delete', 'k-off'), ('delete', 'k-old'),
        ('retire', 'k-backup')]
    replace, retire = the_plan.steps[0], the_plan.steps[-1]
    assert replace.retire_later and replace.lockout is None
    assert 'deletes the API key this task authenticates with' in retire.lockout and retire.reason == replace.reason
    after = ks.keys_after(the_plan.mine, [(replace, dict(id='k-new', name='backup'))])
    assert 'k-backup' in [item['id'] for item in after]  # only the retire step removes the old key
    assert 'k-backup' not in [item['id'] for item in ks.keys_after(the_plan.mine, [(retire, None)])]


def test_ambiguous_and_expiry_failures_give_this_modules_advice():
    twin = key('k-ci-2', 'ci')
    with pytest.raises(DocSpaceError, match=r"2 of your API keys are named 'ci' \(k-ci, k-ci-2\); remove the extra"):
        plan([CI, twin], [entry('ci')])
    with pytest.raises(DocSpaceError, match=r'not 30; .*state: deleted.*recreate: when_needed'):
        plan([CI], [entry('ci', expires_in_days=30)])


# --- config normalisation --------------------------------------------------------------------------------------------

def test_check_config_trims_scopes_and_fills_in_the_rotation_defaults():
    assert ks.check_config([{'name': 'ci', 'permissions': [' files:read ']}], 'merged', None) == [
        {'name': 'ci', 'permissions': ['files:read'], 'recreate': 'never', 'renew_before_days': None,
         'secret_dest': None}]


def test_check_config_refuses_a_renewal_window_the_entrys_own_lifetime_is_always_within():
    with pytest.raises(DocSpaceError, match='config\\[0\\]: renew_before_days: 6 would replace a 7-day key'):
        plan(PORTAL, [entry('ci', expires_in_days=7, recreate='when_needed', renew_before_days=6)])


# --- which key each write is about ---------------------------------------------------------------------------------

def test_steps_for_config_entries_are_neither_unlisted_nor_leftovers():
    the_plan = plan(PORTAL, [entry('ci', active=False), entry('new', permissions=['*'])])
    assert [(step.action, step.unlisted, step.leftover) for step in the_plan.steps] == [
        ('update', False, False), ('create', False, False)]


@pytest.mark.parametrize('unlisted, action', [('delete', 'delete'), ('deactivate', 'update')])
def test_unlisted_removals_name_their_key_and_say_they_are_unlisted(unlisted, action):
    the_plan = plan([CI, BACKUP], [entry('ci', permissions=['files:read'])], state='overridden', unlisted=unlisted)
    assert [(step.action, step.name, step.key_id, step.unlisted) for step in the_plan.steps] == [
        (action, 'backup', 'k-backup', True)]


def test_deletions_by_name_name_their_key():
    the_plan = plan(PORTAL, [entry('ci'), entry('backup')], state='deleted', self_key_id='k-ci')
    assert [(step.name, step.key_id) for step in the_plan.steps] == [('backup', 'k-backup'), ('ci', 'k-ci')]


def test_state_deleted_refuses_two_own_keys_of_a_name_even_with_recreate():
    newer = key('k-ci-new', 'ci', created='2026-07-20T12:00:00.0000000Z')
    with pytest.raises(DocSpaceError, match=r"2 of your API keys are named 'ci' \(k-ci, k-ci-new\)"):
        plan([CI, newer], [entry('ci', recreate='when_needed')], state='deleted')


def test_leftovers_of_every_entry_are_deleted_under_the_entrys_name():
    ci_new = key('k-ci-new', 'ci', created='2026-07-20T12:00:00.0000000Z')
    backup_new = key('k-backup-new', 'backup', None, created='2026-07-20T12:00:00.0000000Z')
    entries = [entry('ci', recreate='when_needed'), entry('backup', recreate='when_needed')]
    the_plan = plan([CI, ci_new, BACKUP, backup_new], entries)
    assert [(step.action, step.name, step.key_id, step.leftover) for step in the_plan.steps] == [
        ('delete', 'ci', 'k-ci', True), ('delete', 'backup', 'k-backup', True)]


def test_kept_message_names_the_key_in_use_by_id_and_name():
    the_plan = plan([CI, BACKUP], [], state='overridden', unlisted='delete', self_key_id='k-backup')
    assert 'API key k-backup (backup) is not in config' in the_plan.kept[0]


# --- replacements -----------------------------------------------------------------------------------------------------

def test_replacements_come_after_updates_in_place():
    the_plan = plan(PORTAL, [entry('ci', recreate='always'), entry('off', active=True)])
    assert [(step.action, step.name) for step in the_plan.steps] == [('update', 'off'), ('replace', 'ci')]


@pytest.mark.parametrize('found, options, state, active', [
    (CI, dict(active=False), 'merged', False),
    (CI, dict(), 'merged', True),
    (OFF, dict(permissions=['rooms:read']), 'replaced', True),
    (OFF, dict(), 'merged', False),
])
def test_a_replacement_is_active_as_the_entry_says_else_as_the_replaced_key_was(found, options, state, active):
    step = plan([found], [entry(found['name'], recreate='always', **options)], state=state).steps[0]
    assert (step.action, step.active) == ('replace', active)


SHORT = key('k-short', 'short', created='2026-07-28T12:00:00.0000000Z', expires='2026-08-04T12:00:00.0000000Z')


def test_when_needed_refuses_a_renewal_window_the_keys_own_lifetime_is_always_within():
    with pytest.raises(DocSpaceError, match='renew_before_days: 6 would replace a 7-day key on every run'):
        plan([SHORT], [entry('short', recreate='when_needed', renew_before_days=6)])


def test_when_needed_weighs_the_renewal_window_against_the_new_lifetime():
    step = plan([SHORT], [entry('short', expires_in_days=30, recreate='when_needed', renew_before_days=6)]).steps[0]
    assert (step.action, step.body['expiresInDays']) == ('replace', 30)


def test_the_retire_step_of_the_key_in_use_names_it_and_is_a_lockout_write():
    the_plan = plan(PORTAL, [entry('backup', recreate='always')], self_key_id='k-backup')
    retire = the_plan.steps[-1]
    assert (retire.action, retire.name, retire.key_id) == ('retire', 'backup', 'k-backup')
    assert retire.could_lock_out(NOW) and the_plan.needs_self_key


def test_step_repr_shows_the_write():
    step = plan(PORTAL, [entry('ci', active=False)]).steps[0]
    assert repr(step).startswith("Step('update', 'ci', key_id='k-ci', body=None, changes={'isActive': False}")


# --- the keys after the writes -------------------------------------------------------------------------------------

def test_planned_creation_is_the_callers_key():
    step = plan(PORTAL, [entry('new', permissions=['*'])]).steps[0]
    creator = {'id': ME, 'displayName': 'me'}
    assert ks.planned_creation(step, creator, NOW)['createBy'] == creator


def test_listed_entries_sort_by_name_then_id_with_a_planned_key_first():
    listed = [key('9b000000-0000-0000-0000-000000000000', 'ci'), key('1a000000-0000-0000-0000-000000000000', 'ci'),
              key(None, 'ci'), key('2c000000-0000-0000-0000-000000000000', 'Backup'),
              key('3d000000-0000-0000-0000-000000000000', None)]
    assert [(item['name'], item['id']) for item in ks.listed_entries(listed, NOW)] == [
        (None, '3d000000-0000-0000-0000-000000000000'), ('Backup', '2c000000-0000-0000-0000-000000000000'),
        ('ci', None), ('ci', '1a000000-0000-0000-0000-000000000000'), ('ci', '9b000000-0000-0000-0000-000000000000')]
