# -*- coding: utf-8 -*-
# Copyright (c) onlyoffice.docspace contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Harness of the reliability suite: the collection made importable, the emulator, real module runs in-process.

Shared by the pytest suite (conftest.py) and by report.py, which writes docs/reliability.md.

- ``collections_dir()`` makes ``ansible_collections.onlyoffice.docspace`` importable for plain pytest (a temporary
  ``ansible_collections/onlyoffice/docspace`` symlink to the repository, prepended to sys.path) and returns the
  directory to give ansible-playbook as ANSIBLE_COLLECTIONS_PATH.
- ``run_module(main, args)`` runs a module's real ``main()``: real AnsibleModule argument validation, real
  ``exit_json``/``fail_json`` (so the real no_log filtering), real HTTP to the emulator; it returns the JSON the module
  printed, as Ansible would receive it.
- ``Bench`` owns the emulators (HTTP, and HTTPS with a CA made with the openssl CLI) and reads their request logs.
"""

from __future__ import annotations

import atexit
import contextlib
import gzip
import io
import json
import os
import re
import selectors
import shutil
import socket
import socketserver
import subprocess
import sys
import tempfile
import threading
import time
import traceback
from urllib.parse import urlsplit

import requests

HERE = os.path.dirname(os.path.abspath(__file__))
REPO_ROOT = os.path.dirname(os.path.dirname(HERE))
EMULATOR_DIR = os.path.join(REPO_ROOT, 'tests', 'emulator')

if EMULATOR_DIR not in sys.path:
    sys.path.insert(0, EMULATOR_DIR)

from docspace_emulator import Emulator  # noqa: E402  pylint: disable=wrong-import-position


WRITE_METHODS = ('POST', 'PUT', 'DELETE')
# Environment variables that change how a module connects; cleared around every run.
CONNECTION_ENV_PREFIXES = ('DOCSPACE_',)
# (REQUESTS_CA_BUNDLE, CURL_CA_BUNDLE and SSL_CERT_FILE of the machine stay: the modules must work with them in place.)
PROXY_ENV = ('HTTP_PROXY', 'HTTPS_PROXY', 'ALL_PROXY', 'NO_PROXY', 'http_proxy', 'https_proxy', 'all_proxy', 'no_proxy')
PROXIED_HOST = 'portal.reliability.test'  # .test never resolves: only a proxy that maps it can reach the portal
NETRC_CREDENTIALS = ('gituser', 'ghp_reliabilityNetrcToken0123456789')
NET_STACK_MARKERS = ('   at ', 'ASC.', 'Microsoft.AspNetCore', '--- End of stack trace')
TRACEBACK_MARKERS = ('Traceback (most recent call last)', 'File "/')

_COLLECTIONS_DIR = []


def writes(log):
    """The POST/PUT/DELETE entries of a request log (whatever the portal answered)."""
    return [entry for entry in log if entry['method'] in WRITE_METHODS]


# ---------------------------------------------------------------------------------------------------------------------
# The collection as an importable package
# ---------------------------------------------------------------------------------------------------------------------

def collections_dir():
    """A directory holding ansible_collections/onlyoffice/docspace (this repository), first on sys.path."""
    if _COLLECTIONS_DIR:
        return _COLLECTIONS_DIR[0]
    parts = REPO_ROOT.split(os.sep)
    if parts[-3:-2] == ['ansible_collections'] and parts[-2:] == ['onlyoffice', 'docspace']:
        # Already inside a collection tree (e.g. the build copy ansible-test uses).
        path = os.sep.join(parts[:-3]) or os.sep
    else:
        path = tempfile.mkdtemp(prefix='docspace-reliability-')
        atexit.register(shutil.rmtree, path, True)
        namespace = os.path.join(path, 'ansible_collections', 'onlyoffice')
        os.makedirs(namespace)
        os.symlink(REPO_ROOT, os.path.join(namespace, 'docspace'))
    if path not in sys.path:
        sys.path.insert(0, path)
    _COLLECTIONS_DIR.append(path)
    return path


def module_main(name):
    """The main() of a module of the collection, by short name (docspace_api_key, docspace_api_key_info)."""
    collections_dir()
    module = __import__('ansible_collections.onlyoffice.docspace.plugins.modules.' + name, fromlist=['main'])
    return module.main


def client_module():
    """plugins/module_utils/_docspace.py (the HTTP client)."""
    collections_dir()
    return __import__('ansible_collections.onlyoffice.docspace.plugins.module_utils._docspace', fromlist=['read_answer'])


# ---------------------------------------------------------------------------------------------------------------------
# Running a module in-process
# ---------------------------------------------------------------------------------------------------------------------

class ModuleResult(dict):
    """The JSON a module printed, plus how the run went (attributes, not keys, so the result stays what Ansible sees)."""

    stdout = ''
    stderr = ''
    elapsed = 0.0
    exit_code = None
    crash = None  # the traceback when main() raised instead of exiting through exit_json/fail_json

    @property
    def failed(self):
        return bool(self.get('failed'))

    @property
    def changed(self):
        return bool(self.get('changed'))

    @property
    def outcome(self):
        """'crashed', 'failed', 'changed' or 'ok'."""
        if self.crash:
            return 'crashed'
        if self.failed:
            return 'failed'
        return 'changed' if self.changed else 'ok'

    @property
    def message(self):
        return str(self.get('msg', ''))

    @property
    def warnings(self):
        """The module's warnings as text (ansible-core 2.19 returns them as objects)."""
        texts = []
        for warning in self.get('warnings') or []:
            if isinstance(warning, dict):
                event = warning.get('event') if isinstance(warning.get('event'), dict) else warning
                texts.append(str(event.get('msg', warning)))
            else:
                texts.append(str(warning))
        return texts


