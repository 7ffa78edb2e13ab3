# -*- coding: utf-8 -*-
# Copyright (c) onlyoffice.docspace contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The fault scenarios and bad inputs of the reliability suite: one list, run by the tests and by report.py.

Each Scenario says what is injected into the emulator (or what bad input is given), which module task runs, and
what must come out. ``run_scenario`` runs one against a Bench and returns an Outcome whose ``problems`` list is empty
when every expectation and every global invariant holds. The global invariants, checked for every scenario:

- no traceback, and a failure is one non-empty line without a .NET stack or a Python traceback;
- a failure reports ``changed: false``;
- check mode sends no POST, PUT or DELETE, whatever the faults;
- no secret (API keys of the portal, passwords, session tokens, created secrets) appears in the result, except a
  created key's secret at ``api_key.key``;
- every request carries the collection's User-Agent.
"""

from __future__ import annotations

import dataclasses
import json
import time

import pytest
from docspace_emulator import (  # pylint: disable=import-error
    NULL_REFERENCE,
    NULL_REFERENCE_MESSAGE,
    UNAUTHORIZED_ACCESS,
    ApiError,
    Emulator,
    exception_response,
)

import reliability_harness as harness  # pylint: disable=import-error

KEY_PATH = r'^/api/2\.0/keys/[0-9a-fA-F-]{36}$'
KEYS_PATH = r'^/api/2\.0/keys$'
PERMISSIONS_PATH = r'^/api/2\.0/keys/permissions$'
ANY_API_PATH = r'^/api/2\.0/'

TARGET = dict(name='rel-target', permissions=['files:read'], is_active=True)
NEW_NAME = 'rel-new'
WRONG_SECRET = 'sk-' + 'f0' * 32
WRONG_PASSWORD = 'Wrong-Passw0rd-4-reliability'
WRONG_TOKEN = 'reliability-wrong-session-token-0123456789'
UNKNOWN_ID = '0f0e0d0c-0b0a-4908-8706-050403020100'
NON_LATIN1_PASSWORD = '\u041f\u0430\u0440\u043e\u043b\u044c-\u20ac'

PROXY_HTML_502 = ('<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway'
                  '</h1></center><hr><center>nginx/1.25.3</center></body></html>')
PROXY_HTML_503 = '<html><head><title>503 Service Temporarily Unavailable</title></head><body>nginx</body></html>'
LOGIN_PAGE = '<!DOCTYPE html><html><head><title>ONLYOFFICE DocSpace</title></head><body><form id="login"></form></body></html>'


def exception_body(status, message, kind=NULL_REFERENCE):
    """The portal's exception envelope (with a full .NET stack that must never be shown)."""
    return json.loads(exception_response(ApiError(status, kind, message)).body)


def validation_body(errors):
    """The portal's HTTP 400 validation envelope (an RFC 9110 problem inside the success envelope)."""
    return {
        'response': {
            'type': 'https://tools.ietf.org/html/rfc9110#section-15.5.1',
            'title': 'One or more validation errors occurred.',
            'status': 400,
            'errors': errors,
            'traceId': '00-5c2b0e4d8a1f4b7e9d3c6a2f1e0b9d8c-3f2e1d0c9b8a7f6e-00',
        },
        'count': 1,
        'status': 1,
        'statusCode': 400,
    }


def respond(status, body=None, content_type=None, headers=None, delay=0.0):
    step = dict(action='respond', status=status, body=body, headers=headers or {}, delay=delay)
    if content_type:
        step['content_type'] = content_type
    return step


def html(status, page=PROXY_HTML_502):
    return respond(status, page, 'text/html; charset=utf-8')


def action(name, delay=0.0):
    return dict(action=name, delay=delay)


def envelope(value):
    return {'response': value, 'count': 1, 'status': 0, 'statusCode': 200}


@dataclasses.dataclass
class Scenario:  # pylint: disable=too-many-instance-attributes
    """One fault injected or one bad input given, the task run, and what must come out."""

    sid: str
    group: str
    given: str
    task: dict
    faults: tuple = ()
    module: str = 'docspace_api_key'
    check_mode: bool = False
    diff: bool = False
    auth: str = 'api_key'
    connection: dict = dataclasses.field(default_factory=dict)
    env: dict = dataclasses.field(default_factory=dict)
    emulator: str = 'http'          # 'https': the HTTPS emulator whose CA is {ca_path}
    fresh_emulator: bool = False    # a throw-away emulator: delayed answers must not reach the next scenario
    proxy: bool = False             # a forward proxy at {proxy_url}; the scenario fails unless it forwarded something
    proxy_drops: bool = False       # that proxy keeps connections open and drops the first request on a reused one
    hostile: str = None             # a harness.HostileServer mode, at {hostile_url}
    target: dict = dataclasses.field(default_factory=lambda: dict(TARGET))
    expect: str = 'changed'         # ok, changed or failed
    message: tuple = ()             # fragments msg must contain
    hidden: tuple = ()              # fragments msg must not contain
    hidden_anywhere: tuple = ()     # fragments the whole printed result (invocation included) must not contain
    status: int = None              # the status a failed result must report
    writes: tuple = None            # 'METHOD status' of every POST/PUT/DELETE the portal saw, in order
    no_requests: bool = False       # refused before any request
    min_seconds: float = None
    max_seconds: float = None
    settle: float = 0.0             # seconds to wait after the run before looking at the portal (delayed answers)
    created_name: str = None        # a creation: never two keys of this name (exactly one when it succeeded)
    secret_returned: bool = None    # whether api_key.key must be there
    warning: str = None             # a fragment one warning must contain
    final: dict = None              # fields of the target key afterwards (portal camelCase)

    @property
    def title(self):
        return self.sid + (' (check mode)' if self.check_mode else '')


UPDATE = dict(key_id='{key_id}', state='inactive')
UPDATE_WITH_SCOPES = dict(key_id='{key_id}', state='inactive', permissions=['files:read', 'rooms:read'])
CREATE = dict(name=NEW_NAME, permissions=['files:read'])
UNCHANGED = dict(isActive=True, name=TARGET['name'], permissions=TARGET['permissions'])


