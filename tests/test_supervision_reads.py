"""Reading inspections, findings and standing histories for many institutions."""

from datetime import timedelta
from decimal import Decimal

import pytest

from server import inspections, standing, supervision_reads
from server.accounts import actor_for_account
from server.clock import today
from server.errors import DomainError
from server.models import (
    Account,
    Card,
    Institution,
    InstructorAssignment,
    LicenseStatus,
    ListChangeState,
    ListName,
    TemplateItem,
)
from server.pagination import PageRequest
from server.scoring import ResultInput
from tests.conftest import counting_statements

WUMENG = "济南市历城区舞梦教育培训学校有限公司"
FIRE = "消防器材配备齐全且在有效期内"  # a standard item worth 5
TEACHERS = "学科类培训教师具有相应教师资格证书"  # a standard item worth 6
FEES = "预收费全部进入监管账户"  # a standard item worth 6
EXITS = "安全出口、疏散通道堵塞或锁闭"  # a veto item


async def actor(login: str):
    return actor_for_account(await Account.get(login=login))


async def licensed() -> list[Institution]:
    return await Institution.filter(license_status=LicenseStatus.LICENSED).order_by(
        "id"
    )


async def inspect(institution: Institution, *shortfalls: tuple[str, str], days_ago=0):
    """An instructor posted there inspects it: (item, points deducted)…"""
    posting = await InstructorAssignment.filter(institution_id=institution.id).first()
    account = await Account.get(person_id=posting.person_id)
    results = [
        ResultInput((await TemplateItem.get(text=text)).id, Decimal(points))
        for text, points in shortfalls
    ]
    return await inspections.record_inspection(
        actor_for_account(account),
        inspections.InspectionInput(
            institution_id=institution.id,
            inspected_on=today() - timedelta(days=days_ago),
            results=tuple(results),
        ),
        standing.Thresholds(),
    )


async def test_histories_come_newest_first_at_most_limit_each_in_one_statement(db):
    three = (await licensed())[:3]
    for institution in three:
        # green, yellow, green, yellow, green: five card changes each
        for days_ago in (4, 3, 2, 1, 0):
            yellow = days_ago % 2 == 1
            shortfalls = [(FIRE, "5"), (TEACHERS, "6"), (FEES, "4")] if yellow else []
            await inspect(institution, *shortfalls, days_ago=days_ago)
    admin = await actor("admin")

    with counting_statements() as statements:
        history = await supervision_reads.card_history(
            admin, [i.id for i in three], limit=3
        )

    assert len(statements.statements) == 1
    assert set(history) == {i.id for i in three}
    for changes in history.values():
        assert [(c.card, c.previous) for c in changes] == [
            (Card.GREEN, Card.YELLOW),
            (Card.YELLOW, Card.GREEN),
            (Card.GREEN, Card.YELLOW),
        ]
        assert changes[0].id > changes[1].id > changes[2].id


async def test_a_history_longer_than_the_largest_page_is_refused(db):
    with pytest.raises(DomainError) as refused:
        await supervision_reads.list_history(await actor("admin"), [1], limit=101)

    assert refused.value.code == "PAGE_SIZE"


async def test_institutions_outside_the_readers_scope_are_left_out(db):
    every = await licensed()
    for institution in every:
        await inspect(institution, (FIRE, "1"))
    ids = [i.id for i in every]
    wumeng = next(i for i in every if i.registered_name == WUMENG)

    instructor = await actor("donglanchao")
    supervisor = await actor("liping")  # the plan's institutions have no village

    assert set(await supervision_reads.card_history(instructor, ids)) == {wumeng.id}
    assert set(await supervision_reads.list_history(instructor, ids)) == {wumeng.id}
    assert set(await supervision_reads.latest_inspections(instructor, ids)) == {
        wumeng.id
    }
    assert await supervision_reads.card_history(supervisor, ids) == {}
    assert await supervision_reads.open_findings(supervisor, ids) == {}


async def test_results_and_findings_come_in_the_templates_order(db):
    wumeng = await Institution.get(registered_name=WUMENG)
    account = await Account.get(login="donglanchao")
    exits = await TemplateItem.get(text=EXITS)
    fire = await TemplateItem.get(text=FIRE)
    inspection = await inspections.record_inspection(
        actor_for_account(account),
        inspections.InspectionInput(
            institution_id=wumeng.id,
            inspected_on=today(),
            results=(
                ResultInput(exits.id, breached=True),
                ResultInput(fire.id, Decimal(2)),
            ),
            findings=(
                inspections.FindingInput(exits.id, "", today() + timedelta(days=1)),
                inspections.FindingInput(fire.id, "", today() + timedelta(days=9)),
            ),
        ),
        standing.Thresholds(),
    )
    admin = await actor("admin")

    results = await supervision_reads.results_by_inspection(admin, [inspection.id])
    found = await supervision_reads.findings_by_inspection(admin, [inspection.id])
    still_open = await supervision_reads.open_findings(admin, [wumeng.id])

    assert [r.item.text for r in results[inspection.id]] == [FIRE, EXITS]
    assert [f.item.text for f in found[inspection.id]] == [FIRE, EXITS]
    assert [f.item.text for f in still_open[wumeng.id]] == [EXITS, FIRE]


async def test_the_list_in_force_and_the_move_waiting_are_told_apart(db):
    wumeng = await Institution.get(registered_name=WUMENG)
    await inspect(wumeng)  # green: the white list, by rule
    admin = await actor("admin")
    proposed = await standing.set_list_membership(
        admin,
        wumeng.id,
        ListName.BLACK,
        "经查存在严重违规",
        seen_change_id=await standing.latest_list_change_id(wumeng.id),
    )

    in_force = await supervision_reads.list_changes_in_force(admin, [wumeng.id])
    waiting = await supervision_reads.pending_list_changes_of(admin, [wumeng.id])
    queue = await supervision_reads.pending_list_changes(admin, PageRequest())

    assert (in_force[wumeng.id].list_name, in_force[wumeng.id].rule) == (
        ListName.WHITE,
        "IN_GOOD_STANDING",
    )
    assert waiting[wumeng.id].id == proposed.id
    assert [change.id for change in queue.items] == [proposed.id]
    assert queue.items[0].state == ListChangeState.PENDING


async def test_the_pending_queue_holds_the_longest_waiting_first(db):
    first, second = (await licensed())[:2]
    admin = await actor("admin")
    for institution in (second, first):
        await standing.set_list_membership(
            admin, institution.id, ListName.BLACK, "严重违规", seen_change_id=None
        )

    page = await supervision_reads.pending_list_changes(admin, PageRequest(first=1))
    rest = await supervision_reads.pending_list_changes(
        admin, PageRequest(first=1, after=page.end_cursor)
    )

    assert [c.institution_id for c in page.items + rest.items] == [
        second.id,
        first.id,
    ]
    assert await page.total_count() == 2


async def test_pages_of_many_institutions_inspections_share_their_count(db):
    two = (await licensed())[:2]
    for days_ago in (2, 1, 0):
        await inspect(two[0], days_ago=days_ago)
    await inspect(two[1])
    admin = await actor("admin")

    pages = await supervision_reads.inspections_of(
        admin, [i.id for i in two], PageRequest(first=2)
    )
    with counting_statements() as counting:
        counts = [await pages[i.id].total_count() for i in two]

    assert [len(pages[i.id].items) for i in two] == [2, 1]
    assert [pages[i.id].has_next_page for i in two] == [True, False]
    assert counts == [3, 1]
    assert len(counting.statements) == 1
