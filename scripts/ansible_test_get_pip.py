"""Offline stand-in for the get-pip.py script that ansible-test downloads.

ansible-test bootstraps pip into the empty virtual environments it creates
(sanity test environments, ``--venv``) by running a cached copy of
``https://ci-files.testing.ansible.com/ansible-test/get-pip-<version>.py``
from ``~/.ansible/test/cache/get_pip_<version>.py``.  That host cannot be
reached from this project's machines (see ansible/ansible#77304), so
``noxfile.py`` (``ansible_test_home``) copies this file to that cache path
instead, in the HOME it gives each ansible-test session.

ansible-test runs it (via its quiet_pip.py wrapper, with ``GET_PIP`` set) as::

    python get_pip_X_Y.py [pip options] pip==X.Y [setuptools==...] [--no-setuptools] [--no-wheel]

This script bootstraps pip with the interpreter's bundled ``ensurepip`` (no
download needed) and then installs the requested packages, usually a pinned
pip, from the package index configured for pip.  The get-pip-only flags
``--no-setuptools``/``--no-wheel`` are honoured by removing whatever
ensurepip brought along that was not asked for.
"""

from __future__ import annotations

import os
import subprocess
import sys

GET_PIP_ONLY_FLAGS = {
    '--no-setuptools': 'setuptools',
    '--no-wheel': 'wheel',
}


def run(*args: str, quiet: bool = False) -> None:
    """Run the current interpreter with the given arguments, exit on failure.

    With quiet, the output is shown only when the command fails.
    """
    command = [sys.executable, *args]
    env = dict(os.environ)
    env.pop('GET_PIP', None)  # ansible-test's marker for this script, not meant for pip itself
    output = subprocess.PIPE if quiet else None
    result = subprocess.run(command, env=env, stdout=output, stderr=subprocess.STDOUT if quiet else None, check=False)
    if result.returncode:
        if quiet:
            sys.stderr.write(result.stdout.decode('utf-8', 'replace'))
        sys.stderr.write('ansible_test_get_pip: command failed (%d): %s\n' % (result.returncode, ' '.join(command)))
        sys.exit(result.returncode)


def is_installed(name: str) -> bool:
    """Return True if the distribution is installed (True when that cannot be told)."""
    try:
        from importlib import metadata
    except ImportError:  # Python < 3.8
        return True
    try:
        metadata.version(name)
    except metadata.PackageNotFoundError:
        return False
    return True


def requirement_name(arg: str) -> str:
    """Return the lower-case project name of a requirement such as ``pip==24.2``."""
    for separator in ('==', '>=', '<=', '~=', '!=', '<', '>', '[', ';', ' '):
        arg = arg.split(separator, 1)[0]
    return arg.strip().lower().replace('_', '-')


def split_arguments(argv: list[str]) -> tuple[list[str], list[str], list[str]]:
    """Split get-pip arguments into pip options, requested packages and packages to leave out."""
    options: list[str] = []
    packages: list[str] = []
    excluded: list[str] = []
    for arg in argv:
        if arg in GET_PIP_ONLY_FLAGS:
            excluded.append(GET_PIP_ONLY_FLAGS[arg])
        elif arg.startswith('-'):
            options.append(arg)
        else:
            packages.append(arg)
    requested = {requirement_name(package) for package in packages}
    excluded = [name for name in excluded if name not in requested]
    return options, packages, excluded


def main() -> None:
    """Bootstrap pip offline, then install the requested packages."""
    options, packages, excluded = split_arguments(sys.argv[1:])
    run('-m', 'ensurepip', '--upgrade', '--default-pip', quiet=True)
    if packages:
        run('-m', 'pip', 'install', *options, *packages)
    # ensurepip of Python < 3.12 also installs setuptools; get-pip --no-setuptools would not have
    unwanted = [name for name in excluded if is_installed(name)]
    if unwanted:
        run('-m', 'pip', 'uninstall', '--yes', '--quiet', '--disable-pip-version-check', *unwanted)


if __name__ == '__main__':
    main()
