"""Test sessions of the onlyoffice.docspace collection (run them with scripts/test.sh or nox).

The ansible-test matrix comes from antsibull-nox.toml ([docspace.ansible_core]); antsibull-nox
adds its docs-check session from the same file.  Every session tests its own copy of the
collection, .cache/build/SESSION/ansible_collections/onlyoffice/docspace (what git would
commit: tracked and new, not-ignored files), so nothing is written into the work tree.

antsibull-nox's own ansible-test sessions are not used: they pass --docker (no Docker here),
choose the session's Python from a range (the matrix pins one Python per ansible-core) and
cannot install the pinned test requirements; the sessions below run ansible-test on the
session's own Python instead (ansible-test's default, origin host).

Test commands run in a hostile environment (proxies to a dead port, a netrc with a default
entry, the CA bundle variables set): see hostile_env().  DOCSPACE_TEST_HOSTILE_ENV=0 turns it off.
"""

from __future__ import annotations

import contextlib
import heapq
import json
import os
import re
import shutil
import ssl
import subprocess
import sys
import time
from pathlib import Path

import antsibull_nox
import nox

try:
    import tomllib
except ImportError:  # Python < 3.11
    import tomli as tomllib

ROOT = Path(__file__).resolve().parent
CACHE = ROOT / '.cache'
COLLECTION = ('onlyoffice', 'docspace')
CONFIG = tomllib.loads((ROOT / 'antsibull-nox.toml').read_text(encoding='utf-8'))['docspace']
MATRIX = CONFIG['ansible_core']  # {"2.16": {"pin": "2.16.19", "python": "3.10"}, ...}
CORES = sorted(MATRIX, key=lambda version: tuple(int(part) for part in version.split('.')))
NEWEST_CORE = CORES[-1]
SUITES_CORE = CORES[0]  # emulator and reliability pytest run on the oldest ansible-core
TOOLS_PYTHON = CONFIG['tools_python']
TEST_REQUIREMENTS = ['-r', 'tests/requirements-test.txt', '-r', 'tests/emulator/requirements.txt']
TOOLS_CONSTRAINTS = ['-c', 'tests/requirements-tools.txt']
EMULATOR = 'tests/emulator/docspace_emulator.py'
PIP_CACHE = os.environ.get('PIP_CACHE_DIR') or str(Path.home() / '.cache' / 'pip')
HOSTILE_NETRC = 'default login gituser password ghp_0000000000hostile0netrc0entry000000\n'
DEAD_PROXY = 'http://127.0.0.1:9'
LOOPBACK = 'localhost,127.0.0.1,::1'

nox.options.default_venv_backend = 'virtualenv'
nox.options.error_on_missing_interpreters = True
antsibull_nox.load_antsibull_nox_toml()


# ---------------------------------------------------------------- interpreters

def pyenv_root() -> Path:
    """pyenv's root (where pyenv itself may not be on PATH)."""
    try:
        return Path(subprocess.run(['pyenv', 'root'], capture_output=True, text=True, check=True).stdout.strip())
    except (OSError, subprocess.CalledProcessError):
        return Path(os.environ.get('PYENV_ROOT') or Path.home() / '.pyenv')


def expose_pythons() -> None:
    """Put pythonX.Y of every pyenv build first on PATH (pyenv's shims fail for all but the global version).

    Only pythonX.Y links go into .cache/pythons, so python and python3 stay what they were.
    """
    links = CACHE / 'pythons'
    links.mkdir(parents=True, exist_ok=True)
    for interpreter in sorted(pyenv_root().glob('versions/3.*/bin/python3.*')):
        if not re.fullmatch(r'python3\.\d+', interpreter.name):
            continue
        link = links / interpreter.name
        if not link.exists() or link.resolve() != interpreter.resolve():
            link.unlink(missing_ok=True)
            link.symlink_to(interpreter)
    path = os.environ.get('PATH', '').split(os.pathsep)
    if str(links) not in path:
        os.environ['PATH'] = os.pathsep.join([str(links), *path])


expose_pythons()


# ---------------------------------------------------------------- environment of the test commands

def ca_bundle() -> str:
    """The machine's CA bundle variable when set, else the system bundle."""
    for name in ('REQUESTS_CA_BUNDLE', 'CURL_CA_BUNDLE', 'SSL_CERT_FILE'):
        if os.environ.get(name):
            return os.environ[name]
    return ssl.get_default_verify_paths().cafile or '/etc/ssl/certs/ca-certificates.crt'


