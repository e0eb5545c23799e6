"""Inspections, findings, and the cards and lists they lead to, in the domain."""

import asyncio
from dataclasses import replace
from datetime import datetime, time, timedelta
from decimal import Decimal

import pytest

from server import inspections, scoring, standing
from server.accounts import actor_for_account
from server.clock import OFFICE_TIMEZONE, today
from server.errors import Refused
from server.inspections import FindingInput, InspectionInput
from server.models import (
    Account,
    AuditEntry,
    Card,
    CardChange,
    Case,
    CaseKind,
    Document,
    DocumentKind,
    Finding,
    Inspection,
    InspectionResult,
    Institution,
    ItemKind,
    LicenseStatus,
    ListChange,
    ListChangeState,
    ListName,
    OperatingStatus,
    TemplateItem,
)
from server.scoring import ItemInput, ResultInput
from tests import factories
from tests.conftest import running

WUMENG = "济南市历城区舞梦教育培训学校有限公司"
THRESHOLDS = standing.Thresholds()
FIRE = "消防器材配备齐全且在有效期内"  # a standard item worth 5
EXITS = "安全出口、疏散通道堵塞或锁闭"  # a veto item


async def actor(login: str):
    return actor_for_account(await Account.get(login=login))


async def item(text: str) -> TemplateItem:
    return await TemplateItem.filter(text=text).order_by("-template_id").first()


async def inspect(
    *shortfalls: tuple[str, str],
    breached: tuple[str, ...] = (),
    findings: tuple[tuple[str, int], ...] = (),
    login: str = "donglanchao",
    on=None,
) -> Inspection:
    """Donglanchao inspects 舞梦: (item, points deducted)…, veto items breached,
    and (item, days to fix) findings."""
    results = [
        ResultInput((await item(text)).id, Decimal(points))
        for text, points in shortfalls
    ]
    results += [ResultInput((await item(text)).id, breached=True) for text in breached]
    return await inspections.record_inspection(
        await actor(login),
        InspectionInput(
            institution_id=(await Institution.get(registered_name=WUMENG)).id,
            inspected_on=on or today(),
            results=tuple(results),
            findings=tuple(
                [
                    FindingInput(
                        (await item(text)).id, "", today() + timedelta(days=days)
                    )
                    for text, days in findings
                ]
            ),
        ),
        THRESHOLDS,
    )


async def wumeng() -> Institution:
    return await Institution.get(registered_name=WUMENG)


async def test_the_score_is_computed_and_a_good_one_earns_green_and_the_white_list(db):
    inspection = await inspect((FIRE, "3"), ("视频监控覆盖教学和活动区域", "1.5"))

    institution = await wumeng()
    change = await CardChange.get(institution_id=institution.id)
    assert inspection.score == Decimal("95.5")
    assert await InspectionResult.filter(inspection=inspection).count() == 2
    assert (institution.card, institution.list_name) == (Card.GREEN, ListName.WHITE)
    assert (change.card, change.rule) == (Card.GREEN, "SCORE_GREEN")
    assert change.details == {
        "inspection": inspection.id,
        "score": "95.5",
        "green_from": "90",
    }


async def test_a_breached_veto_item_turns_the_card_red_and_opens_a_case(db):
    inspection = await inspect(breached=(EXITS,), findings=((EXITS, 1),))

    institution = await wumeng()
    finding = await Finding.get(inspection=inspection)
    case = await Case.get(id=finding.case_id)
    list_change = await ListChange.get(institution_id=institution.id)
    assert inspection.score == 100 and inspection.vetoed
    assert (institution.card, institution.card_rule) == (Card.RED, "VETO_BREACHED")
    assert finding.serious and finding.deadline == today() + timedelta(days=1)
    assert (case.kind, case.institution_id) == (CaseKind.VIOLATION, institution.id)
    assert EXITS in case.finding
    assert (list_change.list_name, list_change.rule) == (ListName.KEY, "RED_CARD")
    assert list_change.state == ListChangeState.APPLIED


async def test_only_the_instructor_posted_there_inspects(db):
    with pytest.raises(Refused) as elsewhere:
        await inspect(login="linqingjie")  # a supervisor
    other = await factories.institution(
        "历城区另一家培训学校",
        documents=(DocumentKind.SCHOOL_PERMIT, DocumentKind.BUSINESS_LICENSE),
    )
    with pytest.raises(Refused) as not_posted:
        await inspections.record_inspection(
            await actor("donglanchao"),
            InspectionInput(institution_id=other.id, inspected_on=today()),
            THRESHOLDS,
        )

    assert elsewhere.value.errors[0].code == "FORBIDDEN"
    assert not_posted.value.errors[0].message == "您只能督查派驻的机构。"


async def test_impossible_results_are_refused_and_nothing_is_kept(db):
    with pytest.raises(Refused) as refused:
        await inspect((FIRE, "6"), findings=(("不超标超前培训", 7),))

    messages = {error.field: error.message for error in refused.value.errors}
    fire = (await item(FIRE)).id
    assert messages[f"results.{fire}"] == "0 至 5.0 分，保留一位小数。"
    assert "只有未达标的项目需要整改。" in messages.values()
    assert await Inspection.all().count() == 0
    assert await Finding.all().count() == 0


