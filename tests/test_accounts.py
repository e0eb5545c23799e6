"""Signing in and out, sessions, passwords and the CSRF guard of every form."""

import re
from datetime import timedelta

import pytest

from server import accounts
from server.authentication import SESSION_COOKIE
from server.models import Account, Session
from tests.conftest import ADMIN_PASSWORD, CSRF_FIELD, DEMO_PASSWORD, running, sign_in


async def sign_in_form(client) -> str:
    return CSRF_FIELD.search((await client.get("/signin")).text).group(1)


async def test_staff_pages_send_anonymous_readers_to_sign_in_and_back(client):
    response = await client.get("/staff/institutions", params={"q": "弘文"})

    assert response.status_code == 303
    assert (
        response.headers["location"]
        == "/signin?next=%2Fstaff%2Finstitutions%3Fq%3D%25E5%25BC%2598%25E6%2596%2587"
    )

    form = await sign_in_form(client)
    signed_in = await client.post(
        "/signin",
        data={
            "login": "admin",
            "password": ADMIN_PASSWORD,
            "csrf_token": form,
            "next": "/staff/institutions?q=弘文",
        },
    )
    assert signed_in.headers["location"] == "/staff/institutions?q=%E5%BC%98%E6%96%87"


async def test_session_cookie_is_signed_http_only_and_lax(client):
    form = await sign_in_form(client)
    response = await client.post(
        "/signin",
        data={"login": "admin", "password": ADMIN_PASSWORD, "csrf_token": form},
    )

    cookie = response.headers["set-cookie"]
    value = re.search(rf"{SESSION_COOKIE}=([^;]+)", cookie).group(1)
    assert "HttpOnly" in cookie
    assert "SameSite=lax" in cookie
    assert "Secure" not in cookie  # served over http here
    assert accounts.unsign_cookie(value, "test-secret") is not None
    tampered = value[:-1] + ("1" if value.endswith("0") else "0")
    assert accounts.unsign_cookie(tampered, "test-secret") is None


async def test_session_cookie_is_secure_over_https(settings):
    async with running(settings) as client:
        client.base_url = "https://test"
        form = await sign_in_form(client)
        response = await client.post(
            "/signin",
            data={"login": "admin", "password": ADMIN_PASSWORD, "csrf_token": form},
            headers={"Origin": "https://test"},
        )

    assert "Secure" in response.headers["set-cookie"]


async def test_a_forged_session_cookie_opens_nothing(client):
    client.cookies.set(SESSION_COOKIE, "made-up-token.0123456789abcdef0123456789abcdef")

    response = await client.get("/staff/")

    assert response.status_code == 303


async def test_wrong_password_is_refused_in_the_pages_language(client):
    form = await sign_in_form(client)

    response = await client.post(
        "/signin",
        data={"login": "admin", "password": "nope-nope-nope", "csrf_token": form},
    )

    assert response.status_code == 422
    assert "登录名或密码不正确。" in response.text
    assert SESSION_COOKIE not in response.headers.get("set-cookie", "")


async def test_repeated_failures_are_slowed_then_refused_for_a_while(
    client, monkeypatch
):
    waits = []

    async def note_wait(seconds):
        waits.append(seconds)

    monkeypatch.setattr(accounts.asyncio, "sleep", note_wait)
    form = await sign_in_form(client)

    answers = []
    for _attempt in range(accounts.LOCK_AFTER["account"] + 1):
        response = await client.post(
            "/signin",
            data={"login": "liping", "password": "wrong-password", "csrf_token": form},
        )
        answers.append(response.status_code)
    right_password = await client.post(
        "/signin",
        data={"login": "liping", "password": DEMO_PASSWORD, "csrf_token": form},
    )

    assert answers == [422, 422, 422, 422, 429, 429]
    assert waits == [1.0]
    assert right_password.status_code == 429
    assert re.search(
        r"登录失败次数过多，请于 \d\d:\d\d 之后再试。", right_password.text
    )


async def test_a_locked_account_opens_again_after_the_lock(client, db, monkeypatch):
    monkeypatch.setattr(accounts.asyncio, "sleep", lambda seconds: _nothing())
    form = await sign_in_form(client)
    for _attempt in range(accounts.LOCK_AFTER["account"]):
        await client.post(
            "/signin",
            data={"login": "liping", "password": "wrong-password", "csrf_token": form},
        )
    monkeypatch.setattr(
        accounts,
        "now",
        lambda: accounts.datetime.now(accounts.OFFICE_TIMEZONE) + timedelta(minutes=16),
    )

    response = await client.post(
        "/signin",
        data={"login": "liping", "password": DEMO_PASSWORD, "csrf_token": form},
    )

    assert response.status_code == 303


