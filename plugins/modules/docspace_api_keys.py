#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) onlyoffice.docspace contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r'''
---
module: docspace_api_keys
short_description: Declare all of a caller's ONLYOFFICE DocSpace API keys in one task (resource module)
version_added: 0.2.0
description:
  - Keeps the calling user's DocSpace API keys as code. One task lists the keys with their scopes, lifetimes and
    active status, and O(state) says what happens to them and to the keys the list leaves out, in the
    resource-module style of the network collections (O(config) and V(merged), V(replaced), V(overridden),
    V(deleted), V(gathered), with RV(before) and RV(after)).
  - Only the caller's own keys are ever matched, changed or removed. Admins and the portal owner list every key of
    the portal, but another user's key of a listed name is never taken over or touched.
  - Costs one C(GET /api/2.0/keys) and one C(GET /api/2.0/people/@self) whatever the number of entries (plus
    C(GET /api/2.0/keys/@self) when a write could touch the key the task authenticates with, and in check mode
    C(GET /api/2.0/keys/permissions) when an entry sets scopes, to check them as the portal would), then only the
    writes needed. A task that changes nothing sends no write and is V(ok).
  - Options left out of an entry mean the same as in M(onlyoffice.docspace.docspace_api_key).
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
      - Reports the same C(changed), RV(after), lists and diff as a real run and sends no write (only reads).
      - What only the portal decides is not predicted; the ids of new keys are V(null) and a refusal by the
        portal's creation rate limit shows only in the real run.
  diff_mode:
    support: full
    description: Shows the caller's keys before and after (name, permissions, lifetime, active status); never a secret.
