# -*- coding: utf-8 -*-
# Copyright (c) onlyoffice.docspace contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Tests of the DocSpace emulator against the rules of docspace-api-keys-contract.md."""

from __future__ import annotations

import base64
import datetime
import json
import os
import re
import signal
import subprocess
import sys
import time

import pytest
import requests

from docspace_emulator import Emulator, SCOPE_CATALOGUE, format_date, parse_date

HERE = os.path.dirname(os.path.abspath(__file__))
EMULATOR_SCRIPT = os.path.join(HERE, "docspace_emulator.py")
DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{7}Z$")
SECRET_RE = re.compile(r"^sk-[0-9a-f]{64}$")
UNKNOWN_ID = "00000000-0000-0000-0000-000000000001"
ENVELOPE_MEMBERS = ["response", "count", "links", "status", "statusCode"]


def iso(delta_days: float) -> str:
    """An ISO date relative to now."""
    return (datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(days=delta_days)).isoformat()


def assert_empty(answer: requests.Response, status: int) -> None:
    """Status with an empty body."""
    assert answer.status_code == status, answer.text
    assert answer.content == b""


def assert_exception(answer: requests.Response, status: int, message: str, type_name: str) -> None:
    """The exception envelope."""
    assert answer.status_code == status, answer.text
    body = answer.json()
    assert list(body) == ["error", "status", "statusCode"]
    assert body["status"] == 1
    assert body["statusCode"] == status
    error = body["error"]
    assert list(error) == ["message", "type", "stack", "hresult"]
    assert error["message"] == message
    assert error["type"] == type_name
    assert isinstance(error["hresult"], int) and error["hresult"] < 0
    assert error["stack"].count("\n") >= 3
    assert error["stack"].startswith("   at ")


def assert_validation(answer: requests.Response, member: str) -> dict:
    """The validation envelope (HTTP 400, status 1, statusCode 400); returns the errors."""
    assert answer.status_code == 400, answer.text
    body = answer.json()
    assert list(body) == ENVELOPE_MEMBERS
    assert body["status"] == 1
    assert body["statusCode"] == 400
    problem = body["response"]
    assert problem["title"] == "One or more validation errors occurred."
    assert problem["status"] == 400
    assert member in problem["errors"], problem
    return problem["errors"]


def assert_bool(answer: requests.Response, value: bool) -> None:
    """HTTP 200 with response true/false."""
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["response"] is value
    assert body["count"] == 1


def basic(login: str, password: str) -> dict:
    """Authorization header for Basic auth."""
    return {"Authorization": "Basic " + base64.b64encode(f"{login}:{password}".encode()).decode()}


def login(portal, user: str) -> str:
    """POST /authentication; returns the session token."""
    answer = portal.post("authentication", user=None,
                         json={"userName": portal.users[user]["user_name"], "password": portal.users[user]["password"]})
    assert answer.status_code == 200, answer.text
    return answer.json()["response"]["token"]


# ---------------------------------------------------------------------------
# Envelopes and DTOs
# ---------------------------------------------------------------------------

def test_success_envelope(portal):
    answer = portal.get("keys/permissions", params={"x": "1"})
    assert answer.status_code == 200
    assert answer.headers["Content-Type"].startswith("application/json")
    body = answer.json()
    assert list(body) == ENVELOPE_MEMBERS
    assert body["status"] == 0 and body["statusCode"] == 200
    assert body["links"] == [{"href": portal.url + "/api/2.0/keys/permissions?x=1", "action": "GET"}]
    assert set(body["response"]) == set(SCOPE_CATALOGUE)
    assert body["count"] == 11


def test_list_count_is_always_one(portal):
    body = portal.get("keys").json()
    assert len(body["response"]) == 5
    assert body["count"] == 1
    assert portal.delete("keys/" + portal.users["user2"]["api_key_id"], user="admin").json()["response"] is True
    login_token = login(portal, "user2")
    body = portal.get("keys", user=None, headers={"Authorization": login_token}).json()
    assert body["response"] == []
    assert body["count"] == 1


def test_listed_key_dto(portal):
    keys = {key["name"]: key for key in portal.list_keys()}
    owner_key = keys["emulator-owner"]
    assert list(owner_key) == ["id", "name", "key", "keyPostfix", "permissions", "lastUsed", "createOn", "createBy", "isActive"]
    assert owner_key["id"] == portal.users["owner"]["api_key_id"]
    assert owner_key["key"] == "sk-***" + portal.secret("owner")[-4:]
    assert owner_key["keyPostfix"] == portal.secret("owner")[-4:]
    assert owner_key["permissions"] == []
    assert DATE_RE.match(owner_key["createOn"]) and DATE_RE.match(owner_key["lastUsed"])
    assert owner_key["isActive"] is True
    creator = owner_key["createBy"]
    assert creator["id"] == portal.users["owner"]["id"]
    assert creator["displayName"] == portal.users["owner"]["display_name"]
    assert {"avatar", "avatarSmall", "profileUrl", "hasAvatar", "isAnonim"} <= set(creator)
    unused = keys["emulator-user"]
    assert "lastUsed" not in unused and "expiresAt" not in unused
    for key in keys.values():
        assert not SECRET_RE.match(key["key"])


