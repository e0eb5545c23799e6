"""How a demo case runs its course, and what the demo keeps along the way.

`Story` plays one case's steps in the order the workflow allows, each on a
later day; the patrol and inspection demos both tell their cases with it.
After each step of the workflow the rules judge the institution as of that
day, as they would after the step taken on the case's page.
"""

import hashlib
import random
import secrets
import struct
import zlib
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path

from tortoise.expressions import F

from server import case_writes, standing
from server.clock import OFFICE_TIMEZONE
from server.models import (
    Case,
    CaseAction,
    CaseEvent,
    CaseKind,
    CaseState,
    Dispatch,
    DispatchState,
    Evidence,
    Institution,
    Notice,
    NoticeCounter,
    OperatingStatus,
    Penalty,
    PenaltyType,
    RegisterEntry,
    Requirement,
    Unit,
)
from server.settings import Settings
from server.workflow import next_state

A = CaseAction
DEMO = "demo"  # who the demo's records say did it

# What a notice requires: without a permit, to stop training; of a licensed
# institution, to keep within what its permit allows.
NOTICE_REQUIREMENTS = {
    CaseKind.VIOLATION: (Requirement.STAY_WITHIN_SCOPE, Requirement.REFUND_FEES),
}
STOP_AND_REFUND = (Requirement.STOP_TRAINING, Requirement.REFUND_FEES)
PUBLISHED_PENALTY = (
    "{name}未取得办学许可证擅自开展校外培训，经责令整改仍未停止，"
    "依法处以罚款{amount}元。"
)


