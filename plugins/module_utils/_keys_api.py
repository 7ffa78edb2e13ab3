# -*- coding: utf-8 -*-
# Copyright (c) onlyoffice.docspace contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The API-key endpoints of one DocSpace portal, as seen by one caller: every HTTP call the key modules make.

The modules read (list, find), decide with the pure functions of _api_keys, and write through this class, which
never makes two keys, reads back after a write whose answer was lost, and turns every odd answer into a
DocSpaceError sentence. This module_util is private to the collection: its interface may change at any time.
"""

from __future__ import annotations

import json
import time

from ansible_collections.onlyoffice.docspace.plugins.module_utils._docspace import (
    LOST_ANSWER_STATUSES,
    DocSpaceClient,
    DocSpaceError,
)
from ansible_collections.onlyoffice.docspace.plugins.module_utils._api_keys import (
    ambiguous_name_message,
    appeared_key,
    apply_update,
    find_key_by_id,
    key_list_problem,
    key_shape_problem,
    keys_named,
    own_keys,
    plan_update,
    unknown_scopes,
)

# After a write whose answer was lost, the keys are listed again for at least this long (and at least `timeout`).
LOST_ANSWER_MIN_SECONDS = 10.0
LOST_ANSWER_FIRST_PAUSE = 0.5
LOST_ANSWER_MAX_PAUSE = 4.0
UNSURE_WRITE_STATUSES = LOST_ANSWER_STATUSES
# A creation answered 500 may have failed after the key was stored, and a proxy may answer 503 after the portal reset
# the connection in the middle of it: a creation is never sent twice, the keys are listed again instead.
UNSURE_CREATION_STATUSES = (500, 502, 503, 504)
RATE_LIMITED = 429
READ_SCOPE = '*:read'
WRITE_SCOPE = '*:write'


def answer_lost(exc, statuses=UNSURE_WRITE_STATUSES):
    """Whether a failed write may have been carried out all the same."""
    return bool(exc.answer_lost or exc.timed_out or exc.status in statuses)


def scope_refusal(exc, scope, action):
    """A 403 from a key-management call, with the scope that call needs added; other errors as they are."""
    if exc.status != 403:
        return exc
    guests = '; guests may not create keys' if action == 'create API keys' else ''
    return DocSpaceError('%s; these credentials may not %s (an API key needs full access or the %s scope%s).'
                         % (exc.message.rstrip('.'), action, scope, guests), 403)


class ApiKeys:
    """GET/POST/PUT/DELETE /api/2.0/keys for one client (one portal, one credential)."""

    def __init__(self, client, warn, sleep=None, clock=None):
        self.client = client
        self.warn = warn
        self.sleep = sleep or time.sleep
        self.clock = clock or time.monotonic
        self._caller = None

    # --- reads --------------------------------------------------------------------------------------------------

    def read(self, path):
        try:
            return self.client.get(path)
        except DocSpaceError as exc:
            raise scope_refusal(exc, READ_SCOPE, 'read API keys') from None

    def list(self):
        """Every key the caller can see (an admin: every key of the portal), shape-checked."""
        keys = self.read('keys')
        problem = key_list_problem(keys, self.client.url('keys'))
        if problem:
            raise DocSpaceError(problem)
        return [key for key in keys if isinstance(key, dict)]

    def self_key(self):
        """The key the task authenticates with (GET /keys/@self needs no scope)."""
        key = self.client.get('keys/@self')
        problem = key_shape_problem(key) if isinstance(key, dict) else 'it is not an object'
        if problem:
            raise DocSpaceError('GET %s answered something other than the API key in use (%s); is base_url a DocSpace '
                                'portal?' % (self.client.url('keys/@self'), problem))
        return key

    def caller(self):
        """The calling user (GET /people/@self), asked once."""
        if self._caller is None:
            me = self.client.get('people/@self')
            if not isinstance(me, dict) or not me.get('id'):
                raise DocSpaceError('GET %s did not say who the caller is; is base_url a DocSpace portal?'
                                    % self.client.url('people/@self'))
            self._caller = me
        return self._caller

    def caller_id(self):
        return str(self.caller()['id']).lower()

    def caller_is_admin(self):
        me = self.caller()
        return me.get('isAdmin') is True or me.get('isOwner') is True

    def catalogue(self):
        """The portal's scope catalogue (GET /keys/permissions)."""
        scopes = self.read('keys/permissions')
        if not (isinstance(scopes, list) and all(isinstance(scope, str) for scope in scopes)):
            raise DocSpaceError('GET %s answered something other than a list of scope names; is base_url a DocSpace '
                                'portal?' % self.client.url('keys/permissions'))
        return scopes

    def find(self, keys, key_id=None, name=None):
        """The key a task is about: by id, or the caller's own single key of that name; None when there is none."""
        if key_id:
            return find_key_by_id(keys, key_id)
        mine = self.own_named(keys, name)
        if len(mine) > 1:
            raise DocSpaceError(ambiguous_name_message(name, mine))
        return mine[0] if mine else None

    def own_named(self, keys, name):
        """The caller's own keys of this name (the caller is asked only when some key has the name)."""
        named = keys_named(keys, name)
        return own_keys(named, self.caller_id()) if named else []

    def scope_error(self, permissions):
        """A DocSpaceError naming the scopes the portal does not know, or None when it knows them all."""
        unknown = unknown_scopes(permissions, self.catalogue())
        if not unknown:
            return None
        return DocSpaceError('The portal does not know the scope(s) %s; scopes are case-sensitive, see the portal '
                             'GET /api/2.0/keys/permissions.' % ', '.join(repr(scope) for scope in unknown), 400)

    # --- writes ---------------------------------------------------------------------------------------------------

    def explained(self, exc, permissions, action):
        """exc, with the scope named when the portal refused the permissions or the credentials' own scope."""
        if exc.status == 400 and permissions:
            return self.scope_error(permissions) or exc
        if exc.status == RATE_LIMITED and action == 'create API keys':
            return DocSpaceError('%s The portal allows each user 5 new API keys per 15 minutes: run the task again in 15 '
                                 'minutes.' % exc.message, exc.status)
        return scope_refusal(exc, WRITE_SCOPE, action)

    def create_once(self, body, known_keys, warn_adopted=True):
        """POST /keys without ever making two keys; returns (key, secret).

        After a failure that may have created the key anyway, the keys are listed again until it appears (it is
        adopted, and its secret, which the portal shows only once, is None) or the wait runs out. warn_adopted=False
        for a caller that deletes an adopted key again (a replacement or a secret_dest needs the secret).
        """
        try:
            key = self.client.post('keys', body)
        except DocSpaceError as exc:
            if not answer_lost(exc, UNSURE_CREATION_STATUSES):
                raise self.explained(exc, body['permissions'], 'create API keys') from None
            return self.adopt(body['name'], known_keys, exc, warn_adopted), None
        if not (isinstance(key, dict) and isinstance(key.get('id'), str) and not key_shape_problem(key)):
            raise DocSpaceError('POST %s answered %s instead of the new API key; is base_url a DocSpace portal? Check '
                                'the portal for a key named %r before running the task again.'
                                % (self.client.url('keys'), describe_value(key), body['name']))
        return key, key.get('key') if isinstance(key.get('key'), str) else None

    def adopt(self, name, known_keys, exc, warn_adopted):
        """The key a lost creation made, once it is listed; DocSpaceError when it does not appear in time."""
        known_ids = set(key.get('id') for key in known_keys)
        caller_id = self.caller_id()
        found = self.poll(lambda keys: appeared_key(keys, known_ids, name, caller_id))
        if found is None:
            raise DocSpaceError('%s No API key named %r appeared within %g seconds, but the portal may still create it: '
                                'wait %g seconds before running the task again, which then finds it.'
                                % (exc.message, name, self.lost_answer_window(), self.lost_answer_window()), exc.status)
        if warn_adopted:
            self.warn('Creating API key %r got no usable answer (%s) but the key was made; it is adopted, and its secret '
                      'cannot be shown again: delete and re-create it if you need the secret.' % (name, exc.message))
        return found

    def update(self, key, changes):
        """PUT /keys/{id} with only the differing fields; reads back when the answer was lost."""
        path = 'keys/%s' % key['id']
        try:
            accepted = self.client.put(path, changes)
        except DocSpaceError as exc:
            if not answer_lost(exc):
                raise self.explained(exc, changes.get('permissions'), 'change API keys') from None
            wanted = apply_update(key, changes)
            self.confirm(exc, 'change', key['id'], lambda keys: key_as_wanted(find_key_by_id(keys, key['id']), wanted),
                         locks_out=changes.get('isActive') is False)
            return
        self.require_true(accepted, 'PUT', 'change', key['id'])

    def delete(self, key_id):
        """DELETE /keys/{id}; a key that turns out to be gone is what was asked."""
        path = 'keys/%s' % key_id
        try:
            accepted = self.client.delete(path)
        except DocSpaceError as exc:
            # A retried DELETE whose first attempt got through is answered 500 (unknown key): gone is what was asked.
            if exc.status == 500 and find_key_by_id(self.list(), key_id) is None:
                return
            if not answer_lost(exc):
                raise scope_refusal(exc, WRITE_SCOPE, 'delete API keys') from None
            self.confirm(exc, 'delete', key_id, lambda keys: find_key_by_id(keys, key_id) is None, locks_out=True)
            return
        self.require_true(accepted, 'DELETE', 'delete', key_id)

    def require_true(self, answer, method, action, key_id):
        if answer is True:
            return
        if answer is False:
            raise DocSpaceError('The portal refused to %s API key %s (it answered false): only an admin or the user who '
                                'created the key may change it, and expired keys cannot be changed.' % (action, key_id), 200)
        raise DocSpaceError('%s %s answered %s instead of true or false; is base_url a DocSpace portal?'
                            % (method, self.client.url('keys/%s' % key_id), describe_value(answer)))

    def confirm(self, exc, action, key_id, done, locks_out):
        """After a write whose answer was lost: list until the write shows, or fail saying the outcome is unknown.

        locks_out: the write deactivates or deletes a key, so once it took effect the credentials may be refused (HTTP
        401) when they were that very key; a listing refused like that, right after listing worked, shows the write.
        """
        if self.poll(lambda keys: done(keys) or None, locked_out_means=locks_out or None) is None:
            raise DocSpaceError('%s Whether the portal did %s API key %s is unknown: it did not show within %g seconds; '
                                'check the key (docspace_api_key_info) before running the task again.'
                                % (exc.message, action, key_id, self.lost_answer_window()), exc.status)

    # --- waiting for a write whose answer was lost ------------------------------------------------------------------

    def lost_answer_window(self):
        return max(LOST_ANSWER_MIN_SECONDS, float(self.client.timeout))

    def poll(self, found_in, locked_out_means=None):
        """found_in(listed keys) until it returns something other than None, with back-off, for a bounded time."""
        deadline = self.clock() + self.lost_answer_window()
        pause = LOST_ANSWER_FIRST_PAUSE
        while True:
            try:
                found = found_in(self.list())
            except DocSpaceError as exc:
                found = locked_out_means if exc.status == 401 else None
            if found is not None:
                return found
            left = deadline - self.clock()
            if left <= 0:
                return None
            self.sleep(min(pause, left))
            pause = min(pause * 2, LOST_ANSWER_MAX_PAUSE)


def key_as_wanted(key, wanted):
    """Whether a listed key shows every property a lost PUT was to set."""
    if key is None:
        return False
    return not plan_update(key, name=wanted.get('name'), permissions=wanted.get('permissions') or ['*'],
                           is_active=bool(wanted.get('isActive')))


def describe_value(value):
    """The kind of an answer of the wrong shape, never its content (a creation's answer may hold a secret)."""
    if isinstance(value, (list, dict, str)):
        return 'a %s of length %d' % (type(value).__name__, len(value))
    return json.dumps(value) if value is None or isinstance(value, bool) else 'a %s' % type(value).__name__


def run_key_module(module, run):
    """The body of every key module's main(): run(module, api) gives the result; this is the one place where a
    DocSpaceError (with what the task did before it, e.g. the key it created) becomes the task's failure."""
    try:
        result = run(module, ApiKeys(DocSpaceClient.from_module(module), module.warn))
    except DocSpaceError as exc:
        result = dict(exc.fail_kwargs(), failed=True)
        result.setdefault('changed', False)
    if result.get('failed'):
        module.fail_json(**result)
    module.exit_json(**result)
