"""Check that ansible-doc renders every module of a collection and that its examples work.

    check_module_docs.py COLLECTION_DIR [--playbook OUT.yml]

COLLECTION_DIR is the collection inside an ``ansible_collections/NAMESPACE/NAME``
tree; that tree must be on ANSIBLE_COLLECTIONS_PATH, and ``ansible-doc`` and
``ansible-playbook`` of the ansible-core under test must be first on PATH (the
script runs with that ansible-core's Python).  For every module in
``plugins/modules/`` it checks that

* ``ansible-doc -l`` lists it and ``ansible-doc -t module FQCN`` renders it
  (exit 0, no [WARNING]/[ERROR]/[DEPRECATION WARNING] on stderr) with its
  EXAMPLES and RETURN sections;
* its EXAMPLES are a non-empty YAML list of named tasks that
  ``ansible-playbook --syntax-check`` accepts (all modules' examples are written
  to one playbook, a play per module; --playbook keeps a copy, e.g. for
  ansible-lint);
* every example task that calls a module of the collection passes that
  module's real argument validation (AnsibleModule with its argument spec and
  rules, nothing sent anywhere): module_defaults of the enclosing blocks are
  applied, Jinja2 expressions are replaced by a value of the option's
  documented type, DOCSPACE_* variables stand in for connection options an
  example leaves to the environment, and action groups used in module_defaults
  must exist in meta/runtime.yml.

Prints one line per check; exits 1 when any fails.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import importlib
import io
import json
import os
import subprocess
import sys
import tempfile
from textwrap import indent

import yaml

# Connection settings an example may leave to the environment (see the doc fragment).
EXAMPLE_ENVIRONMENT = {
    'DOCSPACE_URL': 'https://portal.example.com',
    'DOCSPACE_API_KEY': 'sk-example',
}
STDERR_PROBLEMS = ('[WARNING]', '[ERROR]', '[DEPRECATION WARNING]')
TASK_KEYS_WITH_TASKS = ('block', 'rescue', 'always')
SAMPLE_BY_TYPE = {
    'str': 'example',
    'raw': 'example',
    'path': '/tmp/example',
    'int': 1,
    'float': 1.5,
    'bool': True,
    'dict': {},
    'jsonarg': '{}',
    'json': '{}',
}

PLAY_TEMPLATE = '''- name: EXAMPLES of %s
  hosts: localhost
  gather_facts: false
  tasks:
%s
'''

FAILURES: list[str] = []


def report(ok: bool, what: str, detail: str = '') -> None:
    """Print the result of one check and remember failures."""
    print('%s  %s%s' % ('ok  ' if ok else 'FAIL', what, (': ' + detail) if detail else ''))
    if not ok:
        FAILURES.append(what)


def run(command: list[str]) -> subprocess.CompletedProcess:
    """Run a command and capture its text output."""
    return subprocess.run(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, check=False)


def read_yaml(path: str):
    """Load a YAML file, None when it does not exist."""
    if not os.path.exists(path):
        return None
    with open(path, encoding='utf-8') as handle:
        return yaml.safe_load(handle)


def is_template(value) -> bool:
    """True for a string holding a Jinja2 expression or statement."""
    return isinstance(value, str) and ('{{' in value or '{%' in value)


def sample_value(option: dict):
    """A value of an option's documented type, standing in for a Jinja2 expression."""
    if option.get('choices'):
        choice = option['choices'][0]
        return [choice] if option.get('type') == 'list' else choice
    if option.get('type') == 'list':
        element = SAMPLE_BY_TYPE.get(option.get('elements', 'str'), 'example')
        return [element]
    return SAMPLE_BY_TYPE.get(option.get('type', 'str'), 'example')


def untemplate(args: dict, options: dict) -> dict:
    """The arguments with every templated value replaced by a sample of the option's type."""
    aliases = {}
    for name, option in options.items():
        for alias in option.get('aliases') or ():
            aliases[alias] = name
    result = {}
    for key, value in args.items():
        option = options.get(aliases.get(key, key), {})
        if is_template(value):
            value = sample_value(option)
        elif isinstance(value, list):
            element_option = dict(option, type=option.get('elements', 'str'), choices=option.get('choices'))
            value = [sample_value(element_option) if is_template(item) else item for item in value]
        result[key] = value
    return result


class ArgumentsAccepted(BaseException):
    """Raised by the patched AnsibleModule once the arguments validated (stops main() before any work)."""


@contextlib.contextmanager
def patched_module_args(args: dict):
    """Make AnsibleModule read these arguments (ansible-core 2.19+ API, else the older _ANSIBLE_ARGS)."""
    try:
        from ansible.module_utils.testing import patch_module_args  # pylint: disable=import-outside-toplevel
    except ImportError:
        from unittest import mock  # pylint: disable=import-outside-toplevel

        from ansible.module_utils import basic  # pylint: disable=import-outside-toplevel

        serialized = json.dumps({'ANSIBLE_MODULE_ARGS': args}).encode()
        with mock.patch.object(basic, '_ANSIBLE_ARGS', serialized):
            yield
        return
    with patch_module_args(args):
        yield


