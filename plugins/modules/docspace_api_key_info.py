#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) onlyoffice.docspace contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r'''
---
module: docspace_api_key_info
short_description: List ONLYOFFICE DocSpace API keys and the portal's permission scopes
version_added: 0.1.0
description:
  - Lists the API keys the credentials can see, with who created them, what they may do and when they expire,
    for audits and for alerts on keys about to expire.
  - Admins and the portal owner see every key of the portal; other users see only the keys they created.
  - Also returns the portal's catalogue of permission scopes.
  - Never returns a secret.
author:
  - onlyoffice.docspace maintainers (@onlyoffice)
extends_documentation_fragment:
  - onlyoffice.docspace.docspace
  - onlyoffice.docspace.docspace.actiongroup_docspace
attributes:
  check_mode:
    support: full
    description: The module only reads; it runs the same in check mode.
  diff_mode:
    support: none
    description: The module changes nothing, so there is no diff.
options:
  key_id:
    description: Only the key with this id (UUID).
    type: str
    aliases: [id]
  name:
    description: Only keys with exactly this name.
    type: str
  owned_by_me:
    description: Only keys created by the calling user (V(true)), or only keys created by others (V(false)).
    type: bool
  active:
    description: Only active keys (V(true)) or only inactive ones (V(false)).
    type: bool
  expired:
    description: Only expired keys (V(true)) or only keys that have not expired (V(false)).
    type: bool
  expiring_within_days:
    description:
      - Only keys that have not expired yet and expire within this many days (whole days left, RV(api_keys[].expires_in_days_left),
        at most this many; day N is included, so V(0) lists keys on their last day).
      - Keys that never expire are left out.
      - The same rule as O(onlyoffice.docspace.docspace_api_key#module:renew_before_days).
    type: int
  unused_for_days:
    description:
      - Only keys not used for at least this many days; a key never used counts from its creation.
    type: int
  current:
    description:
      - Only the key the module authenticated with (C(GET /api/2.0/keys/@self)); needs O(api_key) authentication.
      - Works with any valid key, whatever its scopes. When the key may not read the scope catalogue (it needs
        V(*:read)), RV(available_permissions) is empty and the task warns.
    type: bool
    default: false
'''

EXAMPLES = r'''
- name: Audit the portal's keys
  onlyoffice.docspace.docspace_api_key_info:
    base_url: https://portal.example.com
    api_key: "{{ vault_docspace_admin_key }}"
  register: audit

- name: Alert on active keys that expire within 30 days
  ansible.builtin.debug:
    msg: "{{ item.name }} ({{ item.id }}, by {{ item.created_by.display_name }}) expires in {{ item.expires_in_days_left }} day(s)"
  loop: "{{ audit.api_keys | rejectattr('expires_in_days_left', 'none') | selectattr('expires_in_days_left', 'le', 30)
            | selectattr('is_active') | list }}"
  loop_control:
    label: "{{ item.name }}"

- name: Keys that expire within two weeks (renewal candidates)
  onlyoffice.docspace.docspace_api_key_info:
    expiring_within_days: 14
  register: expiring

- name: Keys nobody used for 90 days (candidates for removal)
  onlyoffice.docspace.docspace_api_key_info:
    unused_for_days: 90
    owned_by_me: true
  register: stale

- name: Which key is this pipeline using, and may it manage keys?
  onlyoffice.docspace.docspace_api_key_info:
    current: true
  register: me

- name: Show the scopes of the current key
  ansible.builtin.debug:
    var: me.api_keys[0].permissions

- name: My own inactive keys
  onlyoffice.docspace.docspace_api_key_info:
    owned_by_me: true
    active: false
  register: parked
'''

RETURN = r'''
api_keys:
  description: The keys that match every filter given, newest first, without secrets.
  returned: always
  type: list
  elements: dict
  contains:
    id:
      description: The key id.
      type: str
      sample: 3fa85f64-5717-4562-b3fc-2c963f66afa6
    name:
      description: The key name.
      type: str
      sample: ci-deploy
    permissions:
      description: The scopes, sorted and de-duplicated; V(['*']) for full access.
      type: list
      elements: str
      sample: [files:read, rooms:read]
    is_active:
      description: Whether requests made with the key are accepted.
      type: bool
      sample: true
    key_postfix:
      description: The last four characters of the secret.
      type: str
      sample: 9f3a
    created_by:
      description: The user who created the key, with C(id) and C(display_name); V(null) when the portal does not say.
      type: dict
      sample: {id: 66faa6e4-f133-11ea-b126-00ffeec8b4ef, display_name: Administrator}
    created_on:
      description: When the key was created.
      type: str
      sample: '2026-07-01T10:00:00.0000000Z'
    expires_at:
      description: When the key expires; V(null) when it never does.
      type: str
      sample: '2026-10-01T10:00:00.0000000Z'
    last_used:
      description: When the key was last used; V(null) when never.
      type: str
      sample: '2026-07-02T08:15:00.0000000Z'
    expired:
      description: Whether the key's expiry date has passed.
      type: bool
      sample: false
    expires_in_days_left:
      description: Whole days until the key expires, V(0) once it has; V(null) when it never expires.
      type: int
      sample: 29
    days_since_last_use:
      description: Whole days since the key was last used; V(null) when it never was.
      type: int
      sample: 3
