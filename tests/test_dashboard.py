"""The dashboard of the leadership group and the office: its figures, who
reads them, what they cost, and the page that draws them."""

import re
from datetime import datetime, time, timedelta
from decimal import Decimal

import pytest

from server import case_writes, dashboard, inspections, standing
from server.accounts import actor_for_account
from server.case_writes import FindingInput, PatrolInput, StepInput
from server.clock import OFFICE_TIMEZONE, today
from server.dashboard import (
    CASE_STATES,
    CardTally,
    CaseMonth,
    InstitutionInspections,
    LateDispatch,
    LateNotice,
    ListMonth,
    OverdueItems,
    VillagePatrols,
)
from server.errors import DomainError
from server.models import (
    Account,
    Card,
    Case,
    CaseAction,
    CaseKind,
    CaseState,
    Dispatch,
    DocumentKind,
    Inspection,
    Institution,
    InstructorAssignment,
    LicenseStatus,
    ListChange,
    ListName,
    Notice,
    OperatingStatus,
    Requirement,
    Role,
    TemplateItem,
    Unit,
    Village,
)
from server.permissions import ANONYMOUS, Actor
from server.scoring import ResultInput
from tests import factories
from tests.conftest import counting_statements, sign_in
from web.charts import Bar, Series, bar_chart, stacked_column_chart

A = CaseAction
WUMENG = "济南市历城区舞梦教育培训学校有限公司"
FIRE = "消防器材配备齐全且在有效期内"  # a standard item worth 5
TEACHERS = "学科类培训教师具有相应教师资格证书"  # a standard item worth 6
FEES = "预收费全部进入监管账户"  # a standard item worth 6
EXITS = "安全出口、疏散通道堵塞或锁闭"  # a veto item
YELLOW = ((FIRE, "5"), (TEACHERS, "6"), (FEES, "4"))  # scores 85


async def actor(login: str) -> Actor:
    return actor_for_account(await Account.get(login=login))


def month(ago: int):
    """The first day of the month `ago` months before this one."""
    return dashboard.last_months(today(), ago + 1)[0]


def end_of_previous_month():
    return today().replace(day=1) - timedelta(days=1)


def at(day, hour: int, minute: int = 0) -> datetime:
    """A moment of the office's day."""
    return datetime.combine(day, time(hour, minute), OFFICE_TIMEZONE)


def states(**counts: int) -> dict[CaseState, int]:
    return {state: counts.get(state.value, 0) for state in CASE_STATES}


async def licensed() -> list[Institution]:
    return await Institution.filter(license_status=LicenseStatus.LICENSED).order_by(
        "sort_name"
    )


async def inspect(
    institution: Institution,
    *shortfalls: tuple[str, str],
    breached: tuple[str, ...] = (),
    on=None,
) -> Inspection:
    """The instructor posted there inspects it: (item, points deducted)…"""
    posting = await InstructorAssignment.filter(institution_id=institution.id).first()
    instructor = Actor(
        label="instructor",
        roles=frozenset({Role.INSTRUCTOR}),
        person_id=posting.person_id,
    )
    results = [
        ResultInput((await TemplateItem.get(text=text)).id, Decimal(points))
        for text, points in shortfalls
    ]
    findings = []
    for text in breached:  # a breached veto item is a finding to fix
        item = await TemplateItem.get(text=text)
        results.append(ResultInput(item.id, breached=True))
        findings.append(inspections.FindingInput(item.id, "", today() + timedelta(1)))
    return await inspections.record_inspection(
        instructor,
        inspections.InspectionInput(
            institution_id=institution.id,
            inspected_on=on or today(),
            results=tuple(results),
            findings=tuple(findings),
        ),
        standing.Thresholds(),
    )


async def report(village: str = "寇家村", reporter: str = "liping") -> Case:
    return await case_writes.report_problem(
        await actor(reporter),
        (await Village.get(name=village)).id,
        FindingInput(
            description="放学后约二十名小学生在内上课",
            signboard_name="启智托管",
            address=f"{village}东街5号",
            teaches="小学语文、数学",
            trades_as="校外托管",
        ),
    )


async def step(case: Case, action: CaseAction, **details) -> Case:
    case = await Case.get(id=case.id)
    return await case_writes.advance_case(
        await actor("admin"), case.id, case.version, StepInput(action=action, **details)
    )


