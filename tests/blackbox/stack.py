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

    def __init__(self, name="stack", procs=1, workers=1, env=None, contract=False, var=None, root=ROOT):
        """var: run on that existing state folder (e.g. one a backup was restored into)
        instead of a new one under tests/out; root: the tree whose scripts/stack runs."""
        os.makedirs(OUT, exist_ok=True)
        self.root = root  # the tree whose scripts/stack runs (schema/, templates/ read from there)
        self.contract = contract
        self.contract_port = None
        self.violations = []  # (method, path, status, [violation, ...]) seen since the last take
        self.contract_checked = 0  # responses that went through the validating proxy
        self.prism = None
        self.name = name
        self.var = var or tempfile.mkdtemp(prefix=name + "-", dir=OUT)
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
        self.proc = subprocess.Popen([os.path.join(self.root, "scripts", "stack"), "run"], env=self.env,
                                     stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True)
        self.wait_ready(timeout)
        if self.contract and self.prism is None:
            self.start_contract_proxy()
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

    def start_contract_proxy(self, timeout=60):
        """Starts Stoplight Prism (node_modules, pinned in package-lock.json) as a validating
        proxy of docs/api/openapi.yaml (or of the document contract names) in front of the gateway. From then on request() goes
        through it (see _through_contract) and every response it finds breaking the document
        is recorded in self.violations (take_violations() hands them over and clears them)."""
        prism = os.path.join(ROOT, "node_modules", ".bin", "prism")
        if not os.access(prism, os.X_OK):
            raise RuntimeError("node_modules/.bin/prism is missing: run `make deps` (npm ci)")
        self.contract_port = free_port()
        self.prism_log = open(os.path.join(self.var, "log", "prism.log"), "ab")
        # Prism names what a response breaks in its `sl-violations` header; request() fails
        # on every violation of severity Error. Not --errors: with it Prism answers routes and
        # methods the document lacks itself (its own 404/405, HEAD included) instead of
        # forwarding them, hiding the gateway's answers that the tests check.
        # --validate-request=false: the tests' deliberately invalid requests reach the stack
        # (its own 400/415/422 are what they check); --cors=false: Prism adds no headers.
        self.prism = subprocess.Popen(
            [prism, "proxy", self.contract if isinstance(self.contract, str) else
             os.path.join(ROOT, "docs", "api", "openapi.yaml"),
             "http://127.0.0.1:%d" % self.port, "--port", str(self.contract_port),
             "--host", "127.0.0.1", "--validate-request=false", "--cors=false",
             "--verboseLevel=warn"],
            env=dict(os.environ, NO_COLOR="1", FORCE_COLOR="0", SCARF_ANALYTICS="false"),
            stdout=self.prism_log, stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.time() + timeout
        while True:
            try:
                socket.create_connection(("127.0.0.1", self.contract_port), timeout=1).close()
                return
            except OSError:
                pass
            if self.prism.poll() is not None or time.time() > deadline:
                self.stop_contract_proxy()
                raise RuntimeError("prism did not start; see %s/log/prism.log" % self.var)
            time.sleep(0.2)

    def stop_contract_proxy(self):
        if self.prism:
            try:
                os.killpg(self.prism.pid, signal.SIGTERM)
                self.prism.wait(timeout=10)
            except (subprocess.TimeoutExpired, ProcessLookupError):
                try:
                    os.killpg(self.prism.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                self.prism.wait()
            self.prism = None
            self.prism_log.close()

    def take_violations(self):
        """The contract violations recorded since the last call (and forgets them)."""
        v, self.violations = self.violations, []
        return v

    def stop(self):
        self.stop_contract_proxy()
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

    def _through_contract(self, method, path, body, headers, internal):
        """Whether a request goes through the validating proxy. Not: internal calls (not in
        the public document), HEAD, a request naming its own Host, a path that Prism would
        normalise, HTML pages (the document describes the JSON API), and JSON
        bodies that Prism would change on the way (it parses and re-serialises them: a
        malformed body gets Prism's own 400, a duplicate key or 1.0 silently becomes valid,
        big integers lose digits) — those go straight to the gateway."""
        if not self.prism or internal or method == "HEAD":  # Prism fails on a HEAD's empty JSON body
            return False
        if method == "GET" and body:  # Prism refuses to proxy a GET with a body (501)
            return False
        h = {k.lower(): v for k, v in headers.items()}
        if "host" in h:  # Prism sends the upstream's Host: a foreign Host must reach nginx as is
            return False
        route = path.split("?", 1)[0]
        if "//" in route or "/." in route or "%" in route:  # Prism normalises such paths
            return False
        accept = h.get("accept", "")
        if ("text/html" in accept or "*/*" in accept or "text/*" in accept) and "json" not in accept:
            return False  # a page may answer (the document describes the JSON API)
        ctype = h.get("content-type", "")
        if body is None or "json" not in ctype.lower():
            return True
        return _json_round_trips(body)

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
        port = self.internal_port if internal else self.port
        contract = self._through_contract(method, path, body, headers, internal)
        if contract:
            port = self.contract_port
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
        try:
            conn.request(method, path, body=body, headers=headers)
            r = conn.getresponse()
            data = r.read().decode("utf-8", "replace")
            headers = {}
            for k, v in r.getheaders():  # a repeated header (Set-Cookie) keeps every value
                headers[k.lower()] = headers[k.lower()] + ", " + v if k.lower() in headers else v
            self.contract_checked += contract
            if contract and headers.get("sl-violations"):
                # Only what the response breaks: the request side is the tests' own doing
                # (no credentials, wrong types on purpose), which the stack must answer.
                errors = [v for v in jsonlib.loads(headers["sl-violations"])
                          if v.get("severity") == "Error" and (v.get("location") or [""])[0] == "response"]
                if errors:
                    self.violations.append((method, path, r.status, errors))
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

    def wait_log(self, name, text, timeout=10):
        """Waits until text is in the log of name and returns the log: a process's lines
        reach the file through supervisord, which reads the pipes when it gets to them
        (under load, after the answer that followed them has reached the test)."""
        wait_until(lambda: text in self.logs(name), timeout, what="%r in %s.log" % (text, name))
        return self.logs(name)


def _json_round_trips(body):
    """True when JSON.parse + JSON.stringify keeps the body's meaning: it parses, has no
    duplicate key, no number written with a fraction or exponent, no integer past 2^53."""
    def no_duplicates(pairs):
        keys = [k for k, _ in pairs]
        if len(keys) != len(set(keys)):
            raise ValueError("duplicate key")
        return dict(pairs)

    def no_float(text):
        raise ValueError("number with a fraction: " + text)

    def safe_int(text):
        if abs(int(text)) > 2 ** 53:
            raise ValueError("integer too big for a double")
        return int(text)
    try:
        if isinstance(body, bytes):
            body = body.decode("utf-8")
        jsonlib.loads(body, object_pairs_hook=no_duplicates, parse_float=no_float, parse_int=safe_int)
        return True
    except ValueError:  # JSONDecodeError and UnicodeDecodeError are ValueErrors
        return False


def process_gone(pid):
    """True once pid has exited: no longer in /proc, or a zombie its parent has not reaped.
    The process may vanish between the open and the read (ESRCH), which also means gone."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().rsplit(")", 1)[1].split()[0] == "Z"
    except (FileNotFoundError, ProcessLookupError):
        return True


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
