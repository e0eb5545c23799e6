"""Several server processes on one database: what they share stays right.

`xiaowai serve --workers 2` forks two processes behind one port, and the
kernel hands each new connection to either. Every request here opens a new
connection, so over a few dozen requests both processes serve: sessions,
sign-in throttling and the answers kept by the response cache must hold
whichever process a request reaches, since all of them live in the
database.
"""

import asyncio

import httpx
import pytest

from server import database
from tests import factories
from tests.conftest import CSRF_FIELD, DEMO_PASSWORD, serving

REQUESTS = 30
DIRECTORY = {"query": '{ directory(filter: {text: "多进程招牌"}) { totalCount } }'}


@pytest.fixture
def two_workers(database_url, tmp_path):
    with serving(database_url, tmp_path, workers=2) as served:
        yield served


def fresh(base_url: str, **options) -> httpx.Client:
    """A client that opens a new connection for every request."""
    limits = httpx.Limits(max_keepalive_connections=0)
    return httpx.Client(base_url=base_url, limits=limits, timeout=20, **options)


def sign_in(client: httpx.Client, login: str, password: str) -> httpx.Response:
    form = client.get("/signin")
    return client.post(
        "/signin",
        data={
            "login": login,
            "password": password,
            "csrf_token": CSRF_FIELD.search(form.text).group(1),
        },
    )


def test_a_session_opened_on_one_process_is_known_to_every_other(two_workers):
    with fresh(two_workers.base_url) as browser:
        assert sign_in(browser, "liping", DEMO_PASSWORD).status_code == 303

        pages = [browser.get("/staff/") for _ in range(REQUESTS)]
        browser.post(
            "/signout",
            data={"csrf_token": CSRF_FIELD.search(pages[0].text).group(1)},
        )
        after = [browser.get("/staff/") for _ in range(REQUESTS // 3)]

    assert {page.status_code for page in pages} == {200}
    assert {page.status_code for page in after} == {303}


def test_failed_sign_ins_are_counted_across_processes(two_workers):
    with fresh(two_workers.base_url) as browser:
        answers = [sign_in(browser, "liping", "wrong-password-1") for _ in range(6)]
        right = sign_in(browser, "liping", DEMO_PASSWORD)

    # The account locks after five failures, whichever process counted them.
    assert [answer.status_code for answer in answers][-1] == 429
    assert right.status_code == 429


def test_a_write_changes_the_answers_kept_by_every_process(two_workers):
    with fresh(two_workers.base_url) as anyone:
        before = [anyone.post("/graphql", json=DIRECTORY).json() for _ in range(8)]

    asyncio.run(_rename_a_listed_institution(two_workers.database_url))

    with fresh(two_workers.base_url) as anyone:
        after = [anyone.post("/graphql", json=DIRECTORY).json() for _ in range(8)]

    assert {b["data"]["directory"]["totalCount"] for b in before} == {0}
    assert {a["data"]["directory"]["totalCount"] for a in after} == {1}


async def _rename_a_listed_institution(database_url: str) -> None:
    """A write made from outside both processes, as a third one would."""
    async with database.connect(database_url):
        await factories.rename_signboard("舞梦", "多进程招牌舞蹈")
