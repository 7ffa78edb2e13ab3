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
import os
import re
import ssl
import threading
import time
import traceback
import warnings

from ansible.module_utils.basic import env_fallback, missing_required_lib

REQUESTS_IMPORT_ERROR = None
try:
    import requests
    from requests.adapters import HTTPAdapter
    from urllib3.exceptions import MaxRetryError, ProtocolError, ProxyError, ReadTimeoutError
    from urllib3.util.retry import Retry
except ImportError:
    REQUESTS_IMPORT_ERROR = traceback.format_exc()
    Retry = object  # from_module() raises missing_required_lib('requests') before any retry policy is made

from datetime import datetime, timedelta, timezone
from email.utils import parsedate_to_datetime
from http.client import HTTPException
from urllib.parse import urljoin, urlsplit, urlunsplit

# No version: inside AnsiballZ a module carries its module_utils but not the collection's MANIFEST.json or galaxy.yml,
# so the version could only be a copy that goes stale.
USER_AGENT = 'onlyoffice.docspace-ansible'
API_PREFIX = '/api/2.0'

# Statuses a proxy or the portal's rate limiter answers while a retry may succeed.
RETRY_STATUSES = (429, 502, 503, 504)
# POST /keys is not idempotent: a retried creation could make a second key.
RETRY_METHODS = frozenset(('GET', 'PUT', 'DELETE'))
# Statuses that say nothing about whether the portal carried out a write: a proxy gave up waiting for it.
LOST_ANSWER_STATUSES = (502, 504)
BACKOFF_FACTOR = 0.5
BACKOFF_JITTER = 0.25
BACKOFF_MAX = 8.0
# What a task may ask for: enough for a slow portal, not so much that a stuck one holds a play for days.
MAX_TIMEOUT = 3600
MAX_RETRIES = 10
# Slack on top of the time budget of a request for the work between its socket operations.
DEADLINE_SLACK = 1.0
# A list of 10,000 keys is about 8 MB; more than this is not a DocSpace answer (decompressed size counts).
MAX_ANSWER_BYTES = 64 * 1024 * 1024
READ_CHUNK = 64 * 1024

AUTH_OPTIONS = ('api_key', 'auth_token', 'username')
ENV_VARS = dict(base_url='DOCSPACE_URL', api_key='DOCSPACE_API_KEY', auth_token='DOCSPACE_AUTH_TOKEN',
                username='DOCSPACE_USERNAME', password='DOCSPACE_PASSWORD', validate_certs='DOCSPACE_VALIDATE_CERTS',
                timeout='DOCSPACE_TIMEOUT', retries='DOCSPACE_RETRIES')
CA_BUNDLE_ENV = ('REQUESTS_CA_BUNDLE', 'CURL_CA_BUNDLE')
NOT_TLS_MARKERS = ('wrong version number', 'record layer failure', 'unknown protocol', 'packet length too long',
                   'http request')


def docspace_argument_spec():
    """Connection options shared by every module of the collection (see the docspace doc fragment).

    Which of them are required, and how they combine, is checked by check_connection_options() (from_module()), so
    that a message can name the environment variables.
    """
    return dict(
        base_url=dict(type='str', aliases=['url'], fallback=(env_fallback, [ENV_VARS['base_url']])),
        api_key=dict(type='str', no_log=True, fallback=(env_fallback, [ENV_VARS['api_key']])),
        auth_token=dict(type='str', no_log=True, fallback=(env_fallback, [ENV_VARS['auth_token']])),
        username=dict(type='str', fallback=(env_fallback, [ENV_VARS['username']])),
        password=dict(type='str', no_log=True, fallback=(env_fallback, [ENV_VARS['password']])),
        validate_certs=dict(type='bool', default=True, fallback=(env_fallback, [ENV_VARS['validate_certs']])),
        ca_path=dict(type='path'),
        timeout=dict(type='float', default=30, fallback=(env_fallback, [ENV_VARS['timeout']])),
        retries=dict(type='int', default=3, fallback=(env_fallback, [ENV_VARS['retries']])),
    )


