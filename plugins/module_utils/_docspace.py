# -*- coding: utf-8 -*-
# Copyright (c) onlyoffice.docspace contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""HTTP client and shared connection options of the onlyoffice.docspace collection.

This module_util is private to the collection: its interface may change at any time.
"""

from __future__ import annotations

import json
import math
import re
import traceback
import warnings

from ansible.module_utils.basic import env_fallback, missing_required_lib

REQUESTS_IMPORT_ERROR = None
try:
    import requests
    from requests.adapters import HTTPAdapter
    from urllib3.exceptions import ProtocolError, ProxyError
    from urllib3.util.retry import Retry
except ImportError:
    REQUESTS_IMPORT_ERROR = traceback.format_exc()
    Retry = object  # the modules fail with missing_required_lib('requests') before any retry policy is made

from http.client import HTTPException
from urllib.parse import urlsplit, urlunsplit

COLLECTION_VERSION = '0.2.0'
USER_AGENT = 'onlyoffice.docspace-ansible/%s' % COLLECTION_VERSION
API_PREFIX = '/api/2.0'

# Statuses a proxy or the portal's rate limiter answers while a retry may succeed.
RETRY_STATUSES = (429, 502, 503, 504)
# POST /keys is not idempotent: a retried creation could make a second key.
RETRY_METHODS = frozenset(('GET', 'PUT', 'DELETE'))
BACKOFF_FACTOR = 0.5
BACKOFF_JITTER = 0.25

AUTH_OPTIONS = ('api_key', 'auth_token', 'username')


def docspace_argument_spec():
    """Connection options shared by every module of the collection (see the docspace doc fragment)."""
    return dict(
        base_url=dict(type='str', required=True, aliases=['url'], fallback=(env_fallback, ['DOCSPACE_URL'])),
        api_key=dict(type='str', no_log=True, fallback=(env_fallback, ['DOCSPACE_API_KEY'])),
        auth_token=dict(type='str', no_log=True, fallback=(env_fallback, ['DOCSPACE_AUTH_TOKEN'])),
        username=dict(type='str', fallback=(env_fallback, ['DOCSPACE_USERNAME'])),
        password=dict(type='str', no_log=True, fallback=(env_fallback, ['DOCSPACE_PASSWORD'])),
        validate_certs=dict(type='bool', default=True, fallback=(env_fallback, ['DOCSPACE_VALIDATE_CERTS'])),
        ca_path=dict(type='path'),
        timeout=dict(type='float', default=30, fallback=(env_fallback, ['DOCSPACE_TIMEOUT'])),
        retries=dict(type='int', default=3, fallback=(env_fallback, ['DOCSPACE_RETRIES'])),
    )


def docspace_argument_rules(**module_rules):
    """AnsibleModule keyword arguments that go with docspace_argument_spec(), merged with the module's own rules."""
    rules = dict(
        mutually_exclusive=[AUTH_OPTIONS],
        required_one_of=[AUTH_OPTIONS],
        required_together=[('username', 'password')],
    )
    for rule, groups in module_rules.items():
        rules[rule] = rules.get(rule, []) + list(groups)
    return rules


class DocSpaceError(Exception):
    """Any failure to get a usable answer from the portal, as one sentence plus the HTTP status if there was one."""

    def __init__(self, message, status=None, timed_out=False, **result):
        super().__init__(message)
        self.message = message
        self.status = status
        # The request was sent and no answer came in time: the portal may still be carrying it out.
        self.timed_out = timed_out
        # What the task did before it failed (for example changed=True and the key it created), for the result.
        self.result = result

    def fail_kwargs(self):
        """Keyword arguments for AnsibleModule.fail_json()."""
        kwargs = dict(self.result, msg=self.message)
        if self.status is not None:
            kwargs['status'] = self.status
        return kwargs


