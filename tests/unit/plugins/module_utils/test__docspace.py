# Copyright (c) onlyoffice.docspace contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import base64
import contextlib
import datetime
import email.utils
import gzip
import json
import re
import os
import shutil
import socket
import ssl
import subprocess
import sys
import threading
import time
import warnings
from http.client import RemoteDisconnected

import pytest
import requests
from ansible.module_utils.basic import AnsibleModule
from urllib3.exceptions import (InsecureRequestWarning, MaxRetryError, NewConnectionError, ProtocolError, ProxyError,
                                ReadTimeoutError)

from ansible_collections.onlyoffice.docspace.plugins.module_utils import _docspace as ds

from ansible_collections.onlyoffice.docspace.tests.unit.plugins.module_args import patch_module_args

URL = 'https://portal.test/api/2.0/keys'
STACK = '   at ASC.People.Api.ApiKeysController.UpdateApiKey(Guid keyId) in /src/ApiKeysController.cs:line 88'


def envelope(value):
    return json.dumps({'response': value, 'count': 1, 'links': [{'href': URL, 'action': 'GET'}], 'status': 0, 'statusCode': 200})


@pytest.mark.parametrize('given', [
    'https://portal.test', 'https://portal.test/', 'https://portal.test/api/2.0', 'https://portal.test/api/2.0/',
    ' https://portal.test//', 'https://portal.test/API/2.0',
])
def test_api_root_accepts_every_form_of_the_portal_url(given):
    assert ds.api_root(given) == 'https://portal.test/api/2.0'


def test_api_root_keeps_a_sub_path():
    assert ds.api_root('http://host:8080/docspace/') == 'http://host:8080/docspace/api/2.0'


@pytest.mark.parametrize('given', ['portal.test', 'ftp://portal.test', '', None, 'https://', 'http://[::1', 'http://h:99999'])
def test_api_root_refuses_urls_without_http_scheme(given):
    with pytest.raises(ds.DocSpaceError, match='base_url must be an http'):
        ds.api_root(given)


def test_public_url_drops_credentials_and_query():
    assert ds.public_url('https://user:secret@portal.test/api?token=x') == 'https://portal.test/api'
    assert ds.public_url('https://user:secret@portal.test/api', '…@') == 'https://…@portal.test/api'
    assert ds.public_url('https://portal.test/api', '…@') == 'https://portal.test/api'
    assert ds.public_url('http://[::1') == '<unparsable URL>'


@pytest.mark.parametrize('api_key, token, expected', [
    ('sk-abc', None, 'Bearer sk-abc'),
    ('Bearer sk-abc', None, 'Bearer sk-abc'),
    (' sk-abc\n', None, 'Bearer sk-abc'),
    ('bearer  sk-abc', None, 'Bearer sk-abc'),
    (None, ' session-token ', 'session-token'),
    (None, 'session-token', 'session-token'),
    (None, None, None),
])
def test_authorization_header(api_key, token, expected):
    assert ds.authorization_header(api_key, token) == expected


def test_success_envelope_gives_its_response():
    assert ds.read_answer(200, envelope([{'id': 'x'}]), 'GET', URL) == [{'id': 'x'}]
    assert ds.read_answer(200, envelope(False), 'PUT', URL) is False


def test_exception_envelope_shows_message_never_stack():
    body = json.dumps({'error': {'message': 'Permissions are not valid.', 'type': 'ArgumentException', 'stack': STACK,
                                 'hresult': -2147024809}, 'status': 1, 'statusCode': 400})
    with pytest.raises(ds.DocSpaceError) as caught:
        ds.read_answer(400, body, 'PUT', URL)
    assert caught.value.status == 400
    assert 'Permissions are not valid' in caught.value.message and 'ApiKeysController' not in caught.value.message
    assert caught.value.message.startswith('PUT https://portal.test/api/2.0/keys failed with HTTP 400')


def test_validation_envelope_names_field_and_message():
    body = json.dumps({'response': {'title': 'One or more validation errors occurred.', 'status': 400,
                                    'errors': {'Name': ['The field Name must be a string with a maximum length of 30.']}},
                       'status': 1, 'statusCode': 400})
    with pytest.raises(ds.DocSpaceError) as caught:
        ds.read_answer(400, body, 'PUT', URL)
    assert 'Name: The field Name must be a string with a maximum length of 30' in caught.value.message


def test_validation_envelope_before_3_7_1_still_fails():
    body = json.dumps({'response': {'title': 'One or more validation errors occurred.', 'errors': {'': ['A non-empty request body is required.']}},
                       'status': 0, 'statusCode': 200})
    with pytest.raises(ds.DocSpaceError, match='body: A non-empty request body is required') as caught:
        ds.read_answer(400, body, 'PUT', URL)
    assert caught.value.status == 400


@pytest.mark.parametrize('status, words', [
    (401, 'authentication failed'), (403, 'not allowed'), (404, 'check that base_url'), (405, 'method not allowed'),
    (429, 'rate limit'), (502, 'proxy'), (503, 'unavailable'), (504, 'time-out'),
])
def test_empty_error_bodies_get_a_meaning(status, words):
    with pytest.raises(ds.DocSpaceError) as caught:
        ds.read_answer(status, '', 'GET', URL)
    assert caught.value.status == status and words in caught.value.message
    assert caught.value.message.count('.') >= 1 and '\n' not in caught.value.message


def test_500_exception_envelope():
    body = json.dumps({'error': {'message': 'Object reference not set to an instance of an object.', 'stack': STACK},
                       'status': 1, 'statusCode': 500})
    with pytest.raises(ds.DocSpaceError, match='HTTP 500: Object reference not set') as caught:
        ds.read_answer(500, body, 'PUT', URL)
    assert 'line 88' not in caught.value.message


@pytest.mark.parametrize('status', [200, 302, 502])
def test_html_pages_are_named_never_shown(status):
    page = '<!DOCTYPE html><html><head><title>Sign in</title></head><body>password secret-form</body></html>'
    with pytest.raises(ds.DocSpaceError, match='an HTML page') as caught:
        ds.read_answer(status, page, 'GET', URL)
    assert 'secret-form' not in caught.value.message and caught.value.status == status


@pytest.mark.parametrize('body, words', [
    ('{"response": [1, 2', 'not JSON'),
    ('{"items": []}', 'JSON of another shape'),
    ('[1, 2]', 'JSON of another shape'),
    ('', 'an empty body'),
    ('null', 'JSON of another shape'),
])
def test_success_status_without_docspace_json(body, words):
    with pytest.raises(ds.DocSpaceError, match=words):
        ds.read_answer(200, body, 'GET', URL)


def test_retry_policy():
    retry = ds.make_retry(3)
    assert retry.total == 3 and retry.status == 3 and retry.connect == 3
    assert set(retry.status_forcelist) == {429, 502, 503, 504}
    assert 'POST' not in retry.allowed_methods and {'GET', 'PUT', 'DELETE'} <= set(retry.allowed_methods)
    assert retry.respect_retry_after_header and retry.backoff_factor > 0
    assert not retry.raise_on_status


DROPPED = RemoteDisconnected('Remote end closed connection without response')


@pytest.mark.parametrize('method', ['GET', 'PUT', 'DELETE'])
def test_a_connection_a_proxy_dropped_is_retried_like_a_direct_one(method):
    """urllib3 calls it a ProxyError, which Retry would count under 'other' (0): the request would not be retried."""
    retry = ds.make_retry(2)
    after = retry.increment(method, URL, error=ProxyError('Unable to connect to proxy', DROPPED))
    assert (after.read, after.other) == (1, 0)
    direct = retry.increment(method, URL, error=ProtocolError('Connection aborted.', DROPPED))
    assert direct.read == after.read


def test_a_post_a_proxy_dropped_is_not_sent_again():
    with pytest.raises(ProtocolError) as caught:
        ds.make_retry(2).increment('POST', URL, error=ProxyError('Unable to connect to proxy', DROPPED))
    assert caught.value.args == ('Connection aborted.', DROPPED)  # what urllib3 raises for a direct drop


def test_a_proxy_that_cannot_be_reached_stays_a_connection_error():
    """Nothing was sent, so urllib3 retries it as a connection error (for POST too); that must stay so."""
    refused = NewConnectionError(None, 'Failed to establish a new connection: [Errno 111] Connection refused')
    after = ds.make_retry(2).increment('POST', URL, error=ProxyError('Unable to connect to proxy', refused))
    assert (after.connect, after.read, after.other) == (1, 2, 0)


def test_retry_policy_follows_no_redirect_and_caps_back_off():
    retry = ds.make_retry(10)
    assert retry.redirect == 0 and not retry.raise_on_redirect
    for _attempt in range(8):
        retry = retry.increment('GET', URL, error=ProtocolError('Connection aborted.', DROPPED))
    assert retry.get_backoff_time() == ds.BACKOFF_MAX


def test_retry_policy_stops_at_its_deadline():
    """No attempt starts after the deadline (a later retry of a PUT would race the caller's polling)."""
    late = ds.make_retry(5, deadline=time.monotonic() - 1)
    with pytest.raises(MaxRetryError):
        late.increment('GET', URL, error=ReadTimeoutError(None, URL, 'Read timed out.'))
    assert not late.is_retry('GET', 503)
    assert late.new().deadline == late.deadline
    in_time = ds.make_retry(5, deadline=time.monotonic() + 60)
    assert in_time.is_retry('GET', 503) and in_time.increment('GET', URL, error=ProtocolError('Connection aborted.', DROPPED)).read == 4


@pytest.mark.parametrize('retries, expected', [(0, 30), (1, 60), (2, 90 + 1.25), (3, 120 + 1.25 + 2.25),
                                               (4, 150 + 1.25 + 2.25 + 4.25)])
