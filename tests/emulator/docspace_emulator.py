# -*- coding: utf-8 -*-
# Copyright (c) onlyoffice.docspace contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Emulator of an ONLYOFFICE DocSpace portal (v3.7.2) for the API-key endpoints.

A real HTTP(S) server on loopback that answers like a DocSpace portal for
``POST /api/2.0/authentication``, ``GET /api/2.0/people/@self`` and the
``/api/2.0/keys`` endpoints, following the project's contract page on how a real portal
answers the API-key endpoints (and the DocSpace server code where that page is silent).
Standard library only.

A control API under ``/__emulator__/`` (no authentication, not in the request log):

    GET  health                 {"ok": true}
    POST reset                  back to the seed users and keys (same secrets); clears log, faults, settings
    GET  requests / DELETE      API requests since the last reset or clear (never the Authorization value)
    POST faults / GET / DELETE  {"method", "path" (regex), "responses": [{"action": respond|pass|reset|truncate,
                                "status", "body", "content_type", "headers", "delay"}, ...]}
    POST keys                   {"owner", "name", "permissions", "is_active", "create_on", "expires_at", "last_used"}
    POST keys/bulk              {"owner", "count", "name_prefix"}
    GET  settings / POST        {"rate_limits": bool, "developer_tools_admins_only": bool}
    GET  users, POST users/<n>  {"disabled": bool}
    GET  state                  users, keys (secrets masked), settings

Command line::

    python3 docspace_emulator.py [--host 127.0.0.1] [--port 0] [--ready-file PATH]
                                 [--tls-cert FILE --tls-key FILE]

From Python::

    from docspace_emulator import Emulator
    emu = Emulator().start()
    ...  # emu.url, emu.control_url, emu.users
    emu.stop()
"""

from __future__ import annotations

import argparse
import base64
import binascii
import dataclasses
import datetime
import html
import http.cookies
import ipaddress
import itertools
import json
import os
import re
import secrets
import signal
import socket
import socketserver
import ssl
import struct
import sys
import tempfile
import threading
import time
import traceback
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import unquote

API_PREFIX = "/api/2.0/"
CONTROL_PREFIX = "/__emulator__"

# GET /keys/permissions, in the order the contract page lists it (clients must treat it as a set).
SCOPE_CATALOGUE = (
    "*", "*:read", "*:write",
    "accounts:read", "accounts:write", "accounts.self:read", "accounts.self:write",
    "files:read", "files:write", "rooms:read", "rooms:write",
)
GLOBAL_READ = "*:read"
GLOBAL_WRITE = "*:write"

NAME_MAX_LENGTH = 30
EXPIRES_MIN_DAYS = 1
EXPIRES_MAX_DAYS = 365
KEY_CREATION_LIMIT = 5
KEY_CREATION_WINDOW_SECONDS = 15 * 60
SESSION_LIFETIME = datetime.timedelta(days=365)
INT32_MIN = -2 ** 31
INT32_MAX = 2 ** 31 - 1
BULK_MAX = 200000

DEFAULT_SETTINGS = {"rate_limits": False, "developer_tools_admins_only": False}

EMPLOYEE_STATUS_ACTIVE = 1
EMPLOYEE_STATUS_TERMINATED = 2
ACTIVATION_STATUS_ACTIVATED = 1

TYPE_ADMIN = "DocSpaceAdmin"
TYPE_ROOM_ADMIN = "RoomAdmin"
TYPE_USER = "User"
TYPE_GUEST = "Guest"

# seed name, first name, last name, employee type, portal owner
SEED_USERS = (
    ("owner", "Olga", "Owner", TYPE_ADMIN, True),
    ("admin", "Adam", "Admin", TYPE_ADMIN, False),
    ("user", "Ulla", "User", TYPE_ROOM_ADMIN, False),
    ("user2", "Uwe", "Usertwo", TYPE_USER, False),
    ("guest", "Greta", "Guest", TYPE_GUEST, False),
)

FAULT_ACTIONS = ("respond", "pass", "reset", "truncate")

JSON_CONTENT_TYPE = "application/json; charset=utf-8"
SESSION_COOKIE = "asc_auth_key"


# ---------------------------------------------------------------------------
# Dates
# ---------------------------------------------------------------------------

def utcnow() -> datetime.datetime:
    """Return the current time as an aware UTC datetime."""
    return datetime.datetime.now(datetime.timezone.utc)


def format_date(value: datetime.datetime) -> str:
    """Format like DocSpace's ApiDateTime for a UTC portal: 2026-07-01T10:00:00.0000000Z."""
    value = value.astimezone(datetime.timezone.utc)
    return "%s.%07dZ" % (value.strftime("%Y-%m-%dT%H:%M:%S"), value.microsecond * 10)


_FRACTION_RE = re.compile(r"\.(\d+)")


def parse_date(text: str) -> datetime.datetime:
    """Parse an ISO 8601 date (any number of fraction digits, 'Z' allowed); naive means UTC."""
    if not isinstance(text, str):
        raise ValueError("a date must be an ISO 8601 string")
    normalized = text.strip()
    if normalized[-1:] in ("Z", "z"):
        normalized = normalized[:-1] + "+00:00"
    normalized = _FRACTION_RE.sub(lambda m: "." + (m.group(1) + "000000")[:6], normalized, count=1)
    value = datetime.datetime.fromisoformat(normalized)
    if value.tzinfo is None:
        value = value.replace(tzinfo=datetime.timezone.utc)
    return value.astimezone(datetime.timezone.utc)


def parse_optional_date(value, default=None):
    """Parse a date that may be null."""
    if value is None:
        return default
    return parse_date(value)


# ---------------------------------------------------------------------------
# Portal data
# ---------------------------------------------------------------------------

@dataclasses.dataclass
class User:
    """A portal user."""

    seed_name: str
    user_id: str
    user_name: str
    email: str
    password: str
    first_name: str
    last_name: str
    employee_type: str
    is_owner: bool
    registered: datetime.datetime
    disabled: bool = False

    @property
    def display_name(self) -> str:
        """Full name as DocSpace shows it."""
        return f"{self.first_name} {self.last_name}"

    @property
    def is_docspace_admin(self) -> bool:
        """Admins and the owner manage every key."""
        return self.employee_type == TYPE_ADMIN

    @property
    def is_guest(self) -> bool:
        """Guests (visitors) may not create keys."""
        return self.employee_type == TYPE_GUEST


@dataclasses.dataclass
class ApiKey:
    """A stored API key (the server keeps only a hash; the emulator keeps the secret)."""

    key_id: str
    name: str
    secret: str
    permissions: list | None
    create_by: str
    create_on: datetime.datetime
    expires_at: datetime.datetime | None = None
    last_used: datetime.datetime | None = None
    is_active: bool = True
    sequence: int = 0

    @property
    def postfix(self) -> str:
        """Last four characters of the secret."""
        return self.secret[-4:]

    def is_expired(self, now: datetime.datetime) -> bool:
        """PUT refuses keys whose expiry is in the past."""
        return self.expires_at is not None and self.expires_at < now

    def can_authenticate(self, now: datetime.datetime) -> bool:
        """Only active keys that have not expired authenticate."""
        return self.is_active and (self.expires_at is None or self.expires_at > now)

    def has_full_access(self) -> bool:
        """Full access is stored as null, [] or any list containing '*'."""
        return not self.permissions or "*" in self.permissions


def generate_secret() -> str:
    """Secrets are 'sk-' followed by 64 lowercase hex characters."""
    return "sk-" + secrets.token_hex(32)


