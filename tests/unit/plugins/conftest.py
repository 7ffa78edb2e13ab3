# Copyright (c) onlyoffice.docspace contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Fixtures of every unit test."""

from __future__ import annotations

import time

import pytest


@pytest.fixture
def host_in_tokyo(monkeypatch):
    """Local time 9 hours ahead of UTC (this machine's own zone is UTC, where local-time mistakes would not show)."""
    monkeypatch.setenv('TZ', 'JST-9')
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()