def _retries():
    return [
        Scenario('retry-429-then-503', 'retries', 'PUT answers 429 (Retry-After: 1, empty body), then 503 (HTML), then passes',
                 UPDATE, faults=(('PUT', KEY_PATH, (respond(429, headers={'Retry-After': '1'}), html(503, PROXY_HTML_503))),),
                 writes=('PUT 429', 'PUT 503', 'PUT 200'), final=dict(isActive=False),
                 # Retry-After 1 s, then the back-off before the 2nd retry (1 s + up to 0.25 s jitter).
                 min_seconds=1.95, max_seconds=6),
        Scenario('retry-429-bare', 'retries', 'GET /keys answers 429 with an empty body and no Retry-After (the portal rate limiter), then passes',
                 UPDATE, faults=(('GET', KEYS_PATH, (respond(429),)),), writes=('PUT 200',), final=dict(isActive=False)),
        Scenario('persistent-500', 'retries', 'every PUT answers 500 (exception envelope with a .NET stack), retries 3',
                 UPDATE, faults=(('PUT', KEY_PATH, (respond(500, exception_body(500, NULL_REFERENCE_MESSAGE)),) * 5),),
                 expect='failed', status=500, writes=('PUT 500',), message=('HTTP 500', NULL_REFERENCE_MESSAGE),
                 hidden=harness.NET_STACK_MARKERS, final=UNCHANGED, max_seconds=3),
        Scenario('timeout', 'retries', 'every GET waits 5 s; timeout 0.5, retries 2',
                 UPDATE, faults=(('GET', ANY_API_PATH, (action('pass', 5),) * 6),), connection=dict(timeout=0.5, retries=2),
                 fresh_emulator=True, expect='failed', message=('no answer within the 0.5-second timeout',), writes=(),
                 # 3 attempts x 0.5 s + back-off (0 s, then 1 s + jitter <= 0.25 s) + 1 s of slack.
                 min_seconds=1.5, max_seconds=3.75),
        Scenario('reset-once', 'retries', 'the first GET /keys is answered by a TCP reset',
                 UPDATE, faults=(('GET', KEYS_PATH, (action('reset'),)),), writes=('PUT 200',), final=dict(isActive=False)),
        Scenario('reset-always', 'retries', 'every GET /keys is answered by a TCP reset; retries 1',
                 UPDATE, faults=(('GET', KEYS_PATH, (action('reset'),) * 3),), connection=dict(retries=1),
                 expect='failed', message=('could not connect to the portal',), writes=(), final=UNCHANGED),
        Scenario('proxy-502-html', 'retries', 'every GET /keys answers 502 with an nginx HTML page; retries 1',
                 UPDATE, faults=(('GET', KEYS_PATH, (html(502),) * 3),), connection=dict(retries=1),
                 expect='failed', status=502, message=('HTTP 502', 'bad gateway', 'HTML page'), hidden=('nginx', '<'), writes=()),
        Scenario('429-always', 'retries', 'every GET /keys answers 429 with an empty body; retries 1',
                 UPDATE, faults=(('GET', KEYS_PATH, (respond(429),) * 3),), connection=dict(retries=1),
                 expect='failed', status=429, message=('HTTP 429', 'too many requests'), writes=()),
    ] + [
        Scenario('%s-key-in-use-lost' % verb, 'retries',
                 'the task %ss the key it authenticates with: the portal carries out the %s 3.8 s after it arrives '
                 '(timeout 3), and refuses the retry (401) because the key is %s' % (verb, method, after),
                 dict(key_id='{key_id}', state=state), target=dict(TARGET, permissions=['*']),
                 connection=dict(api_key='{key_secret}', timeout=3, retries=1), fresh_emulator=True,
                 faults=((method, KEY_PATH, (action('pass', 3.8), action('pass', 1.6))),),
                 writes=(method + ' 200', method + ' 401'), final=final, max_seconds=8)
        for verb, method, state, after, final in (('delete', 'DELETE', 'absent', 'gone', None),
                                                  ('deactivate', 'PUT', 'inactive', 'inactive', dict(isActive=False)))
    ] + [
        Scenario('504-always', 'retries', 'every PUT answers 504 (empty); retries 1',
                 UPDATE, faults=(('PUT', KEY_PATH, (respond(504),) * 3),), connection=dict(retries=1),
                 expect='failed', status=504, message=('HTTP 504', 'gateway time-out'), writes=('PUT 504', 'PUT 504')),
    ]