def _patch_module_args():
    try:
        from ansible.module_utils.testing import patch_module_args  # pylint: disable=import-outside-toplevel
        return patch_module_args
    except ImportError:  # ansible-core < 2.19
        from unittest import mock  # pylint: disable=import-outside-toplevel
        from ansible.module_utils import basic  # pylint: disable=import-outside-toplevel

        @contextlib.contextmanager
        def patch(args=None):
            serialized = json.dumps({'ANSIBLE_MODULE_ARGS': args or {}}).encode()
            with mock.patch.object(basic, '_ANSIBLE_ARGS', serialized):
                yield
        return patch


def _forget_module_warnings():
    """AnsibleModule keeps warnings and deprecations in module-level stores; a real module process starts empty."""
    from ansible.module_utils.common import warnings as module_warnings  # pylint: disable=import-outside-toplevel
    for name in ('_global_warnings', '_global_deprecations'):
        store = getattr(module_warnings, name, None)
        if store is not None:
            store.clear()


@contextlib.contextmanager
def clean_environment(extra=None):
    """No DOCSPACE_* or proxy variable of the caller's shell leaks into a run; extra ones are set for its length."""
    saved = {name: value for name, value in os.environ.items()
             if name.startswith(CONNECTION_ENV_PREFIXES) or name in PROXY_ENV}
    for name in saved:
        del os.environ[name]
    for name, value in (extra or {}).items():
        os.environ[name] = value
    try:
        yield
    finally:
        for name in extra or {}:
            os.environ.pop(name, None)
        os.environ.update(saved)


def run_module(main, args, check_mode=False, diff=False, env=None):
    """Run a module's main() in-process as Ansible would, and return its printed result as a ModuleResult."""
    patch_module_args = _patch_module_args()
    module_args = dict(args)
    module_args['_ansible_check_mode'] = check_mode
    module_args['_ansible_diff'] = diff
    _forget_module_warnings()
    stdout, stderr = io.StringIO(), io.StringIO()
    exit_code, crash = None, None
    started = time.monotonic()
    with clean_environment(env), patch_module_args(module_args):
        with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
            try:
                main()
            except SystemExit as exc:
                exit_code = exc.code
            except Exception:  # pylint: disable=broad-exception-caught
                crash = traceback.format_exc()
    elapsed = time.monotonic() - started
    printed = stdout.getvalue()
    try:
        parsed = json.loads(printed) if printed.strip() else {}
    except ValueError:
        parsed = {}
        crash = crash or 'the module printed something that is not JSON:\n' + printed
    if not isinstance(parsed, dict):
        parsed, crash = {}, crash or 'the module printed JSON that is not an object:\n' + printed
    if not crash and exit_code is None:
        crash = 'main() returned without exit_json or fail_json'
    result = ModuleResult(parsed)
    result.stdout, result.stderr, result.elapsed = printed, stderr.getvalue(), elapsed
    result.exit_code, result.crash = exit_code, crash
    return result


