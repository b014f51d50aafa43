"""Clients of mfrelay's admin HTTP API for the end-to-end tests: the stock AWS
CLI (Debian's /usr/bin/aws, in a clean environment), requests signed with
botocore's own SigV4 signer (the copy Debian's awscli package bundles), and
plain unsigned HTTP. Loopback only; every call has a timeout."""
import http.client
import json
import os
import subprocess

import awscli  # noqa: F401  (makes `import botocore` load the awscli copy, as tests/unit/admin does)
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from harness import ADMIN_KEY_ID, ADMIN_SECRET, wait_for_port

AWS = "/usr/bin/aws"  # not the pyenv shim first on PATH
REGION = "us-west-2"


def boto3_client(service, port):
    """A boto3 client ("ses", "sesv2") of the admin API on `port`: one attempt, no retries. The caller
    imports boto3 before this module (test_feedback_forwarding.py says why)."""
    import boto3
    from botocore.config import Config
    return boto3.client(service, region_name=REGION, endpoint_url=f"http://127.0.0.1:{port}",
                        aws_access_key_id=ADMIN_KEY_ID, aws_secret_access_key=ADMIN_SECRET,
                        config=Config(retries={"max_attempts": 1}))


class AdminApiClients:
    """Mixed into a relay test (before it in the bases) whose daemon serves the admin API on
    self.admin_port: the relay counts as started once that port answers; boto3 and CLI helpers."""

    def start_relay(self):
        super().start_relay()
        wait_for_port(self.admin_port, proc=self.relay)

    def client(self, service):
        return boto3_client(service, self.admin_port)

    def aws_ok(self, *args):
        r = aws(self, *args)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        return r.json


def aws(test, *args, secret=ADMIN_SECRET, key_id=ADMIN_KEY_ID, timeout=60, region=REGION, session_token=None):
    """Runs `aws ARGS` against the test daemon's admin port; the CompletedProcess, with `.json` the parsed
    standard output (None when empty or not JSON). `region` scopes the signature; `session_token` is sent
    (and signed) as X-Amz-Security-Token, as with temporary credentials."""
    config = test.path("aws", "config")
    credentials = test.path("aws", "credentials")
    os.makedirs(os.path.dirname(config), exist_ok=True)
    for path in (config, credentials):
        open(path, "a").close()
    env = {
        "PATH": "/usr/bin:/bin",
        "HOME": test.path("aws"),  # the CLI's caches, never the user's
        "LANG": "C.UTF-8",
        "AWS_ACCESS_KEY_ID": key_id,
        "AWS_SECRET_ACCESS_KEY": secret,
        "AWS_DEFAULT_REGION": region,
        "AWS_CONFIG_FILE": config,
        "AWS_SHARED_CREDENTIALS_FILE": credentials,
        "AWS_EC2_METADATA_DISABLED": "true",
        "AWS_PAGER": "",
        "AWS_MAX_ATTEMPTS": "1",  # a retry would hide what the daemon answered first
    }
    if session_token:
        env["AWS_SESSION_TOKEN"] = session_token
    argv = [AWS, *args, "--endpoint-url", f"http://127.0.0.1:{test.admin_port}", "--output", "json"]
    r = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=timeout)
    try:
        r.json = json.loads(r.stdout) if r.stdout.strip() else None
    except ValueError:
        r.json = None
    return r


class Response:
    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers
        self.body = body

    def text(self):
        return self.body.decode("utf-8", "replace")

    def json(self):
        return json.loads(self.body)


def request(port, method, target, body=b"", headers=None, timeout=30):
    """One HTTP/1.1 request on a fresh connection, unsigned."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request(method, target, body=body, headers=headers or {})
        res = conn.getresponse()
        return Response(res.status, {k.lower(): v for k, v in res.getheaders()}, res.read())
    finally:
        conn.close()


def signed_request(port, method, target, body=b"", headers=None, secret=ADMIN_SECRET, key_id=ADMIN_KEY_ID,
                   service="ses", timeout=30, region=REGION, session_token=None):
    """One request signed with AWS Signature Version 4 by botocore, as the aws CLI signs it. A `Host` in
    `headers` is signed and sent as given; otherwise the signer and http.client both use 127.0.0.1:PORT."""
    headers = dict(headers or {})
    aws_request = AWSRequest(method=method, url=f"http://127.0.0.1:{port}{target}", data=body, headers=headers)
    SigV4Auth(Credentials(key_id, secret, session_token), service, region).add_auth(aws_request)
    return request(port, method, target, body=body, headers=dict(aws_request.headers.items()), timeout=timeout)