def _answers():
    scenarios = [
        Scenario('truncated-body', 'answers', 'GET /keys: the answer is cut in the middle of the body',
                 UPDATE, faults=(('GET', KEYS_PATH, (action('truncate'),)),), expect='failed', message=('cut short',), writes=()),
        Scenario('text-body', 'answers', 'GET /keys answers 200 with plain text',
                 UPDATE, faults=(('GET', KEYS_PATH, (respond(200, 'Service is starting'),)),),
                 expect='failed', status=200, message=('HTTP 200', 'not JSON'), hidden=('starting',), writes=()),
        Scenario('damaged-json', 'answers', 'GET /keys answers 200 with JSON cut short (\'{"response": [{"id": "3fa8\')',
                 UPDATE, faults=(('GET', KEYS_PATH, (respond(200, '{"response": [{"id": "3fa8', 'application/json'),)),),
                 expect='failed', status=200, message=('HTTP 200', 'instead of a DocSpace API answer'), writes=()),
        Scenario('login-page', 'answers', 'GET /keys answers 200 with an HTML login page',
                 UPDATE, faults=(('GET', KEYS_PATH, (html(200, LOGIN_PAGE),)),),
                 expect='failed', status=200, message=('HTML page', 'base_url'), hidden=('<', 'login"'), writes=()),
        Scenario('no-response-member', 'answers', 'GET /keys answers 200 {"count": 1, "status": 0} (no "response")',
                 UPDATE, faults=(('GET', KEYS_PATH, (respond(200, {'count': 1, 'status': 0, 'statusCode': 200}),)),),
                 expect='failed', status=200, message=('JSON of another shape',), writes=()),
        Scenario('response-not-a-list', 'answers', 'GET /keys answers {"response": {"items": []}}',
                 UPDATE, faults=(('GET', KEYS_PATH, (respond(200, envelope({'items': []})),)),),
                 expect='failed', message=('something other than a list of keys',), writes=()),
        Scenario('list-of-junk', 'answers', 'GET /keys answers {"response": [1, "x", null, {"id": 5}, []]}',
                 UPDATE, faults=(('GET', KEYS_PATH, (respond(200, envelope([1, 'x', None, {'id': 5}, []])),)),),
                 expect='failed', message=('not a DocSpace API key', 'its id is not a string'), writes=()),
        Scenario('key-of-wrong-types', 'answers', 'GET /keys lists the target key with "permissions": [null, false]',
                 UPDATE_WITH_SCOPES,
                 faults=(('GET', KEYS_PATH, (respond(200, envelope([dict(id='{key_id}', name='rel-target', permissions=[None, False])])),)),),
                 expect='failed', message=('not a DocSpace API key', 'permissions'), writes=()),
        Scenario('validation-envelope', 'answers', 'PUT answers 400 with a validation envelope for Name',
                 dict(key_id='{key_id}', name='renamed'),
                 faults=(('PUT', KEY_PATH, (respond(400, validation_body(
                     {'Name': ["The field Name must be a string with a maximum length of '30'."]})),)),),
                 expect='failed', status=400, message=('HTTP 400', 'Name: The field Name must be'), hidden=('traceId', '00-5c2b'),
                 writes=('PUT 400',), final=UNCHANGED),
        Scenario('exception-envelope-403', 'answers', 'PUT answers 403 with an exception envelope "Access denied" and a stack',
                 UPDATE, faults=(('PUT', KEY_PATH, (respond(403, exception_body(403, 'Access denied', UNAUTHORIZED_ACCESS)),)),),
                 expect='failed', status=403, message=('HTTP 403', 'Access denied'), hidden=harness.NET_STACK_MARKERS,
                 writes=('PUT 403',), final=UNCHANGED),
        Scenario('put-answers-false', 'answers', 'PUT answers 200 {"response": false}',
                 UPDATE, faults=(('PUT', KEY_PATH, (respond(200, envelope(False)),)),),
                 expect='failed', status=200, message=('refused to change',), writes=('PUT 200',), final=UNCHANGED),
        Scenario('wrong-api-key', 'answers', 'an API key the portal does not know (real 401, empty body)',
                 UPDATE, connection=dict(api_key=WRONG_SECRET), expect='failed', status=401,
                 message=('HTTP 401', 'authentication failed'), writes=(), final=UNCHANGED),
        Scenario('wrong-password', 'answers', 'user name with a wrong password (real 401)',
                 UPDATE, auth='password', connection=dict(password=WRONG_PASSWORD), expect='failed', status=401,
                 message=('HTTP 401',), writes=(), final=UNCHANGED),
        Scenario('wrong-token', 'answers', 'a session token the portal does not know (real 401)',
                 UPDATE, auth='auth_token', connection=dict(auth_token=WRONG_TOKEN), expect='failed', status=401,
                 message=('HTTP 401',), writes=(), final=UNCHANGED),
    ]
    meanings = {401: 'authentication failed', 403: 'not allowed', 404: 'not found', 405: 'method not allowed'}
    for status, meaning in meanings.items():
        scenarios.append(Scenario(
            'empty-%d' % status, 'answers', 'GET /keys answers %d with an empty body' % status,
            UPDATE, faults=(('GET', KEYS_PATH, (respond(status),)),), expect='failed', status=status,
            message=('HTTP %d' % status, meaning), writes=()))
    return scenarios


def _check_mode():
    """Every kind of fault, met in check mode: never a write."""
    faults = [
        ('429-once', 'GET /keys answers 429 once', (('GET', KEYS_PATH, (respond(429),)),), {}, 'changed'),
        ('503-always', 'GET /keys answers 503 (HTML)', (('GET', KEYS_PATH, (html(503, PROXY_HTML_503),) * 3),), {}, 'failed'),
        ('500', 'GET /keys answers 500 (exception envelope)',
         (('GET', KEYS_PATH, (respond(500, exception_body(500, NULL_REFERENCE_MESSAGE)),)),), {}, 'failed'),
        ('reset', 'GET /keys: TCP reset', (('GET', KEYS_PATH, (action('reset'),) * 3),), {}, 'failed'),
        ('truncated', 'GET /keys: answer cut short', (('GET', KEYS_PATH, (action('truncate'),)),), {}, 'failed'),
        ('timeout', 'GET /keys waits 5 s; timeout 0.5', (('GET', KEYS_PATH, (action('pass', 5),) * 3),), dict(timeout=0.5), 'failed'),
        ('wrong-shape', 'GET /keys answers {"response": "keys"}', (('GET', KEYS_PATH, (respond(200, envelope('keys')),)),), {}, 'failed'),
        ('catalogue-500', 'GET /keys/permissions answers 500',
         (('GET', PERMISSIONS_PATH, (respond(500, exception_body(500, NULL_REFERENCE_MESSAGE)),)),), {}, 'failed'),
        ('catalogue-reset', 'GET /keys/permissions: TCP reset', (('GET', PERMISSIONS_PATH, (action('reset'),) * 3),), {}, 'failed'),
    ]
    scenarios = []
    for name, given, injected, connection, expected in faults:
        for what, task in (('update', UPDATE_WITH_SCOPES), ('create', CREATE)):
            scenarios.append(Scenario(
                'check-%s-%s' % (what, name), 'check mode', given + '; task would %s a key' % what, task, faults=injected,
                check_mode=True, diff=True, connection=dict(connection, retries=1), expect=expected, writes=(),
                fresh_emulator=name == 'timeout', final=UNCHANGED, created_name=NEW_NAME if what == 'create' else None))
    return scenarios


def _creation():
    """POST is never retried blindly: whatever happens, never two keys of one name."""
    post = 'POST'
    return [
        Scenario('post-503-once', 'creation', 'POST /keys answers 503 from a proxy (nothing made): looked for, never '
                 'sent again, the task says when to run again',
                 CREATE, faults=((post, KEYS_PATH, (html(503, PROXY_HTML_503),)),), expect='failed', status=503,
                 message=('HTTP 503', 'wait 10 seconds before running the task again'), hidden=('<html', '<body'),
                 writes=('POST 503',), created_name=NEW_NAME, max_seconds=15),
        Scenario('post-truncated', 'creation', 'POST /keys makes the key, then the answer is cut short',
                 CREATE, faults=((post, KEYS_PATH, (action('truncate'),)),),
                 writes=('POST 200',), created_name=NEW_NAME, secret_returned=False, warning='adopted'),
        Scenario('post-timeout', 'creation', 'POST /keys makes the key 2.5 s later; timeout 1',
                 CREATE, faults=((post, KEYS_PATH, (action('pass', 2.5),)),), connection=dict(timeout=1), fresh_emulator=True,
                 writes=('POST 200',), created_name=NEW_NAME, secret_returned=False, warning='adopted', max_seconds=12),
        Scenario('post-reset', 'creation', 'POST /keys: TCP reset before the portal acts (the client cannot tell): '
                 'looked for, never sent again, the task says when to run again',
                 CREATE, faults=((post, KEYS_PATH, (action('reset'),)),), expect='failed',
                 message=('wait 10 seconds before running the task again',), writes=('POST reset',), created_name=NEW_NAME,
                 max_seconds=15),
        Scenario('post-500', 'creation', 'POST /keys answers 500 (nothing made)',
                 CREATE, faults=((post, KEYS_PATH, (respond(500, exception_body(500, NULL_REFERENCE_MESSAGE)),)),),
                 expect='failed', status=500, message=('HTTP 500',), hidden=harness.NET_STACK_MARKERS,
                 writes=('POST 500',), created_name=NEW_NAME),
        Scenario('post-429', 'creation', 'POST /keys answers 429 (creation rate limit)',
                 CREATE, faults=((post, KEYS_PATH, (respond(429),)),),
                 expect='failed', status=429, message=('HTTP 429',), writes=('POST 429',), created_name=NEW_NAME),
        Scenario('post-504', 'creation', 'POST /keys answers 504 from a proxy (the portal may still act)',
                 CREATE, faults=((post, KEYS_PATH, (respond(504),)),),
                 expect='failed', status=504, message=('HTTP 504', 'wait 10 seconds before running the task again'),
                 writes=('POST 504',), created_name=NEW_NAME, max_seconds=15),
    ]


