"""Write tests/integration/integration_config.yml for ansible-test integration.

ansible-test passes this file to every integration target as extra vars (it
filters the environment, so connection details travel this way).

    write_integration_config.py OUTPUT --emulator-ready-file READY_JSON
        point the targets at the DocSpace emulator, whose ready file holds
        {"url", "control_url", "users": {name: {"api_key", "id", "user_name", "password", ...}}}
    write_integration_config.py OUTPUT
        point the targets at the real DocSpace in $DOCSPACE_URL / $DOCSPACE_API_KEY
"""

from __future__ import annotations

import argparse
import json
import os
import sys

import yaml

USER_FIELDS = ('api_key', 'id', 'user_name', 'password')


def emulator_config(ready_file: str) -> dict:
    """Return the integration variables for the emulator described by its ready file."""
    with open(ready_file, encoding='utf-8') as handle:
        ready = json.load(handle)
    users = {
        name: {field: user.get(field) for field in USER_FIELDS}
        for name, user in ready['users'].items()
    }
    return {
        'docspace_url': ready['url'],
        'docspace_api_key': ready['users']['owner']['api_key'],
        'docspace_emulator': True,
        'docspace_control_url': ready['control_url'],
        'docspace_users': users,
    }


def real_server_config() -> dict:
    """Return the integration variables for the DocSpace named in the environment."""
    try:
        return {
            'docspace_url': os.environ['DOCSPACE_URL'],
            'docspace_api_key': os.environ['DOCSPACE_API_KEY'],
            'docspace_emulator': False,
        }
    except KeyError as error:
        sys.exit('write_integration_config: %s is not set' % error)


def main() -> None:
    """Parse the arguments and write the file."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('output')
    parser.add_argument('--emulator-ready-file')
    args = parser.parse_args()

    config = emulator_config(args.emulator_ready_file) if args.emulator_ready_file else real_server_config()
    os.makedirs(os.path.dirname(os.path.abspath(args.output)), exist_ok=True)
    with open(args.output, 'w', encoding='utf-8') as handle:
        handle.write('# written by scripts/write_integration_config.py\n')
        yaml.safe_dump(config, handle, default_flow_style=False, sort_keys=False)


if __name__ == '__main__':
    main()
