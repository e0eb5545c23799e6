"""The monthly report and the workload, figure by figure, on a crafted month.

`tests.crafted_month` writes a November whose records sit on the edges of
the month; every figure below is what that month must add up to.
"""

from datetime import date
from decimal import Decimal

import pytest
from tortoise import Tortoise

from server import inspections, reports, workload
from server.accounts import actor_for_account
from server.errors import DomainError, ErrorCode
from server.models import (
    Account,
    Case,
    CaseAction,
    CaseEvent,
    Institution,
    LicenseStatus,
    Village,
)
from server.reports import Calendar, Period, Record
from server.synthetic import add_subdistricts
from tests import crafted_month
from tests.conftest import counting_statements
from tests.crafted_month import HONGWEN, LIER, LINGCHUANG, WUMENG, craft_november

NOVEMBER = Calendar().month(2026, 11)


async def actor(login: str):
    return actor_for_account(await Account.get(login=login))


@pytest.fixture
async def november(db, tmp_path) -> crafted_month.Crafted:
    await crafted_month.place_villages_in_districts()
    return await craft_november(tmp_path)


@pytest.fixture
async def report(november) -> reports.MonthlyReport:
    return await reports.monthly_report(await actor("admin"), NOVEMBER)


def figures(report: reports.MonthlyReport, section: str) -> dict:
    """A section's figures as plain values: a count, (count, out of), or the
    count of each part."""
    [figures] = [s.figures for s in report.sections if s.key == section]
    return {figure.key: shown(figure) for figure in figures}


def shown(figure: reports.Figure):
    if figure.parts:
        return {part.group: part.value for part in figure.parts}
    if figure.of is not None:
        return (figure.value, figure.of)
    return figure.value


# --- periods -----------------------------------------------------------------------


def test_a_calendar_month_is_due_on_the_26th_of_the_month_after():
    calendar = Calendar()

    assert calendar.month(2026, 11) == Period(
        "2026-11", date(2026, 11, 1), date(2026, 11, 30), date(2026, 12, 26)
    )
    assert calendar.month(2026, 12) == Period(
        "2026-12", date(2026, 12, 1), date(2026, 12, 31), date(2027, 1, 26)
    )
    assert calendar.month(2028, 2) == Period(
        "2028-02", date(2028, 2, 1), date(2028, 2, 29), date(2028, 3, 26)
    )
    assert calendar.month(2027, 2).end == date(2027, 2, 28)


def test_a_period_from_the_26th_is_named_by_the_month_it_ends_in():
    calendar = Calendar(starts_on=26)

    assert calendar.month(2026, 11) == Period(
        "2026-11", date(2026, 10, 26), date(2026, 11, 25), date(2026, 11, 26)
    )
    assert calendar.month(2027, 1) == Period(
        "2027-01", date(2026, 12, 26), date(2027, 1, 25), date(2027, 1, 26)
    )


def test_a_year_runs_from_january_to_december_and_has_no_due_date():
    year = Calendar(starts_on=26).parse("2026")

    assert year == Period("2026", date(2026, 1, 1), date(2026, 12, 31), None)
    assert year.is_year
    assert not Calendar().parse("2026-11").is_year


def test_a_month_is_parsed_as_its_calendar_names_it():
    assert Calendar().parse("2026-11") == NOVEMBER
    assert Calendar(starts_on=26).parse("2026-11").start == date(2026, 10, 26)


@pytest.mark.parametrize("text", ["2026-13", "2026-00", "26-11", "2026-1", "x", ""])
def test_a_period_written_otherwise_is_refused_saying_what_is_accepted(text):
    with pytest.raises(DomainError) as refused:
        Calendar().parse(text)

    assert (refused.value.code, refused.value.field) == (ErrorCode.INVALID, "month")
    assert refused.value.message == "月份请写成 2026-11，年份请写成 2026。"


@pytest.mark.parametrize(
    ("starts_on", "on", "due"),
    [
        (1, date(2026, 12, 4), "2026-11"),  # November's is due on Dec 26
        (1, date(2026, 12, 26), "2026-11"),
        (1, date(2026, 12, 27), "2026-12"),
        (1, date(2027, 1, 1), "2026-12"),
        (26, date(2026, 11, 20), "2026-11"),
        (26, date(2026, 11, 26), "2026-11"),
        (26, date(2026, 11, 27), "2026-12"),
        (26, date(2026, 12, 26), "2026-12"),  # across the year's end
        (26, date(2026, 12, 27), "2027-01"),
    ],
)
def test_the_report_due_next_is_the_last_one_ended_until_its_due_date(
    starts_on, on, due
):
    assert Calendar(starts_on=starts_on).due_next(on).name == due


