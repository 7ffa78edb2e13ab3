#!/usr/bin/env python
"""Check the execution-environment definition in docs/ee/ by creating its build context from the local tarball.

Runs what docs/ee/README.md tells users to run, up to the step that needs a container engine:
``ansible-galaxy collection build``, the tarball under the name the definition expects, then
``ansible-builder create``. It then checks the build context: a Containerfile FROM the pinned base image,
the tarball in the context, the context's requirements.yml installing that tarball (run as the image's galaxy
stage runs it, from the context's _build directory), and the builder's own introspection script (the one the
image's builder stage runs) finding ``requests`` in the installed collection. Offline: no Galaxy, no registry.

Run it with the Python of a venv holding tests/requirements-ee.txt:
    python tests/tools/ee_check.py [--work-dir DIR]
"""

import argparse
import filecmp
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import yaml

REPO_ROOT = Path(__file__).resolve().parents[2]
EE_DIR = REPO_ROOT / 'docs' / 'ee'
DEFINITION = 'execution-environment.yml'
GALAXY_REQUIREMENTS = 'requirements-galaxy.yml'
DEFAULT_WORK = REPO_ROOT / '.cache' / 'ee-check'
# The base image docs/ee/*.yml must name: an exact published tag, never a moving one.
BASE_IMAGE = 'quay.io/ansible/awx-ee:24.6.1'
PYTHON_REQUIREMENT = 'requests'


class CheckError(Exception):
    """One sentence saying what is wrong and what to do."""


def say(message):
    print('ee_check: %s' % message, flush=True)


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n', maxsplit=1)[0])
    parser.add_argument('--work-dir', type=Path, default=DEFAULT_WORK,
                        help='scratch directory (default: %(default)s); emptied first')
    return parser.parse_args()


def tool(name):
    executable = Path(sys.executable).parent / name
    if not executable.exists():
        raise CheckError('%s is not installed next to %s; install tests/requirements-ee.txt into this venv.'
                         % (name, sys.executable))
    return executable


def tool_env(collections_path):
    env = dict(os.environ)
    env['PATH'] = os.pathsep.join([str(Path(sys.executable).parent), env.get('PATH', '')])
    env['ANSIBLE_COLLECTIONS_PATH'] = str(collections_path)
    env['ANSIBLE_GALAXY_DISABLE_GPG_VERIFY'] = '1'  # as the generated Containerfile does
    return env


def run(step, command, env, cwd):
    say('%s: %s (in %s)' % (step, ' '.join(str(part) for part in command), cwd))
    result = subprocess.run([str(part) for part in command], env=env, cwd=str(cwd),
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, universal_newlines=True, check=False)
    print(result.stdout, end='', flush=True)
    if result.returncode != 0:
        raise CheckError('%s failed (exit %d); see its output above.' % (step, result.returncode))
    return result.stdout


def load_yaml(path):
    try:
        with path.open() as f:
            return yaml.safe_load(f)
    except (OSError, yaml.YAMLError) as exc:
        raise CheckError('cannot read %s (%s).' % (path, exc))


def collection_identity():
    galaxy = load_yaml(REPO_ROOT / 'galaxy.yml')
    return galaxy['namespace'], galaxy['name'], str(galaxy['version'])


def check_base_image(definition):
    name = ((definition.get('images') or {}).get('base_image') or {}).get('name')
    if name != BASE_IMAGE:
        raise CheckError('the base image of docs/ee/%s is %r, not the pinned %s; pin it there (or change BASE_IMAGE '
                         'in %s with the docs).' % (DEFINITION, name, BASE_IMAGE, __file__))
    say('base image pinned: %s' % name)


def tarball_build_file(definition):
    """The additional_build_files entry that carries the collection tarball: (file name, dest in _build)."""
    for entry in definition.get('additional_build_files') or []:
        if str(entry.get('src', '')).endswith('.tar.gz'):
            return Path(entry['src']).name, entry['dest']
    raise CheckError('docs/ee/%s has no additional_build_files entry with a collection tarball (*.tar.gz); the '
                     'local build needs one.' % DEFINITION)


def build_tarball(ee_work, namespace, name, version, tarball_name, env):
    run('collection build', [tool('ansible-galaxy'), 'collection', 'build', '--force', '--output-path', ee_work,
                             REPO_ROOT], env, ee_work)
    built = ee_work / ('%s-%s-%s.tar.gz' % (namespace, name, version))
    if not built.is_file():
        raise CheckError('ansible-galaxy collection build wrote no %s.' % built)
    tarball = ee_work / tarball_name
    say('renaming %s to %s, as docs/ee/README.md says' % (built.name, tarball.name))
    built.rename(tarball)
    return tarball