def problems_with_failure(result):
    """What is wrong with how a run failed (or crashed): [] when it failed with one clear sentence."""
    problems = []
    if result.crash:
        return ['crashed: ' + result.crash.strip().splitlines()[-1]]
    message = result.message
    if not message.strip():
        problems.append('empty msg')
    if '\n' in message.strip():
        problems.append('msg has several lines')
    if 'exception' in result or 'module_stderr' in result:
        problems.append('a traceback was returned')
    problems.extend('msg shows %r' % marker for marker in TRACEBACK_MARKERS + NET_STACK_MARKERS if marker in message)
    return problems


# ---------------------------------------------------------------------------------------------------------------------
# Secrets
# ---------------------------------------------------------------------------------------------------------------------

def leaks(text, secrets):
    """The secrets (shortened for the report) that appear in text."""
    return ['%s...' % secret[:6] for secret in secrets if secret and secret in text]


def secrets_outside_return_key(result, secrets):
    """Secrets anywhere in the printed result except api_key.key, the one documented place of a new key's secret."""
    copy = json.loads(json.dumps(dict(result)))
    if isinstance(copy.get('api_key'), dict):
        copy['api_key'].pop('key', None)
    return leaks(json.dumps(copy) + '\n' + result.stderr + '\n' + (result.crash or ''), secrets)


# ---------------------------------------------------------------------------------------------------------------------
# TLS material made with the openssl command line
# ---------------------------------------------------------------------------------------------------------------------

def make_tls_material(directory, hostnames=('localhost', PROXIED_HOST)):
    """A throw-away CA, a server certificate it signed for 127.0.0.1 and hostnames, and an unrelated CA; their paths."""
    paths = {name: os.path.join(directory, name) for name in
             ('ca.pem', 'ca.key', 'other-ca.pem', 'other-ca.key', 'server.pem', 'server.key', 'server.csr', 'ext.cnf')}
    san = ','.join(['IP:127.0.0.1'] + ['DNS:' + name for name in hostnames])
    with open(paths['ext.cnf'], 'w', encoding='utf-8') as ext:
        ext.write('subjectAltName=%s\nbasicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\n'
                  'extendedKeyUsage=serverAuth\nsubjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\n' % san)
    commands = [
        ['openssl', 'req', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=127.0.0.1',
         '-keyout', paths['server.key'], '-out', paths['server.csr']],
        ['openssl', 'x509', '-req', '-in', paths['server.csr'], '-CA', paths['ca.pem'], '-CAkey', paths['ca.key'],
         '-CAcreateserial', '-days', '2', '-out', paths['server.pem'], '-extfile', paths['ext.cnf']],
    ]
    for name in ('other-ca', 'ca'):
        commands.insert(0, ['openssl', 'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2',
                            '-subj', '/CN=docspace reliability test %s' % name, '-keyout', paths[name + '.key'],
                            '-out', paths[name + '.pem'], '-addext', 'basicConstraints=critical,CA:TRUE',
                            '-addext', 'keyUsage=critical,keyCertSign,cRLSign'])
    for command in commands:
        subprocess.run(command, check=True, capture_output=True, timeout=60)
    return {'ca': paths['ca.pem'], 'other_ca': paths['other-ca.pem'], 'cert': paths['server.pem'], 'key': paths['server.key']}


# ---------------------------------------------------------------------------------------------------------------------
# The bench: emulators and what they saw
# ---------------------------------------------------------------------------------------------------------------------

