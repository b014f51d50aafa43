"""scripts/package builds mfrelay_<version>_<arch>.deb with dpkg-buildpackage;
unpacked into a temporary root (dpkg-deb -x, no chroot, nothing installed on
this machine) it holds the binary, the configuration as conffiles, the unit,
the logrotate snippet and the operator files where the README says; its
maintainer scripts create the system user; the unpacked unit verifies with
systemd-analyze against the unpacked binary, and that binary accepts the
packaged configuration. lintian reports no error."""
import os
import re
import shutil
import subprocess
import tempfile
import unittest

from harness import SOURCE_DIR
from test_systemd import add_system_units, read_text, systemd_verify

VERSION = re.match(r"mfrelay \(([^)]+)\)", read_text(os.path.join(SOURCE_DIR, "debian", "changelog"))).group(1)


class Package(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix="mfrelay-package-")
        env = dict(os.environ, MFRELAY_PACKAGE_OUT=os.path.join(cls.dir, "out"))
        if os.environ.get("MFRELAY_BUILD_DIR"):
            env["MFRELAY_BUILD_DIR"] = os.environ["MFRELAY_BUILD_DIR"]
        cls.result = subprocess.run([os.path.join(SOURCE_DIR, "scripts", "package")], cwd=SOURCE_DIR, env=env,
                                    capture_output=True, text=True, timeout=1200)
        arch = subprocess.run(["dpkg", "--print-architecture"], capture_output=True, text=True).stdout.strip()
        cls.deb = os.path.join(cls.dir, "out", f"mfrelay_{VERSION}_{arch}.deb")
        cls.root = os.path.join(cls.dir, "root")
        if os.path.exists(cls.deb):
            subprocess.run(["dpkg-deb", "-x", cls.deb, cls.root], check=True, timeout=120)
            subprocess.run(["dpkg-deb", "-e", cls.deb, os.path.join(cls.dir, "control")], check=True, timeout=60)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.dir, ignore_errors=True)

    def setUp(self):
        self.assertEqual(self.result.returncode, 0, self.result.stdout + self.result.stderr)
        self.assertTrue(os.path.exists(self.deb), os.listdir(os.path.join(self.dir, "out")))

    def control(self, name):
        with open(os.path.join(self.dir, "control", name)) as f:
            return f.read()

    def test_file_layout(self):
        expected = {
            "usr/sbin/mfrelay": 0o755,
            # Shipped as Debian policy wants (it holds no secret yet); postinst's
            # dpkg-statoverride makes it root:mfrelay 0640, kept across upgrades.
            "etc/mfrelay/mfrelay.toml": 0o644,
            "etc/mfrelay/policy.d/example.toml": 0o644,
            "lib/systemd/system/mfrelay.service": 0o644,
            "etc/logrotate.d/mfrelay": 0o644,
            "usr/share/mfrelay/prometheus/mfrelay-alerts.yml": 0o644,
            "usr/share/mfrelay/grafana/mfrelay.json": 0o644,
            "usr/share/man/man8/mfrelay.8.gz": 0o644,
            "usr/share/doc/mfrelay/copyright": 0o644,
        }
        for path, mode in expected.items():
            with self.subTest(path=path):
                full = os.path.join(self.root, path)
                self.assertTrue(os.path.isfile(full), f"{path} missing from the package")
                self.assertEqual(os.stat(full).st_mode & 0o7777, mode)
        docs = os.listdir(os.path.join(self.root, "usr", "share", "doc", "mfrelay"))
        self.assertTrue(any(d.startswith("README.md") for d in docs), docs)

    def test_conffiles_and_maintainer_scripts(self):
        conffiles = self.control("conffiles").split()
        for path in ("/etc/mfrelay/mfrelay.toml", "/etc/mfrelay/policy.d/example.toml", "/etc/logrotate.d/mfrelay"):
            self.assertIn(path, conffiles)
        postinst = self.control("postinst")
        self.assertIn("adduser --system --group", postinst)
        self.assertIn("dpkg-statoverride --update --add root mfrelay 0640 /etc/mfrelay/mfrelay.toml", postinst)
        self.assertIn("mfrelay.service", postinst, "dh_installsystemd enables and starts the unit")
        fields = self.control("control")
        self.assertIn("Package: mfrelay", fields)
        self.assertIn(f"Version: {VERSION}", fields)
        self.assertRegex(fields, r"Depends:.*adduser")
        self.assertRegex(fields, r"Depends:.*libc-ares")

    def test_packaged_binary_accepts_packaged_configuration(self):
        r = subprocess.run([os.path.join(self.root, "usr", "sbin", "mfrelay"), "check", "-c",
                            os.path.join(self.root, "etc", "mfrelay", "mfrelay.toml")],
                           capture_output=True, text=True, timeout=60)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn("OK", r.stdout + r.stderr)

    def test_packaged_unit_verifies_against_the_packaged_binary(self):
        add_system_units(self.root)
        r = systemd_verify(self.root)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)

    def test_lintian_reports_no_error(self):
        out = self.result.stdout
        self.assertIn("package: ", out)
        errors = [line for line in out.splitlines() if line.startswith("E: ")]
        self.assertEqual(errors, [], out)
        print("\nlintian:\n" + "\n".join(l for l in out.splitlines() if re.match(r"[EWIN]: ", l)))


if __name__ == "__main__":
    unittest.main()
