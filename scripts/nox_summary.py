"""Print one line per nox session of scripts/test.sh's nox processes, then "N passed, M failed".

    nox_summary.py REPORT.json[:LOG] ...

REPORT is a nox --report file; LOG, that process's output, gives the sessions' durations
(its closing lines "* NAME: success, took 2 minutes").  Exit 1 when a session failed or a report is missing.
"""

from __future__ import annotations

import json
import re
import sys

DURATION = re.compile(r'^nox > \* (\S+): .*?, took (.+)$', re.M)


def main() -> int:
    passed = failed = 0
    print('\n==================== summary ====================')
    for argument in sys.argv[1:]:
        report, log = (argument.split(':', 1) + [''])[:2]
        durations = {}
        if log:
            try:
                with open(log, encoding='utf-8', errors='replace') as handle:
                    durations = dict(DURATION.findall(handle.read()))
            except OSError:
                pass
        try:
            with open(report, encoding='utf-8') as handle:
                sessions = json.load(handle)['sessions']
        except (OSError, ValueError, KeyError) as error:
            print('FAILED  %-28s (no report: %s)' % (report, error))
            failed += 1
            continue
        for session in sessions:
            result = session['result']
            if result == 'success':
                passed += 1
            elif result != 'skipped':
                failed += 1
            label = {'success': 'PASSED', 'skipped': 'SKIPPED'}.get(result, 'FAILED')
            print('%-8s %-28s %s' % (label, session['name'], durations.get(session['name'], '')))
    print('%d passed, %d failed' % (passed, failed))
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
