# Copyright (c) onlyoffice.docspace contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import fcntl
import os
import stat
import subprocess
import sys

import pytest

from ansible_collections.onlyoffice.docspace.plugins.module_utils import _portal_lock as pl

ROOT = 'https://portal.test/api/2.0'

# A second process that holds the lock, says so, and writes a marker file just before it lets go.
HOLDER = '''
import fcntl, os, sys, time
descriptor = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT, 0o666)
fcntl.flock(descriptor, fcntl.LOCK_EX)
print('locked', flush=True)
time.sleep(0.5)
open(sys.argv[2], 'w').close()
os.close(descriptor)
'''


def test_one_lock_file_per_portal(tmp_path):
    path = pl.lock_file_path(ROOT, str(tmp_path))
    assert os.path.dirname(path) == str(tmp_path) and os.path.basename(path).startswith('onlyoffice.docspace-')
    assert pl.lock_file_path('HTTPS://Portal.test/api/2.0', str(tmp_path)) == path
    assert pl.lock_file_path('https://other.test/api/2.0', str(tmp_path)) != path


def test_the_lock_file_is_made_usable_by_every_user(tmp_path):
    old_umask = os.umask(0o077)
    try:
        with pl.portal_lock(ROOT, pytest.fail, 30, str(tmp_path)):
            pass
    finally:
        os.umask(old_umask)
    assert stat.S_IMODE(os.stat(pl.lock_file_path(ROOT, str(tmp_path))).st_mode) == 0o666


def test_a_second_holder_waits_for_the_first(tmp_path):
    path, released = pl.lock_file_path(ROOT, str(tmp_path)), str(tmp_path / 'released')
    with subprocess.Popen([sys.executable, '-c', HOLDER, path, released], stdout=subprocess.PIPE, text=True) as holder:
        assert holder.stdout.readline().strip() == 'locked'
        with pl.portal_lock(ROOT, pytest.fail, 30, str(tmp_path)):
            assert os.path.exists(released), 'the lock was taken while another process held it'
        holder.wait(timeout=10)


def test_other_portals_do_not_wait(tmp_path):
    path, released = pl.lock_file_path(ROOT, str(tmp_path)), str(tmp_path / 'released')
    with subprocess.Popen([sys.executable, '-c', HOLDER, path, released], stdout=subprocess.PIPE, text=True) as holder:
        assert holder.stdout.readline().strip() == 'locked'
        with pl.portal_lock('https://other.test/api/2.0', pytest.fail, 30, str(tmp_path)):
            assert not os.path.exists(released)
        holder.wait(timeout=10)


def test_the_lock_is_released_when_the_body_fails(tmp_path):
    with pytest.raises(ValueError):
        with pl.portal_lock(ROOT, pytest.fail, 30, str(tmp_path)):
            raise ValueError('the task failed')
    descriptor = os.open(pl.lock_file_path(ROOT, str(tmp_path)), os.O_RDWR)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)  # BlockingIOError if it were still held
    finally:
        os.close(descriptor)


def test_without_a_usable_lock_file_the_task_warns_and_goes_on(tmp_path):
    warnings, ran = [], []
    with pl.portal_lock(ROOT, warnings.append, 30, str(tmp_path / 'missing-directory')):
        ran.append(True)
    assert ran and len(warnings) == 1
    assert 'Could not lock' in warnings[0] and 'may mix their changes' in warnings[0]


@pytest.mark.parametrize('wait', [0, 0.2])
def test_a_task_waits_no_longer_than_it_was_told(tmp_path, wait):
    holder = pl.take_lock(pl.lock_file_path(ROOT, str(tmp_path)), 0)  # another open file: flock makes it another holder
    try:
        ran = []
        with pytest.raises(pl.LockTimeout) as caught:
            with pl.portal_lock(ROOT, pytest.fail, wait, str(tmp_path)):
                ran.append(True)
        assert not ran and caught.value.waited == wait and caught.value.path == pl.lock_file_path(ROOT, str(tmp_path))
    finally:
        os.close(holder)
    with pl.portal_lock(ROOT, pytest.fail, 0, str(tmp_path)):
        pass