def docspace_argument_rules(**module_rules):
    """AnsibleModule keyword arguments for the module's own rules (the connection options are checked by from_module())."""
    return {rule: list(groups) for rule, groups in module_rules.items()}


class DocSpaceError(Exception):
    """Any failure to get a usable answer from the portal, as one sentence plus the HTTP status if there was one.

    result holds what the failed result must still report (for example changed=True when an earlier write went through).
    """

    def __init__(self, message, status=None, timed_out=False, **result):
        super().__init__(message)
        self.message = message
        self.status = status
        # The request was sent and no answer came in time: the portal may still be carrying it out.
        self.timed_out = timed_out
        # The request was (or may have been) sent and no usable answer came back: the portal may have acted on it.
        self.answer_lost = timed_out
        self.result = result

    def fail_kwargs(self):
        """Keyword arguments for AnsibleModule.fail_json()."""
        kwargs = dict(self.result)
        kwargs['msg'] = self.message
        if self.status is not None:
            kwargs['status'] = self.status
        return kwargs


def lost(error):
    """error, marked as a request whose answer was lost (see DocSpaceError.answer_lost)."""
    error.answer_lost = True
    return error


# ---------------------------------------------------------------------------------------------------------------------
# Connection options: where each came from, and what may not be sent
# ---------------------------------------------------------------------------------------------------------------------

def from_environment(params, option, environ=None):
    """True when the value of option is the one its environment variable holds (env_fallback filled it in)."""
    environ = os.environ if environ is None else environ
    name = ENV_VARS.get(option)
    return name is not None and params.get(option) is not None and environ.get(name) == str(params.get(option))


def described(params, option, environ=None):
    """'api_key' or 'api_key (from the DOCSPACE_API_KEY environment variable)'."""
    if from_environment(params, option, environ):
        return '%s (from the %s environment variable)' % (option, ENV_VARS[option])
    return option


def option_or_env(option):
    return '%s (or the %s environment variable)' % (option, ENV_VARS[option])


def connection_problem(params, environ=None):
    """Why the connection options cannot work together, naming the environment variables, or None."""
    if params.get('base_url') is None or not str(params['base_url']).strip():
        return 'base_url is required: set %s to the portal URL, for example https://portal.example.com.' % option_or_env('base_url')
    given = [option for option in AUTH_OPTIONS if params.get(option) is not None]
    if len(given) > 1:
        named = [described(params, option, environ) for option in given]
        unset = [ENV_VARS[option] for option in given if from_environment(params, option, environ)]
        advice = ('unset %s or drop the task option' % ' and '.join(unset)) if unset else 'keep only one of them'
        return ('%s are mutually exclusive: authenticate one way only (%s).' % (' and '.join(named), advice))
    if not given:
        if params.get('password') is not None:
            return '%s is set but username is not: set %s too.' % (described(params, 'password', environ), option_or_env('username'))
        return ('No credentials: set %s, %s, or %s with %s.' % (option_or_env('api_key'), option_or_env('auth_token'),
                                                                option_or_env('username'), option_or_env('password')))
    if given == ['username'] and params.get('password') is None:
        return '%s is set but password is not: set %s too.' % (described(params, 'username', environ), option_or_env('password'))
    if given != ['username'] and params.get('password') is not None:
        return ('%s goes with username, not with %s: remove one of them.'
                % (described(params, 'password', environ), described(params, given[0], environ)))
    for option in ('api_key', 'auth_token', 'username', 'password'):
        value = params.get(option)
        if value is not None and not credential_text(option, value):
            return '%s is blank: set it to the real value.' % described(params, option, environ)
    return None


