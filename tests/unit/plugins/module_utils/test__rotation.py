# Copyright (c) onlyoffice.docspace contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Rotation rules: replace or not, and why; what the replacement is; how the old key is retired."""

from __future__ import annotations

import datetime
import os
import stat

import pytest

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.onlyoffice.docspace.plugins.module_utils import _rotation as rotation
from ansible_collections.onlyoffice.docspace.plugins.module_utils._api_keys import name_length
from ansible_collections.onlyoffice.docspace.plugins.module_utils._docspace import DocSpaceError
from ansible_collections.onlyoffice.docspace.tests.unit.plugins.module_args import patch_module_args

UTC = datetime.timezone.utc
NOW = datetime.datetime(2026, 11, 29, 12, 0, tzinfo=UTC)


def stamp(moment):
    return moment.strftime('%Y-%m-%dT%H:%M:%S.0000000Z')


def key(lifetime=90, age=10.0, **overrides):
    """A key created `age` days before NOW that lives `lifetime` days (None: never expires)."""
    created = NOW - datetime.timedelta(days=age)
    value = {
        'id': '3fa85f64-5717-4562-b3fc-2c963f66afa6', 'name': 'ci', 'permissions': ['files:read'], 'isActive': True,
        'keyPostfix': '9f3a', 'createOn': stamp(created), 'createBy': {'id': 'u1', 'displayName': 'Admin'},
    }
    if lifetime is not None:
        value['expiresAt'] = stamp(created + datetime.timedelta(days=lifetime))
    value.update(overrides)
    return value


def reason(existing, recreate='when_needed', renew_before_days=None, expires_in_days=None, secret_in_file=None):
    return rotation.replacement_reason(existing, recreate, renew_before_days, expires_in_days, secret_in_file, NOW)


# --- replace or not, and why ----------------------------------------------------------------------------------------

def test_no_key_is_no_replacement():
    assert reason(None, recreate='always') is None


@pytest.mark.parametrize('existing', [key(age=100), key(lifetime=None), key(age=89.5, isActive=False)])
def test_never_never_replaces(existing):
    assert reason(existing, recreate='never', renew_before_days=30, expires_in_days=7, secret_in_file=False) is None


def test_always_replaces_even_a_fresh_key():
    assert reason(key(age=0), recreate='always', secret_in_file=True) == 'recreate is always'


def test_expired_key_is_replaced():
    expired = key(age=91, isActive=False)  # the portal deactivated it at expiry
    assert reason(expired).startswith('it expired on ' + expired['expiresAt'])


def test_expired_wins_over_every_other_reason():
    assert reason(key(age=91), renew_before_days=10, expires_in_days=30, secret_in_file=False).startswith('it expired')


def test_lifetime_other_than_asked_is_replaced():
    assert reason(key(lifetime=90), expires_in_days=30) == 'its lifetime is 90 day(s), not 30'
    assert reason(key(lifetime=None), expires_in_days=30) == 'it never expires, not 30'
    assert reason(key(lifetime=90), expires_in_days=90) is None


@pytest.mark.parametrize('age, renew_before_days, replaced', [
    (75.5, 14, True),     # 14.5 days left: 14 whole days, day 14 included
    (75.0, 14, False),    # exactly 15 days left
    (76.0, 14, True),     # 14 days left
    (89.9, 0, True),      # last day
    (89.0, 0, False),     # a whole day left
    (10.0, 365, True),
])
def test_expiring_within_renew_before_days(age, renew_before_days, replaced):
    assert (reason(key(age=age), renew_before_days=renew_before_days) is not None) is replaced


def test_never_expiring_key_is_not_renewed():
    assert reason(key(lifetime=None), renew_before_days=365) is None


def test_secret_file_without_the_secret_means_replace():
    assert reason(key(), secret_in_file=False) == 'secret_dest does not hold its secret'
    assert reason(key(), secret_in_file=True) is None
    assert reason(key(), secret_in_file=None) is None


# --- the plan ---------------------------------------------------------------------------------------------------------

def plan(existing, **options):
    values = dict(key_id=None, name='ci', permissions=None, expires_in_days=None, state=None, recreate='when_needed',
                  renew_before_days=None, secret_in_file=None)
    values.update(options)
    return rotation.plan_key_task(existing, values['key_id'], values['name'], values['permissions'],
                                  values['expires_in_days'], values['state'], NOW, values['recreate'],
                                  values['renew_before_days'], values['secret_in_file'])


def test_replacement_keeps_what_the_task_leaves_out():
    renewal = plan(key(lifetime=90, age=80, permissions=['rooms:read', 'files:read']), renew_before_days=14)
    assert renewal.action == 'replace' and 'within 14 day(s)' in renewal.reason
    assert renewal.body == {'name': 'ci', 'permissions': ['files:read', 'rooms:read'], 'expiresInDays': 90}
    assert renewal.is_active is True


