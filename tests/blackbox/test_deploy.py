"""scripts/deploy under load (scripts/drill_deploy.py, shorter than make drill-deploy):
new binaries and a column-adding migration go in while siege -c50 reads and books
against a stack whose services have ONE process each, the case where a replaced process
leaves nobody else to serve. Every request answered 2xx, every process on the new files,
every confirmed booking stored once, the audit clean. And a deploy whose migration fails
stops before replacing anything."""
import os
import shutil
import subprocess
import sys

from stack import ROOT, Stack

sys.path.insert(0, os.path.join(ROOT, "scripts"))
import drill_deploy  # noqa: E402


def test_deploy_under_siege_loses_nothing():
    figures, missed = drill_deploy.run(seconds=3, concurrency=50, procs=1)
    assert not missed, missed
    assert figures["requests"] > 100 and figures["confirmed"] > 10, figures


def test_a_failing_migration_stops_the_deploy_before_any_process():
    root, bin_dir = drill_deploy.tree_copy(drill_deploy.scratch())
    with Stack(name="deploy-bad", root=root, env={"BIN": bin_dir}) as s:
        before = sorted(p for prog in s.services + ["worker"] for p in s.pids(prog))
        with open(os.path.join(root, "schema", "rooms", "900-broken.sql"), "w") as f:
            f.write("ALTER TABLE no_such_table ADD COLUMN x TEXT;\n")
        p = subprocess.run([os.path.join(root, "scripts", "deploy")], capture_output=True, text=True,
                           env=dict(os.environ, ROOMBOOK_VAR=s.var), timeout=120)
        assert p.returncode != 0, p.stdout + p.stderr
        assert "pid" not in p.stdout, p.stdout  # no process was replaced
        assert sorted(p for prog in s.services + ["worker"] for p in s.pids(prog)) == before
        assert s.get("/rooms?limit=1").status == 200
        os.unlink(os.path.join(root, "schema", "rooms", "900-broken.sql"))
    shutil.rmtree(bin_dir, ignore_errors=True)
