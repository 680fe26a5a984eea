#!/usr/bin/env python3
"""Run every tests/integration/test_*.py in turn (each is standalone) and
finish with one line 'integration: N passed, N failed' (N = test scripts).
Exit status 0 only if every script exited 0. Extra arguments select tests
by substring, e.g. `run_all.py nginx gnutls`."""

import glob
import os
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))


def main(argv):
    tests = sorted(glob.glob(os.path.join(HERE, "test_*.py")))
    if argv:
        tests = [t for t in tests if any(a in os.path.basename(t) for a in argv)]
    if not tests:
        print("no test selected")
        print("integration: 0 passed, 1 failed")
        return 1
    passed, failed = [], []
    for t in tests:
        name = os.path.basename(t)
        t0 = time.time()
        rc = subprocess.call([sys.executable, t], stdin=subprocess.DEVNULL)
        (passed if rc == 0 else failed).append(name)
        print("---- %s: %s (rc=%d, %.1fs)\n" % (name, "ok" if rc == 0 else "FAILED", rc,
                                                  time.time() - t0), flush=True)
    for f in failed:
        print("FAILED: " + f)
    print("integration: %d passed, %d failed" % (len(passed), len(failed)))
    return 0 if not failed else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