def test_replacement_takes_what_the_task_sets():
    renewal = plan(key(lifetime=90), expires_in_days=30, permissions=['rooms:read'], state='inactive')
    assert renewal.body == {'name': 'ci', 'permissions': ['rooms:read'], 'expiresInDays': 30}
    assert renewal.is_active is False


def test_full_access_key_is_replaced_by_a_full_access_key():
    assert plan(key(permissions=None), recreate='always').body['permissions'] == ['*']


def test_never_expiring_key_is_replaced_by_one():
    assert plan(key(lifetime=None), recreate='always').body['expiresInDays'] is None


def test_disabled_key_stays_disabled_unless_it_expired():
    assert plan(key(isActive=False), recreate='always').is_active is False
    assert plan(key(age=91, isActive=False)).is_active is True
    assert plan(key(isActive=False), recreate='always', state='active').is_active is True


def test_in_place_changes_stay_in_place():
    renamed = plan(key(), permissions=['rooms:read'], state='inactive')
    assert renamed.action == 'update' and renamed.changes == {'permissions': ['rooms:read'], 'isActive': False}


def test_absent_deletes_rather_than_replaces():
    assert plan(key(age=91), recreate='always', state='absent').action == 'delete'


def test_missing_secret_with_never_fails_saying_what_to_do():
    with pytest.raises(DocSpaceError, match='shows a secret only once.*recreate: when_needed'):
        plan(key(), recreate='never', secret_in_file=False)


def test_missing_secret_without_a_key_is_a_creation():
    assert plan(None, recreate='never', secret_in_file=None, permissions=['files:read']).action == 'create'


def test_expiry_mismatch_with_never_still_fails_and_names_recreate():
    with pytest.raises(DocSpaceError, match='recreate: when_needed'):
        plan(key(lifetime=90), recreate='never', expires_in_days=30)


# --- options ----------------------------------------------------------------------------------------------------------

def test_recreate_with_key_id_is_refused_saying_why():
    with pytest.raises(DocSpaceError, match='new id.*by name'):
        rotation.check_rotation_options('3fa85f64-5717-4562-b3fc-2c963f66afa6', 'when_needed', None)
    rotation.check_rotation_options('3fa85f64-5717-4562-b3fc-2c963f66afa6', 'never', None)


@pytest.mark.parametrize('recreate', ['never', 'always'])
def test_renew_before_days_needs_when_needed(recreate):
    with pytest.raises(DocSpaceError, match='recreate: when_needed'):
        rotation.check_rotation_options(None, recreate, 14)


def test_renew_before_days_is_not_negative():
    with pytest.raises(DocSpaceError, match='0 or more'):
        rotation.check_rotation_options(None, 'when_needed', -1)


# --- which key of a name is current --------------------------------------------------------------------------------

def test_pick_current_prefers_the_key_whose_secret_is_in_the_file():
    old = key(id='old', age=10, keyPostfix='aaaa')
    new = key(id='new', age=1, keyPostfix='bbbb')
    assert rotation.pick_current([new, old], 'aaaa') == (old, [new])
    assert rotation.pick_current([old, new], None) == (new, [old])
    assert rotation.pick_current([old, new], 'cccc') == (new, [old])
    assert rotation.pick_current([], 'aaaa') == (None, [])


# --- retiring -------------------------------------------------------------------------------------------------------

def test_retired_name_fits_30_characters_and_is_recognisable():
    assert rotation.retired_name('ci', NOW) == 'ci~old-20261129'
    long_name = rotation.retired_name('x' * 30, NOW)
    assert len(long_name) == 30 and long_name.endswith('~old-20261129')
    emoji = rotation.retired_name('\U0001F511' * 15, NOW)
    assert name_length(emoji) <= 30 and emoji.endswith('~old-20261129')


@pytest.mark.parametrize('previous_key, how, changes', [
    ('delete', 'deleted', None),
    ('deactivate', 'deactivated', {'name': 'ci~old-20261129', 'isActive': False}),
    ('keep', 'kept', {'name': 'ci~old-20261129'}),
])
def test_retirement_plan(previous_key, how, changes):
    assert rotation.retirement_plan(key(), previous_key, NOW) == (how, changes)


@pytest.mark.parametrize('previous_key', ['deactivate', 'keep'])
def test_expired_predecessor_is_always_deleted(previous_key):
    assert rotation.retirement_plan(key(age=91), previous_key, NOW) == ('deleted', None)


def test_predicted_retirement_shows_the_key_after_it():
    view = rotation.predicted_retirement(key(), 'deactivate', 'recreate is always', NOW)
    assert view['name'] == 'ci~old-20261129' and view['is_active'] is False
    assert view['retired'] == 'deactivated' and view['reason'] == 'recreate is always'


# --- audit helpers ----------------------------------------------------------------------------------------------------

def test_expires_within_skips_expired_and_never_expiring_keys():
    assert rotation.expires_within(key(age=80), 14, NOW)
    assert not rotation.expires_within(key(age=91), 14, NOW)
    assert not rotation.expires_within(key(lifetime=None), 14, NOW)