def test_post_returns_full_secret_once(portal):
    created = portal.create_key(name="deploy", permissions=["files:read"], expiresInDays=30)
    assert SECRET_RE.match(created["key"])
    assert created["keyPostfix"] == created["key"][-4:]
    assert created["permissions"] == ["files:read"]
    assert DATE_RE.match(created["expiresAt"]) and DATE_RE.match(created["createOn"])
    expires = parse_date(created["expiresAt"]) - parse_date(created["createOn"])
    assert expires == datetime.timedelta(days=30)
    assert "lastUsed" not in created
    listed = portal.find_key(created["id"])
    assert listed["key"] == "sk-***" + created["keyPostfix"]
    assert created["key"] not in json.dumps(portal.list_keys())


def test_list_is_newest_first(portal):
    names = ["first", "second", "third"]
    for name in names:
        portal.create_key(name=name)
    listed = [key["name"] for key in portal.list_keys()]
    assert listed[:3] == ["third", "second", "first"]
    assert listed[3:] == ["emulator-guest", "emulator-user2", "emulator-user", "emulator-admin", "emulator-owner"]


def test_list_includes_expired_and_inactive(portal):
    expired = portal.control_key(name="old", expires_at=iso(-1))
    inactive = portal.control_key(name="off", is_active=False)
    ids = {key["id"] for key in portal.list_keys()}
    assert {expired["id"], inactive["id"]} <= ids


def test_date_format():
    moment = datetime.datetime(2026, 7, 1, 10, 0, 0, 123456, tzinfo=datetime.timezone.utc)
    assert format_date(moment) == "2026-07-01T10:00:00.1234560Z"
    assert parse_date("2026-07-01T10:00:00.1234567Z") == moment
    assert parse_date("2026-07-01T13:00:00.0000000+03:00") == moment.replace(microsecond=0)


# ---------------------------------------------------------------------------
# Authentication
# ---------------------------------------------------------------------------

def test_bearer_key_accepted(portal):
    assert portal.get("people/@self").json()["response"]["userName"] == "owner"


@pytest.mark.parametrize("header", [
    "{secret}",
    "bearer {secret}",
    "Bearer  {secret}",
    "Bearer sk-" + "0" * 64,
    "Bearer ",
    "Token {secret}",
])
def test_malformed_or_unknown_key_is_401(portal, header):
    answer = portal.get("keys", user=None, headers={"Authorization": header.format(secret=portal.secret("owner"))})
    assert_empty(answer, 401)


def test_no_authorization_is_401(portal):
    assert_empty(portal.get("keys", user=None), 401)
    assert_empty(portal.post("keys", user=None, json={"name": "x"}), 401)


def test_inactive_and_expired_keys_are_401(portal):
    inactive = portal.control_key(is_active=False)
    expired = portal.control_key(expires_at=iso(-0.01))
    assert_empty(portal.get("keys", secret=inactive["key"]), 401)
    assert_empty(portal.get("keys", secret=expired["key"]), 401)


def test_disabled_user_is_401_for_every_scheme(portal):
    token = login(portal, "user")
    assert portal.control("POST", "users/user", {"disabled": True}).json()["disabled"] is True
    user = portal.users["user"]
    assert_empty(portal.get("people/@self", user="user"), 401)
    assert_empty(portal.get("people/@self", user=None, headers={"Authorization": token}), 401)
    assert_empty(portal.get("people/@self", user=None, headers=basic(user["user_name"], user["password"])), 401)
    refused = portal.post("authentication", user=None, json={"userName": user["user_name"], "password": user["password"]})
    assert_exception(refused, 403, "User disabled", "System.InvalidOperationException")
    portal.control("POST", "users/user", {"disabled": False})
    assert portal.get("people/@self", user="user").status_code == 200


def test_basic_auth(portal):
    user = portal.users["user2"]
    for login_name in (user["user_name"], user["email"]):
        answer = portal.get("people/@self", user=None, headers=basic(login_name, user["password"]))
        assert answer.status_code == 200
        assert answer.json()["response"]["id"] == user["id"]
    assert_empty(portal.get("people/@self", user=None, headers=basic(user["user_name"], "wrong")), 401)
    assert_empty(portal.get("people/@self", user=None, headers={"Authorization": "Basic !!!"}), 401)


def test_session_token_raw_and_bearer(portal):
    token = login(portal, "admin")
    for header in (token, "Bearer " + token):
        answer = portal.get("keys", user=None, headers={"Authorization": header})
        assert answer.status_code == 200
        assert len(answer.json()["response"]) == 5
    assert_empty(portal.get("keys", user=None, headers={"Authorization": token + "x"}), 401)


def test_session_cookie(portal):
    token = login(portal, "user2")
    answer = portal.get("people/@self", user=None, headers={"Cookie": "other=1; asc_auth_key=" + token})
    assert answer.json()["response"]["userName"] == "user2"
    # The cookie wins over a (bad) Authorization header that is not Basic or an API key.
    answer = portal.get("people/@self", user=None, headers={"Cookie": "asc_auth_key=" + token, "Authorization": "garbage"})
    assert answer.status_code == 200
    assert_empty(portal.get("people/@self", user=None, headers={"Cookie": "asc_auth_key=nope"}), 401)