def credential_text(option, value):
    """What of a credential is sent: without surrounding blanks, an API key without a 'Bearer ' of its own."""
    text = value.strip()
    if option == 'api_key' and text[:7].lower() in ('bearer', 'bearer '):
        text = text[7:].strip()
    return text


def url_secrets(base_url):
    """The user information of a URL (and its password alone), to be hidden from every output."""
    try:
        parts = urlsplit((base_url or '').strip())
        userinfo = parts.netloc.rpartition('@')[0]
        password = parts.password
    except ValueError:  # only a non-empty base_url gets here
        userinfo = base_url.partition('://')[2].rpartition('@')[0]
        password = userinfo.partition(':')[2]
    return [secret for secret in (userinfo, password) if secret]


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
    if '@' in parts.netloc:
        raise DocSpaceError('base_url must not hold a user name or password (%s); nothing was sent: set api_key, auth_token, '
                            'or username and password instead.' % public_url(url, '…@'))
    path = parts.path.rstrip('/')
    if path.lower().endswith(API_PREFIX):
        path = path[:-len(API_PREFIX)].rstrip('/')
    return urlunsplit((parts.scheme, parts.netloc, path + API_PREFIX, '', ''))


def public_url(url, userinfo=''):
    """The URL without user information (replaced by userinfo) or query, safe to show in messages."""
    try:
        parts = urlsplit(url)
        netloc = parts.netloc.rpartition('@')[2]
        return urlunsplit((parts.scheme, userinfo + netloc if '@' in parts.netloc else netloc, parts.path, '', ''))
    except ValueError:
        return '<unparsable URL>'


def authorization_header(api_key=None, auth_token=None):
    """The Authorization header for an API key (after 'Bearer ') or a session token (as it is)."""
    if api_key:
        return 'Bearer ' + credential_text('api_key', api_key)
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


def check_timing(timeout, retries):
    """DocSpaceError unless timeout and retries are in their ranges."""
    if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or not math.isfinite(timeout) \
            or not 0 < timeout <= MAX_TIMEOUT:
        raise DocSpaceError('timeout must be a number of seconds more than 0 and at most %d; got %r.' % (MAX_TIMEOUT, timeout))
    if isinstance(retries, bool) or not isinstance(retries, int) or not 0 <= retries <= MAX_RETRIES:
        raise DocSpaceError('retries must be a whole number from 0 to %d; got %r.' % (MAX_RETRIES, retries))


def request_budget(timeout, retries):
    """Seconds one request may take, its retries included: every attempt's timeout plus the longest back-off pauses."""
    pauses = sum(min(BACKOFF_MAX, BACKOFF_FACTOR * 2 ** (attempt - 1)) + BACKOFF_JITTER
                 for attempt in range(2, retries + 1))
    return (retries + 1) * timeout + pauses


# ---------------------------------------------------------------------------------------------------------------------
# TLS: which CAs are trusted, and why a handshake failed
# ---------------------------------------------------------------------------------------------------------------------

def trust_store(validate_certs, ca_path, environ=None):
    """(verify argument for requests, where it came from): ca_path and validate_certs win over the environment."""
    environ = os.environ if environ is None else environ
    if not validate_certs:
        return False, 'validate_certs'
    if ca_path:
        return ca_path, 'ca_path'
    for name in CA_BUNDLE_ENV:
        if environ.get(name):
            return environ[name], name
    return True, None


def ca_file_problem(path, source):
    """Why path cannot be a CA bundle (missing, unreadable, not PEM), or None."""
    where = '%s %s' % (source if source == 'ca_path' else 'the %s environment variable names' % source, path)
    if os.path.isdir(path):
        return None
    try:
        ssl.create_default_context(cafile=path)
    except FileNotFoundError:
        return '%s, which does not exist.' % where
    except ssl.SSLError:
        return '%s, which holds no PEM CA certificate ("-----BEGIN CERTIFICATE-----"); give a PEM bundle.' % where
    except OSError as exc:
        return '%s, which cannot be read (%s).' % (where, exc.strerror or type(exc).__name__)
    except (ValueError, TypeError):
        return '%s, which is not a usable file name.' % where
    return None


