"""stack.py — starts the real Roombook stack (nginx, services, worker under
supervisord) on free ports in its own folder, speaks HTTP to it, and cleans up
every process it started."""
import http.client
import json as jsonlib
import os
import re
import signal
import socket
import subprocess
import tempfile
import time
import urllib.parse

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUT = os.path.join(ROOT, "tests", "out")
# The one list of services: cgi-bin/services.c, one `&<name>_service,` a line.
with open(os.path.join(ROOT, "cgi-bin", "services.c")) as _f:
    ALL_SERVICES = re.findall(r"^\s*&([a-z_]+)_service,", _f.read(), re.M)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Response:
    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers  # dict, lower-case names
        self.body = body
        self._json = None

    @property
    def json(self):
        if self._json is None:
            self._json = jsonlib.loads(self.body) if self.body else None
        return self._json

    def header(self, name):
        return self.headers.get(name.lower())

    def __repr__(self):
        return "<%d %s>" % (self.status, self.body[:300])


PASSWORD = "correct horse battery staple"
_accounts = [0]


class Stack:
    """One running system. Use as a context manager or call start()/stop().

    Once started, requests are signed in as a default account named "guest" (its bearer
    token is self.token); pass auth=None for an anonymous request, or auth=<token>."""

    def __init__(self, name="stack", procs=1, workers=1, env=None):
        os.makedirs(OUT, exist_ok=True)
        self.name = name
        self.var = tempfile.mkdtemp(prefix=name + "-", dir=OUT)
        self.port = free_port()
        self.internal_port = free_port()
        self.bin = os.environ.get("BIN", os.path.join(ROOT, "build", "release", "bin"))
        self.services = [s for s in ALL_SERVICES if os.path.exists(os.path.join(self.bin, s))]
        self.env = dict(os.environ)
        self.env.update({
            "ROOMBOOK_VAR": self.var, "PORT": str(self.port),
            "INTERNAL_PORT": str(self.internal_port), "BIN": self.bin,
            "PROCS": str(procs), "WORKERS": str(workers), "THREADS": "4",
            "RATE": "100000", "BURST": "100000",
        })
        if os.environ.get("SANITIZED"):
            self.env["ASAN_OPTIONS"] = "detect_leaks=1:abort_on_error=0:log_path=%s/log/asan" % self.var
            self.env["UBSAN_OPTIONS"] = "print_stacktrace=1:log_path=%s/log/ubsan" % self.var
        self.env.setdefault("PASSWORD_COST", "3")  # yescrypt's cheapest sane cost: tests sign up a lot
        self.env.update(env or {})
        self.proc = None
        self.token = None

    # -- lifecycle -------------------------------------------------------
    def start(self, timeout=30):
        os.makedirs(os.path.join(self.var, "log"), exist_ok=True)
        self.log = open(os.path.join(self.var, "log", "stack.out"), "ab")
        self.proc = subprocess.Popen([os.path.join(ROOT, "scripts", "stack"), "run"], env=self.env,
                                     stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True)
        self.wait_ready(timeout)
        if self.token is None:
            self.account, self.token = self.new_account("guest")
        return self

    def wait_ready(self, timeout=30):
        paths = ["/health/ready"] + ["/health/%s/ready" % s for s in self.services]
        deadline = time.time() + timeout
        while True:
            try:
                if all(self.get(p).status == 200 for p in paths):
                    return
            except OSError:
                pass
            if self.proc.poll() is not None:
                raise RuntimeError("stack exited early; see %s/log" % self.var)
            if time.time() > deadline:
                raise RuntimeError("stack not ready in %ss; see %s/log" % (timeout, self.var))
            time.sleep(0.1)

    def stop(self):
        if not self.proc:
            return
        try:
            os.killpg(self.proc.pid, signal.SIGTERM)
            self.proc.wait(timeout=20)
        except (subprocess.TimeoutExpired, ProcessLookupError):
            pass
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.proc.wait()
        self.proc = None
        self.log.close()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    # -- control ---------------------------------------------------------
    def ctl(self, *args):
        """supervisorctl against this stack; returns its output."""
        conf = os.path.join(self.var, "etc", "supervisord.conf")
        r = subprocess.run(["supervisorctl", "-c", conf] + list(args), env=self.env,
                           capture_output=True, text=True, timeout=60)
        return r.stdout + r.stderr

    def pids(self, program):
        """Pids of a program's processes (e.g. 'reservations' or 'worker')."""
        out = self.ctl("status", program + ":*") if program != "nginx" else self.ctl("status", "nginx")
        pids = []
        for line in out.splitlines():
            if "pid " in line:
                pids.append(int(line.split("pid ")[1].split(",")[0]))
        return pids

    def kill9(self, program):
        for pid in self.pids(program):
            os.kill(pid, signal.SIGKILL)

    # -- HTTP ------------------------------------------------------------
    def new_account(self, name, email=None, password=PASSWORD):
        """Signs up an account and signs it in; returns (account, bearer token)."""
        _accounts[0] += 1
        email = email or "%s-%d-%d@example.com" % (name.lower().replace(" ", "."), os.getpid(), _accounts[0])
        r = self.post("/accounts", {"email": email, "password": password, "name": name}, auth=None)
        assert r.status == 201, r
        s = self.post("/sessions", {"email": email, "password": password}, auth=None)
        assert s.status == 201, s
        return s.json["account"], s.json["token"]

    def past_stay(self, room_id, auth="default"):
        """Books tonight in room_id for the account (default: self.token), then moves the
        stay two days back in the rooms database, so its check-out has passed and the
        account may review the room (SPEC §6). Returns the reservation."""
        import datetime
        import sqlite3
        today = datetime.datetime.now(datetime.timezone.utc).date().isoformat()
        r = self.post("/reservations", {"roomId": room_id, "checkIn": today}, auth=auth)
        assert r.status == 201, r
        db = sqlite3.connect(os.path.join(self.var, "db", "rooms.db"), timeout=10)
        with db:
            db.execute("UPDATE hold SET check_in = date(check_in, '-2 day') WHERE reservation_id = ?",
                       (r.json["id"],))
        db.close()
        return r.json

    def secret(self):
        """The stack's own secret (what service-to-service calls carry)."""
        with open(os.path.join(self.var, "secret")) as f:
            return f.read().strip()

    def request(self, method, path, json=None, body=None, headers=None, form=None,
                internal=False, timeout=30, auth="default"):
        headers = dict(headers or {})
        token = self.token if auth == "default" else auth
        if token and not internal:
            headers.setdefault("Authorization", "Bearer " + token)
        if internal and auth == "default":
            headers.setdefault("X-Roombook-Secret", self.secret())
        if json is not None:
            body = jsonlib.dumps(json)
            headers.setdefault("Content-Type", "application/json")
        elif form is not None:
            body = urllib.parse.urlencode(form)
            headers.setdefault("Content-Type", "application/x-www-form-urlencoded")
        headers.setdefault("Accept", "application/json")
        conn = http.client.HTTPConnection("127.0.0.1", self.internal_port if internal else self.port,
                                          timeout=timeout)
        try:
            conn.request(method, path, body=body, headers=headers)
            r = conn.getresponse()
            data = r.read().decode("utf-8", "replace")
            headers = {}
            for k, v in r.getheaders():  # a repeated header (Set-Cookie) keeps every value
                headers[k.lower()] = headers[k.lower()] + ", " + v if k.lower() in headers else v
            return Response(r.status, headers, data)
        finally:
            conn.close()

    def get(self, path, **kw):
        return self.request("GET", path, **kw)

    def post(self, path, json=None, **kw):
        return self.request("POST", path, json=json, **kw)

    def logs(self, name):
        try:
            with open(os.path.join(self.var, "log", name + ".log"), errors="replace") as f:
                return f.read()
        except OSError:
            return ""


def wait_until(fn, timeout=15, interval=0.05, what="condition"):
    """Polls fn until it returns a truthy value; returns it or raises AssertionError."""
    deadline = time.time() + timeout
    while True:
        v = fn()
        if v:
            return v
        if time.time() > deadline:
            raise AssertionError("timed out waiting for " + what)
        time.sleep(interval)