def test_login_by_email(portal):
    user = portal.users["user"]
    answer = portal.post("authentication", user=None, json={"userName": user["email"].upper(), "password": " " + user["password"] + " "})
    token = answer.json()["response"]["token"]
    assert portal.get("people/@self", user=None, headers={"Authorization": token}).json()["response"]["id"] == user["id"]


def test_login_answer(portal):
    answer = portal.post("authentication", user=None, json={"userName": "owner", "password": portal.users["owner"]["password"]})
    body = answer.json()
    assert list(body) == ENVELOPE_MEMBERS
    token = body["response"]
    assert set(token) == {"token", "expires", "sms", "tfa"}
    assert DATE_RE.match(token["expires"])
    assert parse_date(token["expires"]) > datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(days=300)


def test_login_failure(portal):
    answer = portal.post("authentication", user=None, json={"userName": "owner", "password": "nope"})
    assert answer.status_code == 401
    body = answer.json()
    assert body["error"]["message"] == "User authentication failed"
    assert body["status"] == 1 and body["statusCode"] == 401


def test_last_used_recorded(portal):
    before = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(seconds=1)
    portal.get("keys/permissions", user="user")
    listed = {key["id"]: key for key in portal.list_keys()}
    assert parse_date(listed[portal.users["user"]["api_key_id"]]["lastUsed"]) >= before
    assert "lastUsed" not in listed[portal.users["user2"]["api_key_id"]]


def test_keys_self(portal):
    answer = portal.get("keys/@self", user="user2")
    assert answer.status_code == 200
    key = answer.json()["response"]
    assert key["id"] == portal.users["user2"]["api_key_id"]
    assert key["key"].startswith("sk-***")
    assert "lastUsed" in key


def test_keys_self_needs_api_key_auth(portal):
    answer = portal.get("keys/@self", user=None, headers={"Authorization": login(portal, "owner")})
    assert_exception(answer, 500, "Object reference not set to an instance of an object.", "System.NullReferenceException")


def test_people_self(portal):
    expected = {
        "owner": (False, True, False), "admin": (True, False, False),
        "user": (False, False, False), "user2": (False, False, False), "guest": (False, False, True),
    }
    for name, (is_admin, is_owner, is_visitor) in expected.items():
        employee = portal.get("people/@self", user=name).json()["response"]
        assert employee["id"] == portal.users[name]["id"]
        assert employee["userName"] == portal.users[name]["user_name"]
        assert employee["email"] == portal.users[name]["email"]
        assert employee["displayName"] == portal.users[name]["display_name"]
        assert (employee["isAdmin"], employee["isOwner"], employee["isVisitor"]) == (is_admin, is_owner, is_visitor)


# ---------------------------------------------------------------------------
# Scopes
# ---------------------------------------------------------------------------

def scoped_key(portal, *scopes) -> str:
    """Secret of a new owner key with these scopes."""
    return portal.create_key(name="scoped", permissions=list(scopes))["key"]


def test_scope_without_keys_access_is_403(portal):
    secret = scoped_key(portal, "files:read", "rooms:write")
    assert_empty(portal.get("keys", secret=secret), 403)
    assert_empty(portal.get("keys/permissions", secret=secret), 403)
    assert_empty(portal.post("keys", secret=secret, json={"name": "x"}), 403)
    assert_empty(portal.put("keys/" + UNKNOWN_ID, secret=secret, json={}), 403)
    assert_empty(portal.delete("keys/" + UNKNOWN_ID, secret=secret), 403)
    assert_empty(portal.get("people/@self", secret=secret), 403)
    assert portal.get("keys/@self", secret=secret).status_code == 200


def test_read_scope_lists_but_cannot_write(portal):
    secret = scoped_key(portal, "*:read")
    assert portal.get("keys", secret=secret).status_code == 200
    assert portal.get("people/@self", secret=secret).status_code == 200
    assert_empty(portal.post("keys", secret=secret, json={"name": "x"}), 403)
    assert_empty(portal.put("keys/" + portal.users["owner"]["api_key_id"], secret=secret, json={"name": "x"}), 403)
    assert_empty(portal.delete("keys/" + portal.users["owner"]["api_key_id"], secret=secret), 403)


def test_write_scope_manages_keys(portal):
    secret = scoped_key(portal, "*:write")
    assert portal.get("keys", secret=secret).status_code == 200
    created = portal.post("keys", secret=secret, json={"name": "by-write"}).json()["response"]
    assert_bool(portal.put("keys/" + created["id"], secret=secret, json={"name": "renamed"}), True)
    assert_bool(portal.delete("keys/" + created["id"], secret=secret), True)


def test_account_self_scope(portal):
    assert portal.get("people/@self", secret=scoped_key(portal, "accounts.self:read")).status_code == 200
    assert_empty(portal.get("people/@self", secret=scoped_key(portal, "accounts:read")), 403)


def test_star_in_list_is_full_access(portal):
    key = portal.control_key(permissions=["*", "files:read"])
    assert portal.post("keys", secret=key["key"], json={"name": "x"}).status_code == 200
    key = portal.control_key(permissions=None)
    assert portal.post("keys", secret=key["key"], json={"name": "x"}).status_code == 200