class Seed:
    """The users and keys a reset brings back; fixed for the life of an Emulator."""

    def __init__(self):
        started = utcnow().replace(microsecond=0)
        self.users = []
        self.keys = []
        for index, (seed_name, first, last, employee_type, is_owner) in enumerate(SEED_USERS):
            user = User(
                seed_name=seed_name,
                user_id=str(uuid.uuid5(uuid.NAMESPACE_URL, "docspace-emulator/user/" + seed_name)),
                user_name=seed_name,
                email=f"{seed_name}@docspace.example.com",
                password=f"{seed_name.capitalize()}-Passw0rd!",
                first_name=first,
                last_name=last,
                employee_type=employee_type,
                is_owner=is_owner,
                registered=started - datetime.timedelta(days=30 - index),
            )
            self.users.append(user)
            self.keys.append(ApiKey(
                key_id=str(uuid.uuid4()),
                name="emulator-" + seed_name,
                secret=generate_secret(),
                permissions=[],
                create_by=user.user_id,
                create_on=started - datetime.timedelta(minutes=len(SEED_USERS) - index),
            ))

    def ready_users(self) -> dict:
        """The 'users' member of the ready file."""
        result = {}
        for user, key in zip(self.users, self.keys):
            result[user.seed_name] = {
                "id": user.user_id,
                "user_name": user.user_name,
                "email": user.email,
                "password": user.password,
                "display_name": user.display_name,
                "type": user.employee_type,
                "is_owner": user.is_owner,
                "api_key": key.secret,
                "api_key_id": key.key_id,
            }
        return result


class PortalState:
    """Everything a reset throws away."""

    def __init__(self, seed: Seed):
        self.users = {user.user_id: dataclasses.replace(user) for user in seed.users}
        self.keys = {}
        self.keys_by_secret = {}
        self.sessions = {}
        self.settings = dict(DEFAULT_SETTINGS)
        self.creation_history = {}
        self._sequence = itertools.count(1)
        for key in seed.keys:
            self.add_key(dataclasses.replace(key, permissions=list(key.permissions)))

    def add_key(self, key: ApiKey) -> ApiKey:
        """Store a key."""
        key.sequence = next(self._sequence)
        self.keys[key.key_id] = key
        self.keys_by_secret[key.secret] = key
        return key

    def remove_key(self, key: ApiKey) -> None:
        """Delete a key."""
        self.keys.pop(key.key_id, None)
        self.keys_by_secret.pop(key.secret, None)

    def user_by_seed_name(self, seed_name: str) -> User | None:
        """Find a user by its seed name (owner, admin, user, user2, guest)."""
        for user in self.users.values():
            if user.seed_name == seed_name:
                return user
        return None

    def user_by_login(self, login: str) -> User | None:
        """Find a user by email or user name, ignoring case."""
        wanted = login.strip().lower()
        for user in self.users.values():
            if wanted in (user.email.lower(), user.user_name.lower()):
                return user
        return None

    def keys_newest_first(self, owner_id: str | None = None) -> list:
        """Keys sorted like the server's ORDER BY create_on DESC."""
        keys = [key for key in self.keys.values() if owner_id is None or key.create_by == owner_id]
        keys.sort(key=lambda key: (key.create_on, key.sequence), reverse=True)
        return keys


# ---------------------------------------------------------------------------
# HTTP exchange objects and envelopes
# ---------------------------------------------------------------------------

@dataclasses.dataclass
class ApiRequest:
    """An HTTP request as the portal logic sees it."""

    method: str
    path: str
    query: str
    headers: dict
    body: bytes
    client_ip: str
    base_url: str

    @property
    def authorization(self) -> str:
        """The Authorization header, or ''."""
        return self.headers.get("authorization", "")

    @property
    def auth_cookie(self) -> str:
        """The session cookie asc_auth_key, or ''."""
        cookies = http.cookies.SimpleCookie()
        try:
            cookies.load(self.headers.get("cookie", ""))
        except http.cookies.CookieError:
            return ""
        morsel = cookies.get(SESSION_COOKIE)
        return morsel.value if morsel else ""

    @property
    def display_url(self) -> str:
        """What ASP.NET's GetDisplayUrl gives: the full request URL."""
        return self.base_url + self.path + ("?" + self.query if self.query else "")


@dataclasses.dataclass
class Response:
    """An HTTP answer."""

    status: int
    body: bytes = b""
    content_type: str | None = None
    headers: list = dataclasses.field(default_factory=list)


def dump_json(value) -> bytes:
    """Serialize compactly; non-ASCII escaped like System.Text.Json's default encoder."""
    return json.dumps(value, separators=(",", ":"), ensure_ascii=True).encode("ascii")


def json_response(status: int, payload, headers=None) -> Response:
    """A JSON answer."""
    return Response(status, dump_json(payload), JSON_CONTENT_TYPE, list(headers or []))


def empty_response(status: int, headers=None) -> Response:
    """401/403/404/405/429 carry no body."""
    return Response(status, b"", None, list(headers or []))


def links_for(request: ApiRequest) -> list:
    """The 'links' member of the success envelope."""
    return [{"href": request.display_url, "action": request.method}]


def success_response(request: ApiRequest, value, count: int = 1) -> Response:
    """Success envelope; null members are left out."""
    envelope = {"response": value, "count": count, "links": links_for(request), "status": 0, "statusCode": 200}
    return json_response(200, {name: member for name, member in envelope.items() if member is not None})


def new_trace_id() -> str:
    """A W3C trace id like ASP.NET puts in problem details."""
    return f"00-{secrets.token_hex(16)}-{secrets.token_hex(8)}-00"


def validation_response(request: ApiRequest, errors: dict) -> Response:
    """HTTP 400: the success envelope wrapping a validation problem (status 1 since v3.7.1)."""
    problem = {
        "type": "https://tools.ietf.org/html/rfc9110#section-15.5.1",
        "title": "One or more validation errors occurred.",
        "status": 400,
        "errors": errors,
        "traceId": new_trace_id(),
    }
    envelope = {"response": problem, "count": 1, "links": links_for(request), "status": 1, "statusCode": 400}
    return json_response(400, envelope)


def unsupported_media_type_response(request: ApiRequest) -> Response:
    """HTTP 415 for a body that is not JSON.

    The server wraps the client-error problem before the status code reaches the
    response, so the envelope says status 0 / statusCode 200 (as validation errors did before 3.7.1).
    """
    problem = {
        "type": "https://tools.ietf.org/html/rfc9110#section-15.5.16",
        "title": "Unsupported Media Type",
        "status": 415,
        "traceId": new_trace_id(),
    }
    envelope = {"response": problem, "count": 1, "links": links_for(request), "status": 0, "statusCode": 200}
    return json_response(415, envelope)


# ---------------------------------------------------------------------------
# .NET exceptions, as the server's exception handler renders them
# ---------------------------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class DotNetException:
    """Type name and HResult of a .NET exception class."""

    type_name: str
    hresult: int


NULL_REFERENCE = DotNetException("System.NullReferenceException", -2147467261)
ARGUMENT = DotNetException("System.ArgumentException", -2147024809)
UNAUTHORIZED_ACCESS = DotNetException("System.UnauthorizedAccessException", -2147024891)
INVALID_OPERATION = DotNetException("System.InvalidOperationException", -2146233079)

NULL_REFERENCE_MESSAGE = "Object reference not set to an instance of an object."

# What a client can observe of a .NET exception's stack: several lines of frames it must never show.
STACK_TRACE = "\n".join((
    "   at ASC.People.Api.ApiKeysController.UpdateApiKey(UpdateApiKeyRequestDto requestDto)",
    "--- End of stack trace from previous location ---",
    "   at Microsoft.AspNetCore.Mvc.Infrastructure.ControllerActionInvoker.InvokeActionMethodAsync()",
    "   at Microsoft.AspNetCore.Authentication.AuthenticationMiddleware.Invoke(HttpContext context)",
))


class ApiError(Exception):
    """An exception the action throws; rendered by exception_response."""

    def __init__(self, status: int, exception: DotNetException, message: str):
        super().__init__(message)
        self.status = status
        self.exception = exception
        self.message = message


