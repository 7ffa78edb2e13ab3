#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) onlyoffice.docspace contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r'''
---
module: docspace_api_key
short_description: Update an ONLYOFFICE DocSpace API key idempotently
version_added: 0.1.0
description:
  - Brings an existing DocSpace API key to the wanted name, permissions (scopes) and active or inactive status.
  - Reads the key from C(GET /api/2.0/keys) and sends C(PUT /api/2.0/keys/{keyId}) only when a property the task
    sets differs, with only the differing fields. An unchanged key costs one request, a changed key two.
  - Options left out mean "leave that property as it is"; in particular a task without O(state) never
    re-activates a key someone disabled.
  - The portal cannot change an expired key; the module fails with a message when such a key would need a change.
author:
  - onlyoffice.docspace contributors
extends_documentation_fragment:
  - onlyoffice.docspace.docspace
attributes:
  check_mode:
    support: full
    description: Reports the same C(changed) and diff as a real run, and sends no write.
  diff_mode:
    support: full
    description: Shows the key's O(name), O(permissions) and active status before and after; never a secret.
  action_group:
    support: full
    membership:
      - onlyoffice.docspace.docspace
options:
  key_id:
    description:
      - The id (UUID) of the API key, as shown by the portal or returned when the key was created.
    type: str
    required: true
    aliases: [id]
  name:
    description:
      - The wanted name of the key, at most 30 characters, not blank.
      - Left out, the name is not changed.
    type: str
  permissions:
    description:
      - The wanted scopes of the key, for example V(files:read) or V(rooms:write). Compared as a set.
      - V(['*']) means full access. A key stored with no permissions, with an empty list,
        or with a list containing V(*) has full access.
      - An empty list is refused; write V(['*']) for full access.
      - Scopes the portal does not know are reported by name.
      - Left out, the permissions are not changed.
    type: list
    elements: str
  state:
    description:
      - V(active) enables the key, V(inactive) disables it (requests made with it are then refused).
      - Left out, the active status is not changed.
    type: str
    choices: [active, inactive]
notes:
  - The portal answers C(true) to every update, changed or not, so the module compares with the listed key itself.
  - Non-admin users see, and may change, only the keys they created; admins and the portal owner see every key.
seealso:
  - name: DocSpace API keys
    description: ONLYOFFICE DocSpace API documentation for personal access tokens.
    link: https://api.onlyoffice.com/docspace/api-backend/get-started/authentication/personal-access-tokens/
'''

EXAMPLES = r'''
- name: Restrict a CI key to files and rooms, leaving its name and status alone
  onlyoffice.docspace.docspace_api_key:
    base_url: https://portal.example.com
    api_key: "{{ vault_docspace_admin_key }}"
    key_id: 3fa85f64-5717-4562-b3fc-2c963f66afa6
    permissions:
      - files:read
      - files:write
      - rooms:read

- name: Disable a leaked key (connection options from DOCSPACE_URL and DOCSPACE_API_KEY)
  onlyoffice.docspace.docspace_api_key:
    key_id: 3fa85f64-5717-4562-b3fc-2c963f66afa6
    state: inactive

- name: Rename a key and give it full access again, with shared connection options
  module_defaults:
    group/onlyoffice.docspace.docspace:
      base_url: https://portal.example.com
      api_key: "{{ vault_docspace_admin_key }}"
  block:
    - name: Rename and widen the key
      onlyoffice.docspace.docspace_api_key:
        key_id: 3fa85f64-5717-4562-b3fc-2c963f66afa6
        name: backup-robot
        permissions: ['*']
        state: active
'''

RETURN = r'''
api_key:
  description:
    - The key after the task (in check mode, as it would be). Never contains the secret.
  returned: success
  type: dict
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
      description: The last four characters of the secret, to tell keys apart.
      type: str
      sample: 9f3a
    created_by:
      description: The user who created the key.
      type: dict
      sample: {id: 66faa6e4-f133-11ea-b126-00ffeec8b4ef, display_name: Administrator}
    create_on:
      description: When the key was created, as the portal wrote it.
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
      description: Whether O(ignore:api_key.expires_at) has passed.
      type: bool
      sample: false