# --- every figure of the crafted month --------------------------------------------


async def test_the_report_covers_its_period_in_sections(report):
    assert report.period == NOVEMBER
    assert [section.key for section in report.sections] == [
        "patrols",
        "problems",
        "cases",
        "notices",
        "dispatches",
        "inspections",
        "standing",
        "complaints",
        "students",
    ]


async def test_patrols_count_from_the_first_to_the_last_day_of_the_month(report):
    assert figures(report, "patrols") == {
        "patrols": 3,  # P2 Nov 1, P3 Nov 30, P4; not P1 Oct 31, P5 and P6 Dec 1
        "villages_patrolled": (2, 38),
        "villages_not_patrolled": (36, 38),
    }


async def test_problems_found_are_the_cases_reported_in_the_month_by_kind(report):
    assert figures(report, "problems") == {
        "found": {
            "BUSINESS_LICENSE_ONLY": 1,  # C2, Nov 30
            "UNLICENSED": 1,  # C1, Nov 1; not C3 of Oct 31 nor C5 of Dec 1
            "OPERATING_BEFORE_APPROVAL": 0,
            "VIOLATION": 1,  # C4
        }
    }


async def test_steps_count_from_the_first_moment_to_the_last_minute(report):
    assert figures(report, "cases") == {
        "verified": 3,  # C1 at Nov 1 00:00, C2, C4
        "steps": {
            "VERIFY": 3,
            "DISMISS": 1,  # C6's; C8's came at Oct 31 23:59
            "ISSUE_NOTICE": 3,
            "ORDER_STOP": 0,
            "ESCALATE": 1,
            "RECORD_PENALTY": 0,
            "BAN": 0,
            "CONFIRM_RECTIFIED": 1,
            "CLOSE_OUT": 1,
            "UPDATE_REGISTER": 2,
            "DISPATCH": 2,
            "ACKNOWLEDGE": 0,
            "REPORT_BACK": 2,
        },
        "closed": 1,  # C1 at Nov 30 23:59; C3 at Dec 1 00:00 was after
        "open_at_end": 4,  # C2, C3, C4, C7
    }


async def test_a_notice_is_overdue_when_nothing_followed_it_by_its_deadline(report):
    assert figures(report, "notices") == {
        "notices_issued": 3,  # N2, N3 Nov 30, N4; N1 was issued Oct 31
        "notices_due": 3,  # N1 Nov 1, N2 Nov 30, N4; N3 Dec 1
        # N1, though its case was updated the same day before it, and N4,
        # escalated only after its deadline; N2 was followed the same morning.
        "notices_overdue": 2,
    }


async def test_a_dispatch_is_late_when_answered_after_it_was_due_or_not_at_all(
    report,
):
    assert figures(report, "dispatches") == {
        "dispatches_sent": 2,  # D1 Nov 1 00:00, D3 Nov 30 23:59
        "dispatches_answered": 2,  # D1, D5 at Nov 1 00:00
        "dispatches_late": 2,  # D2 answered Dec 1, D4 never; D3 due after
    }


async def test_inspections_and_their_scores_in_the_month(report):
    assert figures(report, "inspections") == {
        "inspections": 4,  # I2 Nov 1, I5, I6, I3 Nov 30
        "inspected": (3, 9),  # 舞梦, 弘文, 利尔 of the nine licensed
        "not_inspected": (6, 9),
    }
    assert report.scores == reports.Scores(
        average=Decimal("91.5"), lowest=Decimal("80.0"), highest=Decimal("100.0")
    )