def exception_response(error: ApiError) -> Response:
    """Exception envelope with message, type, stack and hresult."""
    payload = {
        "error": {
            "message": error.message,
            "type": error.exception.type_name,
            "stack": STACK_TRACE,
            "hresult": error.exception.hresult,
        },
        "status": 1,
        "statusCode": error.status,
    }
    return json_response(error.status, payload)


def login_failed_response() -> Response:
    """An AuthenticationException is rendered without type, stack or hresult."""
    payload = {
        "error": {"message": "User authentication failed", "type": None, "stack": None, "hresult": 0},
        "status": 1,
        "statusCode": 401,
    }
    return json_response(401, payload)


# ---------------------------------------------------------------------------
# Request body binding, mimicking ASP.NET Core + System.Text.Json (web defaults)
# ---------------------------------------------------------------------------

class BindingError(Exception):
    """Model binding or validation failed: HTTP 400 validation envelope."""

    def __init__(self, errors: dict):
        super().__init__("validation failed")
        self.errors = errors


class UnsupportedMediaType(Exception):
    """The body is not declared as JSON: HTTP 415."""


def utf16_length(text: str) -> int:
    """.NET string length counts UTF-16 code units."""
    return len(text.encode("utf-16-le")) // 2


def is_json_content_type(content_type: str) -> bool:
    """application/json, text/json or application/*+json, any parameters."""
    media_type = content_type.split(";", 1)[0].strip().lower()
    return media_type in ("application/json", "text/json") or (media_type.startswith("application/") and media_type.endswith("+json"))


class JsonBody:
    """Case-insensitive view of a JSON object, converting members like System.Text.Json."""

    CLR_STRING = "System.String"
    CLR_STRING_LIST = "System.Collections.Generic.List`1[System.String]"
    CLR_NULLABLE_INT = "System.Nullable`1[System.Int32]"
    CLR_NULLABLE_BOOL = "System.Nullable`1[System.Boolean]"

    def __init__(self, members: dict, parameter: str):
        self.parameter = parameter
        self.members = {}
        for name, value in members.items():
            self.members[name.lower()] = (name, value)

    def has(self, name: str) -> bool:
        """Whether the member is present (any case)."""
        return name.lower() in self.members

    def _get(self, name: str):
        return self.members.get(name.lower(), (name, None))

    def _fail(self, json_name: str, clr_type: str):
        path = "$." + json_name
        message = f"The JSON value could not be converted to {clr_type}. Path: {path}."
        raise BindingError({path: [message], self.parameter: [f"The {self.parameter} field is required."]})

    def string(self, name: str) -> str | None:
        """A string member or null."""
        json_name, value = self._get(name)
        if value is None or isinstance(value, str):
            return value
        return self._fail(json_name, self.CLR_STRING)

    def string_list(self, name: str) -> list | None:
        """An array of strings (elements may be null) or null."""
        json_name, value = self._get(name)
        if value is None:
            return None
        if not isinstance(value, list):
            return self._fail(json_name, self.CLR_STRING_LIST)
        for index, item in enumerate(value):
            if item is not None and not isinstance(item, str):
                self._fail("%s[%d]" % (json_name, index), self.CLR_STRING)
        return list(value)

    def nullable_int(self, name: str) -> int | None:
        """An Int32 or null; numbers in strings are accepted (AllowReadingFromString)."""
        json_name, value = self._get(name)
        if value is None:
            return None
        if isinstance(value, str) and re.fullmatch(r"-?[0-9]+", value):
            value = int(value)
        if isinstance(value, bool) or not isinstance(value, int) or not INT32_MIN <= value <= INT32_MAX:
            return self._fail(json_name, self.CLR_NULLABLE_INT)
        return value

    def nullable_bool(self, name: str) -> bool | None:
        """A JSON boolean or null; nothing else converts."""
        json_name, value = self._get(name)
        if value is None or isinstance(value, bool):
            return value
        return self._fail(json_name, self.CLR_NULLABLE_BOOL)


def read_json_object(request: ApiRequest, parameter: str, clr_type: str) -> JsonBody:
    """Bind a [FromBody] parameter: 415 unless JSON, 400 when empty, not JSON or not an object."""
    if not is_json_content_type(request.headers.get("content-type", "")):
        raise UnsupportedMediaType()
    required = {parameter: [f"The {parameter} field is required."]}
    try:
        text = request.body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise BindingError(dict({"$": ["The input is not valid UTF-8. Path: $."]}, **required)) from exc
    if not text.strip():
        raise BindingError(dict({"": ["A non-empty request body is required."]}, **required))
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        message = "The JSON value is not valid. Path: $ | LineNumber: %d | BytePositionInLine: %d." % (exc.lineno - 1, exc.colno - 1)
        raise BindingError(dict({"$": [message]}, **required)) from exc
    if value is None:
        raise BindingError(required)
    if not isinstance(value, dict):
        raise BindingError(dict({"$": [f"The JSON value could not be converted to {clr_type}. Path: $."]}, **required))
    return JsonBody(value, parameter)


def name_errors(name: str | None, required: bool) -> list:
    """[Required] (no blank strings) and [StringLength(30)] on Name."""
    if name is None or not name.strip():
        return ["The Name field is required."] if required else []
    if utf16_length(name) > NAME_MAX_LENGTH:
        return ["Incorrect name. Length must be less than 30"]
    return []


@dataclasses.dataclass
class CreateKeyBody:
    """CreateApiKeyRequestDto."""

    name: str
    permissions: list | None
    expires_in_days: int | None


@dataclasses.dataclass
class UpdateKeyBody:
    """UpdateApiKeyRequest."""

    name: str | None
    permissions: list | None
    is_active: bool | None


def bind_create_body(request: ApiRequest) -> CreateKeyBody:
    """Bind and validate POST /keys."""
    body = read_json_object(request, "apiKey", "ASC.People.ApiModels.RequestDto.CreateApiKeyRequestDto")
    if not body.has("name"):
        message = ("JSON deserialization for type 'ASC.People.ApiModels.RequestDto.CreateApiKeyRequestDto' "
                   "was missing required properties including: 'name'. Path: $.")
        raise BindingError({"$": [message], "apiKey": ["The apiKey field is required."]})
    bound = CreateKeyBody(body.string("name"), body.string_list("permissions"), body.nullable_int("expiresInDays"))
    errors = {}
    if name_errors(bound.name, required=True):
        errors["Name"] = name_errors(bound.name, required=True)
    days = bound.expires_in_days
    if days is not None and not EXPIRES_MIN_DAYS <= days <= EXPIRES_MAX_DAYS:
        errors["ExpiresInDays"] = ["Incorrect number of days. Value must be between 1 and 365"]
    if errors:
        raise BindingError(errors)
    return bound


def bind_update_body(request: ApiRequest) -> UpdateKeyBody:
    """Bind and validate PUT /keys/{keyId}."""
    body = read_json_object(request, "Changed", "ASC.People.ApiModels.RequestDto.UpdateApiKeyRequest")
    bound = UpdateKeyBody(body.string("name"), body.string_list("permissions"), body.nullable_bool("isActive"))
    if name_errors(bound.name, required=False):
        raise BindingError({"Name": name_errors(bound.name, required=False)})
    return bound


def permissions_valid(permissions: list | None) -> bool:
    """Every scope must be in the catalogue (exact, case-sensitive); null and [] are valid."""
    return not permissions or all(scope in SCOPE_CATALOGUE for scope in permissions)


# ---------------------------------------------------------------------------
# Routing and scopes
# ---------------------------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class Route:
    """An API route and the handler name for each method."""

    name: str
    handlers: tuple
    anonymous: bool = False

    @property
    def methods(self) -> tuple:
        """HTTP methods the route answers."""
        return tuple(handler[0] for handler in self.handlers)

    def handler_for(self, method: str) -> str | None:
        """Name of the Portal method handling this HTTP method."""
        return dict(self.handlers).get(method)