def _bad_input():
    refused = dict(expect='failed', no_requests=True)
    astral = '\U0001F600'
    return [
        Scenario('name-31', 'bad input', 'name of 31 characters', dict(name='n' * 31, permissions=['*']),
                 message=('at most 30',), **refused),
        Scenario('name-30-astral', 'bad input', 'name of 15 emoji (30 UTF-16 units, the portal limit)',
                 dict(name=astral * 15, permissions=['*']), created_name=astral * 15, secret_returned=True),
        Scenario('name-31-astral', 'bad input', 'name of 15 emoji and a letter (31 UTF-16 units)',
                 dict(name=astral * 15 + 'a', permissions=['*']), message=('at most 30',), **refused),
        Scenario('name-blank', 'bad input', 'name of three spaces', dict(name='   ', permissions=['*']),
                 message=('blank',), **refused),
        Scenario('name-empty', 'bad input', 'empty name', dict(name='', permissions=['*']), message=('blank',), **refused),
        Scenario('rename-31', 'bad input', 'key_id with a new name of 31 characters', dict(key_id='{key_id}', name='r' * 31),
                 message=('at most 30',), **refused),
        Scenario('permissions-empty', 'bad input', 'permissions: []', dict(key_id='{key_id}', permissions=[]),
                 message=('must not be empty',), **refused),
        Scenario('permissions-blank', 'bad input', "permissions: ['files:read', ' ']",
                 dict(key_id='{key_id}', permissions=['files:read', ' ']), message=('blank',), **refused),
        Scenario('permissions-wrong-case', 'bad input', "permissions: ['Files:Read'] on an update",
                 dict(key_id='{key_id}', permissions=['Files:Read']), expect='failed', status=400,
                 message=("'Files:Read'", 'case-sensitive'), writes=('PUT 400',), final=UNCHANGED),
        Scenario('permissions-wrong-case', 'bad input', "permissions: ['Files:Read'] on an update",
                 dict(key_id='{key_id}', permissions=['Files:Read']), check_mode=True, expect='failed', status=400,
                 message=("'Files:Read'",), writes=(), final=UNCHANGED),
        Scenario('create-wrong-case', 'bad input', "a new key with permissions: ['rooms:Read']",
                 dict(name=NEW_NAME, permissions=['rooms:Read']), expect='failed', status=400, message=("'rooms:Read'",),
                 writes=('POST 400',), created_name=NEW_NAME),
        Scenario('permissions-duplicates', 'bad input', "permissions: ['rooms:read', 'files:read', 'rooms:read']",
                 dict(key_id='{key_id}', permissions=['rooms:read', 'files:read', 'rooms:read']), writes=('PUT 200',),
                 final=dict(permissions=['files:read', 'rooms:read'])),
        Scenario('permissions-same-set', 'bad input', "permissions: ['files:read', 'files:read'] (the stored set)",
                 dict(key_id='{key_id}', permissions=['files:read', 'files:read']), expect='ok', writes=()),
        Scenario('create-without-permissions', 'bad input', 'a new key without permissions', dict(name=NEW_NAME),
                 expect='failed', message=('permissions is required',), writes=(), created_name=NEW_NAME),
        Scenario('key-id-malformed', 'bad input', "key_id: 'not-a-uuid'", dict(key_id='not-a-uuid', state='inactive'),
                 message=('must be a UUID',), **refused),
        Scenario('key-id-short', 'bad input', 'key_id with its last digit missing', dict(key_id='{key_id_short}', state='inactive'),
                 message=('must be a UUID',), **refused),
        Scenario('key-id-uppercase', 'bad input', 'key_id in upper case', dict(key_id='{key_id_upper}', state='inactive'),
                 writes=('PUT 200',), final=dict(isActive=False)),
        Scenario('key-id-braces', 'bad input', 'key_id as {...}', dict(key_id='{{key_id}}', state='inactive'),
                 writes=('PUT 200',), final=dict(isActive=False)),
        Scenario('key-id-unknown', 'bad input', 'a well-formed key_id no key has', dict(key_id='{unknown_id}', state='inactive'),
                 expect='failed', message=('was not found',), writes=()),
        Scenario('url-no-scheme', 'bad input', 'base_url without a scheme (127.0.0.1:port)', UPDATE,
                 connection=dict(base_url='{netloc}'), message=('http:// or https://',), **refused),
        Scenario('url-no-host', 'bad input', "base_url: 'https://'", UPDATE, connection=dict(base_url='https://'),
                 message=('http:// or https://',), **refused),
        Scenario('url-broken-ipv6', 'bad input', "base_url: 'http://[::1'", UPDATE, connection=dict(base_url='http://[::1'),
                 message=('http:// or https://',), **refused),
        Scenario('url-port-out-of-range', 'bad input', "base_url: 'http://127.0.0.1:99999'", UPDATE,
                 connection=dict(base_url='http://127.0.0.1:99999'), message=('http:// or https://',), **refused),
        Scenario('url-with-path', 'bad input', 'base_url with a path the portal does not serve ({url}/docspace)', UPDATE,
                 connection=dict(base_url='{url}/docspace'), expect='failed', status=404,
                 message=('HTTP 404', 'check that base_url'), writes=()),
        Scenario('url-with-api-root', 'bad input', 'base_url ending in /api/2.0/', UPDATE,
                 connection=dict(base_url='{url}/api/2.0/'), writes=('PUT 200',), final=dict(isActive=False)),
        Scenario('url-with-credentials', 'bad input', 'base_url http://admin:hunter2@{netloc} (user name and password in the URL)',
                 UPDATE, connection=dict(base_url='http://admin:hunter2@{netloc}'),
                 message=('must not hold a user name or password', 'nothing was sent'), hidden=('hunter2', 'admin'),
                 hidden_anywhere=('hunter2',), **refused),
        Scenario('url-with-token', 'bad input', 'base_url http://sk-urltoken@{netloc} (a token as the URL user name)',
                 UPDATE, connection=dict(base_url='http://sk-urltoken@{netloc}'),
                 message=('must not hold a user name or password',), hidden_anywhere=('sk-urltoken',), **refused),
        Scenario('timeout-zero', 'bad input', 'timeout: 0', UPDATE, connection=dict(timeout=0),
                 message=('timeout must be a number of seconds more than 0',), **refused),
        Scenario('timeout-negative', 'bad input', 'timeout: -1', UPDATE, connection=dict(timeout=-1),
                 message=('timeout must be a number of seconds more than 0',), **refused),
        Scenario('timeout-huge', 'bad input', 'timeout: 1e300', UPDATE, connection=dict(timeout=1e300),
                 message=('timeout must be a number of seconds more than 0 and at most 3600',), **refused),
        Scenario('env-timeout-huge', 'bad input', 'DOCSPACE_TIMEOUT=1e300 (no timeout option)', UPDATE,
                 connection=dict(timeout=None), env=dict(DOCSPACE_TIMEOUT='1e300'), message=('at most 3600',), **refused),
        Scenario('retries-negative', 'bad input', 'retries: -2', UPDATE, connection=dict(retries=-2),
                 message=('retries must be a whole number from 0 to 10',), **refused),
        Scenario('retries-huge', 'bad input', 'retries: 1000', UPDATE, connection=dict(retries=1000),
                 message=('retries must be a whole number from 0 to 10',), **refused),
        Scenario('env-retries-not-a-number', 'bad input', 'DOCSPACE_RETRIES=many (no retries option)', UPDATE,
                 connection=dict(retries=None), env=dict(DOCSPACE_RETRIES='many'), message=('retries',), **refused),
        Scenario('env-timeout', 'bad input', 'DOCSPACE_TIMEOUT=0.5 and DOCSPACE_RETRIES=0 (no options); GET waits 5 s',
                 UPDATE, connection=dict(retries=None, timeout=None), env=dict(DOCSPACE_TIMEOUT='0.5', DOCSPACE_RETRIES='0'),
                 faults=(('GET', KEYS_PATH, (action('pass', 5),)),), fresh_emulator=True, expect='failed',
                 message=('0.5-second timeout',), max_seconds=2.5),
        Scenario('two-credentials', 'bad input', 'api_key and username/password together', UPDATE,
                 connection=dict(username='owner', password='{password}'), message=('mutually exclusive',), **refused),
        Scenario('no-credentials', 'bad input', 'no credentials at all', UPDATE, connection=dict(api_key=None),
                 message=('No credentials', 'DOCSPACE_API_KEY', 'DOCSPACE_USERNAME'), **refused),
        Scenario('no-base-url', 'bad input', 'no base_url and no DOCSPACE_URL', UPDATE, connection=dict(base_url=None),
                 message=('base_url is required', 'DOCSPACE_URL'), **refused),
        Scenario('env-key-and-task-user', 'bad input', 'DOCSPACE_API_KEY set (as AWX does) and username/password in the task',
                 UPDATE, connection=dict(api_key=None, username='owner', password='{password}'), env=dict(DOCSPACE_API_KEY='{api_key}'),
                 message=('api_key (from the DOCSPACE_API_KEY environment variable) and username are mutually exclusive',
                          'unset DOCSPACE_API_KEY'), **refused),
        Scenario('api-key-blank', 'bad input', "api_key: ' ' (blank; its no_log masking must not shred the message)", UPDATE,
                 connection=dict(api_key=' '), message=('api_key is blank: set it to the real value.',), **refused),
        Scenario('password-blank', 'bad input', "a user name with password: ''", UPDATE, auth='password',
                 connection=dict(password=''), message=('password is blank',), **refused),
        Scenario('api-key-invisible-char', 'bad input', 'the real API key with a zero-width space pasted after it', UPDATE,
                 connection=dict(api_key='{api_key}\u200b'), message=('api_key', 'HTTP header'), **refused),
        Scenario('api-key-line-break', 'bad input', 'an API key with a line break inside', UPDATE,
                 connection=dict(api_key='sk-0123\n4567'), message=('api_key', 'line break'), **refused),
        Scenario('token-non-latin1', 'bad input', "auth_token: 'токен-€'", UPDATE, auth='auth_token',
                 connection=dict(auth_token='\u0442\u043e\u043a\u0435\u043d-\u20ac'), message=('auth_token', 'HTTP header'), **refused),
        Scenario('password-non-latin1', 'bad input', "a password beyond Latin-1 ('Пароль-€', sent as UTF-8; wrong, so 401)",
                 UPDATE, auth='password', connection=dict(password=NON_LATIN1_PASSWORD), expect='failed', status=401,
                 message=('HTTP 401',), writes=(), final=UNCHANGED),
        Scenario('expires-0', 'bad input', 'expires_in_days: 0', dict(name=NEW_NAME, permissions=['*'], expires_in_days=0),
                 message=('from 1 to 365',), **refused),
        Scenario('state-wrong-case', 'bad input', "state: 'Inactive'", dict(key_id='{key_id}', state='Inactive'),
                 message=('state',), **refused),
        Scenario('unknown-option', 'bad input', "an option the module does not have ('scopes')",
                 dict(key_id='{key_id}', scopes=['files:read']), message=('scopes',), **refused),
        Scenario('info-key-id-malformed', 'bad input', "docspace_api_key_info with key_id: 'x'", dict(key_id='x'),
                 module='docspace_api_key_info', message=('must be a UUID',), **refused),
        Scenario('info-current-without-key', 'bad input', 'docspace_api_key_info current: true with a password',
                 dict(current=True), module='docspace_api_key_info', auth='password', message=('api_key',), **refused),
    ]


