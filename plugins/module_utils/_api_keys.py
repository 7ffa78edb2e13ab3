# -*- coding: utf-8 -*-
# Copyright (c) onlyoffice.docspace contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Pure decisions about DocSpace API keys: no HTTP here (that is _keys_api), so every rule is unit-testable.

Keys are the camelCase objects of GET /api/2.0/keys (ApiKeyResponseDto). This module_util is private to the
collection: its interface may change at any time.
"""

from __future__ import annotations

import datetime
import re
import uuid

from ansible_collections.onlyoffice.docspace.plugins.module_utils._docspace import DocSpaceError

FULL_ACCESS = '*'
NAME_MAX_LENGTH = 30

_DATE_RE = re.compile(
    r'^(?P<date>\d{4}-\d{2}-\d{2})[T ](?P<time>\d{2}:\d{2}(?::\d{2})?)(?:\.(?P<fraction>\d+))?'
    r'(?P<zone>Z|[+-]\d{2}:?\d{2})?$'
)


# --- input validation (before any request): each check raises DocSpaceError, main() turns it into the failure ---

def canonical_key_id(value):
    """The key id as DocSpace lists it (lowercase, hyphenated)."""
    try:
        return str(uuid.UUID(str(value).strip()))
    except (ValueError, AttributeError, TypeError):
        raise DocSpaceError('key_id must be a UUID such as 3fa85f64-5717-4562-b3fc-2c963f66afa6; got %r.' % (value,)) from None


def name_length(name):
    """Length as the portal counts it (.NET strings count UTF-16 code units)."""
    return len(name.encode('utf-16-le', 'surrogatepass')) // 2


def check_name(name):
    """Refuse a name the portal would refuse; None passes (the task leaves the name alone)."""
    if name is None:
        return None
    if not name.strip():
        raise DocSpaceError('name must not be blank.')
    if name_length(name) > NAME_MAX_LENGTH:
        raise DocSpaceError('name must be at most %d characters; %r has %d.' % (NAME_MAX_LENGTH, name, name_length(name)))
    return name


def clean_permissions(permissions):
    """The scopes with stray white space trimmed ("files:read, rooms:read" split by the user); None passes."""
    if permissions is None:
        return None
    if not permissions:
        raise DocSpaceError("permissions must not be empty; write ['*'] for full access.")
    scopes = [scope.strip() if isinstance(scope, str) else scope for scope in permissions]
    if not all(scopes):
        raise DocSpaceError('permissions must not contain blank scopes.')
    return scopes


def unknown_scopes(permissions, catalogue):
    """Scopes asked for that the portal's catalogue (GET /keys/permissions) does not have, in the order given."""
    known = set(catalogue or [])
    seen = []
    for scope in permissions or []:
        if scope not in known and scope not in seen:
            seen.append(scope)
    return seen


# --- permissions as the portal means them --------------------------------------------------------------------------

def permission_set(permissions):
    """Scopes as a set; full access (stored as null, [] or any list holding '*') is {'*'}."""
    if not permissions or FULL_ACCESS in permissions:
        return frozenset([FULL_ACCESS])
    return frozenset(permissions)


def canonical_permissions(permissions):
    """Sorted, de-duplicated scopes, with full access as ['*']."""
    return sorted(permission_set(permissions))


# --- dates ---------------------------------------------------------------------------------------------------------

def parse_date(value):
    """A timezone-aware datetime from a DocSpace date ('2026-07-01T10:00:00.0000000Z', '+03:00'), or None."""
    if not isinstance(value, str):
        return None
    match = _DATE_RE.match(value.strip())
    if not match:
        return None
    clock = match.group('time')
    if clock.count(':') == 1:
        clock += ':00'
    fraction = (match.group('fraction') or '0')[:6].ljust(6, '0')
    zone = match.group('zone') or 'Z'
    if zone == 'Z':
        zone = '+00:00'
    elif ':' not in zone:
        zone = zone[:3] + ':' + zone[3:]
    try:
        return datetime.datetime.fromisoformat('%sT%s.%s%s' % (match.group('date'), clock, fraction, zone))
    except ValueError:
        return None


def utc_now():
    return datetime.datetime.now(datetime.timezone.utc)


def is_expired(key, now):
    expires = parse_date(key.get('expiresAt'))
    return expires is not None and expires <= now


# --- the shape of a listed key -------------------------------------------------------------------------------------

# Fields the modules compute with, and the JSON type each must have when present (None counts as absent).
KEY_FIELD_TYPES = (('name', str, 'a string'), ('isActive', bool, 'a boolean'), ('createBy', dict, 'an object'),
                   ('createOn', str, 'a string'), ('expiresAt', str, 'a string'))


