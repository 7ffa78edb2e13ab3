# Copyright (c) onlyoffice.docspace contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import json
import os
from http.client import RemoteDisconnected

import pytest
import requests
from urllib3.exceptions import NewConnectionError, ProtocolError, ProxyError

from ansible_collections.onlyoffice.docspace.plugins.module_utils import _docspace as ds

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


@pytest.mark.parametrize('given', ['portal.test', 'ftp://portal.test', '', None, 'https://'])
def test_api_root_refuses_urls_without_http_scheme(given):
    with pytest.raises(ds.DocSpaceError, match='base_url must be an http'):
        ds.api_root(given)


def test_public_url_drops_credentials_and_query():
    assert ds.public_url('https://user:secret@portal.test/api?token=x') == 'https://portal.test/api'


@pytest.mark.parametrize('api_key, token, expected', [
    ('sk-abc', None, 'Bearer sk-abc'),
    ('Bearer sk-abc', None, 'Bearer sk-abc'),
    (' sk-abc\n', None, 'Bearer sk-abc'),
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
    with pytest.raises(ProtocolError):
        ds.make_retry(2).increment('POST', URL, error=ProxyError('Unable to connect to proxy', DROPPED))


def test_a_proxy_that_cannot_be_reached_stays_a_connection_error():
    """Nothing was sent, so urllib3 retries it as a connection error (for POST too); that must stay so."""
    refused = NewConnectionError(None, 'Failed to establish a new connection: [Errno 111] Connection refused')
    after = ds.make_retry(2).increment('POST', URL, error=ProxyError('Unable to connect to proxy', refused))
    assert (after.connect, after.read, after.other) == (1, 2, 0)


def make_client(**kwargs):
    options = dict(base_url='https://portal.test/', api_key='sk-' + 'c' * 64)
    options.update(kwargs)
    return ds.DocSpaceClient(**options)


def test_client_session_settings():
    client = make_client(timeout=5, retries=2)
    session = client.session
    assert session.headers['Authorization'] == 'Bearer sk-' + 'c' * 64
    assert session.headers['User-Agent'] == 'onlyoffice.docspace-ansible/' + ds.COLLECTION_VERSION
    assert session.verify is True
    assert session.get_adapter('https://portal.test').max_retries.total == 2
    assert client.url('keys') == 'https://portal.test/api/2.0/keys'


def test_client_tls_options():
    assert make_client(ca_path='/etc/ca.pem').session.verify == '/etc/ca.pem'
    assert make_client(validate_certs=False, ca_path='/etc/ca.pem').session.verify is False


def test_client_basic_auth():
    client = ds.DocSpaceClient('https://portal.test', username='admin@example.com', password='pw')
    assert client.session.auth == ('admin@example.com', 'pw') and 'Authorization' not in client.session.headers


def test_collection_version_matches_galaxy_yml():
    galaxy = os.path.join(os.path.dirname(__file__), '..', '..', '..', '..', 'galaxy.yml')
    with open(galaxy) as handle:
        versions = [line.split(':', 1)[1].strip() for line in handle if line.startswith('version:')]
    assert versions == [ds.COLLECTION_VERSION]


@pytest.mark.parametrize('error, words', [
    (requests.exceptions.ConnectionError('HTTPConnectionPool(host=x): Max retries exceeded ([Errno 111] Connection refused)'),
     'could not connect to the portal (Connection refused)'),
    (requests.exceptions.ReadTimeout('read timed out'), 'no answer within the 5-second timeout'),
    (requests.exceptions.ConnectTimeout('connect timed out'), 'no answer within the 5-second timeout'),
    (requests.exceptions.SSLError('CERTIFICATE_VERIFY_FAILED'), 'set ca_path'),
    (requests.exceptions.ChunkedEncodingError('IncompleteRead(10 bytes read, 20 more expected)'), 'cut short'),
])
def test_transport_errors_are_one_sentence_naming_the_url(monkeypatch, error, words):
    client = make_client(timeout=5)

    def fail(*args, **kwargs):
        raise error
    monkeypatch.setattr(client.session, 'request', fail)
    with pytest.raises(ds.DocSpaceError) as caught:
        client.get('keys')
    assert words in caught.value.message and 'https://portal.test/api/2.0/keys' in caught.value.message
    assert caught.value.status is None


def test_error_fail_kwargs():
    assert ds.DocSpaceError('x', 403).fail_kwargs() == {'msg': 'x', 'status': 403}
    assert ds.DocSpaceError('x').fail_kwargs() == {'msg': 'x'}