def test_request_budget(retries, expected):
    assert ds.request_budget(30, retries) == pytest.approx(expected)


@pytest.mark.parametrize('value, seconds', [('120', 120), (' 5 ', 5), ('soon', None), (None, None), ('', None),
                                            ('Wed, 21 Oct 2015 07:28:00 GMT', 0)])
def test_retry_after_seconds(value, seconds):
    assert ds.retry_after_seconds(value) == seconds


def test_retry_after_as_a_date_in_the_future():
    later = email.utils.formatdate(time.time() + 3600, usegmt=True)
    assert 3500 < ds.retry_after_seconds(later) <= 3600


def test_error_fail_kwargs():
    assert ds.DocSpaceError('x', 403).fail_kwargs() == {'msg': 'x', 'status': 403}
    assert ds.DocSpaceError('x').fail_kwargs() == {'msg': 'x'}
    partial = ds.DocSpaceError('x', 504, changed=True, api_key={'id': 'k'})
    assert partial.fail_kwargs() == {'msg': 'x', 'status': 504, 'changed': True, 'api_key': {'id': 'k'}}
    assert not partial.answer_lost and not partial.timed_out
    assert ds.DocSpaceError('x', timed_out=True).answer_lost


def test_deeply_nested_json_is_not_json():
    assert ds.parse_json('[' * 200000) is ds.NOT_JSON
    with pytest.raises(ds.DocSpaceError, match='not JSON'):
        ds.read_answer(200, '[' * 200000, 'GET', URL)


# ---------------------------------------------------------------------------------------------------------------------
# Connection options: ranges, blanks, credentials in the URL, where a value came from
# ---------------------------------------------------------------------------------------------------------------------

def test_header_problem():
    assert ds.header_problem('Bearer sk-abc') is None
    assert 'cannot be sent' in ds.header_problem('Bearer sk-abc\u200b')
    for char in '\r\n\0':
        assert 'line break or NUL' in ds.header_problem('Bearer sk' + char + 'abc')


@pytest.mark.parametrize('options, words', [
    (dict(api_key='sk-abc\u200b'), 'api_key contains characters'),
    (dict(api_key='sk-abc\ndef'), 'api_key contains a line break'),
    (dict(api_key=None, auth_token='to\0ken'), 'auth_token contains a line break'),
    (dict(api_key=' '), 'api_key is blank'),
    (dict(api_key='Bearer  '), 'api_key is blank'),
    (dict(api_key=None, auth_token=''), 'auth_token is blank'),
    (dict(api_key=None, username=' ', password='pw'), 'username is blank'),
    (dict(api_key=None, username='u', password=' '), 'password is blank'),
    (dict(api_key=None), 'No credentials'),
    (dict(timeout=1e300), 'timeout must be a number of seconds more than 0 and at most 3600'),
    (dict(timeout=0), 'timeout must be'), (dict(timeout=-1), 'timeout must be'), (dict(timeout=float('nan')), 'timeout must be'),
    (dict(timeout=float('inf')), 'timeout must be'), (dict(timeout='3'), 'timeout must be'), (dict(timeout=True), 'timeout must be'),
    (dict(retries=-1), 'retries must be a whole number from 0 to 10'), (dict(retries=11), 'retries must be'),
    (dict(retries=1.5), 'retries must be'),
    (dict(base_url='http://alice:pw-9f3k@portal.test'), 'base_url must not hold a user name or password'),
    (dict(base_url='http://token-9f3k@portal.test'), 'base_url must not hold a user name or password'),
    (dict(ca_path='/nonexistent/ca.pem'), 'ca_path /nonexistent/ca.pem, which does not exist'),
])
def test_client_refuses_bad_options_before_any_request(server, options, words):
    with pytest.raises(ds.DocSpaceError) as caught:
        make_client(server, **options)
    assert words in caught.value.message
    assert 'pw-9f3k' not in caught.value.message and 'token-9f3k' not in caught.value.message
    assert server.requests == []


def test_client_accepts_the_ends_of_the_ranges(server):
    assert make_client(server, timeout=3600, retries=10).budget() > 3600 * 11
    assert make_client(server, timeout=0.001, retries=0).budget() == 0.001


def test_ca_path_that_is_not_pem(server, tmp_path):
    der = tmp_path / 'ca.der'
    der.write_bytes(b'\x30\x82\x01\x0a' + b'\x00' * 64)
    with pytest.raises(ds.DocSpaceError, match='holds no PEM CA certificate'):
        make_client(server, ca_path=str(der))
    # A directory of hashed certificates (c_rehash) is what requests accepts too.
    assert make_client(server, ca_path=str(tmp_path)).session.verify == str(tmp_path)


def test_url_secrets():
    assert set(ds.url_secrets('http://alice:pw@host')) == {'alice:pw', 'pw'}
    assert ds.url_secrets('http://tok@host') == ['tok']
    assert ds.url_secrets('http://host') == [] and ds.url_secrets(None) == []
    assert 'pw' in ds.url_secrets('http://alice:pw@[::1')


PARAMS = dict(base_url='https://portal.test', api_key=None, auth_token=None, username=None, password=None)


@pytest.mark.parametrize('given, environ, words', [
    (dict(base_url=None), {}, ['base_url is required', 'DOCSPACE_URL']),
    (dict(base_url=' '), {}, ['base_url is required']),
    ({}, {}, ['No credentials', 'DOCSPACE_API_KEY', 'DOCSPACE_AUTH_TOKEN', 'DOCSPACE_USERNAME', 'DOCSPACE_PASSWORD']),
    (dict(api_key='sk-env', username='me', password='pw'), dict(DOCSPACE_API_KEY='sk-env'),
     ['api_key (from the DOCSPACE_API_KEY environment variable) and username are mutually exclusive', 'unset DOCSPACE_API_KEY']),
    (dict(api_key='sk-a', auth_token='t'), {}, ['api_key and auth_token are mutually exclusive', 'keep only one']),
    (dict(password='pw'), dict(DOCSPACE_PASSWORD='pw'),
     ['password (from the DOCSPACE_PASSWORD environment variable) is set but username is not', 'DOCSPACE_USERNAME']),
    (dict(username='me'), {}, ['username is set but password is not', 'DOCSPACE_PASSWORD']),
    (dict(api_key='sk-a', password='pw'), {}, ['password goes with username, not with api_key']),
    (dict(api_key=' '), dict(DOCSPACE_API_KEY=' '), ['api_key (from the DOCSPACE_API_KEY environment variable) is blank']),
])
def test_connection_problems_name_the_environment(given, environ, words):
    problem = ds.connection_problem(dict(PARAMS, **given), environ)
    assert problem and all(word in problem for word in words), problem


@pytest.mark.parametrize('given', [dict(api_key='sk-a'), dict(auth_token='t'), dict(username='me', password='pw')])
def test_connection_options_that_work(given):
    assert ds.connection_problem(dict(PARAMS, **given), {}) is None


def test_a_value_the_task_set_is_not_said_to_come_from_the_environment():
    params = dict(PARAMS, api_key='sk-task', username='me')
    assert ds.described(params, 'api_key', dict(DOCSPACE_API_KEY='sk-other')) == 'api_key'
    assert ds.described(params, 'username', {}) == 'username'
    assert 'DOCSPACE_API_KEY' in ds.described(params, 'api_key', dict(DOCSPACE_API_KEY='sk-task'))


@pytest.mark.parametrize('validate_certs, ca_path, environ, expected', [
    (True, None, {}, (True, None)),
    (True, None, dict(REQUESTS_CA_BUNDLE='/r.pem', CURL_CA_BUNDLE='/c.pem'), ('/r.pem', 'REQUESTS_CA_BUNDLE')),
    (True, None, dict(REQUESTS_CA_BUNDLE='', CURL_CA_BUNDLE='/c.pem'), ('/c.pem', 'CURL_CA_BUNDLE')),
    (True, '/ca.pem', dict(REQUESTS_CA_BUNDLE='/r.pem'), ('/ca.pem', 'ca_path')),
    (False, '/ca.pem', dict(REQUESTS_CA_BUNDLE='/r.pem', CURL_CA_BUNDLE='/c.pem'), (False, 'validate_certs')),
])
def test_trust_store_options_win_over_the_environment(validate_certs, ca_path, environ, expected):
    assert ds.trust_store(validate_certs, ca_path, environ) == expected


@pytest.mark.parametrize('text, words', [
    ("[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: self-signed certificate in certificate chain (_ssl.c:1006)",
     'could not be verified (self-signed certificate in certificate chain)'),
    ('[SSL: WRONG_VERSION_NUMBER] wrong version number (_ssl.c:1006)', 'does not speak TLS there (is it http://?)'),
    ('[SSL] record layer failure (_ssl.c:1000)', 'is it http://?'),
    ('[SSL: TLSV1_ALERT_PROTOCOL_VERSION] tlsv1 alert protocol version (_ssl.c:1006)',
     'TLS handshake with the portal failed (tlsv1 alert protocol version'),
])
def test_tls_messages(text, words):
    message = ds.tls_message(requests.exceptions.SSLError(text), 'GET x', None)
    assert words in message and '_ssl.c' not in message


def test_tls_message_names_the_trust_store_from_the_environment():
    error = requests.exceptions.SSLError('certificate verify failed: unable to get local issuer certificate (_ssl.c:1006)')
    assert 'against the CA bundle of the REQUESTS_CA_BUNDLE environment variable' in ds.tls_message(error, 'GET x', 'REQUESTS_CA_BUNDLE')
    assert 'against the CA bundle of ca_path' in ds.tls_message(error, 'GET x', 'ca_path')


