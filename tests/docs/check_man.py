#!/usr/bin/env python3
"""docs.man_pages: the man pages in docs/man/ match the binary's --help.

Fails (exit 1, one FAIL line per problem) when:
  * `tlsaudit --help` does not run, or a tool it needs (groff) is missing;
  * a command listed in the usage lines of `tlsaudit --help` has no page
    docs/man/tlsaudit-COMMAND.1, or docs/man/tlsaudit.1 is missing;
  * an option printed by `tlsaudit --help` (or by `tlsaudit COMMAND --help`
    when that prints something of its own) is not mentioned in the page of
    each command that takes it: the "options:" block belongs to every
    command whose usage line says [options]; the options written in a usage
    line (and its keywords, such as `show`) belong to that command, and
    those of the `tlsaudit --version` line to tlsaudit.1, with -h/--help;
  * a page mentions a --long-option that no --help output prints (a stale
    page);
  * a page does not render cleanly: `groff -man -ww -z` exits non-zero or
    prints anything;
  * a page's .TH does not name the version `tlsaudit --version` prints;
  * a page refers to a tlsaudit page (tlsaudit-X(1)) that does not exist.

Usage: check_man.py [--tlsaudit BIN] [--man-dir DIR]
(defaults: $TLSAUDIT or build/tlsaudit, and docs/man, from the source tree).
"""
import argparse
import os
import re
import shutil
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.dirname(os.path.dirname(HERE))
OPT_RE = re.compile(r"(?<![\w-])(--?[A-Za-z0-9][A-Za-z0-9-]*)")
LONG_RE = re.compile(r"(?<![\w-])(--[a-z0-9][a-z0-9-]*)")
METAVAR_RE = re.compile(r"^[A-Z][A-Z0-9_\[\]:,.]*$")

failures = 0
checks = 0


def check(name, ok, detail=""):
    global failures, checks
    checks += 1
    if ok:
        print("PASS %s" % name)
    else:
        failures += 1
        print("FAIL %s%s" % (name, (": " + detail) if detail else ""))
    return ok


def run(argv, **kw):
    return subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          universal_newlines=True, timeout=60, **kw)


def parse_help(text):
    """Return (commands, top_options, general_options) from a --help text.

    commands: {name: {"options": set, "words": set, "general": bool}}
    top_options: options of the usage lines without a command (--version)
    general_options: the options of the "options:" block
    """
    commands, top, general = {}, set(), set()
    lines = text.splitlines()
    i = 0
    in_usage = False
    while i < len(lines):
        line = lines[i]
        stripped = line.strip()
        if stripped.startswith("usage:"):
            in_usage = True
            stripped = stripped[len("usage:"):].strip()
        if in_usage:
            if not stripped:
                in_usage = False
            else:
                toks = stripped.split()
                if toks and toks[0] == "tlsaudit" and len(toks) > 1:
                    opts = set(OPT_RE.findall(stripped))
                    if toks[1].startswith("-"):
                        top |= opts
                    else:
                        c = commands.setdefault(toks[1], {"options": set(), "words": set(),
                                                          "general": False})
                        c["options"] |= opts
                        for w in toks[2:]:
                            if w == "[options]":
                                c["general"] = True
                            elif re.fullmatch(r"\[?[a-z][a-z0-9-]*\]?", w):
                                c["words"].add(w.strip("[]"))
        if stripped == "options:":
            for ol in lines[i + 1:]:
                if not ol.strip():
                    continue
                if not ol.lstrip().startswith("-"):
                    continue  # a continuation line of a description
                for tok in ol.split():
                    tok = tok.rstrip(",")
                    if tok.startswith("-"):
                        general.add(tok)
                    elif tok == "/" or METAVAR_RE.match(tok):
                        continue
                    else:
                        break
            break
        i += 1
    return commands, top, general


def render(page):
    """The page as plain text: no hyphenation, long lines, joined words."""
    r = run(["groff", "-man", "-Tascii", "-P-cbou", "-rLL=250n", "-rHY=0", page])
    text = re.sub(r"-\n\s+", "-", r.stdout)
    return re.sub(r"\s+", " ", text), r