async def late_notice_and_dispatch() -> tuple[Case, Dispatch]:
    """A case whose notice is three days late and whose dispatch is two."""
    case = await report()
    await Case.filter(id=case.id).update(kind=CaseKind.BUSINESS_LICENSE_ONLY)
    await step(case, A.VERIFY)
    await step(
        case,
        A.ISSUE_NOTICE,
        deadline=today() + timedelta(days=7),
        requirements=(Requirement.STOP_TRAINING,),
        findings="无办学许可证开展学科类培训",
    )
    [dispatch] = await case_writes.dispatch_case(
        await actor("admin"),
        case.id,
        [(await Unit.get(name="应急办")).id],
        datetime.now(OFFICE_TIMEZONE) + timedelta(hours=1),
        "请核查消防安全",
    )
    await Notice.filter(case_id=case.id).update(deadline=today() - timedelta(days=3))
    await Dispatch.filter(id=dispatch.id).update(
        due_at=datetime.now(OFFICE_TIMEZONE) - timedelta(days=2, hours=1)
    )
    return case, await Dispatch.get(id=dispatch.id)


async def decide_list(institution: Institution, to: ListName | None) -> ListChange:
    return await standing.set_list_membership(
        await actor("admin"),
        institution.id,
        to,
        "经领导小组研究决定",
        seen_change_id=await standing.latest_list_change_id(institution.id),
    )


# --- the figures -----------------------------------------------------------------


async def test_cards_count_the_licensed_institutions_that_still_operate(db):
    green, yellow, red, *_rest = await licensed()
    await inspect(green)
    await inspect(yellow, *YELLOW)
    await inspect(red, breached=(EXITS,))
    closed = await factories.institution(
        "历城区已停办培训学校",
        documents=(DocumentKind.SCHOOL_PERMIT, DocumentKind.BUSINESS_LICENSE),
    )
    await Institution.filter(id=closed.id).update(
        operating_status=OperatingStatus.CLOSED
    )
    await factories.institution("历城区无证培训点")

    tally = await dashboard.cards_now(await actor("fangjun"))

    assert tally == CardTally(
        by_card={Card.GREEN: 1, Card.YELLOW: 1, Card.RED: 1}, awaiting=6
    )
    assert tally.total == 9


async def test_the_lists_are_replayed_from_the_moves_that_took_effect(db):
    white, key, black, refused, moved, *_rest = await licensed()
    admin, director = await actor("admin"), await actor("mengzhaoxin")

    onto_white = await decide_list(white, ListName.WHITE)
    await ListChange.filter(id=onto_white.id).update(at=at(month(3).replace(day=10), 9))
    # The last evening of a month, office time, still belongs to that month.
    onto_key = await decide_list(key, ListName.KEY)
    last_evening = month(1) - timedelta(days=1)
    await ListChange.filter(id=onto_key.id).update(at=at(last_evening, 23, 30))
    # Proposed two months ago, in force only from its confirmation, just
    # after midnight on the first of last month (still the day before in UTC).
    onto_black = await decide_list(black, ListName.BLACK)
    await standing.decide(director, onto_black.id, confirm=True, note="")
    await ListChange.filter(id=onto_black.id).update(
        at=at(month(2).replace(day=5), 10), decided_at=at(month(1), 0, 30)
    )
    rejected = await decide_list(refused, ListName.BLACK)
    await standing.decide(director, rejected.id, confirm=False, note="证据不足")
    first_move = await decide_list(moved, ListName.KEY)
    await ListChange.filter(id=first_move.id).update(at=at(month(1).replace(day=3), 9))
    await decide_list(moved, ListName.WHITE)

    history = await dashboard.list_membership(admin)

    def lists(white=0, key=0, black=0):
        return {ListName.WHITE: white, ListName.KEY: key, ListName.BLACK: black}

    assert history == tuple(
        [ListMonth(month(ago), lists()) for ago in range(11, 3, -1)]
        + [
            ListMonth(month(3), lists(white=1)),
            ListMonth(month(2), lists(white=1, key=1)),
            ListMonth(month(1), lists(white=1, key=2, black=1)),
            ListMonth(month(0), lists(white=2, key=1, black=1)),
        ]
    )


async def test_cases_count_in_the_month_reported_by_the_state_they_are_in_now(db):
    late_last_month = await report()
    await Case.filter(id=late_last_month.id).update(reported_on=end_of_previous_month())
    await step(await report(), A.VERIFY)
    await step(await report(), A.DISMISS, note="现场核查无此机构")
    early = await step(await report(), A.VERIFY)
    await Case.filter(id=early.id).update(reported_on=month(2))
    too_old = await report()
    await Case.filter(id=too_old.id).update(reported_on=month(12))

    months = await dashboard.cases_by_month(await actor("fangjun"))

    assert months == tuple(
        [CaseMonth(month(ago), states()) for ago in range(11, 2, -1)]
        + [
            CaseMonth(month(2), states(VERIFIED=1)),
            CaseMonth(month(1), states(REPORTED=1)),
            CaseMonth(month(0), states(VERIFIED=1, DISMISSED=1)),
        ]
    )


