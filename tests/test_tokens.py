"""Integrators' API tokens: issued once, stored hashed, scoped, revocable."""

import os
import re
import subprocess
import sys

from server import database
from server.models import ApiToken
from tests.conftest import GraphQLClient, running, sign_in

VIEWER = "{ viewer { kind name tokenScope } institutions { totalCount } }"


def create_token_on_the_command_line(database_url: str, tmp_path, scope: str) -> str:
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "server",
            "token",
            "create",
            "--name",
            "district",
            "--scope",
            scope,
        ],
        env={
            **os.environ,
            "DATABASE_URL": database_url,
            "XIAOWAI_VAR_DIR": str(tmp_path),
        },
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.splitlines()[-1]


async def test_a_token_from_the_command_line_opens_the_api(settings, tmp_path):
    secret = create_token_on_the_command_line(settings.database_url, tmp_path, "read")

    async with running(settings) as client:
        api = GraphQLClient(client, headers={"Authorization": f"Bearer {secret}"})
        data = await api.data(VIEWER)

    async with database.connect(settings.database_url):
        stored = await ApiToken.get(name="district")
    assert re.fullmatch(r"xw_[A-Za-z0-9_-]{43}", secret)
    assert data == {
        "viewer": {"kind": "TOKEN", "name": "district", "tokenScope": "READ"},
        "institutions": {"totalCount": 9},
    }
    assert stored.token_hash != secret and secret not in stored.token_hash
    assert stored.last_used_at is not None


async def test_without_a_token_the_api_shows_nothing_private(anonymous_graphql):
    answer = await anonymous_graphql(VIEWER)

    assert answer["data"] is None
    assert answer["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_a_revoked_or_unknown_token_is_refused_outright(
    settings, tmp_path, staff
):
    secret = create_token_on_the_command_line(settings.database_url, tmp_path, "write")
    page = await staff.get("/staff/tokens")
    token_id = re.search(r"/staff/tokens/(\d+)/revoke", page.text).group(1)

    await staff.post(
        f"/staff/tokens/{token_id}/revoke",
        data={"csrf_token": staff.headers["X-CSRF-Token"]},
    )
    revoked = await staff.post(
        "/graphql",
        json={"query": VIEWER},
        headers={"Authorization": f"Bearer {secret}"},
    )
    unknown = await staff.post(
        "/graphql",
        json={"query": VIEWER},
        headers={"Authorization": "Bearer xw_nothing"},
    )

    assert revoked.status_code == unknown.status_code == 401
    assert revoked.headers["www-authenticate"] == 'Bearer error="invalid_token"'
    assert "已于" in (await staff.get("/staff/tokens")).text


async def test_the_tokens_page_shows_a_new_token_once(staff):
    token = staff.headers["X-CSRF-Token"]

    created = await staff.post(
        "/staff/tokens",
        data={"name": "区级平台", "scope": "WRITE", "csrf_token": token},
    )
    secret = re.search(r'<code class="secret">([^<]+)</code>', created.text).group(1)
    listed = await staff.get("/staff/tokens")
    answer = await staff.post(
        "/graphql",
        json={"query": "{ viewer { name tokenScope } }"},
        headers={"Authorization": f"Bearer {secret}", "X-CSRF-Token": ""},
    )

    assert created.status_code == 201
    assert "只显示这一次" in created.text
    assert secret not in listed.text
    assert secret[:10] in listed.text
    assert answer.json()["data"]["viewer"] == {
        "name": "区级平台",
        "tokenScope": "WRITE",
    }


async def test_a_token_needs_a_name_and_a_known_scope(staff):
    token = staff.headers["X-CSRF-Token"]

    unnamed = await staff.post(
        "/staff/tokens", data={"name": " ", "scope": "READ", "csrf_token": token}
    )
    unscoped = await staff.post(
        "/staff/tokens", data={"name": "x", "scope": "ALL", "csrf_token": token}
    )

    assert unnamed.status_code == unscoped.status_code == 422
    assert "请填写令牌名称。" in unnamed.text
    assert "请选择只读或读写。" in unscoped.text


async def test_only_administrators_manage_tokens(settings):
    async with running(settings) as client:
        token = await sign_in(client, "liping")
        page = await client.get("/staff/tokens")
        post = await client.post(
            "/staff/tokens", data={"name": "x", "scope": "READ", "csrf_token": token}
        )

    assert page.status_code == post.status_code == 403
    assert "您的账号无权进行此操作。" in page.text


async def test_a_signed_in_page_may_call_the_api_only_with_its_csrf_header(staff):
    good = await staff.post("/graphql", json={"query": "{ viewer { name } }"})
    no_header = await staff.post(
        "/graphql", json={"query": "{ viewer { name } }"}, headers={"X-CSRF-Token": ""}
    )
    cross_site = await staff.post(
        "/graphql",
        content='{"query": "{ viewer { name } }"}',
        headers={"Content-Type": "text/plain", "Origin": "https://evil.example"},
    )

    assert good.json()["data"] == {"viewer": {"name": "admin"}}
    assert no_header.status_code == cross_site.status_code == 403


async def test_a_token_does_not_open_the_staff_pages(settings, tmp_path):
    secret = create_token_on_the_command_line(settings.database_url, tmp_path, "write")

    async with running(settings) as client:
        page = await client.get(
            "/staff/", headers={"Authorization": f"Bearer {secret}"}
        )

    assert page.status_code == 303
    assert page.headers["location"].startswith("/signin")


async def test_a_tokens_repeated_query_is_answered_from_its_own_cache(
    settings, tmp_path, staff
):
    reader = create_token_on_the_command_line(settings.database_url, tmp_path, "read")
    writer = create_token_on_the_command_line(settings.database_url, tmp_path, "write")

    def ask(secret: str):
        return staff.post(
            "/graphql",
            json={"query": VIEWER},
            headers={"Authorization": f"Bearer {secret}", "Cookie": ""},
        )

    first, again, other = await ask(reader), await ask(reader), await ask(writer)
    page = await staff.get("/staff/tokens")
    token_id = re.search(r"/staff/tokens/(\d+)/revoke", page.text).group(1)
    await staff.post(
        f"/staff/tokens/{token_id}/revoke",
        data={"csrf_token": staff.headers["X-CSRF-Token"]},
    )
    revoked = [await ask(reader), await ask(writer)]

    assert first.headers["etag"] == again.headers["etag"]
    assert again.content == first.content
    assert other.headers["etag"] != first.headers["etag"]
    assert other.json()["data"]["viewer"]["tokenScope"] == "WRITE"
    # A revoked token is refused before any kept answer is looked up.
    assert sorted(response.status_code for response in revoked) == [200, 401]