def mentioned(text, word):
    return re.search(r"(?<![\w-])" + re.escape(word) + r"(?![\w-])", text) is not None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--tlsaudit", default=os.environ.get("TLSAUDIT",
                                                         os.path.join(SRC, "build", "tlsaudit")))
    ap.add_argument("--man-dir", default=os.path.join(SRC, "docs", "man"))
    a = ap.parse_args()

    if not check("groff is installed (Debian: groff-base)", shutil.which("groff") is not None):
        return 1
    r = run([a.tlsaudit, "--help"])
    if not check("%s --help exits 0" % a.tlsaudit, r.returncode == 0 and r.stdout,
                 "exit %s, stderr %r" % (r.returncode, r.stderr[:200])):
        return 1
    help_text = r.stdout
    commands, top, general = parse_help(help_text)
    check("--help lists commands", bool(commands), "no 'usage: tlsaudit COMMAND' line")
    check("--help lists options", bool(general), "no 'options:' block")
    all_help = help_text
    rv = run([a.tlsaudit, "--version"])
    version = rv.stdout.split()[-1] if rv.returncode == 0 and rv.stdout.split() else None
    check("tlsaudit --version prints a version", version is not None, repr(rv.stdout))

    # Per-command help, when a command has help of its own.
    for name, c in commands.items():
        rc = run([a.tlsaudit, name, "--help"])
        if rc.returncode == 0 and rc.stdout and rc.stdout != help_text:
            all_help += "\n" + rc.stdout
            sub_cmds, sub_top, sub_general = parse_help(rc.stdout)
            c["options"] |= sub_general | sub_top
            for sc in sub_cmds.values():
                if sc is not None:
                    c["options"] |= sc["options"]

    # Which page must mention what.
    want = {"tlsaudit.1": set(top) | {"-h", "--help"}}
    for name, c in sorted(commands.items()):
        page = "tlsaudit-%s.1" % name
        need = set(c["options"]) | set(c["words"])
        if c["general"]:
            need |= general
        want.setdefault(page, set()).update(need)
    known_long = set(LONG_RE.findall(all_help))

    pages = sorted(f for f in os.listdir(a.man_dir) if f.endswith(".1")) \
        if os.path.isdir(a.man_dir) else []
    for page in sorted(want):
        check("page %s exists" % page, page in pages,
              "the command has no man page in %s" % a.man_dir)
    for page in pages:
        path = os.path.join(a.man_dir, page)
        g = run(["groff", "-man", "-ww", "-z", path])
        check("%s renders without warnings (groff -man -ww -z)" % page,
              g.returncode == 0 and not g.stderr.strip(),
              "exit %d: %s" % (g.returncode, g.stderr.strip()[:500]))
        text, rr = render(path)
        if not check("%s renders to text" % page, rr.returncode == 0 and text.strip(),
                     rr.stderr.strip()[:300]):
            continue
        with open(path, encoding="utf-8") as f:
            src = f.read()
        th = re.search(r'^\.TH\s+\S+\s+1\s+\S+\s+"tlsaudit ([^"]+)"', src, re.M)
        check("%s: .TH names tlsaudit %s" % (page, version),
              th is not None and th.group(1) == version,
              "got %r" % (th.group(1) if th else None))
        missing = sorted(w for w in want.get(page, ()) if not mentioned(text, w))
        check("%s mentions every option of its command (%d)" % (page, len(want.get(page, ()))),
              not missing, "not mentioned: " + " ".join(missing))
        stale = sorted(set(LONG_RE.findall(text)) - known_long)
        check("%s mentions no option that --help does not print" % page, not stale,
              "unknown: " + " ".join(stale))
        refs = set(re.findall(r"\b(tlsaudit(?:-[a-z]+)?)\(1\)", text))
        dangling = sorted(x for x in refs if x + ".1" not in pages)
        check("%s refers only to existing tlsaudit pages" % page, not dangling,
              "no page for: " + " ".join(dangling))

    print("docs.man_pages: %d passed, %d failed" % (checks - failures, failures))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