def key_shape_problem(key):
    """Why a listed key is not an API key object the modules can work with, or None."""
    if not isinstance(key.get('id'), str):
        return 'its id is not a string'
    for field, kind, described in KEY_FIELD_TYPES:
        if key.get(field) is not None and not isinstance(key[field], kind):
            return 'its %s is not %s' % (field, described)
    permissions = key.get('permissions')
    if permissions is not None and not (isinstance(permissions, list) and all(isinstance(scope, str) for scope in permissions)):
        return 'its permissions are not a list of scope names'
    return None


def key_list_problem(keys, url):
    """Why a GET /keys answer is not a list of API keys the modules can work with, or None."""
    if not isinstance(keys, list):
        return 'GET %s answered something other than a list of keys; is base_url a DocSpace portal?' % url
    for key in keys:
        problem = key_shape_problem(key) if isinstance(key, dict) else None
        if problem:
            return 'GET %s answered a key that is not a DocSpace API key (%s); is base_url a DocSpace portal?' % (url, problem)
    return None


# --- finding keys --------------------------------------------------------------------------------------------------

def find_key_by_id(keys, key_id):
    """The key with this (canonical) id among the listed keys, or None."""
    for key in keys:
        if isinstance(key, dict) and str(key.get('id')).lower() == key_id:
            return key
    return None


# --- what a task changes ------------------------------------------------------------------------------------------

def key_view(key):
    """The properties a task can change, in the module's terms: what diff mode shows (never a secret)."""
    return dict(
        name=key.get('name'),
        permissions=canonical_permissions(key.get('permissions')),
        is_active=bool(key.get('isActive')),
    )


def plan_update(key, name=None, permissions=None, is_active=None):
    """The PUT /keys/{id} body that brings key to what the task asks, or {} when it already is.

    Only properties the task sets are compared, and only differing ones are sent: the portal answers true to
    every PUT, changed or not, so this comparison is the only change detection there is.
    """
    changes = {}
    if name is not None and name != key.get('name'):
        changes['name'] = name
    if permissions is not None and permission_set(permissions) != permission_set(key.get('permissions')):
        changes['permissions'] = canonical_permissions(permissions)
    if is_active is not None and is_active != bool(key.get('isActive')):
        changes['isActive'] = is_active
    return changes


def apply_update(key, changes):
    """The key as the portal stores it after a PUT with these changes (the portal does not echo it back)."""
    after = dict(key)
    if 'name' in changes:
        after['name'] = changes['name']
    if 'permissions' in changes:
        after['permissions'] = [] if permission_set(changes['permissions']) == {FULL_ACCESS} else list(changes['permissions'])
    if 'isActive' in changes:
        after['isActive'] = changes['isActive']
    return after


# --- what the module returns --------------------------------------------------------------------------------------

def describe_key(key, now):
    """A key in the module's snake_case result shape, without the secret."""
    creator = key.get('createBy')
    return dict(
        id=key.get('id'),
        name=key.get('name'),
        permissions=canonical_permissions(key.get('permissions')),
        is_active=bool(key.get('isActive')),
        key_postfix=key.get('keyPostfix'),
        created_by=dict(id=creator.get('id'), display_name=creator.get('displayName')) if isinstance(creator, dict) else None,
        created_on=key.get('createOn'),
        expires_at=key.get('expiresAt'),
        last_used=key.get('lastUsed'),
        expired=is_expired(key, now),
    )


def expired_message(key):
    return ('API key %s (%s) expired on %s; DocSpace refuses any change to an expired key: delete it and create a new one '
            '(recreate: when_needed does both).' % (key.get('id'), key.get('name'), key.get('expiresAt')))


# --- finding a key by name (lifecycle) ------------------------------------------------------------------------------

def created_by_id(key):
    """The id of the key's creator (lowercase), or None when the listed key does not say: then it is nobody's own."""
    creator = key.get('createBy')
    creator_id = creator.get('id') if isinstance(creator, dict) else None
    return None if creator_id is None else str(creator_id).lower()


def keys_named(keys, name):
    """Every listed key with exactly this name (names are not unique in DocSpace)."""
    return [key for key in keys if isinstance(key, dict) and key.get('name') == name]


def own_keys(keys, user_id):
    """The keys created by this user: an admin lists every key of the portal, and must not take over another's."""
    user_id = str(user_id).lower()
    return [key for key in keys if created_by_id(key) == user_id]


def ambiguous_name_message(name, keys, advice='set key_id to say which one.'):
    return ('%d of your API keys are named %r (%s); %s'
            % (len(keys), name, ', '.join(sorted(str(key.get('id')) for key in keys)), advice))


# --- expiry -----------------------------------------------------------------------------------------------------------

EXPIRES_MIN_DAYS = 1
EXPIRES_MAX_DAYS = 365


