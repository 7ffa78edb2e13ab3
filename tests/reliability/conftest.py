# -*- coding: utf-8 -*-
# Copyright (c) onlyoffice.docspace contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Fixtures of the reliability suite: the collection importable, one emulator bench, real module runs."""

from __future__ import annotations

import os
import sys

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import reliability_harness as harness  # noqa: E402  pylint: disable=wrong-import-position

harness.collections_dir()


@pytest.fixture(scope='session')
def session_bench():
    """The emulators, started once."""
    bench = harness.Bench()
    yield bench
    bench.stop()


@pytest.fixture
def bench(session_bench):  # pylint: disable=redefined-outer-name
    """The bench on its HTTP emulator, reset (seed users and keys, no faults, empty request log)."""
    session_bench.use(session_bench.http)
    session_bench.reset()
    yield session_bench
    session_bench.emulator.faults.clear()
    session_bench.use(session_bench.http)


@pytest.fixture(autouse=True)
def no_connection_environment():
    """DOCSPACE_* and proxy variables of the shell running the tests never reach a module."""
    with harness.clean_environment():
        yield


@pytest.fixture
def run_module():
    """run_module(main, args, check_mode=False, diff=False, env=None) -> ModuleResult (see reliability_harness)."""
    return harness.run_module


@pytest.fixture
def api_key_main():
    return harness.module_main('docspace_api_key')