def tls_message(exc, where, source):
    """One sentence for a TLS failure: a certificate that fails verification, or a server that does not speak TLS."""
    text = str(exc)
    lower = text.lower()
    if 'certificate verify failed' in lower:
        match = re.search(r'certificate verify failed: ([^(\'"]+)', text)
        reason = match.group(1).strip().rstrip('.') if match else 'certificate verify failed'
        against = ' against the CA bundle of %s' % (source if source == 'ca_path' else 'the %s environment variable' % source) \
            if source else ''
        return ('%s failed: the TLS certificate of the portal could not be verified%s (%s); set ca_path to the CA bundle '
                'that signed it (or validate_certs to false for a test portal).' % (where, against, reason))
    if any(marker in lower for marker in NOT_TLS_MARKERS):
        return '%s failed: the server does not speak TLS there (is it http://?).' % where
    match = re.search(r'\] ([^(\'"]+)', text)
    return '%s failed: the TLS handshake with the portal failed (%s).' % (where, match.group(1).strip() if match else type(exc).__name__)


# ---------------------------------------------------------------------------------------------------------------------
# Retries: declared once, through urllib3, within the request's time budget
# ---------------------------------------------------------------------------------------------------------------------

class RetryAfterBeyondBudget(Exception):
    """The portal asked to wait longer than the request has left (raised out of urllib3 instead of sleeping)."""

    def __init__(self, seconds, status):
        super().__init__(seconds, status)
        self.seconds = seconds
        self.status = status


def make_retry(retries, deadline=None):
    """urllib3 Retry policy: back-off with jitter on connection errors and busy answers, never for POST, until deadline."""
    kwargs = dict(
        total=retries,
        connect=retries,
        read=retries,
        status=retries,
        other=0,
        redirect=0,
        allowed_methods=RETRY_METHODS,
        status_forcelist=RETRY_STATUSES,
        backoff_factor=BACKOFF_FACTOR,
        respect_retry_after_header=True,
        raise_on_status=False,
        raise_on_redirect=False,
        deadline=deadline,
    )
    try:
        return DocSpaceRetry(backoff_jitter=BACKOFF_JITTER, **kwargs)
    except TypeError:  # urllib3 < 2 has no jitter
        return DocSpaceRetry(**kwargs)