def hostile_netrc() -> Path:
    """A netrc whose default entry would hand a credential to any host (issue 11)."""
    path = CACHE / 'hostile' / 'netrc'
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(HOSTILE_NETRC, encoding='utf-8')
    path.chmod(0o600)
    return path


def hostile_env() -> dict[str, str]:
    """Variables of a user's machine that the tests must live with, not a scrubbed environment.

    Only for test commands: pip installs run without them (the registries must stay reachable).
    """
    if os.environ.get('DOCSPACE_TEST_HOSTILE_ENV', '1') == '0':
        return {}
    bundle = ca_bundle()
    env = {
        'REQUESTS_CA_BUNDLE': os.environ.get('REQUESTS_CA_BUNDLE') or bundle,
        'CURL_CA_BUNDLE': os.environ.get('CURL_CA_BUNDLE') or bundle,
        'NETRC': str(hostile_netrc()),
    }
    for name in ('HTTP_PROXY', 'HTTPS_PROXY', 'http_proxy', 'https_proxy'):
        env[name] = DEAD_PROXY
    for name in ('NO_PROXY', 'no_proxy'):
        env[name] = LOOPBACK
    return env


def registry_hosts() -> str:
    """Hosts of the package index, for commands that install while they test (ansible-test sanity)."""
    return 'pypi.org,files.pythonhosted.org'


def run_logged(session: nox.Session, *args: str, env: dict[str, str] | None = None,
               cwd: Path | str | None = None, success_codes: tuple[int, ...] = (0,),
               hide: str | None = None) -> str:
    """Run a command of the session's venv, show its output (but lines matching hide) as it comes, return it."""
    full_env = dict(os.environ)
    full_env['PATH'] = os.pathsep.join([session.bin, full_env.get('PATH', '')])
    full_env['VIRTUAL_ENV'] = session.virtualenv.location
    full_env.pop('PYTHONHOME', None)
    full_env.update(env or {})
    session.log(' '.join(str(arg) for arg in args) + (' (in %s)' % cwd if cwd else ''))
    process = subprocess.Popen([str(arg) for arg in args], env=full_env, cwd=cwd, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True, errors='replace')
    lines = []
    assert process.stdout is not None
    for line in process.stdout:
        if hide is None or not re.match(hide, line):
            sys.stdout.write(line)
        sys.stdout.flush()
        lines.append(line)
    status = process.wait()
    if status not in success_codes:
        session.error('%s exited with %d' % (args[0], status))
    return ''.join(lines)


# ---------------------------------------------------------------- the collection under test

def collection_copy(session: nox.Session) -> Path:
    """A fresh copy of the collection for this session, in an ansible_collections tree with its own git.

    ansible-test lists a collection's files with git when a .git is above it, so the copy gets one.
    """
    root = CACHE / 'build' / session.name
    shutil.rmtree(root, ignore_errors=True)
    dest = root.joinpath('ansible_collections', *COLLECTION)
    listing = subprocess.run(['git', 'ls-files', '-z', '--cached', '--others', '--exclude-standard'],
                             cwd=ROOT, capture_output=True, check=True).stdout.decode('utf-8')
    for name in filter(None, listing.split('\0')):
        source = ROOT / name
        if not (source.exists() or source.is_symlink()):
            continue  # tracked, deleted in the work tree
        target = dest / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, target, follow_symlinks=False)
    subprocess.run(['git', 'init', '--quiet', str(dest)], check=True)
    require_no_ignore_lists(session, dest)
    return dest


def collections_root(collection: Path) -> Path:
    """The directory to put on ANSIBLE_COLLECTIONS_PATH for a collection copy."""
    return collection.parents[2]