async def test_cards_and_lists_are_counted_as_they_stood_at_the_end(report):
    assert figures(report, "standing") == {
        # 舞梦, 领创 and 弘文 green; 利尔 yellow; five licensed never carded.
        "cards": {"GREEN": 3, "YELLOW": 1, "RED": 0, "NONE": 5},
        # 舞梦 twice and 弘文; 舞梦's and 利尔's yellow; 弘文's red was Dec 1.
        "card_changes": {"GREEN": 3, "YELLOW": 2, "RED": 0, "NONE": 0},
        # Six licensed institutions were on none. C1's place, taken off every
        # list on the month's last minute, is not licensed: on no list, it
        # is not counted.
        "lists": {"WHITE": 2, "KEY": 3, "BLACK": 1, "NONE": 6},
        # C7's black was proposed in October and confirmed on Nov 30 23:59;
        # 弘文's was confirmed only on Dec 1; superseded moves never count.
        "list_changes": {"WHITE": 2, "KEY": 3, "BLACK": 1, "NONE": 2},
    }


async def test_reports_from_the_public_received_and_triaged_in_the_month(report):
    assert figures(report, "complaints") == {
        "complaints_received": 3,  # K2 Nov 1 00:00, K3 Nov 30 23:59, K5
        "complaints_triaged": {  # K1 Nov 1 00:00, K2 Nov 30 23:59; K3 Dec 1
            "CASE_OPENED": 0,
            "CASE_LINKED": 1,
            "DISMISSED": 1,
        },
    }


async def test_students_and_fees_count_only_what_changed_in_the_month(report):
    assert figures(report, "students") == {"register": 2}
    # C1: 8 students and 3000 yuan; C3: from 5 to 12 and from 2000 to 6500.50.
    assert report.resettlement == reports.Resettlement(
        students_resettled=15, fees_refunded=Decimal("7500.50")
    )


async def test_every_figure_is_the_sum_of_its_parts(report):
    for section in report.sections:
        for figure in section.figures:
            if figure.parts:
                assert figure.value == sum(part.value for part in figure.parts)


async def test_a_figure_is_found_by_its_key_and_a_part_by_its_group(report):
    assert report.figure("patrols").value == 3
    assert report.figure("found.VIOLATION").value == 1
    with pytest.raises(KeyError):
        report.figure("found.NOTHING")


# --- the records behind the figures ------------------------------------------------


async def test_every_figure_counts_exactly_the_records_listed_behind_it(report):
    admin = await actor("admin")

    for section in report.sections:
        for figure in section.figures:
            for counted in (figure, *figure.parts):
                _record, rows = await reports.records_behind(
                    admin, NOVEMBER, counted.key
                )
                assert await rows.count() == counted.value, counted.key


async def ids(key: str) -> tuple[Record, list[int]]:
    record, rows = await reports.records_behind(await actor("admin"), NOVEMBER, key)
    return record, sorted(await rows.values_list("id", flat=True))


async def institution_ids(*names: str) -> list[int]:
    return sorted(
        await Institution.filter(registered_name__in=names).values_list("id", flat=True)
    )


async def test_the_records_behind_a_figure_are_the_ones_it_counts(november):
    def of(kind: dict[str, int], *letters: str) -> list[int]:
        return sorted(kind[letter] for letter in letters)

    c3 = await Case.get(id=november.cases["C3"])

    assert await ids("patrols") == (
        Record.PATROL,
        of(november.patrols, "P2", "P3", "P4"),
    )
    assert await ids("villages_patrolled") == (
        Record.VILLAGE,
        sorted(
            await Village.filter(name__in=["寇家村", "林家村"]).values_list(
                "id", flat=True
            )
        ),
    )
    assert await ids("open_at_end") == (
        Record.CASE,
        of(november.cases, "C2", "C3", "C4", "C7"),
    )
    assert await ids("notices_overdue") == (
        Record.NOTICE,
        of(november.notices, "N1", "N4"),
    )
    assert await ids("dispatches_late") == (
        Record.DISPATCH,
        of(november.dispatches, "D2", "D4"),
    )
    assert await ids("inspections") == (
        Record.INSPECTION,
        of(november.inspections, "I2", "I3", "I5", "I6"),
    )
    assert await ids("complaints_received") == (
        Record.COMPLAINT,
        of(november.complaints, "K2", "K3", "K5"),
    )
    assert await ids("register") == (
        Record.REGISTER,
        of(november.register, "C1 Nov 20", "C3 Nov 30"),
    )
    assert await ids("lists.KEY") == (
        Record.INSTITUTION,
        sorted(
            [
                c3.institution_id,
                (await Case.get(id=november.cases["C2"])).institution_id,
                *await institution_ids(HONGWEN),
            ]
        ),
    )