@pytest.mark.parametrize('error, lost, timed_out', [
    (requests.exceptions.ReadTimeout('read timed out'), True, True),
    (requests.exceptions.ConnectionError(ReadTimeoutError(None, URL, 'Read timed out. (read timeout=1)')), True, True),
    (requests.exceptions.ConnectionError(MaxRetryError(None, URL, ReadTimeoutError(None, URL, 'Read timed out.'))), True, True),
    (requests.exceptions.ConnectionError(ProtocolError('Connection aborted.', DROPPED)), True, False),
    (requests.exceptions.ConnectionError(MaxRetryError(None, URL, ProtocolError('Connection aborted.', DROPPED))), True, False),
    (requests.exceptions.ChunkedEncodingError('IncompleteRead'), True, False),
    (requests.exceptions.ContentDecodingError('bad gzip'), True, False),
    (requests.exceptions.ConnectTimeout('connect timed out'), False, False),
    (requests.exceptions.ConnectionError(MaxRetryError(None, URL, NewConnectionError(None, 'refused'))), False, False),
    (requests.exceptions.SSLError('certificate verify failed'), False, False),
    (requests.exceptions.ConnectionError(), False, False),
])
def test_which_failures_lost_the_answer(error, lost, timed_out):
    assert ds.is_answer_lost(error) is lost
    assert ds.is_read_timeout(error) is timed_out


# ---------------------------------------------------------------------------------------------------------------------
# Real requests to a loopback server, in a hostile environment: a ~/.netrc with a default entry, CA bundle variables
# that do not hold the test CA, proxy variables pointing nowhere with NO_PROXY covering loopback
# ---------------------------------------------------------------------------------------------------------------------

NETRC_LOGIN, NETRC_PASSWORD = 'gituser', 'ghp_netrcsecret0123'
SECRET = 'sk-' + 'c' * 64