@contextlib.contextmanager
def example_environment():
    """Only the stand-in DOCSPACE_* variables are set while an example is validated."""
    saved = {name: value for name, value in os.environ.items() if name.startswith('DOCSPACE_')}
    for name in saved:
        del os.environ[name]
    os.environ.update(EXAMPLE_ENVIRONMENT)
    try:
        yield
    finally:
        for name in list(os.environ):
            if name.startswith('DOCSPACE_'):
                del os.environ[name]
        os.environ.update(saved)


def validate_arguments(module_name: str, import_path: str, args: dict) -> str | None:
    """Run the module's main() up to the end of AnsibleModule's argument validation; None or the error."""
    from unittest import mock  # pylint: disable=import-outside-toplevel

    from ansible.module_utils import basic  # pylint: disable=import-outside-toplevel

    module = importlib.import_module(import_path)
    original_init = basic.AnsibleModule.__init__

    def init(self, *posargs, **kwargs):
        original_init(self, *posargs, **kwargs)
        raise ArgumentsAccepted()

    stdout = io.StringIO()
    module_args = dict(args, _ansible_check_mode=True)
    try:
        with example_environment(), patched_module_args(module_args), \
                mock.patch.object(basic.AnsibleModule, '__init__', init), contextlib.redirect_stdout(stdout):
            module.main()
    except ArgumentsAccepted:
        return None
    except SystemExit:
        try:
            return json.loads(stdout.getvalue()).get('msg', stdout.getvalue())
        except ValueError:
            return stdout.getvalue() or 'exited before its arguments were validated'
    except Exception as error:  # pylint: disable=broad-exception-caught
        return 'crashed: %r' % (error,)
    return '%s.main() returned without creating an AnsibleModule' % module_name


def walk_tasks(tasks, defaults=None):
    """Yield (task, module_defaults in force) for every task, descending into blocks."""
    for task in tasks or ():
        if not isinstance(task, dict):
            yield task, defaults or {}
            continue
        merged = dict(defaults or {})
        for key, value in (task.get('module_defaults') or {}).items():
            merged[key] = dict(merged.get(key, {}), **value)
        if any(key in task for key in TASK_KEYS_WITH_TASKS):
            for key in TASK_KEYS_WITH_TASKS:
                yield from walk_tasks(task.get(key), merged)
        else:
            yield task, merged


class Collection:
    """The collection under test: its name, modules, action groups and import paths."""

    def __init__(self, path: str):
        self.path = os.path.abspath(path)
        galaxy = read_yaml(os.path.join(self.path, 'galaxy.yml')) or read_yaml(os.path.join(self.path, 'MANIFEST.json'))
        info = galaxy.get('collection_info', galaxy)
        self.fqcn = '%s.%s' % (info['namespace'], info['name'])
        modules_dir = os.path.join(self.path, 'plugins', 'modules')
        self.modules = sorted(
            name[:-3] for name in os.listdir(modules_dir)
            if name.endswith('.py') and not name.startswith('_')
        )
        runtime = read_yaml(os.path.join(self.path, 'meta', 'runtime.yml')) or {}
        self.action_groups = {
            'group/%s.%s' % (self.fqcn, group): members
            for group, members in (runtime.get('action_groups') or {}).items()
        }
        collections_root = os.path.dirname(os.path.dirname(os.path.dirname(self.path)))
        if collections_root not in sys.path:
            sys.path.insert(0, collections_root)

    def module_of(self, action: str) -> str | None:
        """The short module name when an action names one of this collection's modules."""
        prefix = self.fqcn + '.'
        if action.startswith(prefix) and action[len(prefix):] in self.modules:
            return action[len(prefix):]
        return None

    def import_path(self, module: str) -> str:
        return 'ansible_collections.%s.plugins.modules.%s' % (self.fqcn, module)

    def groups_of(self, module: str) -> list[str]:
        return [group for group, members in self.action_groups.items()
                if module in members or '%s.%s' % (self.fqcn, module) in members]


def task_action(task: dict, collection: Collection) -> tuple[str | None, dict]:
    """The collection module a task calls (None for any other action) and its arguments."""
    for key, value in task.items():
        module = collection.module_of(key)
        if module:
            return module, dict(value or {}) if isinstance(value, dict) else {}
    return None, {}