async def test_a_part_lists_only_the_records_of_its_group(november):
    c1 = await Case.get(id=november.cases["C1"])
    never_carded = await Institution.filter(
        license_status=LicenseStatus.LICENSED
    ).exclude(registered_name__in=[WUMENG, LINGCHUANG, HONGWEN, LIER])

    assert await ids("found.UNLICENSED") == (Record.CASE, [c1.id])
    assert await ids("found.OPERATING_BEFORE_APPROVAL") == (Record.CASE, [])
    assert await ids("steps.DISMISS") == (
        Record.EVENT,
        await _dismissal_of("C6", november),
    )
    assert await ids("cards.GREEN") == (
        Record.INSTITUTION,
        await institution_ids(WUMENG, LINGCHUANG, HONGWEN),
    )
    assert await ids("cards.NONE") == (
        Record.INSTITUTION,
        sorted(institution.id for institution in never_carded),
    )
    assert await ids("card_changes.YELLOW") == (
        Record.CARD_CHANGE,
        sorted(november.card_changes[name] for name in ("舞梦 yellow", "利尔 yellow")),
    )


async def _dismissal_of(letter: str, november) -> list[int]:
    return await CaseEvent.filter(
        case_id=november.cases[letter], action=CaseAction.DISMISS
    ).values_list("id", flat=True)


async def test_too_many_changed_since_the_end_to_list_is_said_not_sent(
    november, monkeypatch
):
    # 弘文's card changed on Dec 1: one institution listed by its id.
    monkeypatch.setattr(reports, "MOST_LISTED_BY_ID", 0)

    with pytest.raises(DomainError) as refused:
        await reports.records_behind(await actor("admin"), NOVEMBER, "cards")

    assert refused.value.code == ErrorCode.INVALID
    counted = await reports.monthly_report(await actor("admin"), NOVEMBER)
    assert counted.figure("cards").value == 9


@pytest.mark.parametrize("key", ["nothing", "found.NOTHING", "patrols.GREEN"])
async def test_a_figure_the_report_does_not_have_is_not_found(db, key):
    with pytest.raises(DomainError) as refused:
        await reports.records_behind(await actor("admin"), NOVEMBER, key)

    assert refused.value.code == ErrorCode.NOT_FOUND
    assert refused.value.message == "月报中没有这个数据项。"


@pytest.mark.parametrize("login", ["admin", "fangjun"])
async def test_administrators_and_leaders_read_the_report(db, login):
    await reports.monthly_report(await actor(login), NOVEMBER)
    await workload.workload(await actor(login), NOVEMBER)


@pytest.mark.parametrize("login", ["liping", "donglanchao", "paichusuo"])
async def test_supervisors_instructors_and_units_may_not_read_the_report(db, login):
    someone = await actor(login)
    reading = (
        reports.monthly_report(someone, NOVEMBER),
        reports.records_behind(someone, NOVEMBER, "patrols"),
        workload.workload(someone, NOVEMBER),
        workload.commendation(someone, NOVEMBER),
    )

    for read in reading:
        with pytest.raises(DomainError) as refused:
            await read
        assert refused.value.code == ErrorCode.FORBIDDEN


async def test_the_report_reads_as_many_statements_for_ten_times_the_records(
    db, tmp_path
):
    admin = await actor("admin")
    await craft_november(tmp_path)
    with counting_statements() as once:
        await reports.monthly_report(admin, NOVEMBER)
    for call in range(2, 11):
        await craft_november(tmp_path, call=call)

    with counting_statements() as tenfold:
        bigger = await reports.monthly_report(admin, NOVEMBER)

    assert bigger.figure("patrols").value == 30
    assert len(tenfold.statements) == len(once.statements)


# --- workload and commendation ----------------------------------------------------


def work(name: str, **figures) -> tuple[str, dict]:
    return name, figures


def worked(statement: workload.Statement) -> list[tuple[str, dict]]:
    """Each person's figures that are not 0."""
    fields = (
        "patrols",
        "problems_found",
        "followed_through",
        "inspections",
        "institutions_inspected",
        "institutions_posted",
        "findings_followed_up",
    )
    return [
        (w.name, {f: getattr(w, f) for f in fields if getattr(w, f)})
        for w in statement.people
    ]