async def test_overdue_counts_every_late_notice_and_dispatch(db):
    case, dispatch = await late_notice_and_dispatch()
    in_time = await step(await report(), A.VERIFY)
    await step(
        in_time,
        A.ISSUE_NOTICE,
        deadline=today() + timedelta(days=7),
        requirements=(Requirement.STOP_TRAINING,),
        findings="无办学许可证开展学科类培训",
    )
    notice = await Notice.get(case_id=case.id)
    institution = await Institution.get(id=case.institution_id)

    overdue = await dashboard.overdue_now(await actor("fangjun"))

    assert overdue == OverdueItems(
        notice_count=1,
        dispatch_count=1,
        notices=(
            LateNotice(
                case.id,
                institution.id,
                institution.registered_name,
                notice.number,
                today() - timedelta(days=3),
                3,
            ),
        ),
        dispatches=(
            LateDispatch(
                case.id,
                institution.id,
                institution.registered_name,
                "应急办",
                dispatch.due_at,
                2,
            ),
        ),
    )


async def test_a_patrol_on_the_last_day_of_last_month_does_not_count_this_month(db):
    kou = await factories.village_in_district("寇家村", "董家管理区")
    lin = await Village.get(name="林家村")
    for village, login, days in (
        (kou, "liping", (end_of_previous_month(), today().replace(day=1), today())),
        (lin, "linqingjie", (end_of_previous_month(), today())),
    ):
        for day in days:
            await case_writes.record_patrol(
                await actor(login), PatrolInput(village_id=village.id, patrolled_on=day)
            )
    others = await Village.exclude(id__in=[kou.id, lin.id]).order_by("sort_name")

    coverage = await dashboard.patrol_coverage(await actor("fangjun"))

    assert coverage.month == today().replace(day=1)
    assert coverage.villages == (
        *(VillagePatrols(v.id, v.name, None, 0) for v in others),
        VillagePatrols(lin.id, "林家村", None, 1),
        VillagePatrols(kou.id, "寇家村", "董家管理区", 2),
    )
    assert [v.village_id for v in coverage.unpatrolled] == [v.id for v in others]


async def test_institutions_not_inspected_this_month_come_first(db):
    every = await licensed()
    wumeng = next(i for i in every if i.registered_name == WUMENG)
    lapsed = next(i for i in every if i.id != wumeng.id)
    await inspect(wumeng, on=end_of_previous_month())
    await inspect(wumeng)
    await inspect(lapsed, on=end_of_previous_month())
    never = [i for i in every if i.id not in (wumeng.id, lapsed.id)]

    coverage = await dashboard.inspection_coverage(await actor("fangjun"))

    assert coverage.institutions == (
        *(
            InstitutionInspections(i.id, i.registered_name, None, 0, None)
            for i in never
        ),
        InstitutionInspections(
            lapsed.id, lapsed.registered_name, Card.GREEN, 0, end_of_previous_month()
        ),
        InstitutionInspections(wumeng.id, WUMENG, Card.GREEN, 1, today()),
    )
    assert len(coverage.not_inspected) == 8


# --- who reads it --------------------------------------------------------------------

READS = (
    dashboard.cards_now,
    dashboard.list_membership,
    dashboard.cases_by_month,
    dashboard.overdue_now,
    dashboard.patrol_coverage,
    dashboard.inspection_coverage,
    dashboard.dashboard,
)


@pytest.mark.parametrize("login", ["liping", "donglanchao", "paichusuo"])
async def test_who_sees_part_of_the_subdistrict_is_refused_every_figure(db, login):
    reader = await actor(login)

    for read in READS:
        with pytest.raises(DomainError) as refused:
            await read(reader)
        assert refused.value.code == "FORBIDDEN"
    assert not dashboard.may_read(reader)


async def test_the_leadership_group_and_the_office_read_the_dashboard(db):
    for login in ("fangjun", "admin"):
        reader = await actor(login)
        figures = await dashboard.dashboard(reader)
        assert dashboard.may_read(reader)
        assert figures.on == today()

    with pytest.raises(DomainError) as refused:
        await dashboard.dashboard(ANONYMOUS)
    assert refused.value.code == "UNAUTHENTICATED"


# --- what it costs -------------------------------------------------------------------


async def some_of_everything(institutions: list[Institution], villages: int) -> None:
    """Inspections, cases, overdue items, patrols and list moves."""
    await late_notice_and_dispatch()
    for institution in institutions:
        await inspect(institution)
        await decide_list(institution, ListName.KEY)
    for village in await Village.all().order_by("id").limit(villages):
        await report(village.name, reporter="admin")


