# -*- coding: utf-8 -*-
# Copyright (c) onlyoffice.docspace contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The writes of docspace_api_keys: makes the steps of a KeySetPlan (_key_set) in order and composes the result,
also after a failure (what was done, what was not, the secrets of the keys already made).

This module_util is private to the collection: its interface may change at any time.
"""

from __future__ import annotations

import functools

from ansible_collections.onlyoffice.docspace.plugins.module_utils._docspace import DocSpaceError
from ansible_collections.onlyoffice.docspace.plugins.module_utils._api_keys import apply_update
from ansible_collections.onlyoffice.docspace.plugins.module_utils._key_set import (
    PREVIOUS_KEY,
    Step,
    keys_after,
    listed_entries,
    planned_creation,
)
from ansible_collections.onlyoffice.docspace.plugins.module_utils._rotation import (
    SecretFile,
    hand_over,
    make_replacement,
    retire,
)

MAKES_KEYS = ('create', 'replace')


class Run:
    """The writes of one task and what they did, for the result (also after a failure)."""

    def __init__(self, module, api, plan, keys, secret_files, now):
        self.module = module
        self.api = api
        self.plan = plan
        self.keys = keys
        self.secret_files = secret_files
        self.now = now
        self.done = []  # (step, the new key of a creation or replacement, else None: the step has the key written)
        self.secrets = {}
        self.replaced = []
        self.messages = list(plan.kept)
        self.files_fixed = False
        # names whose new key exists but could not be handed over (nor deleted again): no secret_dest is claimed
        self.unhanded = set()

    def write_all(self):
        for step in self.plan.steps:
            self.ready_secret_file(step)
        if not self.module.check_mode:
            self.prepare_secret_files()
        for index, step in enumerate(self.plan.steps):
            try:
                self.write(step)
            except DocSpaceError as exc:
                self.abandon_secret_files()
                raise DocSpaceError(self.failure_message(step, exc, self.plan.steps[index + 1:]), exc.status,
                                    **self.result()) from None
        self.fix_secret_files()

    # --- secret files (_rotation.SecretFile) ------------------------------------------------------------------------

    def writer(self, step):
        return self.secret_files.get(step.name) if step.action in MAKES_KEYS else None

    def ready_secret_file(self, step):
        """Fail before any write when a secret could not be written (checked in check mode too)."""
        writer = self.writer(step)
        if writer is not None:
            writer.ready()

    def prepare_secret_files(self):
        """Every file a secret will go to gets its attributes before the first write: a refused owner or mode then
        fails the task before anything is sent, not halfway with keys already made."""
        try:
            for step in self.plan.steps:
                writer = self.writer(step)
                if writer is not None:
                    writer.prepare()
        except BaseException:  # also AnsibleModule.fail_json (SystemExit) about owner or mode: no empty file is left
            self.abandon_secret_files()
            raise

    def abandon_secret_files(self):
        for writer in self.secret_files.values():
            writer.abandon()

    def fix_secret_files(self):
        """A right secret in a file with the wrong mode, owner or group is fixed and reported changed."""
        made = set(step.name for step, _key in self.done if step.action in MAKES_KEYS)
        for name, writer in sorted(self.secret_files.items()):
            if name not in made and writer.fix_attributes():
                self.files_fixed = True
                self.messages.append('secret_dest %s of API key %r: file attributes fixed.' % (writer.path, name))

    # --- one write ----------------------------------------------------------------------------------------------

    def write(self, step):
        if step.lockout:
            self.module.warn('%s: this write %s; it is made last, after every other write, and tasks that '
                             'authenticate with this key fail from then on.' % (label(step), step.lockout))
        if step.action == 'create':
            self.create(step)
        elif step.action == 'replace':
            self.replace(step)
        elif step.action == 'retire':
            self.retire(step)
        else:
            if not self.module.check_mode:
                if step.action == 'delete':
                    self.api.delete(step.key_id)
                else:
                    self.api.update(step.key, step.changes)
            self.record(step, None)

    def create(self, step):
        if self.module.check_mode:
            self.record(step, planned_creation(step, None, self.now))
            return
        writer = self.writer(step)
        key, secret = self.api.create_once(step.body, self.keys, warn_adopted=writer is None)
        hand_over(self.api, key, secret, writer, self.now, on_stranded=functools.partial(self.keep_unhanded, step))
        if secret and writer is None:
            self.secrets[step.name] = secret
        if step.active is False and key.get('isActive', True):
            try:
                self.api.update(key, {'isActive': False})
            except DocSpaceError:
                # The key exists now and its secret is shown only once: the failure result carries it.
                self.done.append((step, key))
                self.messages.append('%s: created, but not deactivated.' % label(step, key))
                raise
            key = apply_update(key, {'isActive': False})
        self.record(step, key)

    def replace(self, step):
        """Rotation: the new key first, its secret handed over, then the old key deleted (at once, or, for the key
        in use, by the 'retire' step that comes last)."""
        if self.module.check_mode:
            if not step.retire_later:
                self.replaced.append(step.key_id)
            self.record(step, planned_creation(step, None, self.now))
            return
        new, secret = make_replacement(self.api, step.key, step.body, step.active, self.keys, self.writer(step),
                                       self.now, on_stranded=functools.partial(self.keep_unhanded, step))
        if secret and self.writer(step) is None:
            self.secrets[step.name] = secret
        if step.retire_later:
            self.record(step, new)
            return
        try:
            retire(self.api, step.key, PREVIOUS_KEY, step.reason, self.now)
        except DocSpaceError as exc:
            self.keep_replacement(step, new)
            raise DocSpaceError('Made API key %s to replace API key %s (%s), but could not retire the old key: %s'
                                % (new['id'], step.key_id, step.name, exc.message), exc.status) from None
        self.replaced.append(step.key_id)
        self.record(step, new)

    def retire(self, step):
        """The last write of a replacement of the key in use: its new key is made, the old key is deleted."""
        if not self.module.check_mode:
            retire(self.api, step.key, PREVIOUS_KEY, step.reason, self.now)
        self.replaced.append(step.key_id)
        self.record(step, None)

    def keep_replacement(self, step, key):
        """A replacement that made its new key (secret handed over) but could not retire the old one."""
        self.done.append((made_step(step), key))
        self.messages.append('%s: made to replace %s, which is not retired yet.' % (label(step, key), step.key_id))

    def keep_unhanded(self, step, key):
        """A key made whose secret is unknown or could not be written, and that could not be deleted again."""
        self.unhanded.add(step.name)
        self.done.append((made_step(step), key))
        self.messages.append('%s: made, but its secret could not be handed over and deleting it again failed; delete '
                             'API key %s (key_id, state: absent) before running the task again.'
                             % (label(step, key), key.get('id')))

    def record(self, step, key):
        self.done.append((step, key))
        lockout = ', made last: this write %s' % step.lockout if step.lockout else ''
        self.messages.append('%s: %s%s.' % (label(step, key), done_text(step), lockout))

    def failure_message(self, step, exc, not_done):
        parts = ['%s failed: %s' % (label(step), exc.message)]
        if self.done:
            parts.append('Done before it: %s.' % ', '.join('%s %s' % (done_text(s), s.name) for s, _key in self.done))
        if not_done:
            not_done_text = 'Not done: %s.' % ', '.join('%s %s' % (todo_text(s), s.name) for s in not_done)
            parts.append(not_done_text)
            self.messages.append(not_done_text)
        parts.append('Run the task again to continue where this run stopped.')
        return ' '.join(parts)

    def result(self):
        after = keys_after(self.plan.mine, self.done)
        result = dict(
            changed=bool(self.done) or self.files_fixed,
            before=listed_entries(self.plan.mine, self.now),
            after=listed_entries(after, self.now),
            created={},
            replaced=list(self.replaced),
            deleted=[step.key_id for step, _key in self.done if step.action == 'delete'],
            deactivated=[step.key_id for step, _key in self.done if step.changes.get('isActive') is False],
            messages=self.messages,
        )
        for step, key in self.done:
            if step.action in MAKES_KEYS:
                result['created'][step.name] = self.created_entry(step.name, key)
        if self.module._diff:
            result['diff'] = dict(before=dict(api_keys=result['before']), after=dict(api_keys=result['after']))
        return result

    def created_entry(self, name, key):
        entry = dict(id=key.get('id'))
        if name in self.secrets:
            entry['key'] = self.secrets[name]
        elif name in self.secret_files and name not in self.unhanded:
            entry['secret_dest'] = self.secret_files[name].path
        return entry


def made_step(step):
    """A replacement's step as a creation: its new key exists, its old key is still there."""
    return Step('create', step.name, body=step.body, active=step.active)


