"""Exports: every list page as a workbook, exactly as filtered, and the
integrators' full export, read a page of rows at a time."""

import html
import json
import re
from io import BytesIO

from openpyxl import load_workbook

from server import accounts, complaints
from server.accounts import actor_for_account
from server.cases import visible_cases
from server.complaints import Submission
from server.demo_activity import load_demo_activity
from server.models import (
    Account,
    AuditEntry,
    Case,
    Complaint,
    ComplaintState,
    Concern,
    Document,
    Inspection,
    Institution,
    Person,
    TokenScope,
    Village,
)
from server.permissions import COMMAND_LINE
from server.workflow import ENDED
from tests.conftest import counting_statements, running, sign_in
from tests.factories import many_institutions
from web.exports import XLSX

FORMULA = "=cmd|' /C calc'!A0"
NEUTRALISED = "'" + FORMULA


async def sheets(client, url: str) -> dict[str, list[tuple]]:
    """Each sheet of the workbook at `url`, as rows of values."""
    return opened(await client.get(url))


def opened(response) -> dict[str, list[tuple]]:
    """Each sheet of the workbook `response` holds, as rows of values."""
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith(XLSX)
    book = load_workbook(BytesIO(response.content), read_only=True)
    return {sheet.title: list(sheet.iter_rows(values_only=True)) for sheet in book}


async def rows(client, url: str) -> list[tuple]:
    """The rows of the one sheet of the workbook at `url`, headers first."""
    (only,) = (await sheets(client, url)).values()
    return only


def export_form(page: str, name: str) -> dict[str, str]:
    """The fields of the page's export form `name`, as a browser would send them."""
    form = page.split(f'id="{name}-export"')[1].split("</form>")[0]
    return {
        field: html.unescape(value)
        for field, value in re.findall(r'name="(\w+)" value="([^"]*)"', form)
    }


async def exported_rows(client, page: str, name: str) -> list[tuple]:
    """The rows of the workbook the page's export form `name` answers with."""
    response = await client.post("/staff/exports/jobs", data=export_form(page, name))
    (only,) = opened(response).values()
    return only


def case_ids(html: str) -> list[int]:
    return [
        int(i)
        for i in re.findall(r'<th scope="row"><a href="/staff/cases/(\d+)"', html)
    ]


async def test_the_ledger_export_holds_exactly_the_filtered_cases(db, settings, staff):
    await load_demo_activity(settings)

    page = await staff.get("/staff/cases?open=1")
    exported = await exported_rows(staff, page.text, "cases")

    expected = await Case.exclude(state__in=list(ENDED)).order_by("-id")
    assert exported[0][:3] == ("案件", "机构", "村居")
    assert [row[0] for row in exported[1:]] == [case.id for case in expected]
    assert [row[0] for row in exported[1:21]] == case_ids(page.text)


async def test_a_supervisors_ledger_export_holds_only_the_cases_she_sees(db, settings):
    await load_demo_activity(settings)
    supervisor = actor_for_account(await Account.get(login="linqingjie"))
    expected = [case.id for case in await visible_cases(supervisor).order_by("-id")]

    every_case = await Case.all().count()

    async with running(settings) as browser:
        await sign_in(browser, "linqingjie")
        exported = await rows(browser, "/staff/cases.xlsx")

    assert [row[0] for row in exported[1:]] == expected
    assert 0 < len(expected) < every_case


async def test_the_audit_export_holds_exactly_the_filtered_entries(db, settings, staff):
    await load_demo_activity(settings)

    page = await staff.get("/staff/audit?record_type=Institution")
    exported = await exported_rows(staff, page.text, "audit")

    expected = await AuditEntry.filter(record_type="Institution").order_by("-id")
    assert exported[0][:4] == ("时间", "操作人", "操作", "记录")
    assert [row[4] for row in exported[1:]] == [entry.record_id for entry in expected]
    assert {row[3] for row in exported[1:]} == {"机构"}


async def test_the_people_export_holds_exactly_the_people_found(db, staff):
    page = await staff.get("/staff/people?q=李")
    exported = await exported_rows(staff, page.text, "people")

    names = re.findall(r'<th scope="row">([^<]+)</th>', page.text)
    assert exported[0] == ("姓名", "职务", "所在单位", "电话")
    assert [row[0] for row in exported[1:]] == names
    assert names and all("李" in name for name in names)


async def test_the_reports_export_holds_exactly_the_reports_in_the_state_chosen(
    db, staff
):
    for number in range(3):
        await complaints.submit_complaint(
            Submission(f"培训班{number}", Concern.UNLICENSED.value, "无证办学"),
            digest=f"client-{number}",
            per_hour=10,
        )
    dismissed = await Complaint.first()
    dismissed.state = ComplaintState.DISMISSED
    await dismissed.save()

    page = await staff.get("/staff/complaints?state=RECEIVED")
    exported = await exported_rows(staff, page.text, "complaints")

    expected = await Complaint.filter(state=ComplaintState.RECEIVED).order_by("-id")
    assert [row[0] for row in exported[1:]] == [c.reference for c in expected]
    assert len(expected) == 2


