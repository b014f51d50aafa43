"""A throwaway certificate authority for the end-to-end tests, made with the
openssl command line in the test's folder: a CA, and server certificates it
signs for the names a test asks for (subjectAltName DNS entries)."""
import os
import subprocess

OPENSSL = "/usr/bin/openssl"


def _run(*args):
    subprocess.run([OPENSSL, *args], check=True, capture_output=True, timeout=60)


def make_ca(test):
    """Returns the CA certificate's path (PEM); its key stays beside it."""
    folder = test.path("pki")
    os.makedirs(folder, exist_ok=True)
    ca_key, ca_cert = os.path.join(folder, "ca.key"), os.path.join(folder, "ca.pem")
    _run("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", ca_key,
         "-out", ca_cert, "-days", "2", "-subj", "/CN=mfrelay e2e test CA",
         "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign")
    return ca_cert


def issue(test, ca_cert, name):
    """A server certificate and key for DNS name `name`, signed by the CA: (cert path, key path)."""
    folder = os.path.dirname(ca_cert)
    ca_key = ca_cert[:-len(".pem")] + ".key"
    base = os.path.join(folder, name)
    ext = base + ".ext"
    with open(ext, "w") as f:
        f.write(f"subjectAltName=DNS:{name}\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n")
    _run("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", base + ".key",
         "-out", base + ".csr", "-subj", f"/CN={name}")
    _run("x509", "-req", "-in", base + ".csr", "-CA", ca_cert, "-CAkey", ca_key, "-CAcreateserial",
         "-out", base + ".pem", "-days", "2", "-extfile", ext)
    return base + ".pem", base + ".key"
