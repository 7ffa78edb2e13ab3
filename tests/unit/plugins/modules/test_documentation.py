# Copyright (c) onlyoffice.docspace contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Each module's argument spec is what its DOCUMENTATION (with the doc fragments) says, option by option.

ansible-test sanity (validate-modules) checks this too; this test runs with the unit tests, so a change to a spec
that the documentation does not follow fails here as well (and the mutation stage sees it).
"""

from __future__ import annotations

import re

import pytest
import yaml

from ansible.module_utils.basic import env_fallback

from ansible_collections.onlyoffice.docspace.plugins.doc_fragments.docspace import ModuleDocFragment
from ansible_collections.onlyoffice.docspace.plugins.modules import docspace_api_key, docspace_api_key_info, docspace_api_keys

MODULES = [docspace_api_key, docspace_api_key_info, docspace_api_keys]
# What an argument spec entry may hold; anything else is a typo AnsibleModule would ignore.
SPEC_KEYS = {'type', 'required', 'default', 'choices', 'aliases', 'elements', 'no_log', 'fallback', 'options'}
ENV_SENTENCE = re.compile(r'[Ii]f not set, the value of the E\((\w+)\) environment variable is used')


def documented_options(module):
    """The module's options, with those of the collection's doc fragment (ansible.builtin.files options left out)."""
    documentation = yaml.safe_load(module.DOCUMENTATION)
    options = dict(yaml.safe_load(ModuleDocFragment.DOCUMENTATION)['options'])
    assert 'onlyoffice.docspace.docspace' in documentation['extends_documentation_fragment']
    options.update(documentation['options'])
    return options


def spec_of(option):
    """An argument spec entry as the documentation states it (AnsibleModule's defaults filled in)."""
    unknown = set(option) - SPEC_KEYS
    assert not unknown, 'unknown argument spec keys %s' % unknown
    return dict(type=option.get('type', 'str'), required=option.get('required', False), default=option.get('default'),
                choices=option.get('choices'), aliases=option.get('aliases'), elements=option.get('elements'))


def doc_of(option):
    return dict(type=option.get('type', 'str'), required=option.get('required', False), default=option.get('default'),
                choices=option.get('choices'), aliases=option.get('aliases'), elements=option.get('elements'))


def compare(spec, documented, where):
    assert sorted(spec) == sorted(documented), where
    for name, option in spec.items():
        doc = documented[name]
        assert spec_of(option) == doc_of(doc), '%s.%s' % (where, name)
        assert ('options' in option) == ('suboptions' in doc), '%s.%s' % (where, name)
        if 'options' in option:
            compare(option['options'], doc['suboptions'], '%s.%s' % (where, name))


@pytest.mark.parametrize('module', MODULES, ids=lambda module: module.__name__.rsplit('.', 1)[-1])
def test_argument_spec_is_the_documented_options(module):
    compare(module.argument_spec(), documented_options(module), module.__name__)


@pytest.mark.parametrize('module', MODULES, ids=lambda module: module.__name__.rsplit('.', 1)[-1])
def test_environment_fallbacks_are_the_documented_variables(module):
    spec = module.argument_spec()
    for name, doc in documented_options(module).items():
        variables = ENV_SENTENCE.findall(' '.join(doc['description']))
        expected = (env_fallback, variables) if variables else None
        assert spec[name].get('fallback') == expected, name