async def _nothing():
    return None


async def test_sign_out_really_ends_the_session(staff):
    cookie = staff.cookies[SESSION_COOKIE]
    token = CSRF_FIELD.search((await staff.get("/staff/")).text).group(1)

    await staff.post("/signout", data={"csrf_token": token})
    staff.cookies.set(SESSION_COOKIE, cookie)  # a copy kept by an attacker
    response = await staff.get("/staff/")

    assert response.status_code == 303


async def test_an_idle_session_expires(staff, db):
    await Session.all().update(last_seen_at=accounts.now() - timedelta(minutes=31))

    response = await staff.get("/staff/")

    assert response.status_code == 303
    assert await Session.all().count() == 0


async def test_a_session_ends_after_its_lifetime_however_busy(staff, db):
    await Session.all().update(created_at=accounts.now() - timedelta(hours=13))

    response = await staff.get("/staff/")

    assert response.status_code == 303


async def test_changing_the_password_signs_out_other_sessions(settings):
    async with running(settings) as phone, running(settings) as desk:
        await sign_in(phone, "liping")
        token = await sign_in(desk, "liping")

        changed = await desk.post(
            "/account/password",
            data={
                "current_password": DEMO_PASSWORD,
                "new_password": "a-brand-new-password",
                "new_password_again": "a-brand-new-password",
                "csrf_token": token,
            },
        )
        still_in = await desk.get("/staff/")
        other = await phone.get("/staff/")

    assert changed.status_code == 200
    assert "密码已修改" in changed.text
    assert still_in.status_code == 200
    assert other.status_code == 303


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"current_password": "wrong-one-here"}, "当前密码不正确。"),
        (
            {"new_password": "short", "new_password_again": "short"},
            "密码至少需要 10 个字符。",
        ),
        ({"new_password_again": "something-else"}, "两次输入的新密码不一致。"),
    ],
)
async def test_a_refused_password_change_says_why_and_changes_nothing(
    settings, fields, message
):
    async with running(settings) as client:
        token = await sign_in(client, "liping")
        data = {
            "current_password": DEMO_PASSWORD,
            "new_password": "a-brand-new-password",
            "new_password_again": "a-brand-new-password",
            "csrf_token": token,
            **fields,
        }
        response = await client.post("/account/password", data=data)

    account = await _account("liping", settings.database_url)
    assert response.status_code == 422
    assert message in response.text
    assert accounts._verify(account.password_hash, DEMO_PASSWORD)


async def _account(login, database_url):
    from server import database

    async with database.connect(database_url):
        return await Account.get(login=login)


def post_routes() -> list[str]:
    """Every path that accepts a form, its parameters filled in with 1."""
    from web import routes

    return [
        re.sub(r"\{[^}]+\}", "1", route.path)
        for route in routes
        if "POST" in (route.methods or ())
    ]


@pytest.mark.parametrize("path", post_routes())
async def test_every_form_refuses_a_post_without_its_csrf_token(staff, path):
    missing = await staff.post(path, data={"name": "x"}, headers={"X-CSRF-Token": ""})
    wrong = await staff.post(
        path, data={"name": "x", "csrf_token": "forged"}, headers={"X-CSRF-Token": ""}
    )

    assert missing.status_code == 403
    assert wrong.status_code == 403
    assert "此表单不是从本站页面提交的" in missing.text


async def test_a_form_posted_from_another_site_is_refused_even_with_a_token(staff):
    token = staff.headers["X-CSRF-Token"]

    response = await staff.post(
        "/staff/tokens",
        data={"name": "x", "scope": "READ", "csrf_token": token},
        headers={"Origin": "https://evil.example"},
    )

    assert response.status_code == 403


async def test_guessing_many_logins_from_one_address_is_refused_too(
    client, monkeypatch
):
    monkeypatch.setattr(accounts.asyncio, "sleep", lambda seconds: _nothing())
    form = await sign_in_form(client)

    for attempt in range(accounts.LOCK_AFTER["address"]):
        await client.post(
            "/signin",
            data={"login": f"guess{attempt}", "password": "x" * 12, "csrf_token": form},
        )
    response = await client.post(
        "/signin",
        data={"login": "admin", "password": ADMIN_PASSWORD, "csrf_token": form},
    )

    assert response.status_code == 429