def require_no_ignore_lists(session: nox.Session, collection: Path) -> None:
    """The collection is tested with no ignore or skip list of any tool."""
    problems = [str(path.relative_to(collection)) + ': ignore file not allowed'
                for pattern in ('tests/sanity/ignore-*.txt', '**/.ansible-lint-ignore')
                for path in collection.glob(pattern)]
    for name in ('.ansible-lint', '.config/ansible-lint.yml', '.config/ansible-lint.yaml'):
        path = collection / name
        if path.is_file() and re.search(r'^\s*(skip_list|warn_list|exclude_paths|mock_modules|mock_roles)\s*:',
                                        path.read_text(encoding='utf-8'), re.MULTILINE):
            problems.append(name + ': no skip_list, warn_list, exclude_paths or mocks allowed')
    for path in [*collection.rglob('*.yml'), *collection.rglob('*.yaml')]:
        if '.git' in path.parts:
            continue
        for number, line in enumerate(path.read_text(encoding='utf-8').splitlines(), 1):
            if re.search(r'#\s*noqa', line):
                problems.append('%s:%d: # noqa comments (ansible-lint skips) are not allowed'
                                % (path.relative_to(collection), number))
    if problems:
        session.error('\n'.join(problems))


def has_tests(collection: Path, directory: str) -> bool:
    return any((collection / directory).rglob('test_*.py'))


def require_pytest_passes(session: nox.Session, output: str) -> None:
    """Fail when tests existed but pytest reported none passed."""
    if not re.search(r'\b[1-9][0-9]* passed', output):
        session.error('tests exist but pytest reported none passed')


# ---------------------------------------------------------------- ansible-test

GET_PIP_VERSIONS = r'''
import os, re, ansible_test
source = os.path.join(os.path.dirname(ansible_test.__file__), "_internal", "python_requirements.py")
body = open(source, encoding="utf-8").read().split("def get_venv_packages", 1)[1].split("\ndef ", 1)[0]
print(" ".join(sorted(set(re.findall(r"""pip\s*=\s*['"]([0-9][0-9.]*)['"]""", body)))))
'''

MODULE_PYTHONS = r'''
import sys, yaml
from ansible_test._util.target.common.constants import CONTROLLER_PYTHON_VERSIONS, REMOTE_ONLY_PYTHON_VERSIONS
from packaging.specifiers import SpecifierSet
config = yaml.safe_load(open(sys.argv[1], encoding="utf-8")) or {}
requires = str((config.get("modules") or {}).get("python_requires") or "default")
versions = list(CONTROLLER_PYTHON_VERSIONS)
if requires != "controller":
    versions = list(REMOTE_ONLY_PYTHON_VERSIONS) + versions
    if requires != "default":
        versions = [version for version in versions if version in SpecifierSet(requires)]
print(" ".join(versions))
'''


def ansible_test_home(session: nox.Session) -> Path:
    """A HOME of the session's own for ansible-test (its sanity venvs, caches, ~/.ansible/tmp).

    It holds the offline get-pip stand-in where ansible-test looks for its cached get-pip.py
    (the download host is unreachable) and, in the hostile environment, a ~/.netrc.
    """
    home = CACHE / 'home' / session.name
    shutil.rmtree(home, ignore_errors=True)
    cache = home / '.ansible' / 'test' / 'cache'
    cache.mkdir(parents=True)
    versions = session.run('python', '-c', GET_PIP_VERSIONS, silent=True).split()
    if not versions:
        session.error("could not find the pip version ansible-test bootstraps")
    for version in versions:
        shutil.copy(ROOT / 'scripts' / 'ansible_test_get_pip.py', cache / ('get_pip_%s.py' % version.replace('.', '_')))
    session.log('get-pip stand-in installed for pip %s' % ', '.join(versions))
    if hostile_env():
        shutil.copy(hostile_netrc(), home / '.netrc')
    return home


def ansible_test_env(session: nox.Session) -> dict[str, str]:
    return {'HOME': str(ansible_test_home(session)), 'PIP_CACHE_DIR': PIP_CACHE,
            'PYENV_ROOT': str(pyenv_root()), **hostile_env()}


def install_core(session: nox.Session, core: str, *args: str) -> None:
    session.install('ansible-core==%s' % MATRIX[core]['pin'], *args)
    session.run('python', '-c', 'import sys, ansible.release; print("ansible-core %s, Python %s"'
                ' % (ansible.release.__version__, sys.version.split()[0]))')