# ---------------------------------------------------------------------------
# Visibility
# ---------------------------------------------------------------------------

def test_admins_see_every_key(portal):
    portal.create_key(user="user", name="user-key")
    for name in ("owner", "admin"):
        assert len(portal.list_keys(user=name)) == 6


def test_others_see_only_their_own(portal):
    portal.create_key(user="user", name="user-key")
    assert {key["name"] for key in portal.list_keys(user="user")} == {"user-key", "emulator-user"}
    assert [key["name"] for key in portal.list_keys(user="user2")] == ["emulator-user2"]
    assert [key["name"] for key in portal.list_keys(user="guest")] == ["emulator-guest"]


# ---------------------------------------------------------------------------
# PUT
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("caller", ["owner", "admin", "user"])
def test_put_unknown_id_is_500(portal, caller):
    answer = portal.put("keys/" + UNKNOWN_ID, user=caller, json={"name": "x"})
    assert_exception(answer, 500, "Object reference not set to an instance of an object.", "System.NullReferenceException")


@pytest.mark.parametrize("caller", ["owner", "admin", "user"])
def test_put_expired_key_is_false(portal, caller):
    expired = portal.control_key(owner="user", name="old", expires_at=iso(-1))
    assert_bool(portal.put("keys/" + expired["id"], user=caller, json={"name": "new", "isActive": False}), False)
    listed = portal.find_key(expired["id"])
    assert listed["name"] == "old" and listed["isActive"] is True


def test_put_someone_elses_key_is_false(portal):
    target = portal.users["user2"]["api_key_id"]
    assert_bool(portal.put("keys/" + target, user="user", json={"name": "stolen"}), False)
    assert_bool(portal.put("keys/" + target, user="guest", json={"name": "stolen"}), False)
    assert portal.find_key(target)["name"] == "emulator-user2"
    assert_bool(portal.put("keys/" + target, user="admin", json={"name": "by-admin"}), True)
    assert portal.find_key(target)["name"] == "by-admin"


@pytest.mark.parametrize("scopes", [["files:read", "nope"], ["Files:read"], ["*:READ"], [None]])
def test_put_unknown_scope_is_400(portal, scopes):
    answer = portal.put("keys/" + portal.users["owner"]["api_key_id"], json={"permissions": scopes})
    assert_exception(answer, 400, "Permissions are not valid.", "System.ArgumentException")


def test_put_applies_fields(portal):
    key = portal.create_key(name="orig", permissions=["files:read"])
    assert_bool(portal.put("keys/" + key["id"], json={"name": "renamed", "permissions": ["rooms:read", "rooms:read"], "isActive": False}), True)
    listed = portal.find_key(key["id"])
    assert (listed["name"], listed["permissions"], listed["isActive"]) == ("renamed", ["rooms:read", "rooms:read"], False)


def test_put_ignores_empty_values(portal):
    key = portal.create_key(name="orig", permissions=["files:read"])
    for body in ({}, {"name": ""}, {"name": None, "permissions": None, "isActive": None}, {"permissions": []}):
        assert_bool(portal.put("keys/" + key["id"], json=body), True)
    listed = portal.find_key(key["id"])
    assert (listed["name"], listed["permissions"], listed["isActive"]) == ("orig", ["files:read"], True)


def test_put_without_change_is_true(portal):
    key = portal.create_key(name="same", permissions=["files:read"])
    assert_bool(portal.put("keys/" + key["id"], json={"name": "same", "permissions": ["files:read"], "isActive": True}), True)


def test_put_star_is_stored_as_null(portal):
    key = portal.create_key(name="scoped", permissions=["files:read"])
    assert_bool(portal.put("keys/" + key["id"], json={"permissions": ["*"]}), True)
    assert "permissions" not in portal.find_key(key["id"])
    assert_bool(portal.put("keys/" + key["id"], json={"permissions": ["*", "files:read"]}), True)
    assert portal.find_key(key["id"])["permissions"] == ["*", "files:read"]


def test_put_name_length(portal):
    key_id = portal.users["owner"]["api_key_id"]
    assert_bool(portal.put("keys/" + key_id, json={"name": "n" * 30}), True)
    errors = assert_validation(portal.put("keys/" + key_id, json={"name": "n" * 31}), "Name")
    assert errors["Name"] == ["Incorrect name. Length must be less than 30"]
    # .NET counts UTF-16 code units: 15 emoji are 30 units, 16 are 32.
    assert_bool(portal.put("keys/" + key_id, json={"name": "\U0001F511" * 15}), True)
    assert_validation(portal.put("keys/" + key_id, json={"name": "\U0001F511" * 16}), "Name")
    assert portal.find_key(key_id)["name"] == "\U0001F511" * 15


def test_put_name_is_not_trimmed(portal):
    key_id = portal.users["owner"]["api_key_id"]
    assert_bool(portal.put("keys/" + key_id, json={"name": "  padded  "}), True)
    assert portal.find_key(key_id)["name"] == "  padded  "


