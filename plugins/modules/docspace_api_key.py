#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) onlyoffice.docspace contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r'''
---
module: docspace_api_key
short_description: Create, update, deactivate and delete ONLYOFFICE DocSpace API keys idempotently
version_added: 0.1.0
description:
  - Brings a DocSpace API key to the wanted name, permissions (scopes), active or inactive status, or removes it.
  - Reads the keys from C(GET /api/2.0/keys) and writes only when a property the task sets differs, sending only the
    differing fields to C(PUT /api/2.0/keys/{keyId}). An unchanged key costs one request, a changed key two
    (one more, C(GET /api/2.0/people/@self), when the key is found by O(name) and keys of that name exist).
  - Options left out mean "leave that property as it is"; in particular a task without O(state) never
    re-activates a key someone disabled.
  - With O(name) and no O(key_id), the key is looked up among the caller's own keys and created
    (C(POST /api/2.0/keys)) when there is none. The new key's secret is returned once, in RV(api_key.key).
  - The portal cannot change an expired key, nor any key's expiry; the module fails with a message saying so.
  - 'DocSpace has no conditional update. Tasks that change the same key from several hosts at once should use
    C(throttle: 1) or C(run_once: true); the last write decides the key''s state.'
author:
  - onlyoffice.docspace maintainers (@onlyoffice)
extends_documentation_fragment:
  - onlyoffice.docspace.docspace
  - onlyoffice.docspace.docspace.actiongroup_docspace
attributes:
  check_mode:
    support: full
    description: Reports the same C(changed) and diff as a real run, and sends no write (only reads).
  diff_mode:
    support: full
    description: Shows the key's name, permissions and active status before and after; never a secret.
options:
  key_id:
    description:
      - The id (UUID) of the API key, as shown by the portal or returned when the key was created.
      - With O(key_id), O(name) is the key's new name.
      - One of O(key_id) and O(name) is required.
    type: str
    aliases: [id]
  name:
    description:
      - The name of the key, at most 30 characters, not blank.
      - Without O(key_id), the key is the caller's own key of this name (admins list every key of the portal, but
        another user's key of the same name is never taken over). If the caller has two or more keys of this name,
        the task fails listing their ids.
      - With O(key_id), the wanted new name; left out, the name is not changed.
    type: str
  permissions:
    description:
      - The wanted scopes of the key, for example V(files:read) or V(rooms:write). Compared as a set.
      - V(['*']) means full access. A key stored with no permissions, with an empty list,
        or with a list containing V(*) has full access.
      - An empty list is refused; write V(['*']) for full access.
      - Required to create a key, so that a forgotten line never creates an unrestricted credential.
      - Scopes the portal does not know are reported by name.
      - Left out, the permissions of an existing key are not changed.
    type: list
    elements: str
  expires_in_days:
    description:
      - Lifetime of a new key in days, from 1 to 365. Left out, a new key never expires.
      - The portal cannot change the expiry of an existing key. For an existing key this is compared with the
        lifetime it was created with (its expiry minus its creation date, in days), so a rerun days later is still
        V(ok); a different value fails, saying the key must be deleted and created again.
    type: int
  state:
    description:
      - V(active) enables the key, V(inactive) disables it (requests made with it are then refused).
      - V(absent) deletes the key; a key that is already gone is V(ok) and nothing is sent.
      - V(active), V(inactive) or no O(state) with O(name) and no such key creates it; V(inactive) creates it
        and then deactivates it.
      - Left out, the active status of an existing key is not changed.
    type: str
    choices: [active, inactive, absent]
