# Copyright (c) onlyoffice.docspace contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""A stand-in for DocSpaceClient: answers from a list of keys, records every call, sends nothing."""

from __future__ import annotations

import datetime

from ansible_collections.onlyoffice.docspace.plugins.module_utils._api_keys import apply_update, format_date, utc_now
from ansible_collections.onlyoffice.docspace.tests.emulator.docspace_emulator import SCOPE_CATALOGUE

CATALOGUE = list(SCOPE_CATALOGUE)

KEY_ID = '3fa85f64-5717-4562-b3fc-2c963f66afa6'


def make_key(**overrides):
    key = {
        'id': KEY_ID,
        'name': 'ci-deploy',
        'key': 'sk-***9f3a',
        'keyPostfix': '9f3a',
        'permissions': ['files:read', 'rooms:read'],
        'createOn': '2026-07-01T10:00:00.0000000Z',
        'createBy': {'id': '66faa6e4-f133-11ea-b126-00ffeec8b4ef', 'displayName': 'Administrator'},
        'isActive': True,
    }
    key.update(overrides)
    return {name: value for name, value in key.items() if value is not None}


ME = '66faa6e4-f133-11ea-b126-00ffeec8b4ef'
OTHER_USER = '11111111-f133-11ea-b126-00ffeec8b4ef'
SECRET = 'sk-' + '0123456789abcdef' * 4
NEW_ID = '9b2f3c1e-0000-4000-8000-000000000001'


def new_key(body, number=1):
    """What the portal answers to the number-th POST /keys: the key with its full secret (NEW_ID, SECRET the first)."""
    now = utc_now()
    days = body.get('expiresInDays')
    secret = SECRET if number == 1 else 'sk-%064x' % number
    return make_key(id=NEW_ID if number == 1 else '9b2f3c1e-0000-4000-8000-%012d' % number, name=body['name'],
                    permissions=[] if '*' in body['permissions'] else body['permissions'], key=secret,
                    keyPostfix=secret[-4:], createOn=format_date(now),
                    expiresAt=format_date(now + datetime.timedelta(days=days)) if days else None)


class FakeTime:
    """A clock that moves only when the code under test sleeps; sleeps are recorded."""

    def __init__(self):
        self.now = 1000.0
        self.slept = []

    def monotonic(self):
        return self.now

    def sleep(self, seconds):
        self.slept.append(seconds)
        self.now += seconds


class FakeClient:
    """Answers like a portal from self.keys; answers can be scripted per method as values or exceptions."""

    root = 'http://portal.test/api/2.0'

    timeout = 30

    def __init__(self, keys, put_answer=True, put_error=None, post_answers=None, delete_answers=None,
                 appears_after_post_error=False, me=None, put_applies=False, delete_applies=False):
        self.keys = keys
        self.put_answer = put_answer
        self.put_error = put_error
        self.post_answers = list(post_answers or [])
        self.delete_answers = list(delete_answers or [])
        self.appears_after_post_error = appears_after_post_error
        self.me = me or {'id': ME, 'displayName': 'Administrator', 'isAdmin': True}
        # put_error / delete_answers exceptions that happen after the portal applied the write (a lost answer)
        self.put_applies = put_applies
        self.delete_applies = delete_applies
        self.listing = lambda: list(self.keys)
        self.calls = []
        self.created = 0

    def url(self, path):
        return self.root + '/' + path

    def record(self, method, path, body):
        self.calls.append((method, path, body))

    def get(self, path):
        self.record('GET', path, None)
        if path == 'keys':
            return self.listing()
        if path == 'keys/permissions':
            return CATALOGUE
        if path == 'people/@self':
            return self.me
        raise AssertionError('unexpected GET ' + path)

    def put(self, path, body):
        self.record('PUT', path, body)
        if self.put_error:
            if self.put_applies:
                self.keys = [apply_update(key, body) if path.endswith(key['id']) else key for key in self.keys]
            raise self.put_error
        if self.put_answer is True:
            self.keys = [apply_update(key, body) if path.endswith(key['id']) else key for key in self.keys]
        return self.put_answer

    def post(self, path, body):
        self.record('POST', path, body)
        if self.post_answers:
            if self.appears_after_post_error:
                self.created += 1
                self.keys.insert(0, listed(new_key(body, self.created)))
            answer = self.post_answers.pop(0)
            raise_if_error(answer)
            return answer
        self.created += 1
        created = new_key(body, self.created)
        self.keys.insert(0, listed(created))
        return created

    def delete(self, path):
        self.record('DELETE', path, None)
        answer = self.delete_answers.pop(0) if self.delete_answers else True
        if self.delete_applies:
            self.keys = [key for key in self.keys if not path.endswith(key['id'])]
        raise_if_error(answer)
        self.keys = [key for key in self.keys if not path.endswith(key['id'])]
        return answer

    def writes(self):
        return [call for call in self.calls if call[0] != 'GET']

    def methods(self):
        return [call[0] + ' ' + call[1] for call in self.calls]


def listed(key):
    """A key as GET /keys shows it (secret masked)."""
    return dict(key, key='sk-***' + key['keyPostfix'])


def raise_if_error(answer):
    """Scripted answers are values, or exceptions to raise instead of answering."""
    if isinstance(answer, Exception):
        raise answer