@pytest.mark.parametrize("value", ["true", 1, 0, "false", [], {}])
def test_put_is_active_must_be_boolean(portal, value):
    answer = portal.put("keys/" + portal.users["owner"]["api_key_id"], json={"isActive": value})
    assert_validation(answer, "$.isActive")


def test_put_bad_bodies(portal):
    path = "keys/" + portal.users["owner"]["api_key_id"]
    json_type = {"Content-Type": "application/json"}
    assert_validation(portal.put(path, data=b"", headers=json_type), "")
    assert_validation(portal.put(path, data=b"null", headers=json_type), "Changed")
    assert_validation(portal.put(path, data=b"{not json", headers=json_type), "$")
    assert_validation(portal.put(path, json=[1, 2]), "$")
    assert_validation(portal.put(path, json={"name": 5}), "$.name")
    assert_validation(portal.put(path, json={"permissions": "files:read"}), "$.permissions")


def test_put_without_json_content_type_is_415(portal):
    answer = portal.put("keys/" + portal.users["owner"]["api_key_id"], data=b'{"name": "x"}', headers={"Content-Type": "text/plain"})
    assert answer.status_code == 415
    assert answer.json()["response"]["status"] == 415


def test_put_property_names_are_case_insensitive(portal):
    key_id = portal.users["owner"]["api_key_id"]
    assert_bool(portal.put("keys/" + key_id, json={"NAME": "upper", "IsActive": True}), True)
    assert portal.find_key(key_id)["name"] == "upper"


def test_put_malformed_id_is_404(portal):
    assert_empty(portal.put("keys/not-a-guid", json={"name": "x"}), 404)
    assert_empty(portal.put("keys/123", json={}), 404)


def test_put_accepts_other_guid_forms(portal):
    key_id = portal.users["owner"]["api_key_id"]
    assert_bool(portal.put("keys/" + key_id.replace("-", "").upper(), json={"name": "n-form"}), True)
    assert_bool(portal.put("keys/{" + key_id + "}", json={"name": "b-form"}), True)
    assert portal.find_key(key_id)["name"] == "b-form"


def test_key_can_deactivate_itself(portal):
    key = portal.create_key(user="user", name="self-off")
    assert_bool(portal.put("keys/" + key["id"], secret=key["key"], json={"isActive": False}), True)
    assert_empty(portal.get("keys", secret=key["key"]), 401)
    assert_bool(portal.put("keys/" + key["id"], user="user", json={"isActive": True}), True)
    assert portal.get("keys", secret=key["key"]).status_code == 200


# ---------------------------------------------------------------------------
# DELETE
# ---------------------------------------------------------------------------

def test_delete_then_delete_again_is_500(portal):
    key = portal.create_key(user="user")
    assert_bool(portal.delete("keys/" + key["id"], user="user"), True)
    assert portal.find_key(key["id"]) is None
    answer = portal.delete("keys/" + key["id"], user="user")
    assert_exception(answer, 500, "Object reference not set to an instance of an object.", "System.NullReferenceException")
    assert_exception(portal.delete("keys/" + UNKNOWN_ID, user="admin"), 500,
                     "Object reference not set to an instance of an object.", "System.NullReferenceException")


def test_delete_someone_elses_key(portal):
    target = portal.users["user2"]["api_key_id"]
    assert_bool(portal.delete("keys/" + target, user="user"), False)
    assert portal.find_key(target) is not None
    assert_bool(portal.delete("keys/" + target, user="admin"), True)
    assert portal.find_key(target) is None


def test_delete_malformed_id_is_404(portal):
    assert_empty(portal.delete("keys/not-a-guid"), 404)


def test_key_can_delete_itself(portal):
    key = portal.create_key(name="self-delete")
    assert_bool(portal.delete("keys/" + key["id"], secret=key["key"]), True)
    assert_empty(portal.get("keys", secret=key["key"]), 401)


def test_delete_expired_key_is_allowed(portal):
    expired = portal.control_key(owner="user", expires_at=iso(-1))
    assert_bool(portal.delete("keys/" + expired["id"], user="user"), True)


# ---------------------------------------------------------------------------
# POST
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("body, member", [
    ({}, "$"),
    ({"name": None}, "Name"),
    ({"name": ""}, "Name"),
    ({"name": "   "}, "Name"),
    ({"name": "n" * 31}, "Name"),
    ({"name": "ok", "expiresInDays": 0}, "ExpiresInDays"),
    ({"name": "ok", "expiresInDays": 366}, "ExpiresInDays"),
    ({"name": "ok", "expiresInDays": -5}, "ExpiresInDays"),
    ({"name": "ok", "expiresInDays": 1.5}, "$.expiresInDays"),
    ({"name": "ok", "expiresInDays": True}, "$.expiresInDays"),
    ({"name": "ok", "permissions": "files:read"}, "$.permissions"),
    ({"name": 12}, "$.name"),
])
def test_post_validation(portal, body, member):
    assert_validation(portal.post("keys", json=body), member)
    assert len(portal.list_keys()) == 5


def test_post_empty_body(portal):
    assert_validation(portal.post("keys", data=b"", headers={"Content-Type": "application/json"}), "")