ROUTE_AUTHENTICATION = Route("authentication", (("POST", "login"),), anonymous=True)
ROUTE_PEOPLE_SELF = Route("people/@self", (("GET", "people_self"),))
ROUTE_KEYS = Route("keys", (("GET", "list_keys"), ("POST", "create_key")))
ROUTE_KEYS_SELF = Route("keys/@self", (("GET", "self_key"),))
ROUTE_KEYS_PERMISSIONS = Route("keys/permissions", (("GET", "list_permissions"),))
ROUTE_KEY_ITEM = Route("keys/{keyId}", (("PUT", "update_key"), ("DELETE", "delete_key")))

_GUID_FORMS = (
    re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"),
    re.compile(r"^[0-9a-fA-F]{32}$"),
    re.compile(r"^\{[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\}$"),
    re.compile(r"^\([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\)$"),
)


def parse_guid(text: str) -> str | None:
    """The {keyId:guid} route constraint: D, N, B and P forms; canonical lowercase D form."""
    if any(form.match(text) for form in _GUID_FORMS):
        return str(uuid.UUID(text.strip("{}()")))
    return None


def match_route(path: str):
    """Return (route, parameters) or (None, None) when no route has that path."""
    if not path.lower().startswith(API_PREFIX):
        return None, None
    segments = [unquote(segment) for segment in path[len(API_PREFIX):].rstrip("/").split("/")]
    lowered = [segment.lower() for segment in segments]
    fixed = {
        ("authentication",): ROUTE_AUTHENTICATION,
        ("people", "@self"): ROUTE_PEOPLE_SELF,
        ("keys",): ROUTE_KEYS,
        ("keys", "@self"): ROUTE_KEYS_SELF,
        ("keys", "permissions"): ROUTE_KEYS_PERMISSIONS,
    }
    if tuple(lowered) in fixed:
        return fixed[tuple(lowered)], {}
    if len(segments) == 2 and lowered[0] == "keys":
        key_id = parse_guid(segments[1])
        if key_id is not None:
            return ROUTE_KEY_ITEM, {"key_id": key_id}
    return None, None


def required_scopes(route: Route, method: str) -> set | None:
    """Scopes of which a scoped key needs one (AuthorizationExtension.ScopesMap); None: no check."""
    if route is ROUTE_KEYS_SELF:
        return None
    if method == "GET":
        scopes = {GLOBAL_READ, GLOBAL_WRITE}
        if route is ROUTE_PEOPLE_SELF:
            scopes |= {"accounts.self:read", "accounts.self:write"}
        return scopes
    scopes = {GLOBAL_WRITE}
    if route is ROUTE_PEOPLE_SELF:
        scopes.add("accounts.self:write")
    return scopes


@dataclasses.dataclass
class Identity:
    """Who a request authenticated as, and with which key if any."""

    user: User
    key: ApiKey | None = None

    def scopes(self) -> set:
        """Scope claims: full access (and Basic/session auth) carries only '*:write'."""
        if self.key is None or self.key.has_full_access():
            return {GLOBAL_WRITE}
        return set(self.key.permissions)


def auth_scheme_of(header: str) -> str:
    """How the Authorization header looked, for the request log."""
    if not header:
        return "none"
    if header.startswith("Bearer "):
        return "Bearer"
    if header.startswith("Basic "):
        return "Basic"
    return "raw"


# ---------------------------------------------------------------------------
# DTOs
# ---------------------------------------------------------------------------

def employee_dto(user: User, base_url: str) -> dict:
    """EmployeeDto (createBy of a key)."""
    cache = int(uuid.UUID(user.user_id)) % 2147483647
    avatar = "/static/images/default_user_photo_size_%s.png?hash=" + str(cache)
    return {
        "id": user.user_id,
        "displayName": html.escape(user.display_name),
        "avatar": avatar % "82-82",
        "avatarOriginal": avatar % "200-200",
        "avatarMax": avatar % "200-200",
        "avatarMedium": avatar % "48-48",
        "avatarSmall": avatar % "32-32",
        "profileUrl": f"{base_url}/accounts/people/filter?search={user.email}",
        "hasAvatar": False,
        "isAnonim": False,
    }


def employee_full_dto(user: User, base_url: str) -> dict:
    """EmployeeFullDto of GET /people/@self (the caller looking at itself)."""
    dto = employee_dto(user, base_url)
    dto.update({
        "firstName": user.first_name,
        "lastName": user.last_name,
        "userName": user.user_name,
        "email": user.email,
        "status": EMPLOYEE_STATUS_TERMINATED if user.disabled else EMPLOYEE_STATUS_ACTIVE,
        "activationStatus": ACTIVATION_STATUS_ACTIVATED,
        "department": "",
        # The server reports the owner as isAdmin=false, isOwner=true.
        "isAdmin": user.is_docspace_admin and not user.is_owner,
        "isRoomAdmin": user.employee_type == TYPE_ROOM_ADMIN,
        "isLDAP": False,
        "isOwner": user.is_owner,
        "isVisitor": user.is_guest,
        "isCollaborator": user.employee_type == TYPE_USER,
        "cultureName": "en-US",
        "mobilePhoneActivationStatus": 0,
        "isSSO": False,
        "usedSpace": 0,
        "registrationDate": format_date(user.registered),
    })
    return dto


def key_dto(key: ApiKey, owner: User, base_url: str, reveal_secret: bool = False) -> dict:
    """ApiKeyResponseDto; null members (permissions, lastUsed, expiresAt) left out."""
    dto = {
        "id": key.key_id,
        "name": key.name,
        "key": key.secret if reveal_secret else "sk-***" + key.postfix,
        "keyPostfix": key.postfix,
        "permissions": None if key.permissions is None else list(key.permissions),
        "lastUsed": format_date(key.last_used) if key.last_used else None,
        "createOn": format_date(key.create_on),
        "createBy": employee_dto(owner, base_url),
        "expiresAt": format_date(key.expires_at) if key.expires_at else None,
        "isActive": key.is_active,
    }
    return {name: value for name, value in dto.items() if value is not None}


# ---------------------------------------------------------------------------
# The portal
# ---------------------------------------------------------------------------

