# -*- coding: utf-8 -*-
# Copyright (c) onlyoffice.docspace contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Pure planning for docspace_api_keys, the resource module for a caller's whole set of API keys: no HTTP here.

plan_key_set() turns the listed keys, the task's config and its state into an ordered list of writes (Step), with
the writes that could lock the task out last. This module_util is private to the collection: its interface may
change at any time.
"""

from __future__ import annotations

from ansible_collections.onlyoffice.docspace.plugins.module_utils._docspace import DocSpaceError
from ansible_collections.onlyoffice.docspace.plugins.module_utils._api_keys import (
    FULL_ACCESS,
    ambiguous_name_message,
    apply_update,
    canonical_permissions,
    check_expires_in_days,
    check_name,
    clean_permissions,
    creation_body,
    expired_message,
    expiry_mismatch_message,
    is_expired,
    keys_named,
    lifetime_days,
    own_keys,
    permission_set,
    plan_update,
    planned_key,
)
from ansible_collections.onlyoffice.docspace.plugins.module_utils._rotation import (
    check_renewal_window,
    check_rotation_options,
    pick_current,
    replacement_active,
    replacement_lifetime,
    replacement_reason,
    secret_missing_message,
)

STATES = ('merged', 'replaced', 'overridden', 'deleted', 'gathered')
UNLISTED_CHOICES = ('delete', 'deactivate')
# States in which a listed key whose entry leaves out `active` is made active, and `permissions` is required.
FULL_STATES = ('replaced', 'overridden')
# A key with none of these scopes cannot create, change or delete keys (the contract page: *:write or full access).
MANAGING_SCOPES = frozenset([FULL_ACCESS, '*:write'])
# What happens to a key a replacement supersedes (docspace_api_key's previous_key): it is deleted, so that the name
# finds exactly the new key and no working secret is left behind.
PREVIOUS_KEY = 'delete'
# Advice of the failures _api_keys words for docspace_api_key, in this module's terms.
AMBIGUOUS_ADVICE = ('remove the extra ones (onlyoffice.docspace.docspace_api_key with key_id and state: absent) so '
                    'that the name says which key it is.')
EXPIRY_ADVICE = ('delete it (state: deleted) and run this task again to create it anew, which makes a new secret, or '
                 'set recreate: when_needed, which does both.')


# --- the config ------------------------------------------------------------------------------------------------------

def check_config(config, state, unlisted):
    """The config entries, validated and normalised before any request; DocSpaceError naming every problem."""
    if state == 'deleted' and not config:
        raise DocSpaceError('state: deleted with an empty config would delete nothing, and deleting every key must be '
                            'spelled out: use state: overridden with config: [] and unlisted: delete.')
    if unlisted is not None and state != 'overridden':
        raise DocSpaceError('unlisted applies only to state: overridden (it says what happens to keys the config does '
                            'not list); remove it or use state: overridden.')
    entries, problems, seen = [], [], set()
    for index, entry in enumerate(config or []):
        try:
            entries.append(checked_entry(entry, state))
        except DocSpaceError as exc:
            problems.append('config[%d]: %s' % (index, exc.message))
            continue
        if entry['name'] in seen:
            problems.append('config[%d]: the name %r is listed twice; each name may appear once.' % (index, entry['name']))
        seen.add(entry['name'])
    if problems:
        raise DocSpaceError(' '.join(problems))
    return entries


def checked_entry(entry, state):
    entry = dict(entry)
    check_name(entry['name'])
    entry['permissions'] = clean_permissions(entry.get('permissions'))
    check_expires_in_days(entry.get('expires_in_days'))
    if state in FULL_STATES and entry['permissions'] is None:
        raise DocSpaceError("state: %s needs permissions in every entry (full access is never a default); write ['*'] "
                            "for full access to key %r." % (state, entry['name']))
    entry.setdefault('recreate', 'never')
    entry.setdefault('renew_before_days', None)
    entry.setdefault('secret_dest', None)
    check_rotation_options(None, entry['recreate'], entry['renew_before_days'], entry.get('expires_in_days'))
    return entry


# --- keys in the config format -----------------------------------------------------------------------------------------

def is_usable(key, now):
    """Active and not expired: expired keys count as inactive (the portal deactivates them itself)."""
    return bool(key.get('isActive')) and not is_expired(key, now)


def config_entry(key, now):
    """A key as an entry of config (what state: gathered returns)."""
    return dict(name=key.get('name'), permissions=canonical_permissions(key.get('permissions')),
                expires_in_days=lifetime_days(key), active=is_usable(key, now))


def listed_entry(key, now):
    """A key as before and after show it: the config format plus the output-only id and expires_at."""
    return dict(config_entry(key, now), id=key.get('id'), expires_at=key.get('expiresAt'))


def listed_entries(keys, now):
    return sorted((listed_entry(key, now) for key in keys), key=lambda entry: (entry['name'] or '', entry['id'] or ''))


# --- the plan ------------------------------------------------------------------------------------------------------------

class Step:
    """One write: action 'create' (body; deactivate afterwards when active is False), 'update' (changes), 'delete',
    'replace' (rotation: create body, then delete key; reason says why), or 'retire' (delete the key a 'replace' with
    retire_later made a new key for: the key in use, whose deletion is the lock-out write and comes last).

    key is the listed key the write is about (None for a creation); lockout says why the write would lock the task
    out (it deactivates the key in use, deletes or replaces it, or takes away its key-management scope), or is None.
    unlisted: a key state: overridden removes; leftover: a second key of a listed name that an interrupted
    replacement left behind.
    """

    def __init__(self, action, name, key=None, body=None, changes=None, active=None, unlisted=False, reason=None,
                 leftover=False):
        self.action = action
        self.name = name
        self.key = key
        self.body = body
        self.changes = changes or {}
        self.active = active
        self.unlisted = unlisted
        self.reason = reason
        self.leftover = leftover
        self.retire_later = False
        self.lockout = None

    @property
    def key_id(self):
        return self.key.get('id') if self.key else None

    def could_lock_out(self, now):
        """Whether this write would lock the task out if its key were the one the task authenticates with."""
        if self.key is None or not is_usable(self.key, now):
            return False  # an inactive or expired key cannot be the key in use
        if self.action in ('delete', 'replace', 'retire') or self.changes.get('isActive') is False:
            return True
        return 'permissions' in self.changes and not permission_set(self.changes['permissions']) & MANAGING_SCOPES

    def lockout_reason(self):
        if self.action == 'delete':
            return 'deletes the API key this task authenticates with'
        if self.action == 'retire':
            return 'deletes the API key this task authenticates with, which a new key replaced'
        if self.changes.get('isActive') is False:
            return 'deactivates the API key this task authenticates with'
        return 'takes the key-management scope (* or *:write) from the API key this task authenticates with'

    def __repr__(self):
        return 'Step(%r, %r, key_id=%r, body=%r, changes=%r, active=%r, reason=%r, retire_later=%r, lockout=%r)' % (
            self.action, self.name, self.key_id, self.body, self.changes, self.active, self.reason, self.retire_later,
            self.lockout)


class KeySetPlan:
    """The ordered writes of a task, the caller's own keys before them, and what the task says about the key in use."""

    def __init__(self, mine, steps, kept, needs_self_key):
        self.mine = mine
        self.steps = steps
        # messages about keys the task leaves alone on purpose (the key in use under state: overridden)
        self.kept = kept
        # whether some write could lock the task out: then it must know which key it authenticates with
        self.needs_self_key = needs_self_key