@pytest.mark.parametrize("days", [1, 365, "30", None])
def test_post_expiry_bounds(portal, days):
    created = portal.create_key(name="exp", expiresInDays=days)
    if days is None:
        assert "expiresAt" not in created
    else:
        delta = parse_date(created["expiresAt"]) - parse_date(created["createOn"])
        assert delta == datetime.timedelta(days=int(days))


def test_post_name_of_30_is_fine(portal):
    assert portal.create_key(name="n" * 30)["name"] == "n" * 30


@pytest.mark.parametrize("permissions, stored", [
    (None, []),
    ([], []),
    (["*"], []),
    (["files:read", "*"], []),
    (["files:write", "files:write"], ["files:write", "files:write"]),
    (["*:read"], ["*:read"]),
])
def test_post_permissions_storage(portal, permissions, stored):
    created = portal.create_key(name="perm", permissions=permissions)
    assert created["permissions"] == stored
    assert portal.find_key(created["id"])["permissions"] == stored


def test_post_unknown_scope_is_400(portal):
    answer = portal.post("keys", json={"name": "bad", "permissions": ["files:delete"]})
    assert_exception(answer, 400, "Permissions are not valid.", "System.ArgumentException")


def test_post_names_are_not_unique(portal):
    first = portal.create_key(name="twin")
    second = portal.create_key(name="twin")
    assert first["id"] != second["id"] and first["key"] != second["key"]


def test_guest_cannot_create(portal):
    answer = portal.post("keys", user="guest", json={"name": "guest-key"})
    assert_exception(answer, 403, "Access denied", "System.UnauthorizedAccessException")


def test_developer_tools_admins_only(portal):
    portal.settings(developer_tools_admins_only=True)
    answer = portal.post("keys", user="user", json={"name": "blocked"})
    assert_exception(answer, 403, "Access denied", "System.UnauthorizedAccessException")
    portal.create_key(user="admin", name="allowed")
    portal.create_key(user="owner", name="allowed")


def test_rate_limit(portal):
    portal.settings(rate_limits=True)
    for index in range(5):
        portal.create_key(user="user", name=f"rl-{index}")
    answer = portal.post("keys", user="user", json={"name": "rl-6"})
    assert_empty(answer, 429)
    assert answer.headers["X-RateLimit-Limit"] == "5"
    assert answer.headers["X-RateLimit-Remaining"] == "0"
    assert "Retry-After" not in answer.headers
    assert len(portal.list_keys(user="user")) == 6
    portal.create_key(user="admin", name="other-user")
    portal.control("POST", "reset")
    portal.settings(rate_limits=True)
    portal.create_key(user="user", name="after-reset")


def test_rate_limit_counts_failed_attempts(portal):
    portal.settings(rate_limits=True)
    for _attempt in range(5):
        assert_validation(portal.post("keys", user="user2", json={"name": ""}), "Name")
    assert_empty(portal.post("keys", user="user2", json={"name": "valid"}), 429)


def test_rate_limit_runs_before_authorization(portal):
    portal.settings(rate_limits=True)
    for _attempt in range(5):
        assert_empty(portal.post("keys", user=None, json={"name": "anon"}), 401)
    assert_empty(portal.post("keys", user=None, json={"name": "anon"}), 429)
    portal.create_key(user="user", name="own-partition")


def test_no_rate_limit_by_default(portal):
    for index in range(7):
        portal.create_key(user="user", name=f"n-{index}")


# ---------------------------------------------------------------------------
# Routing
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("path", ["keys/extra/segment", "nothing", "people/other", "keys/@self/x"])
def test_unknown_route_is_404(portal, path):
    assert_empty(portal.get(path), 404)
    assert_empty(portal.get(path, user=None), 404)


def test_unknown_prefix_is_404(portal):
    assert_empty(requests.get(portal.url + "/", timeout=10), 404)
    assert_empty(requests.get(portal.url + "/api/2.1/keys", timeout=10), 404)


@pytest.mark.parametrize("method, path", [
    ("DELETE", "keys"), ("PUT", "keys"), ("PATCH", "keys"),
    ("GET", "keys/" + UNKNOWN_ID), ("POST", "keys/" + UNKNOWN_ID),
    ("PUT", "keys/@self"), ("POST", "keys/permissions"), ("GET", "authentication"), ("DELETE", "people/@self"),
])
def test_wrong_method_is_405(portal, method, path):
    assert_empty(portal.request(method, path), 405)


def test_paths_are_case_insensitive(portal):
    answer = requests.get(portal.url + "/API/2.0/Keys/", headers={"Authorization": "Bearer " + portal.secret("owner")}, timeout=10)
    assert answer.status_code == 200


# ---------------------------------------------------------------------------
# Faults
# ---------------------------------------------------------------------------

def test_fault_respond_then_removed(portal):
    html = "<html><body>502 Bad Gateway</body></html>"
    portal.add_fault("GET", r"/keys$", {"status": 502, "body": html, "content_type": "text/html", "headers": {"Retry-After": "1"}})
    answer = portal.get("keys")
    assert answer.status_code == 502
    assert answer.text == html
    assert answer.headers["Content-Type"] == "text/html"
    assert answer.headers["Retry-After"] == "1"
    assert portal.control("GET", "faults").json() == []
    assert portal.get("keys").status_code == 200


