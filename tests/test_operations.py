"""Health checks and logs, as an operator relies on them."""

import logging
import re

from server.settings import Settings
from tests.conftest import ADMIN_PASSWORD, CSRF_FIELD, running, sign_in


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


async def test_no_password_token_or_phone_number_reaches_the_log(settings, caplog):
    secret_password = "wrong-but-secret-password"
    phone = "13912345678"

    with caplog.at_level(logging.DEBUG):
        async with running(settings) as client:
            form = CSRF_FIELD.search((await client.get("/signin")).text).group(1)
            await client.post(
                "/signin",
                data={
                    "login": "admin",
                    "password": secret_password,
                    "csrf_token": form,
                },
            )
            token = await sign_in(client, "admin")
            await client.post(
                "/staff/people/new",
                data={"name": "王五", "phone": phone, "csrf_token": token},
            )
            issued = await client.post(
                "/staff/tokens",
                data={"name": "x", "scope": "READ", "csrf_token": token},
            )
            secret = re.search(
                r'<code class="secret">([^<]+)</code>', issued.text
            ).group(1)
            await client.post(
                "/graphql",
                json={"query": "{ viewer { name } }"},
                headers={"Authorization": f"Bearer {secret}"},
            )

    logged = caplog.text
    for value in (secret_password, ADMIN_PASSWORD, phone, secret, token):
        assert value not in logged
    assert "POST /signin" in logged
