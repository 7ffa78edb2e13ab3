# Copyright (c) onlyoffice.docspace contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""A stand-in for DocSpaceClient: answers from a list of keys, records every call, sends nothing."""

from __future__ import annotations

from ansible_collections.onlyoffice.docspace.plugins.module_utils._docspace import DocSpaceError

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


class FakeClient:
    def __init__(self, keys, put_answer=True, put_error=None):
        self.keys = keys
        self.put_answer = put_answer
        self.put_error = put_error
        self.calls = []

    def url(self, path):
        return 'http://portal.test/api/2.0/' + path

    def get(self, path):
        self.calls.append(('GET', path, None))
        if path == 'keys':
            return self.keys
        if path == 'keys/permissions':
            return CATALOGUE
        raise AssertionError('unexpected GET ' + path)

    def put(self, path, body):
        self.calls.append(('PUT', path, body))
        if self.put_error:
            raise self.put_error
        return self.put_answer

    def writes(self):
        return [call for call in self.calls if call[0] != 'GET']