class Bench:
    """An HTTP emulator (and, on demand, an HTTPS one) shared by many runs; reset() before each."""

    def __init__(self):
        self.http = Emulator().start()
        self._https = None
        self._tls_dir = None
        self._netrc_home = None
        self.tls = None
        self.emulator = self.http

    # -- emulators ------------------------------------------------------------------------------------------------

    @property
    def https(self):
        """The HTTPS emulator with a certificate of a CA made for this bench (self.tls['ca'])."""
        if self._https is None:
            self._tls_dir = tempfile.mkdtemp(prefix='docspace-reliability-tls-')
            self.tls = make_tls_material(self._tls_dir)
            self._https = Emulator(tls_cert=self.tls['cert'], tls_key=self.tls['key']).start()
        return self._https

    @property
    def netrc_home(self):
        """A HOME whose ~/.netrc has a default entry (a Git token, as on many CI hosts): it must never be sent."""
        if self._netrc_home is None:
            self._netrc_home = tempfile.mkdtemp(prefix='docspace-reliability-home-')
            path = os.path.join(self._netrc_home, '.netrc')
            with open(path, 'w', encoding='utf-8') as netrc:
                netrc.write('default login %s password %s\n' % NETRC_CREDENTIALS)
            os.chmod(path, 0o600)
        return self._netrc_home

    def stop(self):
        if self._netrc_home:
            shutil.rmtree(self._netrc_home, ignore_errors=True)
        for emulator in (self.http, self._https):
            if emulator is not None:
                emulator.stop()
        if self._tls_dir:
            shutil.rmtree(self._tls_dir, ignore_errors=True)

    def use(self, emulator):
        """Make emulator the one reset(), fault(), log() and keys() talk to."""
        self.emulator = emulator
        return emulator

    def reset(self):
        self.emulator.reset()

    # -- portal data ----------------------------------------------------------------------------------------------

    @property
    def users(self):
        return self.emulator.users

    def secret(self, user='owner'):
        return self.emulator.users[user]['api_key']

    def connection(self, auth='api_key', user='owner', **overrides):
        """Module connection options for a seed user: auth is api_key, auth_token or password."""
        args = dict(base_url=self.emulator.url, retries=3, timeout=10)
        if auth == 'api_key':
            args['api_key'] = self.secret(user)
        elif auth == 'auth_token':
            args['auth_token'] = self.session_token(user)
        elif auth == 'password':
            args['username'] = self.users[user]['user_name']
            args['password'] = self.users[user]['password']
        args.update(overrides)
        return args

    def session_token(self, user='owner'):
        """A session token from POST /api/2.0/authentication (the request is dropped from the log)."""
        answer = requests.post(self.emulator.url + '/api/2.0/authentication', timeout=10,
                               json={'userName': self.users[user]['user_name'], 'password': self.users[user]['password']},
                               verify=self.tls['ca'] if self.emulator is self._https else True)
        answer.raise_for_status()
        self.forget_requests()
        return answer.json()['response']['token']

    def add_key(self, **spec):
        """A key through the emulator's back door (any owner, dates, status); returns its DTO with the secret."""
        spec.setdefault('owner', 'owner')
        return self.emulator.portal.create_raw_key(spec, self.emulator.url)

    def keys(self):
        """Every key of the portal (secrets masked), newest first."""
        return self.emulator.portal.snapshot(self.emulator.url)['keys']

    def key(self, key_id):
        return next((key for key in self.keys() if key['id'] == key_id), None)

    def keys_named(self, name):
        return [key for key in self.keys() if key['name'] == name]

    # -- faults and the request log -------------------------------------------------------------------------------

    def fault(self, method, path, *responses):
        """Register a fault (see the emulator's control API): the next matching requests consume one step each."""
        return self.emulator.faults.add({'method': method, 'path': path, 'responses': list(responses)})

    def log(self):
        """The API requests the portal saw since the last reset or forget_requests()."""
        return self.emulator.request_log.list()

    def forget_requests(self):
        self.emulator.request_log.clear()


def describe_log(entries):
    """'GET keys 200, PUT keys/{id} 429, ...' for the report."""
    described = []
    for entry in entries:
        path = re.sub(r'^/api/2\.0/', '', entry['path'])
        path = re.sub(r'[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}', '{id}', path)
        described.append('%s %s %s' % (entry['method'], path, entry['status'] if entry['status'] is not None else 'reset'))
    return ', '.join(described) or 'none'


# ---------------------------------------------------------------------------------------------------------------------
# ansible-playbook in a subprocess
# ---------------------------------------------------------------------------------------------------------------------

def ansible_playbook_command():
    """ansible-playbook of the Python running the tests (the venv's), falling back to PATH."""
    candidate = os.path.join(os.path.dirname(sys.executable), 'ansible-playbook')
    return candidate if os.path.exists(candidate) else shutil.which('ansible-playbook')


def playbook_environment(home):
    """Environment for an ansible-playbook subprocess that finds this collection and writes only under home."""
    env = {name: value for name, value in os.environ.items()
           if not name.startswith(CONNECTION_ENV_PREFIXES) and name not in PROXY_ENV and not name.startswith('ANSIBLE_')}
    env.update(
        ANSIBLE_COLLECTIONS_PATH=collections_dir(),
        ANSIBLE_HOME=home,
        ANSIBLE_LOCAL_TEMP=os.path.join(home, 'tmp'),
        ANSIBLE_NOCOLOR='1',
        ANSIBLE_FORCE_COLOR='0',
        ANSIBLE_RETRY_FILES_ENABLED='0',
        ANSIBLE_PYTHON_INTERPRETER=sys.executable,
        ANSIBLE_LOCALHOST_WARNING='0',
        ANSIBLE_INVENTORY_UNPARSED_WARNING='0',
        ANSIBLE_DEPRECATION_WARNINGS='0',
        PYTHONDONTWRITEBYTECODE='1',
    )
    return env