def api_root(base_url):
    """Return the portal's API root (…/api/2.0) for whatever form of the portal URL the user gave."""
    url = (base_url or '').strip()
    try:
        parts = urlsplit(url)
        usable = parts.scheme in ('http', 'https') and parts.hostname and (parts.port or True)
    except ValueError:  # e.g. an unclosed IPv6 bracket or a port out of range
        usable = False
    if not usable:
        raise DocSpaceError('base_url must be an http:// or https:// URL of the portal, for example https://portal.example.com; got %r.'
                            % public_url(url))
    path = parts.path.rstrip('/')
    if path.lower().endswith(API_PREFIX):
        path = path[:-len(API_PREFIX)].rstrip('/')
    return urlunsplit((parts.scheme, parts.netloc, path + API_PREFIX, '', ''))


def public_url(url):
    """The URL without user information or query, safe to show in messages."""
    try:
        parts = urlsplit(url)
        netloc = parts.netloc.rpartition('@')[2]
        return urlunsplit((parts.scheme, netloc, parts.path, '', ''))
    except ValueError:
        return '<unparsable URL>'


def authorization_header(api_key=None, auth_token=None):
    """The Authorization header for an API key (after 'Bearer ') or a session token (as it is)."""
    if api_key:
        api_key = api_key.strip()
        return api_key if api_key.startswith('Bearer ') else 'Bearer ' + api_key
    if auth_token:
        return auth_token.strip()
    return None


def header_problem(value):
    """Why a credential cannot be sent in the Authorization header, or None (never quoting it: it is a secret)."""
    try:
        value.encode('latin-1')
    except UnicodeEncodeError:
        return 'contains characters that cannot be sent in an HTTP header; check for pasted quotes or invisible characters.'
    if any(char in value for char in '\r\n\0'):
        return 'contains a line break or NUL character, which cannot be sent in an HTTP header.'
    return None


def basic_auth_text(text):
    """A user name or password for HTTP Basic: requests encodes text as Latin-1, so anything beyond ASCII goes as UTF-8."""
    return text if text.isascii() else text.encode('utf-8')


def make_retry(retries):
    """urllib3 Retry policy: back-off with jitter on connection errors and busy answers, never for POST."""
    kwargs = dict(
        total=retries,
        connect=retries,
        read=retries,
        status=retries,
        other=0,
        allowed_methods=RETRY_METHODS,
        status_forcelist=RETRY_STATUSES,
        backoff_factor=BACKOFF_FACTOR,
        respect_retry_after_header=True,
        raise_on_status=False,
        raise_on_redirect=False,
    )
    try:
        return DocSpaceRetry(backoff_jitter=BACKOFF_JITTER, **kwargs)
    except TypeError:  # urllib3 < 2 has no jitter
        return DocSpaceRetry(**kwargs)


class DocSpaceRetry(Retry):
    """urllib3's Retry, with a connection that an HTTP proxy dropped mid-request counted as a read error, and a
    creation (POST) re-sent only after HTTP 503.

    urllib3 reports a kept-alive connection that a forward proxy closed without answering as a ProxyError, which
    Retry counts under 'other' (0 here: 'other' would re-send POST too). The same drop on a direct connection is a
    ProtocolError: a read error, retried for GET, PUT and DELETE only. This makes the two cases the same.
    """

    def is_retry(self, method, status_code, has_retry_after=False):
        if method == 'POST':
            # A 503 means the portal did not take the request: the one answer after which a creation can be sent
            # again without risking a second key.
            return status_code == 503 and bool(self.total)
        return super().is_retry(method, status_code, has_retry_after)

    def increment(self, method=None, url=None, response=None, error=None, _pool=None, _stacktrace=None):
        if isinstance(error, ProxyError) and isinstance(getattr(error, 'original_error', None), (HTTPException, ConnectionError)):
            error = ProtocolError('Connection aborted.', error.original_error)
        return super().increment(method, url, response, error, _pool, _stacktrace)


# ---------------------------------------------------------------------------------------------------------------------
# Reading answers. DocSpace wraps every success in {"response": ...}. Errors come in three shapes: an exception
# envelope {"error": {"message", "stack", ...}} (only the message is shown, never the .NET stack), an RFC 9110
# validation problem wrapped in the success envelope, or an empty body (401, 403, 404, 405, 429).
# ---------------------------------------------------------------------------------------------------------------------