class Loopback:
    """A raw HTTP/1.1 server on 127.0.0.1: each connection gets one request, answered by self.reply(conn, request)."""

    def __init__(self, tls=None):
        self.requests = []
        self.reply = lambda conn, request: send(conn, 200, envelope([{'id': 'k'}]))
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(('127.0.0.1', 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.tls = tls
        self.url = '%s://127.0.0.1:%d' % ('https' if tls else 'http', self.port)
        self.closed = False
        threading.Thread(target=self.serve, daemon=True).start()

    def serve(self):
        while not self.closed:
            try:
                conn, _address = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self.handle, args=(conn,), daemon=True).start()

    def handle(self, conn):
        try:
            if self.tls:
                conn = self.tls.wrap_socket(conn, server_side=True)
            conn.settimeout(30)
            data = b''
            while b'\r\n\r\n' not in data:
                chunk = conn.recv(65536)
                if not chunk:
                    return
                data += chunk
                if not data[:1].isalpha():  # a TLS handshake sent to plain HTTP: answered as a web server would
                    send(conn, 400, 'not HTTP')
                    return
            head, _sep, body = data.partition(b'\r\n\r\n')
            lines = head.decode('latin-1').split('\r\n')
            headers = {}
            for line in lines[1:]:
                name, _colon, value = line.partition(':')
                headers[name.strip().lower()] = value.strip()
            while len(body) < int(headers.get('content-length', 0)):
                body += conn.recv(65536)
            method, target, _version = lines[0].split(' ', 2)
            request = dict(method=method, target=target, headers=headers, body=body)
            self.requests.append(request)
            self.reply(conn, request)
        except (OSError, ssl.SSLError):
            pass
        finally:
            with contextlib.suppress(OSError):
                conn.close()

    def stop(self):
        self.closed = True
        with contextlib.suppress(OSError):
            self.sock.shutdown(socket.SHUT_RDWR)  # wakes the accept() of the serving thread
        self.sock.close()


def send(conn, status, body=b'', headers=None, reason='X'):
    body = body.encode('utf-8') if isinstance(body, str) else body
    head = {'Content-Type': 'application/json; charset=utf-8', 'Content-Length': str(len(body)), 'Connection': 'close'}
    head.update(headers or {})
    lines = ''.join('%s: %s\r\n' % item for item in head.items() if item[1] is not None)
    conn.sendall(('HTTP/1.1 %d %s\r\n%s\r\n' % (status, reason, lines)).encode('latin-1') + body)


@pytest.fixture(scope='module')
def tls_material(tmp_path_factory):
    """A CA, a server certificate it signed for 127.0.0.1, and an unrelated CA (openssl command line)."""
    if not shutil.which('openssl'):
        pytest.skip('the openssl command is needed to make test certificates')
    directory = tmp_path_factory.mktemp('tls')
    names = ('ca.pem', 'ca.key', 'other.pem', 'other.key', 'srv.pem', 'srv.key', 'srv.csr', 'ext.cnf')
    paths = {name: str(directory / name) for name in names}
    with open(paths['ext.cnf'], 'w') as ext:
        ext.write('subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n')
    for name in ('ca', 'other'):
        subprocess.run(['openssl', 'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', '/CN=unit %s' % name,
                        '-keyout', paths[name + '.key'], '-out', paths[name + '.pem'],
                        '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign'],
                       check=True, capture_output=True)
    subprocess.run(['openssl', 'req', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=127.0.0.1', '-keyout', paths['srv.key'],
                    '-out', paths['srv.csr']], check=True, capture_output=True)
    subprocess.run(['openssl', 'x509', '-req', '-in', paths['srv.csr'], '-CA', paths['ca.pem'], '-CAkey', paths['ca.key'],
                    '-CAcreateserial', '-days', '2', '-out', paths['srv.pem'], '-extfile', paths['ext.cnf']],
                   check=True, capture_output=True)
    return paths


@pytest.fixture(autouse=True)
def hostile_environment(monkeypatch, tmp_path, request):
    """~/.netrc with a default entry, CA bundle variables without any test CA, a dead proxy except for loopback."""
    for name in list(os.environ):
        if name.startswith('DOCSPACE_'):
            monkeypatch.delenv(name)
    home = tmp_path / 'home'
    home.mkdir()
    netrc = home / '.netrc'
    netrc.write_text('default login %s password %s\n' % (NETRC_LOGIN, NETRC_PASSWORD))
    netrc.chmod(0o600)
    monkeypatch.setenv('HOME', str(home))
    monkeypatch.setenv('NETRC', str(netrc))
    if 'tls_material' in request.fixturenames:
        other = request.getfixturevalue('tls_material')['other.pem']
        monkeypatch.setenv('REQUESTS_CA_BUNDLE', other)
        monkeypatch.setenv('CURL_CA_BUNDLE', other)
    for name in ('HTTP_PROXY', 'HTTPS_PROXY', 'http_proxy', 'https_proxy', 'ALL_PROXY', 'all_proxy'):
        monkeypatch.setenv(name, 'http://127.0.0.1:9')
    monkeypatch.setenv('NO_PROXY', '127.0.0.1,localhost')
    monkeypatch.setenv('no_proxy', '127.0.0.1,localhost')


@pytest.fixture
def server():
    loopback = Loopback()
    yield loopback
    loopback.stop()


@pytest.fixture
def tls_server(tls_material):
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(tls_material['srv.pem'], tls_material['srv.key'])
    loopback = Loopback(tls=context)
    yield loopback
    loopback.stop()


def make_client(server, **kwargs):
    options = dict(base_url=server.url + '/', api_key=SECRET, timeout=5, retries=0)
    options.update(kwargs)
    return ds.DocSpaceClient(**options)


def test_call_sends_the_request_and_returns_the_value_inside_the_envelope(server):
    client = make_client(server)
    assert client.call('POST', '/keys', {'name': 'n', 'permissions': ['*']}) == [{'id': 'k'}]
    [request] = server.requests
    assert (request['method'], request['target']) == ('POST', '/api/2.0/keys')
    assert json.loads(request['body']) == {'name': 'n', 'permissions': ['*']}
    assert request['headers']['authorization'] == 'Bearer ' + SECRET
    assert request['headers']['user-agent'] == ds.USER_AGENT == 'onlyoffice.docspace-ansible'
    assert request['headers']['accept'] == 'application/json'
    assert request['headers']['content-type'] == 'application/json'


@pytest.mark.parametrize('method', ['get', 'put', 'delete'])
def test_get_put_delete_send_their_method(server, method):
    client = make_client(server)
    call = getattr(client, method)
    assert (call('keys/1', {'isActive': False}) if method == 'put' else call('keys/1')) == [{'id': 'k'}]
    assert server.requests[0]['method'] == method.upper() and server.requests[0]['target'] == '/api/2.0/keys/1'
    if method == 'put':
        assert json.loads(server.requests[0]['body']) == {'isActive': False}


def test_post_sends_its_body(server):
    make_client(server).post('keys', {'name': 'x'})
    assert server.requests[0]['method'] == 'POST' and json.loads(server.requests[0]['body']) == {'name': 'x'}


def test_netrc_is_never_used(server):
    """The ~/.netrc default entry would replace the Bearer header with Basic auth of someone else."""
    make_client(server).get('keys')
    make_client(server, auth_token='session-token', api_key=None).get('keys')
    make_client(server, api_key=None, username='admin@example.com', password='pw').get('keys')
    sent = [request['headers'].get('authorization') for request in server.requests]
    assert sent[:2] == ['Bearer ' + SECRET, 'session-token']
    assert sent[2] == 'Basic ' + base64.b64encode(b'admin@example.com:pw').decode()


def test_basic_auth_beyond_latin1_is_sent_as_utf8(server):
    make_client(server, api_key=None, username='\u0430\u0434\u043c\u0438\u043d', password='\u20ac').get('keys')
    expected = base64.b64encode('\u0430\u0434\u043c\u0438\u043d:\u20ac'.encode('utf-8')).decode()
    assert server.requests[0]['headers']['authorization'] == 'Basic ' + expected


def test_from_module_hides_url_credentials_from_the_invocation(server):
    module = ansible_module(dict(base_url='http://alice:pw-9f3k@127.0.0.1:%d' % server.port, api_key=SECRET))
    with pytest.raises(ds.DocSpaceError) as caught:
        ds.DocSpaceClient.from_module(module)
    assert 'pw-9f3k' not in caught.value.message and 'alice' not in caught.value.message
    assert {'alice:pw-9f3k', 'pw-9f3k'} <= module.no_log_values
    assert server.requests == []


def test_from_module_keeps_messages_readable_with_a_blank_secret(server):
    module = ansible_module(dict(base_url=server.url, api_key=' '))
    with pytest.raises(ds.DocSpaceError) as caught:
        ds.DocSpaceClient.from_module(module)
    assert caught.value.message == 'api_key is blank: set it to the real value.'
    assert ' ' not in module.no_log_values
    assert server.requests == []


def test_from_module_names_the_environment_variable_of_a_conflicting_key(server, monkeypatch):
    monkeypatch.setenv('DOCSPACE_API_KEY', SECRET)
    module = ansible_module(dict(base_url=server.url, username='me', password='pw'))
    with pytest.raises(ds.DocSpaceError, match='from the DOCSPACE_API_KEY environment variable'):
        ds.DocSpaceClient.from_module(module)


def test_from_module_without_base_url_names_its_variable():
    with pytest.raises(ds.DocSpaceError, match='DOCSPACE_URL'):
        ds.DocSpaceClient.from_module(ansible_module(dict(api_key=SECRET)))


def test_from_module_without_requests(monkeypatch):
    monkeypatch.setattr(ds, 'REQUESTS_IMPORT_ERROR', 'Traceback: no requests')
    with pytest.raises(ds.DocSpaceError) as caught:
        ds.DocSpaceClient.from_module(ansible_module(dict(base_url='https://portal.test', api_key=SECRET)))
    assert '(requests)' in caught.value.message and caught.value.fail_kwargs()['exception'] == 'Traceback: no requests'


def test_every_secret_option_is_no_log(server):
    """AnsibleModule masks the values of api_key, auth_token and password in every output."""
    for options in (dict(api_key='sk-nolog-1'), dict(auth_token='nolog-token-2'), dict(username='me', password='nolog-pw-3')):
        module = ansible_module(dict(options, base_url=server.url))
        secret = [value for name, value in options.items() if name != 'username'][0]
        assert secret in module.no_log_values
        assert 'me' not in module.no_log_values


def test_certificates_are_verified_unless_the_task_says_otherwise(server, monkeypatch):
    for name in ds.CA_BUNDLE_ENV:
        monkeypatch.delenv(name, raising=False)
    warned = []
    module = ansible_module(dict(base_url='https://portal.test', api_key=SECRET))
    module.warn = warned.append
    assert ds.DocSpaceClient.from_module(module).session.verify is True and not warned
    module = ansible_module(dict(base_url='https://portal.test', api_key=SECRET, validate_certs=False))
    module.warn = warned.append
    assert ds.DocSpaceClient.from_module(module).session.verify is False
    assert warned == ['validate_certs is false: the portal TLS certificate is not verified.']


def test_from_module_passes_every_option(server, tls_material):
    module = ansible_module(dict(base_url=server.url + '/x', api_key=SECRET, timeout=7, retries=2, ca_path=tls_material['ca.pem']))
    client = ds.DocSpaceClient.from_module(module)
    assert (client.root, client.timeout, client.retries, client.session.verify) == (
        server.url + '/x/api/2.0', 7, 2, tls_material['ca.pem'])
    assert client.session.headers['Authorization'] == 'Bearer ' + SECRET
    token = ds.DocSpaceClient.from_module(ansible_module(dict(base_url=server.url, auth_token='tok')))
    assert token.session.headers['Authorization'] == 'tok'
    basic = ds.DocSpaceClient.from_module(ansible_module(dict(base_url=server.url, username='me', password='pw')))
    assert basic.session.auth == ('me', 'pw') and 'Authorization' not in basic.session.headers


def test_proxy_variables_are_honoured(server, monkeypatch):
    """HTTP_PROXY reaches a host NO_PROXY does not cover: the loopback server gets the absolute-form request."""
    monkeypatch.setenv('HTTP_PROXY', server.url)
    monkeypatch.setenv('http_proxy', server.url)
    client = ds.DocSpaceClient('http://portal.invalid', api_key=SECRET, timeout=5, retries=0)
    assert client.get('keys') == [{'id': 'k'}]
    assert server.requests[0]['target'] == 'http://portal.invalid/api/2.0/keys'
    assert server.requests[0]['headers']['authorization'] == 'Bearer ' + SECRET
    assert make_client(server).proxies == {}


def test_redirects_are_not_followed(server):
    server.reply = lambda conn, request: send(conn, 301, headers={'Location': 'https://portal.test/api/2.0/keys'})
    with pytest.raises(ds.DocSpaceError) as caught:
        make_client(server).post('keys', {'name': 'n'})
    assert caught.value.status == 301 and 'set base_url to https://portal.test.' in caught.value.message
    assert 'redirected (HTTP 301) to https://portal.test/api/2.0/keys' in caught.value.message
    assert [request['method'] for request in server.requests] == ['POST']


def test_a_redirect_to_another_path_or_without_location(server):
    server.reply = lambda conn, request: send(conn, 302, headers={'Location': '/login?next=x'})
    with pytest.raises(ds.DocSpaceError, match='to http://127.0.0.1:%d/login, and' % server.port) as caught:
        make_client(server).put('keys/1', {'isActive': False})
    assert caught.value.status == 302 and 'next=x' not in caught.value.message
    server.reply = lambda conn, request: send(conn, 307)
    with pytest.raises(ds.DocSpaceError, match='says nowhere to go'):
        make_client(server).get('keys')
    assert len(server.requests) == 2


def test_a_budget_under_a_second_still_has_room_for_its_retry(server):
    answers = [(503, ''), (200, envelope(True))]
    server.reply = lambda conn, request: send(conn, *answers.pop(0))
    assert make_client(server, timeout=0.3, retries=1).put('keys/1', {}) is True
    assert len(server.requests) == 2


def test_busy_answers_are_retried_then_succeed(server):
    answers = [(503, ''), (429, ''), (200, envelope(True))]
    server.reply = lambda conn, request: send(conn, *answers.pop(0))
    assert make_client(server, retries=2).put('keys/1', {}) is True
    assert len(server.requests) == 3


@pytest.mark.parametrize('status', [429, 500, 502, 503, 504])
def test_a_post_is_never_retried_after_a_busy_or_failed_answer(server, status):
    """A creation answered like this may have happened: the key layer looks for the key instead of sending it again."""
    server.reply = lambda conn, request: send(conn, status)
    with pytest.raises(ds.DocSpaceError) as caught:
        make_client(server, retries=3).post('keys', {})
    assert caught.value.status == status and len(server.requests) == 1


def test_a_long_retry_after_is_not_slept(server):
    server.reply = lambda conn, request: send(conn, 429, headers={'Retry-After': '86400'})
    started = time.monotonic()
    with pytest.raises(ds.DocSpaceError) as caught:
        make_client(server, retries=3, timeout=5).get('keys')
    assert time.monotonic() - started < 3 and len(server.requests) == 1
    assert caught.value.status == 429 and 'asks to wait 86400 seconds (until ' in caught.value.message


def test_a_short_retry_after_is_slept(server):
    answers = [(503, '', {'Retry-After': '1'}), (200, envelope(1), None)]
    server.reply = lambda conn, request: send(conn, *answers.pop(0))
    started = time.monotonic()
    assert make_client(server, retries=1, timeout=5).get('keys') == 1
    assert time.monotonic() - started >= 0.95


def drip(conn, head, body, pause):
    conn.sendall(head)
    for byte in body:
        conn.sendall(bytes([byte]))
        time.sleep(pause)


@pytest.mark.parametrize('where', ['body', 'headers'])
def test_a_dripping_server_cannot_hold_a_request_past_its_budget(server, where):
    body = envelope(['x' * 200]).encode()
    if where == 'body':
        head = b'HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n' % len(body)
        server.reply = lambda conn, request: drip(conn, head, body, 0.1)
    else:
        server.reply = lambda conn, request: drip(conn, b'', b'HTTP/1.1 200 OK\r\nX-Slow: ' + b'y' * 400 + b'\r\n\r\n', 0.1)
    client = make_client(server, timeout=0.5, retries=1)
    started = time.monotonic()
    with pytest.raises(ds.DocSpaceError) as caught:
        client.get('keys')
    elapsed = time.monotonic() - started
    assert client.budget() == 1.0 and elapsed < client.budget() + ds.DEADLINE_SLACK + 0.5
    assert caught.value.timed_out and caught.value.answer_lost
    assert 'no complete answer within 1 seconds' in caught.value.message


def test_no_answer_at_all_is_a_read_timeout(server):
    server.reply = lambda conn, request: time.sleep(3)
    with pytest.raises(ds.DocSpaceError) as caught:
        make_client(server, timeout=0.3).put('keys/1', {})
    assert caught.value.timed_out and caught.value.answer_lost
    assert 'no answer within the 0.3-second timeout' in caught.value.message


def test_a_refused_connection_lost_no_answer():
    with socket.socket() as unused:
        unused.bind(('127.0.0.1', 0))
        port = unused.getsockname()[1]
    with pytest.raises(ds.DocSpaceError) as caught:
        ds.DocSpaceClient('http://127.0.0.1:%d' % port, api_key=SECRET, retries=1).post('keys', {})
    assert 'could not connect' in caught.value.message
    assert not caught.value.answer_lost and not caught.value.timed_out


def test_an_answer_cut_short_is_lost(server):
    server.reply = lambda conn, request: conn.sendall(b'HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n{"resp')
    with pytest.raises(ds.DocSpaceError) as caught:
        make_client(server).post('keys', {})
    assert 'cut short' in caught.value.message and caught.value.answer_lost and not caught.value.timed_out


def test_a_connection_dropped_after_the_request_is_lost(server):
    with pytest.raises(ds.DocSpaceError) as caught:
        server.reply = lambda conn, request: None
        make_client(server).delete('keys/1')
    assert caught.value.answer_lost and 'closed without an answer' in caught.value.message


@pytest.mark.parametrize('first', ['dropped', 'timed out', 502, 504])
def test_a_retried_write_whose_first_answer_was_lost_fails_as_lost(server, first):
    """The first DELETE got through (the key in use is gone) but its answer was lost; the retry is refused (401)."""
    def reply(conn, request):
        if len(server.requests) > 1:
            send(conn, 401)
        elif first == 'timed out':
            time.sleep(1.5)
        elif first != 'dropped':
            send(conn, first)
    server.reply = reply
    with pytest.raises(ds.DocSpaceError) as caught:
        make_client(server, timeout=0.5, retries=2).delete('keys/1')
    assert caught.value.status == 401 and caught.value.answer_lost and len(server.requests) == 2


@pytest.mark.parametrize('first, last', [(503, 401), (429, 401), (504, 400), ('timed out', 400)])
def test_a_retried_write_fails_as_answered_when_no_attempt_can_have_been_carried_out(server, first, last):
    """A 503 or 429 is the portal (or its limiter) saying no; a 400 refuses the body every attempt carried."""
    def reply(conn, request):
        if len(server.requests) > 1:
            send(conn, last)
        elif first == 'timed out':
            time.sleep(1.5)
        else:
            send(conn, first)
    server.reply = reply
    with pytest.raises(ds.DocSpaceError) as caught:
        make_client(server, timeout=0.5, retries=2).put('keys/1', {})
    assert caught.value.status == last and not caught.value.answer_lost and len(server.requests) == 2


def test_a_retried_write_whose_first_connection_was_refused_fails_as_not_sent():
    with socket.socket() as unused:
        unused.bind(('127.0.0.1', 0))
        port = unused.getsockname()[1]
    with pytest.raises(ds.DocSpaceError) as caught:
        ds.DocSpaceClient('http://127.0.0.1:%d' % port, api_key=SECRET, timeout=2, retries=1).put('keys/1', {})
    assert not caught.value.answer_lost and caught.value.status is None


def test_an_endless_answer_is_cut_at_the_size_cap(server, monkeypatch):
    monkeypatch.setattr(ds, 'MAX_ANSWER_BYTES', 300000)

    def endless(conn, request):
        conn.sendall(b'HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n\r\n{"response": [')
        with contextlib.suppress(OSError):
            while True:
                conn.sendall(b'"x", ' * 1000)
    server.reply = endless
    with pytest.raises(ds.DocSpaceError, match='larger than 0 MB') as caught:
        make_client(server).get('keys')
    assert caught.value.answer_lost


def test_a_gzip_bomb_is_cut_at_the_size_cap(server, monkeypatch):
    monkeypatch.setattr(ds, 'MAX_ANSWER_BYTES', 1024 * 1024)
    bomb = gzip.compress(b'[' * (20 * 1024 * 1024))
    server.reply = lambda conn, request: send(conn, 200, bomb, {'Content-Encoding': 'gzip'})
    with pytest.raises(ds.DocSpaceError, match='larger than 1 MB'):
        make_client(server).get('keys')


def test_an_answer_near_the_cap_is_read(server, monkeypatch):
    monkeypatch.setattr(ds, 'MAX_ANSWER_BYTES', 200000)
    value = ['k' * 100] * 1500  # about 156 KB
    server.reply = lambda conn, request: send(conn, 200, gzip.compress(envelope(value).encode()), {'Content-Encoding': 'gzip'})
    assert make_client(server).get('keys') == value


def test_the_real_cap_holds_a_list_of_10000_keys():
    assert ds.MAX_ANSWER_BYTES >= 4 * 8 * 1024 * 1024


def test_the_answer_charset_is_used(server):
    body = '{"response": "\u00e9"}'  # not escaped as \\u00e9: the charset decides
    server.reply = lambda conn, request: send(conn, 200, body.encode('latin-1'),
                                              {'Content-Type': 'application/json; charset=latin-1'})
    assert make_client(server).get('keys') == '\u00e9'
    server.reply = lambda conn, request: send(conn, 200, body.encode('utf-8'),
                                              {'Content-Type': 'application/json; charset=no-such-charset'})
    assert make_client(server).get('keys') == '\u00e9'


def test_tls_with_ca_path_beats_the_environment(tls_server, tls_material):
    assert make_client(tls_server, ca_path=tls_material['ca.pem']).get('keys') == [{'id': 'k'}]


def test_tls_without_options_uses_the_environment_bundle(tls_server, tls_material, monkeypatch):
    with pytest.raises(ds.DocSpaceError) as caught:
        make_client(tls_server).get('keys')
    assert 'could not be verified against the CA bundle of the REQUESTS_CA_BUNDLE environment variable' in caught.value.message
    assert tls_server.requests == []
    monkeypatch.setenv('REQUESTS_CA_BUNDLE', tls_material['ca.pem'])
    assert make_client(tls_server).get('keys') == [{'id': 'k'}]


def test_tls_validate_certs_false_beats_the_environment(tls_server):
    assert make_client(tls_server, validate_certs=False).get('keys') == [{'id': 'k'}]


def test_tls_with_a_missing_environment_bundle(tls_server, monkeypatch):
    monkeypatch.setenv('REQUESTS_CA_BUNDLE', '/nonexistent/bundle.pem')
    with pytest.raises(ds.DocSpaceError, match='the REQUESTS_CA_BUNDLE environment variable names /nonexistent/bundle.pem, which does not exist'):
        make_client(tls_server)


def test_tls_with_the_wrong_ca(tls_server, tls_material):
    with pytest.raises(ds.DocSpaceError) as caught:
        make_client(tls_server, ca_path=tls_material['other.pem']).get('keys')
    assert 'could not be verified against the CA bundle of ca_path' in caught.value.message
    assert caught.value.message.startswith('GET %s/api/2.0/keys failed: the TLS certificate' % tls_server.url)


def test_https_to_a_plain_http_server(server, tls_material):
    url = server.url.replace('http://', 'https://')
    with pytest.raises(ds.DocSpaceError, match=r'does not speak TLS there \(is it http://\?\)'):
        ds.DocSpaceClient(url, api_key=SECRET, ca_path=tls_material['ca.pem'], retries=0, timeout=5).get('keys')


def ansible_module(args):
    """A real AnsibleModule with the connection options (no_log, fallbacks, defaults as the modules get them)."""
    with patch_module_args(args):
        return AnsibleModule(argument_spec=ds.docspace_argument_spec(), **ds.docspace_argument_rules())


# ---------------------------------------------------------------------------------------------------------------------
# Every message, word for word (they are what the user reads)
# ---------------------------------------------------------------------------------------------------------------------

KEYS = 'http://127.0.0.1:1/api/2.0/keys'


def test_option_or_env():
    assert ds.option_or_env('api_key') == 'api_key (or the DOCSPACE_API_KEY environment variable)'


@pytest.mark.parametrize('given, environ, expected', [
    (dict(base_url=None), {}, 'base_url is required: set base_url (or the DOCSPACE_URL environment variable) to the portal '
                              'URL, for example https://portal.example.com.'),
    ({}, {}, 'No credentials: set api_key (or the DOCSPACE_API_KEY environment variable), auth_token (or the '
             'DOCSPACE_AUTH_TOKEN environment variable), or username (or the DOCSPACE_USERNAME environment variable) with '
             'password (or the DOCSPACE_PASSWORD environment variable).'),
    (dict(api_key='k', auth_token='t', username='u', password='p'), dict(DOCSPACE_AUTH_TOKEN='t', DOCSPACE_USERNAME='u'),
     'api_key and auth_token (from the DOCSPACE_AUTH_TOKEN environment variable) and username (from the DOCSPACE_USERNAME '
     'environment variable) are mutually exclusive: authenticate one way only (unset DOCSPACE_AUTH_TOKEN and '
     'DOCSPACE_USERNAME or drop the task option).'),
    (dict(api_key='k', auth_token='t'), {},
     'api_key and auth_token are mutually exclusive: authenticate one way only (keep only one of them).'),
    (dict(password='p'), {}, 'password is set but username is not: set username (or the DOCSPACE_USERNAME environment '
                             'variable) too.'),
    (dict(username='u'), dict(DOCSPACE_USERNAME='u'), 'username (from the DOCSPACE_USERNAME environment variable) is set '
                                                      'but password is not: set password (or the DOCSPACE_PASSWORD '
                                                      'environment variable) too.'),
    (dict(auth_token='t', password='p'), {}, 'password goes with username, not with auth_token: remove one of them.'),
    (dict(auth_token=' '), {}, 'auth_token is blank: set it to the real value.'),
    (dict(username='u', password=''), {}, 'password is blank: set it to the real value.'),
    (dict(username=' ', password='p'), {}, 'username is blank: set it to the real value.'),
    (dict(api_key='Bearer  '), {}, 'api_key is blank: set it to the real value.'),
    (dict(api_key='k', password='p'), dict(DOCSPACE_API_KEY='k', DOCSPACE_PASSWORD='p'),
     'password (from the DOCSPACE_PASSWORD environment variable) goes with username, not with api_key (from the '
     'DOCSPACE_API_KEY environment variable): remove one of them.'),
])
def test_connection_problem_messages(given, environ, expected):
    assert ds.connection_problem(dict(PARAMS, **given), environ) == expected


def test_connection_problem_reads_the_process_environment(monkeypatch):
    monkeypatch.setenv('DOCSPACE_API_KEY', 'k')
    assert 'from the DOCSPACE_API_KEY' in ds.connection_problem(dict(PARAMS, api_key='k', auth_token='t'))


@pytest.mark.parametrize('location, expected', [
    ('https://portal.test/api/2.0/keys', 'GET %s was redirected (HTTP 301) to https://portal.test/api/2.0/keys, and redirects '
                                         'are not followed (a creation would be re-sent as a GET, and credentials could go '
                                         'to another host): set base_url to https://portal.test.' % KEYS),
    (' https://u:p@portal.test/sub/api/2.0/keys?x=1 ', 'GET %s was redirected (HTTP 301) to https://portal.test/sub/api/2.0/keys, '
                                                       'and redirects are not followed (a creation would be re-sent as a '
                                                       'GET, and credentials could go to another host): set base_url to '
                                                       'https://portal.test/sub.' % KEYS),
    ('/elsewhere', 'GET %s was redirected (HTTP 301) to http://127.0.0.1:1/elsewhere, and redirects are not followed (a '
                   'creation would be re-sent as a GET, and credentials could go to another host): set base_url to '
                   'http://127.0.0.1:1/elsewhere.' % KEYS),
    (None, 'GET %s was answered with a redirect (HTTP 301) that says nowhere to go; check base_url.' % KEYS),
    ('', 'GET %s was answered with a redirect (HTTP 301) that says nowhere to go; check base_url.' % KEYS),
])
def test_redirect_messages(location, expected):
    assert ds.redirect_message('GET ' + KEYS, 301, KEYS, location, 'http://127.0.0.1:1/api/2.0') == expected


@pytest.mark.parametrize('text, expected', [
    (None, 'an empty body'), ('', 'an empty body'), (' \n', 'an empty body'),
    ('  <!DOCTYPE html><p>', 'an HTML page'), ('<HTML>', 'an HTML page'), ('<?xml?>\n<html>', 'an HTML page'),
    ('<head><title>x', 'an HTML page'), ('{"a": 1}', 'JSON of another shape'),
    ('hello', 'a body that is not JSON (5 bytes)'), ('\u00e9t\u00e9', 'a body that is not JSON (5 bytes)'),
])
def test_describe_body(text, expected):
    assert ds.describe_body(text) == expected


@pytest.mark.parametrize('text, html', [
    ('x' * 194 + '<html>', True), ('x' * 196 + '<html>', False), ('x' * 195 + '<head>', True), ('x' * 197 + '<head>', False),
    ('    ' + 'x' * 194 + '<html>', True), ('<!doctype html>', True), ('<html lang="en">', True), ('<body>', False),
    ('<!doctype xml>', False), (None, False),
])
def test_looks_like_html(text, html):
    assert ds.looks_like_html(text) is html


@pytest.mark.parametrize('problem, expected', [
    ({'title': 'Bad.', 'errors': {'B': ['b1', 'b2'], 'A': 'a', '': ['empty']}}, 'body: empty; A: a; B: b1 b2'),
    ({'title': 'Only a title.'}, 'Only a title.'),
    ({'title': 7, 'errors': {}}, '7'),
    ({'errors': 'not a dict'}, None),
    ({'title': '', 'errors': None}, None),
])
def test_validation_message(problem, expected):
    assert ds.validation_message(problem) == expected


@pytest.mark.parametrize('data, expected', [
    ({'response': {'title': 'T.'}}, 'T.'),
    ({'response': {'errors': {'Name': ['long']}}}, 'Name: long'),
    ({'response': {'other': 1}}, None),
    ({'response': [1]}, None),
    ({'error': {'message': '  Denied.  '}}, 'Denied.'),
    ({'error': {'message': ' '}}, None),
    ({'error': 'text'}, None),
    ([1], None),
])
def test_portal_message(data, expected):
    assert ds.portal_message(data) == expected


@pytest.mark.parametrize('url, expected', [
    ('http://a@b:pw@host', ['a@b:pw', 'pw']),
    ('http://user@host', ['user']),
    ('http://user:p:w@[::1', ['user:p:w', 'p:w']),
    ('http://u:p@h:1@[::1', ['u:p@h:1', 'p@h:1']),
    ('http://u:pw@[::1/next=http://x', ['u:pw', 'pw']),
    ('http://[::1', []),
    ('', []),
])
def test_url_secrets_cases(url, expected):
    assert ds.url_secrets(url) == expected


@pytest.mark.parametrize('error, expected', [
    (requests.exceptions.ConnectionError("HTTPConnectionPool(host='h', port=1): Max retries exceeded (Caused by "
                                         "NewConnectionError('<x>: Failed to establish a new connection: [Errno 111] "
                                         "Connection refused'))"), 'Connection refused'),
    (requests.exceptions.ConnectionError('[Errno -2] Name or service not known)'), 'Name or service not known'),
    (requests.exceptions.ConnectionError('[errno 5] lower'), 'ConnectionError'),
    (requests.exceptions.ConnectionError("('Connection aborted.', RemoteDisconnected('Remote end closed'))"),
     'the connection was closed without an answer'),
    (requests.exceptions.ConnectionError('RemoteDisconnected'), 'the connection was closed without an answer'),
    (requests.exceptions.ConnectionError('Connection aborted'), 'the connection was closed without an answer'),
    (requests.exceptions.ConnectionError('connection RESET by peer'), 'the connection was closed without an answer'),
    (requests.exceptions.ProxyError('something else'), 'ProxyError'),
])
def test_connection_reason(error, expected):
    assert ds.connection_reason(error) == expected


@pytest.mark.parametrize('error, method, expected', [
    (requests.exceptions.ConnectionError('[Errno 111] Connection refused'), 'POST',
     'POST %s failed: could not connect to the portal (Connection refused).' % KEYS),
    (requests.exceptions.ReadTimeout('x'), 'GET', 'GET %s failed: no answer within the 2.5-second timeout (4 attempts).' % KEYS),
    (requests.exceptions.ConnectionError('Read timed out.'), 'POST', 'POST %s failed: no answer within the 2.5-second timeout.' % KEYS),
    (requests.exceptions.ChunkedEncodingError('x'), 'PUT',
     'PUT %s failed: the answer was cut short (the connection broke while it was being read).' % KEYS),
    (requests.exceptions.ContentDecodingError('x'), 'GET',
     'GET %s failed: the answer was cut short (the connection broke while it was being read).' % KEYS),
    (requests.exceptions.SSLError('[SSL: WRONG_VERSION_NUMBER] wrong version number'), 'GET',
     'GET %s failed: the server does not speak TLS there (is it http://?).' % KEYS),
    (requests.exceptions.InvalidHeader('x'), 'DELETE', 'DELETE %s failed: InvalidHeader.' % KEYS),
])
def test_transport_error_messages(error, method, expected):
    retried = 3 if method in ds.RETRY_METHODS else 0
    assert ds.transport_error_message(error, method, KEYS, 2.5, retried) == expected


def test_a_transport_error_message_counts_no_attempts_unless_told():
    message = ds.transport_error_message(requests.exceptions.ReadTimeout('x'), 'GET', KEYS, 2.5)
    assert message == 'GET %s failed: no answer within the 2.5-second timeout.' % KEYS


@pytest.mark.parametrize('text, source, expected', [
    ('[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: Hostname mismatch, certificate is not valid for '
     "'x'. (_ssl.c:1006)", None, 'GET x failed: the TLS certificate of the portal could not be verified (Hostname mismatch, '
     'certificate is not valid for); set ca_path to the CA bundle that signed it (or validate_certs to false for a test portal).'),
    ('CERTIFICATE VERIFY FAILED', 'ca_path', 'GET x failed: the TLS certificate of the portal could not be verified against '
     'the CA bundle of ca_path (certificate verify failed); set ca_path to the CA bundle that signed it (or validate_certs to '
     'false for a test portal).'),
    ('[SSL: UNEXPECTED_EOF_WHILE_READING] EOF occurred in violation of protocol', None,
     'GET x failed: the TLS handshake with the portal failed (EOF occurred in violation of protocol).'),
    ('[SSL: HTTP_REQUEST] http request (_ssl.c:1006)', None, 'GET x failed: the server does not speak TLS there (is it http://?).'),
    ('[SSL: SSLV3_ALERT_HANDSHAKE_FAILURE] sslv3 alert handshake failure (_ssl.c:1006)', None,
     'GET x failed: the TLS handshake with the portal failed (sslv3 alert handshake failure).'),
    ('odd', None, 'GET x failed: the TLS handshake with the portal failed (SSLError).'),
    ('[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: unable to verify the first certificate of PORTAL-X. '
     '(_ssl.c:1006)', None,
     'GET x failed: the TLS certificate of the portal could not be verified (unable to verify the first certificate of '
     'PORTAL-X); set ca_path to the CA bundle that signed it (or validate_certs to false for a test portal).'),
])
def test_tls_message_words(text, source, expected):
    assert ds.tls_message(requests.exceptions.SSLError(text), 'GET x', source) == expected


def test_ca_file_problems(tmp_path):
    unreadable = tmp_path / 'unreadable.pem'
    unreadable.write_text('x')
    assert ds.ca_file_problem(str(tmp_path / 'none.pem'), 'ca_path') == 'ca_path %s, which does not exist.' % (tmp_path / 'none.pem')
    assert ds.ca_file_problem(str(unreadable), 'CURL_CA_BUNDLE') == (
        'the CURL_CA_BUNDLE environment variable names %s, which holds no PEM CA certificate ("-----BEGIN CERTIFICATE-----"); '
        'give a PEM bundle.' % unreadable)
    assert ds.ca_file_problem('bad\0name', 'ca_path') == 'ca_path bad\0name, which is not a usable file name.'
    assert ds.ca_file_problem(str(tmp_path), 'ca_path') is None


def test_ca_file_that_cannot_be_read(tmp_path, tls_material):
    if os.geteuid() == 0:
        pytest.skip('root reads every file')
    locked = tmp_path / 'locked.pem'
    shutil.copy(tls_material['ca.pem'], str(locked))
    locked.chmod(0)
    assert ds.ca_file_problem(str(locked), 'ca_path') == 'ca_path %s, which cannot be read (Permission denied).' % locked


def test_ca_file_that_is_fine(tls_material):
    assert ds.ca_file_problem(tls_material['ca.pem'], 'ca_path') is None


def test_from_module_discards_every_blank_secret(server):
    for options in (dict(auth_token=' '), dict(username='me', password='  ')):
        module = ansible_module(dict(options, base_url=server.url))
        with pytest.raises(ds.DocSpaceError, match=r'^(auth_token|password) is blank: set it to the real value\.$'):
            ds.DocSpaceClient.from_module(module)
        assert not any(not value.strip() for value in module.no_log_values)


def test_every_method_name_is_sent_in_capitals_and_retried_as_such(server):
    answers = [(503, ''), (200, envelope(None))] * 3
    server.reply = lambda conn, request: send(conn, *answers.pop(0))
    client = make_client(server, retries=1)
    client.get('keys')
    client.put('keys/1', {})
    client.delete('keys/1')
    assert [request['method'] for request in server.requests] == ['GET', 'GET', 'PUT', 'PUT', 'DELETE', 'DELETE']


def test_failure_messages_name_the_method(server):
    server.reply = lambda conn, request: send(conn, 500)
    for method in ('get', 'post', 'put', 'delete'):
        call = getattr(make_client(server), method)
        with pytest.raises(ds.DocSpaceError) as caught:
            call('keys', {}) if method in ('post', 'put') else call('keys')
        assert caught.value.message == '%s %s/api/2.0/keys failed with HTTP 500: unexpected answer.' % (method.upper(), server.url)


def test_retry_after_message(server):
    server.reply = lambda conn, request: send(conn, 503, headers={'Retry-After': '7200'})
    with pytest.raises(ds.DocSpaceError) as caught:
        make_client(server, retries=2, timeout=1).get('keys')
    assert re.fullmatch(r'GET %s/api/2\.0/keys failed with HTTP 503: service unavailable; the portal asks to wait 7200 '
                        r'seconds \(until \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC\), longer than this request may take, so it was '
                        r'not retried: run the task again after that time\.' % re.escape(server.url), caught.value.message)
    assert caught.value.status == 503 and not caught.value.answer_lost


def test_too_large_message(server, monkeypatch):
    monkeypatch.setattr(ds, 'MAX_ANSWER_BYTES', 2 * 1024 * 1024)
    server.reply = lambda conn, request: send(conn, 200, b' ' * (3 * 1024 * 1024))
    with pytest.raises(ds.DocSpaceError) as caught:
        make_client(server).get('keys')
    assert caught.value.message == ('GET %s/api/2.0/keys failed: the answer was larger than 2 MB, which no DocSpace answer is; '
                                    'check that base_url is the portal URL.' % server.url)


def test_an_answer_of_exactly_the_cap_is_read(server, monkeypatch):
    body = envelope('x' * 1000).encode()
    monkeypatch.setattr(ds, 'MAX_ANSWER_BYTES', len(body))
    server.reply = lambda conn, request: send(conn, 200, body)
    assert make_client(server).get('keys') == 'x' * 1000


def test_the_budget_message(server):
    server.reply = lambda conn, request: drip(conn, b'', b'HTTP/1.1 200 OK\r\nX-Slow: ' + b'y' * 400 + b'\r\n\r\n', 0.1)
    with pytest.raises(ds.DocSpaceError) as caught:
        make_client(server, timeout=0.75, retries=0).get('keys')
    assert caught.value.message == ('GET %s/api/2.0/keys failed: no complete answer within 0.75 seconds (the time budget of '
                                    'a 0.75-second timeout and 0 retries); the portal or a proxy answered too slowly.' % server.url)


def test_other_failures_are_one_sentence(server, monkeypatch):
    def broken(*args, **kwargs):
        raise ValueError('odd')
    monkeypatch.setattr(requests.Session, 'request', broken)
    with pytest.raises(ds.DocSpaceError) as caught:
        make_client(server).get('keys')
    assert caught.value.message == 'GET %s/api/2.0/keys failed: ValueError.' % server.url


def test_insecure_request_warnings_are_silenced():
    with warnings.catch_warnings():
        warnings.simplefilter('error')
        ds.suppress_insecure_request_warning()
        warnings.warn('x', InsecureRequestWarning)


def test_header_problem_words():
    assert ds.header_problem('Bearer sk-XX') is None
    assert ds.header_problem('Bearer \u00e9') is None
    assert ds.header_problem('\u2018sk\u2019') == ('contains characters that cannot be sent in an HTTP header; check for pasted '
                                                   'quotes or invisible characters.')
    assert ds.header_problem('a\rb') == 'contains a line break or NUL character, which cannot be sent in an HTTP header.'


def test_timing_messages():
    with pytest.raises(ds.DocSpaceError) as caught:
        ds.check_timing(0, 1)
    assert caught.value.message == 'timeout must be a number of seconds more than 0 and at most 3600; got 0.'
    with pytest.raises(ds.DocSpaceError) as caught:
        ds.check_timing(1, 11)
    assert caught.value.message == 'retries must be a whole number from 0 to 10; got 11.'


def test_credential_messages():
    with pytest.raises(ds.DocSpaceError) as caught:
        ds.credential_header(None, None, None, None)
    assert caught.value.message == 'No credentials: set api_key, auth_token, or username with password.'
    with pytest.raises(ds.DocSpaceError) as caught:
        ds.credential_header(None, 'to\nken', None, None)
    assert caught.value.message == 'auth_token contains a line break or NUL character, which cannot be sent in an HTTP header.'
    with pytest.raises(ds.DocSpaceError) as caught:
        ds.credential_header(None, None, 'u', ' ')
    assert caught.value.message == 'password is blank: set it to the real value.'


def test_retry_jitter_when_urllib3_has_it():
    retry = ds.make_retry(1)
    assert getattr(retry, 'backoff_jitter', ds.BACKOFF_JITTER) == ds.BACKOFF_JITTER


def test_the_option_defaults_and_alias(server):
    module = ansible_module(dict(url=server.url, api_key=SECRET, ca_path='~/ca.pem'))
    client_params = module.params
    assert (client_params['base_url'], client_params['timeout'], client_params['retries']) == (server.url, 30, 3)
    assert client_params['ca_path'] == os.path.expanduser('~/ca.pem')


# ---------------------------------------------------------------------------------------------------------------------
# Edges: the URL path, answer text and charsets, the attempts counted, the watchdog, the retry policy per method
# ---------------------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize('given, expected', [
    ('https://portal.test/DOCX/', 'https://portal.test/DOCX/api/2.0'),
    ('https://portal.test/BOX/api/2.0', 'https://portal.test/BOX/api/2.0'),
    ('https://portal.test/sub//api/2.0', 'https://portal.test/sub/api/2.0'),
])
def test_api_root_trims_only_slashes_from_the_path(given, expected):
    assert ds.api_root(given) == expected


