def test_declare_to_resolve_over_the_api(admin):
    c = admin.client
    assert c.post("/api/v1/services", json={"name": "checkout"}).status_code == 201
    r = c.post("/api/v1/incidents", json={"title": "Checkout is down", "severity": "SEV1",
                                          "services": ["checkout"]})
    assert r.status_code == 201, r.text
    assert r.json()["ref"] == "INC-1"
    assert c.post("/api/v1/incidents/INC-1/roles", json={"role": "commander", "user": admin.email}).status_code == 200
    for status in ("investigating", "mitigated"):
        assert c.post("/api/v1/incidents/INC-1/status", json={"status": status}).json()["status"] == status
    r = c.post("/api/v1/incidents/INC-1/status", json={"status": "resolved", "resolution": "rolled back"})
    assert r.json()["status"] == "resolved"
    kinds = [e["kind"] for e in c.get("/api/v1/incidents/INC-1/timeline").json()["items"]]
    assert kinds == ["declared", "commander_changed", "status_changed", "status_changed", "status_changed"]