class DocSpaceRetry(Retry):
    """urllib3's Retry, bounded by a deadline, with a connection that an HTTP proxy dropped counted as a read error.

    urllib3 reports a kept-alive connection that a forward proxy closed without answering as a ProxyError, which
    Retry counts under 'other' (0 here: 'other' would re-send POST too). The same drop on a direct connection is a
    ProtocolError: a read error, retried for GET, PUT and DELETE only. This makes the two cases the same.
    """

    def __init__(self, *args, deadline=None, attempts=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.deadline = deadline
        # What ended each attempt that was retried (an exception or a status), shared by the copies urllib3 makes.
        self.attempts = [] if attempts is None else attempts

    def new(self, **kw):
        kw.setdefault('deadline', self.deadline)
        kw.setdefault('attempts', self.attempts)
        return super().new(**kw)

    def earlier_answer_lost(self):
        """Whether an attempt may have been carried out though its answer was lost (it went out, no answer came)."""
        return any(attempt in LOST_ANSWER_STATUSES or isinstance(attempt, (ProtocolError, ReadTimeoutError))
                   for attempt in self.attempts)

    def left(self):
        return math.inf if self.deadline is None else self.deadline - time.monotonic()

    def is_retry(self, method, status_code, has_retry_after=False):
        return self.left() > 0 and super().is_retry(method, status_code, has_retry_after)

    def increment(self, method=None, url=None, response=None, error=None, _pool=None, _stacktrace=None):
        if isinstance(error, ProxyError) and isinstance(getattr(error, 'original_error', None), (HTTPException, ConnectionError)):
            error = ProtocolError('Connection aborted.', error.original_error)
        self.attempts.append(error if error is not None else getattr(response, 'status', None))
        if error is not None and self.left() <= 0:
            raise MaxRetryError(_pool, url, error)
        return super().increment(method, url, response, error, _pool, _stacktrace)

    def get_backoff_time(self):
        return min(BACKOFF_MAX, super().get_backoff_time())

    def sleep(self, response=None):
        wait = retry_after_seconds(response.headers.get('Retry-After')) if response is not None else None
        if wait is not None and wait > self.left():
            raise RetryAfterBeyondBudget(wait, response.status)
        if wait is not None:
            time.sleep(wait)
        else:
            self._sleep_backoff()


def retry_after_seconds(value):
    """Seconds a Retry-After header (seconds or an HTTP date) asks to wait, or None when it says nothing usable."""
    if value is None:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when is None:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return max(0.0, (when - datetime.now(timezone.utc)).total_seconds())


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
    except (ValueError, RecursionError):  # RecursionError: thousands of nested brackets
        return NOT_JSON


def looks_like_html(text):
    head = (text or '').lstrip()[:200].lower()
    return head.startswith('<!doctype html') or '<html' in head or '<head' in head


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
        for field in sorted(errors):  # JSON object keys are strings
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
    """A requests session bound to one portal, one credential and one retry policy.

    The session ignores the environment except what is asked of it: never ~/.netrc or credentials in a URL (only the
    task's credential is sent), proxies from HTTP(S)_PROXY/NO_PROXY, and a CA bundle from REQUESTS_CA_BUNDLE or
    CURL_CA_BUNDLE only when the task sets neither validate_certs: false nor ca_path.
    """

    def __init__(self, base_url, api_key=None, auth_token=None, username=None, password=None,
                 validate_certs=True, ca_path=None, timeout=30, retries=3):
        self.root = api_root(base_url)
        check_timing(timeout, retries)
        self.timeout = timeout
        self.retries = retries
        self.session = requests.Session()
        self.session.trust_env = False
        self.session.headers['User-Agent'] = USER_AGENT
        self.session.headers['Accept'] = 'application/json'
        header = credential_header(api_key, auth_token, username, password)
        if header:
            self.session.headers['Authorization'] = header
        else:
            self.session.auth = (basic_auth_text(username), basic_auth_text(password or ''))
        self.session.verify, self.trust_source = trust_store(validate_certs, ca_path)
        if isinstance(self.session.verify, str) and (self.trust_source == 'ca_path' or self.root.startswith('https:')):
            problem = ca_file_problem(self.session.verify, self.trust_source)
            if problem:
                raise DocSpaceError(problem)
        self.proxies = requests.utils.get_environ_proxies(self.root)
        self.adapter = HTTPAdapter(max_retries=make_retry(self.retries))
        self.session.mount('http://', self.adapter)
        self.session.mount('https://', self.adapter)

    @classmethod
    def from_module(cls, module):
        """Client for an AnsibleModule whose spec includes docspace_argument_spec(); DocSpaceError when it cannot be made."""
        if REQUESTS_IMPORT_ERROR:
            raise DocSpaceError(missing_required_lib('requests'), exception=REQUESTS_IMPORT_ERROR)
        params = module.params
        # A secret in the URL must not reach the failure's invocation.module_args; a blank "secret" masked everywhere
        # would shred every message instead.
        module.no_log_values.update(url_secrets(params.get('base_url')))
        for option in ('api_key', 'auth_token', 'password'):
            if isinstance(params.get(option), str) and not params[option].strip():
                module.no_log_values.discard(params[option])
        problem = connection_problem(params)
        if problem:
            raise DocSpaceError(problem)
        client = cls(params['base_url'], api_key=params['api_key'], auth_token=params['auth_token'],
                     username=params['username'], password=params['password'],
                     validate_certs=params['validate_certs'], ca_path=params['ca_path'],
                     timeout=params['timeout'], retries=params['retries'])
        if not params['validate_certs']:
            module.warn('validate_certs is false: the portal TLS certificate is not verified.')
            suppress_insecure_request_warning()
        return client

    def url(self, path):
        return self.root + '/' + path.lstrip('/')

    def budget(self):
        """Seconds one request may take, its retries and back-off pauses included."""
        return request_budget(self.timeout, self.retries)

    def call(self, method, path, body=None):
        """Send one API request (retried as the policy allows, within budget()) and return the value of its answer."""
        url = self.url(path)
        deadline = time.monotonic() + self.budget()
        self.adapter.max_retries = retry = make_retry(self.retries, deadline)
        try:
            return self._send(method, url, body, deadline)
        except DocSpaceError as error:
            # A PUT or DELETE that got through before its answer was lost, then retried: the retry's failure (a 401
            # once the key in use is deleted, a 500 for a key already gone) says nothing about the first attempt. A
            # 400 does: it refuses the body, which the first attempt carried too.
            if retry.earlier_answer_lost() and error.status != 400:
                error.answer_lost = True
            raise

    def _send(self, method, url, body, deadline):
        """call() within the deadline: the answer's value, or a DocSpaceError."""
        where = '%s %s' % (method, public_url(url))
        outcome = {}
        worker = threading.Thread(target=self._exchange, args=(outcome, method, url, body, deadline), daemon=True)
        worker.start()
        # The thread is the only bound on a server that drips its headers: urllib3's timeouts are per socket read.
        worker.join(max(0.0, deadline - time.monotonic()) + DEADLINE_SLACK)
        if worker.is_alive() or 'deadline' in outcome:
            raise DocSpaceError('%s failed: no complete answer within %g seconds (the time budget of a %g-second timeout '
                                'and %d retries); the portal or a proxy answered too slowly.'
                                % (where, self.budget(), self.timeout, self.retries), timed_out=True)
        if 'error' in outcome:
            raise self._error(outcome['error'], method, url)
        status, headers, text = outcome['answer']
        if 300 <= status < 400:
            raise DocSpaceError(redirect_message(where, status, url, headers.get('Location'), self.root), status)
        return read_answer(status, text, method, url)

    def _exchange(self, outcome, method, url, body, deadline):
        """Send the request and read its answer, at most MAX_ANSWER_BYTES of it, into outcome (runs in a thread)."""
        try:
            answer = self.session.request(method, url, json=body, timeout=self.timeout, allow_redirects=False,
                                          stream=True, proxies=self.proxies)
            with answer:
                content = bytearray()
                for chunk in answer.iter_content(READ_CHUNK):
                    content += chunk
                    if len(content) > MAX_ANSWER_BYTES:
                        raise AnswerTooLarge()
                    if time.monotonic() > deadline + DEADLINE_SLACK:
                        outcome['deadline'] = True
                        return
            outcome['answer'] = (answer.status_code, answer.headers, decode_body(bytes(content), answer.encoding))
        except Exception as exc:  # pylint: disable=broad-exception-caught
            outcome['error'] = exc  # turned into a sentence by the caller's thread

    def _error(self, exc, method, url):
        """The DocSpaceError for an exception of a request."""
        where = '%s %s' % (method, public_url(url))
        if isinstance(exc, RetryAfterBeyondBudget):
            until = (datetime.now(timezone.utc) + timedelta(seconds=exc.seconds)).strftime('%Y-%m-%d %H:%M:%S UTC')
            return DocSpaceError('%s failed with HTTP %d: %s; the portal asks to wait %d seconds (until %s), longer than '
                                 'this request may take, so it was not retried: run the task again after that time.'
                                 % (where, exc.status, STATUS_MEANINGS.get(exc.status, 'busy').split(':')[0],
                                    math.ceil(exc.seconds), until), exc.status)
        if isinstance(exc, AnswerTooLarge):
            return lost(DocSpaceError('%s failed: the answer was larger than %d MB, which no DocSpace answer is; check that '
                                      'base_url is the portal URL.' % (where, MAX_ANSWER_BYTES // (1024 * 1024))))
        if isinstance(exc, requests.exceptions.SSLError):
            return DocSpaceError(tls_message(exc, where, self.trust_source))
        if isinstance(exc, requests.exceptions.RequestException):
            retried = self.retries if method in RETRY_METHODS else 0
            error = DocSpaceError(transport_error_message(exc, method, url, self.timeout, retried), timed_out=is_read_timeout(exc))
            error.answer_lost = is_answer_lost(exc)
            return error
        return DocSpaceError('%s failed: %s.' % (where, type(exc).__name__))

    def get(self, path):
        return self.call('GET', path)

    def post(self, path, body):
        return self.call('POST', path, body)

    def put(self, path, body):
        return self.call('PUT', path, body)

    def delete(self, path):
        return self.call('DELETE', path)


class AnswerTooLarge(Exception):
    """The answer grew beyond MAX_ANSWER_BYTES while it was read."""


def credential_header(api_key, auth_token, username, password):
    """The Authorization header of an API key or token; DocSpaceError for a blank or unsendable credential."""
    for option, value in (('api_key', api_key), ('auth_token', auth_token), ('username', username), ('password', password)):
        if value is not None and not credential_text(option, value):
            raise DocSpaceError('%s is blank: set it to the real value.' % option)
    header = authorization_header(api_key, auth_token)
    if header is None and username is None:
        raise DocSpaceError('No credentials: set api_key, auth_token, or username with password.')
    if header is not None:
        problem = header_problem(header)
        if problem:
            raise DocSpaceError('%s %s' % ('api_key' if api_key else 'auth_token', problem))
    return header


def decode_body(content, encoding):
    """The text of an answer: its declared charset, else UTF-8 (what DocSpace sends), never failing."""
    try:
        return content.decode(encoding or 'utf-8', 'replace')
    except LookupError:
        return content.decode('utf-8', 'replace')


def redirect_message(where, status, url, location, root):
    """One sentence for a redirect, which is never followed: the URL the portal sent us to, and the base_url to set."""
    if not location:
        return '%s was answered with a redirect (HTTP %d) that says nowhere to go; check base_url.' % (where, status)
    target = urljoin(url, location.strip())
    suggestion = public_url(target)
    tail = url[len(root) - len(API_PREFIX):]  # /api/2.0/keys...
    if suggestion.endswith(tail):
        suggestion = suggestion[:-len(tail)] or suggestion
    return ('%s was redirected (HTTP %d) to %s, and redirects are not followed (a creation would be re-sent as a GET, '
            'and credentials could go to another host): set base_url to %s.' % (where, status, public_url(target), suggestion))


def transport_error_message(exc, method, url, timeout, retried=0):
    """One sentence for a request that got no HTTP answer (exception text can be long; the URL is named)."""
    where = '%s %s' % (method, public_url(url))
    if isinstance(exc, requests.exceptions.SSLError):
        return tls_message(exc, where, None)
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


def is_answer_lost(exc):
    """True when the request was (or may have been) sent and no usable answer came back."""
    if isinstance(exc, (requests.exceptions.ConnectTimeout, requests.exceptions.SSLError)):
        return False
    if isinstance(exc, (requests.exceptions.ChunkedEncodingError, requests.exceptions.ContentDecodingError)):
        return True
    if is_read_timeout(exc):
        return True
    cause = exc.args[0] if exc.args else None
    cause = getattr(cause, 'reason', cause)
    return isinstance(cause, (ProtocolError, ReadTimeoutError))


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