def start_playbook(playbook, home, *options, extra_vars=None):
    """Start ansible-playbook on playbook (localhost, local connection); returns the Popen."""
    command = [ansible_playbook_command(), '-i', 'localhost,', '-c', 'local', playbook] + list(options)
    if extra_vars:
        command += ['-e', json.dumps(extra_vars)]
    return subprocess.Popen(command, env=playbook_environment(home), cwd=home,  # pylint: disable=consider-using-with
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


# ---------------------------------------------------------------------------------------------------------------------
# A loopback forward proxy (absolute-form HTTP and CONNECT tunnels) that knows one made-up host name
# ---------------------------------------------------------------------------------------------------------------------

class _ProxyHandler(socketserver.StreamRequestHandler):
    """One client connection: one forwarded request or one CONNECT tunnel."""

    def handle(self):
        self.server.proxy.serve(self.connection, self.rfile)


class _ProxyServer(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True


class ForwardProxy:
    """A tiny HTTP proxy on 127.0.0.1 that sends PROXIED_HOST (and 127.0.0.1) to 127.0.0.1 and logs what it forwarded.

    By default it answers one request per connection and says so (Connection: close). With drop_reused_once it keeps
    connections open without saying anything, and the first request that comes on a reused connection is read and then
    dropped unanswered, as by a proxy whose idle timeout fires just then; it is logged as ('DROPPED <method>', target).
    """

    def __init__(self, drop_reused_once=False):
        self.seen = []
        self.keep_alive = drop_reused_once
        self._drops_left = 1 if drop_reused_once else 0
        self._lock = threading.Lock()
        self._server = _ProxyServer(('127.0.0.1', 0), _ProxyHandler)
        self._server.proxy = self
        self.url = 'http://127.0.0.1:%d' % self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={'poll_interval': 0.1}, daemon=True)
        self._thread.start()

    def stop(self):
        self._server.shutdown()
        self._server.server_close()

    def record(self, entry):
        with self._lock:
            self.seen.append(entry)

    def _take_drop(self):
        with self._lock:
            if self._drops_left:
                self._drops_left -= 1
                return True
            return False

    @staticmethod
    def upstream(host_port):
        """A connection to the loopback port of host_port when the host is one this proxy knows, else None."""
        host, _sep, port = host_port.rpartition(':')
        if host not in (PROXIED_HOST, '127.0.0.1') or not port.isdigit():
            return None
        return socket.create_connection(('127.0.0.1', int(port)), timeout=30)

    @staticmethod
    def read_request(rfile):
        """(method, target, version, header lines, body) of the next request on the connection, or None."""
        request_line = rfile.readline(65537).decode('latin-1').rstrip('\r\n')
        headers = []
        while True:
            line = rfile.readline(65537)
            if line in (b'\r\n', b'\n', b''):
                break
            headers.append(line.decode('latin-1').rstrip('\r\n'))
        parts = request_line.split(' ')
        if len(parts) != 3:
            return None
        length = sum(int(header.partition(':')[2]) for header in headers if header.partition(':')[0].strip().lower() == 'content-length')
        body = rfile.read(length) if length and parts[0] != 'CONNECT' else b''
        return parts[0], parts[1], parts[2], headers, body

    def serve(self, client, rfile):
        """Forward absolute-form requests (one per connection unless keep_alive), or tunnel a CONNECT."""
        served = 0
        while True:
            request = self.read_request(rfile)
            if request is None:
                return
            method, target, version, headers, body = request
            if served and self._take_drop():
                self.record(('DROPPED ' + method, target))
                return
            self.record((method, target))
            if method == 'CONNECT':
                self.tunnel(client, target)
                return
            if not self.forward(client, method, target, version, headers, body) or not self.keep_alive:
                return
            served += 1

    def tunnel(self, client, target):
        upstream = self.upstream(target)
        if upstream is None:
            client.sendall(b'HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n')
            return
        # The client sends nothing more before this answer, so nothing is left in rfile's buffer.
        client.sendall(b'HTTP/1.1 200 Connection established\r\n\r\n')
        self.pipe(client, upstream)

    def forward(self, client, method, target, version, headers, body):
        """Send one request upstream and its answer back; False when the host is not one this proxy knows."""
        url = urlsplit(target)
        upstream = self.upstream(url.netloc) if url.scheme == 'http' else None
        if upstream is None:
            client.sendall(b'HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\nConnection: close\r\n\r\n')
            return False
        forwarded = [header for header in headers if header.partition(':')[0].strip().lower()
                     not in ('connection', 'proxy-connection', 'proxy-authorization', 'keep-alive')]
        path = url.path + ('?' + url.query if url.query else '')
        head = '%s %s %s\r\n%s\r\nConnection: close\r\n\r\n' % (method, path, version, '\r\n'.join(forwarded))
        with upstream:
            upstream.sendall(head.encode('latin-1') + body)
            answer = b''
            while True:
                chunk = upstream.recv(65536)
                if not chunk:
                    break
                answer += chunk
        status_and_headers, separator, rest = answer.partition(b'\r\n\r\n')
        kept = [line for line in status_and_headers.split(b'\r\n') if not line.lower().startswith(b'connection:')]
        # One request per connection, and the client is told so (else it would send the next one into a closed socket);
        # a keep-alive proxy says nothing, and the client may send the next request on the same connection.
        ending = [] if self.keep_alive else [b'Connection: close']
        client.sendall(b'\r\n'.join(kept + ending) + separator + rest)
        return True

    @staticmethod
    def pipe(client, upstream):
        """Copy bytes both ways until either side closes."""
        selector = selectors.DefaultSelector()
        selector.register(client, selectors.EVENT_READ, upstream)
        selector.register(upstream, selectors.EVENT_READ, client)
        with upstream, selector:
            while True:
                ready = selector.select(timeout=30)
                if not ready:
                    return
                for key, _events in ready:
                    data = key.fileobj.recv(65536)
                    if not data:
                        return
                    key.data.sendall(data)


# ---------------------------------------------------------------------------------------------------------------------
# A loopback server that answers every request in one hostile way
# ---------------------------------------------------------------------------------------------------------------------

class HostileServer:
    """A raw HTTP server on 127.0.0.1 that reads a request and answers it in one hostile way (mode):

    drip-body (a valid answer, one byte every 0.1 s), drip-headers (headers, one byte every 0.1 s), endless (a JSON
    body that never ends), gzip-bomb (a small gzip body that inflates to 100 MB). It counts the requests it got.
    """

    def __init__(self, mode):
        self.mode = mode
        self.requests = 0
        self.closing = threading.Event()
        self._socket = socket.create_server(('127.0.0.1', 0))
        self.url = 'http://127.0.0.1:%d' % self._socket.getsockname()[1]
        threading.Thread(target=self._serve, daemon=True).start()

    def stop(self):
        self.closing.set()
        with contextlib.suppress(OSError):
            self._socket.shutdown(socket.SHUT_RDWR)
        self._socket.close()

    def _serve(self):
        while not self.closing.is_set():
            try:
                conn, _address = self._socket.accept()
            except OSError:
                return
            threading.Thread(target=self._answer, args=(conn,), daemon=True).start()

    def _answer(self, conn):
        with conn, contextlib.suppress(OSError):
            conn.settimeout(30)
            data = b''
            while b'\r\n\r\n' not in data:
                chunk = conn.recv(65536)
                if not chunk:
                    return
                data += chunk
            self.requests += 1
            getattr(self, '_' + self.mode.replace('-', '_'))(conn)

    def _drip(self, conn, data):
        for index in range(len(data)):
            if self.closing.is_set():
                return
            conn.sendall(data[index:index + 1])
            time.sleep(0.1)

    def _drip_body(self, conn):
        body = json.dumps({'response': [], 'padding': 'x' * 600}).encode()
        conn.sendall(b'HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n' % len(body))
        self._drip(conn, body)

    def _drip_headers(self, conn):
        self._drip(conn, b'HTTP/1.1 200 OK\r\nX-Slow: ' + b'y' * 600 + b'\r\n\r\n')

    def _endless(self, conn):
        conn.sendall(b'HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n\r\n{"response": [')
        block = b'"x", ' * 20000
        while not self.closing.is_set():
            conn.sendall(block)

    def _gzip_bomb(self, conn):
        body = gzip.compress(b' ' * (100 * 1024 * 1024), compresslevel=9)
        conn.sendall(b'HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Encoding: gzip\r\n'
                     b'Content-Length: %d\r\n\r\n' % len(body) + body)