options:
  config:
    description:
      - The keys, each by its name. Names must be unique within the list.
      - With O(state=gathered) this is not used.
    type: list
    elements: dict
    default: []
    suboptions:
      name:
        description:
          - The key name, at most 30 characters, not blank. The caller's own key of this name is the key the entry
            is about; if the caller has two or more keys of the name, the task fails before any write, listing
            their ids.
        type: str
        required: true
      permissions:
        description:
          - The wanted scopes, compared as a set; V(['*']) means full access. An empty list is refused.
          - Required to create a key. With O(state=replaced) and O(state=overridden), required in every entry (full
            access is never a default).
          - Left out (with O(state=merged)), the permissions of an existing key are not changed.
        type: list
        elements: str
      expires_in_days:
        description:
          - Lifetime of a new key in days, from 1 to 365; left out, a new key never expires.
          - For an existing key it is compared with the lifetime the key was created with. The portal cannot change
            the expiry of a key, so a different value fails before any write, except with
            O(config[].recreate=when_needed) (or V(always)), which replaces the key by a new one of this lifetime.
            Left out, the expiry is not compared.
        type: int
      active:
        description:
          - V(true) makes the key active, V(false) inactive.
          - Left out, O(state=merged) leaves the status alone, while O(state=replaced) and O(state=overridden) make
            the key active.
          - An expired key counts as inactive (the portal deactivates expired keys itself). V(false) is then V(ok),
            while V(true) fails, as the portal cannot re-activate an expired key.
        type: bool
      recreate:
        description:
          - Whether the key is replaced by a new one (a new secret), with the same meaning as
            O(onlyoffice.docspace.docspace_api_key#module:recreate).
          - V(never) never replaces it.
          - V(when_needed) replaces it when it has expired, when its lifetime differs from
            O(config[].expires_in_days), when it expires within O(config[].renew_before_days), or when
            O(config[].secret_dest) does not hold its secret. Anything that can be changed in place still is.
          - V(always) replaces it on every run, so a task with such an entry is never V(ok).
          - The new key is made first and takes what the entry leaves out from the key it replaces (permissions,
            lifetime); then the old key is deleted. The new key is in RV(created), the old key's id in RV(replaced).
          - With V(when_needed) or V(always), two own keys of the name (what an interrupted replacement leaves) are
            no error, as in M(onlyoffice.docspace.docspace_api_key); the one whose secret is in
            O(config[].secret_dest), else the newest, is kept and the other is deleted.
        type: str
        choices: [never, when_needed, always]
        default: never
      renew_before_days:
        description:
          - With O(config[].recreate=when_needed), replace the key when it expires within this many days (day N
            included), as O(onlyoffice.docspace.docspace_api_key#module:renew_before_days) does.
          - Refused with any other O(config[].recreate).
        type: int
      secret_dest:
        description:
          - Path of a file on the host that runs the module where the secret of a key this task creates or makes as
            a replacement is written (atomically; mode V(0600) unless O(mode) says otherwise; O(owner), O(group) and
            the other file options apply to every entry's file). The directory must exist.
          - With it, the entry is V(ok) only when the file holds the secret of the key (compared with the last 4
            characters the portal lists, no request; a chance of 1 in 65,536 that a stale file passes); otherwise
            O(config[].recreate=never) fails (DocSpace shows a secret only once) and V(when_needed) replaces the key.
          - The secret of a key with O(config[].secret_dest) is never in the result.
        type: path
  state:
    description:
      - V(merged) creates the listed keys that are missing (O(config[].permissions) required) and changes only what
        an entry sets; other keys are untouched.
      - V(replaced) is V(merged), but every entry must give O(config[].permissions), and a listed key whose entry
        leaves out O(config[].active) is made active. The expiry is compared only where an entry gives it.
      - V(overridden) is V(replaced), and every other key of the caller's own is deleted or deactivated, as
        O(unlisted) says. The key the task authenticates with (found through C(GET /api/2.0/keys/@self)) is never
        removed; RV(messages) says so. If a creation or any other write of the run fails, no unlisted key is
        removed in that run.
      - V(deleted) deletes the listed keys (only O(config[].name) is used; a key that is already gone is V(ok)). An
        empty O(config) is refused. To delete every key, use V(overridden) with an empty O(config) and
        O(unlisted=delete).
      - V(gathered) changes nothing and returns the caller's keys in RV(gathered), in the O(config) format (for
        example to start a keys-as-code file from a portal).
    type: str
    choices: [merged, replaced, overridden, deleted, gathered]
    default: merged
  unlisted:
    description:
      - With O(state=overridden), what happens to the caller's own keys O(config) does not list.
        V(delete) deletes them, V(deactivate) makes them inactive (already inactive or expired keys are V(ok)).
      - Required with O(state=overridden), which has no default for it; refused with any other state.
    type: str
    choices: [delete, deactivate]
notes:
  - 'Order of the writes: changes in place first, then creations and replacements, then removals of unlisted keys,
    and last the one write that could lock the task out (deactivating the key the task authenticates with, deleting
    or replacing it, or taking away its key-management scope V(*) or V(*:write)); that write is reported in
    RV(messages) and as a warning. A replacement of the key in use makes its new key with the other creations; only
    deleting the old key comes last.'
  - The task stops at the first write that fails. It then fails with C(changed) set when some write was made, and
    with RV(created) holding the secrets of the keys it made; RV(messages) says what was done and what was not.
    Running the task again continues where it stopped.
  - The portal allows each user 5 new API keys per 15 minutes when its rate limits are on; a run that creates more
    stops at the sixth, says which keys were made and which were not, and that the task can be run again in
    15 minutes.
  - Writes follow M(onlyoffice.docspace.docspace_api_key), including the read-back after a write whose answer was
    lost, so a creation never makes two keys. Replacements are those of
    O(onlyoffice.docspace.docspace_api_key#module:recreate) with
    O(onlyoffice.docspace.docspace_api_key#module:previous_key=delete); a replacement whose new secret cannot be
    handed over deletes the new key again and leaves the old one untouched.
  - The key in use is found only with O(api_key) authentication (or an O(auth_token) that is an API key); with a
    session token or user name and password no key is in use.
  - B(The secrets of new keys are in the task result) (RV(created)). Set C(no_log) to V(true) on the task and store
    them straight into a vault or secret store.
seealso:
  - module: onlyoffice.docspace.docspace_api_key
  - module: onlyoffice.docspace.docspace_api_key_info
  - module: ansible.builtin.file
  - name: Ansible resource modules
    description: The config and state convention of the network resource modules.
    link: https://docs.ansible.com/ansible/latest/network/user_guide/network_resource_modules.html
'''

EXAMPLES = r'''
- name: This portal has exactly these keys of mine; any other key of mine is drift and is deactivated
  onlyoffice.docspace.docspace_api_keys:
    base_url: https://portal.example.com
    api_key: "{{ vault_docspace_admin_key }}"
    state: overridden
    unlisted: deactivate
    config:
      - name: ci-deploy
        permissions: [files:read, files:write, rooms:read]
        expires_in_days: 90
      - name: backup-robot
        permissions: ['*']
      - name: old-reporting
        permissions: [rooms:read]
        active: false
  register: keys
  no_log: true  # the result holds the secrets of new keys

- name: Store the secrets of the keys the task made
  ansible.builtin.copy:
    content: "{{ item.value.key }}"
    dest: "/etc/docspace/{{ item.key }}.key"
    mode: "0600"
  loop: "{{ keys.created | dict2items }}"
  when: item.value.key is defined
  no_log: true

- name: Renew keys that expire within 14 days and keep their secrets in files (run it daily)
  onlyoffice.docspace.docspace_api_keys:
    state: merged
    mode: "0600"
    config:
      - name: ci-deploy
        permissions: [files:read, files:write]
        expires_in_days: 90
        recreate: when_needed
        renew_before_days: 14
        secret_dest: /etc/ci/docspace-ci-deploy.key
      - name: monitoring
        permissions: [rooms:read]
        expires_in_days: 30
        recreate: when_needed
        renew_before_days: 7
        secret_dest: /etc/monitoring/docspace.key

- name: Add a key and restrict another, leaving every other key alone
  onlyoffice.docspace.docspace_api_keys:
    state: merged
    config:
      - name: monitoring
        permissions: [rooms:read]
        expires_in_days: 30
      - name: ci-deploy
        permissions: [files:read]

- name: Delete two keys (ok when they are already gone)
  onlyoffice.docspace.docspace_api_keys:
    state: deleted
    config:
      - name: monitoring
      - name: old-reporting

- name: Read my keys in the config format, to start a keys-as-code file
  onlyoffice.docspace.docspace_api_keys:
    state: gathered
  register: mine
'''

RETURN = r'''
before:
  description:
    - The caller's own keys before the task, in the O(config) format plus the output-only C(id) and C(expires_at),
      sorted by name. Never a secret.
  returned: when O(state) is not V(gathered)
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
    expires_in_days:
      description: The lifetime the key was created with, in days; V(null) when it never expires.
      type: int
      sample: 90
    active:
      description: Whether requests made with the key are accepted (an expired key is not active).
      type: bool
      sample: true
    expires_at:
      description: When the key expires, as the portal wrote it; V(null) when it never does.
      type: str
      sample: '2026-10-01T10:00:00.0000000Z'
after:
  description:
    - The caller's own keys after the task (in check mode, as they would be), in the format of RV(before).
    - A key check mode would create has the C(id) V(null).
    - After a failure, the keys as the writes that were made left them.
  returned: when O(state) is not V(gathered)
  type: list
  elements: dict
  sample:
    - {id: 3fa85f64-5717-4562-b3fc-2c963f66afa6, name: ci-deploy, permissions: [files:read], expires_in_days: 90,
       active: true, expires_at: '2026-10-01T10:00:00.0000000Z'}
gathered:
  description: The caller's own keys in the O(config) format (name, permissions, expires_in_days, active), by name.
  returned: when O(state=gathered)
  type: list
  elements: dict
  sample:
    - {name: ci-deploy, permissions: [files:read], expires_in_days: 90, active: true}
created:
  description:
    - The keys this task created, replacements included, by name, each with its C(id) and C(key), the full secret
      (V(sk-) and 64 hex digits), which the portal never shows again; with O(config[].secret_dest), C(secret_dest)
      (the path it was written to) instead of C(key).
    - In check mode the C(id) is V(null) and there is no C(key). A key whose creation answer was lost and which was
      found afterwards (adopted) has no C(key).
  returned: when O(state) is not V(gathered)
  type: dict
  sample: {ci-deploy: {id: 3fa85f64-5717-4562-b3fc-2c963f66afa6,
                       key: sk-2f1d0c3b4a59687766554433221100ffeeddccbbaa99887766554433221100aa}}
replaced:
  description: Ids of the keys this task replaced by new ones (O(config[].recreate)) and deleted.
  returned: when O(state) is not V(gathered)
  type: list
  elements: str
  sample: []
deleted:
  description: Ids of the keys this task deleted (or would delete, in check mode).
  returned: when O(state) is not V(gathered)
  type: list
  elements: str
  sample: [5d3c2b1a-0f9e-4d8c-b7a6-123456789abc]
deactivated:
  description: Ids of existing keys this task deactivated (or would deactivate, in check mode).
  returned: when O(state) is not V(gathered)
  type: list
  elements: str
  sample: []
messages:
  description:
    - One sentence per key the task wrote to or left alone on purpose (the key in use under O(state=overridden)),
      and, after a failure, which writes were not made.
  returned: when O(state) is not V(gathered)
  type: list
  elements: str
  sample: ["API key 'monitoring' (3fa85f64-5717-4562-b3fc-2c963f66afa6): created."]
status:
  description: The HTTP status of the portal answer that made the task fail.
  returned: failure, when the portal answered
  type: int
  sample: 429
'''

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.onlyoffice.docspace.plugins.module_utils._docspace import (
    docspace_argument_rules,
    docspace_argument_spec,
)
from ansible_collections.onlyoffice.docspace.plugins.module_utils._api_keys import utc_now
from ansible_collections.onlyoffice.docspace.plugins.module_utils._key_set import (
    STATES,
    UNLISTED_CHOICES,
    check_config,
    config_entry,
    plan_key_set,
    uses_api_key,
)
from ansible_collections.onlyoffice.docspace.plugins.module_utils._key_set_run import Run, check_scopes, secret_files_of
from ansible_collections.onlyoffice.docspace.plugins.module_utils._keys_api import run_key_module
from ansible_collections.onlyoffice.docspace.plugins.module_utils._rotation import RECREATE_CHOICES


def argument_spec():
    spec = docspace_argument_spec()
    spec.update(
        config=dict(type='list', elements='dict', default=[], options=dict(
            name=dict(type='str', required=True),
            permissions=dict(type='list', elements='str'),
            expires_in_days=dict(type='int'),
            active=dict(type='bool'),
            recreate=dict(type='str', choices=list(RECREATE_CHOICES), default='never'),
            renew_before_days=dict(type='int'),
            secret_dest=dict(type='path'),
        )),
        state=dict(type='str', choices=list(STATES), default='merged'),
        unlisted=dict(type='str', choices=list(UNLISTED_CHOICES)),
    )
    return spec


def run(module, api):
    """Read, decide (plan_key_set), write; returns the exit_json keyword arguments."""
    params = module.params
    state = params['state']
    config = check_config(params['config'], state, params['unlisted'])
    secret_files = secret_files_of(module, config, state)
    now = utc_now()
    keys = api.list()
    caller_id = api.caller_id() if keys else ''
    plan = plan_key_set(keys, caller_id, config, state, params['unlisted'], None, now, secret_files)
    if state == 'gathered':
        return dict(changed=False, gathered=sorted((config_entry(key, now) for key in plan.mine),
                                                   key=lambda entry: entry['name'] or ''))
    if plan.needs_self_key and uses_api_key(params['api_key'], params['auth_token']):
        self_id = str(api.self_key()['id']).lower()
        plan = plan_key_set(keys, caller_id, config, state, params['unlisted'], self_id, now, secret_files)
    if module.check_mode:
        check_scopes(api, plan)
    task = Run(module, api, plan, keys, secret_files, now)
    task.write_all()
    return task.result()


def main():
    module = AnsibleModule(argument_spec=argument_spec(), supports_check_mode=True, add_file_common_args=True,
                           **docspace_argument_rules(required_if=[('state', 'overridden', ('unlisted',))]))
    run_key_module(module, run)


if __name__ == '__main__':
    main()
