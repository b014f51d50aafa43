#!/usr/bin/env python3
"""The purity check the build runs on policy/ (check_policy_pure.py) passes the
real policy/ folder and refuses each kind of impurity with file:line."""
import pathlib
import subprocess
import sys
import tempfile
import unittest

HERE = pathlib.Path(__file__).resolve().parent
CHECK = HERE / "check_policy_pure.py"
POLICY = HERE.parent.parent / "policy"


def run(folder):
    stamp = pathlib.Path(folder) / "stamp"
    r = subprocess.run([sys.executable, str(CHECK), str(folder), str(stamp)], capture_output=True, text=True)
    return r.returncode, r.stderr, stamp.exists()


class PolicyPurity(unittest.TestCase):
    def test_the_real_policy_folder_is_pure(self):
        with tempfile.TemporaryDirectory() as out:
            stamp = pathlib.Path(out) / "stamp"
            r = subprocess.run([sys.executable, str(CHECK), str(POLICY), str(stamp)], capture_output=True, text=True)
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertTrue(stamp.exists())

    def test_each_impurity_is_refused_with_file_and_line(self):
        cases = {
            '#include "relay/common/clock.hpp"\n': 'includes "relay/common/clock.hpp"',
            "#include <boost/asio/io_context.hpp>\n": "includes <boost/asio/io_context.hpp>",
            "#include <ares.h>\n": "includes <ares.h>",
            "#include <spdlog/spdlog.h>\n": "includes <spdlog/spdlog.h>",
            "#include <fstream>\n": "includes <fstream>",
            "auto t = std::chrono::system_clock::now();\n": "uses system_clock",
            "auto t = std::chrono::steady_clock::now();\n": "uses steady_clock",
        }
        for line, why in cases.items():
            with self.subTest(line=line), tempfile.TemporaryDirectory() as folder:
                bad = pathlib.Path(folder) / "bad.cpp"
                bad.write_text("#include <string>\n// a comment\n" + line)
                code, err, stamped = run(folder)
                self.assertEqual(code, 1)
                self.assertIn(f"{bad}:3: {why}", err)
                self.assertFalse(stamped)

    def test_standard_headers_and_comments_pass(self):
        with tempfile.TemporaryDirectory() as folder:
            (pathlib.Path(folder) / "ok.hpp").write_text(
                '#include <chrono>\n#include <string>\n#include "policy/time.hpp"\n// steady_clock is not used here\n')
            code, err, stamped = run(folder)
            self.assertEqual(code, 0, err)
            self.assertTrue(stamped)


if __name__ == "__main__":
    unittest.main()
