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
  - DocSpace has no conditional update, so tasks of this module that may write to the same portal from one machine
    (several forks, or several C(ansible-playbook) processes) take turns, each holding a lock file in the temporary
    directory from its read to its write and waiting at most O(lock_timeout) seconds for its turn. The last task to
    run decides the key's state, and each task reports what it did. Tasks running on different machines are not
    coordinated. Check mode takes no lock.
author:
  - onlyoffice.docspace maintainers (@onlyoffice)
extends_documentation_fragment:
  - onlyoffice.docspace.docspace
attributes:
  check_mode:
    support: full
    description: Reports the same C(changed) and diff as a real run, and sends no write (only reads).
  diff_mode:
    support: full
    description: Shows the key's name, permissions and active status before and after; never a secret.
  action_group:
    description: Use C(group/onlyoffice.docspace.docspace) in C(module_defaults) to set the connection options once.
    support: full
    membership:
      - onlyoffice.docspace.docspace
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
  lock_timeout:
    description:
      - How many seconds the task waits for its turn while other tasks on this machine change keys of the same
        portal (see the description). When the time is up, the task fails without sending anything.
      - V(0) fails at once when another task is changing keys of the portal.
    type: float
    default: 300
    version_added: 0.2.0
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
  - A creation that times out or fails with a server error may have happened anyway; the module then lists the keys
    again and adopts a key of that name that appeared, rather than creating a second one. The secret of an adopted key
    cannot be shown. After a time-out (or HTTP 504) with no key of that name yet, the creation is not sent again (the
    portal may still be making the key) and the task fails saying so.
  - B(The secret of a new key is in the task result.) Set C(no_log) to V(true) on the task, and store
    RV(api_key.key) straight into a vault or secret store.
seealso:
  - module: onlyoffice.docspace.docspace_api_key_info
  - name: DocSpace API keys
    description: ONLYOFFICE DocSpace API documentation for personal access tokens.
    link: https://api.onlyoffice.com/docspace/api-backend/get-started/authentication/personal-access-tokens/
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
      description: The user who created the key, with C(id) and C(display_name).
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
      description: Whether the key's expiry date has passed.
      type: bool
      sample: false
status:
  description: The HTTP status of the portal answer that made the task fail.
  returned: failure, when the portal answered
  type: int
  sample: 403