def label(step, key=None):
    key_id = (key or {}).get('id') or step.key_id
    return 'API key %r (%s)' % (step.name, key_id) if key_id else 'API key %r' % step.name


def done_text(step):
    if step.action == 'create':
        return 'created' if step.active is not False else 'created inactive'
    if step.action == 'replace':
        if step.retire_later:
            return 'made to replace API key %s, because %s' % (step.key_id, step.reason)
        return 'replaced API key %s, because %s' % (step.key_id, step.reason)
    if step.action == 'retire':
        return 'deleted, replaced by a new key'
    if step.action == 'delete':
        return 'deleted' + (' (not in config)' if step.unlisted else ' (left behind by an interrupted replacement)'
                            if step.leftover else '')
    if step.unlisted:
        return 'deactivated (not in config)'
    return 'updated (%s)' % ', '.join(sorted(change_names(step.changes)))


def todo_text(step):
    return {'create': 'create', 'delete': 'delete', 'replace': 'replace', 'retire': 'delete the old key of'}.get(
        step.action, 'deactivate' if step.unlisted else 'update')


def change_names(changes):
    names = dict(isActive='activated' if changes.get('isActive') else 'deactivated')
    return [names.get(field, field) for field in changes]


def check_scopes(api, plan):
    """Check mode fails where the portal would refuse a scope, as a real run would (GET /keys/permissions)."""
    asked = []
    for step in plan.steps:
        asked += (step.body or {}).get('permissions', []) + step.changes.get('permissions', [])
    if not asked:
        return
    error = api.scope_error(asked)
    if error:
        raise error


def secret_files_of(module, config, state):
    """The entries' secret_dest files, by name (none for state: deleted, which makes no key)."""
    if state == 'deleted':
        return {}
    return dict((entry['name'], SecretFile(module, entry['secret_dest'])) for entry in config if entry['secret_dest'])
