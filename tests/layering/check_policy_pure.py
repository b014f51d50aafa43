#!/usr/bin/env python3
"""policy/ is pure (DESIGN.md): the standard library only, no I/O, no clock.

Run by the build (policy/CMakeLists.txt) before mfrelay_policy compiles, so a
violation fails the build with file:line. Usage: check_policy_pure.py POLICY_DIR STAMP
"""
import pathlib
import re
import sys

INCLUDE = re.compile(r'^\s*#\s*include\s*([<"])([^>"]+)[>"]')
# Standard headers that still mean I/O, clocks, threads or the environment.
FORBIDDEN_STD = {"fstream", "iostream", "cstdio", "filesystem", "thread", "mutex", "future", "ctime", "random",
                 "csignal", "condition_variable", "syncstream", "print"}
FORBIDDEN_WORDS = re.compile(r"\b(system_clock|steady_clock|high_resolution_clock|utc_clock|file_clock|getenv|"
                             r"random_device|std::time\b|fopen|std::cout|std::cerr)\b")


def problems(path):
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        m = INCLUDE.match(line)
        if m:
            kind, name = m.groups()
            if kind == '"' and not name.startswith("policy/"):
                yield number, f'includes "{name}": policy/ includes only policy/ headers'
            if kind == "<" and ("/" in name or name.endswith(".h") or name in FORBIDDEN_STD):
                yield number, f"includes <{name}>: policy/ uses the standard library only, without I/O or clocks"
        code = line.split("//", 1)[0]
        w = FORBIDDEN_WORDS.search(code)
        if w:
            yield number, f"uses {w.group(1)}: policy/ takes time and input as parameters"


def main():
    root, stamp = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2])
    found = 0
    for path in sorted(root.glob("*.?pp")):
        for number, why in problems(path):
            print(f"{path}:{number}: {why}", file=sys.stderr)
            found += 1
    if found:
        return 1
    stamp.write_text("ok\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