'''

import contextlib
import json
import math
import time

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.onlyoffice.docspace.plugins.module_utils._docspace import (
    BACKOFF_FACTOR,
    DocSpaceClient,
    DocSpaceError,
    docspace_argument_rules,
    docspace_argument_spec,
    public_url,
)
from ansible_collections.onlyoffice.docspace.plugins.module_utils._api_keys import (
    ambiguous_name_message,
    appeared_key,
    apply_update,
    canonical_key_id,
    creation_body,
    describe_key,
    expired_message,
    expires_in_days_problem,
    expiry_mismatch_message,
    find_key_by_id,
    is_expired,
    key_list_problem,
    key_view,
    keys_named,
    name_problem,
    own_keys,
    permissions_problem,
    plan_update,
    planned_key,
    unknown_scopes,
    utc_now,
)
from ansible_collections.onlyoffice.docspace.plugins.module_utils._portal_lock import LockTimeout, portal_lock

STATE_TO_ACTIVE = {'active': True, 'inactive': False, 'absent': None, None: None}
# A creation that failed like this may have happened anyway: list the keys again before anything else.
UNSURE_CREATION_STATUSES = (None, 500, 502, 503, 504)
RETRIED_CREATION_STATUSES = (None, 502, 503, 504)


def argument_spec():
    spec = docspace_argument_spec()
    spec.update(
        key_id=dict(type='str', aliases=['id']),
        name=dict(type='str'),
        permissions=dict(type='list', elements='str'),
        expires_in_days=dict(type='int'),
        state=dict(type='str', choices=['active', 'inactive', 'absent']),
        lock_timeout=dict(type='float', default=300),
    )
    return spec


def check_inputs(module):
    """Fail before any request when an option can only be refused."""
    params = module.params
    if params['key_id'] is not None:
        try:
            params['key_id'] = canonical_key_id(params['key_id'])
        except ValueError as exc:
            module.fail_json(msg=str(exc))
    for problem in (name_problem(params['name']), permissions_problem(params['permissions']),
                    expires_in_days_problem(params['expires_in_days']), lock_timeout_problem(params['lock_timeout'])):
        if problem:
            module.fail_json(msg=problem)


class Caller:
    """The user the credentials belong to, asked for (GET /people/@self) only when a name must be resolved."""

    def __init__(self, client):
        self.client = client
        self._id = None

    @property
    def id(self):
        if self._id is None:
            me = self.client.get('people/@self')
            if not isinstance(me, dict) or not me.get('id'):
                raise DocSpaceError('GET %s did not say who the caller is; is base_url a DocSpace portal?'
                                    % self.client.url('people/@self'))
            self._id = str(me['id']).lower()
        return self._id


def list_keys(client):
    keys = client.get('keys')
    problem = key_list_problem(keys, client.url('keys'))
    if problem:
        raise DocSpaceError(problem)
    return keys


def find_target(keys, key_id, name, caller):
    """The key the task is about: by id, or the caller's own single key of that name; None when there is none."""
    if key_id:
        return find_key_by_id(keys, key_id)
    named = keys_named(keys, name)
    if not named:
        return None
    mine = own_keys(named, caller.id)
    if len(mine) > 1:
        raise DocSpaceError(ambiguous_name_message(name, mine))
    return mine[0] if mine else None


def scope_error(client, permissions):
    """A DocSpaceError naming the scopes the portal does not know, or None when it knows them all."""
    unknown = unknown_scopes(permissions, client.get('keys/permissions'))
    if not unknown:
        return None
    return DocSpaceError('The portal does not know the scope(s) %s; scopes are case-sensitive, see the portal '
                         'GET /api/2.0/keys/permissions.' % ', '.join(repr(scope) for scope in unknown), 400)


def explained(client, exc, permissions):
    """exc, or a clearer error when the portal refused the permissions (its message names no scope)."""
    if exc.status == 400 and permissions:
        return scope_error(client, permissions) or exc
    return exc


def refused(action, key_id, answer):
    return DocSpaceError('The portal refused to %s API key %s (it answered %s): only an admin or the user who created '
                         'the key may change it, and expired keys cannot be changed.' % (action, key_id, json.dumps(answer)), 200)


def update_key(client, key_id, changes):
    try:
        accepted = client.put('keys/%s' % key_id, changes)
    except DocSpaceError as exc:
        raise explained(client, exc, changes.get('permissions')) from None
    if accepted is not True:
        raise refused('change', key_id, accepted)


def delete_key(client, key_id):
    try:
        accepted = client.delete('keys/%s' % key_id)
    except DocSpaceError as exc:
        # A retried DELETE whose first attempt got through is answered 500 (unknown key): gone is what was asked.
        if exc.status == 500 and find_key_by_id(list_keys(client), key_id) is None:
            return
        raise
    if accepted is not True:
        raise refused('delete', key_id, accepted)


def post_key(module, client, body, known_keys, caller):
    """POST /keys without ever making two keys: after an unsure failure, list again and adopt what appeared.

    Returns (key, created_now); created_now is False for an adopted key, whose secret the portal will not show again.
    """
    known_ids = set(key.get('id') for key in known_keys if isinstance(key, dict))
    attempts = max(0, module.params['retries']) + 1
    for attempt in range(attempts):
        try:
            return client.post('keys', body), True
        except DocSpaceError as exc:
            if exc.status not in UNSURE_CREATION_STATUSES:
                raise explained(client, exc, body['permissions']) from None
            adopted = appeared_key(list_keys(client), known_ids, body['name'], caller.id)
            if adopted:
                module.warn('Creating API key %r failed (%s) but the key was made; it is adopted, and its secret cannot be '
                            'shown again: delete and re-create it if you need the secret.' % (body['name'], exc.message))
                return adopted, False
            if exc.timed_out or exc.status == 504:
                # The portal may still be making the key: another POST could make a second one.
                raise DocSpaceError('%s The portal may still create API key %r, so the creation is not sent again: run the '
                                    'task again to find it (its secret cannot be shown then; delete and re-create it if you '
                                    'need the secret).' % (exc.message, body['name']), exc.status) from None
            if exc.status not in RETRIED_CREATION_STATUSES or attempt == attempts - 1:
                raise
            time.sleep(BACKOFF_FACTOR * (2 ** attempt))
    raise AssertionError('unreachable')


def result_for(module, changed, before, after, now, secret=None):
    result = dict(changed=changed, api_key=describe_key(after, now) if after else None)
    if secret:
        result['api_key']['key'] = secret
    if module._diff:
        result['diff'] = dict(before=key_view(before) if before else {}, after=key_view(after) if after else {})
    return result


def remove(module, client, key, now):
    if key is not None and not module.check_mode:
        delete_key(client, key['id'])
    result = result_for(module, key is not None, key, None, now)
    result['api_key'] = describe_key(key, now) if key else None
    return result


def create(module, client, keys, caller, now):
    params = module.params
    if not params['permissions']:
        raise DocSpaceError("permissions is required to create API key %r; write ['*'] for full access." % params['name'])
    body = creation_body(params['name'], params['permissions'], params['expires_in_days'])
    is_active = STATE_TO_ACTIVE[params['state']]
    if module.check_mode:
        error = scope_error(client, body['permissions'])
        if error:
            raise error
        return result_for(module, True, None, planned_key(body, is_active, now), now)
    key, created_now = post_key(module, client, body, keys, caller)
    if is_active is False and key.get('isActive', True):
        try:
            update_key(client, key['id'], {'isActive': False})
        except DocSpaceError as exc:
            # The key exists now and its secret is shown only once: hand it over with the failure.
            module.fail_json(changed=True, api_key=result_for(module, True, None, key, now, key.get('key'))['api_key'],
                             msg='Created API key %s but could not deactivate it: %s' % (key['id'], exc.message))
        key = apply_update(key, {'isActive': False})
    return result_for(module, True, None, key, now, key.get('key') if created_now else None)


def update(module, client, key, now):
    params = module.params
    mismatch = expiry_mismatch_message(key, params['expires_in_days'])
    if mismatch:
        raise DocSpaceError(mismatch)
    new_name = params['name'] if params['key_id'] else None
    changes = plan_update(key, name=new_name, permissions=params['permissions'], is_active=STATE_TO_ACTIVE[params['state']])
    expired = is_expired(key, now)
    if changes and expired:
        raise DocSpaceError(expired_message(key))
    if changes and module.check_mode and 'permissions' in changes:
        error = scope_error(client, changes['permissions'])
        if error:
            raise error
    if changes and not module.check_mode:
        update_key(client, key['id'], changes)
    if expired:
        module.warn(expired_message(key))
    return result_for(module, bool(changes), key, apply_update(key, changes), now)


def run(module, client):
    """Read, decide, write; returns the exit_json keyword arguments."""
    params = module.params
    now = utc_now()
    caller = Caller(client)
    keys = list_keys(client)
    key = find_target(keys, params['key_id'], params['name'], caller)
    if params['state'] == 'absent':
        return remove(module, client, key, now)
    if key is None and params['key_id']:
        raise DocSpaceError('API key %s was not found among the keys these credentials can see (non-admin users see '
                            'only their own keys).' % params['key_id'])
    if key is None:
        return create(module, client, keys, caller, now)
    return update(module, client, key, now)


def lock_timeout_problem(seconds):
    if not (math.isfinite(seconds) and seconds >= 0):
        return 'lock_timeout must be a number of seconds, 0 or more; got %r.' % seconds
    return None


def write_lock(module, client):
    """The portal's lock for a run that may write (see _portal_lock); check mode writes nothing and needs none."""
    if module.check_mode:
        return contextlib.nullcontext()
    return portal_lock(client.root, module.warn, module.params['lock_timeout'])


def lock_timeout_message(exc, client):
    return ('Other tasks on this machine kept changing API keys of %s for the whole lock_timeout of %g seconds (lock file '
            '%s), so nothing was sent; raise lock_timeout, or run fewer such tasks at once.'
            % (public_url(client.root), exc.waited, exc.path))


def main():
    module = AnsibleModule(argument_spec=argument_spec(), supports_check_mode=True,
                           **docspace_argument_rules(required_one_of=[('key_id', 'name')]))
    check_inputs(module)
    try:
        client = DocSpaceClient.from_module(module)
        with write_lock(module, client):
            result = run(module, client)
    except DocSpaceError as exc:
        module.fail_json(changed=False, **exc.fail_kwargs())
    except LockTimeout as exc:
        module.fail_json(changed=False, msg=lock_timeout_message(exc, client))
    module.exit_json(**result)


if __name__ == '__main__':
    main()