def wanted_active(entry, state):
    """The active status an entry asks for: its own, else active under replaced and overridden, else unchanged."""
    if entry.get('active') is not None:
        return entry['active']
    return True if state in FULL_STATES else None


ACTIVE_TO_STATE = {True: 'active', False: 'inactive', None: None}


def plan_replacement(entry, key, active, secret_file, now):
    """A 'replace' step when the entry's rotation options say the key must be replaced, else None (_rotation)."""
    recreate, days = entry['recreate'], entry.get('expires_in_days')
    secret_in_file = secret_file.holds(key) if secret_file is not None else None
    if recreate == 'when_needed':
        check_renewal_window(replacement_lifetime(key, days), entry['renew_before_days'])
    reason = replacement_reason(key, recreate, entry['renew_before_days'], days, secret_in_file, now)
    if reason:
        body = creation_body(entry['name'], entry.get('permissions') or key.get('permissions'),
                             replacement_lifetime(key, days))
        return Step('replace', entry['name'], key=key, body=body, reason=reason,
                    active=replacement_active(key, ACTIVE_TO_STATE[active], now))
    if secret_in_file is False:
        raise DocSpaceError(secret_missing_message(key))
    return None


def plan_entry(entry, key, state, now, secret_file=None):
    """The write one config entry needs (or None), for the caller's own key of its name (or None).

    secret_file: the entry's secret_dest (anything with holds(key)), or None.
    """
    name = entry['name']
    if state == 'deleted':
        return Step('delete', name, key=key) if key else None
    active = wanted_active(entry, state)
    if key is None:
        if not entry.get('permissions'):
            raise DocSpaceError("permissions is required to create API key %r; write ['*'] for full access." % name)
        return Step('create', name, body=creation_body(name, entry['permissions'], entry.get('expires_in_days')),
                    active=active)
    replacement = plan_replacement(entry, key, active, secret_file, now)
    if replacement is not None:
        return replacement
    mismatch = expiry_mismatch_message(key, entry.get('expires_in_days'), EXPIRY_ADVICE)
    if mismatch:
        raise DocSpaceError(mismatch)
    # Compared with the key as usable: deactivating an expired key is nothing to do, not a refused PUT on every run.
    changes = plan_update(dict(key, isActive=is_usable(key, now)), permissions=entry.get('permissions'),
                          is_active=active)
    if not changes:
        return None
    if is_expired(key, now):
        raise DocSpaceError(expired_message(key))
    return Step('update', name, key=key, changes=changes)