async def test_the_desks_inspections_and_the_villages_export_whole(db, settings, staff):
    await load_demo_activity(settings)

    inspected = await rows(staff, "/staff/inspections.xlsx")
    villages = await rows(staff, "/staff/villages.xlsx")

    assert len(inspected) - 1 == await Inspection.all().count()
    assert [row[0] for row in villages[1:]] == [
        village.name for village in await Village.all().order_by("sort_name", "id")
    ]


async def test_a_name_that_looks_like_a_formula_never_runs_in_any_export(
    db, settings, staff
):
    await load_demo_activity(settings)
    case = await Case.filter(institution_id__isnull=False).first()
    institution = await Institution.get(id=case.institution_id)
    institution.registered_name = FORMULA
    await institution.save()
    await Person.filter(id=(await Person.first()).id).update(title=FORMULA)
    await Village.filter(id=(await Village.first()).id).update(name=FORMULA)

    workbooks = [
        await sheets(staff, "/staff/institutions.xlsx"),
        await sheets(staff, f"/staff/institutions/{institution.id}/file.xlsx"),
        await sheets(staff, "/staff/cases.xlsx"),
        await sheets(staff, "/staff/people.xlsx"),
        await sheets(staff, "/staff/villages.xlsx"),
        await sheets(staff, "/staff/exports/institutions.xlsx"),
    ]
    for workbook in workbooks:
        values = {
            value for sheet in workbook.values() for row in sheet for value in row
        }
        assert NEUTRALISED in values and FORMULA not in values


async def test_the_full_export_holds_every_institution_with_its_parts(
    db, settings, staff
):
    await load_demo_activity(settings)

    response = await staff.get("/staff/exports/institutions.json")
    exported = json.loads(response.content)
    workbook = await sheets(staff, "/staff/exports/institutions.xlsx")

    assert response.headers["x-total-count"] == str(await Institution.all().count())
    assert [record["id"] for record in exported] == [
        institution.id for institution in await Institution.all().order_by("id")
    ]
    assert sum(len(record["documents"]) for record in exported) == (
        await Document.all().count()
    )
    assert sum(len(record["inspections"]) for record in exported) == (
        await Inspection.all().count()
    )
    cases = [case for record in exported for case in record["cases"]]
    assert len(cases) == await Case.filter(institution_id__isnull=False).count()
    assert set(cases[0]) == {"id", "kind", "state", "reportedOn"}
    inspected = next(record for record in exported if record["inspections"])
    assert set(inspected["inspections"][0]) == {
        "id",
        "inspectedOn",
        "score",
        "card",
        "vetoed",
    }
    assert list(workbook) == ["机构清单", "证照", "党建指导员", "督查记录", "案件"]
    assert len(workbook["机构清单"]) - 1 == len(exported)
    assert len(workbook["督查记录"]) - 1 == await Inspection.all().count()


async def test_an_integrators_token_opens_the_full_export(db, settings):
    issued = await accounts.issue_token(COMMAND_LINE, "district", TokenScope.READ)
    bearer = {"Authorization": f"Bearer {issued.secret}"}
    every_institution = await Institution.all().count()

    async with running(settings) as integrator:
        exported = await integrator.get(
            "/staff/exports/institutions.json", headers=bearer
        )
        page = await integrator.get("/staff/cases.xlsx", headers=bearer)

    assert len(exported.json()) == every_institution
    # Tokens open the full exports only; the pages are for people.
    assert page.status_code == 303


async def test_anonymous_readers_are_sent_to_sign_in(client):
    for url in (
        "/staff/cases.xlsx",
        "/staff/audit.xlsx",
        "/staff/people.xlsx",
        "/staff/complaints.xlsx",
        "/staff/inspections.xlsx",
        "/staff/villages.xlsx",
        "/staff/institutions.xlsx",
        "/staff/exports/institutions.json",
        "/staff/exports/institutions.xlsx",
    ):
        response = await client.get(url)
        assert response.status_code == 303, url
        assert response.headers["location"].startswith("/signin"), url


async def test_exports_read_a_statement_per_page_of_rows_not_per_row(db, staff):
    with counting_statements() as one_page:
        few = await rows(staff, "/staff/institutions.xlsx")
        await staff.get("/staff/exports/institutions.json")
    await many_institutions(1200)
    with counting_statements() as three_pages:
        many = await rows(staff, "/staff/institutions.xlsx")
        full = (await staff.get("/staff/exports/institutions.json")).json()

    assert len(few) - 1 < 500 and len(many) - 1 == len(full) > 1000
    # Every page of 500 rows costs the statements the first page did.
    assert len(three_pages.statements) <= 3 * len(one_page.statements)
