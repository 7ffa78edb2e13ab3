# -*- coding: utf-8 -*-
# Copyright (c) onlyoffice.docspace contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Callback plugin of tests/benchmarks/bench.py: wall time and emulator requests of every task.

Not part of the collection's plugins (it lives under tests/ and is enabled only by the benchmark's ansible.cfg).
For each task it appends one JSON line to the file named by BENCH_RECORD_FILE:

    {"name", "start", "end", "items": [seconds since start of each item result], "changed": [bool per item],
     "failed": [bool per item], "task_failed": bool, "requests": [[method, path, status], ...]}

start is taken when the strategy announces the task (before the worker process is forked), end when the task's
final result reaches the controller; both with time.perf_counter() of the ansible-playbook process.  When
BENCH_CONTROL_URL is set (the emulator's /__emulator__ URL), the emulator's request log is cleared just before
start and read just after end, so the requests a task made are counted by the emulator itself.
"""

from __future__ import annotations

DOCUMENTATION = r'''
name: bench_timer
type: aggregate
short_description: Per-task wall time and emulator request counts for the benchmark
description:
  - Writes one JSON line per task to the file named by E(BENCH_RECORD_FILE).
  - Test helper of C(tests/benchmarks/bench.py); not shipped as a plugin of the collection.
requirements:
  - enable in ansible.cfg (callbacks_enabled)
'''

import json
import os
import time
import urllib.request

from ansible.plugins.callback import CallbackBase


def _control(method, url):
    request = urllib.request.Request(url, method=method)
    with urllib.request.urlopen(request, timeout=60) as answer:  # loopback emulator only
        body = answer.read()
    return json.loads(body) if body else None


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = 'aggregate'
    CALLBACK_NAME = 'bench_timer'
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._record_file = os.environ.get('BENCH_RECORD_FILE')
        self._control_url = os.environ.get('BENCH_CONTROL_URL')
        self._task = None

    def _finish_task(self):
        task, self._task = self._task, None
        if task is None:
            return
        if self._control_url:
            task['requests'] = [[entry.get('method'), entry.get('path'), entry.get('status')]
                                for entry in _control('GET', self._control_url + '/requests')]
        if self._record_file:
            with open(self._record_file, 'a', encoding='utf-8') as stream:
                stream.write(json.dumps(task) + '\n')

    def v2_playbook_on_task_start(self, task, is_conditional):
        self._finish_task()
        if self._control_url:
            _control('DELETE', self._control_url + '/requests')
        self._task = dict(name=task.get_name(), start=time.perf_counter(), end=None, items=[], changed=[], failed=[],
                          task_failed=False, requests=[])

    def _item(self, result, failed, at=None):
        """One loop item's result; at: when it ended (default: now)."""
        if self._task is not None:
            self._task['items'].append((time.perf_counter() if at is None else at) - self._task['start'])
            self._task['changed'].append(bool(result._result.get('changed')))
            self._task['failed'].append(failed)

    def v2_runner_item_on_ok(self, result):
        self._item(result, False)

    def v2_runner_item_on_failed(self, result):
        self._item(result, True)

    def v2_runner_item_on_skipped(self, result):
        self._item(result, False)

    def _end(self, result, failed):
        if self._task is None:
            return
        self._task['end'] = time.perf_counter()
        if not self._task['items']:  # a task without a loop: one result
            self._item(result, failed, at=self._task['end'])
        self._task['task_failed'] = failed
        self._finish_task()

    def v2_runner_on_ok(self, result):
        self._end(result, False)

    def v2_runner_on_failed(self, result, ignore_errors=False):
        self._end(result, True)

    def v2_runner_on_skipped(self, result):
        self._end(result, False)

    def v2_runner_on_unreachable(self, result):
        self._end(result, True)

    def v2_playbook_on_stats(self, stats):
        self._finish_task()
