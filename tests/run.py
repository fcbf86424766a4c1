#!/usr/bin/env python3
"""tests/run.py — runs the whole suite: the C unit test programs, then every
tests/blackbox/test_*.py module against the real stack. Ends with
'N passed, N failed'. Arguments filter modules by substring.

A black-box test is a function test_*(stack) or test_*() in a module. Tests taking
`stack` share one stack per module (started on first use, stopped after the module);
tests that need their own stack (kill -9, stopping services) make one with Stack().
Under SANITIZED=1 every stack's sanitizer logs are checked after the module."""
import glob
import importlib.util
import inspect
import os
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
        r = subprocess.run([exe], capture_output=True, text=True, timeout=300)
        for line in r.stdout.splitlines():
            if line.startswith("ok ") or line.startswith("FAIL "):
                ok = line.startswith("ok ")
                report(ok, name + ":" + line.split(" ", 1)[1], 0.0, "" if ok else r.stderr[-3000:])
        if r.returncode != 0 and "FAIL" not in r.stdout:
            report(False, name, time.time() - t0, r.stdout[-2000:] + r.stderr[-3000:])


def sanitizer_findings(var):
    found = []
    for path in glob.glob(os.path.join(var, "log", "*")):
        with open(path, errors="replace") as f:
            text = f.read()
        for marker in ("ERROR: AddressSanitizer", "ERROR: LeakSanitizer", "runtime error:"):
            if marker in text:
                found.append("%s: %s" % (os.path.basename(path), marker))
    return found


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
            t0 = time.time()
            try:
                if "stack" in inspect.signature(fn).parameters:
                    if shared is None:
                        shared = stacklib.Stack(name=name, **getattr(mod, "STACK_OPTIONS", {})).start()
                    fn(shared)
                else:
                    fn()
                report(True, name + "." + fname, time.time() - t0)
            except Exception:
                report(False, name + "." + fname, time.time() - t0, traceback.format_exc())
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


def main():
    filters = sys.argv[1:]
    t0 = time.time()
    run_unit(filters)
    for path in sorted(glob.glob(os.path.join(HERE, "blackbox", "test_*.py"))):
        if filters and not any(f in os.path.basename(path) for f in filters):
            continue
        run_module(path)
    print("suite took %.1fs" % (time.time() - t0))
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