def _transport():
    return [
        Scenario('tls-without-ca', 'tls and proxies', 'HTTPS portal, certificate from a CA made in the test; no ca_path',
                 UPDATE, emulator='https', expect='failed', message=('TLS certificate', 'ca_path'), no_requests=True),
        Scenario('tls-with-ca', 'tls and proxies', 'HTTPS portal; ca_path: that CA',
                 UPDATE, emulator='https', connection=dict(ca_path='{ca_path}'), writes=('PUT 200',), final=dict(isActive=False)),
        Scenario('tls-not-validated', 'tls and proxies', 'HTTPS portal; validate_certs: false',
                 UPDATE, emulator='https', connection=dict(validate_certs=False), writes=('PUT 200',),
                 warning='validate_certs is false'),
        Scenario('tls-wrong-ca', 'tls and proxies', 'HTTPS portal; ca_path: another CA made in the test',
                 UPDATE, emulator='https', connection=dict(ca_path='{other_ca}'), expect='failed', message=('TLS certificate',),
                 no_requests=True),
        Scenario('http-proxy', 'tls and proxies',
                 'HTTP_PROXY=a loopback proxy; base_url http://%s:port (a name only the proxy resolves)' % harness.PROXIED_HOST,
                 UPDATE, proxy=True, env=dict(HTTP_PROXY='{proxy_url}'), connection=dict(base_url='http://%s:{port}' % harness.PROXIED_HOST),
                 writes=('PUT 200',), final=dict(isActive=False)),
        Scenario('proxy-drops-kept-alive', 'tls and proxies',
                 'HTTP_PROXY=a keep-alive proxy that drops the PUT sent on the connection the GET used, unanswered',
                 UPDATE, proxy=True, proxy_drops=True, env=dict(HTTP_PROXY='{proxy_url}'),
                 connection=dict(base_url='http://%s:{port}' % harness.PROXIED_HOST), writes=('PUT 200',),
                 final=dict(isActive=False)),
        Scenario('proxy-drops-kept-alive-post', 'tls and proxies',
                 'the same proxy drops the POST /keys (never forwarded): looked for, never sent again, the task says '
                 'when to run again',
                 CREATE, proxy=True, proxy_drops=True, env=dict(HTTP_PROXY='{proxy_url}'),
                 connection=dict(base_url='http://%s:{port}' % harness.PROXIED_HOST), expect='failed',
                 message=('wait 10 seconds before running the task again',), writes=(), created_name=NEW_NAME,
                 max_seconds=15),
        Scenario('https-proxy', 'tls and proxies',
                 'HTTPS_PROXY=a loopback proxy (CONNECT); base_url https://%s:port; ca_path' % harness.PROXIED_HOST,
                 UPDATE, emulator='https', proxy=True, env=dict(https_proxy='{proxy_url}'),
                 connection=dict(base_url='https://%s:{port}' % harness.PROXIED_HOST, ca_path='{ca_path}'),
                 writes=('PUT 200',), final=dict(isActive=False)),
    ]


