from fastapi.testclient import TestClient

from tests.conftest import assert_error


def test_create_model_and_versions(client: TestClient) -> None:
    r = client.post("/api/v1/models", json={"name": "fraud", "tags": {"team": "risk"}})
    assert r.status_code == 201, r.text
    for expected in (1, 2, 3):
        r = client.post("/api/v1/models/fraud/versions", json={})
        assert r.status_code == 201, r.text
        assert r.json()["number"] == expected
    r = client.get("/api/v1/models/fraud")
    assert r.json()["latest_version"] == 3
    assert r.json()["version_count"] == 3
    assert_error(client.get("/api/v1/models/nope"), 404, "NOT_FOUND")
