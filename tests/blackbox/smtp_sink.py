#!/usr/bin/python3
"""smtp_sink.py HOST PORT FOLDER — a real SMTP server for the e-mail tests, built on
Debian's python3-aiosmtpd (a library of Debian's own /usr/bin/python3, which is why this
runs as a program of its own: the tests' python3 may be another interpreter).

Stores every message it accepts as FOLDER/<n>.eml, the bytes exactly as they arrived,
and FOLDER/<n>.json, the envelope ({"mailFrom", "rcptTos", "peer"}), each written under
a temporary name and renamed, so a reader never sees half a message. A recipient whose
address starts with "reject" is refused for good (550), as a real server refuses an
unknown mailbox. With SMTP_SINK_AUTH=user:password in its environment it requires SMTP
AUTH (PLAIN or LOGIN; over plain TCP too, as a relay on loopback may) and refuses other
credentials with 535; the envelope then has "login". Prints "ready" once it listens;
SIGTERM or SIGINT stops it."""
import json
import os
import signal
import sys

from aiosmtpd.controller import Controller


class Sink:
    def __init__(self, folder):
        self.folder = folder
        self.count = len([f for f in os.listdir(folder) if f.endswith(".eml")])

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.lower().startswith("reject"):
            return "550 5.1.1 No such mailbox here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.count += 1
        base = os.path.join(self.folder, "%04d" % self.count)
        meta = {"mailFrom": envelope.mail_from, "rcptTos": list(envelope.rcpt_tos), "peer": str(session.peer)}
        if getattr(session, "authenticated", False):
            login = session.auth_data
            meta["login"] = login.decode() if isinstance(login, bytes) else str(login)
        for ext, data in ((".eml", envelope.original_content),
                          (".json", json.dumps(meta).encode())):
            with open(base + ext + ".tmp", "wb") as f:
                f.write(data)
            os.rename(base + ext + ".tmp", base + ext)
        return "250 2.0.0 Message accepted for delivery"


def main():
    host, port, folder = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    os.makedirs(folder, exist_ok=True)
    stop = {signal.SIGTERM, signal.SIGINT}
    signal.pthread_sigmask(signal.SIG_BLOCK, stop)
    auth = {}
    if os.environ.get("SMTP_SINK_AUTH"):
        from aiosmtpd.smtp import AuthResult
        user, password = os.environ["SMTP_SINK_AUTH"].split(":", 1)

        def check(server, session, envelope, mechanism, auth_data):
            ok = auth_data.login == user.encode() and auth_data.password == password.encode()
            return AuthResult(success=ok, auth_data=auth_data.login)  # kept as session.auth_data
        auth = {"authenticator": check, "auth_required": True, "auth_require_tls": False}
    controller = Controller(Sink(folder), hostname=host, port=port, decode_data=False, **auth)
    controller.start()
    print("ready", flush=True)
    signal.sigwait(stop)
    controller.stop()


if __name__ == "__main__":
    main()