def test_days_since_last_use_and_unused_for():
    used = key(age=40, lastUsed=stamp(NOW - datetime.timedelta(days=30, hours=1)))
    assert rotation.days_since_last_use(used, NOW) == 30
    assert rotation.unused_for(used, 30, NOW) and not rotation.unused_for(used, 31, NOW)
    never = key(age=40)
    assert rotation.days_since_last_use(never, NOW) is None
    assert rotation.unused_for(never, 40, NOW) and not rotation.unused_for(never, 41, NOW)


@pytest.mark.parametrize('lifetime, renew_before_days, refused', [
    (90, 88, False), (90, 89, True), (15, 14, True), (16, 14, False), (2, 1, True), (2, 0, False), (1, 0, True),
    (None, 300, False),
])
def test_renew_window_that_would_renew_every_run_is_refused(lifetime, renew_before_days, refused):
    if refused:
        with pytest.raises(DocSpaceError, match='on every run'):
            rotation.check_rotation_options(None, 'when_needed', renew_before_days, lifetime)
    else:
        rotation.check_rotation_options(None, 'when_needed', renew_before_days, lifetime)


def test_renew_window_is_checked_against_the_lifetime_a_replacement_keeps():
    with pytest.raises(DocSpaceError, match='30-day key on every run'):
        plan(key(lifetime=30, age=20), renew_before_days=29)
    assert plan(key(lifetime=30, age=0.5), renew_before_days=28).action == 'none'


@pytest.mark.parametrize('lifetime, renew_before_days, says', [
    (1, 0, 'a new 1-day key has 0 whole day(s) left: leave renew_before_days out'),
    (2, 1, 'a new 2-day key has 1 whole day(s) left: set renew_before_days below 1, or a longer expires_in_days.'),
    (15, 14, 'a new 15-day key has 14 whole day(s) left: set renew_before_days below 14, or a longer expires_in_days.'),
])
def test_refused_renew_window_says_how_many_days_a_new_key_has_and_what_to_set(lifetime, renew_before_days, says):
    with pytest.raises(DocSpaceError) as caught:
        rotation.check_renewal_window(lifetime, renew_before_days)
    assert says in caught.value.message


def test_renew_window_is_checked_against_the_lifetime_the_task_asks_for():
    assert plan(key(lifetime=30, age=1), expires_in_days=90, renew_before_days=29).action == 'replace'
    with pytest.raises(DocSpaceError, match='90-day key on every run'):
        plan(key(lifetime=30, age=1), expires_in_days=90, renew_before_days=89)


def test_renewal_reason_names_the_expiry_date_and_the_window():
    expiring = key(age=80)
    assert reason(expiring, renew_before_days=14) == 'it expires on %s, within 14 day(s)' % expiring['expiresAt']


def test_replacement_takes_the_task_name_or_else_the_replaced_key_name():
    assert plan(key(), name='ci-next', recreate='always').body['name'] == 'ci-next'
    assert plan(key(), name=None, recreate='always').body['name'] == 'ci'


def test_without_rotation_options_an_expired_key_is_not_replaced():
    expired = key(age=91)
    assert rotation.plan_key_task(expired, None, 'ci', None, None, None, NOW).action == 'none'


def test_missing_secret_message_names_the_key():
    message = rotation.secret_missing_message(key())
    assert 'API key 3fa85f64-5717-4562-b3fc-2c963f66afa6 (ci)' in message


def test_newest_key_counts_a_key_without_creation_date_as_oldest():
    undated = key(id='undated', createOn=None)
    dated = key(id='dated', age=300)
    assert rotation.pick_current([undated, dated], None) == (dated, [undated])
    assert rotation.pick_current([dated, undated], None) == (dated, [undated])


def test_retired_name_of_a_nameless_key_is_the_mark_alone():
    assert rotation.retired_name(None, NOW) == '~old-20261129'


def test_deactivating_an_inactive_predecessor_only_renames_it():
    assert rotation.retirement_plan(key(isActive=False), 'deactivate', NOW) == (
        'deactivated', {'name': 'ci~old-20261129'})


def test_key_used_today_is_used_zero_days_ago_and_not_unused_for_a_day():
    recent = key(lastUsed=stamp(NOW - datetime.timedelta(hours=1)))
    assert rotation.days_since_last_use(recent, NOW) == 0
    assert not rotation.unused_for(recent, 1, NOW)
    assert rotation.unused_for(recent, 0, NOW)


# --- the secret file ----------------------------------------------------------------------------------------------

def secret_file(path):
    with patch_module_args({}):
        module = AnsibleModule(argument_spec={}, add_file_common_args=True)
    return rotation.SecretFile(module, str(path))


def test_fixing_the_attributes_of_a_missing_secret_file_changes_nothing(tmp_path):
    missing = tmp_path / 'ci.key'
    assert secret_file(missing).fix_attributes() is False and not missing.exists()
    missing.write_text('secret')
    missing.chmod(0o644)
    assert secret_file(missing).fix_attributes() is True and stat.S_IMODE(os.stat(missing).st_mode) == 0o600
