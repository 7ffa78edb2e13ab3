# -*- coding: utf-8 -*-
# Copyright (c) onlyoffice.docspace contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations


class ModuleDocFragment:

    # Connection options shared by every module of the collection.
    DOCUMENTATION = r'''
options:
  base_url:
    description:
      - URL of the DocSpace portal, for example V(https://portal.example.com).
      - A trailing slash or a trailing C(/api/2.0) makes no difference.
      - Required; if not set, the value of the E(DOCSPACE_URL) environment variable is used.
      - A URL holding a user name or password (V(https://user:pass@host)) is refused before any request; use
        O(api_key), O(auth_token), or O(username) and O(password).
      - Redirects are not followed; a portal that redirects (for example from V(http://) to V(https://)) fails the
        task with the URL to set here.
    type: str
    aliases: [url]
  api_key:
    description:
      - 'A DocSpace API key (V(sk-...)), sent as C(Authorization: Bearer <key>).'
      - A value that already starts with V(Bearer ) is accepted as is. A blank value is refused.
      - To manage keys, the API key needs full access or the V(*:write) scope.
      - If not set, the value of the E(DOCSPACE_API_KEY) environment variable is used.
      - Mutually exclusive with O(auth_token) and O(username); values from environment variables count too, and the
        failure names the variable a value came from.
    type: str
  auth_token:
    description:
      - A session token from C(POST /api/2.0/authentication), sent as it is in the C(Authorization) header.
      - If not set, the value of the E(DOCSPACE_AUTH_TOKEN) environment variable is used.
    type: str
  username:
    description:
      - User name (e-mail) for HTTP Basic authentication, together with O(password).
      - If not set, the value of the E(DOCSPACE_USERNAME) environment variable is used.
    type: str
  password:
    description:
      - Password for HTTP Basic authentication, together with O(username).
      - If not set, the value of the E(DOCSPACE_PASSWORD) environment variable is used.
    type: str
  validate_certs:
    description:
      - Whether to verify the portal's TLS certificate.
      - Set to V(false) only for test portals with self-signed certificates; prefer O(ca_path).
      - V(false) wins over every environment variable (E(REQUESTS_CA_BUNDLE), E(CURL_CA_BUNDLE)).
      - When V(true) and O(ca_path) is not set, the CA bundle named by E(REQUESTS_CA_BUNDLE) (or else
        E(CURL_CA_BUNDLE)) is trusted if that variable is set, as with other tools built on requests; otherwise the
        CA bundle of requests (certifi).
      - If not set, the value of the E(DOCSPACE_VALIDATE_CERTS) environment variable is used.
    type: bool
    default: true
  ca_path:
    description:
      - Path to a PEM file of CA certificates (or a directory of hashed CA certificates) used to verify the
        portal's certificate.
      - Wins over E(REQUESTS_CA_BUNDLE) and E(CURL_CA_BUNDLE).
      - A missing file or one without a PEM certificate is refused before any request.
    type: path
  timeout:
    description:
      - Seconds to wait for the portal to accept a connection, and again for each read of an answer; more than 0,
        at most 3600.
      - One request, its retries included, takes at most about (O(retries) + 1) x O(timeout) plus the back-off
        pauses (each at most 8 seconds), whatever the server does; a server that sends its answer too slowly fails
        the task when that time is up.
      - If not set, the value of the E(DOCSPACE_TIMEOUT) environment variable is used.
    type: float
    default: 30
  retries:
    description:
      - How many times a read, update or delete is retried after a connection error (including a connection that
        the portal or a proxy closed without answering), a time-out, or an HTTP 429, 502, 503 or 504 answer, with
        exponential back-off and jitter, honouring the portal's C(Retry-After) header; from 0 to 10.
      - A C(Retry-After) longer than the time the request has left is not waited for; the task fails at once,
        saying when the portal will accept requests again.
      - A creation (C(POST)) is never retried blindly.
      - If not set, the value of the E(DOCSPACE_RETRIES) environment variable is used.
    type: int
    default: 3
requirements:
  - requests
notes:
  - Authenticate with exactly one of O(api_key), O(auth_token), or O(username) and O(password).
  - Only the credential the task names is sent; C(~/.netrc) is never used.
  - Proxies are taken from the usual E(HTTPS_PROXY), E(HTTP_PROXY), E(ALL_PROXY) and E(NO_PROXY) environment
    variables.
  - An answer larger than 64 MB (after decompression) is refused; a list of 10,000 keys is about 8 MB.
'''

    # The action group every module of the collection belongs to (attributes merge with the module's own).
    ACTIONGROUP_DOCSPACE = r'''
options: {}
attributes:
  action_group:
    description: Use C(group/onlyoffice.docspace.docspace) in C(module_defaults) to set the connection options once.
    support: full
    membership:
      - onlyoffice.docspace.docspace
'''
