# Copyright (c) onlyoffice.docspace contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Run a module's main() in-process with given arguments and a fake portal instead of HTTP."""

from __future__ import annotations

import os
import tempfile

import pytest

from ansible.module_utils import basic

from ansible_collections.onlyoffice.docspace.plugins.module_utils import _keys_api
from ansible_collections.onlyoffice.docspace.plugins.module_utils._docspace import DocSpaceClient

from ansible_collections.onlyoffice.docspace.tests.unit.plugins.module_args import patch_module_args
from ansible_collections.onlyoffice.docspace.tests.unit.plugins.modules.fake_portal import FakeTime


class ModuleExit(Exception):
    """Raised instead of sys.exit by exit_json/fail_json."""

    def __init__(self, result, failed):
        super().__init__(result)
        self.result = result
        self.failed = failed


def _exit_json(self, **kwargs):
    kwargs.setdefault('changed', False)
    raise ModuleExit(kwargs, failed=False)


def _fail_json(self, msg, **kwargs):
    kwargs['msg'] = msg
    kwargs['failed'] = True
    raise ModuleExit(kwargs, failed=True)


@pytest.fixture
def use_client(monkeypatch):
    """use_client(client) -> client: the modules get this stand-in instead of a DocSpaceClient (no HTTP)."""
    def install(client):
        monkeypatch.setattr(DocSpaceClient, 'from_module', classmethod(lambda cls, module: client))
        return client
    return install


@pytest.fixture
def run_module(monkeypatch, tmp_path):
    """run_module(main, args, check_mode=False, diff=False) -> result dict, with the module's warnings in 'warnings'.

    The temporary directory is tmp_path; time in the key-operations layer is a fake clock that sleeps instantly.
    """
    monkeypatch.setattr(tempfile, 'tempdir', str(tmp_path))
    monkeypatch.setattr(_keys_api, 'time', FakeTime())
    monkeypatch.setattr(basic.AnsibleModule, 'exit_json', _exit_json)
    monkeypatch.setattr(basic.AnsibleModule, 'fail_json', _fail_json)
    for name in list(os.environ):
        if name.startswith('DOCSPACE_'):
            monkeypatch.delenv(name)

    def run(main, args, check_mode=False, diff=False):
        args = dict(args)
        args['_ansible_check_mode'] = check_mode
        args['_ansible_diff'] = diff
        warnings = []
        monkeypatch.setattr(basic.AnsibleModule, 'warn', lambda self, text: warnings.append(text))
        with patch_module_args(args):
            with pytest.raises(ModuleExit) as caught:
                main()
        result = caught.value.result
        result['warnings'] = warnings
        return result

    return run