def test_fault_steps_in_order_and_method_filter(portal):
    portal.add_fault("PUT", "/keys/", {"status": 503}, {"status": 502, "body": {"oops": True}})
    path = "keys/" + portal.users["owner"]["api_key_id"]
    assert portal.get("keys").status_code == 200
    listed = portal.control("GET", "faults").json()
    assert len(listed) == 1 and listed[0]["remaining"] == 2
    assert portal.put(path, json={}).status_code == 503
    second = portal.put(path, json={})
    assert second.status_code == 502 and second.json() == {"oops": True}
    assert_bool(portal.put(path, json={}), True)


def test_fault_any_method(portal):
    portal.add_fault("*", "people", {"status": 500, "body": ""})
    assert_empty(portal.get("people/@self"), 500)


def test_fault_pass_with_delay(portal):
    portal.add_fault("GET", "/keys/permissions", {"action": "pass", "delay": 0.4})
    started = time.monotonic()
    answer = portal.get("keys/permissions")
    assert time.monotonic() - started >= 0.4
    assert answer.status_code == 200 and answer.json()["count"] == 11


def test_fault_reset(portal):
    portal.add_fault("POST", "/keys$", {"action": "reset"})
    with pytest.raises(requests.exceptions.ConnectionError):
        portal.post("keys", json={"name": "lost"})
    entry = portal.requests_log()[-1]
    assert entry["status"] is None and entry["method"] == "POST" and entry["user"] == "owner"
    assert len(portal.list_keys()) == 5


def test_fault_truncate(portal):
    portal.add_fault("POST", "/keys$", {"action": "truncate"})
    with pytest.raises((requests.exceptions.ChunkedEncodingError, requests.exceptions.ConnectionError)):
        portal.post("keys", json={"name": "half"})
    assert portal.requests_log()[-1]["status"] == 200
    # The portal did the work; only the answer was cut.
    assert [key["name"] for key in portal.list_keys()].count("half") == 1


def test_fault_delete_and_validation(portal):
    portal.add_fault("GET", ".", {"status": 503})
    assert portal.control("DELETE", "faults").status_code == 200
    assert portal.control("GET", "faults").json() == []
    assert portal.get("keys").status_code == 200
    for bad in ({"path": "(", "responses": [{}]}, {"path": "x", "responses": []}, {"path": "x", "responses": [{"action": "explode"}]},
                {"path": "x", "responses": [{"status": 42}]}):
        assert portal.control("POST", "faults", bad).status_code == 400


# ---------------------------------------------------------------------------
# Request log, reset and control API
# ---------------------------------------------------------------------------

def test_request_log(portal):
    portal.get("keys", params={"a": "b"}, headers={"User-Agent": "ansible-test/1"})
    portal.post("keys", user="user", json={"name": "logged"})
    portal.get("keys", user=None, headers={"Authorization": portal.secret("user2")})
    portal.get("people/@self", user=None, headers=basic("user2", portal.users["user2"]["password"]))
    portal.get("keys", user=None)
    portal.control("GET", "health")
    log = portal.requests_log()
    assert [entry["method"] for entry in log] == ["GET", "POST", "GET", "GET", "GET"]
    first = log[0]
    assert (first["path"], first["query"], first["auth_scheme"], first["user"], first["status"], first["body"], first["user_agent"]) == \
        ("/api/2.0/keys", "a=b", "Bearer", "owner", 200, None, "ansible-test/1")
    assert log[1]["body"] == {"name": "logged"} and log[1]["user"] == "user"
    assert (log[2]["auth_scheme"], log[2]["user"], log[2]["status"]) == ("raw", None, 401)
    assert (log[3]["auth_scheme"], log[3]["user"]) == ("Basic", "user2")
    assert (log[4]["auth_scheme"], log[4]["status"]) == ("none", 401)
    dumped = json.dumps(log)
    for user in portal.users.values():
        assert user["api_key"] not in dumped
    assert portal.control("DELETE", "requests").status_code == 200
    assert portal.requests_log() == []


def test_reset_restores_seed(portal):
    seeded = {key["id"]: key for key in portal.list_keys()}
    portal.delete("keys/" + portal.users["user"]["api_key_id"])
    portal.put("keys/" + portal.users["owner"]["api_key_id"], json={"name": "changed"})
    portal.create_key(name="extra")
    portal.settings(rate_limits=True, developer_tools_admins_only=True)
    portal.control("POST", "users/user2", {"disabled": True})
    portal.add_fault("GET", "nothing-matches-this", {"status": 500})
    assert portal.control("POST", "reset").json() == {"ok": True}
    restored = {key["id"]: key for key in portal.list_keys()}
    assert set(restored) == set(seeded)
    assert restored[portal.users["owner"]["api_key_id"]]["name"] == "emulator-owner"
    assert portal.get("keys", user="user").status_code == 200
    assert portal.get("keys", user="user2").status_code == 200
    assert portal.control("GET", "settings").json() == {"rate_limits": False, "developer_tools_admins_only": False}
    assert portal.control("GET", "faults").json() == []
    assert [entry["path"] for entry in portal.requests_log()] == ["/api/2.0/keys"] * 3