class Portal:
    """DocSpace behaviour for the emulated endpoints; one lock around all state."""

    def __init__(self, seed: Seed):
        self.seed = seed
        self.lock = threading.RLock()
        self.state = PortalState(seed)

    def reset(self) -> None:
        """Back to the seed."""
        with self.lock:
            self.state = PortalState(self.seed)

    # -- pipeline --------------------------------------------------------

    def handle(self, request: ApiRequest):
        """Answer an API request; returns (Response, user name or None)."""
        route, params = match_route(request.path)
        if route is None:
            return empty_response(404), None
        handler_name = route.handler_for(request.method)
        if handler_name is None:
            return empty_response(405, [("Allow", ", ".join(route.methods))]), None
        with self.lock:
            now = utcnow()
            identity = self.authenticate(request, now)
            user_name = identity.user.user_name if identity else None
            limited = self.rate_limit(route, request, identity, now)
            if limited is not None:
                return limited, user_name
            if identity is None and not route.anonymous:
                return empty_response(401), None
            if identity is not None and not self.scope_allows(identity, route, request.method):
                return empty_response(403), user_name
            response, login_user = self.run_action(handler_name, request, identity, params, now)
            return response, login_user or user_name

    def run_action(self, handler_name, request, identity, params, now):
        """Call the action; translate binding and exception outcomes."""
        handler = getattr(self, "action_" + handler_name)
        try:
            return handler(request, identity, now, **params)
        except UnsupportedMediaType:
            return unsupported_media_type_response(request), None
        except BindingError as exc:
            return validation_response(request, exc.errors), None
        except ApiError as exc:
            return exception_response(exc), None

    def scope_allows(self, identity: Identity, route: Route, method: str) -> bool:
        """Scope policy of the route against the key's claims."""
        needed = required_scopes(route, method)
        return needed is None or bool(needed & identity.scopes())

    def rate_limit(self, route, request, identity, now) -> Response | None:
        """POST /keys: 5 per 15 minutes per user (or client IP) when the portal enables limits."""
        if route is not ROUTE_KEYS or request.method != "POST" or not self.state.settings["rate_limits"]:
            return None
        partition = identity.user.user_id if identity else "ip:" + request.client_ip
        window_start = now - datetime.timedelta(seconds=KEY_CREATION_WINDOW_SECONDS)
        history = [stamp for stamp in self.state.creation_history.get(partition, []) if stamp > window_start]
        if len(history) >= KEY_CREATION_LIMIT:
            self.state.creation_history[partition] = history
            return empty_response(429, [("X-RateLimit-Limit", str(KEY_CREATION_LIMIT)), ("X-RateLimit-Remaining", "0")])
        history.append(now)
        self.state.creation_history[partition] = history
        return None

    # -- authentication --------------------------------------------------

    def authenticate(self, request: ApiRequest, now: datetime.datetime) -> Identity | None:
        """Pick the scheme like the server's selector and authenticate."""
        header = request.authorization
        if header.startswith("Basic "):
            return self._authenticate_basic(header[len("Basic "):])
        if header.startswith("Bearer ") and header[len("Bearer "):].strip().startswith("sk-"):
            # The key handler trims the header, then cuts "Bearer " off: "Bearer  sk-..." fails.
            return self._authenticate_key(header.strip()[len("Bearer "):], now)
        # The cookie handler prefers the asc_auth_key cookie to the header.
        token = request.auth_cookie or header
        return self._authenticate_session(token, now) if token else None

    def _authenticate_key(self, secret: str, now: datetime.datetime) -> Identity | None:
        key = self.state.keys_by_secret.get(secret)
        if key is None or not key.can_authenticate(now):
            return None
        key.last_used = now
        user = self.state.users.get(key.create_by)
        if user is None or user.disabled:
            return None
        return Identity(user, key)

    def _authenticate_session(self, header: str, now: datetime.datetime) -> Identity | None:
        token = header.strip()
        if token.find("Bearer") >= 0:
            token = token[len("Bearer "):]
        session = self.state.sessions.get(token)
        if session is None or session[1] < now:
            return None
        user = self.state.users.get(session[0])
        if user is None or user.disabled:
            return None
        return Identity(user)

    def _authenticate_basic(self, encoded: str) -> Identity | None:
        try:
            decoded = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            return None
        login, separator, password = decoded.partition(":")
        if not separator:
            return None
        user = self.state.user_by_login(login)
        if user is None or user.disabled or user.password != password:
            return None
        return Identity(user)

    def peek_user(self, request: ApiRequest) -> str | None:
        """Who the request would authenticate as, without side effects (for the request log)."""
        header = request.authorization
        with self.lock:
            if header.startswith("Bearer ") and header[len("Bearer "):].strip().startswith("sk-"):
                key = self.state.keys_by_secret.get(header.strip()[len("Bearer "):])
                user = self.state.users.get(key.create_by) if key else None
                return user.user_name if user else None
            identity = self.authenticate(request, utcnow())
            return identity.user.user_name if identity else None

    # -- actions ---------------------------------------------------------

    def user_of(self, key: ApiKey) -> User:
        """The creator of a key."""
        return self.state.users[key.create_by]

    def dto(self, key: ApiKey, request: ApiRequest, reveal_secret: bool = False) -> dict:
        """Key DTO for an answer."""
        return key_dto(key, self.user_of(key), request.base_url, reveal_secret)

    def action_login(self, request, identity, now):
        """POST /authentication."""
        del identity
        body = read_json_object(request, "inDto", "ASC.Web.Api.ApiModel.RequestsDto.AuthRequestsDto")
        login = body.string("userName")
        password = (body.string("password") or "").strip()
        session_only = body.nullable_bool("session") or False
        user = self.state.user_by_login(login) if login else None
        if user is None or not password or user.password != password:
            return login_failed_response(), None
        if user.disabled:
            raise ApiError(403, INVALID_OPERATION, "User disabled")
        token = secrets.token_urlsafe(48)
        expires = now + SESSION_LIFETIME
        self.state.sessions[token] = (user.user_id, expires)
        answer = {
            "token": token,
            # A session login leaves the DateTime at its default value.
            "expires": "0001-01-01T00:00:00" if session_only else format_date(expires),
            "sms": False,
            "tfa": False,
        }
        return success_response(request, answer), user.user_name

    def action_people_self(self, request, identity, now):
        """GET /people/@self."""
        del now
        return success_response(request, employee_full_dto(identity.user, request.base_url)), None

    def action_list_permissions(self, request, identity, now):
        """GET /keys/permissions."""
        del identity, now
        return success_response(request, list(SCOPE_CATALOGUE), count=len(SCOPE_CATALOGUE)), None

    def action_list_keys(self, request, identity, now):
        """GET /keys: admins see every key, others their own; newest first; count is always 1."""
        del now
        owner_id = None if identity.user.is_docspace_admin else identity.user.user_id
        keys = self.state.keys_newest_first(owner_id)
        return success_response(request, [self.dto(key, request) for key in keys], count=1), None

    def action_self_key(self, request, identity, now):
        """GET /keys/@self: the key named by the Authorization header after 'Bearer '."""
        del identity, now
        key = self.state.keys_by_secret.get(request.authorization[len("Bearer "):])
        if key is None:
            raise ApiError(500, NULL_REFERENCE, NULL_REFERENCE_MESSAGE)
        return success_response(request, self.dto(key, request)), None

    def action_create_key(self, request, identity, now):
        """POST /keys."""
        body = bind_create_body(request)
        user = identity.user
        if self.state.settings["developer_tools_admins_only"] and not user.is_docspace_admin:
            raise ApiError(403, UNAUTHORIZED_ACCESS, "Access denied")
        if user.is_guest:
            raise ApiError(403, UNAUTHORIZED_ACCESS, "Access denied")
        if not permissions_valid(body.permissions):
            raise ApiError(400, ARGUMENT, "Permissions are not valid.")
        permissions = [] if not body.permissions or "*" in body.permissions else body.permissions
        expires_at = None
        if body.expires_in_days is not None:
            expires_at = now + datetime.timedelta(days=body.expires_in_days)
        key = self.state.add_key(ApiKey(
            key_id=str(uuid.uuid4()), name=body.name, secret=generate_secret(), permissions=permissions,
            create_by=user.user_id, create_on=now, expires_at=expires_at,
        ))
        return success_response(request, self.dto(key, request, reveal_secret=True)), None

    def action_update_key(self, request, identity, now, key_id):
        """PUT /keys/{keyId}: rules 1-6 of the contract."""
        body = bind_update_body(request)
        key = self.state.keys.get(key_id)
        if key is None:
            raise ApiError(500, NULL_REFERENCE, NULL_REFERENCE_MESSAGE)
        if key.is_expired(now):
            return success_response(request, False), None
        if not identity.user.is_docspace_admin and key.create_by != identity.user.user_id:
            return success_response(request, False), None
        if not permissions_valid(body.permissions):
            raise ApiError(400, ARGUMENT, "Permissions are not valid.")
        if body.is_active is not None:
            key.is_active = body.is_active
        if body.permissions:
            key.permissions = None if body.permissions == ["*"] else body.permissions
        if body.name:
            key.name = body.name
        return success_response(request, True), None

    def action_delete_key(self, request, identity, now, key_id):
        """DELETE /keys/{keyId}."""
        del now
        key = self.state.keys.get(key_id)
        if key is None:
            raise ApiError(500, NULL_REFERENCE, NULL_REFERENCE_MESSAGE)
        if not identity.user.is_docspace_admin and key.create_by != identity.user.user_id:
            return success_response(request, False), None
        self.state.remove_key(key)
        return success_response(request, True), None

    # -- control helpers -------------------------------------------------

    def create_raw_key(self, spec: dict, base_url: str) -> dict:
        """Control API: store a key as given, without validation."""
        with self.lock:
            owner = self._control_owner(spec)
            now = utcnow()
            name = spec.get("name", "control-key")
            permissions = spec.get("permissions", [])
            is_active = spec.get("is_active", True)
            if not isinstance(name, str):
                raise ValueError("name must be a string")
            if permissions is not None and not isinstance(permissions, list):
                raise ValueError("permissions must be a list or null")
            if not isinstance(is_active, bool):
                raise ValueError("is_active must be a boolean")
            key = self.state.add_key(ApiKey(
                key_id=str(uuid.uuid4()),
                name=name,
                secret=generate_secret(),
                permissions=None if permissions is None else list(permissions),
                create_by=owner.user_id,
                create_on=parse_optional_date(spec.get("create_on"), now),
                expires_at=parse_optional_date(spec.get("expires_at")),
                last_used=parse_optional_date(spec.get("last_used")),
                is_active=is_active,
            ))
            return key_dto(key, owner, base_url, reveal_secret=True)

    def create_bulk_keys(self, spec: dict) -> int:
        """Control API: many full-access keys, oldest first."""
        count = spec.get("count")
        if isinstance(count, bool) or not isinstance(count, int) or not 0 <= count <= BULK_MAX:
            raise ValueError("count must be an integer between 0 and %d" % BULK_MAX)
        prefix = str(spec.get("name_prefix", "bulk-"))
        with self.lock:
            owner = self._control_owner(spec)
            now = utcnow()
            for index in range(count):
                self.state.add_key(ApiKey(
                    key_id=str(uuid.uuid4()), name="%s%d" % (prefix, index + 1), secret=generate_secret(),
                    permissions=[], create_by=owner.user_id,
                    create_on=now - datetime.timedelta(microseconds=count - index),
                ))
        return count

    def _control_owner(self, spec: dict) -> User:
        owner = self.state.user_by_seed_name(str(spec.get("owner", "owner")))
        if owner is None:
            raise ValueError("owner must be one of: " + ", ".join(seed[0] for seed in SEED_USERS))
        return owner

    def update_settings(self, changes: dict) -> dict:
        """Control API: portal settings."""
        with self.lock:
            for name, value in changes.items():
                if name not in DEFAULT_SETTINGS or not isinstance(value, bool):
                    raise ValueError("settings are booleans named " + ", ".join(DEFAULT_SETTINGS))
                self.state.settings[name] = value
            return dict(self.state.settings)

    def settings(self) -> dict:
        """Control API: current settings."""
        with self.lock:
            return dict(self.state.settings)

    def set_user_disabled(self, seed_name: str, disabled) -> dict | None:
        """Control API: disable or enable a user; None if there is no such user."""
        if not isinstance(disabled, bool):
            raise ValueError("disabled must be a boolean")
        with self.lock:
            user = self.state.user_by_seed_name(seed_name)
            if user is None:
                return None
            user.disabled = disabled
            return self.user_summary(user)

    @staticmethod
    def user_summary(user: User) -> dict:
        """A user for the control API."""
        return {
            "name": user.seed_name, "id": user.user_id, "user_name": user.user_name, "email": user.email,
            "type": user.employee_type, "is_owner": user.is_owner, "disabled": user.disabled,
        }

    def snapshot(self, base_url: str) -> dict:
        """Control API: the whole state, secrets masked."""
        with self.lock:
            now = utcnow()
            keys = []
            for key in self.state.keys_newest_first():
                entry = key_dto(key, self.user_of(key), base_url)
                entry["owner"] = self.user_of(key).seed_name
                entry["storedPermissions"] = key.permissions
                entry["expired"] = key.is_expired(now)
                keys.append(entry)
            return {
                "users": [self.user_summary(user) for user in self.state.users.values()],
                "keys": keys,
                "settings": dict(self.state.settings),
                "sessions": len(self.state.sessions),
            }


