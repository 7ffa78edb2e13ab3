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
  - The portal cannot change an expired key, nor any key's expiry. By default the module fails with a message saying
    so; with O(recreate=when_needed) it replaces such a key (creates a new one, then retires the old one), and it
    renews keys that expire within O(renew_before_days).
  - With O(secret_dest), the secret of a key the task creates is written to a file on the host that runs the module,
    and the task is V(ok) only when that file holds the secret of the key it finds.
  - 'DocSpace has no conditional update. Tasks that change the same key from several hosts at once should use
    C(throttle: 1) or C(run_once: true); the last write decides the key''s state.'
author:
  - onlyoffice.docspace maintainers (@onlyoffice)
extends_documentation_fragment:
  - onlyoffice.docspace.docspace
  - ansible.builtin.files
  - onlyoffice.docspace.docspace.actiongroup_docspace
attributes:
  check_mode:
    support: full
    description:
      - Reports the same C(changed) and diff as a real run, and sends no write (only reads); writes no file.
      - Predicts a replacement (RV(replaced_key)), and fails where the real run would fail.
  diff_mode:
    support: full
    description:
      - Shows the key's name, permissions and active status before and after; never a secret.
      - For a replacement, also the ids and expiry dates of the old and the new key, and why the key is replaced.
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
  recreate:
    description:
      - When the key is replaced by a new one (a new secret). DocSpace cannot change a key's expiry and has no rotate
        endpoint, so a replacement creates a new key with the same name first, and then retires the old key as
        O(previous_key) says.
      - V(never) never replaces a key; a task that would need it fails saying why.
      - V(when_needed) replaces the key when it has expired (or the portal deactivated it at expiry), when its lifetime
        differs from O(expires_in_days), when it expires within O(renew_before_days), or when O(secret_dest) does not
        hold its secret. Name, permissions and active status are still changed in place.
      - V(always) replaces the key on every run (for a secret that leaked). The task is then never V(ok).
      - The replacement takes what the task leaves out from the key it replaces, its permissions and its lifetime
        (a 90-day key is renewed as a 90-day key), and its active status unless O(state) is set. A key the portal
        deactivated at expiry is replaced by an active key.
      - Replacement needs the key to be found by O(name) (the new key has a new id); with O(key_id), any value but
        V(never) is refused.
      - When the caller has several keys of O(name) (what an interrupted replacement leaves), V(when_needed) and
        V(always) keep the one whose secret is in O(secret_dest), else the newest, and retire the others as
        O(previous_key) says (RV(retired_keys)).
    type: str
    choices: [never, when_needed, always]
    default: never
  renew_before_days:
    description:
      - With O(recreate=when_needed), replace a key that expires within this many days (whole days left, as
        C(expires_in_days_left) of M(onlyoffice.docspace.docspace_api_key_info) shows them; day N is included, so
        V(0) renews a key on its last day).
      - Refused with any other O(recreate).
      - Refused when a new key would be within it at once, and so replaced on every run. A key of N days has N - 1
        whole days left right after its creation, so O(renew_before_days) must be below O(expires_in_days) - 1 (or
        below the lifetime of the key, which a replacement keeps).
    type: int
  previous_key:
    description:
      - What happens to a replaced key once the new key exists (and its secret is in O(secret_dest)).
      - V(delete) deletes it.
      - V(deactivate) deactivates it and renames it C(<name>~old-<YYYYMMDD>) (the name is cut so the whole fits
        30 characters), so that a rerun finds only the new key by O(name). Delete it later by its id,
        RV(replaced_key.id).
      - V(keep) only renames it that way; it keeps working until it expires.
      - An expired key cannot be changed at all, so it is always deleted, whatever O(previous_key) says
        (RV(replaced_key.retired) says V(deleted)).
    type: str
    choices: [delete, deactivate, keep]
    default: delete
  secret_dest:
    description:
      - Path of a file on the host that runs the module to write the secret of a key this task creates (or makes as
        a replacement). The file is replaced atomically; its mode is V(0600) unless O(mode) says otherwise, and
        O(owner), O(group) and the other file options apply. The file holds the secret alone, without a line break.
      - The directory must exist.
      - With O(secret_dest), the task is V(ok) only when the file holds the secret of the key it finds; a right
        secret in a file with the wrong mode, owner or group is fixed and reported V(changed).
        The check compares the last 4 characters of the file with the ones the portal lists for the key (no
        request is made with the secret, so the key's last-used time stays honest for audits); a file holding
        another secret with the same last 4 characters passes, a chance of 1 in 65,536.
      - When the file is missing or holds another secret, O(recreate=never) fails (DocSpace shows a secret only once)
        and O(recreate=when_needed) replaces the key and writes the new secret.
      - With O(secret_dest), the secret is never returned in the result.
      - When the secret of a new key cannot be written, or is unknown because the answer to its creation was lost,
        the new key is deleted again and the task fails (a key without its secret is worth nothing).
    type: path
notes:
  - The portal answers C(true) to every update, changed or not, so the module compares with the listed key itself.
  - Non-admin users see, and may change, only the keys they created; admins and the portal owner see every key.
  - DocSpace key names are not unique. To rotate a key, use O(recreate).
  - 'A replacement never leaves the user without a working secret: the new key is created before anything happens to
    the old one. If the creation is refused (DocSpace allows 5 new keys per user per 15 minutes), the old key is
    untouched. If retiring the old key fails, the task fails with C(changed: true) and returns the new key (its secret
    in RV(api_key.key), or in O(secret_dest)); the next run with O(recreate) finishes the job.'
  - A renewal costs at most 4 requests (list, the caller look-up the name rule needs, create, retire), plus one to
    deactivate a replacement created for O(state=inactive).
  - A creation whose answer is lost (a time-out, a dropped connection, HTTP 500, 502, 503 or 504) may have happened
    anyway; the module then lists the keys again, with back-off, for at least 10 seconds (and at least O(timeout))
    and adopts a key of that name that appeared, rather than creating a second one. The secret of an adopted key
    cannot be shown. When no key appears in that time, the task fails saying how long to wait before running again.
  - After an update or deletion whose answer was lost, the module reads the key back the same way; once the key is as
    wanted the task succeeds (V(changed)), otherwise it fails saying the outcome is unknown. This holds too when the
    automatic retry of that write failed, for example with HTTP 401 because the first attempt had already deactivated
    or deleted the key the task authenticates with.
  - O(state=absent) with the O(key_id) of a key these credentials cannot see is V(ok). For a non-admin it warns that
    the key may belong to another user, whom only its creator or an admin can delete.
  - B(The secret of a new key is in the task result) unless O(secret_dest) is set. Set C(no_log) to V(true) on the
    task, and store RV(api_key.key) straight into a vault or secret store, or use O(secret_dest).
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

- name: Renew the CI key two weeks before it expires and keep its secret in a file for the pipeline
  onlyoffice.docspace.docspace_api_key:
    name: ci-deploy
    permissions: [files:read, files:write, rooms:read]
    expires_in_days: 90
    recreate: when_needed
    renew_before_days: 14
    secret_dest: /etc/ci/docspace-api-key
    owner: ci
    group: ci
    mode: "0600"
  register: ci_key

- name: The secret leaked - replace the key now, keep the old one deactivated for the investigation
  onlyoffice.docspace.docspace_api_key:
    name: ci-deploy
    recreate: always
    previous_key: deactivate
    secret_dest: /etc/ci/docspace-api-key
'''

RETURN = r'''
api_key:
  description:
    - The key after the task (in check mode, as it would be); after a replacement, the new key.
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
        - The full secret of a key this task created or made as a replacement (V(sk-) and 64 hex digits). The
          portal never shows it again.
        - Only present when the task created the key (not in check mode, not on reruns), and never with
          O(secret_dest).
      type: str
      returned: when the key was created by this task and O(secret_dest) is not set
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
replaced_key:
  description:
    - The key this task replaced (see O(recreate)), as it is after the task; in check mode, as it would be.
    - When retiring it failed, the task fails with C(changed) and RV(replaced_key.retired) is V(null).
  returned: when the task replaced the key
  type: dict
  contains:
    id:
      description: The old key's id (with O(previous_key=deactivate) or V(keep), use it to delete the key later).
      type: str
      sample: 3fa85f64-5717-4562-b3fc-2c963f66afa6
    name:
      description: The old key's name after the task (C(<name>~old-<YYYYMMDD>) unless it was deleted).
      type: str
      sample: ci-deploy~old-20261129
    permissions:
      description: The old key's scopes.
      type: list
      elements: str
      sample: [files:read, rooms:read]
    is_active:
      description: Whether the old key still works.
      type: bool
      sample: false
    key_postfix:
      description: The last four characters of the old secret.
      type: str
      sample: 9f3a
    created_by:
      description: The user who created the old key, with C(id) and C(display_name).
      type: dict
      sample: {id: 66faa6e4-f133-11ea-b126-00ffeec8b4ef, display_name: Administrator}
    created_on:
      description: When the old key was created.
      type: str
      sample: '2026-07-01T10:00:00.0000000Z'
    expires_at:
      description: When the old key expires or expired; V(null) when it never does.
      type: str
      sample: '2026-10-01T10:00:00.0000000Z'
    last_used:
      description: When the old key was last used; V(null) when never.
      type: str
      sample: '2026-09-30T08:15:00.0000000Z'
    expired:
      description: Whether the old key had expired.
      type: bool
      sample: false
    retired:
      description:
        - What was done to the old key, V(deleted), V(deactivated) or V(kept) (see O(previous_key)).
        - An expired key is always V(deleted).
      type: str
      sample: deleted
    reason:
      description: Why the key was replaced.
      type: str
      sample: it expires on 2026-10-01T10:00:00.0000000Z, within 14 day(s)
retired_keys:
  description:
    - Other keys of O(name) that this task retired as O(previous_key) says, because an earlier replacement was
      interrupted before it could retire them (see O(recreate)); each like RV(replaced_key).
  returned: when there were such keys
  type: list
  elements: dict
  sample: [{id: 3fa85f64-5717-4562-b3fc-2c963f66afa6, name: ci-deploy, retired: deleted,
            reason: left behind by an interrupted replacement}]
status:
  description: The HTTP status of the portal answer that made the task fail.
  returned: failure, when the portal answered
  type: int
  sample: 403
'''

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.onlyoffice.docspace.plugins.module_utils._docspace import (
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
    planned_key,
    utc_now,
)
from ansible_collections.onlyoffice.docspace.plugins.module_utils._keys_api import run_key_module
from ansible_collections.onlyoffice.docspace.plugins.module_utils._rotation import (
    PREVIOUS_KEY_CHOICES,
    RECREATE_CHOICES,
    SecretFile,
    check_rotation_options,
    hand_over,
    new_key_result,
    pick_current,
    plan_key_task,
    predicted_retirement,
    replace,
    retire,
)

LEFTOVER_REASON = 'left behind by an interrupted replacement'


def argument_spec():
    spec = docspace_argument_spec()
    spec.update(
        key_id=dict(type='str', aliases=['id']),
        name=dict(type='str'),
        permissions=dict(type='list', elements='str'),
        expires_in_days=dict(type='int'),
        state=dict(type='str', choices=['active', 'inactive', 'absent']),
        recreate=dict(type='str', choices=list(RECREATE_CHOICES), default='never'),
        renew_before_days=dict(type='int'),
        previous_key=dict(type='str', choices=list(PREVIOUS_KEY_CHOICES), default='delete'),
        secret_dest=dict(type='path'),
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
    check_rotation_options(params['key_id'], params['recreate'], params['renew_before_days'], params['expires_in_days'])
    return params


def result_for(module, changed, before, after, now, secret=None):
    result = dict(changed=changed, api_key=describe_key(after, now) if after else None)
    if secret:
        result['api_key']['key'] = secret
    if module._diff:
        result['diff'] = dict(before=key_view(before) if before else {}, after=key_view(after) if after else {})
    return result


def refuse_unknown_scopes(api, permissions):
    """Check mode: fail as the real write would when the portal does not know a scope."""
    error = api.scope_error(permissions)
    if error:
        raise error


def create(module, api, params, plan, keys, secret_file, now):
    is_active = STATE_TO_ACTIVE[params['state']]
    if module.check_mode:
        refuse_unknown_scopes(api, plan.body['permissions'])
        key = dict(planned_key(plan.body, is_active, now), createBy=api.caller())
        return result_for(module, True, None, key, now)
    key, secret = api.create_once(plan.body, keys, warn_adopted=secret_file is None)
    hand_over(api, key, secret, secret_file, now)
    if is_active is False and key.get('isActive', True):
        try:
            api.update(key, {'isActive': False})
        except DocSpaceError as exc:
            # The key exists now and its secret is shown only once: hand it over with the failure.
            raise DocSpaceError('Created API key %s but could not deactivate it: %s' % (key['id'], exc.message), exc.status,
                                changed=True, api_key=new_key_result(key, secret, secret_file, now)) from None
        key = apply_update(key, {'isActive': False})
    return result_for(module, True, None, key, now, None if secret_file else secret)


def replacement(module, api, params, plan, key, keys, secret_file, now):
    if module.check_mode:
        refuse_unknown_scopes(api, plan.body['permissions'])
        new = dict(planned_key(plan.body, plan.is_active, now), createBy=api.caller())
        secret, replaced = None, predicted_retirement(key, params['previous_key'], plan.reason, now)
    else:
        new, secret, replaced = replace(api, key, plan.body, plan.is_active, params['previous_key'], plan.reason, keys,
                                        secret_file, now)
    if replaced['retired'] == 'deleted' and params['previous_key'] != 'delete':
        module.warn('API key %s (%s) expired and DocSpace cannot change an expired key, so it was deleted instead of '
                    'being %s.' % (key['id'], key.get('name'), 'deactivated' if params['previous_key'] == 'deactivate'
                                   else 'kept'))
    result = result_for(module, True, key, new, now, None if secret_file else secret)
    result['replaced_key'] = replaced
    if module._diff:
        result['diff'] = dict(
            before=dict(key_view(key), id=key['id'], expires_at=key.get('expiresAt')),
            after=dict(key_view(new), id=new.get('id'), expires_at=new.get('expiresAt')),
            before_header='API key %s, replaced because %s' % (key['id'], plan.reason),
            after_header='new API key %s' % (new.get('id') or '(its id comes from the portal)'),
        )
    return result


def update(module, api, key, plan, now):
    if module.check_mode and 'permissions' in plan.changes:
        refuse_unknown_scopes(api, plan.changes['permissions'])
    if not module.check_mode:
        api.update(key, plan.changes)
    return result_for(module, True, key, apply_update(key, plan.changes), now)


def delete(module, api, key, now):
    if not module.check_mode:
        api.delete(key['id'])
    result = result_for(module, True, key, None, now)
    result['api_key'] = describe_key(key, now)
    return result


def retire_leftovers(module, api, leftovers, previous_key, now):
    """The other keys of the name an interrupted replacement left behind, retired as previous_key says."""
    if module.check_mode:
        return [predicted_retirement(key, previous_key, LEFTOVER_REASON, now) for key in leftovers]
    return [retire(api, key, previous_key, LEFTOVER_REASON, now) for key in leftovers]


def warn_if_someone_elses(module, api, key_id):
    """A key a non-admin cannot see may be another user's key, which only its creator or an admin can delete."""
    if key_id and not api.caller_is_admin():
        module.warn('API key %s is not among the keys these credentials can see. If it belongs to another user, it was '
                    'not deleted: only its creator or a portal admin can delete it.' % key_id)


def find_task_key(api, keys, params, secret_file):
    """(the task's key or None, other keys of its name to retire); with recreate, several keys of the name are no error."""
    if params['recreate'] == 'never' or params['state'] == 'absent':
        return api.find(keys, params['key_id'], params['name']), []
    mine = api.own_named(keys, params['name'])
    return pick_current(mine, secret_file.postfix() if secret_file and len(mine) > 1 else None)


def act(module, api, params, plan, key, keys, secret_file, now):
    if plan.action == 'create':
        return create(module, api, params, plan, keys, secret_file, now)
    if plan.action == 'replace':
        return replacement(module, api, params, plan, key, keys, secret_file, now)
    if plan.action == 'update':
        return update(module, api, key, plan, now)
    if plan.action == 'delete':
        return delete(module, api, key, now)
    if params['state'] == 'absent':
        warn_if_someone_elses(module, api, params['key_id'])
    return result_for(module, False, key, key, now)


def run(module, api):
    """Read, decide (plan_key_task), write; returns the exit_json keyword arguments."""
    params = checked_params(module.params)
    now = utc_now()
    secret_file = SecretFile(module, params['secret_dest']) if params['secret_dest'] else None
    keys = api.list()
    key, leftovers = find_task_key(api, keys, params, secret_file)
    keeps_secret_file = secret_file is not None and key is not None and params['state'] != 'absent'
    plan = plan_key_task(key, params['key_id'], params['name'], params['permissions'], params['expires_in_days'],
                         params['state'], now, params['recreate'], params['renew_before_days'],
                         secret_file.holds(key) if keeps_secret_file else None)
    if plan.warning:
        module.warn(plan.warning)
    writes_secret = secret_file is not None and plan.action in ('create', 'replace')
    if writes_secret:
        secret_file.ready()
        if not module.check_mode:
            secret_file.prepare()
    try:
        result = act(module, api, params, plan, key, keys, secret_file, now)
    except DocSpaceError:
        if writes_secret:
            secret_file.abandon()
        raise
    if leftovers:
        result['changed'] = True
        try:
            result['retired_keys'] = retire_leftovers(module, api, leftovers, params['previous_key'], now)
        except DocSpaceError as exc:
            # What this run did stands (a new key and its secret above all): the failure reports it.
            raise DocSpaceError('%s Run the task again to retire the other keys named %r.' % (exc.message, params['name']),
                                exc.status, **result) from None
    if keeps_secret_file and not writes_secret and secret_file.fix_attributes():
        result['changed'] = True
    return result


def main():
    module = AnsibleModule(argument_spec=argument_spec(), supports_check_mode=True, add_file_common_args=True,
                           **docspace_argument_rules(required_one_of=[('key_id', 'name')]))
    run_key_module(module, run)


if __name__ == '__main__':
    main()