def plan_unlisted(key, unlisted, now):
    """What state: overridden does to an own key the config does not list."""
    if unlisted == 'delete':
        return Step('delete', key.get('name'), key=key, unlisted=True)
    if is_usable(key, now):
        return Step('update', key.get('name'), key=key, changes={'isActive': False}, unlisted=True)
    return None


def kept_message(key):
    return ('API key %s (%s) is not in config but was kept: this task authenticates with it (state: overridden never '
            'removes the key in use).' % (key.get('id'), key.get('name')))


def entry_key(entry, named, state, secret_file):
    """(the entry's key or None, leftovers): with recreate, two own keys of the name are what an interrupted
    replacement leaves, resolved as docspace_api_key does (pick_current); otherwise they are an error (None)."""
    if len(named) <= 1:
        return (named[0] if named else None), []
    if entry['recreate'] == 'never' or state == 'deleted':
        return None, None
    return pick_current(named, secret_file.postfix() if secret_file is not None else None)


def plan_key_set(keys, caller_id, config, state, unlisted=None, self_key_id=None, now=None, secret_files=None):
    """The writes that bring the caller's own keys to config under state, in the order to make them.

    keys: every listed key (an admin lists the whole portal; only the caller's own are ever touched); config: the
    entries check_config() returned; self_key_id: the key the task authenticates with, when known; secret_files: the
    entries' secret_dest files by name (objects with holds(key) and postfix(), see _rotation.SecretFile). Order:
    updates in place, then creations and replacements, then removals of leftover and unlisted keys, then the one
    write that could lock the task out (for a replacement of the key in use, only the deletion of the old key).
    Raises DocSpaceError, before any write, naming every entry that cannot be done.
    """
    secret_files = secret_files or {}
    mine = own_keys(keys, caller_id)
    problems, steps, leftovers, listed_ids = [], [], [], set()
    for entry in ([] if state == 'gathered' else config):
        named = keys_named(mine, entry['name'])
        listed_ids.update(key.get('id') for key in named)
        key, extra = entry_key(entry, named, state, secret_files.get(entry['name']))
        if extra is None:
            problems.append(ambiguous_name_message(entry['name'], named, AMBIGUOUS_ADVICE))
            continue
        leftovers += [Step('delete', entry['name'], key=old, leftover=True) for old in extra]
        try:
            step = plan_entry(entry, key, state, now, secret_files.get(entry['name']))
        except DocSpaceError as exc:
            problems.append(exc.message)
            continue
        if step is not None:
            steps.append(step)
    if problems:
        raise DocSpaceError(' '.join(problems))
    kept, removals = [], []
    if state == 'overridden':
        for key in mine:
            if key.get('id') in listed_ids:
                continue
            if key.get('id') == self_key_id:
                kept.append(kept_message(key))
                continue
            step = plan_unlisted(key, unlisted, now)
            if step is not None:
                removals.append(step)
    makes_keys = ('create', 'replace')
    ordered = ([step for step in steps if step.action not in makes_keys]
               + [step for step in steps if step.action in makes_keys] + leftovers + removals)
    last = []
    for step in ordered:
        if self_key_id and step.key_id == self_key_id and step.could_lock_out(now):
            last.append(lockout_step(step))
    ordered = [step for step in ordered if step.lockout is None] + last
    needs_self_key = any(step.could_lock_out(now) for step in ordered)
    return KeySetPlan(mine, ordered, kept, needs_self_key)


def lockout_step(step):
    """The write that locks the task out, made last. Replacing the key in use is split: its new key is made with the
    other creations (so that a refused creation comes before any removal), and only retiring the old key comes last."""
    if step.action == 'replace':
        step.retire_later = True
        step = Step('retire', step.name, key=step.key, reason=step.reason)
    step.lockout = step.lockout_reason()
    return step


# --- the keys after the writes ------------------------------------------------------------------------------------------

def planned_creation(step, creator, now):
    """The key a creation would make (check mode; the portal decides id and secret)."""
    return dict(planned_key(step.body, step.active, now), createBy=creator)


def keys_after(mine, done):
    """The caller's own keys after the writes done: (step, key) pairs, key being the created key for a creation."""
    after = {key.get('id'): key for key in mine}
    created = []
    for step, made in done:
        if step.action in ('create', 'replace'):
            created.append(made)
        if step.action in ('delete', 'retire') or (step.action == 'replace' and not step.retire_later):
            after.pop(step.key_id, None)
        elif step.action == 'update':
            after[step.key_id] = apply_update(after[step.key_id], step.changes)
    return list(after.values()) + created


def uses_api_key(api_key, auth_token):
    """Whether the task authenticates with an API key (then one key is in use, and GET /keys/@self names it)."""
    if api_key:
        return True
    token = (auth_token or '').strip()
    if token.startswith('Bearer '):
        token = token[len('Bearer '):].strip()
    return token.startswith('sk-')