async def test_each_supervisors_work_goes_to_the_village_they_patrol(november):
    statements = await workload.workload(await actor("admin"), NOVEMBER)

    by_village = {statement.name: statement for statement in statements.villages}
    assert len(statements.villages) == 38
    assert worked(by_village["寇家村"]) == [
        # P2, P3; C1 and C2 found; C1 closed out (C3 only on Dec 1)
        work("李萍", patrols=2, problems_found=2, followed_through=1)
    ]
    assert worked(by_village["林家村"]) == [work("林庆杰", patrols=1, problems_found=1)]
    # 苏宝军's two cases came in October; a dismissal is not a close-out.
    assert worked(by_village["任家村"]) == [work("苏宝军")]
    assert sum(s.total.total for s in statements.villages) == 5 + 2


async def test_each_instructors_work_goes_to_their_school(november):
    statements = await workload.workload(await actor("admin"), NOVEMBER)

    assert [(s.name, worked(s)) for s in statements.schools] == [
        (
            "董家中心小学",
            [
                # I2, I5 and F1; I1 was on Oct 31
                work(
                    "董兰超",
                    inspections=2,
                    institutions_inspected=1,
                    institutions_posted=1,
                    findings_followed_up=1,
                ),
                # I3 and F2; F3 was fixed on Dec 1
                work(
                    "马丽",
                    inspections=1,
                    institutions_inspected=1,
                    institutions_posted=1,
                    findings_followed_up=1,
                ),
                work("张明", institutions_posted=1),
            ],
        ),
        (
            "董家中心中学",
            [
                # I6; I4 was on Dec 1
                work(
                    "张涛",
                    inspections=1,
                    institutions_inspected=1,
                    institutions_posted=1,
                ),
                # 仇汝良's inspection and fix were in October.
                *[
                    work(name, institutions_posted=1)
                    for name in sorted(
                        ["仇汝良", "吕仁臣", "程秀杰", "李玉国", "徐明宝"]
                    )
                ],
            ],
        ),
    ]
    assert statements.schools[0].total.total == 3 + 2


async def test_commendation_ranks_people_institutions_and_districts(november):
    ranked = await workload.commendation(await actor("admin"), NOVEMBER)

    assert [(w.name, w.total) for w in ranked.supervisors] == [
        ("李萍", 5),
        ("林庆杰", 2),
    ]
    assert [(w.name, w.total) for w in ranked.instructors] == [
        ("董兰超", 3),
        ("马丽", 2),
        ("张涛", 1),
    ]
    # Without a case against it first, then by the average score.
    assert [
        (r.name, r.inspections, r.average_score, r.cases) for r in ranked.institutions
    ] == [
        (WUMENG, 2, Decimal("93.0"), 0),
        (LIER, 1, Decimal("80.0"), 0),
        (HONGWEN, 1, Decimal("100.0"), 1),
    ]
    assert [
        (
            d.name,
            d.villages,
            d.villages_patrolled,
            d.coverage,
            d.problems_found,
            d.cases_closed,
        )
        for d in ranked.districts
    ] == [
        ("董家管理区", 1, 1, Decimal(100), 2, 1),
        ("温家管理区", 2, 1, Decimal(50), 1, 0),
        # C6 was dismissed in the month: not a case closed out.
        ("张而管理区", 1, 0, Decimal(0), 0, 0),
    ]


async def test_reports_send_no_more_parameters_for_more_people_and_institutions(db):
    """A province has more supervisors, instructors and licensed institutions
    than one statement may list ids (about 32,000): the reports over all of
    them ask by subquery and join, whatever their number."""
    admin = await actor("admin")
    year = Calendar().year(2026)

    async def parameters_sent() -> tuple[int, int]:
        with counting_statements() as counted:
            await reports.monthly_report(admin, year)
            await workload.workload(admin, year)
            await workload.commendation(admin, year)
            await inspections.coverage(admin)
        return len(counted.statements), max(counted.parameters)

    before = await parameters_sent()
    await add_subdistricts(2)

    assert await parameters_sent() == before


async def test_postgresql_runs_our_statements_without_compiling_them(db, database_url):
    # Compiling a province's counts to machine code cost more than it saved.
    if database_url.startswith("sqlite://"):
        pytest.skip("SQLite has no JIT compiler")
    connection = Tortoise.get_connection("default")

    (setting,) = await connection.execute_query_dict("SHOW jit")

    assert setting == {"jit": "off"}
