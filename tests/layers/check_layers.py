#!/usr/bin/env python3
"""The layers of src/ may only include the layers below them (docs/layers.md).

Reads every #include "..." of src/**/*.[ch] and fails, naming the file and
the line, when one reaches a layer that is not below its own.  The build
enforces the same by linking each layer's library only to the libraries
below it; this check also catches a header-only reach (a struct or an
inline function) that the linker cannot see.  Exit 0 when every include
is allowed, 1 otherwise.
"""
import os
import re
import sys

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))

# each layer and the layers it may include (besides itself and include/)
BELOW = {
    "wire": set(),
    "net": {"wire"},
    "cert": set(),
    "model": {"net", "cert", "wire"},
    "probe": {"model", "net", "cert", "wire"},
    "profile": {"model", "net", "cert", "wire"},
    "confgen": {"profile", "model", "net", "cert", "wire"},
    "assess": {"profile", "model", "net", "cert", "wire"},
    "report": {"assess", "profile", "model", "net", "cert", "wire"},
    "inventory": {"probe", "model", "net", "cert", "wire"},
    "store": {"report", "assess", "profile", "model", "net", "cert", "wire"},
    "api": {"confgen", "store", "inventory", "report", "assess", "profile", "probe", "model", "net", "cert", "wire"},
    "cli": set(),  # the public header only
}
INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"')


def main():
    bad = checked = 0
    src = os.path.join(ROOT, "src")
    for layer in sorted(os.listdir(src)):
        d = os.path.join(src, layer)
        if not os.path.isdir(d):
            continue
        if layer not in BELOW:
            print("FAIL src/%s: a directory that is no layer (add it to BELOW and docs/layers.md)"
                  % layer)
            bad += 1
            continue
        for name in sorted(os.listdir(d)):
            if not name.endswith((".c", ".h")):
                continue
            path = os.path.join(d, name)
            with open(path, encoding="utf-8", errors="replace") as f:
                for n, line in enumerate(f, 1):
                    m = INCLUDE.match(line)
                    if not m:
                        continue
                    checked += 1
                    inc = m.group(1)
                    if "/" not in inc:
                        ok = inc == "tlsaudit.h" or os.path.exists(os.path.join(d, inc))
                        to = "include" if inc == "tlsaudit.h" else layer
                    else:
                        to = inc.split("/", 1)[0]
                        ok = to == layer or to in BELOW[layer]
                        if layer == "cli":
                            ok = False
                    if not ok:
                        print("FAIL src/%s/%s:%d: %s includes \"%s\" (layer %s), which is not "
                              "below it" % (layer, name, n, layer, inc, to))
                        bad += 1
    print("layers: %d includes checked, %d reach up" % (checked, bad))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