async def test_a_template_edit_leaves_old_scores_untouched(db):
    first = await inspect((FIRE, "5"))
    template = await scoring.current_template(await actor("admin"))
    edited = [
        ItemInput(
            i.section, i.text, i.kind, str(i.points * 2 if i.text == FIRE else i.points)
        )
        for i in template.items
        if i.text != "培训内容与办学许可范围一致"  # 5 points off, 5 on the fire item
    ]
    uneven = [*edited, ItemInput("新增", "新增项目", ItemKind.STANDARD, "1")]

    with pytest.raises(Refused) as not_100:
        await scoring.save_template(await actor("admin"), 1, "新版", "", uneven)
    version_2 = await scoring.save_template(
        await actor("admin"), 1, "新版", "消防权重加倍", edited
    )
    with pytest.raises(Refused) as stale:
        await scoring.save_template(await actor("admin"), 1, "又一版", "", edited)
    second = await inspect((FIRE, "5"))

    first = await Inspection.get(id=first.id)
    assert "这些加起来为 101.0" in not_100.value.errors[0].message
    assert stale.value.errors[0].code == "CONFLICT"
    assert (version_2.version, first.template_id) == (2, template.template.id)
    assert (first.score, second.score) == (95, 95)
    assert second.template_id == version_2.id


async def test_an_overdue_finding_turns_the_card_red_until_it_is_fixed(db):
    await inspect((FIRE, "2"), findings=((FIRE, 5),))
    assert (await wumeng()).card == Card.YELLOW

    finding = await Finding.get()
    await Finding.filter(id=finding.id).update(deadline=today() - timedelta(days=1))
    await standing.refresh([finding.institution_id], THRESHOLDS)
    overdue = await wumeng()
    fixed = await inspections.resolve_finding(
        await actor("donglanchao"), finding.id, "已更换灭火器", THRESHOLDS
    )
    after = await wumeng()

    assert (overdue.card, overdue.card_rule, overdue.list_name) == (
        Card.RED,
        "FINDING_OVERDUE",
        ListName.KEY,
    )
    assert fixed.resolved_on == today()
    assert (after.card, after.list_name) == (Card.GREEN, ListName.WHITE)
    rules = await CardChange.filter(institution_id=after.id).order_by("id")
    assert [c.rule for c in rules] == [
        "FINDINGS_OPEN",
        "FINDING_OVERDUE",
        "SCORE_GREEN",
    ]


async def test_the_rules_judge_as_of_the_moment_they_are_given(db):
    await inspect((FIRE, "2"), findings=((FIRE, 5),))
    finding = await Finding.get()
    on_the_deadline = datetime.combine(finding.deadline, time(18), OFFICE_TIMEZONE)
    the_day_after = on_the_deadline + timedelta(days=1)

    await standing.refresh([finding.institution_id], THRESHOLDS, at=on_the_deadline)
    still_due = await wumeng()
    await standing.refresh([finding.institution_id], THRESHOLDS, at=the_day_after)
    overdue = await wumeng()

    card_change = await CardChange.filter(institution_id=overdue.id).order_by("-id")
    list_change = await ListChange.filter(institution_id=overdue.id).order_by("-id")
    assert (still_due.card, still_due.card_rule) == (Card.YELLOW, "FINDINGS_OPEN")
    assert (overdue.card, overdue.card_rule) == (Card.RED, "FINDING_OVERDUE")
    assert (card_change[0].rule, card_change[0].at) == (
        "FINDING_OVERDUE",
        the_day_after,
    )
    assert (list_change[0].list_name, list_change[0].at) == (
        ListName.KEY,
        the_day_after,
    )


async def test_yellow_twice_running_puts_it_under_key_supervision(db):
    await inspect((FIRE, "5"), ("学科类培训教师具有相应教师资格证书", "6"))
    once = await wumeng()
    await inspect((FIRE, "5"), ("学科类培训教师具有相应教师资格证书", "6"))
    twice = await wumeng()

    assert (once.card, once.list_name) == (Card.YELLOW, ListName.WHITE)
    assert (twice.card, twice.list_name) == (Card.YELLOW, ListName.KEY)
    assert twice.list_verdict == "KEY:YELLOW_TWICE"


async def test_a_move_onto_the_blacklist_waits_for_another_administrator(db):
    institution = await wumeng()

    change = await standing.set_list_membership(
        await actor("admin"),
        institution.id,
        ListName.BLACK,
        "经查存在严重违规",
        seen_change_id=None,
    )
    waiting = await wumeng()
    with pytest.raises(Refused) as own:
        await standing.decide(await actor("admin"), change.id, confirm=True, note="")
    confirmed = await standing.decide(
        await actor("mengzhaoxin"), change.id, confirm=True, note="同意"
    )
    after = await wumeng()

    assert change.state == ListChangeState.PENDING and waiting.list_name is None
    assert own.value.errors[0].code == "FORBIDDEN"
    assert (confirmed.state, confirmed.decided_by) == (
        ListChangeState.APPLIED,
        "mengzhaoxin",
    )
    assert after.list_name == ListName.BLACK


