#!/usr/bin/env python3
"""A real HTTP server on loopback that records what channels post (webhook, Slack, WeChat).

Each request becomes one JSON line in --record: {"path", "headers", "body"}. While the file
--fail-while exists, it answers --fail-status (503 by default) instead and records nothing,
so a test can take the receiver "down" and bring it back without restarting it. --wechat
answers like the WeChat Work robot ({"errcode":0,"errmsg":"ok"}).

Usage: http_receiver.py --port P --record FILE [--fail-while FILE] [--fail-status N] [--wechat]
"""
import argparse
import http.server
import json
import os
import threading


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--record", required=True)
    ap.add_argument("--fail-while", default="")
    ap.add_argument("--fail-status", type=int, default=503)
    ap.add_argument("--wechat", action="store_true")
    args = ap.parse_args()
    lock = threading.Lock()

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        # Headers and body go out as separate writes: without this, Nagle holds the body
        # until the client's delayed ACK, 40 ms per request on a kept-alive connection.
        disable_nagle_algorithm = True

        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            if args.fail_while and os.path.exists(args.fail_while):
                self.reply(args.fail_status, b"down for the test")
                return
            with lock, open(args.record, "a") as f:
                f.write(json.dumps({"path": self.path, "headers": dict(self.headers),
                                    "body": body.decode("utf-8", "replace")}) + "\n")
            self.reply(200, b'{"errcode":0,"errmsg":"ok"}' if args.wechat else b"ok")

        def reply(self, status, payload):
            self.send_response(status)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, *a):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    print("ready", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