def check_context(context, tarball, tarball_dest):
    containerfile = context / 'Containerfile'
    if not containerfile.is_file():
        raise CheckError('ansible-builder create wrote no %s.' % containerfile)
    text = containerfile.read_text()
    if not re.search(r'^ARG EE_BASE_IMAGE="%s"$' % re.escape(BASE_IMAGE), text, re.M) \
            or 'FROM $EE_BASE_IMAGE AS base' not in text:
        raise CheckError('%s does not build FROM %s.' % (containerfile, BASE_IMAGE))
    say('Containerfile builds FROM %s' % BASE_IMAGE)
    in_context = context / '_build' / tarball_dest / tarball.name
    if not in_context.is_file() or not filecmp.cmp(str(in_context), str(tarball), shallow=False):
        raise CheckError('the build context lacks the collection tarball at %s.' % in_context)
    if 'COPY _build /build' not in text:
        raise CheckError('%s does not copy _build (with the tarball) into the image.' % containerfile)
    say('tarball in the build context: %s' % in_context)


def check_galaxy_stage(context, installed, namespace, name, version, env):
    """Install as the Containerfile's galaxy stage does: ansible-galaxy -r requirements.yml from /build (_build)."""
    run('galaxy stage', [tool('ansible-galaxy'), 'collection', 'install', '-r', 'requirements.yml',
                         '--collections-path', installed], env, context / '_build')
    manifest = load_yaml(installed / 'ansible_collections' / namespace / name / 'MANIFEST.json')
    found = str(manifest['collection_info']['version'])
    if found != version:
        raise CheckError('the build context installs %s.%s %s, not %s of galaxy.yml.' % (namespace, name, found, version))
    say('the context installs %s.%s %s' % (namespace, name, version))


def check_python_requirements(context, installed, env):
    """Run the builder stage's introspection on the installed collections; `requests` must be among them."""
    pip_file = installed.parent / 'introspected-requirements.txt'
    run('builder stage introspection', [sys.executable, context / '_build' / 'scripts' / 'introspect.py', 'introspect',
                                        '--write-pip', pip_file, installed], env, context)
    names = [re.split(r'[<>=!~;\[\s#]', line.strip(), 1)[0].lower()
             for line in pip_file.read_text().splitlines() if line.strip() and not line.startswith('#')]
    if PYTHON_REQUIREMENT not in names:
        raise CheckError('the image would get no %s: the builder found only %s; check meta/execution-environment.yml '
                         'and requirements.txt.' % (PYTHON_REQUIREMENT, names or 'nothing'))
    say('Python requirements of the image: %s' % ', '.join(names))


def check_galaxy_variant(namespace, name, version):
    """The after-publication variant names the same base image and this version."""
    variant = load_yaml(EE_DIR / 'execution-environment-galaxy.yml')
    if ((variant.get('images') or {}).get('base_image') or {}).get('name') != BASE_IMAGE:
        raise CheckError('docs/ee/execution-environment-galaxy.yml does not use the pinned %s.' % BASE_IMAGE)
    wanted = [c for c in (load_yaml(EE_DIR / GALAXY_REQUIREMENTS) or {}).get('collections', [])
              if c.get('name') == '%s.%s' % (namespace, name)]
    if not wanted or str(wanted[0].get('version')) != version:
        raise CheckError('docs/ee/%s must name %s.%s version %s (galaxy.yml).'
                         % (GALAXY_REQUIREMENTS, namespace, name, version))
    say('Galaxy variant: same base image, %s.%s %s' % (namespace, name, version))


def check(args):
    namespace, name, version = collection_identity()
    work = args.work_dir.resolve()
    if work.exists():
        shutil.rmtree(work)
    ee_work = work / 'ee'
    installed = work / 'installed'
    ee_work.mkdir(parents=True)
    env = tool_env(installed)

    definition = load_yaml(EE_DIR / DEFINITION)
    check_base_image(definition)
    for file_name in (DEFINITION, 'requirements.yml'):
        shutil.copy2(str(EE_DIR / file_name), str(ee_work / file_name))
    tarball_name, tarball_dest = tarball_build_file(definition)
    tarball = build_tarball(ee_work, namespace, name, version, tarball_name, env)
    run('ansible-builder create', [tool('ansible-builder'), 'create', '--file', DEFINITION, '--context', 'context',
                                   '--output-filename', 'Containerfile'], env, ee_work)
    context = ee_work / 'context'
    check_context(context, tarball, tarball_dest)
    check_galaxy_stage(context, installed, namespace, name, version, env)
    check_python_requirements(context, installed, env)
    check_galaxy_variant(namespace, name, version)
    say('OK: %s builds the execution environment from the local tarball (context: %s)' % (DEFINITION, context))


def main():
    args = parse_args()
    try:
        check(args)
    except CheckError as exc:
        print('ee_check: FAILED: %s' % exc, file=sys.stderr)
        return 1
    return 0


if __name__ == '__main__':
    sys.exit(main())
