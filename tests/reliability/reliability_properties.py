# -*- coding: utf-8 -*-
# Copyright (c) onlyoffice.docspace contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Hypothesis strategies and the checks of the property tests, shared by the tests and report.py.

Two spaces are explored:

- the argument space of the modules (names of any length and script, scope lists with duplicates, wrong case and
  blanks, malformed key ids, base URLs without a scheme or with paths, odd credentials, check mode or not): the module
  must do the right thing or fail with one clear line, never a traceback, and never send anything after refusing
  its input;
- the answer space of the portal (random JSON, damaged JSON, truncated text, keys with fields of the wrong type): the
  client and the modules must turn any of it into a result or a DocSpaceError, never anything else.
"""

from __future__ import annotations

import collections
import json
import uuid
from urllib.parse import urlsplit

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

import reliability_harness as harness  # pylint: disable=import-error
from docspace_emulator import SCOPE_CATALOGUE  # pylint: disable=import-error

CATALOGUE = list(SCOPE_CATALOGUE)
ASTRAL = '\U0001F600'
NAME_MAX = 30
# Anything not on loopback goes to this proxy, where nothing listens: random URLs never leave the machine.
DEAD_PROXY = 'http://127.0.0.1:9'
OFFLINE_ENV = dict(HTTP_PROXY=DEAD_PROXY, HTTPS_PROXY=DEAD_PROXY, NO_PROXY='127.0.0.1,localhost')


class Ref:
    """A value known only when the example runs (the emulator URL, the target key id...), with text around it."""

    def __init__(self, name, prefix='', suffix=''):
        self.name, self.prefix, self.suffix = name, prefix, suffix

    def __repr__(self):
        return 'Ref(%r, %r, %r)' % (self.name, self.prefix, self.suffix)

    def resolve(self, context):
        return self.prefix + str(context[self.name]) + self.suffix


def resolve(value, context):
    if isinstance(value, Ref):
        return value.resolve(context)
    if isinstance(value, list):
        return [resolve(item, context) for item in value]
    if isinstance(value, dict):
        return {name: resolve(item, context) for name, item in value.items()}
    return value


# ---------------------------------------------------------------------------------------------------------------------
# The argument space
# ---------------------------------------------------------------------------------------------------------------------

NAMES = st.one_of(
    st.none(),
    st.text(max_size=34),
    st.sampled_from(['', ' ', '\t\n', 'n' * NAME_MAX, 'n' * (NAME_MAX + 1), ASTRAL * 15, ASTRAL * 15 + 'a', 'rel-target',
                     ' rel-target', 'r\u00e9l \u043a\u043b\u044e\u0447 \u952e', 'a\nb', '\u200b']),
    st.text(alphabet=st.characters(min_codepoint=0x10000, max_codepoint=0x1FFFF), min_size=14, max_size=16),
)
SCOPES = st.one_of(
    st.sampled_from(CATALOGUE),
    st.sampled_from(['Files:Read', 'FILES:READ', 'files:Read', ' files:read', 'files:read ', '', ' ', 'rooms:delete', '*:READ']),
    st.text(max_size=12),
)
PERMISSIONS = st.one_of(
    st.none(),
    st.lists(SCOPES, max_size=5),
    st.lists(st.sampled_from(CATALOGUE[3:]), min_size=1, max_size=6),  # duplicates are likely
)
KEY_IDS = st.one_of(
    st.none(),
    st.sampled_from([Ref('key_id'), Ref('key_id_upper'), Ref('key_id', '{', '}'), Ref('key_id', ' ', '\n'),
                     Ref('key_id_short'), Ref('key_id', '', '0'), Ref('key_id', 'urn:uuid:')]),
    st.uuids().map(str),
    st.text(max_size=40),
)
STATES = st.one_of(st.none(), st.sampled_from(['active', 'inactive', 'absent']))
BASE_URLS = st.one_of(
    st.sampled_from([Ref('url'), Ref('url', '', '/'), Ref('url', '', '/api/2.0'), Ref('url', '', '/API/2.0/'),
                     Ref('url', ' ', ' '), Ref('url', '', '?tenant=1#x'), Ref('netloc'), Ref('url', '', '/docspace'),
                     Ref('netloc', 'ftp://'), Ref('netloc', '//'), Ref('netloc', 'HTTP://')]),
    st.sampled_from(['http://', 'https://[::1', 'http://127.0.0.1:99999', 'localhost', 'http://:80', 'http://[::1]:9']),
    st.text(max_size=30),
    st.text(max_size=20).map(lambda text: 'http://' + text),
)
CREDENTIALS = st.one_of(
    st.just(dict(api_key=Ref('api_key'))),
    st.just(dict(api_key=Ref('api_key', 'Bearer '))),
    st.just(dict(api_key=Ref('api_key', ' ', '\u200b'))),
    st.just(dict(username='owner', password=Ref('password'))),
    st.builds(dict, api_key=st.text(max_size=70)),
    st.builds(dict, auth_token=st.text(max_size=40)),
    st.builds(dict, username=st.text(max_size=12), password=st.text(max_size=12)),
)
EXPIRES = st.one_of(st.none(), st.integers(-3, 400))

VALID = {
    'name': st.sampled_from([None, 'rel-target', 'rel-new', 'renamed', ASTRAL * 15, 'n' * NAME_MAX]),
    'permissions': st.one_of(st.none(), st.lists(st.sampled_from(CATALOGUE), min_size=1, max_size=4)),
    'key_id': st.sampled_from([None, Ref('key_id'), Ref('key_id_upper'), Ref('key_id', '{', '}')]),
    'state': STATES,
    'base_url': st.sampled_from([Ref('url'), Ref('url', '', '/'), Ref('url', '', '/api/2.0')]),
    'credentials': st.sampled_from([dict(api_key=Ref('api_key')), dict(username='owner', password=Ref('password'))]),
    'expires_in_days': st.sampled_from([None, 1, 30, 365]),
    'owned_by_me': st.one_of(st.none(), st.booleans()),
    'active': st.one_of(st.none(), st.booleans()),
    'expired': st.one_of(st.none(), st.booleans()),
    'current': st.booleans(),
}
ANYTHING = dict(VALID, name=NAMES, permissions=PERMISSIONS, key_id=KEY_IDS, base_url=BASE_URLS, credentials=CREDENTIALS,
                expires_in_days=EXPIRES)
KEY_OPTIONS = ('name', 'permissions', 'key_id', 'state', 'base_url', 'credentials', 'expires_in_days')
INFO_OPTIONS = ('name', 'key_id', 'base_url', 'credentials', 'owned_by_me', 'active', 'expired', 'current')


@st.composite
def tasks(draw, options):
    """A task that is valid but for up to three options drawn from the whole space (often one, sometimes none)."""
    task = {option: draw(VALID[option]) for option in options}
    for option in draw(st.lists(st.sampled_from(options), max_size=3, unique=True)):
        task[option] = draw(ANYTHING[option])
    task['check_mode'] = draw(st.booleans())
    task['diff'] = draw(st.booleans())
    return task


KEY_TASKS = tasks(KEY_OPTIONS)
INFO_TASKS = tasks(INFO_OPTIONS)


def utf16_length(text):
    return len(text.encode('utf-16-le', 'surrogatepass')) // 2


def is_uuid(text):
    try:
        uuid.UUID(str(text).strip())
        return True
    except ValueError:
        return False


def url_is_usable(url):
    try:
        parts = urlsplit((url or '').strip())
        return parts.scheme in ('http', 'https') and bool(parts.hostname) and (parts.port or True)
    except ValueError:
        return False


def header_is_sendable(value):
    try:
        value.encode('latin-1')
    except UnicodeEncodeError:
        return False
    return not any(char in value for char in '\r\n\0')


def refused_up_front(module, args):
    """Why the inputs can only be refused (so nothing may be sent), by the rules of the README, or None.

    Written independently of the module's own checks: it is the oracle they are held to.
    """
    reasons = []
    credentials = [option for option in ('api_key', 'auth_token', 'username') if option in args]
    if len(credentials) != 1:
        reasons.append('not exactly one way to authenticate')
    elif credentials == ['api_key'] and args['api_key'] and not header_is_sendable(args['api_key'].strip()):
        reasons.append('api_key cannot go in a header')
    elif credentials == ['auth_token'] and args['auth_token'] and not header_is_sendable(args['auth_token'].strip()):
        reasons.append('auth_token cannot go in a header')
    if not url_is_usable(args.get('base_url')):
        reasons.append('base_url unusable')
    if args.get('key_id') is not None and not is_uuid(args['key_id']):
        reasons.append('key_id not a UUID')
    if module == 'docspace_api_key_info':
        if args.get('current') and credentials != ['api_key']:
            reasons.append('current needs api_key')
        return reasons
    if args.get('key_id') is None and args.get('name') is None:
        reasons.append('neither key_id nor name')
    name = args.get('name')
    if name is not None and (not name.strip() or utf16_length(name) > NAME_MAX):
        reasons.append('name blank or too long')
    permissions = args.get('permissions')
    if permissions is not None and (not permissions or any(not scope.strip() for scope in permissions)):
        reasons.append('permissions empty or with a blank')
    days = args.get('expires_in_days')
    if days is not None and not 1 <= days <= 365:
        reasons.append('expires_in_days out of range')
    return reasons


def task_arguments(bench, example, target):
    """The module arguments of an example, on this bench, for the target key."""
    context = dict(url=bench.emulator.url, netloc=bench.emulator.netloc, key_id=target['id'], key_id_upper=target['id'].upper(),
                   key_id_short=target['id'][:-1], api_key=bench.secret('owner'), password=bench.users['owner']['password'])
    args = dict(resolve(example['credentials'], context))
    for option, value in example.items():
        if option not in ('credentials', 'check_mode', 'diff') and value is not None:
            args[option] = resolve(value, context)
    args.update(retries=0, timeout=5)
    return args


def portal_state(bench):
    """The keys as a comparable set (lastUsed changes on every API-key request, so it is left out)."""
    return sorted(json.dumps({field: value for field, value in key.items() if field != 'lastUsed'}, sort_keys=True)
                  for key in bench.keys())


def check_task(bench, module, example):
    """Run one example of the argument space; returns (outcome, problems)."""
    bench.use(bench.http)
    bench.reset()
    target = bench.add_key(name='rel-target', permissions=['files:read'])
    args = task_arguments(bench, example, target)
    before = portal_state(bench)
    bench.forget_requests()
    main = harness.module_main(module)
    result = harness.run_module(main, args, check_mode=example['check_mode'], diff=example.get('diff', False), env=OFFLINE_ENV)
    log = bench.log()
    writes = harness.writes(log)
    landed = [entry for entry in writes if entry['status'] is not None and 200 <= entry['status'] < 300]
    problems = []
    if result.crash or result.failed:
        problems.extend(harness.problems_with_failure(result))
    reasons = refused_up_front(module, args)
    if reasons and not result.failed:
        problems.append('accepted input that must be refused (%s)' % ', '.join(reasons))
    if reasons and log:
        problems.append('sent %d request(s) for input that must be refused (%s)' % (len(log), ', '.join(reasons)))
    if result.failed and (landed or portal_state(bench) != before):
        problems.append('failed, yet the portal changed')
    if result.failed and result.get('changed'):
        problems.append('a failure reported changed')
    if example['check_mode'] and writes:
        problems.append('check mode sent %s' % ', '.join(entry['method'] for entry in writes))
    if not result.failed and not example['check_mode'] and result.changed != bool(landed):
        problems.append('changed is %s but %d write(s) landed' % (result.changed, len(landed)))
    # Credentials drawn at random count from 8 characters on (a shorter string shows up in any text by chance).
    given = [str(args[option]) for option in ('api_key', 'auth_token', 'password') if len(str(args.get(option) or '')) >= 8]
    secrets = [bench.secret('owner'), bench.users['owner']['password']] + given
    problems.extend('secret %s in the result' % leak for leak in harness.secrets_outside_return_key(result, secrets))
    if not result.failed and not problems:
        problems.extend(rerun_problems(main, args, result, example['check_mode']))
    return result.outcome, problems


def rerun_problems(main, args, first, check_mode):
    """After a check-mode run, the real run changes exactly when check mode said so; after a real run, a rerun is ok."""
    again = harness.run_module(main, args, env=OFFLINE_ENV)
    if again.crash:
        return ['the second run crashed: ' + again.crash.strip().splitlines()[-1]]
    if check_mode and not again.failed and again.changed != first.changed:
        return ['check mode said changed=%s, the real run changed=%s' % (first.changed, again.changed)]
    if not check_mode and (again.failed or again.changed):
        return ['not idempotent: the same task run again was %s (%s)' % (again.outcome, again.message)]
    return []


# ---------------------------------------------------------------------------------------------------------------------
# The answer space
# ---------------------------------------------------------------------------------------------------------------------

JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4),
    max_leaves=12,
)
DATES = st.sampled_from(['2026-07-01T10:00:00.0000000Z', '2020-01-01T00:00:00Z', '0001-01-01T00:00:00-14:00',
                         '9999-12-31T23:59:59.9999999+14:00', '2026-02-30T10:00:00Z', '2026-07-01 10:00', 'yesterday', ''])
WRONG_TYPES = st.one_of(st.integers(), st.floats(allow_nan=False), st.booleans(), st.text(max_size=8),
                        st.dictionaries(st.text(max_size=3), JSON_VALUES, max_size=2), st.lists(JSON_VALUES, min_size=1, max_size=3))
JUNK = st.one_of(st.none(), WRONG_TYPES)
TEMPLATE_ID = '3fa85f64-5717-4562-b3fc-2c963f66afa6'
# Per field: what a portal sends, and values of every other JSON type.
KEY_FIELDS = {
    'name': st.one_of(st.sampled_from(['rel-target', 'renamed', '']), JUNK),
    'key': st.one_of(st.just('sk-***9f3a'), JUNK),
    'keyPostfix': st.one_of(st.just('9f3a'), JUNK),
    'permissions': st.one_of(st.lists(st.sampled_from(CATALOGUE + ['Files:Read', '']), max_size=4), JUNK),
    'lastUsed': st.one_of(DATES, JUNK),
    'createOn': st.one_of(DATES, JUNK),
    'createBy': st.one_of(st.fixed_dictionaries({'id': st.one_of(st.uuids().map(str), JUNK), 'displayName': JUNK}), JUNK),
    'expiresAt': st.one_of(DATES, JUNK),
    'isActive': st.one_of(st.booleans(), JUNK),
}


OWNER_TEMPLATE = '__owner_id__'


@st.composite
def damaged_keys(draw, key_id=TEMPLATE_ID):
    """A key as the portal lists it, with up to two fields dropped and one or two set to any value."""
    key = {'id': key_id, 'name': 'rel-target', 'key': 'sk-***9f3a', 'keyPostfix': '9f3a', 'permissions': ['files:read'],
           'createOn': '2026-07-01T10:00:00.0000000Z', 'createBy': {'id': OWNER_TEMPLATE, 'displayName': 'Olga Owner'},
           'isActive': True}
    for field in draw(st.lists(st.sampled_from(sorted(key)), max_size=2, unique=True)):
        del key[field]
    for field in draw(st.lists(st.sampled_from(sorted(KEY_FIELDS) + ['id']), min_size=1, max_size=2, unique=True)):
        key[field] = draw(st.one_of(st.just(key_id.upper()), JUNK) if field == 'id' else KEY_FIELDS[field])
    return key


@st.composite
def keys_answers(draw, key_id=TEMPLATE_ID):
    """A body for GET /keys: an envelope around damaged keys, random JSON, or text cut short."""
    keys = draw(st.lists(st.one_of(damaged_keys(key_id), damaged_keys(key_id), damaged_keys(key_id), JSON_VALUES), min_size=1, max_size=3))
    kind = draw(st.sampled_from(['envelope'] * 9 + ['random', 'truncated', 'text']))
    if kind == 'envelope':
        return json.dumps({'response': keys, 'count': 1, 'status': 0, 'statusCode': 200})
    if kind == 'random':
        return json.dumps(draw(JSON_VALUES))
    if kind == 'truncated':
        text = json.dumps({'response': keys})
        return text[:draw(st.integers(0, max(0, len(text) - 1)))]
    return draw(st.text(max_size=60))


STATUSES = st.sampled_from([200, 200, 200, 201, 204, 301, 400, 401, 403, 404, 405, 409, 415, 429, 500, 502, 503, 504, 599])
ANSWER_BODIES = st.one_of(
    st.text(max_size=80),
    JSON_VALUES.map(json.dumps),
    st.builds(lambda value: json.dumps({'response': value}), JSON_VALUES),
    st.builds(lambda value: json.dumps({'error': value, 'status': 1}), JSON_VALUES),
    st.builds(lambda message, stack: json.dumps({'error': {'message': message, 'stack': stack}}), JSON_VALUES, st.text(max_size=20)),
    st.builds(lambda errors: json.dumps({'response': {'title': 'One or more validation errors occurred.', 'errors': errors}}), JSON_VALUES),
    st.builds(lambda text, cut: text[:cut], JSON_VALUES.map(lambda value: json.dumps({'response': value})), st.integers(0, 40)),
)


def check_answer(status, text):
    """read_answer on any status and body: a value or a DocSpaceError with one message, never anything else."""
    client = harness.client_module()
    try:
        client.read_answer(status, text, 'GET', 'http://portal.test/api/2.0/keys')
    except client.DocSpaceError as exc:
        problems = []
        if not isinstance(exc.message, str) or not exc.message.strip():
            problems.append('empty message')
        if not 200 <= status < 300 and exc.status != status:
            problems.append('status %r, not %r' % (exc.status, status))
        return 'DocSpaceError', problems
    except Exception as exc:  # pylint: disable=broad-exception-caught
        return 'crashed', ['%s: %s' % (type(exc).__name__, exc)]
    return 'value', []


def check_keys_answer(bench, module, status, body, check_mode):
    """Both modules, when GET /keys answers status with body: a result or one clear failure (no write in check mode).

    TEMPLATE_ID in body stands for the id of the key the task is about.
    """
    bench.use(bench.http)
    bench.reset()
    target = bench.add_key(name='rel-target', permissions=['files:read'])
    body = body.replace(TEMPLATE_ID, target['id']).replace(TEMPLATE_ID.upper(), target['id'].upper())
    body = body.replace(OWNER_TEMPLATE, bench.users['owner']['id'])
    bench.fault('GET', r'^/api/2\.0/keys$', dict(action='respond', status=status, body=body, content_type='application/json'))
    tasks = {
        'docspace_api_key': [dict(key_id=target['id'], name='renamed', permissions=['rooms:read'], state='inactive'),
                             dict(name='rel-target', permissions=['rooms:read'], expires_in_days=30),
                             dict(name='rel-target', state='absent')],
        'docspace_api_key_info': [dict(expired=False), dict(owned_by_me=True, active=True)],
    }[module]
    task = tasks[sum(map(ord, body)) % len(tasks)]
    args = dict(bench.connection(retries=0, timeout=5), **task)
    result = harness.run_module(harness.module_main(module), args, check_mode=check_mode, diff=True)
    problems = harness.problems_with_failure(result) if (result.crash or result.failed) else []
    if check_mode and harness.writes(bench.log()):
        problems.append('check mode wrote')
    bench.emulator.faults.clear()
    return result.outcome, problems


# ---------------------------------------------------------------------------------------------------------------------
# Exploring without failing (report.py): the same strategies and checks, derandomized, tallied
# ---------------------------------------------------------------------------------------------------------------------

def explore(strategy, check, max_examples):
    """Run check(example) on max_examples derandomized examples; returns (Counter of outcomes, [(example, problems)])."""
    tally = collections.Counter()
    failures = []

    @settings(max_examples=max_examples, derandomize=True, deadline=None, database=None, phases=[Phase.generate],
              suppress_health_check=list(HealthCheck))
    @given(strategy)
    def run(example):
        outcome, problems = check(example)
        tally[outcome] += 1
        if problems:
            failures.append((example, problems))

    run()  # pylint: disable=no-value-for-parameter
    return tally, failures
