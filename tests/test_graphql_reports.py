"""The monthly report and the workload over GraphQL: the domain's figures."""

from dataclasses import replace

from strawberry import relay

from server import reports, workload
from server.accounts import actor_for_account
from server.models import Account
from server.reports import Calendar
from tests import crafted_month
from tests.conftest import GraphQLClient, running, sign_in

NOVEMBER = Calendar().month(2026, 11)

FIGURE = "key label value of group"
REPORT = f"""
query($month: String!) {{ monthlyReport(month: $month) {{
  period {{ name start end due }}
  sections {{ key title figures {{ {FIGURE} parts {{ {FIGURE} }} }} }}
  scores {{ average lowest highest }}
  resettlement {{ studentsResettled feesRefunded }}
}} }}
"""
WORKER = (
    "person name patrols problemsFound followedThrough inspections "
    "institutionsInspected institutionsPosted findingsFollowedUp total"
)
WORKLOAD = f"""
query($month: String!) {{ workload(month: $month) {{
  period {{ name }}
  schools {{ id name people {{ {WORKER} }} total {{ {WORKER} }} }}
  villages {{ id name people {{ {WORKER} }} total {{ {WORKER} }} }}
}} }}
"""


async def admin():
    return actor_for_account(await Account.get(login="admin"))


def figure_as_api(figure: reports.Figure, *, with_parts: bool = True) -> dict:
    shown = {
        "key": figure.key,
        "label": figure.label,
        "value": figure.value,
        "of": figure.of,
        "group": figure.group,
    }
    if with_parts:
        shown["parts"] = [figure_as_api(p, with_parts=False) for p in figure.parts]
    return shown


def report_as_api(report: reports.MonthlyReport) -> dict:
    def text(value) -> str | None:
        return None if value is None else str(value)

    period = report.period
    return {
        "period": {
            "name": period.name,
            "start": period.start.isoformat(),
            "end": period.end.isoformat(),
            "due": period.due.isoformat(),
        },
        "sections": [
            {
                "key": section.key,
                "title": section.title,
                "figures": [figure_as_api(figure) for figure in section.figures],
            }
            for section in report.sections
        ],
        "scores": {
            "average": text(report.scores.average),
            "lowest": text(report.scores.lowest),
            "highest": text(report.scores.highest),
        },
        "resettlement": {
            "studentsResettled": report.resettlement.students_resettled,
            "feesRefunded": str(report.resettlement.fees_refunded),
        },
    }


def work_as_api(work: workload.Work) -> dict:
    return {
        "person": str(relay.GlobalID("Person", str(work.person_id)))
        if work.person_id
        else None,
        "name": work.name,
        "patrols": work.patrols,
        "problemsFound": work.problems_found,
        "followedThrough": work.followed_through,
        "inspections": work.inspections,
        "institutionsInspected": work.institutions_inspected,
        "institutionsPosted": work.institutions_posted,
        "findingsFollowedUp": work.findings_followed_up,
        "total": work.total,
    }


def statement_as_api(statement: workload.Statement, type_name: str) -> dict:
    return {
        "id": str(relay.GlobalID(type_name, str(statement.id))),
        "name": statement.name,
        "people": [work_as_api(work) for work in statement.people],
        "total": work_as_api(statement.total),
    }


async def test_the_report_over_graphql_has_the_domains_figures(db, graphql, tmp_path):
    await crafted_month.place_villages_in_districts()
    await crafted_month.craft_november(tmp_path)

    answer = await graphql.data(REPORT, month="2026-11")

    expected = await reports.monthly_report(await admin(), NOVEMBER)
    assert answer["monthlyReport"] == report_as_api(expected)
    assert answer["monthlyReport"]["scores"] == {
        "average": "91.5",
        "lowest": "80.0",
        "highest": "100.0",
    }
    assert answer["monthlyReport"]["resettlement"] == {
        "studentsResettled": 15,
        "feesRefunded": "7500.50",
    }


async def test_the_workload_over_graphql_has_the_domains_statements(
    db, graphql, tmp_path
):
    await crafted_month.place_villages_in_districts()
    await crafted_month.craft_november(tmp_path)

    answer = await graphql.data(WORKLOAD, month="2026-11")

    expected = await workload.workload(await admin(), NOVEMBER)
    assert answer["workload"] == {
        "period": {"name": "2026-11"},
        "schools": [statement_as_api(s, "School") for s in expected.schools],
        "villages": [statement_as_api(s, "Village") for s in expected.villages],
    }
    kou = next(v for v in answer["workload"]["villages"] if v["name"] == "寇家村")
    assert [(w["name"], w["total"]) for w in kou["people"]] == [("李萍", 5)]


async def test_a_figure_or_one_of_its_parts_is_read_by_its_key(db, graphql, tmp_path):
    await crafted_month.craft_november(tmp_path)

    answer = await graphql.data(
        """{ monthlyReport(month: "2026-11") {
          overdue: figure(key: "notices_overdue") { key value group parts { key } }
          green: figure(key: "cards.GREEN") { key value group }
          missing: figure(key: "found.NOTHING") { key }
        } }"""
    )

    assert answer["monthlyReport"] == {
        "overdue": {
            "key": "notices_overdue",
            "value": 2,
            "group": None,
            "parts": [],
        },
        "green": {"key": "cards.GREEN", "value": 3, "group": "GREEN"},
        "missing": None,
    }


async def test_a_year_is_reported_whole(graphql):
    answer = await graphql.data(
        '{ monthlyReport(month: "2026") { period { name start end due } } }'
    )

    assert answer["monthlyReport"]["period"] == {
        "name": "2026",
        "start": "2026-01-01",
        "end": "2026-12-31",
        "due": None,
    }


async def test_a_month_written_otherwise_is_refused_saying_what_is_accepted(
    graphql,
):
    graphql.headers["Accept-Language"] = "en"
    english = await graphql(REPORT, month="11/2026")
    graphql.headers["Accept-Language"] = "zh-CN"
    chinese = await graphql(WORKLOAD, month="2026-13")

    [error] = english["errors"]
    assert english["data"] is None
    assert error["message"] == "Write a month as 2026-11, or a year as 2026."
    assert error["extensions"] == {"code": "INVALID", "field": "month"}
    assert chinese["errors"][0]["message"] == "月份请写成 2026-11，年份请写成 2026。"


async def test_the_reporting_month_follows_the_settings(settings):
    from_the_26th = replace(settings, report_period_starts_on=26, report_due_day=28)
    async with running(from_the_26th) as client:
        await sign_in(client, "admin")

        answer = await GraphQLClient(client).data(
            '{ monthlyReport(month: "2026-11") { period { name start end due } } }'
        )

    assert answer["monthlyReport"]["period"] == {
        "name": "2026-11",
        "start": "2026-10-26",
        "end": "2026-11-25",
        "due": "2026-11-28",
    }


async def test_a_supervisor_is_refused_the_report(graphql):
    await sign_in(graphql.http, "liping")

    answer = await graphql(REPORT, month="2026-11")

    assert answer["data"] is None
    assert answer["errors"][0]["extensions"]["code"] == "FORBIDDEN"