available_permissions:
  description:
    - The portal's catalogue of permission scopes (C(GET /api/2.0/keys/permissions)).
    - Empty, with a warning, when O(current=true) and the key may not read it.
  returned: always
  type: list
  elements: str
  sample: ['*', '*:read', '*:write', accounts:read, files:read, files:write, rooms:read, rooms:write]
status:
  description: The HTTP status of the portal answer that made the task fail.
  returned: failure, when the portal answered
  type: int
  sample: 401
'''

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.onlyoffice.docspace.plugins.module_utils._docspace import (
    DocSpaceError,
    docspace_argument_rules,
    docspace_argument_spec,
)
from ansible_collections.onlyoffice.docspace.plugins.module_utils._api_keys import (
    canonical_key_id,
    created_by_id,
    days_left,
    describe_key,
    is_expired,
    utc_now,
)
from ansible_collections.onlyoffice.docspace.plugins.module_utils._keys_api import run_key_module
from ansible_collections.onlyoffice.docspace.plugins.module_utils._rotation import (
    days_since_last_use,
    expires_within,
    unused_for,
)


def argument_spec():
    spec = docspace_argument_spec()
    spec.update(
        key_id=dict(type='str', aliases=['id']),
        name=dict(type='str'),
        owned_by_me=dict(type='bool'),
        active=dict(type='bool'),
        expired=dict(type='bool'),
        current=dict(type='bool', default=False),
        expiring_within_days=dict(type='int'),
        unused_for_days=dict(type='int'),
    )
    return spec


def key_filters(params, caller_id, now):
    """Predicates over portal keys for every filter the task sets (key_id already canonical; the keys are
    shape-checked, so every id is a string)."""
    filters = []
    if params['key_id']:
        filters.append(lambda key: key['id'].lower() == params['key_id'])
    if params['name'] is not None:
        filters.append(lambda key: key.get('name') == params['name'])
    if params['owned_by_me'] is not None:
        filters.append(lambda key: (created_by_id(key) == caller_id) == params['owned_by_me'])
    if params['active'] is not None:
        filters.append(lambda key: bool(key.get('isActive')) == params['active'])
    if params['expired'] is not None:
        filters.append(lambda key: is_expired(key, now) == params['expired'])
    if params['expiring_within_days'] is not None:
        filters.append(lambda key: expires_within(key, params['expiring_within_days'], now))
    if params['unused_for_days'] is not None:
        filters.append(lambda key: unused_for(key, params['unused_for_days'], now))
    return filters


def check_day_counts(params):
    for option in ('expiring_within_days', 'unused_for_days'):
        if params[option] is not None and params[option] < 0:
            raise DocSpaceError('%s must be 0 or more; got %d.' % (option, params[option]))


def describe_for_audit(key, now):
    described = describe_key(key, now)
    described['expires_in_days_left'] = days_left(key, now)
    described['days_since_last_use'] = days_since_last_use(key, now)
    return described


def catalogue_or_warn(module, api, current):
    """The scope catalogue; for a key that may not read it (current: true), empty and a warning."""
    try:
        return api.catalogue()
    except DocSpaceError as exc:
        if exc.status != 403 or not current:
            raise
        module.warn('The key in use may not read the scope catalogue (GET /api/2.0/keys/permissions needs the *:read '
                    'scope), so available_permissions is empty.')
        return []


def run(module, api):
    params = dict(module.params)
    if params['key_id'] is not None:
        params['key_id'] = canonical_key_id(params['key_id'])
    check_day_counts(params)
    now = utc_now()
    keys = [api.self_key()] if params['current'] else api.list()
    filters = key_filters(params, api.caller_id() if params['owned_by_me'] is not None else None, now)
    matching = [key for key in keys if all(matches(key) for matches in filters)]
    return dict(
        changed=False,
        api_keys=[describe_for_audit(key, now) for key in matching],
        available_permissions=catalogue_or_warn(module, api, params['current']),
    )


def main():
    module = AnsibleModule(argument_spec=argument_spec(), supports_check_mode=True,
                           **docspace_argument_rules(required_if=[('current', True, ('api_key',))]))
    run_key_module(module, run)


if __name__ == '__main__':
    main()