# ---------------------------------------------------------------------------
# Faults and the request log
# ---------------------------------------------------------------------------

@dataclasses.dataclass
class Fault:
    """A fault: the next matching requests each consume one step."""

    fault_id: int
    method: str
    path: str
    pattern: re.Pattern
    steps: list

    def matches(self, method: str, path: str) -> bool:
        """Method ('*' for any) and a regex search on the path."""
        return self.method in ("*", method) and re.search(self.pattern, path) is not None

    def describe(self) -> dict:
        """For GET faults."""
        return {"id": self.fault_id, "method": self.method, "path": self.path, "remaining": len(self.steps), "responses": self.steps}


def normalize_fault_step(step) -> dict:
    """Validate one item of 'responses' and fill defaults."""
    if not isinstance(step, dict):
        raise ValueError("each item of responses must be an object")
    action = step.get("action", "respond")
    if action not in FAULT_ACTIONS:
        raise ValueError("action must be one of " + ", ".join(FAULT_ACTIONS))
    status = step.get("status", 503)
    if isinstance(status, bool) or not isinstance(status, int) or not 100 <= status <= 599:
        raise ValueError("status must be an HTTP status code")
    delay = step.get("delay", 0.0)
    if isinstance(delay, bool) or not isinstance(delay, (int, float)) or delay < 0:
        raise ValueError("delay must be a non-negative number of seconds")
    headers = step.get("headers") or {}
    if not isinstance(headers, dict) or not all(isinstance(value, str) for value in headers.values()):
        raise ValueError("headers must map names to strings")
    body = step.get("body", "")
    content_type = step.get("content_type")
    if content_type is None:
        content_type = "text/plain; charset=utf-8" if isinstance(body, str) else JSON_CONTENT_TYPE
    return {"action": action, "status": status, "body": body, "content_type": str(content_type), "headers": headers, "delay": float(delay)}


def fault_response(step: dict) -> Response:
    """The answer of a 'respond' step."""
    body = step["body"]
    if body is None:
        payload = b""
    elif isinstance(body, str):
        payload = body.encode("utf-8")
    else:
        payload = dump_json(body)
    return Response(step["status"], payload, step["content_type"] if payload else None, list(step["headers"].items()))


class FaultInjector:
    """Registered faults, consumed in order."""

    def __init__(self):
        self.lock = threading.Lock()
        self.faults = []
        self._ids = itertools.count(1)

    def add(self, spec) -> dict:
        """POST faults."""
        if not isinstance(spec, dict):
            raise ValueError("a fault is a JSON object")
        method = str(spec.get("method", "*")).upper()
        path = spec.get("path", "")
        if not isinstance(path, str):
            raise ValueError("path must be a regular expression string")
        try:
            pattern = re.compile(path)
        except re.error as exc:
            raise ValueError(f"path is not a valid regular expression: {exc}") from exc
        steps = spec.get("responses")
        if not isinstance(steps, list) or not steps:
            raise ValueError("responses must be a non-empty list")
        normalized = [normalize_fault_step(step) for step in steps]
        with self.lock:
            fault = Fault(next(self._ids), method, path, pattern, normalized)
            self.faults.append(fault)
            return fault.describe()

    def take(self, method: str, path: str) -> dict | None:
        """The next step of the first matching fault; drops exhausted faults."""
        with self.lock:
            for fault in self.faults:
                if fault.matches(method, path):
                    step = fault.steps.pop(0)
                    if not fault.steps:
                        self.faults.remove(fault)
                    return step
        return None

    def describe(self) -> list:
        """GET faults."""
        with self.lock:
            return [fault.describe() for fault in self.faults]

    def clear(self) -> None:
        """DELETE faults."""
        with self.lock:
            self.faults = []