def _hostile():
    """The environment of real machines (netrc, CA bundle and proxy variables) and servers that misbehave."""
    netrc = dict(HOME='{netrc_home}', NETRC='{netrc_home}/.netrc')
    other_bundle = dict(REQUESTS_CA_BUNDLE='{other_ca}', CURL_CA_BUNDLE='{other_ca}')
    refused = dict(expect='failed', no_requests=True)
    budget = dict(connection=dict(timeout=1, retries=1), expect='failed', max_seconds=4.5)
    return [
        Scenario('netrc-api-key', 'hostile environment', '~/.netrc has a default entry (a Git token); api_key',
                 UPDATE, env=netrc, writes=('PUT 200',), final=dict(isActive=False)),
        Scenario('netrc-password', 'hostile environment', '~/.netrc has a default entry; username and password',
                 UPDATE, auth='password', env=netrc, writes=('PUT 200',), final=dict(isActive=False)),
        Scenario('netrc-token', 'hostile environment', '~/.netrc has a default entry; auth_token',
                 UPDATE, auth='auth_token', env=netrc, writes=('PUT 200',), final=dict(isActive=False)),
        Scenario('ca-env-validate-false', 'hostile environment',
                 'REQUESTS_CA_BUNDLE and CURL_CA_BUNDLE name another CA; validate_certs: false',
                 UPDATE, emulator='https', env=other_bundle, connection=dict(validate_certs=False), writes=('PUT 200',),
                 warning='validate_certs is false'),
        Scenario('ca-env-ca-path', 'hostile environment', 'REQUESTS_CA_BUNDLE and CURL_CA_BUNDLE name another CA; ca_path: the CA',
                 UPDATE, emulator='https', env=other_bundle, connection=dict(ca_path='{ca_path}'), writes=('PUT 200',),
                 final=dict(isActive=False)),
        Scenario('ca-env-only', 'hostile environment', 'REQUESTS_CA_BUNDLE names another CA; no TLS options',
                 UPDATE, emulator='https', env=other_bundle, expect='failed',
                 message=('could not be verified against the CA bundle of the REQUESTS_CA_BUNDLE environment variable', 'ca_path'),
                 no_requests=True),
        Scenario('ca-env-chooses', 'hostile environment', 'REQUESTS_CA_BUNDLE names the portal CA; no TLS options',
                 UPDATE, emulator='https', env=dict(REQUESTS_CA_BUNDLE='{ca_path}'), writes=('PUT 200',)),
        Scenario('ca-path-missing', 'hostile environment', 'ca_path: /nonexistent/ca.pem', UPDATE, emulator='https',
                 connection=dict(ca_path='/nonexistent/ca.pem'), message=('ca_path /nonexistent/ca.pem', 'does not exist'), **refused),
        Scenario('ca-path-not-pem', 'hostile environment', 'ca_path: a private key file (no certificate)', UPDATE,
                 emulator='https', connection=dict(ca_path='{tls_key}'), message=('holds no PEM CA certificate',), **refused),
        Scenario('https-to-http', 'hostile environment', 'base_url https:// for the plain HTTP emulator', UPDATE,
                 connection=dict(base_url='https://{netloc}', retries=0), message=('does not speak TLS', 'is it http://?'),
                 expect='failed'),
        Scenario('proxy-env-no-proxy', 'hostile environment',
                 'HTTP_PROXY and HTTPS_PROXY name a dead proxy, NO_PROXY covers loopback',
                 UPDATE, env=dict(HTTP_PROXY='http://127.0.0.1:9', HTTPS_PROXY='http://127.0.0.1:9', NO_PROXY='127.0.0.1,localhost'),
                 writes=('PUT 200',), final=dict(isActive=False)),
        Scenario('drip-body', 'hostile environment', 'the answer body comes one byte every 0.1 s; timeout 1, retries 1',
                 UPDATE, hostile='drip-body', message=('no complete answer within',), **budget),
        Scenario('drip-headers', 'hostile environment', 'the answer headers come one byte every 0.1 s; timeout 1, retries 1',
                 UPDATE, hostile='drip-headers', message=('no complete answer within',), **budget),
        Scenario('endless-body', 'hostile environment', 'a JSON answer that never ends', UPDATE, hostile='endless',
                 expect='failed', message=('larger than 64 MB',), max_seconds=30),
        Scenario('gzip-bomb', 'hostile environment', 'a gzip answer of 100 KB that inflates to 100 MB', UPDATE,
                 hostile='gzip-bomb', expect='failed', message=('larger than 64 MB',), max_seconds=30),
        Scenario('nested-brackets', 'hostile environment', 'GET /keys answers 200 KB of nested [',
                 UPDATE, faults=(('GET', KEYS_PATH, (respond(200, '[' * 200000, 'application/json'),)),),
                 expect='failed', status=200, message=('not JSON',), writes=()),
        Scenario('retry-after-a-day', 'hostile environment', 'GET /keys answers 429 with Retry-After: 86400; retries 3',
                 UPDATE, faults=(('GET', KEYS_PATH, (respond(429, headers={'Retry-After': '86400'}),) * 4),),
                 expect='failed', status=429, message=('asks to wait 86400 seconds', 'run the task again after'),
                 writes=(), max_seconds=3),
        Scenario('post-redirected', 'hostile environment', 'POST /keys answers 301 to https://portal.example.com/api/2.0/keys',
                 CREATE, faults=(('POST', KEYS_PATH, (respond(301, headers={'Location': 'https://portal.example.com/api/2.0/keys'}),)),),
                 expect='failed', status=301, message=('set base_url to https://portal.example.com.',),
                 writes=('POST 301',), created_name=NEW_NAME),
        Scenario('put-redirected', 'hostile environment', 'PUT answers 302 to a login page',
                 UPDATE, faults=(('PUT', KEY_PATH, (respond(302, headers={'Location': '/login?from=keys'}),)),),
                 expect='failed', status=302, message=('redirected (HTTP 302)', '/login'), hidden=('from=keys', '[{'),
                 writes=('PUT 302',), final=UNCHANGED),
        Scenario('get-redirected', 'hostile environment', 'GET /keys answers 308 to another host',
                 UPDATE, faults=(('GET', KEYS_PATH, (respond(308, headers={'Location': 'https://other.example.com/api/2.0/keys'}),)),),
                 expect='failed', status=308, message=('set base_url to https://other.example.com.',), writes=()),
    ]