def test_api_root_messages():
    with pytest.raises(ds.DocSpaceError) as caught:
        ds.api_root(None)
    assert caught.value.message == ("base_url must be an http:// or https:// URL of the portal, for example "
                                    "https://portal.example.com; got ''.")
    with pytest.raises(ds.DocSpaceError) as caught:
        ds.api_root('https://alice:pw-9f3k@portal.test/sub?x=1')
    assert caught.value.message == ('base_url must not hold a user name or password (https://…@portal.test/sub); '
                                    'nothing was sent: set api_key, auth_token, or username and password instead.')


def test_ca_file_below_a_plain_file_cannot_be_read(tmp_path):
    plain = tmp_path / 'plain'
    plain.write_text('x')
    path = str(plain / 'ca.pem')
    assert ds.ca_file_problem(path, 'ca_path') == 'ca_path %s, which cannot be read (Not a directory).' % path


def test_ca_file_error_without_a_reason_is_named_by_its_kind(monkeypatch):
    def failing(cafile):
        raise OSError(cafile)
    monkeypatch.setattr(ds.ssl, 'create_default_context', failing)
    assert ds.ca_file_problem('/ca.pem', 'ca_path') == 'ca_path /ca.pem, which cannot be read (OSError).'


@pytest.mark.parametrize('content, encoding, expected', [
    ('\u00e9'.encode('latin-1'), 'latin-1', '\u00e9'),
    (b'caf\xc3\xa9', 'ascii', 'caf\ufffd\ufffd'),
    (b'caf\xc3\xa9\xff', 'utf-8', 'caf\u00e9\ufffd'),
    (b'caf\xc3\xa9\xff', None, 'caf\u00e9\ufffd'),
    (b'caf\xc3\xa9\xff', 'no-such-charset', 'caf\u00e9\ufffd'),
])
def test_decode_body_uses_the_charset_and_never_fails(content, encoding, expected):
    assert ds.decode_body(content, encoding) == expected


