"""A real SMTP server for the tests (aiosmtpd): stores every message it receives as
DIR/<n>.eml, then keeps running until killed.

Usage: smtp_sink.py PORT DIR
"""
import email
import email.policy
import itertools
import os
import sys
import time

from aiosmtpd.controller import Controller


class Store:
    def __init__(self, directory):
        self.directory = directory
        self.counter = itertools.count(1)

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        body = message.get_body(preferencelist=("plain",))
        text = body.get_content() if body is not None else ""
        n = next(self.counter)
        path = os.path.join(self.directory, f"{n:04}.eml")
        with open(path + ".tmp", "w", encoding="utf-8") as handle:
            handle.write(f"To: {', '.join(envelope.rcpt_tos)}\n")
            handle.write(f"From: {message['From']}\n")
            handle.write(f"Subject: {message['Subject']}\n\n")
            handle.write(text)
        os.rename(path + ".tmp", path)
        return "250 OK"


def main(port, directory):
    os.makedirs(directory, exist_ok=True)
    controller = Controller(Store(directory), hostname="127.0.0.1", port=int(port))
    controller.start()
    print("ready", flush=True)
    try:
        while True:
            time.sleep(3600)
    finally:
        controller.stop()


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