def body_for_log(body: bytes):
    """Parsed JSON, else text, else None."""
    if not body:
        return None
    text = body.decode("utf-8", errors="replace")
    try:
        return json.loads(text)
    except ValueError:
        return text


class RequestLog:
    """API requests since the last reset or clear (never the Authorization value)."""

    def __init__(self):
        self.lock = threading.Lock()
        self.entries = []

    def record(self, request: ApiRequest, status: int | None, user: str | None) -> None:
        """Append one entry."""
        entry = {
            "time": format_date(utcnow()),
            "method": request.method,
            "path": request.path,
            "query": request.query,
            "auth_scheme": auth_scheme_of(request.authorization),
            "user": user,
            "status": status,
            "body": body_for_log(request.body),
            "user_agent": request.headers.get("user-agent"),
        }
        with self.lock:
            self.entries.append(entry)

    def list(self) -> list:
        """GET requests."""
        with self.lock:
            return list(self.entries)

    def clear(self) -> None:
        """DELETE requests."""
        with self.lock:
            self.entries = []


# ---------------------------------------------------------------------------
# Control API
# ---------------------------------------------------------------------------

class ControlApi:
    """Endpoints under /__emulator__/ (no authentication, not logged)."""

    def __init__(self, emulator: Emulator):
        self.emulator = emulator

    def handle(self, method: str, subpath: str, body: bytes, base_url: str) -> Response:
        """Dispatch a control request."""
        routes = {
            "health": {"GET": self.health},
            "reset": {"POST": self.reset},
            "requests": {"GET": self.list_requests, "DELETE": self.clear_requests},
            "faults": {"GET": self.list_faults, "POST": self.add_fault, "DELETE": self.clear_faults},
            "keys": {"POST": self.create_key},
            "keys/bulk": {"POST": self.create_bulk},
            "settings": {"GET": self.get_settings, "POST": self.set_settings},
            "users": {"GET": self.list_users},
            "state": {"GET": self.state},
        }
        subpath = subpath.strip("/")
        handlers = routes.get(subpath)
        if handlers is None and subpath.startswith("users/"):
            handlers = {"POST": lambda spec, url: self.set_user(subpath[len("users/"):], spec)}
        if handlers is None:
            return json_response(404, {"error": f"no control endpoint /__emulator__/{subpath}"})
        if method not in handlers:
            return json_response(405, {"error": "use " + " or ".join(handlers)})
        try:
            spec = json.loads(body.decode("utf-8")) if body.strip() else {}
            return handlers[method](spec, base_url)
        except ValueError as exc:
            return json_response(400, {"error": str(exc)})

    def health(self, spec, base_url):
        """GET health."""
        del spec, base_url
        return json_response(200, {"ok": True})

    def reset(self, spec, base_url):
        """POST reset."""
        del spec, base_url
        self.emulator.reset()
        return json_response(200, {"ok": True})

    def list_requests(self, spec, base_url):
        """GET requests."""
        del spec, base_url
        return json_response(200, self.emulator.request_log.list())

    def clear_requests(self, spec, base_url):
        """DELETE requests."""
        del spec, base_url
        self.emulator.request_log.clear()
        return json_response(200, {"ok": True})

    def list_faults(self, spec, base_url):
        """GET faults."""
        del spec, base_url
        return json_response(200, self.emulator.faults.describe())

    def add_fault(self, spec, base_url):
        """POST faults."""
        del base_url
        return json_response(200, self.emulator.faults.add(spec))

    def clear_faults(self, spec, base_url):
        """DELETE faults."""
        del spec, base_url
        self.emulator.faults.clear()
        return json_response(200, {"ok": True})

    def create_key(self, spec, base_url):
        """POST keys."""
        if not isinstance(spec, dict):
            raise ValueError("a key is a JSON object")
        return json_response(200, self.emulator.portal.create_raw_key(spec, base_url))

    def create_bulk(self, spec, base_url):
        """POST keys/bulk."""
        del base_url
        if not isinstance(spec, dict):
            raise ValueError("a bulk request is a JSON object")
        return json_response(200, {"created": self.emulator.portal.create_bulk_keys(spec)})

    def get_settings(self, spec, base_url):
        """GET settings."""
        del spec, base_url
        return json_response(200, self.emulator.portal.settings())

    def set_settings(self, spec, base_url):
        """POST settings."""
        del base_url
        if not isinstance(spec, dict):
            raise ValueError("settings are a JSON object")
        return json_response(200, self.emulator.portal.update_settings(spec))

    def list_users(self, spec, base_url):
        """GET users."""
        del spec
        return json_response(200, self.emulator.portal.snapshot(base_url)["users"])

    def set_user(self, seed_name, spec):
        """POST users/<name>."""
        if not isinstance(spec, dict):
            raise ValueError("a user change is a JSON object")
        summary = self.emulator.portal.set_user_disabled(seed_name, spec.get("disabled"))
        if summary is None:
            return json_response(404, {"error": f"no user named {seed_name!r}"})
        return json_response(200, summary)

    def state(self, spec, base_url):
        """GET state."""
        del spec
        return json_response(200, self.emulator.portal.snapshot(base_url))


# ---------------------------------------------------------------------------
# HTTP server
# ---------------------------------------------------------------------------