def _auth():
    return [
        Scenario('auth-api-key-diff', 'secrets', 'update with an API key, diff mode', UPDATE_WITH_SCOPES, diff=True,
                 writes=('PUT 200',)),
        Scenario('auth-token-diff', 'secrets', 'update with a session token from POST /authentication, diff mode',
                 UPDATE_WITH_SCOPES, auth='auth_token', diff=True, writes=('PUT 200',)),
        Scenario('auth-password-diff', 'secrets', 'update with user name and password, diff mode',
                 UPDATE_WITH_SCOPES, auth='password', diff=True, writes=('PUT 200',)),
        Scenario('auth-create', 'secrets', 'create a key (its secret is returned at api_key.key only)', CREATE, diff=True,
                 writes=('POST 200',), created_name=NEW_NAME, secret_returned=True),
        Scenario('auth-create-inactive', 'secrets', 'create a key in state inactive (POST then PUT)',
                 dict(CREATE, state='inactive'), diff=True, writes=('POST 200', 'PUT 200'), created_name=NEW_NAME,
                 secret_returned=True),
        Scenario('auth-delete', 'secrets', 'delete a key with a password', dict(key_id='{key_id}', state='absent'),
                 auth='password', diff=True, writes=('DELETE 200',)),
    ]


SCENARIOS = _retries() + _answers() + _check_mode() + _creation() + _bad_input() + _transport() + _hostile() + _auth()


def scenario_ids():
    return [scenario.title for scenario in SCENARIOS]


def of_group(name):
    """The scenarios of one group, in list order."""
    return [scenario for scenario in SCENARIOS if scenario.group == name]


def params(name):
    """pytest parameters (id: the title) for the scenarios of one group."""
    return [pytest.param(scenario, id=scenario.title) for scenario in of_group(name)]


# ---------------------------------------------------------------------------------------------------------------------
# Running a scenario
# ---------------------------------------------------------------------------------------------------------------------

@dataclasses.dataclass
class Outcome:
    """What happened when a scenario ran."""

    scenario: Scenario
    result: harness.ModuleResult
    log: list
    problems: list
    target: dict = None
    proxied: list = None
    context: dict = None

    @property
    def verdict(self):
        return 'pass' if not self.problems else 'FAIL: ' + '; '.join(self.problems)


def resolve(value, context):
    """value with each {name} of context replaced (in strings inside lists and dicts too; other braces stay)."""
    if isinstance(value, str):
        for name, replacement in context.items():
            value = value.replace('{%s}' % name, str(replacement))
        return value
    if isinstance(value, list):
        return [resolve(item, context) for item in value]
    if isinstance(value, tuple):
        return tuple(resolve(item, context) for item in value)
    if isinstance(value, dict):
        return {name: resolve(item, context) for name, item in value.items()}
    return value


def every_secret(bench, extra=()):
    """Every secret the portal holds or that a run might have used."""
    portal = bench.emulator.portal
    with portal.lock:
        secrets = [key.secret for key in portal.state.keys.values()]
        secrets += list(portal.state.sessions)
    secrets += [user['password'] for user in bench.users.values()]
    secrets += [user['api_key'] for user in bench.users.values()]
    secrets += [WRONG_SECRET, WRONG_PASSWORD, WRONG_TOKEN, NON_LATIN1_PASSWORD, harness.NETRC_CREDENTIALS[1]]
    return sorted(set(secret for secret in list(secrets) + list(extra) if secret and secret.strip()))  # blank: no secret


