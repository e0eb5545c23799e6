"""A year of inspections of the licensed institutions, for the demo.

Each institution is visited about monthly by the instructor posted there,
scored against the current template. What a visit finds is fixed on a later
day, or not; a serious finding opens a VIOLATION case that runs its course.
Each institution's days are played in date order, and after each the rules
judge it as of that day, just as recording the inspection, fixing the
finding or taking the case's step would have had them judge: its card and
list histories are what the rules would have written.
"""

import heapq
import itertools
import random
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from enum import Enum, auto
from functools import partial

from server import audit, inspections, scoring, standing
from server.demo_cases import DEMO, Story, keep_a_photo, moment
from server.models import (
    Case,
    CaseAction,
    CaseKind,
    CaseState,
    Finding,
    Inspection,
    InspectionResult,
    Institution,
    InstructorAssignment,
    ItemKind,
    LicenseStatus,
    OperatingStatus,
    TemplateItem,
)
from server.permissions import COMMAND_LINE
from server.settings import Settings

A = CaseAction


class Turn(Enum):
    """How one visit goes."""

    WELL = auto()  # a few points off at most: green
    YELLOW = auto()  # enough points off for a yellow card, nothing formal to fix
    YELLOW_FIXED = auto()  # as YELLOW, with a finding fixed in time
    FIXED_IN_TIME = auto()  # findings, each fixed before its deadline
    FIXED_LATE = auto()  # a finding still open at the next visit, fixed after it
    LEFT_OPEN = auto()  # a finding not due yet
    OUT_OF_SCOPE = auto()  # academic classes beyond the permit: a veto item


T = Turn
# Each licensed institution's year, in the plan's order, by visit counted
# back from the latest (-1); the visits not named go well. Together they
# show every card and list: most stay green and on the white list.
STORYLINES: tuple[dict[int, Turn], ...] = (
    {},  # 舞梦: a good year
    {-5: T.FIXED_IN_TIME},  # 利尔: off the white list until its findings were fixed
    {-1: T.OUT_OF_SCOPE},  # 田野里: red lately, a case, key supervision
    {-9: T.YELLOW, -6: T.YELLOW, -2: T.YELLOW_FIXED, -1: T.YELLOW},  # 领创: key
    {-7: T.YELLOW, -4: T.YELLOW, -1: T.YELLOW},  # 弘文: yellow now and then
    {-8: T.FIXED_IN_TIME, -1: T.LEFT_OPEN},  # 前景: a finding open now
    {-4: T.FIXED_LATE},  # 泉润: red while a finding was overdue, green again
    {-8: T.FIXED_IN_TIME},  # 学信
    {},  # 育创
)
GREEN_AT_MOST_OFF = 8  # points, so that a visit that goes well stays green
POINTS_OFF_AN_ITEM = ("1", "2", "2", "3")
DEADLINES = (7, 10, 14, 15, 20, 30)  # days given to fix a finding
BONUS_RATE = 0.15
PHOTO_RATE = 0.3
OUT_OF_SCOPE_ITEM = "超出办学许可范围开展学科类培训"
SCOPE_ITEM = "培训内容与办学许可范围一致"

