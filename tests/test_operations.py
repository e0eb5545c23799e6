"""Health checks and logs, as an operator relies on them."""

import logging

from server.settings import Settings
from tests.conftest import running


async def test_healthz_reports_a_reachable_database(client):
    response = await client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}


async def test_healthz_reports_an_unreachable_database(tmp_path):
    unreachable = Settings(
        database_url="postgres://nobody@127.0.0.1:1/none",
        secret_key="test-secret",
        var_dir=tmp_path,
    )
    async with running(unreachable) as client:
        response = await client.get("/healthz")

    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "database": "unreachable"}


async def test_one_line_per_request_without_the_query_string(staff, caplog):
    with caplog.at_level(logging.INFO, logger="xiaowai.requests"):
        await staff.get("/staff/institutions", params={"q": "张三 13800000000"})

    lines = [r.getMessage() for r in caplog.records if r.name == "xiaowai.requests"]
    assert len(lines) == 1
    method, path, status, duration = lines[0].split()
    assert (method, path, status) == ("GET", "/staff/institutions", "200")
    assert duration.endswith("ms")
    assert "13800000000" not in caplog.text
