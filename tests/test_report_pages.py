"""The monthly report's pages over HTTP: every figure links to its records,
the workbook holds the page's numbers, and the desks remind each reader."""

import re
from datetime import date
from io import BytesIO

from openpyxl import load_workbook

from server.accounts import actor_for_account
from server.case_writes import FindingInput, PatrolInput, record_patrol
from server.clock import today
from server.models import Account, Case, Patrol, Person, SupervisorAssignment, Village
from tests.conftest import sign_in
from tests.test_pages import text_of
from web.workbooks import XLSX

MONTH = "2026-11"


async def patrol_in(village_name: str, on: date, found: str | None = None) -> None:
    """The village's supervisor patrols it on `on`, reporting `found` if given."""
    village = await Village.get(name=village_name)
    assignment = await SupervisorAssignment.get(village_id=village.id)
    account = await Account.get(person_id=assignment.person_id)
    findings = ()
    if found:
        findings = (FindingInput(found, signboard_name=found, address=village_name),)
    patrol = await record_patrol(
        actor_for_account(account),
        PatrolInput(village_id=village.id, patrolled_on=today(), findings=findings),
    )
    await Patrol.filter(id=patrol.id).update(patrolled_on=on)
    await Case.filter(patrol_id=patrol.id).update(reported_on=on)


def figure(page: str, key: str) -> str:
    """The number the report page shows for the figure `key`."""
    cell = re.search(rf'id="figure-{re.escape(key)}">(.*?)</td>', page, re.S)
    return text_of(cell[1]).strip()


async def test_the_report_counts_the_month_and_links_every_figure(staff):
    await patrol_in("寇家村", date(2026, 11, 1), found="启智托管")
    await patrol_in("林家村", date(2026, 11, 30))
    await patrol_in("任家村", date(2026, 10, 31))  # the month before
    await patrol_in("江家村", date(2026, 12, 1))  # the month after

    page = (await staff.get(f"/staff/reports/{MONTH}")).text
    records = await staff.get(f"/staff/reports/{MONTH}/figures/villages_patrolled")

    assert figure(page, "patrols") == "2"
    assert figure(page, "villages_patrolled") == "2 / 38"
    assert figure(page, "found.UNLICENSED") == "1"
    assert f'href="/staff/reports/{MONTH}/figures/found.UNLICENSED"' in page
    assert "寇家村" in records.text and "林家村" in records.text
    assert "任家村" not in records.text and "江家村" not in records.text


async def test_the_workbook_holds_the_numbers_of_the_page(staff):
    await patrol_in("寇家村", date(2026, 11, 3), found="启智托管")

    page = (await staff.get(f"/staff/reports/{MONTH}")).text
    download = await staff.get(f"/staff/reports/{MONTH}.xlsx")
    sheet = load_workbook(BytesIO(download.content)).active
    rows = list(sheet.iter_rows(values_only=True))

    assert download.headers["content-type"] == XLSX
    assert rows[0] == ("月报部分", "数据项", "分项", "数量", "总数")
    shown = re.findall(r'id="figure-([^"]+)">(.*?)</td>', page, re.S)
    numbers = [text_of(value).strip().split(" / ")[0] for _key, value in shown]
    in_book = [
        str(row[3]) if not isinstance(row[3], float) else f"{row[3]:.1f}"
        for row in rows[1:]
        if row[3] is not None
    ]
    for number in numbers:
        if number != "—":
            assert number in in_book or f"{float(number):.1f}" in in_book, number
    assert len([r for r in rows[1:] if r[2] is None]) >= 25  # every whole figure


async def test_a_bad_month_says_what_is_accepted(staff):
    answer = await staff.get("/staff/reports/2026-13")

    assert answer.status_code == 400
    assert "2026-11" in text_of(answer.text)


async def test_only_the_office_and_the_leaders_read_the_report(client):
    await sign_in(client, "liping")
    supervisor = await client.get(f"/staff/reports/{MONTH}")
    await sign_in(client, "fangjun")
    leader = await client.get(f"/staff/reports/{MONTH}")

    assert supervisor.status_code == 403
    assert leader.status_code == 200


async def test_a_schools_workload_statement_prints_alone(staff):
    page = await staff.get(f"/staff/reports/{MONTH}/workload")
    school = re.search(r'href="(/staff/reports/[^"]+/workload/school/\d+)"', page.text)
    statement = await staff.get(school[1])

    assert statement.status_code == 200
    assert "董家中心" in statement.text
    assert "data-print" in statement.text
    workbook = await staff.get(f"/staff/reports/{MONTH}/workload.xlsx")
    assert load_workbook(BytesIO(workbook.content)).sheetnames == [
        "党建指导员（按学校）",
        "社会监督员（按村居）",
    ]


async def test_the_commendation_ranks_from_the_records(staff):
    await patrol_in("寇家村", date(2026, 11, 3), found="启智托管")
    await patrol_in("寇家村", date(2026, 11, 4))
    supervisor = await Person.get(name="李萍")

    page = await staff.get(f"/staff/reports/{MONTH}/commendation")
    first = re.search(r"<tbody><tr><td>1</td><th scope=\"row\">(.*?)</th>", page.text)

    assert first[1] == supervisor.name


async def test_the_desks_remind_each_reader_of_the_month(client):
    await sign_in(client, "admin")
    office = text_of((await client.get("/staff/")).text)
    await sign_in(client, "liping")
    supervisor = text_of((await client.get("/staff/")).text)
    await sign_in(client, "donglanchao")
    instructor = text_of((await client.get("/staff/")).text)

    assert "月报 2026-11" in office and "2026年12月26日" in office
    assert "38 个村居本月尚未巡查" in office
    assert "寇家村" in supervisor
    assert "舞梦" in instructor