def check_listing(collection: Collection) -> None:
    """ansible-doc -l lists exactly the collection's modules."""
    result = run(['ansible-doc', '-t', 'module', '-l', collection.fqcn, '--json'])
    listed = []
    if result.returncode == 0:
        listed = sorted(name.split('.')[-1] for name in json.loads(result.stdout or '{}'))
    report(result.returncode == 0 and listed == collection.modules,
           'ansible-doc -l %s' % collection.fqcn,
           'lists %s, plugins/modules/ has %s%s' % (listed, collection.modules, result.stderr.strip() and
                                                    '; ' + result.stderr.strip()))


def stderr_problems(result: subprocess.CompletedProcess) -> list[str]:
    """The lines of a command's stderr that count as problems (warnings, errors, deprecations)."""
    return [line for line in result.stderr.splitlines() if line.strip().startswith(STDERR_PROBLEMS)]


@functools.lru_cache(maxsize=None)
def module_doc(fqcn: str) -> dict:
    """ansible-doc --json of one module (fetched once per run)."""
    return json.loads(run(['ansible-doc', '-t', 'module', '--json', fqcn]).stdout)[fqcn]


def check_module(collection: Collection, module: str, plays: list) -> None:
    """Render one module with ansible-doc and check its examples."""
    fqcn = '%s.%s' % (collection.fqcn, module)
    rendered = run(['ansible-doc', '-t', 'module', fqcn])
    problems = stderr_problems(rendered)
    missing = [section for section in ('EXAMPLES:', 'RETURN VALUES:') if section not in rendered.stdout]
    report(rendered.returncode == 0 and not problems and not missing, 'ansible-doc -t module %s' % fqcn,
           '; '.join(problems + ['no %s section' % section for section in missing]
                     + ([rendered.stderr.strip()] if rendered.returncode else [])))
    if rendered.returncode:
        return

    doc = module_doc(fqcn)
    try:
        tasks = yaml.safe_load(doc.get('examples') or '')
    except yaml.YAMLError as error:
        report(False, '%s EXAMPLES parse' % fqcn, str(error))
        return
    if not isinstance(tasks, list) or not tasks or not all(isinstance(task, dict) for task in tasks):
        report(False, '%s EXAMPLES are a list of tasks' % fqcn, 'got %r' % (type(tasks).__name__,))
        return
    unnamed = [index for index, (task, _defaults) in enumerate(walk_tasks(tasks)) if not task.get('name')]
    report(not unnamed, '%s EXAMPLES tasks are named' % fqcn, unnamed and 'unnamed task(s) #%s' % unnamed)
    plays.append(PLAY_TEMPLATE % (fqcn, indent(doc['examples'].strip('\n'), ' ' * 4)))

    called = 0
    for task, defaults in walk_tasks(tasks):
        target, args = task_action(task, collection)
        if target is None:
            continue
        called += 1
        unknown_groups = [key for key in defaults if key.startswith('group/') and key not in collection.action_groups]
        if unknown_groups:
            error = 'module_defaults names unknown action group(s) %s' % unknown_groups
        else:
            target_options = module_doc('%s.%s' % (collection.fqcn, target))['doc'].get('options') or {}
            groups = collection.groups_of(target)
            merged: dict = {}
            for key, values in defaults.items():
                if key in groups or collection.module_of(key) == target:
                    merged.update(values)
            merged.update(args)
            error = validate_arguments(target, collection.import_path(target), untemplate(merged, target_options))
        report(error is None, '%s example %r: arguments of %s' % (fqcn, task.get('name'), target), error or '')
    report(called > 0, '%s EXAMPLES call the module' % fqcn, '' if called else 'no example task uses it')


def check_syntax(plays: list[str], playbook: str | None) -> None:
    """ansible-playbook --syntax-check over all examples."""
    with tempfile.TemporaryDirectory(prefix='module-examples-') as work:
        path = playbook or os.path.join(work, 'examples.yml')
        with open(path, 'w', encoding='utf-8') as handle:
            handle.write('---\n# EXAMPLES of every module, as written (made by scripts/check_module_docs.py)\n')
            handle.write('\n'.join(plays))
        result = run(['ansible-playbook', '--syntax-check', '-i', 'localhost,', path])
        problems = stderr_problems(result)
        report(result.returncode == 0 and not problems, 'ansible-playbook --syntax-check (EXAMPLES of every module)',
               '\n'.join(problems) or (result.stderr.strip() if result.returncode else ''))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('collection')
    parser.add_argument('--playbook', help='also write the playbook of all EXAMPLES here')
    args = parser.parse_args()

    collection = Collection(args.collection)
    check_listing(collection)
    plays: list[str] = []
    for module in collection.modules:
        check_module(collection, module, plays)
    if plays:
        check_syntax(plays, args.playbook)
    if FAILURES:
        print('%d check(s) failed' % len(FAILURES))
        sys.exit(1)
    print('all checks passed (%d module(s))' % len(collection.modules))


if __name__ == '__main__':
    main()