async def test_a_ban_proposes_the_blacklist_and_a_rejection_keeps_it_off(db):
    institution = await wumeng()
    await Institution.filter(id=institution.id).update(
        operating_status=OperatingStatus.BANNED
    )
    await standing.refresh([institution.id])
    proposed = await ListChange.get(institution_id=institution.id)
    with pytest.raises(Refused) as no_reason:
        await standing.decide(await actor("admin"), proposed.id, confirm=False, note="")
    rejected = await standing.decide(
        await actor("admin"), proposed.id, confirm=False, note="取缔决定尚在复议"
    )

    assert (proposed.rule, proposed.state) == ("BANNED", ListChangeState.PENDING)
    assert no_reason.value.errors[0].field == "note"
    assert rejected.state == ListChangeState.REJECTED
    assert (await wumeng()).list_name is None


async def test_an_office_decision_stands_until_the_rules_say_something_new(db):
    await inspect()
    institution = await wumeng()
    await standing.set_list_membership(
        await actor("admin"),
        institution.id,
        ListName.KEY,
        "家长集中反映收费问题",
        seen_change_id=await standing.latest_list_change_id(institution.id),
    )
    await standing.refresh([institution.id], THRESHOLDS)
    await inspect()  # green again: the rules say what they said
    kept = await wumeng()
    await inspect(breached=(EXITS,), findings=((EXITS, 1),))  # red: key by rule
    fixed = await Finding.get()
    await inspections.resolve_finding(
        await actor("donglanchao"), fixed.id, "通道已清理", THRESHOLDS
    )
    await inspect()  # green, nothing open: the rules now say white
    after = await wumeng()

    assert kept.list_name == ListName.KEY
    assert after.list_name == ListName.WHITE


async def test_a_decision_on_a_stale_page_is_refused(db):
    institution = await wumeng()
    await inspect()  # the rules move it to the white list meanwhile

    with pytest.raises(Refused) as stale:
        await standing.set_list_membership(
            await actor("admin"),
            institution.id,
            ListName.KEY,
            "家长集中反映收费问题",
            seen_change_id=None,
        )

    assert stale.value.errors[0].code == "CONFLICT"
    assert (await wumeng()).list_name == ListName.WHITE
    assert await ListChange.filter(institution_id=institution.id).count() == 1


async def test_a_deadline_passing_turns_the_card_red_at_the_next_sweep(db):
    await inspect((FIRE, "2"), findings=((FIRE, 7),))
    # A week goes by and nothing is written.
    await Finding.all().update(deadline=today() - timedelta(days=1))
    before = await wumeng()

    judged = await standing.sweep(THRESHOLDS)

    after = await wumeng()
    assert judged == await Institution.all().count()
    assert (before.card, after.card) == (Card.YELLOW, Card.RED)
    assert after.card_rule == "FINDING_OVERDUE"
    assert after.list_name == ListName.KEY


async def test_a_permit_that_expires_is_noticed_by_the_sweep(db):
    await inspect()
    institution = await wumeng()
    await Document.filter(
        institution_id=institution.id, kind=DocumentKind.SCHOOL_PERMIT
    ).update(valid_until=today() - timedelta(days=1))

    await standing.sweep(THRESHOLDS)

    after = await wumeng()
    entry = await AuditEntry.filter(action="institution.license").get()
    assert (institution.license_status, institution.list_name) == (
        LicenseStatus.LICENSED,
        ListName.WHITE,
    )
    assert after.license_status == LicenseStatus.BUSINESS_LICENSE_ONLY
    assert after.list_name is None
    assert entry.actor == "rules"


async def test_the_service_sweeps_when_it_starts(db, settings):
    await inspect((FIRE, "2"), findings=((FIRE, 7),))
    await Finding.all().update(deadline=today() - timedelta(days=1))

    async with running(replace(settings, standing_sweep_minutes=60)):
        for _ in range(100):
            if (await wumeng()).card == Card.RED:
                break
            await asyncio.sleep(0.05)
        swept = await wumeng()

    assert swept.card_rule == "FINDING_OVERDUE"


async def test_coverage_shows_institutions_without_instructors_and_visits_missed(db):
    lone = await factories.institution(
        "历城区无指导员培训学校",
        documents=(DocumentKind.SCHOOL_PERMIT, DocumentKind.BUSINESS_LICENSE),
    )
    before = await inspections.coverage(await actor("admin"))
    await inspect()
    after = await inspections.coverage(await actor("admin"))

    missed = {(p.name, i.registered_name) for p, i in before.not_visited}
    assert [i.id for i in before.without_instructor] == [lone.id]
    assert len(before.not_visited) == 9
    assert ("董兰超", WUMENG) in missed
    assert len(after.not_visited) == 8
