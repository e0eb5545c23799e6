"""The staff pages, read over HTTP as a browser without JavaScript reads them."""

import re

import pytest

from server import database, organisation
from server.seed import ensure_administrator
from server.settings import Settings
from tests import factories
from tests.conftest import ADMIN_PASSWORD, running, sign_in

STAFF_PAGES = [
    "/",
    "/staff/",
    "/staff/organisation",
    "/staff/institutions",
    "/staff/institutions/1",
    "/staff/cases",
    "/staff/report",
]


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


async def test_pages_speak_chinese_by_default_whatever_the_browser_language(staff):
    response = await staff.get(
        "/staff/organisation", headers={"Accept-Language": "en-US,en;q=0.9"}
    )

    assert response.status_code == 200
    assert '<html lang="zh-CN">' in response.text
    assert "领导小组" in response.text
    assert "Leadership group" not in response.text


async def test_language_switch_remembers_english_and_returns_to_the_page(staff):
    switched = await staff.get(
        "/language", params={"to": "en", "next": "/staff/institutions?q=x"}
    )
    page = await staff.get("/staff/institutions")

    assert switched.status_code == 303
    assert switched.headers["location"] == "/staff/institutions?q=x"
    assert "lang=en" in switched.headers["set-cookie"]
    assert "HttpOnly" in switched.headers["set-cookie"]
    assert '<html lang="en">' in page.text
    assert "Institutions" in page.text


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example/",
        "//evil.example/",
        "/\\evil.example",
        "javascript:alert(1)",
    ],
)
async def test_language_switch_never_redirects_off_site(staff, target):
    response = await staff.get("/language", params={"to": "en", "next": target})

    assert response.headers["location"] == "/"


async def test_subdistrict_page_shows_the_whole_organisation(staff):
    html = (await staff.get("/staff/organisation")).text
    text = text_of(html)

    assert "董家街道" in text and "历城区" in text and "济南市" in text
    assert "历城区董家街道校外培训综合治理示范区创建工作领导小组" in text
    assert "组长 方君 党工委副书记、办事处主任" in text
    assert "办公室主任 孟兆新" in text
    assert "办公室副主任 刘忠海" in text
    assert "巨野河管理区 崔海员" in text
    assert "共 38 个村居" in text
    assert "寇家村 未划分 李萍" in text
    assert "后二舍村 未划分 许继明" in text
    assert "徐明宝 济南市历城区育创教育培训学校" in text


async def test_roster_lists_the_institutions_with_status_and_instructor(staff):
    text = text_of((await staff.get("/staff/institutions")).text)

    assert "共找到 9 家机构" in text
    assert "济南利尔培训学校有限公司 未知 未知 未知 证照齐全 正常经营 马丽" in text


async def test_roster_search_works_as_a_plain_get_form(staff):
    response = await staff.get("/staff/institutions", params={"q": "领创"})
    text = text_of(response.text)

    assert "共找到 1 家机构" in text
    assert "济南市历城区领创教育培训学校" in text
    assert 'value="领创"' in response.text
    assert "<html" in response.text


async def test_htmx_search_gets_only_the_results_block(staff):
    response = await staff.get(
        "/staff/institutions",
        params={"q": "弘文"},
        headers={"HX-Request": "true", "HX-Target": "roster-results"},
    )

    assert response.text.lstrip().startswith('<section id="roster-results"')
    assert "<html" not in response.text
    assert "济南市弘文培训学校" in response.text
    assert "HX-Target" in response.headers["vary"]


async def test_roster_pages_through_many_institutions(staff, db):
    await factories.many_institutions(25)

    first = await staff.get("/staff/institutions")
    next_link = (
        re.search(r'rel="next" href="([^"]+)"', first.text)
        .group(1)
        .replace("&amp;", "&")
    )
    second = await staff.get(next_link)

    assert "共找到 34 家机构" in text_of(first.text)
    assert first.text.count('<th scope="row">') == 20
    assert second.text.count('<th scope="row">') == 14
    assert 'rel="prev"' in second.text and 'rel="next"' not in second.text