STATUS_MEANINGS = {
    401: 'authentication failed: the API key, token or user name and password were refused '
         '(wrong, inactive, expired, or the user is disabled)',
    403: 'not allowed: the credentials are valid but may not do this',
    404: 'not found: no such endpoint or object; check that base_url is the portal URL',
    405: 'method not allowed; check that base_url is the portal URL',
    429: 'too many requests: the portal rate limit was hit and retries did not get through; try again later',
    502: 'bad gateway: a proxy in front of the portal got no answer from it',
    503: 'service unavailable: the portal or a proxy in front of it is restarting or overloaded',
    504: 'gateway time-out: a proxy in front of the portal gave up waiting for it',
}


NOT_JSON = object()


def parse_json(text):
    """The JSON value of text, or NOT_JSON when it is empty or not JSON."""
    if not text or not text.strip():
        return NOT_JSON
    try:
        return json.loads(text)
    except ValueError:
        return NOT_JSON


def looks_like_html(text):
    head = (text or '').lstrip()[:200].lower()
    return head.startswith('<!doctype html') or head.startswith('<html') or '<html' in head or '<head' in head


def describe_body(text):
    """A short description of a body that is not DocSpace JSON (never its content: it may be a login page)."""
    if not text or not text.strip():
        return 'an empty body'
    if looks_like_html(text):
        return 'an HTML page'
    if parse_json(text) is not NOT_JSON:
        return 'JSON of another shape'
    return 'a body that is not JSON (%d bytes)' % len(text.encode('utf-8', 'replace'))


def portal_message(data):
    """The portal's own explanation in an error envelope or a validation problem, or None."""
    if not isinstance(data, dict):
        return None
    error = data.get('error')
    if isinstance(error, dict) and isinstance(error.get('message'), str) and error['message'].strip():
        return error['message'].strip()
    problem = data.get('response')
    if isinstance(problem, dict) and ('errors' in problem or 'title' in problem):
        return validation_message(problem)
    return None


def validation_message(problem):
    """'Name: too long; Permissions: ...' from an RFC 9110 problem object."""
    errors = problem.get('errors')
    details = []
    if isinstance(errors, dict):
        for field in sorted(errors, key=str):
            messages = errors[field]
            if isinstance(messages, list):
                messages = ' '.join(str(m) for m in messages)
            details.append('%s: %s' % (field or 'body', messages))
    if details:
        return '; '.join(details)
    title = problem.get('title')
    return str(title) if title else None


def read_answer(status, text, method, url):
    """The value inside a DocSpace success envelope; DocSpaceError for anything else.

    Pure function of the HTTP status and body so that every shape of answer can be unit-tested.
    """
    where = '%s %s' % (method, public_url(url))
    data = parse_json(text)
    if 200 <= status < 300:
        if isinstance(data, dict) and 'response' in data:
            return data['response']
        raise DocSpaceError('%s answered HTTP %d with %s instead of a DocSpace API answer; check that base_url is the portal URL '
                            '(a login page or a proxy may be in the way).' % (where, status, describe_body(text)), status)
    message = portal_message(data)
    meaning = STATUS_MEANINGS.get(status)
    if message and meaning:
        text_out = '%s (%s)' % (meaning, message)
    else:
        text_out = message or meaning or 'unexpected answer'
    if not message and data is NOT_JSON and text and text.strip():
        text_out += ' (the body was %s)' % describe_body(text)
    raise DocSpaceError('%s failed with HTTP %d: %s.' % (where, status, text_out.rstrip('.')), status)