def ensure_shellcheck(session: nox.Session) -> None:
    """The shellcheck sanity test needs the shellcheck binary (a Debian package when root)."""
    if shutil.which('shellcheck'):
        return
    if os.geteuid() == 0 and shutil.which('apt-get'):
        session.log('installing shellcheck (Debian package)')
        subprocess.run(['apt-get', 'update', '-qq'], check=True)
        subprocess.run(['apt-get', 'install', '-y', '-qq', 'shellcheck'], check=True,
                       env={**os.environ, 'DEBIAN_FRONTEND': 'noninteractive'})
        return
    session.error('shellcheck is missing (install it: apt-get install shellcheck); the sanity test needs it')


def require_no_skipped_sanity_tests(session: nox.Session, output: str) -> None:
    """Fail when ansible-test skipped a sanity test for a missing tool or Python."""
    skipped = re.findall(r'^.*(?:Skipping sanity test|Required program .* not found).*$', output, re.MULTILINE)
    if skipped:
        session.error('some sanity tests did not run:\n' + '\n'.join(skipped))


def sanity_env(session: nox.Session) -> dict[str, str]:
    """ansible-test sanity installs its test venvs while it tests: let pip reach the registry."""
    env = ansible_test_env(session)
    for name in ('NO_PROXY', 'no_proxy'):
        if name in env:
            env[name] += ',' + registry_hosts()
    return env


def check_module_docs(session: nox.Session, collection: Path, *args: str, env: dict[str, str]) -> None:
    run_logged(session, 'python', ROOT / 'scripts' / 'check_module_docs.py', collection, *args,
               env={**env, 'ANSIBLE_COLLECTIONS_PATH': str(collections_root(collection))})


def units(session: nox.Session, core: str) -> None:
    collection = collection_copy(session)
    if not has_tests(collection, 'tests/unit'):
        session.skip('no tests/unit/**/test_*.py')
    install_core(session, core, *TEST_REQUIREMENTS)
    output = run_logged(session, 'ansible-test', 'units', '--color', 'no', '--python', MATRIX[core]['python'],
                        *session.posargs, env=ansible_test_env(session), cwd=collection)
    require_pytest_passes(session, output)


def sanity(session: nox.Session, core: str) -> None:
    collection = collection_copy(session)
    ensure_shellcheck(session)
    install_core(session, core, *TEST_REQUIREMENTS)
    env = sanity_env(session)
    output = run_logged(session, 'ansible-test', 'sanity', '--color', 'no', '--python', MATRIX[core]['python'],
                        *session.posargs, env=env, cwd=collection)
    require_no_skipped_sanity_tests(session, output)
    session.log('ansible-doc and EXAMPLES (ansible-core %s)' % core)
    check_module_docs(session, collection, env=env)


def sanity_pythons(session: nox.Session, core: str) -> None:
    """compile and import on every other Python the collection supports for modules."""
    collection = collection_copy(session)
    install_core(session, core, *TEST_REQUIREMENTS)
    own = MATRIX[core]['python']
    supported = session.run('python', '-c', MODULE_PYTHONS, collection / 'tests' / 'config.yml', silent=True).split()
    versions = []
    for version in supported:
        if version == own:
            continue
        if not shutil.which('python' + version):
            session.warn('Python %s (supported by ansible-core %s) is not installed here: not tested' % (version, core))
            continue
        versions.append(version)
    if not versions:
        session.error('no other Python supported by ansible-core %s is installed' % core)
    session.log('compile and import sanity tests on Python %s (full sanity: session sanity-%s)'
                % (' '.join(versions), core))
    env = sanity_env(session)
    for version in versions:
        output = run_logged(session, 'ansible-test', 'sanity', '--color', 'no', '--test', 'compile',
                            '--test', 'import', '--python', version, env=env, cwd=collection)
        require_no_skipped_sanity_tests(session, output)


