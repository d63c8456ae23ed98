"""A real SMTP server for the tests (aiosmtpd): stores every message it receives as
DIR/<n>.eml, then keeps running until killed.

Usage: smtp_sink.py PORT DIR [plain|starttls|implicit]

With starttls or implicit, the sink makes a private CA and a certificate for 127.0.0.1
signed by it (openssl), writes the CA to DIR/ca.pem for the client to trust, serves TLS
(STARTTLS required before any mail, or TLS from the first byte) and requires the login
"paraphe" with the password "relay p@ss:word" before any mail.
"""
import email
import email.policy
import itertools
import logging
import os
import ssl
import subprocess
import sys
import time
import warnings

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

LOGIN = b"paraphe"
PASSWORD = b"relay p@ss:word"

OPENSSL_CONFIG = """
[req]
distinguished_name = dn
prompt = no
[dn]
CN = Paraphe test relay CA
[ca]
basicConstraints = critical,CA:TRUE
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
[relay]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature,keyEncipherment
extendedKeyUsage = serverAuth
subjectAltName = IP:127.0.0.1,DNS:localhost
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
"""


class Store:
    def __init__(self, directory):
        self.directory = directory
        self.counter = itertools.count(1)

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        body = message.get_body(preferencelist=("plain",))
        text = body.get_content() if body is not None else ""
        login = session.auth_data.login.decode() if isinstance(session.auth_data, LoginPassword) else ""
        n = next(self.counter)
        path = os.path.join(self.directory, f"{n:04}.eml")
        with open(path + ".tmp", "w", encoding="utf-8") as handle:
            handle.write(f"To: {', '.join(envelope.rcpt_tos)}\n")
            handle.write(f"From: {message['From']}\n")
            handle.write(f"Subject: {message['Subject']}\n")
            handle.write(f"Login: {login}\n\n")
            handle.write(text)
        os.rename(path + ".tmp", path)
        return "250 OK"


def authenticate(server, session, envelope, mechanism, auth_data):
    ok = isinstance(auth_data, LoginPassword) and auth_data.login == LOGIN and auth_data.password == PASSWORD
    return AuthResult(success=ok, auth_data=auth_data if ok else None)


def tls_context(directory):
    config = os.path.join(directory, "openssl.cnf")
    with open(config, "w") as handle:
        handle.write(OPENSSL_CONFIG)
    run = lambda *args: subprocess.run(["openssl", *args], check=True, capture_output=True)
    path = lambda name: os.path.join(directory, name)
    run("req", "-x509", "-config", config, "-extensions", "ca", "-newkey", "rsa:2048", "-nodes",
        "-keyout", path("ca.key"), "-out", path("ca.pem"), "-days", "2")
    run("req", "-config", config, "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=127.0.0.1",
        "-keyout", path("relay.key"), "-out", path("relay.csr"))
    run("x509", "-req", "-in", path("relay.csr"), "-CA", path("ca.pem"), "-CAkey", path("ca.key"),
        "-CAcreateserial", "-days", "2", "-extfile", config, "-extensions", "relay", "-out", path("relay.pem"))
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(path("relay.pem"), path("relay.key"))
    return context


def main(port, directory, mode="plain"):
    os.makedirs(directory, exist_ok=True)
    # aiosmtpd's notices about its own settings are not the test's business.
    logging.getLogger("mail.log").setLevel(logging.ERROR)
    warnings.filterwarnings("ignore", category=DeprecationWarning)
    if mode == "plain":
        controller = Controller(Store(directory), hostname="127.0.0.1", port=int(port))
    elif mode == "starttls":
        controller = Controller(Store(directory), hostname="127.0.0.1", port=int(port),
                                tls_context=tls_context(directory), require_starttls=True,
                                authenticator=authenticate, auth_required=True)
    elif mode == "implicit":
        # aiosmtpd cannot tell that an implicit-TLS connection is encrypted: AUTH must be
        # allowed "without" TLS, which here is always there.
        warnings.filterwarnings("ignore", message="Requiring AUTH while not requiring TLS")
        controller = Controller(Store(directory), hostname="127.0.0.1", port=int(port),
                                ssl_context=tls_context(directory), authenticator=authenticate,
                                auth_required=True, auth_require_tls=False)
    else:
        sys.exit(f"unknown mode {mode}")
    controller.start()
    print("ready", flush=True)
    try:
        while True:
            time.sleep(3600)
    finally:
        controller.stop()


if __name__ == "__main__":
    main(*sys.argv[1:])