@pytest.mark.parametrize('text', [None, '', ' \n'])
def test_nothing_is_not_json(text):
    assert ds.parse_json(text) is ds.NOT_JSON


@pytest.mark.parametrize('status, body, expected', [
    (403, json.dumps({'error': {'message': 'Denied'}}),
     'HTTP 403: not allowed: the credentials are valid but may not do this (Denied).'),
    (500, json.dumps({'error': {'message': 'Invalid key prefix: XX.'}}), 'HTTP 500: Invalid key prefix: XX.'),
    (500, 'oops', 'HTTP 500: unexpected answer (the body was a body that is not JSON (4 bytes)).'),
    (300, envelope(1), 'HTTP 300: unexpected answer.'),
])
def test_read_answer_messages(status, body, expected):
    with pytest.raises(ds.DocSpaceError) as caught:
        ds.read_answer(status, body, 'GET', URL)
    assert caught.value.message == 'GET %s failed with %s' % (URL, expected) and caught.value.status == status


def test_retry_after_as_a_date_without_a_zone_is_utc():
    later = datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None) + datetime.timedelta(hours=1)
    value = email.utils.format_datetime(later)  # '... -0000': a date without a zone
    assert 3500 < ds.retry_after_seconds(value) <= 3600


def test_only_the_insecure_request_warning_is_silenced():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter('always')
        ds.suppress_insecure_request_warning()
        warnings.warn('insecure', InsecureRequestWarning)
        warnings.warn('other', UserWarning)
    assert [str(warning.message) for warning in caught] == ['other']


