#!/usr/bin/python3
# Prints the botocore SigV4 vectors hard-coded in sigv4_botocore_test.cpp: the
# requests `aws ses` / `aws sesv2` (Debian's awscli package, whose bundled botocore
# `import awscli` puts under the name `botocore`) send, signed at a fixed time with
# the AWS documentation's example key, and the canonical requests botocore built.
# Nothing is sent: a before-send hook captures each request.
import datetime
import logging

import awscli  # noqa: F401  (makes `import botocore` load the awscli copy)
import botocore.auth as auth
from botocore.awsrequest import AWSResponse
from botocore.session import get_session

FIXED = datetime.datetime(2026, 11, 26, 7, 38, 29)


class fixed_datetime(datetime.datetime):
    @classmethod
    def utcnow(cls):
        return FIXED


auth.datetime.datetime = fixed_datetime


class show_canonical(logging.Handler):
    def emit(self, record):
        if record.msg.startswith('CanonicalRequest'):
            print('  canonical request:', repr(record.args[0]))


auth.logger.setLevel(logging.DEBUG)
auth.logger.addHandler(show_canonical())


class empty_body:
    def stream(self, **kwargs):
        return iter([b''])


def before_send(request, **kwargs):
    print(request.method, request.url)
    for name, value in request.headers.items():
        print('  header', name, repr(value))
    print('  body', repr(request.body))
    return AWSResponse(request.url, 599, {}, empty_body())


session = get_session()
session.set_credentials('AKIDEXAMPLE', 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY')
calls = [
    ('ses', 'set_identity_mail_from_domain',
     dict(Identity='billing@example.com', MailFromDomain='bounce.example.com', BehaviorOnMXFailure='RejectMessage')),
    ('sesv2', 'put_email_identity_mail_from_attributes',
     dict(EmailIdentity='billing@example.com', MailFromDomain='bounce.example.com', BehaviorOnMxFailure='REJECT_MESSAGE')),
    ('sesv2', 'get_email_identity', dict(EmailIdentity='we%ird+x@example.com')),
    ('sesv2', 'list_email_identities', dict(NextToken='a b/c+d=~*', PageSize=10)),
]
for service, operation, params in calls:
    client = session.create_client(service, region_name='us-west-2', endpoint_url='http://127.0.0.1:8025')
    client.meta.events.register('before-send', before_send)
    try:
        getattr(client, operation)(**params)
    except Exception:
        pass  # the 599 does not parse; the request is what we wanted