def check_expires_in_days(days):
    if days is not None and not EXPIRES_MIN_DAYS <= days <= EXPIRES_MAX_DAYS:
        raise DocSpaceError('expires_in_days must be from %d to %d; got %d.' % (EXPIRES_MIN_DAYS, EXPIRES_MAX_DAYS, days))
    return days


def lifetime_days(key):
    """The lifetime the key was created with (expiresAt - createOn, in whole days), or None when it never expires."""
    created = parse_date(key.get('createOn'))
    expires = parse_date(key.get('expiresAt'))
    if created is None or expires is None:
        return None
    return int(round((expires - created).total_seconds() / 86400.0))


EXPIRY_ADVICE = 'delete it (state: absent) and create it again, which makes a new secret (recreate: when_needed does both).'


def expiry_mismatch_message(key, days, advice=EXPIRY_ADVICE):
    """Why an existing key cannot have the asked lifetime, or None when it has it (expiry cannot be changed)."""
    if days is None:
        return None
    lifetime = lifetime_days(key)
    if lifetime == days:
        return None
    has = 'never expires' if lifetime is None else 'was created to expire after %d day(s)' % lifetime
    return ('API key %s (%s) %s, not %d; DocSpace cannot change the expiry of a key: %s'
            % (key.get('id'), key.get('name'), has, days, advice))


def days_left(key, now):
    """Whole days until the key expires (0 once it has), or None when it never expires."""
    expires = parse_date(key.get('expiresAt'))
    if expires is None:
        return None
    return max(0, (expires - now).days)


# --- creating --------------------------------------------------------------------------------------------------------

def creation_body(name, permissions, expires_in_days):
    """The POST /keys body; full access is sent as ['*'] (the portal stores it as [])."""
    return dict(name=name, permissions=canonical_permissions(permissions), expiresInDays=expires_in_days)


def format_date(moment):
    return moment.astimezone(datetime.timezone.utc).strftime('%Y-%m-%dT%H:%M:%S.0000000Z')


def planned_key(body, is_active, now):
    """The key a creation would make, for check mode (the portal decides id and secret)."""
    key = dict(name=body['name'], permissions=body['permissions'], isActive=is_active is not False,
               createOn=format_date(now))
    if body.get('expiresInDays'):
        key['expiresAt'] = format_date(now + datetime.timedelta(days=body['expiresInDays']))
    return key


def appeared_key(keys, known_ids, name, user_id):
    """A key of this user with this name that was not listed before a creation attempt, or None.

    After a creation that timed out or failed with 5xx, such a key means the creation happened anyway.
    """
    fresh = [key for key in own_keys(keys_named(keys, name), user_id) if key.get('id') not in known_ids]
    return fresh[0] if fresh else None


# --- the decision of a docspace_api_key task ---------------------------------------------------------------------

STATE_TO_ACTIVE = {'active': True, 'inactive': False, 'absent': None, None: None}


class Plan:
    """What a task does to the key it found: action is 'none', 'create', 'update', 'delete' or 'replace'.

    body is the POST body of a creation or replacement, changes the PUT body of an update; warning is said whatever
    happens. A replacement (see _rotation.plan_key_task) also has the reason it happens and whether the new key is
    to be active.
    """

    def __init__(self, action, body=None, changes=None, warning=None, reason=None, is_active=None):
        self.action = action
        self.body = body
        self.changes = changes or {}
        self.warning = warning
        self.reason = reason
        self.is_active = is_active

    def __repr__(self):
        return 'Plan(%r, body=%r, changes=%r, warning=%r, reason=%r, is_active=%r)' % (
            self.action, self.body, self.changes, self.warning, self.reason, self.is_active)


def plan_task(key, key_id, name, permissions, expires_in_days, state, now):
    """Decide what a docspace_api_key task does to `key` (the key it found, or None); DocSpaceError when it cannot."""
    if state == 'absent':
        return Plan('delete' if key is not None else 'none')
    if key is None:
        if key_id:
            raise DocSpaceError('API key %s was not found among the keys these credentials can see (non-admin users see '
                                'only their own keys).' % key_id)
        if not permissions:
            raise DocSpaceError("permissions is required to create API key %r; write ['*'] for full access." % name)
        return Plan('create', body=creation_body(name, permissions, expires_in_days))
    mismatch = expiry_mismatch_message(key, expires_in_days)
    if mismatch:
        raise DocSpaceError(mismatch)
    changes = plan_update(key, name=name if key_id else None, permissions=permissions, is_active=STATE_TO_ACTIVE[state])
    expired = is_expired(key, now)
    if changes and expired:
        raise DocSpaceError(expired_message(key))
    return Plan('update' if changes else 'none', changes=changes, warning=expired_message(key) if expired else None)
