"""The contract check itself: a module with STACK_OPTIONS contract=True sends its requests
through Stoplight Prism validating docs/api/openapi.yaml (stack.py), and the runner fails
a test whose responses broke the document. This shows that what Prism would alter on the
way goes straight to the gateway, and that a response breaking the document is caught."""
import os

from stack import ROOT, Stack


def test_the_validating_proxy_catches_what_breaks_the_document():
    with open(os.path.join(ROOT, "docs", "api", "openapi.yaml")) as f:
        doc = f.read()
    needle = "required: [id, name, desc, capacity, price, currency, status, reviewCnt, rating, hostId, createdAt, updatedAt]"
    assert needle in doc, "the Room schema moved: update this test"
    with Stack(name="contract", contract=True) as s:
        before = s.contract_checked  # start() signed the default account up through it
        assert before > 0
        # Prism parses and re-serialises JSON: these must reach the stack byte for byte
        for body, status in (('{"desc":"a","desc":"b"}', 400), ('{"desc":', 400),
                             ('{"desc":"a","capacity":1.0}', 422)):
            r = s.post("/rooms", body=body, headers={"Content-Type": "application/json"})
            assert r.status == status and r.header("X-Request-Id"), (body, r)
        assert s.contract_checked == before
        r = s.post("/rooms", {"desc": "through the proxy"})
        assert r.status == 201 and s.contract_checked == before + 1, r
        assert s.take_violations() == []

        # the same stack behind a document that every Room breaks
        broken = os.path.join(s.var, "openapi-broken.yaml")
        with open(broken, "w") as f:
            f.write(doc.replace(needle, needle[:-1] + ", notAField]"))
        s.stop_contract_proxy()
        s.contract = broken
        s.start_contract_proxy()
        r = s.post("/rooms", {"desc": "Contract"})
        assert r.status == 201, r  # the gateway's answer reaches the test unchanged
        seen = s.take_violations()
        assert [(m, p, st) for m, p, st, _ in seen] == [("POST", "/rooms", 201)], seen
        assert "notAField" in seen[0][3][0]["message"], seen
        assert s.get("/rooms/%d" % r.json["id"]).status == 200
        assert len(s.take_violations()) == 1
        assert s.get("/account").status == 200  # an answer that keeps to the document is quiet
        assert s.take_violations() == []