async def test_roster_refuses_a_bad_filter_with_a_message_listing_the_choices(staff):
    response = await staff.get(
        "/staff/institutions", params={"license_status": "MAYBE"}
    )
    text = text_of(response.text)

    assert response.status_code == 200
    assert 'role="alert"' in response.text
    assert (
        "证照状态: 请从以下选项中选择：证照齐全、有照无证、无证无照、证照办理中。"
        in text
    )
    assert "共找到 9 家机构" in text


async def test_a_broken_page_link_gets_a_page_saying_to_start_again(staff):
    response = await staff.get("/staff/institutions", params={"after": "garbage"})

    assert response.status_code == 400
    assert "此分页链接不属于该列表，请从第一页开始。" in response.text


async def test_institution_page_shows_documents_with_unknown_numbers(staff):
    roster = await staff.get("/staff/institutions", params={"q": "田野里"})
    link = re.search(r'href="(/staff/institutions/\d+)"', roster.text).group(1)

    text = text_of((await staff.get(link)).text)

    assert "济南市历城区田野里艺术培训学校有限公司" in text
    assert "办学许可证 已取得 未知" in text
    assert "营业执照 已取得 未知" in text
    assert "统一社会信用代码 未知" in text
    assert "张明" in text


async def test_unknown_institution_is_a_404_page_in_chinese(staff):
    response = await staff.get("/staff/institutions/999999")

    assert response.status_code == 404
    assert "页面不存在" in response.text


@pytest.mark.parametrize("path", STAFF_PAGES)
async def test_pages_have_the_accessible_skeleton(staff, path):
    html = (await staff.get(path)).text

    assert '<a class="skip-link" href="#main">' in html
    assert '<main id="main"' in html
    assert "<nav" in html
    assert re.search(r"<h1[ >]", html)


@pytest.mark.parametrize("path", STAFF_PAGES)
async def test_pages_load_nothing_from_another_host(staff, path):
    html = (await staff.get(path)).text

    assert not re.search(r'(src|href)="(https?:)?//', html)
    assert "<script>" not in html and "style=" not in html


@pytest.mark.parametrize(
    "path",
    [*STAFF_PAGES, "/healthz", "/static/css/site.css", "/graphql", "/no-such-page"],
)
async def test_every_response_carries_the_security_headers(staff, path):
    headers = (await staff.get(path)).headers

    assert "frame-ancestors 'none'" in headers["content-security-policy"]
    assert "script-src 'self'" in headers["content-security-policy"]
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] == "same-origin"


async def test_vendored_htmx_is_served(staff):
    response = await staff.get("/static/vendor/htmx-2.0.11.min.js")

    assert response.status_code == 200
    assert 'version:"2.0.11"' in response.text


async def test_htmx_page_links_of_villages_get_only_the_villages_block(staff):
    response = await staff.get(
        "/staff/organisation", headers={"HX-Request": "true", "HX-Target": "villages"}
    )

    assert response.text.lstrip().startswith('<section id="villages"')
    assert "寇家村" in response.text
    assert "领导小组" not in response.text


async def test_pages_of_a_migrated_but_empty_database_say_what_to_do(
    empty_database_url, tmp_path
):
    await database.migrate(empty_database_url)
    settings = Settings(
        database_url=empty_database_url, secret_key="x", var_dir=tmp_path
    )

    async with database.connect(empty_database_url):
        await ensure_administrator(ADMIN_PASSWORD)

    async with running(settings) as client:
        await sign_in(client, "admin")
        organisation = await client.get("/staff/organisation")
        roster = await client.get("/staff/institutions")

    assert organisation.status_code == 200
    assert "xiaowai seed" in organisation.text
    assert "共找到 0 家机构" in text_of(roster.text)


async def test_a_fault_answers_a_plain_page_that_tells_nothing_of_it(
    staff, monkeypatch
):
    async def broken():
        raise RuntimeError("connection string postgres://secret@db leaked")

    monkeypatch.setattr(organisation, "home_subdistrict", broken)
    staff._transport.raise_app_exceptions = False  # answer as a server would

    response = await staff.get("/staff/organisation")

    assert response.status_code == 500
    assert "系统出错" in response.text
    assert "secret" not in response.text and "Traceback" not in response.text
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
    assert response.headers["x-content-type-options"] == "nosniff"