def run_scenario(bench, scenario):
    """Run scenario on the bench; the Outcome says what happened and what was wrong."""
    main = harness.module_main(scenario.module)
    shared = bench.https if scenario.emulator == 'https' else bench.http
    emulator = shared
    if scenario.fresh_emulator:
        tls = dict(tls_cert=bench.tls['cert'], tls_key=bench.tls['key']) if scenario.emulator == 'https' else {}
        emulator = Emulator(**tls).start()
    bench.use(emulator)
    bench.reset()
    proxy = harness.ForwardProxy(drop_reused_once=scenario.proxy_drops) if scenario.proxy else None
    hostile = harness.HostileServer(scenario.hostile) if scenario.hostile else None
    try:
        return _run(bench, scenario, main, proxy, hostile)
    finally:
        emulator.faults.clear()
        if proxy:
            proxy.stop()
        if hostile:
            hostile.stop()
        if emulator is not shared:
            emulator.stop()
        bench.use(bench.http)


def _run(bench, scenario, main, proxy, hostile=None):
    target = bench.add_key(**scenario.target) if scenario.target is not None else None
    context = dict(
        url=bench.emulator.url, netloc=bench.emulator.netloc, port=bench.emulator.port,
        key_id=target['id'] if target else '', key_id_upper=target['id'].upper() if target else '',
        key_id_short=target['id'][:-1] if target else '', key_secret=target['key'] if target else '', unknown_id=UNKNOWN_ID,
        password=bench.users['owner']['password'], api_key=bench.secret('owner'), ca_path=(bench.tls or {}).get('ca', ''),
        other_ca=(bench.tls or {}).get('other_ca', ''), proxy_url=proxy.url if proxy else '',
        tls_key=(bench.tls or {}).get('key', ''), netrc_home=bench.netrc_home, hostile_url=hostile.url if hostile else '',
    )
    for method, path, steps in scenario.faults:
        bench.fault(method, path, *resolve(steps, context))
    args = bench.connection(scenario.auth)
    if hostile:
        args['base_url'] = hostile.url
    args.update(resolve(scenario.connection, context))
    args.update(resolve(scenario.task, context))
    args = {name: value for name, value in args.items() if value is not None}
    bench.forget_requests()
    started = time.monotonic()
    result = harness.run_module(main, args, check_mode=scenario.check_mode, diff=scenario.diff,
                                env=resolve(scenario.env, context))
    if scenario.settle:
        time.sleep(max(0.0, started + result.elapsed + scenario.settle - time.monotonic()))
    outcome = Outcome(scenario, result, bench.log(), [], target, list(proxy.seen) if proxy else None, context)
    outcome.problems = evaluate(bench, outcome, args)
    return outcome


def write_line(entry):
    return '%s %s' % (entry['method'], entry['status'] if entry['status'] is not None else 'reset')


def evaluate(bench, outcome, args):  # pylint: disable=too-many-branches
    """Every expectation of the scenario and every global invariant that does not hold, as short sentences."""
    scenario, result, log = outcome.scenario, outcome.result, outcome.log
    problems = []
    if result.outcome != scenario.expect:
        problems.append('expected %s, got %s (%s)' % (scenario.expect, result.outcome, result.message or result.crash))
    if result.crash or result.failed:
        problems.extend(harness.problems_with_failure(result))
    if result.failed and result.get('changed'):
        problems.append('a failure reported changed')
    problems.extend('msg lacks %r' % fragment for fragment in scenario.message if fragment not in result.message)
    problems.extend('msg shows %r' % fragment for fragment in scenario.hidden if fragment in result.message)
    problems.extend('the result shows %r' % fragment for fragment in scenario.hidden_anywhere
                    if fragment in result.stdout + result.stderr)
    if scenario.status is not None and result.get('status') != scenario.status:
        problems.append('status %r, not %r' % (result.get('status'), scenario.status))
    writes = [write_line(entry) for entry in harness.writes(log)]
    if scenario.check_mode and writes:
        problems.append('check mode wrote: %s' % ', '.join(writes))
    if scenario.writes is not None and tuple(writes) != tuple(scenario.writes):
        problems.append('writes %s, not %s' % (list(writes), list(scenario.writes)))
    if scenario.no_requests and log:
        problems.append('%d request(s) sent although the input was refused' % len(log))
    if scenario.min_seconds is not None and result.elapsed < scenario.min_seconds:
        problems.append('took %.2f s, less than %.2f s' % (result.elapsed, scenario.min_seconds))
    if scenario.max_seconds is not None and result.elapsed > scenario.max_seconds:
        problems.append('took %.2f s, more than %.2f s' % (result.elapsed, scenario.max_seconds))
    problems.extend(_creation_problems(bench, scenario, result))
    if scenario.warning and not any(scenario.warning in text for text in result.warnings):
        problems.append('no warning about %r' % scenario.warning)
    if scenario.final and outcome.target:
        after = bench.key(outcome.target['id']) or {}
        for field, wanted in scenario.final.items():
            if after.get(field) != wanted:
                problems.append('key %s is %r, not %r' % (field, after.get(field), wanted))
    if scenario.proxy and not outcome.proxied:
        problems.append('the proxy forwarded nothing')
    if scenario.proxy_drops and not any(entry[0].startswith('DROPPED') for entry in outcome.proxied or ()):
        problems.append('the proxy dropped no request')
    secrets = every_secret(bench, [str(args.get(option) or '') for option in ('api_key', 'auth_token', 'password')])
    problems.extend('secret %s in the result' % leak for leak in harness.secrets_outside_return_key(result, secrets))
    agents = sorted(set(str(entry.get('user_agent')) for entry in log) - {harness.client_module().USER_AGENT})
    problems.extend('request with User-Agent %r' % agent for agent in agents)
    return problems


def _creation_problems(bench, scenario, result):
    problems = []
    if scenario.created_name is not None:
        made = bench.keys_named(scenario.created_name)
        if len(made) > 1:
            problems.append('%d keys named %r' % (len(made), scenario.created_name))
        if result.changed and not result.failed and not scenario.check_mode and len(made) != 1:
            problems.append('%d keys named %r after a creation' % (len(made), scenario.created_name))
        if result.failed and not scenario.settle and made:
            problems.append('a failed creation left a key')
    returned = (result.get('api_key') or {}).get('key') if isinstance(result.get('api_key'), dict) else None
    if scenario.secret_returned is True:
        portal = bench.emulator.portal
        with portal.lock:
            real = [key.secret for key in portal.state.keys.values() if key.name == scenario.created_name]
        if not returned or returned not in real:
            problems.append('the new secret is not at api_key.key')
    if scenario.secret_returned is False and returned:
        problems.append('a secret was returned for a key this run did not create')
    return problems