@contextlib.contextmanager
def docspace_server(session: nox.Session, work: Path, script: Path):
    """Yield write_integration_config.py's arguments: the emulator's ready file, or none for a real DocSpace.

    The emulator is started from the session's copy of the collection and stopped afterwards.
    """
    if os.environ.get('DOCSPACE_URL') and os.environ.get('DOCSPACE_API_KEY'):
        session.log('integration against the real DocSpace at %s' % os.environ['DOCSPACE_URL'])
        yield []
        return
    work.mkdir(parents=True, exist_ok=True)
    ready = work / 'emulator-ready.json'
    ready.unlink(missing_ok=True)
    log_path = work / 'emulator.log'
    with open(log_path, 'w', encoding='utf-8') as log:
        process = subprocess.Popen([str(Path(session.bin) / 'python'), str(script),
                                    '--port', '0', '--ready-file', str(ready)], stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        while not (ready.exists() and ready.stat().st_size):
            if process.poll() is not None or time.monotonic() > deadline:
                sys.stdout.write(log_path.read_text(encoding='utf-8', errors='replace'))
                session.error('the emulator exited or was not ready after 60s')
            time.sleep(0.2)
        session.log('emulator running (pid %d) at %s' % (process.pid, json.loads(ready.read_text())['url']))
        yield ['--emulator-ready-file', str(ready)]
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def run_integration(session: nox.Session, core: str, collection: Path, source: Path) -> None:
    """ansible-test integration in a collection directory, against the emulator of source (a collection copy)."""
    work = CACHE / 'work' / session.name / 'emulator'
    shutil.rmtree(work, ignore_errors=True)
    env = ansible_test_env(session)
    with docspace_server(session, work, source / EMULATOR) as server_args:
        session.run('python', ROOT / 'scripts' / 'write_integration_config.py',
                    collection / 'tests' / 'integration' / 'integration_config.yml', *server_args)
        run_logged(session, 'ansible-test', 'integration', '--color', 'no', '--python', MATRIX[core]['python'],
                   *session.posargs, env=env, cwd=collection)


def integration(session: nox.Session, core: str) -> None:
    collection = collection_copy(session)
    if not any((collection / 'tests' / 'integration' / 'targets').glob('*/')):
        session.skip('no tests/integration/targets/*')
    install_core(session, core, *TEST_REQUIREMENTS)
    run_integration(session, core, collection, collection)


# ---------------------------------------------------------------- sessions
# tags: the kind of session (units, integration, sanity, tools, suites) and core-X.Y; ci-1 and
# ci-2 split the default sessions into two halves of about equal length, which scripts/test.sh
# runs side by side.

MINUTES = {'units': 1, 'integration': 3, 'sanity': 5, 'sanity-pythons': 2, 'lint': 1, 'docs': 2, 'docs-check': 1,
           'changelog': 1, 'build-import-check': 6, 'emulator': 1, 'reliability': 2, 'benchmark': 2,
           'docsite': 2, 'ee': 2}
SESSIONS = [(kind, core) for core in CORES for kind in ('units', 'integration', 'sanity')]
SESSIONS.append(('sanity-pythons', NEWEST_CORE))
SESSIONS += [(name, None) for name in ('lint', 'docs', 'docs-check', 'changelog', 'build-import-check', 'emulator',
                                       'reliability', 'benchmark', 'docsite', 'ee')]


def ci_halves() -> dict[str, str]:
    """Session name -> ci-1 or ci-2: longest first onto the half with less work."""
    halves = [(0, 'ci-1'), (0, 'ci-2')]
    assignment = {}
    for kind, core in sorted(SESSIONS, key=lambda item: -MINUTES[item[0]]):
        name = kind if core is None else '%s-%s' % (kind, core)
        load, half = heapq.heappop(halves)
        assignment[name] = half
        heapq.heappush(halves, (load + MINUTES[kind], half))
    return assignment


CI_HALF = ci_halves()


def matrix_session(kind: str, core: str, function) -> None:
    name = '%s-%s' % (kind, core)

    def session(session: nox.Session) -> None:
        function(session, core)

    session.__doc__ = '%s: ansible-core %s on Python %s' % (function.__doc__, core, MATRIX[core]['python'])
    session.__name__ = name
    nox.session(name=name, python=MATRIX[core]['python'],
                tags=[kind.split('-')[0], 'core-%s' % core, CI_HALF[name]])(session)


units.__doc__ = 'ansible-test units'
integration.__doc__ = 'ansible-test integration against the DocSpace emulator (or DOCSPACE_URL)'
sanity.__doc__ = 'ansible-test sanity (every test) and the module docs checks'
sanity_pythons.__doc__ = 'ansible-test sanity compile and import on the other module Pythons'
for _core in CORES:
    matrix_session('units', _core, units)
    matrix_session('integration', _core, integration)
    matrix_session('sanity', _core, sanity)
matrix_session('sanity-pythons', NEWEST_CORE, sanity_pythons)


def tool_session(name: str, tags: tuple[str, ...] = ('tools',), python: str = TOOLS_PYTHON, **kwargs):
    extra = [CI_HALF[name]] if name in CI_HALF else []
    return nox.session(name=name, python=python, tags=[*tags, *extra], **kwargs)


# docs-check comes from antsibull-nox.toml; give it its half too
for _registered in nox.registry.get().values():
    if getattr(_registered, 'name', None) == 'docs-check' or getattr(_registered, '__name__', '') == 'docs_check':
        _registered.tags = [*getattr(_registered, 'tags', []), 'tools', CI_HALF['docs-check']]


@tool_session('lint')
def lint(session: nox.Session) -> None:
    """ansible-lint, production profile, over every playbook and task file; no YAML left out."""
    collection = collection_copy(session)
    session.install(*TOOLS_CONSTRAINTS, 'ansible-core', 'ansible-lint')
    # -vv lists what it examined (checked below); only the verdict is shown
    env = {**hostile_env(), 'ANSIBLE_COLLECTIONS_PATH': str(collections_root(collection))}
    output = run_logged(session, 'ansible-lint', '--offline', '--profile', 'production', '--strict', '--nocolor',
                        '-vv', env=env, cwd=collection, hide=r'(DEBUG|INFO) ')
    missing = []
    for path in [*collection.rglob('*.yml'), *collection.rglob('*.yaml')]:
        relative = path.relative_to(collection).as_posix()
        if relative.startswith(('.git/', 'tests/output/', '.ansible/')):
            continue
        wanted = 'Examining %s of type playbook' % relative if relative.startswith('examples/') else \
            'Examining %s of type' % relative
        if wanted not in output:
            missing.append(relative)
    if missing:
        session.error('ansible-lint did not lint (as a playbook, for examples/): ' + ', '.join(sorted(missing)))
    session.log('ansible-lint examined every YAML file (%d playbooks)' % output.count(' of type playbook'))


@tool_session('docs')
def docs(session: nox.Session) -> None:
    """antsibull-docs lint-collection-docs, ansible-doc of every module, ansible-lint over its EXAMPLES."""
    collection = collection_copy(session)
    session.install(*TOOLS_CONSTRAINTS, 'ansible-core', 'antsibull-docs', 'ansible-lint')
    env = hostile_env()
    run_logged(session, 'antsibull-docs', 'lint-collection-docs', '--plugin-docs', '--check-extra-docs-refs',
               '--validate-collection-refs', 'all', collection, env=env, cwd=collection)
    examples = CACHE / 'work' / session.name / 'examples.yml'
    shutil.rmtree(examples.parent, ignore_errors=True)
    examples.parent.mkdir(parents=True)
    check_module_docs(session, collection, '--playbook', str(examples), env=env)
    session.log("ansible-lint (production) over the modules' EXAMPLES")
    run_logged(session, 'ansible-lint', '--offline', '--profile', 'production', '--strict', '--nocolor',
               examples.name, cwd=examples.parent,
               env={**env, 'ANSIBLE_COLLECTIONS_PATH': str(collections_root(collection))})


@tool_session('changelog')
def changelog(session: nox.Session) -> None:
    """antsibull-changelog lint (fragments) and lint-changelog-yaml."""
    collection = collection_copy(session)
    session.install(*TOOLS_CONSTRAINTS, 'antsibull-changelog')
    run_logged(session, 'antsibull-changelog', 'lint', env=hostile_env(), cwd=collection)
    run_logged(session, 'antsibull-changelog', 'lint-changelog-yaml', 'changelogs/changelog.yaml',
               env=hostile_env(), cwd=collection)


@tool_session('build-import-check')
def build_import_check(session: nox.Session) -> None:
    """Build the tarball, galaxy-importer (fatal warnings), install it, integration from the installed copy."""
    collection = collection_copy(session)
    session.install(*TOOLS_CONSTRAINTS, 'ansible-core', 'galaxy-importer', *TEST_REQUIREMENTS)
    work = CACHE / 'work' / session.name
    shutil.rmtree(work, ignore_errors=True)
    (work / 'importer').mkdir(parents=True)
    session.run('ansible-galaxy', 'collection', 'build', '--output-path', str(work), str(collection))
    tarball = next(work.glob('*.tar.gz'))
    env = hostile_env()
    output = run_logged(session, 'python', '-m', 'galaxy_importer.main', tarball, cwd=work / 'importer',
                        env={**env, 'GALAXY_IMPORTER_CONFIG': str(ROOT / '.ci' / 'galaxy-importer.cfg')})
    problems = re.findall(r'^(?:WARNING|ERROR|CRITICAL)\b.*$', output, re.MULTILINE)
    if problems:
        session.error('galaxy-importer reported:\n' + '\n'.join(problems))
    if 'Importer processing completed successfully' not in output:
        session.error('galaxy-importer did not complete')
    installed = work / 'installed'
    session.run('ansible-galaxy', 'collection', 'install', '--offline', '-p', str(installed), str(tarball))
    installed_collection = installed.joinpath('ansible_collections', *COLLECTION)
    if not (installed_collection / 'MANIFEST.json').is_file():
        session.error('the collection was not installed into %s' % installed_collection)
    if not (installed_collection / 'tests' / 'integration' / 'targets').is_dir():
        session.error('the tarball has no tests/integration/targets')
    # inside this git work tree (where .cache/ is ignored) ansible-test would list no file of it
    subprocess.run(['git', 'init', '--quiet', str(installed_collection)], check=True)
    session.log('ansible-test integration in the installed collection %s' % installed_collection)
    run_integration(session, '2.19' if '2.19' in MATRIX else NEWEST_CORE, installed_collection, collection)


def pytest_suite(session: nox.Session, directory: str) -> None:
    collection = collection_copy(session)
    if not has_tests(collection, directory):
        session.skip('no %s/**/test_*.py' % directory)
    install_core(session, SUITES_CORE, *TEST_REQUIREMENTS)
    output = run_logged(session, 'python', '-m', 'pytest', '-p', 'no:cacheprovider', directory, '-q',
                        *session.posargs, cwd=collection,
                        env={**hostile_env(), 'PYTHONDONTWRITEBYTECODE': '1'})
    require_pytest_passes(session, output)


@tool_session('emulator', tags=('suites',), python=MATRIX[SUITES_CORE]['python'])
def emulator(session: nox.Session) -> None:
    """pytest tests/emulator (emulator tests, SDK conformance)."""
    pytest_suite(session, 'tests/emulator')


@tool_session('reliability', tags=('suites',), python=MATRIX[SUITES_CORE]['python'])
def reliability(session: nox.Session) -> None:
    """pytest tests/reliability."""
    pytest_suite(session, 'tests/reliability')


@tool_session('benchmark', tags=('suites',))
def benchmark(session: nox.Session) -> None:
    """tests/benchmarks/bench.py --quick (proves the benchmark works); other options after --, e.g. -- --reps 5."""
    session.install(*TOOLS_CONSTRAINTS, 'ansible-core', '-r', 'tests/benchmarks/requirements.txt')
    run_logged(session, 'python', 'tests/benchmarks/bench.py', *(session.posargs or ['--quick']), cwd=ROOT,
               env=hostile_env())


def contributed_tool(session: nox.Session, script: str, requirements: str, **kwargs) -> None:
    """Run a check script of tests/tools/ (skipped while it is not present in this branch)."""
    if not (ROOT / script).is_file():
        session.skip('%s not present' % script)
    if (ROOT / requirements).is_file():
        session.install('-r', requirements)
    run_logged(session, 'python', script, *session.posargs, cwd=ROOT, env=hostile_env(), **kwargs)


@tool_session('docsite')
def docsite(session: nox.Session) -> None:
    """The collection docsite: antsibull-docs + Sphinx build, warnings fatal (tests/tools/docsite.py)."""
    contributed_tool(session, 'tests/tools/docsite.py', 'tests/requirements-docsite.txt')


@tool_session('ee')
def ee(session: nox.Session) -> None:
    """ansible-builder create from the local tarball (tests/tools/ee_check.py)."""
    contributed_tool(session, 'tests/tools/ee_check.py', 'tests/requirements-ee.txt')


@tool_session('mutation', default=False)
def mutation(session: nox.Session) -> None:
    """Mutation score per file (tests/tools/mutation.py); not pass/fail, not in the default run."""
    contributed_tool(session, 'tests/tools/mutation.py', 'tests/requirements-mutation.txt',
                     success_codes=tuple(range(256)))