async def test_the_dashboard_costs_as_many_statements_for_much_data_as_for_little(db):
    admin = await actor("admin")
    await some_of_everything((await licensed())[:1], villages=1)
    with counting_statements() as little:
        await dashboard.dashboard(admin)

    await some_of_everything(await factories.many_institutions(12), villages=20)
    with counting_statements() as much:
        figures = await dashboard.dashboard(admin)

    assert figures.overdue.notice_count == 2
    assert figures.cases[-1].total == 2 + 21  # each round: the late case and reports
    assert len(much.statements) == len(little.statements) == 15


# --- the page -----------------------------------------------------------------------


async def test_the_page_draws_each_chart_with_its_table_and_no_inline_style(staff):
    page = await staff.get("/staff/dashboard")

    assert page.status_code == 200
    sections = re.findall(r"<section .*?</section>", page.text, flags=re.DOTALL)
    charted = [section for section in sections if "<svg" in section]
    assert len(charted) == 5
    for section in charted:
        assert section.count("<svg") == 1
        assert section.index("<svg") < section.index("<table")
        assert re.search(
            r'<svg [^>]*role="img" aria-labelledby="([\w-]+)-title \1-desc"', section
        )
    assert re.search(r"\sstyle\s*=", page.text) is None
    assert 'href="/staff/dashboard" aria-current="page"' in page.text


async def test_the_page_is_refused_to_a_supervisor_and_in_the_leaders_menu(client):
    await sign_in(client, "liping")
    refused = await client.get("/staff/dashboard")
    desk = await client.get("/staff/")

    assert refused.status_code == 403
    assert 'href="/staff/dashboard"' not in desk.text

    await sign_in(client, "fangjun")
    shown = await client.get("/staff/dashboard")
    desk = await client.get("/staff/")

    assert shown.status_code == 200
    assert 'href="/staff/dashboard"' in desk.text


async def test_the_page_links_the_figures_to_the_records_behind_them(staff, db):
    await report()
    wumeng = await Institution.get(registered_name=WUMENG)
    village = await Village.get(name="寇家村")
    first = today().replace(day=1)
    last = dashboard.next_month(first) - timedelta(days=1)
    period = f"from={first.isoformat()}&amp;to={last.isoformat()}"

    page = (await staff.get("/staff/dashboard")).text

    assert f'href="/staff/cases?state=REPORTED&amp;{period}">1</a>' in page
    assert f'href="/staff/cases?{period}">1</a>' in page
    assert (
        'href="/staff/institutions?license_status=LICENSED&amp;card=RED">0</a>' in page
    )
    assert 'href="/staff/institutions?list=BLACK">0</a>' in page
    assert f'href="/staff/villages/{village.id}"' in page
    assert f'href="/staff/institutions/{wumeng.id}"' in page


# --- the charts ---------------------------------------------------------------------


def test_a_bar_chart_names_itself_and_writes_every_value():
    chart = bar_chart(
        "cards",
        "Cards <now>",
        "Two green, none red.",
        [Bar("Green card", 2, "green"), Bar("Red & worse", 0, "red")],
    )

    assert chart.startswith('<svg xmlns="http://www.w3.org/2000/svg" class="chart" ')
    assert 'role="img" aria-labelledby="cards-title cards-desc"' in chart
    assert '<title id="cards-title">Cards &lt;now&gt;</title>' in chart
    assert '<desc id="cards-desc">Two green, none red.</desc>' in chart
    assert ">Red &amp; worse</text>" in chart
    assert re.findall(r'class="chart-value"[^>]*>(\d+)<', chart) == ["2", "0"]
    assert chart.count("<rect") == 1  # nothing drawn for a zero
    assert "style=" not in chart


def test_a_stacked_column_chart_totals_each_column_and_names_each_series():
    chart = stacked_column_chart(
        "cases",
        "Cases",
        "Cases by month.",
        ["Jan\n2026", "Feb"],
        [Series("reported", "reported", (3, 0)), Series("closed", "closed", (1, 4))],
    )

    assert re.findall(r'class="chart-value"[^>]*>(\d+)<', chart) == ["4", "4"]
    assert ">reported</text>" in chart and ">closed</text>" in chart
    assert "<tspan" in chart and ">2026</tspan>" in chart
    assert "style=" not in chart


# --- in a browser ------------------------------------------------------------------


@pytest.mark.browser
async def test_the_tables_behind_the_charts_print_though_closed_on_screen(
    browser, served
):
    from tests.test_browser import sign_in as sign_in_browser

    page = await browser.new_page()
    await sign_in_browser(page, served.base_url, "/staff/dashboard", login="fangjun")
    tables = page.locator("details.chart-data table")

    assert await tables.count() == 5
    assert not await tables.first.is_visible()
    await page.emulate_media(media="print")
    for index in range(5):
        assert await tables.nth(index).is_visible()
    assert not await page.locator(".site-header").is_visible()
