"""A service's FastCGI side as nginx uses it (cgi-bin/lib/fcgi_main.c): connections kept
between requests (FCGI_KEEP_CONN) hold no thread, what a request leaves unread never
spoils the next one on its connection, bytes that are not FastCGI cost only their own
connection, and a stopping service serves its kept connections until they are closed
(at most DRAIN_MS), accepting nothing new. Spoken here byte by byte to the service's
socket, as nginx does, so that each rule is seen without nginx's own choices."""
import os
import signal
import socket
import struct
import time

from stack import Stack, process_gone, wait_until

BEGIN, PARAMS, STDIN, STDOUT, END = 1, 4, 5, 6, 3


def record(kind, content=b"", request_id=1):
    pad = -len(content) % 8
    return struct.pack("!BBHHBx", 1, kind, request_id, len(content), pad) + content + b"\0" * pad


def pairs(params):
    out = b""
    for name, value in params.items():
        name, value = name.encode(), value.encode()
        for n in (len(name), len(value)):
            out += bytes([n]) if n < 128 else struct.pack("!I", n | 0x80000000)
        out += name + value
    return out


def exact(sock, n):
    data = b""
    while len(data) < n:
        chunk = sock.recv(n - len(data))
        if not chunk:
            raise EOFError("the service closed the connection")
        data += chunk
    return data


def ask(sock, method, uri, body=b"", keep=True, unread_body=False, extra=None):
    """One request on sock; returns (status, body). unread_body: a body without a
    Content-Length, which no handler reads. extra: more parameters."""
    params = {"REQUEST_METHOD": method, "DOCUMENT_URI": uri, "REQUEST_URI": uri, "QUERY_STRING": "",
              "REMOTE_ADDR": "127.0.0.1", "SERVER_PROTOCOL": "HTTP/1.1", "HTTP_ACCEPT": "application/json"}
    params.update(extra or {})
    if body and not unread_body:
        params["CONTENT_LENGTH"] = str(len(body))
        params["CONTENT_TYPE"] = "application/json"
    message = record(BEGIN, struct.pack("!HB5x", 1, 1 if keep else 0))
    message += record(PARAMS, pairs(params)) + record(PARAMS)
    for at in range(0, len(body), 65535):
        message += record(STDIN, body[at:at + 65535])
    sock.sendall(message + record(STDIN))
    out = b""
    while True:
        _, kind, _, length, pad = struct.unpack("!BBHHBx", exact(sock, 8))
        content = exact(sock, length + pad)[:length]
        if kind == STDOUT:
            out += content
        elif kind == END:
            break
    head, _, answer = out.partition(b"\r\n\r\n")
    status = 200
    for line in head.split(b"\r\n"):
        if line.lower().startswith(b"status:"):
            status = int(line.split()[1])
    return status, answer


def connect(s, service="rooms"):
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.settimeout(5)  # a request that waits for a thread would wait here
    sock.connect(os.path.join(s.var, "run", service + ".sock"))
    return sock


def test_kept_connections_hold_no_thread():
    # One thread, three kept connections used in turn: with a thread parked on the
    # first connection until it closed (libfcgi's own loop), the second would time out.
    with Stack(name="fcgi-keep", env={"THREADS": "1"}) as s:
        conns = [connect(s) for _ in range(3)]
        try:
            for _ in range(3):
                for c in conns:
                    status, body = ask(c, "GET", "/health/rooms/live")
                    assert status == 200 and b'"up"' in body, (status, body)
        finally:
            for c in conns:
                c.close()
        # A connection not kept is closed by the service after its answer.
        with connect(s) as c:
            assert ask(c, "GET", "/health/rooms/live", keep=False)[0] == 200
            assert c.recv(1) == b""


def test_what_a_request_leaves_unread_does_not_spoil_the_next():
    with Stack(name="fcgi-unread", env={"THREADS": "1"}) as s:
        with connect(s) as c:
            # A body nobody reads (no Content-Length), over several records.
            status, _ = ask(c, "GET", "/health/rooms/live", body=b"x" * 200000, unread_body=True)
            assert status == 200
            # A body past the limit (413: not read at all).
            status, _ = ask(c, "POST", "/rooms", body=b"{" + b" " * (1 << 20) + b"}")
            assert status in (401, 413), status
            # A body the handler reads.
            status, body = ask(c, "POST", "/rooms", body=b'{"name": 1}')
            assert status in (401, 403, 422), (status, body)
            status, body = ask(c, "GET", "/health/rooms/live")
            assert status == 200 and b'"up"' in body, (status, body)


def test_bytes_that_are_not_fastcgi_cost_only_their_connection():
    with Stack(name="fcgi-garbage", env={"THREADS": "1"}) as s:
        for junk in (b"GET / HTTP/1.1\r\nHost: x\r\n\r\n", b"\x01\x01\x00\x01\xff\xff\x00\x00",
                     bytes(range(256)) * 40, record(STDIN, b"stdin before any request")):
            with connect(s) as c:
                c.sendall(junk)
                c.shutdown(socket.SHUT_WR)
                try:
                    leftover = c.recv(65536)
                except ConnectionResetError:
                    leftover = b""
                assert leftover == b"", leftover  # closed without an answer
        with connect(s) as c:
            assert ask(c, "GET", "/health/rooms/live")[0] == 200


def test_a_stopping_service_serves_its_kept_connections_until_they_close():
    with Stack(name="fcgi-drain", env={"THREADS": "2", "DRAIN_MS": "20000"}) as s:
        pid = s.pids("rooms")[0]
        kept = connect(s)
        assert ask(kept, "GET", "/health/rooms/live")[0] == 200
        os.kill(pid, signal.SIGTERM)  # supervisord starts the next process once this one ends
        time.sleep(0.3)
        assert not process_gone(pid), "exited with a kept connection open"
        # The kept connection is still served...
        for _ in range(3):
            status, body = ask(kept, "GET", "/health/rooms/live")
            assert status == 200 and b'"up"' in body, (status, body)
        # ...a new one is not accepted (it waits in the socket for the next process)...
        fresh = connect(s)
        fresh.sendall(record(BEGIN, struct.pack("!HB5x", 1, 1)))
        fresh.settimeout(0.5)
        try:
            assert fresh.recv(1) == b"", "a stopping service answered a new connection"
        except socket.timeout:
            pass
        # ...and once the kept one is closed, the process ends well before DRAIN_MS.
        closed_at = time.time()
        kept.close()
        wait_until(lambda: process_gone(pid), timeout=5, what="the stopped service to exit")
        assert time.time() - closed_at < 3
        fresh.close()


def test_a_stopping_service_waits_at_most_drain_ms_for_an_idle_kept_connection():
    with Stack(name="fcgi-drain-cap", env={"THREADS": "2", "DRAIN_MS": "1500"}) as s:
        pid = s.pids("rooms")[0]
        kept = connect(s)
        assert ask(kept, "GET", "/health/rooms/live")[0] == 200
        os.kill(pid, signal.SIGTERM)
        stopped_at = time.time()
        wait_until(lambda: process_gone(pid), timeout=10, what="the stopped service to exit")
        took = time.time() - stopped_at
        assert 1.0 < took < 6, took  # waited for the connection, then gave up on it
        assert kept.recv(1) == b""
        kept.close()


# ---- the identity check, spoken in HTTP on accounts' socket (cgi-bin/lib/identity_http.h) ----

def identity(sock, head):
    """Sends one request head; returns (status line, {header: value}) of the answer, or
    None when the service closed the connection without one."""
    sock.sendall(head)
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            return None
        data += chunk
    lines = data.split(b"\r\n\r\n")[0].decode().split("\r\n")
    return lines[0], {k.lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:])}


def auth_head(*fields):
    return ("GET /_auth HTTP/1.1\r\nHost: identity\r\n" + "".join(f + "\r\n" for f in fields) + "\r\n").encode()


def closed(sock):
    try:
        return sock.recv(1) == b""
    except ConnectionResetError:
        return True


def test_accounts_answers_the_identity_check_in_http_on_its_socket():
    with Stack(name="identity-http", env={"THREADS": "1"}) as s:
        acct, tok = s.new_account("Ida")
        with connect(s, "accounts") as c:
            # Kept: one connection, a check after another, as nginx's keepalive pool uses it.
            for _ in range(2):
                line, h = identity(c, auth_head("Authorization: Bearer " + tok, "X-Rb-Remote-Addr: 10.1.2.3",
                                                "X-Request-Id: rid-1"))
                assert line == "HTTP/1.1 204 No Content", line
                assert h["x-account-id"] == str(acct["id"]) and h["x-account-role"] == "user", h
                assert h["x-account-name"] == "Ida" and "content-length" not in h, h
            line, h = identity(c, auth_head("Cookie: a=b; rb_session=" + tok))
            assert line.startswith("HTTP/1.1 204") and h["x-account-id"] == str(acct["id"]), (line, h)
            line, h = identity(c, auth_head())  # no credential: anonymous
            assert line.startswith("HTTP/1.1 204") and "x-account-id" not in h, (line, h)
            line, h = identity(c, auth_head("Authorization: Bearer rbs_" + "0" * 64))
            assert line.startswith("HTTP/1.1 204") and "x-account-id" not in h, (line, h)
            assert s.request("DELETE", "/sessions/current", auth=tok).status == 204
            line, h = identity(c, auth_head("Authorization: Bearer " + tok))  # ended: at once
            assert line.startswith("HTTP/1.1 204") and "x-account-id" not in h, (line, h)
            # Connection: close is honoured.
            line, h = identity(c, auth_head("Connection: close"))
            assert h.get("connection") == "close" and closed(c), h
        # The same socket still speaks FastCGI, where /_auth does not exist.
        with connect(s, "accounts") as c:
            assert ask(c, "GET", "/health/accounts/live")[0] == 200
            assert ask(c, "GET", "/_auth")[0] == 404
            # ...but the previous release's gateway (FastCGI with ROOMBOOK_AUTH_SUBREQUEST,
            # which only an nginx.conf sets) is still answered during a deploy from it.
            status, _ = ask(c, "GET", "/_auth", extra={"ROOMBOOK_AUTH_SUBREQUEST": "1"})
            assert status == 204, status


MALFORMED = [b"GET /account HTTP/1.1\r\n\r\n", b"POST /_auth HTTP/1.1\r\n\r\n", b"GET /_auth HTTP/2\r\n\r\n",
             b"GET /_auth?x=1 HTTP/1.1\r\n\r\n", b"GET  /_auth HTTP/1.1\r\n\r\n", b"get /_auth HTTP/1.1\r\n\r\n",
             auth_head("Authorization: Bearer a", "Authorization: Bearer b"),
             auth_head("Cookie: a=1", "cookie: b=2"), auth_head("Content-Length: 5") + b"hello",
             auth_head("Content-Length: 5"), auth_head("Transfer-Encoding: chunked"),
             auth_head("No colon here"), auth_head(": empty name"), auth_head("Bad Name: x"),
             auth_head("X-Ok: a\x00b"), auth_head("X-Ok: a\rb"),
             b"GET /_auth HTTP/1.1\nHost: x\n\n\r\n\r\n", auth_head("X-Ok: x") + auth_head(),  # pipelined
             auth_head(" Folded: x"), auth_head("Connection: close", "Connection: keep-alive")]


def test_a_malformed_identity_check_is_refused_and_its_connection_closed():
    with Stack(name="identity-bad", env={"THREADS": "1"}) as s:
        _, tok = s.new_account("Mal")
        for head in MALFORMED:
            with connect(s, "accounts") as c:
                answer = identity(c, head)
                assert answer and answer[0] == "HTTP/1.1 400 Bad Request" and "x-account-id" not in answer[1], \
                    (head, answer)
                assert closed(c), head
        # Longer than any head nginx sends: closed without an answer, and logged.
        with connect(s, "accounts") as c:
            c.sendall(b"GET /_auth HTTP/1.1\r\nX-Long: " + b"a" * 70000)
            assert closed(c)
        wait_until(lambda: "a request head longer than" in s.logs("accounts"), what="the long head's log line")
        # Any byte nginx lets through a value (but NUL, CR, LF) is the credential's parser's
        # business: a control byte in a cookie makes no credential, not a failed check.
        with connect(s, "accounts") as c:
            line, h = identity(c, auth_head("Cookie: x=\x01\x7f\xff", "Authorization: Bearer " + tok))
            assert line.startswith("HTTP/1.1 204") and "x-account-id" in h, (line, h)
            line, h = identity(c, auth_head("Cookie: rb_session=\x01" + tok))
            assert line.startswith("HTTP/1.1 204") and "x-account-id" not in h, (line, h)
        # None of it spoils the next check.
        with connect(s, "accounts") as c:
            line, h = identity(c, auth_head("Authorization: Bearer " + tok))
            assert line.startswith("HTTP/1.1 204") and "x-account-id" in h, (line, h)


def test_a_silent_or_slow_peer_on_accounts_socket_costs_a_second_at_most():
    # One thread: a connection that sends nothing, or half a head, is dropped after
    # about a second, and the requests behind it are served.
    with Stack(name="identity-silent", env={"THREADS": "1"}) as s:
        silent = connect(s, "accounts")
        half = connect(s, "accounts")
        half.sendall(b"GET /_auth HTTP/1.1\r\nHost: ")
        time.sleep(0.1)
        started = time.time()
        with connect(s, "accounts") as c:
            assert ask(c, "GET", "/health/accounts/live")[0] == 200
        assert time.time() - started < 4
        assert closed(silent) and closed(half)
        silent.close()
        half.close()
        # A byte every 0.3 s: the head has a second in all, not a second per read.
        with connect(s, "accounts") as trickle:
            started = time.time()
            try:
                for byte in b"GET /_auth HTTP/1.1\r\nHost: x\r\n\r\n":
                    trickle.sendall(bytes([byte]))
                    time.sleep(0.3)
            except (BrokenPipeError, ConnectionResetError):
                pass
            assert closed(trickle) and time.time() - started < 3
