# -*- coding: utf-8 -*-
# Copyright (c) onlyoffice.docspace contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""One writing task at a time per portal on this machine.

DocSpace has no conditional update (no ETag, no version number), and a task sends only the fields that differ from
the key it read. Two tasks that read a key before either writes can therefore leave it in a mix of both wanted states.
A task that may write holds this lock from before its read until after its write, so the second task reads what the
first one wrote. The lock is a file in the temporary directory locked with flock(2): a process that dies releases it,
and a task waits for it at most lock_timeout seconds.
Tasks on other machines are not coordinated.

This module_util is private to the collection: its interface may change at any time.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import tempfile
import time

FIRST_PAUSE = 0.01
LONGEST_PAUSE = 0.2


class LockTimeout(Exception):
    """Another task held the portal's lock for longer than this task would wait."""

    def __init__(self, path, waited):
        super().__init__(path)
        self.path = path
        self.waited = waited


def lock_file_path(api_root, directory=None):
    """The lock file of one portal (named by a hash: the URL may hold characters a file name cannot)."""
    digest = hashlib.sha256(api_root.lower().encode('utf-8')).hexdigest()[:20]
    return os.path.join(directory or tempfile.gettempdir(), 'onlyoffice.docspace-%s.lock' % digest)


def open_lock_file(path):
    """A descriptor of the lock file, which is made readable and writable by every user when it is missing."""
    try:
        # Without O_CREAT first: with fs.protected_regular, Linux refuses O_CREAT on another user's file in /tmp.
        return os.open(path, os.O_RDWR)
    except FileNotFoundError:
        pass
    try:
        descriptor = os.open(path, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o666)
    except FileExistsError:  # another task made it just now
        return os.open(path, os.O_RDWR)
    os.fchmod(descriptor, 0o666)  # the umask would keep other users' tasks out of the lock
    return descriptor


def take_lock(path, wait):
    """Wait up to wait seconds for the lock; return the descriptor that holds it (closing it releases the lock)."""
    descriptor = open_lock_file(path)
    deadline = time.monotonic() + wait
    pause = FIRST_PAUSE
    try:
        while True:
            try:
                fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return descriptor
            except BlockingIOError:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise LockTimeout(path, wait) from None
                time.sleep(min(pause, left))
                pause = min(pause * 2, LONGEST_PAUSE)
    except BaseException:
        os.close(descriptor)
        raise


@contextlib.contextmanager
def portal_lock(api_root, warn, wait, directory=None):
    """Hold the portal's lock for the body of the with statement; without a usable lock file, warn and go on.

    Raises LockTimeout when another task holds the lock for more than wait seconds.
    """
    path = lock_file_path(api_root, directory)
    descriptor = None
    try:
        descriptor = take_lock(path, wait)
    except OSError as exc:
        warn('Could not lock %s (%s): tasks on this machine that change the same API key at the same time may mix '
             'their changes.' % (path, exc.strerror or exc))
    try:
        yield
    finally:
        if descriptor is not None:
            os.close(descriptor)
