# Copyright (c) onlyoffice.docspace contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""A stand-in for DocSpaceClient: answers from a list of keys, records every call, sends nothing."""

from __future__ import annotations

CATALOGUE = ['*', '*:read', '*:write', 'accounts:read', 'accounts:write', 'accounts.self:read', 'accounts.self:write',
             'files:read', 'files:write', 'rooms:read', 'rooms:write']

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


def new_key(body):
    """What the portal answers to POST /keys: the key with its full secret."""
    return make_key(id=NEW_ID, name=body['name'], permissions=[] if '*' in body['permissions'] else body['permissions'],
                    key=SECRET, keyPostfix=SECRET[-4:])


class FakeClient:
    """Answers like a portal from self.keys; answers can be scripted per method as values or exceptions."""

    def __init__(self, keys, put_answer=True, put_error=None, post_answers=None, delete_answers=None,
                 appears_after_post_error=False):
        self.keys = keys
        self.put_answer = put_answer
        self.put_error = put_error
        self.post_answers = list(post_answers or [])
        self.delete_answers = list(delete_answers or [])
        self.appears_after_post_error = appears_after_post_error
        self.calls = []

    def url(self, path):
        return 'http://portal.test/api/2.0/' + path

    def get(self, path):
        self.calls.append(('GET', path, None))
        if path == 'keys':
            return list(self.keys)
        if path == 'keys/permissions':
            return CATALOGUE
        if path == 'people/@self':
            return {'id': ME, 'displayName': 'Administrator', 'isAdmin': True}
        raise AssertionError('unexpected GET ' + path)

    def put(self, path, body):
        self.calls.append(('PUT', path, body))
        if self.put_error:
            raise self.put_error
        return self.put_answer

    def post(self, path, body):
        self.calls.append(('POST', path, body))
        if self.post_answers:
            if self.appears_after_post_error:
                self.keys.append(new_key(body))
            raise_if_error(self.post_answers.pop(0))
        created = new_key(body)
        self.keys.append(dict(created, key='sk-***' + SECRET[-4:]))
        return created

    def delete(self, path):
        self.calls.append(('DELETE', path, None))
        answer = self.delete_answers.pop(0) if self.delete_answers else True
        raise_if_error(answer)
        self.keys = [key for key in self.keys if not path.endswith(key['id'])]
        return answer

    def writes(self):
        return [call for call in self.calls if call[0] != 'GET']

    def methods(self):
        return [call[0] + ' ' + call[1] for call in self.calls]


def raise_if_error(answer):
    """Scripted answers are values, or exceptions to raise instead of answering."""
    if isinstance(answer, Exception):
        raise answer