def test_control_key_bypasses_validation(portal):
    created = portal.control_key(owner="user2", name="x" * 50, permissions=None, create_on="2020-01-01T00:00:00Z",
                                 last_used="2021-01-01T00:00:00.0000000Z", expires_at="2030-01-01T00:00:00+00:00", is_active=False)
    assert SECRET_RE.match(created["key"])
    assert created["createOn"] == "2020-01-01T00:00:00.0000000Z"
    assert created["lastUsed"] == "2021-01-01T00:00:00.0000000Z"
    assert created["expiresAt"] == "2030-01-01T00:00:00.0000000Z"
    assert "permissions" not in created and created["isActive"] is False
    assert created["createBy"]["id"] == portal.users["user2"]["id"]
    assert portal.list_keys()[-1]["id"] == created["id"]
    for bad in ({"owner": "nobody"}, {"name": None}, {"is_active": "false"}, {"permissions": "files:read"}, {"expires_at": "soon"}):
        assert portal.control("POST", "keys", bad).status_code == 400


def test_control_bulk_keys(portal):
    started = time.monotonic()
    assert portal.control("POST", "keys/bulk", {"owner": "user", "count": 10000, "name_prefix": "bulk-"}).json() == {"created": 10000}
    listed = portal.list_keys(user="admin")
    assert len(listed) == 10005
    assert listed[0]["name"] == "bulk-10000"
    assert len(portal.list_keys(user="user")) == 10001
    assert time.monotonic() - started < 60


def test_control_users_and_state(portal):
    assert portal.control("POST", "users/nobody", {"disabled": True}).status_code == 404
    assert portal.control("POST", "users/user", {"disabled": "yes"}).status_code == 400
    state = portal.control("GET", "state").json()
    assert {user["name"] for user in state["users"]} == {"owner", "admin", "user", "user2", "guest"}
    assert len(state["keys"]) == 5
    dumped = json.dumps(state)
    for user in portal.users.values():
        assert user["api_key"] not in dumped
    assert portal.control("GET", "health").json() == {"ok": True}
    assert portal.control("GET", "nope").status_code == 404
    assert portal.control("PUT", "reset").status_code == 405
    assert portal.control("POST", "settings", {"rate_limits": "on"}).status_code == 400


def test_ready_users(emulator):
    users = emulator.users
    assert set(users) == {"owner", "admin", "user", "user2", "guest"}
    for user in users.values():
        assert {"id", "user_name", "password", "display_name", "api_key", "api_key_id"} <= set(user)
        assert SECRET_RE.match(user["api_key"])


# ---------------------------------------------------------------------------
# Command line and TLS
# ---------------------------------------------------------------------------

def wait_for_file(path: str, process: subprocess.Popen, timeout: float = 20) -> dict:
    """Wait for the ready file."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if os.path.exists(path):
            with open(path, encoding="utf-8") as stream:
                return json.load(stream)
        assert process.poll() is None, process.communicate()
        time.sleep(0.05)
    raise AssertionError("no ready file")


@pytest.mark.parametrize("stop_signal", [signal.SIGTERM, signal.SIGINT])
def test_command_line(tmp_path, stop_signal):
    ready = tmp_path / "ready.json"
    with subprocess.Popen([sys.executable, EMULATOR_SCRIPT, "--port", "0", "--ready-file", str(ready)],
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) as process:
        try:
            info = wait_for_file(str(ready), process)
            assert info["pid"] == process.pid
            assert re.match(r"^http://127\.0\.0\.1:\d+$", info["url"])
            assert info["control_url"] == info["url"] + "/__emulator__"
            assert set(info["users"]) == {"owner", "admin", "user", "user2", "guest"}
            owner = info["users"]["owner"]
            answer = requests.get(info["url"] + "/api/2.0/people/@self", headers={"Authorization": "Bearer " + owner["api_key"]}, timeout=10)
            assert answer.json()["response"]["id"] == owner["id"]
            assert requests.get(info["control_url"] + "/health", timeout=10).json() == {"ok": True}
        finally:
            process.send_signal(stop_signal)
            stdout, _stderr = process.communicate(timeout=20)
    assert process.returncode == 0
    assert stdout.strip() == "DocSpace emulator listening on " + info["url"]
    assert not ready.exists()


def test_command_line_refuses_non_loopback():
    result = subprocess.run([sys.executable, EMULATOR_SCRIPT, "--host", "0.0.0.0"], capture_output=True, text=True, timeout=20, check=False)
    assert result.returncode == 2
    assert "loopback" in result.stderr


def test_tls(tmp_path):
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    try:
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1",
                        "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", str(key), "-out", str(cert)], capture_output=True, check=True, timeout=60)
    except (OSError, subprocess.CalledProcessError):
        pytest.skip("openssl is needed to make a test certificate")
    with Emulator(tls_cert=str(cert), tls_key=str(key)) as emu:
        assert emu.url.startswith("https://127.0.0.1:")
        secret = emu.users["admin"]["api_key"]
        answer = requests.get(emu.url + "/api/2.0/keys", headers={"Authorization": "Bearer " + secret}, verify=str(cert), timeout=10)
        assert answer.status_code == 200
        assert answer.json()["links"][0]["href"].startswith("https://")
