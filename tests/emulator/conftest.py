# -*- coding: utf-8 -*-
# Copyright (c) onlyoffice.docspace contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Fixtures for the emulator tests: one in-process emulator, reset before every test."""

from __future__ import annotations

import os
import sys

import pytest
import requests

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from docspace_emulator import Emulator  # noqa: E402  pylint: disable=wrong-import-position

TIMEOUT = 30


class PortalClient:
    """Small helper around requests for talking to the emulator."""

    def __init__(self, emulator: Emulator):
        self.url = emulator.url
        self.control_url = emulator.control_url
        self.users = emulator.users

    def secret(self, user: str) -> str:
        """The seeded API key of a seed user."""
        return self.users[user]["api_key"]

    def request(self, method: str, path: str, user: str | None = "owner", secret: str | None = None, headers=None, **kwargs):
        """Call /api/2.0/<path> with 'Bearer <key>' of a seed user (or of secret), unless user is None."""
        all_headers = {}
        if secret is not None:
            all_headers["Authorization"] = "Bearer " + secret
        elif user is not None:
            all_headers["Authorization"] = "Bearer " + self.secret(user)
        all_headers.update(headers or {})
        return requests.request(method, self.url + "/api/2.0/" + path.lstrip("/"), headers=all_headers, timeout=TIMEOUT, **kwargs)

    def get(self, path, **kwargs):
        """GET."""
        return self.request("GET", path, **kwargs)

    def post(self, path, **kwargs):
        """POST."""
        return self.request("POST", path, **kwargs)

    def put(self, path, **kwargs):
        """PUT."""
        return self.request("PUT", path, **kwargs)

    def delete(self, path, **kwargs):
        """DELETE."""
        return self.request("DELETE", path, **kwargs)

    def create_key(self, user: str = "owner", **body) -> dict:
        """POST /keys through the API; returns the response DTO (with the secret)."""
        body.setdefault("name", "test-key")
        answer = self.post("keys", user=user, json=body)
        assert answer.status_code == 200, answer.text
        return answer.json()["response"]

    def list_keys(self, user: str = "owner", **kwargs) -> list:
        """GET /keys; returns the response list."""
        answer = self.get("keys", user=user, **kwargs)
        assert answer.status_code == 200, answer.text
        return answer.json()["response"]

    def find_key(self, key_id: str) -> dict | None:
        """A key as the owner sees it in GET /keys."""
        return next((key for key in self.list_keys() if key["id"] == key_id), None)

    def control(self, method: str, path: str, body=None) -> requests.Response:
        """Call the control API."""
        return requests.request(method, self.control_url + "/" + path, json=body, timeout=TIMEOUT)

    def control_key(self, **spec) -> dict:
        """Create a key through the control API."""
        spec.setdefault("owner", "owner")
        answer = self.control("POST", "keys", spec)
        assert answer.status_code == 200, answer.text
        return answer.json()

    def add_fault(self, method: str, path: str, *responses) -> dict:
        """Register a fault."""
        answer = self.control("POST", "faults", {"method": method, "path": path, "responses": list(responses)})
        assert answer.status_code == 200, answer.text
        return answer.json()

    def settings(self, **settings) -> None:
        """Change portal settings."""
        assert self.control("POST", "settings", settings).status_code == 200

    def requests_log(self) -> list:
        """The request log."""
        return self.control("GET", "requests").json()


@pytest.fixture(autouse=True)
def only_the_named_credentials(monkeypatch):
    """The tests talk to the emulator as a DocSpace client does: with the credentials they name, never ~/.netrc.

    The test command runs in a user's environment (a netrc with a default entry, proxy variables, CA bundles), and
    requests would otherwise replace a test's Authorization header with the netrc's credentials.
    """
    monkeypatch.setattr(requests.sessions, "get_netrc_auth", lambda url, raise_errors=False: None)


@pytest.fixture(scope="session")
def emulator():
    """One emulator for the whole session."""
    emu = Emulator().start()
    yield emu
    emu.stop()


@pytest.fixture
def portal(emulator):  # pylint: disable=redefined-outer-name
    """A client for a freshly reset emulator."""
    assert requests.post(emulator.control_url + "/reset", timeout=TIMEOUT).status_code == 200
    return PortalClient(emulator)
