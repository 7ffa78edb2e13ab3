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
attributes:
  check_mode:
    support: full
    description: The module only reads; it runs the same in check mode.
  diff_mode:
    support: none
    description: The module changes nothing, so there is no diff.
  action_group:
    description: Use C(group/onlyoffice.docspace.docspace) in C(module_defaults) to set the connection options once.
    support: full
    membership:
      - onlyoffice.docspace.docspace
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
  current:
    description:
      - Only the key the module authenticated with (C(GET /api/2.0/keys/@self)); needs O(api_key) authentication.
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
      description: The user who created the key, with C(id) and C(display_name).
      type: dict
      sample: {id: 66faa6e4-f133-11ea-b126-00ffeec8b4ef, display_name: Administrator}
    create_on:
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
available_permissions:
  description: The portal's catalogue of permission scopes (C(GET /api/2.0/keys/permissions)).
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
    DocSpaceClient,
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
    key_list_problem,
    utc_now,
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
    )
    return spec


def key_filters(params, caller_id, now):
    """Predicates over portal keys for every filter the task sets."""
    filters = []
    if params['key_id']:
        filters.append(lambda key: str(key.get('id', '')).lower() == params['key_id'])
    if params['name'] is not None:
        filters.append(lambda key: key.get('name') == params['name'])
    if params['owned_by_me'] is not None:
        filters.append(lambda key: (created_by_id(key) == caller_id) == params['owned_by_me'])
    if params['active'] is not None:
        filters.append(lambda key: bool(key.get('isActive')) == params['active'])
    if params['expired'] is not None:
        filters.append(lambda key: is_expired(key, now) == params['expired'])
    return filters


def describe_for_audit(key, now):
    described = describe_key(key, now)
    described['expires_in_days_left'] = days_left(key, now)
    return described


def read_keys(client, current):
    """The keys to filter: every key the caller can see, or only the one it authenticated with."""
    path = 'keys/@self' if current else 'keys'
    answer = client.get(path)
    keys = ([answer] if isinstance(answer, dict) else []) if current else answer
    problem = key_list_problem(keys, client.url(path))
    if problem:
        raise DocSpaceError(problem)
    return [key for key in keys if isinstance(key, dict)]


def run(module, client):
    params = module.params
    now = utc_now()
    keys = read_keys(client, params['current'])
    caller_id = None
    if params['owned_by_me'] is not None:
        me = client.get('people/@self')
        caller_id = str(me.get('id', '')).lower() if isinstance(me, dict) else ''
    filters = key_filters(params, caller_id, now)
    matching = [key for key in keys if all(matches(key) for matches in filters)]
    catalogue = client.get('keys/permissions')
    return dict(
        changed=False,
        api_keys=[describe_for_audit(key, now) for key in matching],
        available_permissions=catalogue if isinstance(catalogue, list) else [],
    )


def main():
    module = AnsibleModule(argument_spec=argument_spec(), supports_check_mode=True,
                           **docspace_argument_rules(required_if=[('current', True, ('api_key',))]))
    if module.params['key_id'] is not None:
        try:
            module.params['key_id'] = canonical_key_id(module.params['key_id'])
        except ValueError as exc:
            module.fail_json(msg=str(exc))
    try:
        client = DocSpaceClient.from_module(module)
        result = run(module, client)
    except DocSpaceError as exc:
        module.fail_json(**exc.fail_kwargs())
    module.exit_json(**result)


if __name__ == '__main__':
    main()
