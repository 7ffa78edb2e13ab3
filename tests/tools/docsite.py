#!/usr/bin/env python
"""Build the collection docsite (guides and plugin pages) to HTML, failing on any warning.

Does what the Ansible documentation site does for a collection: ``antsibull-docs sphinx-init
--use-current`` writes a Sphinx site, ``antsibull-docs collection`` renders the collection's plugin
pages and extra docs (docs/docsite/) to RST, and ``sphinx-build -W --keep-going`` renders them to HTML.

Offline: the generated conf.py fetches intersphinx inventories (Python, Jinja2, Ansible docs) from the
internet. This script replaces them with one local inventory of the few Ansible-docs labels that
antsibull-docs' generated pages refer to, so those references still link to docs.ansible.com and any
other unresolved reference stays a warning (an error here).

Works from a repository checkout: the collection is copied to
<work>/collections/ansible_collections/<namespace>/<name> and ANSIBLE_COLLECTIONS_PATH points there only.

Run it with the Python of a venv holding tests/requirements-docsite.txt:
    python tests/tools/docsite.py [--dest DIR]
"""

import argparse
import os
import shutil
import subprocess
import sys
import zlib
from pathlib import Path

import yaml

REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_DEST = REPO_ROOT / '.cache' / 'docsite' / 'build' / 'html'
DEFAULT_WORK = REPO_ROOT / '.cache' / 'docsite' / 'work'

# Not copied into the temporary collection tree: caches, VCS data and build output.
COPY_IGNORE = shutil.ignore_patterns(
    '.git', '.cache', '.tox', '.nox', '.pytest_cache', '.hypothesis', '__pycache__', '*.pyc', 'output', '*.tar.gz')

# Labels of the Ansible docs (ansible/ansible-documentation, docs/docsite/rst/reference_appendices/)
# that antsibull-docs' generated pages reference through intersphinx ('ansible_devel').
ANSIBLE_DOCS_URL = 'https://docs.ansible.com/projects/ansible/devel/'
ANSIBLE_DOCS_LABELS = {
    'ansible_configuration_settings': (
        'reference_appendices/config.html#ansible-configuration-settings', 'Ansible Configuration Settings'),
    'common_return_values': (
        'reference_appendices/common_return_values.html#common-return-values', 'Return Values'),
    'ansible_collections.ansible.builtin.file_module': (
        'collections/ansible/builtin/file_module.html#ansible-collections-ansible-builtin-file-module',
        'ansible.builtin.file module'),
}
INVENTORY_NAME = 'ansible_devel.inv'
OFFLINE_INTERSPHINX = (
    '# Offline build (tests/tools/docsite.py): only a local inventory of the Ansible-docs labels\n'
    '# that antsibull-docs generated pages use; no inventory is fetched from the internet.\n'
    'intersphinx_mapping = {\n'
    '    \'ansible_devel\': (%r, %r),\n'
    '}\n'
)


class BuildError(Exception):
    """One sentence saying what failed and what to do."""


def say(message):
    print('docsite: %s' % message, flush=True)


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n', maxsplit=1)[0])
    parser.add_argument('--dest', type=Path, default=DEFAULT_DEST,
                        help='directory for the HTML site (default: %(default)s); emptied first')
    parser.add_argument('--work-dir', type=Path, default=DEFAULT_WORK,
                        help='scratch directory for the collection copy and the Sphinx site (default: %(default)s);'
                             ' emptied first')
    parser.add_argument('--collection-dir', type=Path, default=REPO_ROOT,
                        help='collection source tree (galaxy.yml) or installed collection (MANIFEST.json) '
                             '(default: this checkout)')
    return parser.parse_args()


def collection_name(collection_dir):
    """(namespace, name) from galaxy.yml of a source tree or MANIFEST.json of an installed collection."""
    galaxy_yml = collection_dir / 'galaxy.yml'
    manifest = collection_dir / 'MANIFEST.json'
    source = galaxy_yml if galaxy_yml.exists() or not manifest.exists() else manifest
    try:
        with source.open() as f:
            info = yaml.safe_load(f)  # JSON is YAML
        if source == manifest:
            info = info['collection_info']
        return info['namespace'], info['name']
    except (OSError, KeyError, TypeError, yaml.YAMLError) as exc:
        raise BuildError('cannot read namespace and name from %s (%s); pass --collection-dir of a collection source '
                         'tree or installed collection.' % (source, exc))


def fresh_dir(path):
    if path.exists():
        shutil.rmtree(path)
    path.mkdir(parents=True)
    return path


def copy_collection(collection_dir, collections_root, namespace, name):
    target = collections_root / 'ansible_collections' / namespace / name
    say('copying %s to %s' % (collection_dir, target))
    shutil.copytree(collection_dir, target, ignore=COPY_IGNORE)
    return target


def tool_env(collections_root):
    """ANSIBLE_COLLECTIONS_PATH naming only the copy; the venv's bin first so ansible-doc is the venv's."""
    env = dict(os.environ)
    env['ANSIBLE_COLLECTIONS_PATH'] = str(collections_root)
    env['ANSIBLE_COLLECTIONS_SCAN_SYS_PATH'] = 'false'
    env['PATH'] = os.pathsep.join([str(Path(sys.executable).parent), env.get('PATH', '')])
    return env


def run(step, command, env, cwd=None):
    say('%s: %s' % (step, ' '.join(str(part) for part in command)))
    result = subprocess.run([str(part) for part in command], env=env, cwd=cwd, check=False)
    if result.returncode != 0:
        raise BuildError('%s failed (exit %d); see its output above.' % (step, result.returncode))