class _RequestHandler(BaseHTTPRequestHandler):
    """Turns HTTP requests into ApiRequest objects and writes Responses."""

    protocol_version = "HTTP/1.1"
    server_version = "DocSpaceEmulator/1.0"
    # Headers and body go out in separate writes; without TCP_NODELAY every answer waits ~40 ms for delayed ACKs.
    disable_nagle_algorithm = True

    def version_string(self):
        """The Server header."""
        return self.server_version

    def do_GET(self):  # pylint: disable=invalid-name
        """Every method goes through the same dispatcher."""
        self._dispatch()

    do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = do_OPTIONS = do_GET

    def log_message(self, format, *args):  # pylint: disable=redefined-builtin
        """Quiet unless --verbose."""
        if self.server.emulator.verbose:
            sys.stderr.write(f"{self.address_string()} - {format % args}\n")

    def finish(self):
        """The connection may already be gone (reset and truncate faults)."""
        try:
            super().finish()
        except OSError:
            pass

    def _read_body(self) -> bytes:
        length = self.headers.get("Content-Length")
        if length is not None:
            try:
                return self.rfile.read(int(length))
            except ValueError:
                return b""
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            return self._read_chunked()
        return b""

    def _read_chunked(self) -> bytes:
        chunks = []
        while True:
            size = int(self.rfile.readline().split(b";", 1)[0].strip() or b"0", 16)
            if size == 0:
                while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                    pass
                return b"".join(chunks)
            chunks.append(self.rfile.read(size))
            self.rfile.readline()

    def _base_url(self) -> str:
        emulator = self.server.emulator
        host = self.headers.get("Host") or emulator.netloc
        return f"{emulator.scheme}://{host}"

    def _dispatch(self):
        path, _separator, query = self.path.partition("?")
        body = self._read_body()
        if path == CONTROL_PREFIX or path.startswith(CONTROL_PREFIX + "/"):
            response = self.server.emulator.control.handle(self.command, path[len(CONTROL_PREFIX):], body, self._base_url())
            self._send(response)
            return
        request = ApiRequest(
            method=self.command, path=path, query=query,
            headers={name.lower(): value for name, value in self.headers.items()},
            body=body, client_ip=self.client_address[0], base_url=self._base_url(),
        )
        self._serve_api(request)

    def _serve_api(self, request: ApiRequest):
        emulator = self.server.emulator
        step = emulator.faults.take(request.method, request.path)
        if step is None:
            response, user = self._portal_answer(request)
            emulator.request_log.record(request, response.status, user)
            self._send(response)
            return
        if step["delay"]:
            time.sleep(step["delay"])
        action = step["action"]
        if action == "respond":
            response = fault_response(step)
            emulator.request_log.record(request, response.status, emulator.portal.peek_user(request))
            self._send(response)
        elif action == "reset":
            emulator.request_log.record(request, None, emulator.portal.peek_user(request))
            self._abort_connection()
        else:
            response, user = self._portal_answer(request)
            emulator.request_log.record(request, response.status, user)
            self._send(response, truncate=action == "truncate")

    def _portal_answer(self, request: ApiRequest):
        """The portal's answer; an emulator bug becomes a visible 500 instead of a dropped connection."""
        try:
            return self.server.emulator.portal.handle(request)
        except Exception as exc:  # pylint: disable=broad-exception-caught
            traceback.print_exc(file=sys.stderr)
            payload = {
                "error": {"message": f"docspace_emulator internal error: {exc!r}", "type": "System.Exception", "stack": "", "hresult": -2146233088},
                "status": 1,
                "statusCode": 500,
            }
            return json_response(500, payload), None

    def _send(self, response: Response, truncate: bool = False):
        self.send_response(response.status)
        for name, value in response.headers:
            self.send_header(name, value)
        if response.content_type:
            self.send_header("Content-Type", response.content_type)
        self.send_header("Content-Length", str(len(response.body)))
        self.end_headers()
        body = response.body
        if truncate:
            body = body[:len(body) // 2]
        if self.command != "HEAD":
            self.wfile.write(body)
        if truncate:
            self.wfile.flush()
            self.close_connection = True

    def _abort_connection(self):
        """Close with a TCP reset and no answer."""
        self.close_connection = True
        try:
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        except OSError:
            pass
        for stream in (self.rfile, self.wfile):
            try:
                stream.close()
            except OSError:
                pass
        self.connection.close()


class _Server(ThreadingHTTPServer):
    """Threaded HTTP(S) server bound to loopback."""

    daemon_threads = True
    block_on_close = False

    def __init__(self, address, emulator: Emulator, ssl_context: ssl.SSLContext | None):
        self.address_family = socket.AF_INET6 if ":" in address[0] else socket.AF_INET
        self.emulator = emulator
        self.ssl_context = ssl_context
        super().__init__(address, _RequestHandler)

    def server_bind(self):
        """Skip HTTPServer's reverse DNS lookup of the host."""
        socketserver.TCPServer.server_bind(self)
        self.server_name = self.server_address[0]
        self.server_port = self.server_address[1]

    def get_request(self):
        """Wrap accepted sockets in TLS; the handshake happens in the handler thread."""
        connection, address = super().get_request()
        if self.ssl_context is not None:
            connection = self.ssl_context.wrap_socket(connection, server_side=True, do_handshake_on_connect=False)
        return connection, address

    def handle_error(self, request, client_address):
        """Broken connections and TLS failures are expected; stay quiet unless --verbose."""
        if self.emulator.verbose:
            super().handle_error(request, client_address)


def ensure_loopback(host: str) -> None:
    """The emulator never listens beyond loopback."""
    if host == "localhost":
        return
    try:
        loopback = ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = False
    if not loopback:
        raise ValueError(f"the emulator only listens on loopback, not {host!r}")


class Emulator:
    """A DocSpace portal emulator running in a background thread."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0, tls_cert: str | None = None, tls_key: str | None = None,
                 verbose: bool = False):
        ensure_loopback(host)
        if bool(tls_cert) != bool(tls_key):
            raise ValueError("--tls-cert and --tls-key go together")
        self.host = "127.0.0.1" if host == "localhost" else host
        self.port = port
        self.tls_cert = tls_cert
        self.tls_key = tls_key
        self.verbose = verbose
        self.seed = Seed()
        self.portal = Portal(self.seed)
        self.faults = FaultInjector()
        self.request_log = RequestLog()
        self.control = ControlApi(self)
        self._server = None
        self._thread = None

    @property
    def scheme(self) -> str:
        """http or https."""
        return "https" if self.tls_cert else "http"

    @property
    def netloc(self) -> str:
        """host:port as used in URLs."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return "%s:%d" % (host, self.port)

    @property
    def url(self) -> str:
        """Portal URL."""
        return f"{self.scheme}://{self.netloc}"

    @property
    def control_url(self) -> str:
        """Control API URL."""
        return self.url + CONTROL_PREFIX

    @property
    def users(self) -> dict:
        """Seed users with passwords and their seeded API keys."""
        return self.seed.ready_users()

    def ready_info(self) -> dict:
        """What the ready file holds."""
        return {"url": self.url, "control_url": self.control_url, "pid": os.getpid(), "users": self.users}

    def start(self) -> Emulator:
        """Bind and serve in a daemon thread."""
        context = None
        if self.tls_cert:
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(self.tls_cert, self.tls_key)
        self._server = _Server((self.host, self.port), self, context)
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.1},
                                        name="docspace-emulator", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and close the socket."""
        if self._server is None:
            return
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)
        self._server = None
        self._thread = None

    def reset(self) -> None:
        """State back to the seed; request log, faults and settings cleared."""
        self.portal.reset()
        self.request_log.clear()
        self.faults.clear()

    def __enter__(self) -> Emulator:
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.stop()


# ---------------------------------------------------------------------------
# Command line
# ---------------------------------------------------------------------------

def write_ready_file(path: str, info: dict) -> None:
    """Write JSON atomically: temporary file in the same directory, then rename."""
    directory = os.path.dirname(os.path.abspath(path))
    handle, temporary = tempfile.mkstemp(prefix=".ready-", suffix=".json", dir=directory)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            json.dump(info, stream, indent=2)
        os.replace(temporary, path)
    except BaseException:
        if os.path.exists(temporary):
            os.unlink(temporary)
        raise


def parse_arguments(argv=None) -> argparse.Namespace:
    """Command-line options."""
    parser = argparse.ArgumentParser(description="ONLYOFFICE DocSpace API-key emulator (loopback only).")
    parser.add_argument("--host", default="127.0.0.1", help="loopback address to bind (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=0, help="port; 0 picks a free one (default)")
    parser.add_argument("--ready-file", help="write url, control_url, pid and users here once listening")
    parser.add_argument("--tls-cert", help="PEM certificate: serve HTTPS")
    parser.add_argument("--tls-key", help="PEM private key for --tls-cert")
    parser.add_argument("--verbose", action="store_true", help="log requests to stderr")
    return parser.parse_args(argv)


def main(argv=None) -> int:
    """Run until SIGTERM or SIGINT."""
    args = parse_arguments(argv)
    try:
        emulator = Emulator(args.host, args.port, args.tls_cert, args.tls_key, args.verbose).start()
    except (ValueError, OSError, ssl.SSLError) as exc:
        sys.stderr.write(f"docspace_emulator: {exc}\n")
        return 2
    stop = threading.Event()

    def request_stop(signum, frame):
        del signum, frame
        stop.set()

    signal.signal(signal.SIGTERM, request_stop)
    signal.signal(signal.SIGINT, request_stop)
    if args.ready_file:
        try:
            write_ready_file(args.ready_file, emulator.ready_info())
        except OSError as exc:
            emulator.stop()
            sys.stderr.write(f"docspace_emulator: cannot write the ready file: {exc}\n")
            return 2
    print(f"DocSpace emulator listening on {emulator.url}", flush=True)
    while not stop.wait(0.2):
        pass
    emulator.stop()
    if args.ready_file and os.path.exists(args.ready_file):
        os.unlink(args.ready_file)
    return 0


if __name__ == "__main__":
    sys.exit(main())
