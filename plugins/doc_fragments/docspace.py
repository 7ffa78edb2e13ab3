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
      - If not set, the value of the E(DOCSPACE_URL) environment variable is used.
    type: str
    required: true
    aliases: [url]
  api_key:
    description:
      - 'A DocSpace API key (V(sk-...)), sent as C(Authorization: Bearer <key>).'
      - A value that already starts with V(Bearer ) is accepted as is.
      - To manage keys, the API key needs full access or the V(*:write) scope.
      - If not set, the value of the E(DOCSPACE_API_KEY) environment variable is used.
      - Mutually exclusive with O(auth_token) and O(username); environment variables count too.
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
      - If not set, the value of the E(DOCSPACE_VALIDATE_CERTS) environment variable is used.
    type: bool
    default: true
  ca_path:
    description:
      - Path to a PEM file of CA certificates used to verify the portal's certificate.
    type: path
  timeout:
    description:
      - Seconds to wait for the portal to accept a connection, and again for each answer.
      - If not set, the value of the E(DOCSPACE_TIMEOUT) environment variable is used.
    type: float
    default: 30
  retries:
    description:
      - How many times a read, update or delete is retried after a connection error (including a connection that
        the portal or a proxy closed without answering), a time-out, or an HTTP 429, 502, 503 or 504 answer, with
        exponential back-off and jitter, honouring the portal's C(Retry-After) header.
      - A creation (C(POST)) is never retried blindly.
      - If not set, the value of the E(DOCSPACE_RETRIES) environment variable is used.
    type: int
    default: 3
requirements:
  - requests
notes:
  - Authenticate with exactly one of O(api_key), O(auth_token), or O(username) and O(password).
  - Proxies are taken from the usual E(HTTPS_PROXY), E(HTTP_PROXY) and E(NO_PROXY) environment variables.
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
