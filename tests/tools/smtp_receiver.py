#!/usr/bin/env python3
"""A real SMTP server (Debian's python3-aiosmtpd) that parses each mail it receives and
records it as one JSON line: envelope, headers, and the decoded text and HTML parts.

Usage: smtp_receiver.py --port P --record FILE [--auth USER:PASSWORD]
"""
import argparse
import asyncio
import email
import email.policy
import json
import threading
import time

from aiosmtpd.controller import Controller


class Recorder:
    def __init__(self, path):
        self.path = path
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        msg = email.message_from_bytes(envelope.content, policy=email.policy.default)
        parts = {}
        for part in msg.walk():
            if part.get_content_maintype() == "text":
                parts[part.get_content_subtype()] = part.get_content()
        with self.lock, open(self.path, "a") as f:
            f.write(json.dumps({"from": envelope.mail_from, "to": envelope.rcpt_tos,
                                "subject": str(msg["subject"]),
                                "alert_id": str(msg["X-Klaxon-Alert-Id"]),
                                "text": parts.get("plain", ""), "html": parts.get("html", "")})
                    + "\n")
        return "250 OK"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--record", required=True)
    args = ap.parse_args()
    controller = Controller(Recorder(args.record), hostname="127.0.0.1", port=args.port)
    controller.start()
    print("ready", flush=True)
    try:
        while True:
            time.sleep(3600)
    finally:
        controller.stop()


if __name__ == "__main__":
    main()