class Story:
    """One case's year: the steps its age allows, each on a later day."""

    def __init__(
        self,
        rng: random.Random,
        case: Case,
        institution: Institution,
        settings: Settings,
    ):
        self.rng = rng
        self.case = case
        self.institution = institution
        self.folder = settings.evidence_folder
        self.notice_format = settings.notice_format
        self.day = case.reported_on

    async def play(self, age: int) -> None:
        rng, kind = self.rng, self.case.kind
        if age < 3:
            return
        await self.after(1, A.VERIFY)
        if age < 8:
            return
        notice_deadline = None
        if kind == CaseKind.BUSINESS_LICENSE_ONLY or rng.random() < 0.5:
            notice_deadline = self.day + timedelta(days=15)
            await self.after(2, A.ISSUE_NOTICE, deadline=notice_deadline)
        else:
            await self.after(1, A.ORDER_STOP)
        if age < 30:
            return  # still open; past its notice's deadline if it had one
        refuses = rng.random() < 0.15
        if refuses:
            await self.dispatch_and_answer()
            await self.after(5, A.ESCALATE, note="（演示数据）逾期拒不整改")
            await self.after(20, A.RECORD_PENALTY)
            await self.after(3, A.BAN, note="（演示数据）依法取缔")
        elif kind == CaseKind.UNLICENSED and rng.random() < 0.6:
            if self.case.state == CaseState.NOTICE_ISSUED:
                await self.after(5, A.ORDER_STOP)
            await self.after(10, A.BAN, note="（演示数据）依法取缔")
        else:
            await self.after(14, A.CONFIRM_RECTIFIED, note="（演示数据）已停止培训")
        if age < 60:
            return
        await self.settle_students()
        await self.keep_a_photo()
        await self.after(10, A.CLOSE_OUT, note="（演示数据）复查无培训活动，予以销号")

    async def after(self, days: int, action: CaseAction, **details) -> None:
        self.day += timedelta(days=days + self.rng.randint(0, 3))
        await self.step(action, self.day, **details)

    async def step(
        self,
        action: CaseAction,
        day: date,
        *,
        to: CaseState | None = None,
        note: str = "",
        deadline: date | None = None,
    ) -> None:
        case = self.case
        from_state = None if action == A.REPORT else case.state
        to = to or next_state(case.state, case.kind, action)
        recorded = {}
        if action == A.ISSUE_NOTICE:
            recorded = {
                "notice": await self.notice(day, deadline),
                "deadline": deadline.isoformat(),
            }
        if action == A.RECORD_PENALTY:
            recorded = {
                "penalty": await self.penalty(day),
                "type": PenaltyType.FINE.value,
            }
        if action in (A.ORDER_STOP, A.BAN, A.CONFIRM_RECTIFIED):
            await self.set_status(action)
        case.state = to
        if action == A.CLOSE_OUT:
            case.closed_at = moment(day)
        if action != A.REPORT:
            case.version += 1
        await case.save()
        await CaseEvent.create(
            case=case,
            action=action,
            from_state=from_state,
            to_state=to,
            at=moment(day),
            actor=DEMO,
            note=note,
            details=recorded,
        )
        if action in case_writes.WORKFLOW_ACTIONS:
            await standing.refresh([case.institution_id], by=DEMO, at=moment(day))

    async def notice(self, day: date, deadline: date) -> str:
        await NoticeCounter.get_or_create(year=day.year, defaults={"last_sequence": 0})
        await NoticeCounter.filter(year=day.year).update(
            last_sequence=F("last_sequence") + 1
        )
        sequence = (await NoticeCounter.get(year=day.year)).last_sequence
        notice = await Notice.create(
            case=self.case,
            year=day.year,
            sequence=sequence,
            number=self.notice_format.format(year=day.year, number=sequence),
            issued_on=day,
            deadline=deadline,
            requirements=[
                requirement.value
                for requirement in NOTICE_REQUIREMENTS.get(
                    self.case.kind, STOP_AND_REFUND
                )
            ],
            findings=self.case.finding,
            issued_by=DEMO,
        )
        return notice.number

    async def penalty(self, day: date) -> str:
        number = f"历城市监罚〔{day.year}〕{self.rng.randint(100, 999)}号"
        amount = Decimal(self.rng.choice((5000, 10000, 20000)))
        # The office publishes some of its penalties (曝光、通报); chosen
        # without the generator, so the rest of the demo year stays as it was.
        published = self.case.id % 2 == 0
        await Penalty.create(
            case=self.case,
            decision_number=number,
            decided_on=day,
            penalty_type=PenaltyType.FINE,
            amount=amount,
            published=published,
            published_at=moment(day + timedelta(days=2)) if published else None,
            public_summary=PUBLISHED_PENALTY.format(
                name=self.institution.signboard_name
                or self.institution.registered_name,
                amount=amount,
            )
            if published
            else "",
        )
        return number

    async def set_status(self, action: CaseAction) -> None:
        if action == A.ORDER_STOP:
            status = OperatingStatus.SUSPENDED
        elif action == A.BAN:
            status = OperatingStatus.BANNED
        else:
            status = case_writes.status_once_rectified(self.case)
        self.institution.operating_status = status
        # The status alone: the card and list columns belong to the rules.
        await self.institution.save(update_fields=["operating_status"])

    async def dispatch_and_answer(self) -> None:
        unit = await Unit.get_or_none(name="市场监管所") or await Unit.first()
        sent = moment(self.day + timedelta(days=1))
        dispatch = await Dispatch.create(
            case=self.case,
            unit=unit,
            request="（演示数据）请核查该机构经营范围并依法处置",
            due_at=sent + timedelta(days=5),
            sent_at=sent,
            acknowledged_at=sent + timedelta(hours=4),
            reported_at=sent + timedelta(days=3),
            report="（演示数据）已会同街道现场检查，责令停止培训",
            state=DispatchState.REPORTED,
        )
        for action, at in (
            (A.DISPATCH, dispatch.sent_at),
            (A.ACKNOWLEDGE, dispatch.acknowledged_at),
            (A.REPORT_BACK, dispatch.reported_at),
        ):
            await CaseEvent.create(
                case=self.case,
                action=action,
                from_state=self.case.state,
                to_state=self.case.state,
                at=at,
                actor=DEMO,
                details={"unit": unit.id, "dispatch": dispatch.id},
            )

    async def settle_students(self) -> None:
        students = self.rng.randint(5, 30)
        fees = Decimal(students * self.rng.choice((800, 1200, 1800)))
        await RegisterEntry.create(
            case=self.case,
            at=moment(self.day),
            students_affected=students,
            students_resettled=students,
            fees_owed=fees,
            fees_refunded=fees,
            recorded_by=DEMO,
        )

    async def keep_a_photo(self) -> None:
        await keep_a_photo(
            self.folder, self.rng, self.day, "复查照片（演示数据）.png", case=self.case
        )


def moment(day: date, hour: int = 10) -> datetime:
    """That day at the hour; now, if that hour is still to come today."""
    at = datetime.combine(day, time(hour, 0), OFFICE_TIMEZONE)
    return min(at, datetime.now(OFFICE_TIMEZONE))


async def keep_a_photo(
    folder: Path, rng: random.Random, day: date, name: str, **kept_with
) -> Evidence:
    """A placeholder photo, kept with the case or inspection named."""
    folder.mkdir(parents=True, exist_ok=True)
    data = placeholder_png(rng)
    stored_as = secrets.token_hex(16)
    (folder / stored_as).write_bytes(data)
    return await Evidence.create(
        **kept_with,
        stored_as=stored_as,
        original_name=name,
        content_type="image/png",
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        uploaded_by=DEMO,
        uploaded_at=moment(day),
    )


def placeholder_png(rng: random.Random) -> bytes:
    """A small grey picture: a real PNG, so it passes the content check."""
    width = height = 16
    shade = rng.randint(120, 200)
    rows = b"".join(b"\x00" + bytes([shade]) * width for _ in range(height))

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )
