#!/usr/bin/env python3
"""tests/run.py — runs the whole suite: the C unit test programs, the fuzz corpus
replayed through every fuzz target (tests/fuzz, one line per target), then every
tests/blackbox/test_*.py module against the real stack, then the browser tests
(tests/browser/*.test.mjs, headless Chromium via node --test, one shared stack). Ends
with 'N passed, N failed'. Arguments filter modules by substring ('browser' = all
browser tests, 'browser/host' = one file).

A black-box test is a function test_*(stack) or test_*() in a module. Tests taking
`stack` share one stack per module (started on first use, stopped after the module);
tests that need their own stack (kill -9, stopping services) make one with Stack().
Under SANITIZED=1 every stack's sanitizer logs are checked after the module."""
import glob
import importlib.util
import inspect
import json
import os
import shutil
import subprocess
import sys
import time
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "blackbox"))
import stack as stacklib  # noqa: E402

passed = failed = 0


def report(ok, name, secs, detail=""):
    global passed, failed
    if ok:
        passed += 1
        print("ok   %-60s %6.2fs" % (name, secs), flush=True)
    else:
        failed += 1
        print("FAIL %-60s %6.2fs\n%s" % (name, secs, detail), flush=True)


def run_unit(filters):
    bindir = os.environ.get("BIN", os.path.join(stacklib.ROOT, "build", "release", "bin"))
    for exe in sorted(glob.glob(os.path.join(os.path.dirname(bindir), "tests", "test_*"))):
        name = "unit/" + os.path.basename(exe)
        if filters and not any(f in name for f in filters):
            continue
        t0 = time.time()
        r = subprocess.run([exe], capture_output=True, text=True, timeout=1500)
        for line in r.stdout.splitlines():
            if line.startswith("ok ") or line.startswith("FAIL "):
                ok = line.startswith("ok ")
                report(ok, name + ":" + line.split(" ", 1)[1], 0.0, "" if ok else r.stderr[-3000:])
        if r.returncode != 0 and "FAIL" not in r.stdout:
            report(False, name, time.time() - t0, r.stdout[-2000:] + r.stderr[-3000:])


def run_fuzz(filters):
    """Replays tests/fuzz/corpus/<name>/ through build/<mode>/fuzz/fuzz_<name>, which
    `make build` links with tests/fuzz/replay_main.c (no libFuzzer needed)."""
    bindir = os.environ.get("BIN", os.path.join(stacklib.ROOT, "build", "release", "bin"))
    for src in sorted(glob.glob(os.path.join(HERE, "fuzz", "fuzz_*.c"))):
        target = os.path.splitext(os.path.basename(src))[0]
        name = "fuzz/" + target[len("fuzz_"):]
        if filters and not any(f in name for f in filters):
            continue
        exe = os.path.join(os.path.dirname(bindir), "fuzz", target)
        corpus = os.path.join(HERE, "fuzz", "corpus", target[len("fuzz_"):])
        if not os.access(exe, os.X_OK):
            report(False, name, 0.0, "  %s is not built (make build)" % exe)
            continue
        t0 = time.time()
        r = subprocess.run([exe, corpus], capture_output=True, text=True, errors="replace", timeout=300)
        report(r.returncode == 0, name, time.time() - t0, r.stdout[-1000:] + r.stderr[-3000:])


def sanitizer_findings(var):
    found = []
    for path in glob.glob(os.path.join(var, "log", "*")):
        with open(path, errors="replace") as f:
            text = f.read()
        for marker in ("ERROR: AddressSanitizer", "ERROR: LeakSanitizer", "runtime error:"):
            if marker in text:
                found.append("%s: %s" % (os.path.basename(path), marker))
    return found


def contract_violations(stack):
    """What a contract stack's validating proxy found since the last call, as text ('' if
    nothing): every response that broke docs/api/openapi.yaml fails the test that caused it."""
    broken = stack.take_violations()
    if not broken:
        return ""
    return "responses break docs/api/openapi.yaml:\n" + "\n".join(
        "  %s %s -> %d: %s" % (m, p, st, "; ".join(
            "%s: %s" % (".".join(map(str, v.get("location", []))), v.get("message")) for v in vs))
        for m, p, st, vs in broken)


def run_module(path):
    name = os.path.splitext(os.path.basename(path))[0]
    spec = importlib.util.spec_from_file_location(name, path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    shared = None
    made = []
    original_stop = stacklib.Stack.stop

    def track_start(self, *a, **kw):
        made.append(self)
        return track_start.orig(self, *a, **kw)
    track_start.orig = stacklib.Stack.start
    stacklib.Stack.start = track_start
    try:
        for fname, fn in inspect.getmembers(mod, inspect.isfunction):
            if not fname.startswith("test_") or fn.__module__ != name:
                continue
            if os.environ.get("TESTS") and os.environ["TESTS"] not in fname:  # e.g. TESTS=draining
                continue
            t0 = time.time()
            try:
                if "stack" in inspect.signature(fn).parameters:
                    if shared is None:
                        shared = stacklib.Stack(name=name, **getattr(mod, "STACK_OPTIONS", {})).start()
                    fn(shared)
                    # A module with STACK_OPTIONS contract=True runs through the validating
                    # proxy: any response that broke docs/api/openapi.yaml fails the test.
                    broken = contract_violations(shared)
                    if broken:
                        raise AssertionError(broken)
                else:
                    fn()
                report(True, name + "." + fname, time.time() - t0)
            except Exception:
                detail = traceback.format_exc()
                broken = contract_violations(shared) if shared else ""
                if broken and broken not in detail:  # often why the test failed: Prism answered 500
                    detail += broken + "\n"
                report(False, name + "." + fname, time.time() - t0, detail)
    finally:
        if shared:
            shared.stop()
        stacklib.Stack.start = track_start.orig
        stacklib.Stack.stop = original_stop
        for s in made:
            s.stop()
            if os.environ.get("SANITIZED"):
                findings = sanitizer_findings(s.var)
                report(not findings, name + ".sanitizers", 0.0, "\n".join(findings))


def _node_major():
    try:
        out = subprocess.run(["node", "--version"], capture_output=True, text=True, timeout=30).stdout
        return int(out.strip().lstrip("v").split(".")[0])
    except (OSError, ValueError, subprocess.TimeoutExpired):
        return 0


SANITIZED_BROWSER_FILES = ("journey.test.mjs", "tickets.test.mjs", "receipts.test.mjs", "formats_mypage.test.mjs",
                           "formats_errors.test.mjs", "pages.test.mjs")


def run_browser(filters):
    """tests/browser/*.test.mjs in headless Chromium, driven by node --test against ONE
    stack; every test is reported here. Missing chromium/node/node_modules fails."""
    files = [f for f in sorted(glob.glob(os.path.join(HERE, "browser", "*.test.mjs")))
             if not filters or any(x in "browser/" + os.path.basename(f) for x in filters)]
    if os.environ.get("SANITIZED") and not filters:
        # Under the sanitizers, the journeys that walk every kind of page the services render
        # (search, room, summary, confirmation, ticket with QR, receipts, My bookings, errors):
        # the other files click through the same C code again and would add ~10 minutes.
        files = [f for f in files if os.path.basename(f) in SANITIZED_BROWSER_FILES]
    if not files:
        return
    chromium = os.environ.get("CHROMIUM", "/usr/bin/chromium")
    missing = [what for what, ok in (
        (chromium + " (apt-get install chromium)", os.access(chromium, os.X_OK)),
        ("node >= 18 (apt-get install nodejs; the pinned playwright-core needs 18)", _node_major() >= 18),
        ("node_modules/playwright-core (make deps: npm ci)",
         os.path.isdir(os.path.join(stacklib.ROOT, "node_modules", "playwright-core"))),
    ) if not ok]
    if missing:
        report(False, "browser/setup", 0.0, "  missing: " + ", ".join(missing))
        return
    shots = os.path.join(stacklib.OUT, "screenshots")
    shutil.rmtree(shots, ignore_errors=True)
    os.makedirs(shots)
    t0 = time.time()
    st = stacklib.Stack(name="browser")
    try:
        st.start()
    except Exception:
        report(False, "browser/stack", time.time() - t0, traceback.format_exc())
        st.stop()
        return
    env = dict(st.env, ROOMBOOK_URL="http://127.0.0.1:%d" % st.port, ROOMBOOK_SCREENSHOTS=shots,
               CHROMIUM=chromium, NO_COLOR="1", FORCE_COLOR="0")
    cmd = ["node", "--test", "--test-concurrency=1",
           "--test-reporter=" + os.path.join(HERE, "browser", "reporter.mjs")]
    # Each file runs in its own process, and Node applies --test-timeout to a file as a
    # whole too: a file of several page journeys, each checked by axe-core at every step
    # (lib.mjs), needs minutes on a busy 2-core machine.
    if _node_major() >= 20:  # Debian 12's Node 18 has no --test-timeout (the run's own timeout holds)
        cmd.insert(3, "--test-timeout=240000")
    results, output, seen = [], {}, 0
    try:
        r = subprocess.run(cmd + files, env=env, cwd=stacklib.ROOT, capture_output=True, text=True, timeout=1500)
        children = {}  # nesting -> tests finished below it since its own last result
        for line in r.stdout.splitlines():
            try:
                ev = json.loads(line)
            except ValueError:
                continue
            if ev["event"] == "output":
                output.setdefault(ev["file"], []).append(ev["text"])
                continue
            n = ev["nesting"]
            leaf = not children.pop(n + 1, 0)
            children[n] = children.get(n, 0) + 1
            if leaf:
                results.append(ev)
        for ev in results:
            f = os.path.basename(ev["file"] or "?").replace(".test.mjs", "")
            name = ev["name"] if ev["name"] != ev["file"] else "(file)"
            ok = ev["event"] == "pass" and not ev["skip"]
            detail = "" if ok else ("  skipped: browser tests are never skipped\n" if ev["skip"] else "") + \
                "\n".join("  " + x for x in (ev["error"] or "").splitlines()) + "\n" + \
                "".join(output.get(ev["file"], []))[-3000:]
            report(ok, "browser/%s: %s" % (f, name), (ev["ms"] or 0) / 1000.0, detail)
            seen += 1
        if r.returncode != 0 and not any(ev["event"] == "fail" for ev in results):
            report(False, "browser/node", time.time() - t0, r.stdout[-2000:] + r.stderr[-3000:])
        elif not seen:
            report(False, "browser/node", time.time() - t0, "no test results\n" + r.stderr[-3000:])
    except subprocess.TimeoutExpired as e:
        out = e.stdout.decode("utf-8", "replace") if isinstance(e.stdout, bytes) else e.stdout or ""
        report(False, "browser/node", time.time() - t0, "node --test took over %ss\n%s" % (e.timeout, out[-3000:]))
    finally:
        st.stop()
        if os.environ.get("SANITIZED"):
            findings = sanitizer_findings(st.var)
            report(not findings, "browser.sanitizers", 0.0, "\n".join(findings))


def main():
    filters = sys.argv[1:]
    t0 = time.time()
    run_unit(filters)
    run_fuzz(filters)
    for path in sorted(glob.glob(os.path.join(HERE, "blackbox", "test_*.py"))):
        if filters and not any(f in os.path.basename(path) for f in filters):
            continue
        run_module(path)
    run_browser(filters)
    print("suite took %.1fs" % (time.time() - t0))
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