def antsibull_docs():
    executable = Path(sys.executable).parent / 'antsibull-docs'
    if not executable.exists():
        raise BuildError('antsibull-docs is not installed next to %s; install tests/requirements-docsite.txt into '
                         'this venv.' % sys.executable)
    return executable


def write_inventory(path):
    """A Sphinx (v2) object inventory of ANSIBLE_DOCS_LABELS."""
    entries = ''.join('%s std:label -1 %s %s\n' % (label, uri, title)
                      for label, (uri, title) in sorted(ANSIBLE_DOCS_LABELS.items()))
    header = ('# Sphinx inventory version 2\n# Project: Ansible\n# Version: devel\n'
              '# The remainder of this file is compressed using zlib.\n')
    path.write_bytes(header.encode() + zlib.compress(entries.encode()))


def make_offline(site_dir):
    """Replace the intersphinx_mapping block of the generated conf.py by the local inventory."""
    conf_py = site_dir / 'conf.py'
    lines = conf_py.read_text().splitlines(keepends=True)
    starts = [i for i, line in enumerate(lines) if line.startswith('intersphinx_mapping = {')]
    ends = [i for i, line in enumerate(lines) if line.rstrip() == '}' and starts and i > starts[0]]
    if len(starts) != 1 or not ends:
        raise BuildError('the conf.py generated by antsibull-docs sphinx-init has no single "intersphinx_mapping = {'
                         '...}" block to replace; update make_offline() in %s for this antsibull-docs version.'
                         % __file__)
    inventory = site_dir / INVENTORY_NAME
    write_inventory(inventory)
    replacement = OFFLINE_INTERSPHINX % (ANSIBLE_DOCS_URL, str(inventory))
    conf_py.write_text(''.join(lines[:starts[0]]) + replacement + ''.join(lines[ends[0] + 1:]))
    say('conf.py: intersphinx uses only %s (labels: %s)' % (inventory, ', '.join(sorted(ANSIBLE_DOCS_LABELS))))


def expected_pages(collection_copy, namespace, name):
    """HTML pages the site must hold: index, collection index, one per plugin, one per extra doc."""
    base = Path('collections') / namespace / name
    pages = [Path('index.html'), base / 'index.html']
    plugins_dir = collection_copy / 'plugins'
    # One page per module (plugins/modules/*.py) and per plugin of the one-plugin-per-file types.
    for plugin_type, subdir in (('module', 'modules'), ('lookup', 'lookup'), ('inventory', 'inventory'),
                                ('callback', 'callback'), ('connection', 'connection')):
        for plugin in sorted((plugins_dir / subdir).glob('*.py')):
            if plugin.name != '__init__.py':
                pages.append(base / ('%s_%s.html' % (plugin.stem, plugin_type)))
    extra_docs = collection_copy / 'docs' / 'docsite' / 'extra-docs.yml'
    if extra_docs.exists():
        with extra_docs.open() as f:
            for section in (yaml.safe_load(f) or {}).get('sections', []):
                for doc in section.get('toctree', []):
                    doc_ref = doc['ref'] if isinstance(doc, dict) else doc
                    pages.append(base / 'docsite' / ('%s.html' % doc_ref))
    return pages


def check_pages(dest, pages):
    missing = [str(page) for page in pages if not (dest / page).is_file()]
    if missing:
        raise BuildError('the build wrote no page for %s; check docs/docsite/extra-docs.yml and the plugins\' '
                         'DOCUMENTATION.' % ', '.join(missing))
    for page in pages:
        say('page: %s' % (dest / page))


def build(args):
    collection_dir = args.collection_dir.resolve()
    namespace, name = collection_name(collection_dir)
    fqcn = '%s.%s' % (namespace, name)
    work = fresh_dir(args.work_dir.resolve())
    dest = args.dest.resolve()
    collections_root = work / 'collections'
    site_dir = work / 'site'
    collection_copy = copy_collection(collection_dir, collections_root, namespace, name)
    env = tool_env(collections_root)
    tool = antsibull_docs()
    site_dir.mkdir(mode=0o755)  # antsibull-docs wants it writable by its owner only, whatever the umask
    site_dir.chmod(0o755)

    run('sphinx-init', [tool, 'sphinx-init', '--use-current', '--fail-on-error', '--dest-dir', site_dir,
                        '--project', fqcn, '--title', '%s documentation' % fqcn,
                        '--copyright', '%s contributors' % fqcn, fqcn], env)
    make_offline(site_dir)
    rst_dir = site_dir / 'rst'
    rst_dir.chmod(0o755)  # as the generated build.sh does, for the same reason
    run('collection RST', [tool, '--config-file', site_dir / 'antsibull-docs.cfg', 'collection',
                           '--cleanup', 'everything', '--use-current', '--fail-on-error', '--dest-dir', rst_dir,
                           fqcn], env, cwd=site_dir)
    if dest.exists():
        shutil.rmtree(dest)
    run('sphinx-build', [sys.executable, '-m', 'sphinx', '-b', 'html', '-c', site_dir, '-W', '--keep-going',
                         '-n', rst_dir, dest], env, cwd=site_dir)
    check_pages(dest, expected_pages(collection_copy, namespace, name))
    say('built %s without warnings: open %s' % (fqcn, dest / 'index.html'))


def main():
    args = parse_args()
    try:
        build(args)
    except BuildError as exc:
        print('docsite: FAILED: %s' % exc, file=sys.stderr)
        return 1
    return 0


if __name__ == '__main__':
    sys.exit(main())