@pytest.mark.parametrize('path', ['keys', '/keys', '//keys'])
def test_url_joins_the_api_root_and_the_path(server, path):
    assert make_client(server).url(path) == server.url + '/api/2.0/keys'
    assert make_client(server).url('X' + path.lstrip('/')) == server.url + '/api/2.0/Xkeys'


def test_client_defaults_are_the_option_defaults():
    """30-second timeout and 3 retries, as the documented options."""
    assert ds.DocSpaceClient('https://portal.test', api_key=SECRET).budget() == 4 * 30 + 1.25 + 2.25


def test_a_user_name_without_password_sends_an_empty_password(server):
    make_client(server, api_key=None, username='me').get('keys')
    assert server.requests[0]['headers']['authorization'] == 'Basic ' + base64.b64encode(b'me:').decode()


def test_busy_answers_over_tls_are_retried(tls_server, tls_material):
    answers = [(503, ''), (200, envelope(True))]
    tls_server.reply = lambda conn, request: send(conn, *answers.pop(0))
    assert make_client(tls_server, ca_path=tls_material['ca.pem'], retries=1).get('keys') is True
    assert len(tls_server.requests) == 2


@pytest.mark.parametrize('method', ['POST', 'PATCH', 'HEAD', 'OPTIONS'])
def test_only_get_put_and_delete_are_ever_sent_again(server, method):
    server.reply = lambda conn, request: send(conn, 503)
    with pytest.raises(ds.DocSpaceError) as caught:
        make_client(server, retries=2).call(method, 'keys')
    assert caught.value.status == 503 and len(server.requests) == 1