# What an instructor writes when an item of the default checklist falls
# short, and what is written once it is fixed. Items of a template edited
# since have no words here: their findings say the item, as the domain's do.
FINDINGS = {
    "办学许可证、营业执照（登记证书）在醒目位置悬挂公示": (
        "办学许可证副本未在前台醒目位置悬挂",
        "已将办学许可证、营业执照悬挂于前台醒目位置",
    ),
    "收费项目、收费标准及退费办法公示": (
        "收费公示栏未写明退费办法",
        "已在收费公示栏补充退费办法",
    ),
    "“双减”政策宣传资料张贴到位": (
        "教室及走廊未张贴“双减”政策宣传资料",
        "已在教室及走廊张贴政策宣传资料",
    ),
    "公示监管部门投诉举报电话": (
        "未公示监管部门投诉举报电话",
        "已在前台公示投诉举报电话",
    ),
    "消防器材配备齐全且在有效期内": (
        "二楼教室两具灭火器压力不足、已过有效期",
        "已更换灭火器，留存购置凭证",
    ),
    "视频监控覆盖教学和活动区域": (
        "舞蹈教室视频监控损坏，未覆盖活动区域",
        "已维修监控设备，覆盖全部教学区域",
    ),
    "定期开展安全检查并留存记录": (
        "近两个月安全检查记录缺失",
        "已补建安全检查台账，每周检查并留存记录",
    ),
    "每学期开展应急疏散演练": (
        "本学期未开展应急疏散演练",
        "已组织师生开展应急疏散演练并留存影像",
    ),
    "从业人员入职前完成违法犯罪记录查询": (
        "新入职两名教师未完成违法犯罪记录查询",
        "已完成查询，结果无异常，材料已归档",
    ),
    "教师照片、资质信息在场所内公示": (
        "新聘教师照片及资质信息未公示",
        "已更新教师公示栏",
    ),
    "与从业人员依法签订劳动合同或聘用协议": (
        "一名兼职教师未签订聘用协议",
        "已补签聘用协议",
    ),
    "预收费全部进入监管账户": (
        "部分学费通过个人账户收取，未进入监管账户",
        "已将预收费转入监管账户，提供银行流水",
    ),
    "使用培训服务合同示范文本": (
        "部分家长签订的合同未使用示范文本",
        "已改用示范文本与家长重新签订合同",
    ),
    "招生简章、广告内容报备": (
        "新印制的招生简章未报备",
        "已补报招生简章",
    ),
    "培训计划、课程安排备案": (
        "秋季课程安排未备案",
        "已报送课程安排备案",
    ),
    "线下培训结束时间不晚于20:30": (
        "周五晚间课程结束时间为21:00",
        "已调整课程表，最晚20:30下课",
    ),
    OUT_OF_SCOPE_ITEM: (
        "在美术教室内开设小学数学、英语辅导班",
        "已停止学科类辅导班，向家长全额退费",
    ),
}
FIXED_AS_REQUIRED = "已按要求整改到位"


@dataclass(frozen=True)
class Planned:
    """A finding as a visit makes it, and the day it gets fixed, if it does."""

    item: TemplateItem
    text: str
    resolution: str
    deadline: date
    fixed_on: date | None
    serious: bool = False


async def inspection_year(
    seed: int,
    settings: Settings,
    thresholds: standing.Thresholds,
    end: date,
    days: int,
) -> Counter[str]:
    """Each inspected institution's year, up to `end`; what was made, counted."""
    template = await scoring.current_template(COMMAND_LINE)
    made: Counter[str] = Counter()
    for position, (institution, instructor_id) in enumerate(await _inspected()):
        storyline = STORYLINES[position] if position < len(STORYLINES) else {}
        year = InspectionYear(
            random.Random(f"{seed}-{position}"),
            institution,
            instructor_id,
            template,
            thresholds,
            settings,
            end,
            made,
        )
        await year.play(storyline, days)
    return made


async def _inspected() -> list[tuple[Institution, int]]:
    """The institutions inspections are for, each with the instructor posted
    there first: licensed, and still operating."""
    institutions = (
        await Institution.filter(license_status=LicenseStatus.LICENSED)
        .exclude(operating_status__in=[OperatingStatus.CLOSED, OperatingStatus.BANNED])
        .order_by("id")
    )
    first_posted: dict[int, int] = {}
    postings = InstructorAssignment.filter(
        institution_id__in=[institution.id for institution in institutions]
    )
    for posting in await postings.order_by("id"):
        first_posted.setdefault(posting.institution_id, posting.person_id)
    return [(i, first_posted[i.id]) for i in institutions if i.id in first_posted]