notes:
  - The portal answers C(true) to every update, changed or not, so the module compares with the listed key itself.
  - Non-admin users see, and may change, only the keys they created; admins and the portal owner see every key.
  - DocSpace key names are not unique. To rotate a key, delete it (O(state=absent)) and create it again.
  - A creation whose answer is lost (a time-out, a dropped connection, HTTP 500, 502, 503 or 504) may have happened
    anyway; the module then lists the keys again, with back-off, for at least 10 seconds (and at least O(timeout))
    and adopts a key of that name that appeared, rather than creating a second one. The secret of an adopted key
    cannot be shown. When no key appears in that time, the task fails saying how long to wait before running again.
  - After an update or deletion whose answer was lost, the module reads the key back the same way; once the key is as
    wanted the task succeeds (V(changed)), otherwise it fails saying the outcome is unknown.
  - O(state=absent) with the O(key_id) of a key these credentials cannot see is V(ok). For a non-admin it warns that
    the key may belong to another user, whom only its creator or an admin can delete.
  - B(The secret of a new key is in the task result.) Set C(no_log) to V(true) on the task, and store
    RV(api_key.key) straight into a vault or secret store.
seealso:
  - module: onlyoffice.docspace.docspace_api_key_info
  - name: DocSpace API keys
    description: ONLYOFFICE DocSpace API documentation on API keys (how to create and send them).
    link: https://api.onlyoffice.com/docspace/api-backend/get-started/authentication/api-keys/
'''

EXAMPLES = r'''
- name: Restrict a key to files and rooms, leaving its name and status alone
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

- name: Manage CI keys with shared connection options
  module_defaults:
    group/onlyoffice.docspace.docspace:
      base_url: https://portal.example.com
      api_key: "{{ vault_docspace_admin_key }}"
  block:
    - name: Make sure the CI pipeline has its key (created the first time, then ok)
      onlyoffice.docspace.docspace_api_key:
        name: ci-deploy
        permissions: [files:read, files:write, rooms:read]
        expires_in_days: 90
      register: ci_key
      no_log: true  # the result holds the new secret

    - name: Store the secret the one time it is shown
      ansible.builtin.copy:
        content: "{{ ci_key.api_key.key }}"
        dest: /etc/ci/docspace-api-key
        mode: "0600"
      when: ci_key.api_key.key is defined
      no_log: true

    - name: Remove the key of a retired pipeline (ok when it is already gone)
      onlyoffice.docspace.docspace_api_key:
        name: old-pipeline
        state: absent

    - name: Rename a key and give it full access
      onlyoffice.docspace.docspace_api_key:
        key_id: 3fa85f64-5717-4562-b3fc-2c963f66afa6
        name: backup-robot
        permissions: ['*']
        state: active
'''

RETURN = r'''
api_key:
  description:
    - The key after the task (in check mode, as it would be).
    - With O(state=absent), the key that was deleted, or V(null) when there was none.
  returned: always
  type: dict
  contains:
    id:
      description: The key id; V(null) for a key check mode would create.
      type: str
      sample: 3fa85f64-5717-4562-b3fc-2c963f66afa6
    key:
      description:
        - The full secret of a key this task created (V(sk-) and 64 hex digits). The portal never shows it again.
        - Only present when the task created the key (not in check mode, not on reruns).
      type: str
      returned: when the key was created by this task
      sample: sk-2f1d0c3b4a59687766554433221100ffeeddccbbaa99887766554433221100aa
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
      description:
        - The user who created the key, with C(id) and C(display_name); V(null) when the portal does not say.
        - In check mode, the calling user for a key that would be created.
      type: dict
      sample: {id: 66faa6e4-f133-11ea-b126-00ffeec8b4ef, display_name: Administrator}
    created_on:
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
      description: Whether the key's expiry date has passed.
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
    STATE_TO_ACTIVE,
    apply_update,
    canonical_key_id,
    check_expires_in_days,
    check_name,
    clean_permissions,
    describe_key,
    key_view,
    plan_task,
    planned_key,
    utc_now,
)
from ansible_collections.onlyoffice.docspace.plugins.module_utils._keys_api import ApiKeys


