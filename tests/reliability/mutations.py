# -*- coding: utf-8 -*-
# Copyright (c) onlyoffice.docspace contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Remove one protection at a time from a copy of the collection and check that a reliability test fails.

The work tree is never touched: each mutant is applied to a temporary copy (plugins, meta, galaxy.yml and the test
directories the suite needs), the selected tests run there with pytest, and the copy is restored.

usage: python tests/reliability/mutations.py [TITLE-FRAGMENT...]   (prints a Markdown table; exit 1 if one survives)
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
REPO_ROOT = os.path.dirname(os.path.dirname(HERE))
COPIED = ('galaxy.yml', 'meta', 'plugins', 'tests/emulator', 'tests/reliability')
DOCSPACE = 'plugins/module_utils/_docspace.py'
API_KEYS = 'plugins/module_utils/_api_keys.py'
KEY_MODULE = 'plugins/modules/docspace_api_key.py'

# (protection removed, file, text, replacement, pytest -k selection of the tests expected to catch it)
MUTANTS = (
    ('429 not retried', DOCSPACE, 'RETRY_STATUSES = (429, 502, 503, 504)', 'RETRY_STATUSES = (502, 503, 504)', 'retry-429'),
    ('503 not retried', DOCSPACE, 'RETRY_STATUSES = (429, 502, 503, 504)', 'RETRY_STATUSES = (429, 502, 504)', 'retry-429'),
    ('500 retried', DOCSPACE, 'RETRY_STATUSES = (429, 502, 503, 504)', 'RETRY_STATUSES = (429, 500, 502, 503, 504)',
     'persistent-500'),
    ('Retry-After ignored', DOCSPACE, 'respect_retry_after_header=True', 'respect_retry_after_header=False', 'retry-429'),
    ('broken connections not retried', DOCSPACE, '        connect=retries,\n        read=retries,',
     '        connect=0,\n        read=0,', 'reset-once'),
    ('retries option ignored (always 10)', DOCSPACE, 'HTTPAdapter(max_retries=make_retry(self.retries))',
     'HTTPAdapter(max_retries=make_retry(10))', 'always or env-timeout'),
    ('timeout not applied', DOCSPACE, 'self.session.request(method, url, json=body, timeout=self.timeout, allow_redirects=False,',
     'self.session.request(method, url, json=body, allow_redirects=False,', 'timeout and not check and not post'),
    ('no deadline for a request', DOCSPACE, '        worker.join(max(0.0, deadline - time.monotonic()) + DEADLINE_SLACK)',
     '        worker.join()', 'drip'),
    ('no size cap on answers', DOCSPACE, '                    if len(content) > MAX_ANSWER_BYTES:', '                    if False:',
     'endless or gzip'),
    ('redirects followed', DOCSPACE, 'allow_redirects=False,', 'allow_redirects=True,', 'redirected'),
    ('~/.netrc used', DOCSPACE, '        self.session.trust_env = False\n', '', 'netrc'),
    ('credentials in base_url sent', DOCSPACE, "    if '@' in parts.netloc:\n        raise", "    if False:\n        raise", 'url-with'),
    ('long Retry-After slept', DOCSPACE, '            raise RetryAfterBeyondBudget(wait, response.status)', '            pass',
     'retry-after'),
    ('connections a proxy dropped not retried', DOCSPACE, '        if isinstance(error, ProxyError) and',
     '        if False and isinstance(error, ProxyError) and', 'proxy-drops'),
    ('POST retried by urllib3', DOCSPACE, "RETRY_METHODS = frozenset(('GET', 'PUT', 'DELETE'))",
     "RETRY_METHODS = frozenset(('GET', 'PUT', 'DELETE', 'POST'))", 'post-'),
    ('POST sent again after a time-out', KEY_MODULE, '            if exc.timed_out or exc.status == 504:',
     '            if False:', 'post-'),
    ('no listing before a second POST', KEY_MODULE,
     "            adopted = appeared_key(list_keys(client), known_ids, body['name'], caller.id)",
     '            adopted = None', 'post-'),
    ('check mode writes (update)', KEY_MODULE, '    if changes and not module.check_mode:\n        update_key(',
     '    if changes:\n        update_key(', 'check'),
    ('check mode writes (create)', KEY_MODULE, "    if module.check_mode:\n        error = scope_error(client, body['permissions'])",
     "    if False:\n        error = scope_error(client, body['permissions'])", 'check'),
    ('changed although nothing differs', KEY_MODULE,
     '    return result_for(module, bool(changes), key, apply_update(key, changes), now)',
     '    return result_for(module, True, key, apply_update(key, changes), now)', 'same-set or argument_space'),
    ('result shows the key as it was read', KEY_MODULE,
     '    return result_for(module, bool(changes), key, apply_update(key, changes), now)',
     '    return result_for(module, bool(changes), key, key, now)', 'two_playbooks'),
    ('no lock from read to write', KEY_MODULE, "    return portal_lock(client.root, module.warn, module.params['lock_timeout'])",
     '    return contextlib.nullcontext()', 'two_playbooks'),
    ('input checks skipped', KEY_MODULE, '    check_inputs(module)\n', '', 'bad_input'),
    ('unparsable base_url not caught', DOCSPACE, '    except ValueError:  # e.g. an unclosed IPv6 bracket',
     '    except KeyError:  # e.g. an unclosed IPv6 bracket', 'url- or argument_space'),
    ('timeout not validated', DOCSPACE,
     "        raise DocSpaceError('timeout must be a number of seconds more than 0 and at most %d; got %r.' % (MAX_TIMEOUT, timeout))",
     '        pass', 'timeout-'),
    ('credentials not checked for header use', DOCSPACE, '        problem = header_problem(header)', '        problem = None',
     'api-key- or token-non or argument_space'),
    ('Basic credentials sent as Latin-1', DOCSPACE, "    return text if text.isascii() else text.encode('utf-8')",
     '    return text', 'password-non'),
    ('listed keys not checked', API_KEYS, '    for key in keys:\n        problem = key_shape_problem(key)',
     '    for key in []:\n        problem = key_shape_problem(key)', 'junk or wrong-types or damaged'),
    ('validate_certs ignored', DOCSPACE, "    if not validate_certs:\n        return False, 'validate_certs'",
     "    if False:\n        return False, 'validate_certs'", 'tls or ca-env'),
    ('ca_path ignored', DOCSPACE, "    if ca_path:\n        return ca_path, 'ca_path'", "    if False:\n        return ca_path, 'ca_path'",
     'tls or ca-env'),
    ('no warning with validate_certs false', DOCSPACE,
     "            module.warn('validate_certs is false: the portal TLS certificate is not verified.')\n", '', 'tls'),
    ('proxy variables ignored', DOCSPACE, '        self.proxies = requests.utils.get_environ_proxies(self.root)',
     '        self.proxies = {}', 'proxy'),
    ('api_key not no_log', DOCSPACE, "api_key=dict(type='str', no_log=True,", "api_key=dict(type='str', no_log=False,", 'secrets or auth'),
    ('auth_token not no_log', DOCSPACE, "auth_token=dict(type='str', no_log=True,", "auth_token=dict(type='str', no_log=False,",
     'secrets or token'),
    ('password not no_log', DOCSPACE, "password=dict(type='str', no_log=True,", "password=dict(type='str', no_log=False,",
     'secrets or password'),
    ('.NET stack shown', DOCSPACE, "return error['message'].strip()", "return (error['message'] + ' ' + str(error.get('stack'))).strip()",
     'envelope or 500'),
    ('HTML body shown', DOCSPACE, "        return 'an HTML page'", "        return 'an HTML page: ' + text[:80]", '502-html or login'),
    ('validation details dropped', DOCSPACE, "    if details:\n        return '; '.join(details)", '    if False:\n        pass',
     'validation'),
    ('User-Agent of requests', DOCSPACE, "USER_AGENT = 'onlyoffice.docspace-ansible'", "USER_AGENT = 'python-requests'",
     'user_agent'),
)


