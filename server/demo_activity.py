"""A believable year of patrols, cases and inspections, for trying xiaowai out.

Everything made here is marked `demo` and follows the domain's own rules:
each step is one `workflow.next_state` allows, dates run forward, closed
cases have their students resettled, their fees refunded and a photo kept;
the licensed institutions are inspected by their own instructors (see
`demo_inspections`), and cards and lists are judged by the rules on the days
things happened. The same seed gives the same year, so a demonstration can
be repeated.
"""

import random
from collections import Counter
from dataclasses import dataclass
from datetime import date, timedelta

from tortoise.transactions import in_transaction

from server import audit, standing
from server.clock import OFFICE_TIMEZONE, today
from server.demo_cases import DEMO, Story, moment
from server.demo_inspections import inspection_year
from server.models import (
    Case,
    CaseAction,
    CaseKind,
    CaseState,
    Document,
    DocumentKind,
    DocumentStatus,
    Inspection,
    Institution,
    LicenseStatus,
    ListChange,
    ListChangeState,
    ListName,
    Patrol,
    Subdistrict,
    SupervisorAssignment,
)
from server.permissions import COMMAND_LINE
from server.settings import Settings

SEED = 20230404
FINDING_RATE = 0.12
NAMES = (
    "启航",
    "博学",
    "小天才",
    "明德",
    "智慧树",
    "乐学",
    "新起点",
    "星辰",
    "向阳",
    "书香",
)
KINDS_OF_PLACE = (
    ("托管", "校外托管", "小学作业辅导"),
    ("课堂", "教育咨询", "初中数学、英语"),
    ("艺术", "文化艺术咨询", "舞蹈、美术"),
    ("英语", "教育科技", "少儿英语"),
    ("书法", "文化传播", "书法、国画"),
)
PLACES = ("主街沿线", "学校周边", "小区底商", "村委会附近", "新建商铺")
KIND_WEIGHTS = (
    (CaseKind.UNLICENSED, 0.5),
    (CaseKind.BUSINESS_LICENSE_ONLY, 0.35),
    (CaseKind.OPERATING_BEFORE_APPROVAL, 0.15),
)
A = CaseAction


@dataclass(frozen=True)
class DemoSummary:
    patrols: int
    cases: int
    inspections: int
    findings: int


async def load_demo_activity(settings: Settings, days: int = 365) -> DemoSummary | None:
    """Add the demo year; None if it was added before (it is added once).

    Patrols are added unless demo patrols exist; inspections unless any
    inspection exists, demo or real, since a made-up past laid under real
    records would misstate those institutions' standing.
    """
    patrols_due = not await Patrol.exists(demo=True)
    inspections_due = not await Inspection.exists()
    if not (patrols_due or inspections_due):
        return None

    end = today()
    thresholds = standing.Thresholds.of(settings)
    made: Counter[str] = Counter()
    async with in_transaction():
        if patrols_due:
            made += await _patrol_year(settings, end, days)
        if inspections_due:
            made += await inspection_year(SEED, settings, thresholds, end, days)

        # Today's eyes on every institution: a notice's deadline may have
        # passed since its case last moved.
        every_institution = await Institution.all().values_list("id", flat=True)
        await standing.refresh(every_institution, thresholds, by=DEMO)
        await _confirm_older_blacklist_moves(random.Random(f"{SEED}-decisions"))
    return DemoSummary(
        patrols=made["patrols"],
        cases=made["cases"],
        inspections=made["inspections"],
        findings=made["findings"],
    )


async def _patrol_year(settings: Settings, end: date, days: int) -> Counter[str]:
    """Every supervisor's patrols of their village, every ten days to three
    weeks, and the cases a few of them find."""
    rng = random.Random(SEED)
    made: Counter[str] = Counter()
    assignments = await SupervisorAssignment.all().order_by("village_id")
    for assignment in assignments:
        day = end - timedelta(days=days) + timedelta(days=rng.randint(0, 14))
        while day <= end:
            patrol = await _patrol(rng, assignment, day)
            made["patrols"] += 1
            if rng.random() < FINDING_RATE:
                await _case(rng, patrol, end, settings)
                made["cases"] += 1
            day += timedelta(days=rng.randint(10, 21))
    return made