@pytest.mark.parametrize('method, attempts, sent', [('get', ' (2 attempts)', 2), ('post', '', 1)])
def test_a_timeout_counts_the_attempts_of_a_retried_method_only(server, method, attempts, sent):
    server.reply = lambda conn, request: time.sleep(1)
    client = make_client(server, timeout=0.3, retries=1)
    with pytest.raises(ds.DocSpaceError) as caught:
        client.get('keys') if method == 'get' else client.post('keys', {})
    assert caught.value.message == ('%s %s/api/2.0/keys failed: no answer within the 0.3-second timeout%s.'
                                    % (method.upper(), server.url, attempts))
    assert len(server.requests) == sent


@pytest.mark.usefixtures('host_in_tokyo')
def test_a_long_retry_after_of_another_status_says_busy_and_until_when_in_utc(server):
    """413 with Retry-After is retried by urllib3 too; the time to come back is in UTC whatever the local zone."""
    server.reply = lambda conn, request: send(conn, 413, headers={'Retry-After': '7200'})
    with pytest.raises(ds.DocSpaceError) as caught:
        make_client(server, retries=1, timeout=1).get('keys')
    match = re.fullmatch(r'GET %s/api/2\.0/keys failed with HTTP 413: busy; the portal asks to wait 7200 seconds '
                         r'\(until (.+) UTC\), longer .*' % re.escape(server.url), caught.value.message)
    assert match and caught.value.status == 413 and len(server.requests) == 1
    until = datetime.datetime.strptime(match.group(1), '%Y-%m-%d %H:%M:%S').replace(tzinfo=datetime.timezone.utc)
    expected = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(seconds=7200)
    assert abs((until - expected).total_seconds()) < 120


@pytest.mark.parametrize('status', [300, 308, 399])
def test_every_3xx_answer_is_a_redirect_that_is_not_followed(server, status):
    server.reply = lambda conn, request: send(conn, status, headers={'Location': 'https://portal.test/api/2.0/keys'})
    with pytest.raises(ds.DocSpaceError) as caught:
        make_client(server).get('keys')
    assert caught.value.message == (
        'GET %s/api/2.0/keys was redirected (HTTP %d) to https://portal.test/api/2.0/keys, and redirects are not '
        'followed (a creation would be re-sent as a GET, and credentials could go to another host): set base_url to '
        'https://portal.test.'
        % (server.url, status))
    assert caught.value.status == status and len(server.requests) == 1


def test_a_400_answer_is_not_a_redirect(server):
    body = json.dumps({'error': {'message': 'Bad request.'}})
    server.reply = lambda conn, request: send(conn, 400, body, headers={'Location': 'https://portal.test/x'})
    with pytest.raises(ds.DocSpaceError) as caught:
        make_client(server).get('keys')
    assert caught.value.message == 'GET %s/api/2.0/keys failed with HTTP 400: Bad request.' % server.url


def test_a_write_whose_answer_was_lost_on_a_later_attempt_fails_as_lost(server):
    """Every retried attempt counts, not only the first: here the second DELETE may have gone through."""
    answers = [(503, '', {'Retry-After': '0'}), (504, '', {'Retry-After': '0'}), (401, '', None)]
    server.reply = lambda conn, request: send(conn, *answers.pop(0))
    with pytest.raises(ds.DocSpaceError) as caught:
        make_client(server, retries=2).delete('keys/1')
    assert caught.value.status == 401 and caught.value.answer_lost and len(server.requests) == 3


def test_an_answer_that_ends_within_the_budget_is_read(server):
    """The reader gives up only after the budget and its slack, not before."""
    body = envelope('x').encode()
    head = b'HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n' % len(body)

    def steady(conn, request):
        conn.sendall(head)
        for start in range(0, len(body), len(body) // 4 + 1):
            time.sleep(0.25)
            conn.sendall(body[start:start + len(body) // 4 + 1])
    server.reply = steady
    assert make_client(server, timeout=1.5, retries=0).get('keys') == 'x'


def test_headers_dripped_past_the_budget_are_refused_even_without_a_body(server):
    """A budget under a second: the watchdog waits the budget and its slack, then gives up (no body to check)."""
    # 80 bytes 0.02 s apart (far below the read timeout): 1.6 s or more, past the budget and its slack (1.25 s)
    head = b'HTTP/1.1 204 No Content\r\nX: ' + b'y' * 47 + b'\r\n\r\n'
    server.reply = lambda conn, request: drip(conn, b'', head, 0.02)
    with pytest.raises(ds.DocSpaceError) as caught:
        make_client(server, timeout=0.25, retries=0).get('keys')
    assert caught.value.timed_out and 'failed: no complete answer within 0.25 seconds' in caught.value.message


class JumpingClock:
    """The time module as the client sees it, with a monotonic clock that jumps ahead (a stalled process)."""

    def __init__(self):
        self.ahead = 0.0

    def monotonic(self):
        return time.monotonic() + self.ahead

    @staticmethod
    def sleep(seconds):
        time.sleep(seconds)


def test_an_answer_read_after_the_deadline_is_refused_as_timed_out(server, monkeypatch):
    clock = JumpingClock()
    monkeypatch.setattr(ds, 'time', clock)

    def late(conn, request):
        clock.ahead = 100.0
        send(conn, 200, envelope(1))
    server.reply = late
    with pytest.raises(ds.DocSpaceError) as caught:
        make_client(server, timeout=5).get('keys')
    assert caught.value.timed_out and caught.value.answer_lost
    assert 'failed: no complete answer within 5 seconds' in caught.value.message


def test_a_request_stuck_past_its_budget_does_not_hold_the_process(server):
    """The failure ends the module at once: the worker still reading is a daemon thread, not waited for at exit."""
    server.reply = lambda conn, request: drip(conn, b'', b'HTTP/1.1 200 OK\r\nX-Slow: ' + b'y' * 100, 0.1)
    with pytest.raises(ds.DocSpaceError, match='no complete answer within 0.3 seconds'):
        make_client(server, timeout=0.3, retries=0).get('keys')  # in this process too, where mutation testing sees it
    script = ('import sys\n'
              'from ansible_collections.onlyoffice.docspace.plugins.module_utils import _docspace as ds\n'
              'try:\n'
              '    ds.DocSpaceClient(sys.argv[1], api_key="k", timeout=0.3, retries=0).get("keys")\n'
              'except ds.DocSpaceError as error:\n'
              '    print(error.message)\n')
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(path for path in sys.path if path))
    done = subprocess.run([sys.executable, '-c', script, server.url], capture_output=True, text=True, env=env,
                          timeout=8, check=False)
    assert 'no complete answer within 0.3 seconds' in done.stdout, done.stderr