class InspectionYear:
    """One institution's year: its instructor's visits, and what each sets off
    on later days, all played in date order, so that the rules judge each day
    on the records as they stood that day."""

    def __init__(
        self,
        rng: random.Random,
        institution: Institution,
        instructor_id: int,
        template: scoring.Template,
        thresholds: standing.Thresholds,
        settings: Settings,
        end: date,
        made: Counter[str],
    ):
        self.rng = rng
        self.institution = institution
        self.instructor_id = instructor_id
        self.template = template
        self.thresholds = thresholds
        self.settings = settings
        self.end = end
        self.made = made
        items = template.items
        self.standard = [item for item in items if item.kind == ItemKind.STANDARD]
        bonuses = [item for item in items if item.kind == ItemKind.BONUS]
        self.bonus = rng.choice(bonuses) if bonuses else None  # the one it earns
        self.fixable = [
            item for item in self.standard if item.text in FINDINGS
        ] or self.standard
        vetoes = [item for item in items if item.kind == ItemKind.VETO]
        self.out_of_scope = next(
            (item for item in vetoes if item.text == OUT_OF_SCOPE_ITEM),
            vetoes[0] if vetoes else None,
        )
        self.agenda: list[tuple[date, int, Callable[[date], Awaitable[None]]]] = []
        self.planned = itertools.count()

    async def play(self, storyline: dict[int, Turn], days: int) -> None:
        visits = self.visit_days(days)
        for index, day in enumerate(visits):
            turn = storyline.get(index - len(visits), Turn.WELL)
            following = visits[index + 1] if index + 1 < len(visits) else None
            self.plan(day, partial(self.visit, turn, following))

        while self.agenda:
            day, _, step = heapq.heappop(self.agenda)
            await step(day)

    def plan(self, day: date, step: Callable[[date], Awaitable[None]]) -> None:
        """Take `step` on `day`, unless that day is still to come."""
        if day <= self.end:
            heapq.heappush(self.agenda, (day, next(self.planned), step))

    def visit_days(self, days: int) -> list[date]:
        """About monthly: every four weeks on the instructor's own weekday,
        now and then five; the latest from a few days to a few weeks ago."""
        rng = self.rng
        weekday = rng.randrange(5)
        stretches = rng.uniform(0.1, 0.4)
        day = self.end - timedelta(days=rng.randint(3, 12))
        day -= timedelta(days=(day.weekday() - weekday) % 7)

        visits = []
        while day > self.end - timedelta(days=days):
            visits.append(day)
            day -= timedelta(weeks=5 if rng.random() < stretches else 4)
        return visits[::-1]

    async def visit(self, turn: Turn, following: date | None, day: date) -> None:
        found = self.findings(turn, day, following)
        results = self.results(turn, found)
        score = scoring.score(self.template.items, results)
        earned = inspections.card_earned(
            self.institution,
            score,
            [inspections.FindingInput(p.item.id, p.text, p.deadline) for p in found],
            day,
            self.thresholds,
        )
        inspection = await Inspection.create(
            institution=self.institution,
            instructor_id=self.instructor_id,
            template=self.template.template,
            inspected_on=day,
            score=score.total,
            vetoed=score.vetoed,
            card=earned,
            notes=await self.notes(turn, results, found, day),
            recorded_by=DEMO,
            recorded_at=moment(day),
            demo=True,
        )
        await InspectionResult.bulk_create(
            [
                InspectionResult(
                    inspection=inspection,
                    item_id=result.item_id,
                    points=result.points,
                    breached=result.breached,
                    note=result.note,
                )
                for result in results.values()
            ]
        )
        self.made["inspections"] += 1

        for planned in found:
            await self.open(inspection, planned)
        if found or self.rng.random() < PHOTO_RATE:
            await keep_a_photo(
                self.settings.evidence_folder,
                self.rng,
                day,
                "督查现场照片（演示数据）.png",
                inspection=inspection,
            )
        await audit.record(
            COMMAND_LINE,
            "demo.load",
            inspection,
            None,
            audit.snapshot(inspection) | {"results": len(results)},
        )
        await self.judge(day)

    def findings(self, turn: Turn, day: date, following: date | None) -> list[Planned]:
        rng = self.rng
        if turn == Turn.OUT_OF_SCOPE and self.out_of_scope is not None:
            text, resolution = _words(self.out_of_scope)
            # Stopped within the week or so; the notice gives a fortnight.
            fixed_on = day + timedelta(days=rng.randint(5, 9))
            deadline = day + timedelta(days=15)
            return [
                Planned(self.out_of_scope, text, resolution, deadline, fixed_on, True)
            ]

        how_many = {
            Turn.FIXED_IN_TIME: 2,
            Turn.YELLOW_FIXED: 1,
            Turn.FIXED_LATE: 1,
            Turn.LEFT_OPEN: 1,
        }.get(turn, 0)
        items = rng.sample(self.fixable, min(how_many, len(self.fixable)))
        return [self.finding(item, turn, day, following) for item in items]

    def finding(
        self, item: TemplateItem, turn: Turn, day: date, following: date | None
    ) -> Planned:
        rng = self.rng
        text, resolution = _words(item)
        if turn == Turn.LEFT_OPEN:
            # Due later than the latest visit is old: open, and not late.
            deadline = day + timedelta(days=rng.randint(21, 30))
            return Planned(item, text, resolution, deadline, None)
        if turn == Turn.FIXED_LATE:
            deadline = day + timedelta(days=rng.choice((7, 10, 14)))
            # Still open when the instructor comes back; fixed days after.
            fixed_on = (following or deadline) + timedelta(days=rng.randint(1, 5))
            return Planned(item, text, resolution, deadline, fixed_on)

        allowed = rng.choice(DEADLINES)
        latest = allowed - 1
        if following is not None:
            latest = min(latest, (following - day).days - 1)
        fixed_on = day + timedelta(days=rng.randint(min(2, latest), latest))
        return Planned(item, text, resolution, day + timedelta(days=allowed), fixed_on)

    def results(
        self, turn: Turn, found: list[Planned]
    ) -> dict[int, scoring.ResultInput]:
        """Points off standard items, each finding's among them, a breach for a
        finding on a veto item, and now and then a bonus."""
        rng = self.rng
        first = [p.item for p in found if p.item.kind == ItemKind.STANDARD]
        if turn == Turn.OUT_OF_SCOPE:
            first += [item for item in self.standard if item.text == SCOPE_ITEM]
        if turn in (Turn.YELLOW, Turn.YELLOW_FIXED):
            off = Decimal(rng.randint(22, 44)) / 2
        elif turn == Turn.OUT_OF_SCOPE and self.out_of_scope is None:
            off = Decimal(rng.randint(52, 60)) / 2  # no veto item: red by score
        elif first:
            off = Decimal(rng.randint(2 * len(first) + 2, 2 * GREEN_AT_MOST_OFF)) / 2
        else:
            off = Decimal(rng.randint(0, 2 * GREEN_AT_MOST_OFF - 2)) / 2

        results = {
            item_id: scoring.ResultInput(item_id, points)
            for item_id, points in _deductions(rng, self.standard, off, first).items()
        }
        for planned in found:
            if planned.item.kind == ItemKind.VETO:
                results[planned.item.id] = scoring.ResultInput(
                    planned.item.id, breached=True, note=planned.text
                )
        if turn == Turn.WELL and self.bonus and rng.random() < BONUS_RATE:
            results[self.bonus.id] = scoring.ResultInput(
                self.bonus.id, self.bonus.points
            )
        return results

    async def notes(
        self,
        turn: Turn,
        results: dict[int, scoring.ResultInput],
        found: list[Planned],
        day: date,
    ) -> str:
        items = {item.id: item for item in self.template.items}
        short = {
            items[r.item_id].section
            for r in results.values()
            if items[r.item_id].kind == ItemKind.STANDARD
        }
        named = [section for section, _ in self.template.sections if section in short]
        sections = "、".join(named[:2]) + ("等" if len(named) > 2 else "")
        if any(p.serious for p in found):
            breached = "；".join(p.item.text for p in found if p.serious)
            said = f"督查发现{breached}，属一票否决项，已报街道立案处理。"
        elif found:
            findings = "；".join(p.text for p in found)
            said = f"例行督查，发现{findings}，已下达限期整改要求。"
        elif turn == Turn.YELLOW:
            said = f"例行督查，{sections}方面多处未达标，已要求改进，下次督查复查。"
        elif sections:
            said = f"例行督查，总体规范；{sections}方面有小问题，已当场提醒。"
        else:
            said = "例行督查，各项符合要求。"
        if self.bonus and self.bonus.id in results:
            said += f"{self.bonus.text}，予以加分。"
        overdue = Finding.filter(
            institution_id=self.institution.id, resolved_on=None, deadline__lt=day
        )
        if await overdue.exists():
            said += "上次督查发现的问题逾期未整改，已督促尽快完成。"
        return _marked(said)

    async def open(self, inspection: Inspection, planned: Planned) -> None:
        case = None
        if planned.serious:
            case = await self.open_case(planned, inspection.inspected_on)
        finding = await Finding.create(
            inspection=inspection,
            institution=self.institution,
            item=planned.item,
            text=_marked(planned.text),
            deadline=planned.deadline,
            serious=planned.serious,
            case=case,
        )
        self.made["findings"] += 1
        if planned.fixed_on is not None:
            resolution = _marked(planned.resolution)
            self.plan(planned.fixed_on, partial(self.fix, finding, resolution))

    async def fix(self, finding: Finding, resolution: str, day: date) -> None:
        finding.resolved_on = day
        finding.resolution = resolution
        finding.resolved_by = DEMO
        await finding.save(update_fields=["resolved_on", "resolution", "resolved_by"])
        await self.judge(day)

    async def open_case(self, planned: Planned, day: date) -> Case:
        """The VIOLATION case a serious finding opens, as the domain opens it,
        and its course: verified, a notice, rectified, closed out."""
        case = await Case.create(
            institution=self.institution,
            village_id=self.institution.village_id,
            reported_by_id=self.instructor_id,
            kind=CaseKind.VIOLATION,
            state=CaseState.REPORTED,
            finding=inspections.violation_found(planned.item, _marked(planned.text)),
            reported_on=day,
            demo=True,
        )
        story = Story(self.rng, case, self.institution, self.settings)
        await story.step(A.REPORT, day, to=CaseState.REPORTED)
        await audit.record(COMMAND_LINE, "demo.load", case, None, audit.snapshot(case))
        self.made["cases"] += 1

        # Confirmed the day after the finding was fixed, before the notice's deadline.
        rectified = planned.fixed_on + timedelta(days=1)
        self.plan(day + timedelta(days=1), partial(story.step, A.VERIFY))
        self.plan(
            day + timedelta(days=2),
            partial(story.step, A.ISSUE_NOTICE, deadline=planned.deadline),
        )
        self.plan(
            rectified,
            partial(
                story.step,
                A.CONFIRM_RECTIFIED,
                note="（演示数据）复查确认问题已整改",
            ),
        )
        self.plan(
            rectified + timedelta(days=self.rng.randint(7, 10)),
            partial(self.close_out, story),
        )
        return case

    async def close_out(self, story: Story, day: date) -> None:
        story.day = day
        await story.settle_students()
        await story.keep_a_photo()
        await story.step(A.CLOSE_OUT, day, note="（演示数据）复查无违规，予以销号")

    async def judge(self, day: date) -> None:
        await standing.refresh(
            [self.institution.id], self.thresholds, by=DEMO, at=moment(day)
        )


def _words(item: TemplateItem) -> tuple[str, str]:
    """What a finding on the item says, and its resolution."""
    return FINDINGS.get(item.text, (f"“{item.text}”未达到要求", FIXED_AS_REQUIRED))


def _marked(text: str) -> str:
    return f"（演示数据）{text}"


def _deductions(
    rng: random.Random,
    standard: list[TemplateItem],
    off: Decimal,
    first: list[TemplateItem],
) -> dict[int, Decimal]:
    """Points off standard items, `off` in all: a point off each of `first`
    (what the findings are about, since only what fell short needs fixing),
    the rest spread at random."""
    deducted = {item.id: min(item.points, Decimal(1)) for item in first}
    left = off - sum(deducted.values(), Decimal(0))
    for item in rng.sample(standard, len(standard)):
        if left <= 0:
            break
        room = item.points - deducted.get(item.id, Decimal(0))
        points = min(room, left, Decimal(rng.choice(POINTS_OFF_AN_ITEM)))
        if points > 0:
            deducted[item.id] = deducted.get(item.id, Decimal(0)) + points
            left -= points
    return deducted
