# -*- coding: utf-8 -*-
# Copyright (c) onlyoffice.docspace contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Two runs update the same key at once: two ansible-playbook processes, or one ansible-playbook with two forks.

The first PUT the portal gets is held 1.5 s, so without the module's lock the other run reads the old key meanwhile.
"""

from __future__ import annotations

import pytest

import reliability_playbooks as playbooks  # pylint: disable=import-error


@pytest.mark.parametrize('way', playbooks.WAYS)
@pytest.mark.parametrize('race', sorted(playbooks.RACES))
def test_two_playbooks_update_one_key(session_bench, tmp_path, race, way):
    """The portal ends in one of the two wanted states; each run reports what it asked for, changed only if it sent a PUT.

    name-and-state is the hard case: B's state already matches the key as it starts, so B sends only the name. Had B
    read the key before A's PUT landed, the portal would end with B's name and A's state, neither wanted state.
    """
    run = playbooks.concurrent_updates(session_bench, str(tmp_path), race, way)
    assert not run['problems'], (run['problems'], run['summary'])
    assert run['final'] in run['wanted'].values() and not run['mixed'], run['summary']