status:
  description: The HTTP status of the portal answer that made the task fail.
  returned: failure, when the portal answered
  type: int
  sample: 403
'''

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.onlyoffice.docspace.plugins.module_utils._docspace import (
    DocSpaceClient,
    DocSpaceError,
    docspace_argument_rules,
    docspace_argument_spec,
)
from ansible_collections.onlyoffice.docspace.plugins.module_utils._api_keys import (
    apply_update,
    canonical_key_id,
    describe_key,
    expired_message,
    find_key_by_id,
    is_expired,
    key_view,
    name_problem,
    permissions_problem,
    plan_update,
    unknown_scopes,
    utc_now,
)

STATE_TO_ACTIVE = {'active': True, 'inactive': False, None: None}


def argument_spec():
    spec = docspace_argument_spec()
    spec.update(
        key_id=dict(type='str', required=True, aliases=['id']),
        name=dict(type='str'),
        permissions=dict(type='list', elements='str'),
        state=dict(type='str', choices=['active', 'inactive']),
    )
    return spec


def validated_key_id(module):
    """The key id in the form the portal lists it; fails the module before any request when it is no UUID."""
    try:
        return canonical_key_id(module.params['key_id'])
    except ValueError as exc:
        module.fail_json(msg=str(exc))


def check_inputs(module):
    for problem in (name_problem(module.params['name']), permissions_problem(module.params['permissions'])):
        if problem:
            module.fail_json(msg=problem)


def list_keys(client):
    keys = client.get('keys')
    if not isinstance(keys, list):
        raise DocSpaceError('GET %s answered something other than a list of keys; is base_url a DocSpace portal?'
                            % client.url('keys'))
    return keys


def scope_error(client, permissions):
    """A DocSpaceError naming the scopes the portal does not know, or None when it knows them all."""
    unknown = unknown_scopes(permissions, client.get('keys/permissions'))
    if not unknown:
        return None
    return DocSpaceError('The portal does not know the scope(s) %s; scopes are case-sensitive, see the portal '
                         'GET /api/2.0/keys/permissions.' % ', '.join(repr(scope) for scope in unknown), 400)


def update_key(client, key_id, changes):
    """Send the PUT; a 400 about permissions is re-explained with the unknown scope names."""
    try:
        accepted = client.put('keys/%s' % key_id, changes)
    except DocSpaceError as exc:
        if exc.status == 400 and 'permissions' in changes:
            raise scope_error(client, changes['permissions']) or exc
        raise
    if accepted is not True:
        raise DocSpaceError('The portal refused to change API key %s (it answered %s): only an admin or the user '
                            'who created the key may change it, and expired keys cannot be changed.'
                            % (key_id, accepted), 200)


def run(module, client):
    """Read, decide, write; returns the exit_json keyword arguments."""
    key_id = validated_key_id(module)
    params = module.params
    now = utc_now()
    key = find_key_by_id(list_keys(client), key_id)
    if key is None:
        raise DocSpaceError('API key %s was not found among the keys these credentials can see (non-admin users see '
                            'only their own keys).' % key_id)
    changes = plan_update(key, name=params['name'], permissions=params['permissions'],
                          is_active=STATE_TO_ACTIVE[params['state']])
    expired = is_expired(key, now)
    if changes and expired:
        raise DocSpaceError(expired_message(key))
    if changes and module.check_mode and 'permissions' in changes:
        error = scope_error(client, changes['permissions'])
        if error:
            raise error
    if changes and not module.check_mode:
        update_key(client, key_id, changes)
    if expired:
        module.warn(expired_message(key))
    after = apply_update(key, changes)
    result = dict(changed=bool(changes), api_key=describe_key(after, now))
    if module._diff:
        result['diff'] = dict(before=key_view(key), after=key_view(after))
    return result


def main():
    module = AnsibleModule(argument_spec=argument_spec(), supports_check_mode=True, **docspace_argument_rules())
    check_inputs(module)
    client = DocSpaceClient.from_module(module)
    try:
        result = run(module, client)
    except DocSpaceError as exc:
        module.fail_json(changed=False, **exc.fail_kwargs())
    module.exit_json(**result)


if __name__ == '__main__':
    main()