def copy_collection(root):
    """A copy of what the suite needs, at root/ansible_collections/onlyoffice/docspace; returns that directory."""
    collection = os.path.join(root, 'ansible_collections', 'onlyoffice', 'docspace')
    for item in COPIED:
        source, target = os.path.join(REPO_ROOT, item), os.path.join(collection, item)
        if os.path.isdir(source):
            shutil.copytree(source, target, ignore=shutil.ignore_patterns('__pycache__', '*.pyc'))
        else:
            os.makedirs(os.path.dirname(target), exist_ok=True)
            shutil.copy(source, target)
    return collection


def run_mutant(collection, mutant, python=sys.executable):
    """Apply one mutant in the copy, run its tests, restore; returns dict(title, killed, caught_by, detail)."""
    title, relative, text, replacement, selection = mutant
    path = os.path.join(collection, relative)
    with open(path, encoding='utf-8') as handle:
        original = handle.read()
    if original.count(text) != 1:
        return dict(title=title, killed=False, caught_by='', detail='the protected code was not found once in %s' % relative)
    with open(path, 'w', encoding='utf-8') as handle:
        handle.write(original.replace(text, replacement))
    try:
        command = [python, '-m', 'pytest', 'tests/reliability', '-q', '-x', '-p', 'no:cacheprovider', '-k', selection,
                   '--hypothesis-seed=0']
        env = dict(os.environ, PYTHONDONTWRITEBYTECODE='1')
        completed = subprocess.run(command, cwd=collection, env=env, capture_output=True, text=True, timeout=900, check=False)
    finally:
        with open(path, 'w', encoding='utf-8') as handle:
            handle.write(original)
    failed = re.findall(r'^FAILED (.+?)(?: - .*)?$', completed.stdout, re.MULTILINE)
    summary = (completed.stdout.strip().splitlines() or [''])[-1]
    return dict(title=title, killed=completed.returncode == 1 and bool(failed), caught_by=failed[0] if failed else '',
                detail=summary, file=relative, selection=selection)


def run_all(fragments=(), python=sys.executable):
    """Every mutant (or those whose title holds one of fragments), each on a fresh state of one temporary copy."""
    with tempfile.TemporaryDirectory(prefix='docspace-mutants-') as root:
        collection = copy_collection(root)
        chosen = [mutant for mutant in MUTANTS if not fragments or any(fragment in mutant[0] for fragment in fragments)]
        return [run_mutant(collection, mutant, python) for mutant in chosen]


def table(results):
    lines = ['| Protection removed | File | Caught by | Verdict |', '|---|---|---|---|']
    for result in results:
        caught = '`%s`' % result['caught_by'].replace('|', '\\|') if result['caught_by'] else result['detail']
        verdict = 'caught' if result['killed'] else '**NOT CAUGHT**'
        lines.append('| %s | `%s` | %s | %s |' % (result['title'], result.get('file', ''), caught, verdict))
    return lines


def main(argv=None):
    results = run_all(sys.argv[1:] if argv is None else argv)
    print('\n'.join(table(results)))
    return 0 if all(result['killed'] for result in results) else 1


if __name__ == '__main__':
    sys.exit(main())