def argument_spec():
    spec = docspace_argument_spec()
    spec.update(
        key_id=dict(type='str', aliases=['id']),
        name=dict(type='str'),
        permissions=dict(type='list', elements='str'),
        expires_in_days=dict(type='int'),
        state=dict(type='str', choices=['active', 'inactive', 'absent']),
    )
    return spec


def checked_params(params):
    """The task's options, validated and normalised before any request."""
    params = dict(params)
    if params['key_id'] is not None:
        params['key_id'] = canonical_key_id(params['key_id'])
    check_name(params['name'])
    params['permissions'] = clean_permissions(params['permissions'])
    check_expires_in_days(params['expires_in_days'])
    return params


def result_for(module, changed, before, after, now, secret=None):
    result = dict(changed=changed, api_key=describe_key(after, now) if after else None)
    if secret:
        result['api_key']['key'] = secret
    if module._diff:
        result['diff'] = dict(before=key_view(before) if before else {}, after=key_view(after) if after else {})
    return result


def create(module, api, params, plan, keys, now):
    is_active = STATE_TO_ACTIVE[params['state']]
    if module.check_mode:
        error = api.scope_error(plan.body['permissions'])
        if error:
            raise error
        key = dict(planned_key(plan.body, is_active, now), createBy=api.caller())
        return result_for(module, True, None, key, now)
    key, secret = api.create_once(plan.body, keys)
    if is_active is False and key.get('isActive', True):
        try:
            api.update(key, {'isActive': False})
        except DocSpaceError as exc:
            # The key exists now and its secret is shown only once: hand it over with the failure.
            raise DocSpaceError('Created API key %s but could not deactivate it: %s' % (key['id'], exc.message), exc.status,
                                **result_for(module, True, None, key, now, secret)) from None
        key = apply_update(key, {'isActive': False})
    return result_for(module, True, None, key, now, secret)


def update(module, api, key, plan, now):
    if module.check_mode and 'permissions' in plan.changes:
        error = api.scope_error(plan.changes['permissions'])
        if error:
            raise error
    if not module.check_mode:
        api.update(key, plan.changes)
    return result_for(module, True, key, apply_update(key, plan.changes), now)


def delete(module, api, key, now):
    if not module.check_mode:
        api.delete(key['id'])
    result = result_for(module, True, key, None, now)
    result['api_key'] = describe_key(key, now)
    return result


def warn_if_someone_elses(module, api, key_id):
    """A key a non-admin cannot see may be another user's key, which only its creator or an admin can delete."""
    if key_id and not api.caller_is_admin():
        module.warn('API key %s is not among the keys these credentials can see. If it belongs to another user, it was '
                    'not deleted: only its creator or a portal admin can delete it.' % key_id)


def run(module, api):
    """Read, decide (plan_task), write; returns the exit_json keyword arguments."""
    params = checked_params(module.params)
    now = utc_now()
    keys = api.list()
    key = api.find(keys, params['key_id'], params['name'])
    plan = plan_task(key, params['key_id'], params['name'], params['permissions'], params['expires_in_days'],
                     params['state'], now)
    if plan.warning:
        module.warn(plan.warning)
    if plan.action == 'create':
        return create(module, api, params, plan, keys, now)
    if plan.action == 'update':
        return update(module, api, key, plan, now)
    if plan.action == 'delete':
        return delete(module, api, key, now)
    if params['state'] == 'absent':
        warn_if_someone_elses(module, api, params['key_id'])
    return result_for(module, False, key, key, now)


def main():
    module = AnsibleModule(argument_spec=argument_spec(), supports_check_mode=True,
                           **docspace_argument_rules(required_one_of=[('key_id', 'name')]))
    try:
        result = run(module, ApiKeys(DocSpaceClient.from_module(module), module.warn))
    except DocSpaceError as exc:
        result = dict(exc.fail_kwargs(), failed=True)
        result.setdefault('changed', False)
    if result.get('failed'):
        module.fail_json(**result)
    module.exit_json(**result)


if __name__ == '__main__':
    main()