async def _patrol(
    rng: random.Random, assignment: SupervisorAssignment, day: date
) -> Patrol:
    return await Patrol.create(
        village_id=assignment.village_id,
        supervisor_id=assignment.person_id,
        patrolled_on=day,
        places="、".join(rng.sample(PLACES, 2)),
        notes="（演示数据）未见异常"
        if rng.random() < 0.8
        else "（演示数据）发现疑似培训场所",
        demo=True,
    )


async def _case(
    rng: random.Random, patrol: Patrol, end: date, settings: Settings
) -> Case:
    kind = rng.choices(*zip(*KIND_WEIGHTS, strict=True))[0]
    institution = await _found_institution(rng, patrol, kind)
    case = await Case.create(
        institution=institution,
        village_id=patrol.village_id,
        patrol=patrol,
        reported_by_id=patrol.supervisor_id,
        kind=kind,
        state=CaseState.REPORTED,
        finding=f"（演示数据）{institution.signboard_name}放学后有学生在内上课",
        reported_on=patrol.patrolled_on,
        demo=True,
    )
    story = Story(rng, case, institution, settings)
    await story.step(A.REPORT, patrol.patrolled_on, to=CaseState.REPORTED)
    await story.play((end - patrol.patrolled_on).days)
    await audit.record(COMMAND_LINE, "demo.load", case, None, audit.snapshot(case))
    return case


async def _found_institution(
    rng: random.Random, patrol: Patrol, kind: CaseKind
) -> Institution:
    suffix, trades_as, teaches = rng.choice(KINDS_OF_PLACE)
    name = f"{rng.choice(NAMES)}{suffix}"
    village = await patrol.village
    institution = await Institution.create(
        subdistrict=await Subdistrict.all().order_by("id").first(),
        registered_name=name,
        signboard_name=name,
        address=f"{village.name}{rng.randint(1, 60)}号",
        trades_as=trades_as,
        teaches=teaches,
        village_id=patrol.village_id,
        license_status={
            CaseKind.UNLICENSED: LicenseStatus.UNLICENSED,
            CaseKind.BUSINESS_LICENSE_ONLY: LicenseStatus.BUSINESS_LICENSE_ONLY,
            CaseKind.OPERATING_BEFORE_APPROVAL: LicenseStatus.APPLYING,
        }[kind],
    )
    if kind == CaseKind.BUSINESS_LICENSE_ONLY:
        await Document.create(
            institution=institution, kind=DocumentKind.BUSINESS_LICENSE
        )
    if kind == CaseKind.OPERATING_BEFORE_APPROVAL:
        await Document.create(
            institution=institution,
            kind=DocumentKind.SCHOOL_PERMIT,
            status=DocumentStatus.APPLIED,
        )
    return institution


# --- the office's confirmations -----------------------------------------------

# The account `seed` makes for the director of the group's office (孟兆新),
# an administrator, who confirms moves onto and off the blacklist.
DIRECTOR_LOGIN = "mengzhaoxin"
LEFT_WAITING = 2


async def _confirm_older_blacklist_moves(rng: random.Random) -> None:
    """The director confirmed the rules' older blacklist moves a day or a few
    after they were proposed; the newest still wait, so that the queue of
    moves to confirm has something to show."""
    waiting = await ListChange.filter(
        state=ListChangeState.PENDING, proposed_by=DEMO
    ).order_by("at", "id")
    for change in waiting[:-LEFT_WAITING]:
        before = audit.snapshot(change)
        proposed_on = change.at.astimezone(OFFICE_TIMEZONE).date()
        decided_on = proposed_on + timedelta(days=rng.randint(1, 3))
        change.state = ListChangeState.APPLIED
        change.decided_by = DIRECTOR_LOGIN
        change.decided_at = moment(decided_on, hour=16)
        change.decision_note = (
            "（演示数据）经核实，同意列入黑名单。"
            if change.list_name == ListName.BLACK
            else "（演示数据）经核实，同意移出黑名单。"
        )
        await change.save()
        await Institution.filter(id=change.institution_id).update(
            list_name=change.list_name
        )
        await audit.record(
            COMMAND_LINE, "demo.load", change, before, audit.snapshot(change)
        )