class DocSpaceClient:
    """A requests session bound to one portal, one credential and one retry policy."""

    def __init__(self, base_url, api_key=None, auth_token=None, username=None, password=None,
                 validate_certs=True, ca_path=None, timeout=30, retries=3):
        self.root = api_root(base_url)
        if not (isinstance(timeout, (int, float)) and math.isfinite(timeout) and timeout > 0):
            raise DocSpaceError('timeout must be a positive number of seconds; got %r.' % (timeout,))
        self.timeout = timeout
        self.retries = max(0, retries)
        self.session = requests.Session()
        self.session.headers['User-Agent'] = USER_AGENT
        self.session.headers['Accept'] = 'application/json'
        header = authorization_header(api_key, auth_token)
        if header:
            problem = header_problem(header)
            if problem:
                raise DocSpaceError('%s %s' % ('api_key' if api_key else 'auth_token', problem))
            self.session.headers['Authorization'] = header
        elif username:
            self.session.auth = (basic_auth_text(username), basic_auth_text(password or ''))
        self.session.verify = (ca_path or True) if validate_certs else False
        adapter = HTTPAdapter(max_retries=make_retry(self.retries))
        self.session.mount('http://', adapter)
        self.session.mount('https://', adapter)

    @classmethod
    def from_module(cls, module):
        """Client for an AnsibleModule whose spec includes docspace_argument_spec(); fails the module when it cannot."""
        if REQUESTS_IMPORT_ERROR:
            module.fail_json(msg=missing_required_lib('requests'), exception=REQUESTS_IMPORT_ERROR)
        params = module.params
        if not params['validate_certs']:
            module.warn('validate_certs is false: the portal TLS certificate is not verified.')
            suppress_insecure_request_warning()
        try:
            return cls(params['base_url'], api_key=params['api_key'], auth_token=params['auth_token'],
                       username=params['username'], password=params['password'],
                       validate_certs=params['validate_certs'], ca_path=params['ca_path'],
                       timeout=params['timeout'], retries=params['retries'])
        except DocSpaceError as exc:
            module.fail_json(**exc.fail_kwargs())

    def url(self, path):
        return self.root + '/' + path.lstrip('/')

    def call(self, method, path, body=None):
        """Send one API request (retried as the policy allows) and return the value of its answer."""
        url = self.url(path)
        try:
            answer = self.session.request(method, url, json=body, timeout=self.timeout)
        except requests.exceptions.RequestException as exc:
            retried = self.retries if method in RETRY_METHODS else 0
            raise DocSpaceError(transport_error_message(exc, method, url, self.timeout, retried),
                                timed_out=is_read_timeout(exc)) from None
        return read_answer(answer.status_code, answer.text, method, url)

    def get(self, path):
        return self.call('GET', path)

    def post(self, path, body):
        return self.call('POST', path, body)

    def put(self, path, body):
        return self.call('PUT', path, body)

    def delete(self, path):
        return self.call('DELETE', path)


def transport_error_message(exc, method, url, timeout, retried=0):
    """One sentence for a request that got no HTTP answer (exception text can be long; the URL is named)."""
    where = '%s %s' % (method, public_url(url))
    if isinstance(exc, requests.exceptions.SSLError):
        return ('%s failed: the TLS certificate of the portal could not be verified; set ca_path to its CA bundle '
                '(or validate_certs to false for a test portal).' % where)
    if isinstance(exc, requests.exceptions.Timeout) or 'timed out' in str(exc).lower():
        tries = ' (%d attempts)' % (retried + 1) if retried else ''
        return '%s failed: no answer within the %g-second timeout%s.' % (where, timeout, tries)
    if isinstance(exc, (requests.exceptions.ChunkedEncodingError, requests.exceptions.ContentDecodingError)):
        return '%s failed: the answer was cut short (the connection broke while it was being read).' % where
    if isinstance(exc, requests.exceptions.ConnectionError):
        return '%s failed: could not connect to the portal (%s).' % (where, connection_reason(exc))
    return '%s failed: %s.' % (where, type(exc).__name__)


def is_read_timeout(exc):
    """True when the request went out and no answer came within the timeout (not when connecting timed out)."""
    if isinstance(exc, requests.exceptions.ConnectTimeout):
        return False
    return isinstance(exc, requests.exceptions.Timeout) or 'read timed out' in str(exc).lower()


def connection_reason(exc):
    """The operating system's reason for a failed connection, e.g. 'Connection refused'."""
    text = str(exc)
    match = re.search(r'\[Errno -?\d+\] ([^\'")\]]+)', text)
    if match:
        return match.group(1).strip()
    if 'RemoteDisconnected' in text or 'Connection aborted' in text or 'reset' in text.lower():
        return 'the connection was closed without an answer'
    return type(exc).__name__


def suppress_insecure_request_warning():
    try:
        from urllib3.exceptions import InsecureRequestWarning
    except ImportError:
        return
    warnings.simplefilter('ignore', InsecureRequestWarning)
