"""A month of records on the edges of November 2026, for the monthly report.

Everything is written through the domain's own functions, which date what
they write today; the dates are then moved where the month's edges are. A
record of 31 October or 1 December must not count, one of 1 or 30 November
must, and a moment counts from 1 November 00:00 to 30 November 23:59:59 in
the office's time.

`craft_november` may be called again on the same database, each call
adding the same records once more. The rules judge each call's
inspections and cases against the standing the calls before left, so only
the first call's card and list changes are dated; later calls' stay
today's, after the month.

The records, by the letters the tests name them with:

patrols     P1 李萍 寇家村 Oct 31 (finds C3)      P2 李萍 寇家村 Nov 1
            P3 李萍 寇家村 Nov 30 (finds C2)      P4 林庆杰 林家村 Nov 15 (finds C4)
            P5 林庆杰 林家村 Dec 1 (finds C5)     P6 苏宝军 任家村 Dec 1
cases       C1 李萍 UNLICENSED Nov 1, closed out Nov 30 23:59
            C2 李萍 BUSINESS_LICENSE_ONLY Nov 30, open
            C3 李萍 UNLICENSED Oct 31, closed out Dec 1 00:00
            C4 林庆杰 VIOLATION of 弘文 Nov 15, escalated
            C5 林庆杰 UNLICENSED Dec 1
            C6 苏宝军 Oct 25, dismissed Nov 5
            C8 苏宝军 Oct 25, dismissed Oct 31 23:59
            C7 林庆杰 UNLICENSED Oct 20, open, with three dispatches
            C9 opened on report K3 today
notices     N1 C3 Oct 31 → Nov 1, nothing done after it
            N2 C1 Nov 2 → Nov 30, a dispatch answered the same morning
            N3 C2 Nov 30 → Dec 1          N4 C4 Nov 16 → Nov 20, escalated Nov 25
dispatches  D1 C1 sent Nov 1 00:00, due Nov 3, answered Nov 2
            D2 C7 sent Oct 31 23:59, due Nov 30 23:59, answered Dec 1 00:00
            D3 C2 sent Nov 30 23:59, due Dec 1 00:00, unanswered
            D4 C7 sent Oct 30, due Nov 1 00:00, unanswered
            D5 C7 sent Oct 29, due Oct 31, answered Nov 1 00:00
register    C3 Oct 31 (5 of 20, 2000 of 10000), Nov 30 23:59 (12, 6500.50),
            Dec 1 00:00 (20, 10000); C1 Nov 20 (8 of 8, 3000); C2 Dec 1 00:00
inspections I0 仇汝良 领创 Oct 20 97       I1 董兰超 舞梦 Oct 31 100
            I2 董兰超 舞梦 Nov 1 95        I5 董兰超 舞梦 Nov 15 91
            I6 张涛 弘文 Nov 20 100        I3 马丽 利尔 Nov 30 80
            I4 张涛 弘文 Dec 1 70
findings    F0 of I0 fixed Oct 31; F1 of I2 fixed Nov 29; F2 and F3 of I3 fixed
            Nov 30 and Dec 1
complaints  K1 received Oct 31 23:59, dismissed Nov 1 00:00
            K2 received Nov 1 00:00, linked to C4 Nov 30 23:59
            K3 received Nov 30 23:59, opened C9 Dec 1 00:00
            K4 received Dec 1 00:00          K5 received Nov 15, waiting
cards       领创 green Oct 31 23:59; 舞梦 green Nov 1 00:00, yellow Nov 1, green
            Nov 29; 弘文 green Nov 20, red Dec 1 00:00; 利尔 yellow Nov 30 23:59
lists       see LIST_CHANGES: at the end 领创 and 舞梦 white; the places of C2, C3
            and 弘文 key; C7's black, confirmed Nov 30 23:59; C1's off every list
"""

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from server import case_writes, complaints, evidence, inspections, standing
from server.accounts import actor_for_account
from server.case_writes import FindingInput, PatrolInput, RegisterInput, StepInput
from server.clock import OFFICE_TIMEZONE, today
from server.complaints import Decision, Submission, Triage
from server.inspections import InspectionInput
from server.models import (
    Account,
    Card,
    CardChange,
    Case,
    CaseAction,
    CaseEvent,
    CaseKind,
    Complaint,
    Concern,
    Dispatch,
    Finding,
    Inspection,
    Institution,
    ListChange,
    ListChangeState,
    ListName,
    Notice,
    RegisterEntry,
    Requirement,
    TemplateItem,
    Unit,
    Village,
)
from server.scoring import ResultInput
from tests import factories

A = CaseAction
THRESHOLDS = standing.Thresholds()
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64

WUMENG = "济南市历城区舞梦教育培训学校有限公司"
LIER = "济南利尔培训学校有限公司"
LINGCHUANG = "济南市历城区领创教育培训学校"
HONGWEN = "济南市弘文培训学校"

# Items of the default checklist, by the points they are worth.
FIRE = "消防器材配备齐全且在有效期内"  # 5
CAMERAS = "视频监控覆盖教学和活动区域"  # 3
TEACHERS = "学科类培训教师具有相应教师资格证书"  # 6
PREPAID = "预收费不超过3个月或60课时，且单次不超过5000元"  # 6
ESCROW = "预收费全部进入监管账户"  # 6
CONTRACT = "使用培训服务合同示范文本"  # 4
ADVERTS = "无违规发布培训广告、夸大宣传"  # 4
SCOPE = "培训内容与办学许可范围一致"  # 5


def moment(day: date, hour: int = 12, minute: int = 0) -> datetime:
    """A moment in the office's time."""
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=OFFICE_TIMEZONE)


OCT = {day: date(2026, 10, day) for day in (20, 25, 29, 30, 31)}
NOV = {day: date(2026, 11, day) for day in range(1, 31)}
DEC_1 = date(2026, 12, 1)
LAST_MINUTE = moment(NOV[30], 23, 59)  # of the month: counts
FIRST_MOMENT_AFTER = moment(DEC_1, 0, 0)  # does not
FIRST_MOMENT = moment(NOV[1], 0, 0)  # counts
LAST_MINUTE_BEFORE = moment(OCT[31], 23, 59)  # does not


@dataclass
class Crafted:
    """The ids of what was made, by letter."""

    patrols: dict[str, int] = field(default_factory=dict)
    cases: dict[str, int] = field(default_factory=dict)
    notices: dict[str, int] = field(default_factory=dict)
    dispatches: dict[str, int] = field(default_factory=dict)
    inspections: dict[str, int] = field(default_factory=dict)
    findings: dict[str, int] = field(default_factory=dict)
    complaints: dict[str, int] = field(default_factory=dict)
    register: dict[str, int] = field(default_factory=dict)
    card_changes: dict[str, int] = field(default_factory=dict)


async def actor(login: str):
    return actor_for_account(await Account.get(login=login))


async def village(name: str) -> int:
    return (await Village.get(name=name)).id


async def place_villages_in_districts() -> None:
    await factories.village_in_district("寇家村", "董家管理区")
    await factories.village_in_district("林家村", "温家管理区")
    await factories.village_in_district("江家村", "温家管理区")
    await factories.village_in_district("任家村", "张而管理区")


async def craft_november(evidence_folder: Path, call: int = 1) -> Crafted:
    """The month described above; `call` counts the times it was made."""
    made = Crafted()
    admin = await actor("admin")

    await _patrols(made, call)
    await _reported_cases(made, call)
    await _case_steps(made, admin, evidence_folder)
    await _inspections(made)
    await _complaints(made, admin, call)

    await _date_patrols_and_cases(made)
    await _date_events(made)
    await _date_notices_dispatches_and_register(made)
    await _date_inspections(made)
    await _date_complaints(made)
    if call == 1:
        await _decide_blacklist_moves(made)
        await _date_card_changes(made)
        await _date_list_changes(made)
    return made


# --- writing, as users do ----------------------------------------------------------


def _new_place(name: str, call: int, kind: CaseKind | None = None) -> FindingInput:
    return FindingInput(
        description="放学后约二十名小学生在内上课",
        kind=kind,
        signboard_name=f"{name}{call}",
        address=f"{name}{call}号",
    )


async def _patrols(made: Crafted, call: int) -> None:
    liping, linqingjie = await actor("liping"), await actor("linqingjie")
    kou, lin = await village("寇家村"), await village("林家村")
    hongwen = await Institution.get(registered_name=HONGWEN)
    patrols = {
        "P1": (liping, kou, OCT[31], (_new_place("启智托管", call),)),
        "P2": (liping, kou, NOV[1], ()),
        "P3": (
            liping,
            kou,
            NOV[30],
            (_new_place("明德课堂", call, CaseKind.BUSINESS_LICENSE_ONLY),),
        ),
        "P4": (
            linqingjie,
            lin,
            NOV[15],
            (FindingInput("超范围开设学科类课程", institution_id=hongwen.id),),
        ),
        "P5": (linqingjie, lin, DEC_1, (_new_place("育才书屋", call),)),
        "P6": (await actor("subaojun"), await village("任家村"), DEC_1, ()),
    }
    found = {"P1": "C3", "P3": "C2", "P4": "C4", "P5": "C5"}
    for letter, (supervisor, village_id, day, findings) in patrols.items():
        patrol = await case_writes.record_patrol(
            supervisor, PatrolInput(village_id, day, findings=findings)
        )
        made.patrols[letter] = patrol.id
        if letter in found:
            case = await Case.get(patrol_id=patrol.id)
            made.cases[found[letter]] = case.id


async def _reported_cases(made: Crafted, call: int) -> None:
    reports = {
        "C1": ("liping", "寇家村", "晨光托管"),
        "C7": ("linqingjie", "林家村", "博学补习班"),
        "C6": ("subaojun", "任家村", "童心画室"),
        "C8": ("subaojun", "任家村", "小天才乐园"),
    }
    for letter, (login, village_name, name) in reports.items():
        case = await case_writes.report_problem(
            await actor(login), await village(village_name), _new_place(name, call)
        )
        made.cases[letter] = case.id


async def _step(case_id: int, action: CaseAction, **details) -> Case:
    admin = await actor("admin")
    case = await Case.get(id=case_id)
    return await case_writes.advance_case(
        admin, case.id, case.version, StepInput(action=action, **details)
    )


async def _register(case_id: int, affected, resettled, owed, refunded) -> int:
    case = await Case.get(id=case_id)
    await case_writes.update_register(
        await actor("admin"),
        case.id,
        case.version,
        RegisterInput(affected, resettled, owed, refunded),
    )
    return (await RegisterEntry.filter(case_id=case_id).order_by("-id").first()).id


async def _notice(case_id: int, requirement: Requirement) -> int:
    await _step(
        case_id,
        A.ISSUE_NOTICE,
        deadline=today() + timedelta(days=7),
        requirements=(requirement,),
        findings="无办学许可证开展培训",
    )
    return (await Notice.filter(case_id=case_id).order_by("-id").first()).id


async def _dispatch(case_id: int, unit: str) -> int:
    [dispatch] = await case_writes.dispatch_case(
        await actor("admin"),
        case_id,
        [(await Unit.get(name=unit)).id],
        datetime.now(OFFICE_TIMEZONE) + timedelta(days=3),
        "请派员核查",
    )
    return dispatch.id


async def _answer(dispatch_id: int) -> None:
    await case_writes.report_dispatch(await actor("admin"), dispatch_id, "已核查处理")


async def _close_out(case_id: int, admin, folder: Path) -> None:
    await _step(case_id, A.CONFIRM_RECTIFIED, note="已停止培训")
    await evidence.store(admin, folder, "复查.png", PNG, case_id=case_id)
    await _step(case_id, A.CLOSE_OUT, note="复查无培训活动")


async def _case_steps(made: Crafted, admin, folder: Path) -> None:
    c = made.cases
    stop = Requirement.STOP_TRAINING

    await _step(c["C1"], A.VERIFY)
    made.dispatches["D1"] = await _dispatch(c["C1"], "市场监管所")
    made.notices["N2"] = await _notice(c["C1"], stop)
    await _answer(made.dispatches["D1"])
    made.register["C1 Nov 20"] = await _register(c["C1"], 8, 8, "3000", "3000")
    await _close_out(c["C1"], admin, folder)

    await _step(c["C3"], A.VERIFY)
    made.register["C3 Oct 31"] = await _register(c["C3"], 20, 5, "10000", "2000")
    made.notices["N1"] = await _notice(c["C3"], stop)
    made.register["C3 Nov 30"] = await _register(c["C3"], 20, 12, "10000", "6500.50")
    made.register["C3 Dec 1"] = await _register(c["C3"], 20, 20, "10000", "10000")
    await _close_out(c["C3"], admin, folder)

    await _step(c["C2"], A.VERIFY)
    made.notices["N3"] = await _notice(c["C2"], stop)
    made.dispatches["D3"] = await _dispatch(c["C2"], "派出所")
    made.register["C2 Dec 1"] = await _register(c["C2"], 5, 5, "100", "100")

    await _step(c["C4"], A.VERIFY)
    made.notices["N4"] = await _notice(c["C4"], Requirement.STAY_WITHIN_SCOPE)
    await _step(c["C4"], A.ESCALATE, note="逾期未整改")

    await _step(c["C6"], A.DISMISS, note="现场无培训活动")
    await _step(c["C8"], A.DISMISS, note="现场无培训活动")

    await _step(c["C7"], A.VERIFY)
    made.dispatches["D5"] = await _dispatch(c["C7"], "应急办")
    made.dispatches["D4"] = await _dispatch(c["C7"], "派出所")
    made.dispatches["D2"] = await _dispatch(c["C7"], "教育办")
    await _answer(made.dispatches["D5"])
    await _answer(made.dispatches["D2"])


async def _inspect(login: str, name: str, on: date, *short: str, fix=()) -> int:
    """An inspection in which the items `short` fell short by all their points,
    and the items `fix` are to be fixed."""
    items = {}
    for text in {*short, *fix}:
        items[text] = await TemplateItem.filter(text=text).order_by("-id").first()
    institution = await Institution.get(registered_name=name)
    inspection = await inspections.record_inspection(
        await actor(login),
        InspectionInput(
            institution_id=institution.id,
            inspected_on=on,
            results=tuple(
                ResultInput(items[text].id, Decimal(items[text].points))
                for text in short
            ),
            findings=tuple(
                inspections.FindingInput(
                    items[text].id, "", today() + timedelta(days=10)
                )
                for text in fix
            ),
        ),
        THRESHOLDS,
    )
    return inspection.id


async def _fix(login: str, inspection_id: int, text: str) -> int:
    finding = await Finding.get(inspection_id=inspection_id, item__text=text)
    await inspections.resolve_finding(
        await actor(login), finding.id, "已整改", THRESHOLDS
    )
    return finding.id


async def _inspections(made: Crafted) -> None:
    i, f = made.inspections, made.findings
    i["I0"] = await _inspect("chouruliang", LINGCHUANG, OCT[20], CAMERAS, fix=[CAMERAS])
    f["F0"] = await _fix("chouruliang", i["I0"], CAMERAS)
    i["I1"] = await _inspect("donglanchao", WUMENG, OCT[31])
    i["I2"] = await _inspect("donglanchao", WUMENG, NOV[1], FIRE, fix=[FIRE])
    i["I5"] = await _inspect("donglanchao", WUMENG, NOV[15], TEACHERS, CAMERAS)
    f["F1"] = await _fix("donglanchao", i["I2"], FIRE)
    i["I6"] = await _inspect("zhangtao", HONGWEN, NOV[20])
    i["I3"] = await _inspect(
        "mali",
        LIER,
        NOV[30],
        PREPAID,
        ESCROW,
        CONTRACT,
        ADVERTS,
        fix=[ESCROW, CONTRACT],
    )
    f["F2"] = await _fix("mali", i["I3"], ESCROW)
    f["F3"] = await _fix("mali", i["I3"], CONTRACT)
    i["I4"] = await _inspect(
        "zhangtao", HONGWEN, DEC_1, PREPAID, ESCROW, CONTRACT, ADVERTS, FIRE, SCOPE
    )


async def _complaints(made: Crafted, admin, call: int) -> None:
    for letter in ("K1", "K2", "K3", "K4", "K5"):
        complaint = await complaints.submit_complaint(
            Submission(
                institution_name=f"周末补习班{call}{letter}",
                concern=Concern.UNLICENSED.value,
                description="放学后有小学生在内上数学课",
                address="寇家村西街",
            ),
            f"digest-{call}-{letter}",
            per_hour=5,
        )
        made.complaints[letter] = complaint.id

    async def triage(letter: str, decision: Triage) -> None:
        complaint = await Complaint.get(id=made.complaints[letter])
        await complaints.triage(admin, complaint.id, complaint.version, decision)

    await triage("K1", Triage(Decision.DISMISS, answer="经核查无此机构"))
    await triage("K2", Triage(Decision.LINK_CASE, case_id=made.cases["C4"]))
    await triage("K3", Triage(Decision.OPEN_CASE, village_id=await village("寇家村")))
    made.cases["C9"] = (await Complaint.get(id=made.complaints["K3"])).case_id


# --- moving the dates onto the edges -----------------------------------------------


async def _date_patrols_and_cases(made: Crafted) -> None:
    reported = {"C1": NOV[1], "C7": OCT[20], "C6": OCT[25], "C8": OCT[25]}
    for letter, day in reported.items():
        await Case.filter(id=made.cases[letter]).update(reported_on=day)
    closed = {
        "C1": LAST_MINUTE,
        "C3": FIRST_MOMENT_AFTER,
        "C6": moment(NOV[5], 10),
        "C8": LAST_MINUTE_BEFORE,
    }
    for letter, at in closed.items():
        await Case.filter(id=made.cases[letter]).update(closed_at=at)


# Every event of each case, in the order written, and when it happened.
EVENTS = {
    "C1": (
        (A.REPORT, FIRST_MOMENT),
        (A.VERIFY, FIRST_MOMENT),
        (A.DISPATCH, FIRST_MOMENT),
        (A.ISSUE_NOTICE, moment(NOV[2], 9)),
        (A.REPORT_BACK, moment(NOV[2], 10)),
        (A.UPDATE_REGISTER, moment(NOV[20], 10)),
        (A.CONFIRM_RECTIFIED, moment(NOV[29], 10)),
        (A.CLOSE_OUT, LAST_MINUTE),
    ),
    "C3": (
        (A.REPORT, moment(OCT[31], 10)),
        (A.VERIFY, moment(OCT[31], 11)),
        # The same day as the notice, but before it: nothing done about it.
        (A.UPDATE_REGISTER, moment(OCT[31], 11, 30)),
        (A.ISSUE_NOTICE, moment(OCT[31], 12)),
        (A.UPDATE_REGISTER, LAST_MINUTE),
        (A.UPDATE_REGISTER, FIRST_MOMENT_AFTER),
        (A.CONFIRM_RECTIFIED, FIRST_MOMENT_AFTER),
        (A.CLOSE_OUT, FIRST_MOMENT_AFTER),
    ),
    "C2": (
        (A.REPORT, moment(NOV[30], 9)),
        (A.VERIFY, moment(NOV[30], 10)),
        (A.ISSUE_NOTICE, moment(NOV[30], 11)),
        (A.DISPATCH, LAST_MINUTE),
        (A.UPDATE_REGISTER, FIRST_MOMENT_AFTER),
    ),
    "C4": (
        (A.REPORT, moment(NOV[15], 9)),
        (A.VERIFY, moment(NOV[15], 10)),
        (A.ISSUE_NOTICE, moment(NOV[16], 10)),
        (A.ESCALATE, moment(NOV[25], 10)),
    ),
    "C6": ((A.REPORT, moment(OCT[25])), (A.DISMISS, moment(NOV[5], 10))),
    "C8": ((A.REPORT, moment(OCT[25])), (A.DISMISS, LAST_MINUTE_BEFORE)),
    "C7": (
        (A.REPORT, moment(OCT[20], 9)),
        (A.VERIFY, moment(OCT[20], 10)),
        (A.DISPATCH, moment(OCT[29], 10)),
        (A.DISPATCH, moment(OCT[30], 10)),
        (A.DISPATCH, LAST_MINUTE_BEFORE),
        (A.REPORT_BACK, FIRST_MOMENT),
        (A.REPORT_BACK, FIRST_MOMENT_AFTER),
    ),
    "C5": ((A.REPORT, moment(DEC_1)),),
}


async def _date_events(made: Crafted) -> None:
    for letter, planned in EVENTS.items():
        events = await CaseEvent.filter(case_id=made.cases[letter]).order_by("id")
        written = [event.action for event in events]
        assert written == [action for action, _at in planned], (letter, written)
        for event, (_action, at) in zip(events, planned, strict=True):
            await CaseEvent.filter(id=event.id).update(at=at)


async def _date_notices_dispatches_and_register(made: Crafted) -> None:
    notices = {
        "N1": (OCT[31], NOV[1]),
        "N2": (NOV[2], NOV[30]),
        "N3": (NOV[30], DEC_1),
        "N4": (NOV[16], NOV[20]),
    }
    for letter, (issued_on, deadline) in notices.items():
        await Notice.filter(id=made.notices[letter]).update(
            issued_on=issued_on, deadline=deadline
        )

    dispatches = {
        "D1": (FIRST_MOMENT, moment(NOV[3], 0), moment(NOV[2], 10)),
        "D2": (LAST_MINUTE_BEFORE, LAST_MINUTE, FIRST_MOMENT_AFTER),
        "D3": (LAST_MINUTE, FIRST_MOMENT_AFTER, None),
        "D4": (moment(OCT[30], 10), FIRST_MOMENT, None),
        "D5": (moment(OCT[29], 10), moment(OCT[31], 0), FIRST_MOMENT),
    }
    for letter, (sent, due, answered) in dispatches.items():
        await Dispatch.filter(id=made.dispatches[letter]).update(
            sent_at=sent,
            due_at=due,
            reported_at=answered,
            acknowledged_at=answered,
        )

    entries = {
        "C1 Nov 20": moment(NOV[20], 10),
        "C3 Oct 31": moment(OCT[31], 11, 30),
        "C3 Nov 30": LAST_MINUTE,
        "C3 Dec 1": FIRST_MOMENT_AFTER,
        "C2 Dec 1": FIRST_MOMENT_AFTER,
    }
    for name, at in entries.items():
        await RegisterEntry.filter(id=made.register[name]).update(at=at)


async def _date_inspections(made: Crafted) -> None:
    fixed = {"F0": OCT[31], "F1": NOV[29], "F2": NOV[30], "F3": DEC_1}
    for letter, day in fixed.items():
        await Finding.filter(id=made.findings[letter]).update(resolved_on=day)


async def _date_card_changes(made: Crafted) -> None:
    # The cards the rules gave, each when its inspection or fix was recorded.
    cards = {
        "I0": ("领创 yellow", Card.YELLOW, moment(OCT[20], 12)),
        "F0": ("领创 green", Card.GREEN, LAST_MINUTE_BEFORE),
        "I1": ("舞梦 green", Card.GREEN, FIRST_MOMENT),
        "I2": ("舞梦 yellow", Card.YELLOW, moment(NOV[1], 10)),
        "F1": ("舞梦 green again", Card.GREEN, moment(NOV[29], 10)),
        "I6": ("弘文 green", Card.GREEN, moment(NOV[20], 12)),
        "I3": ("利尔 yellow", Card.YELLOW, LAST_MINUTE),
        "I4": ("弘文 red", Card.RED, FIRST_MOMENT_AFTER),
    }
    for record, (name, card, at) in cards.items():
        change = await _card_change_of(made, record)
        assert change.card == card, (record, change.card)
        made.card_changes[name] = change.id
        await CardChange.filter(id=change.id).update(at=at)


async def _card_change_of(made: Crafted, record: str) -> CardChange:
    """The change an inspection or a fix made: the oldest of its
    institution's changes still dated today."""
    if record.startswith("F"):
        finding = await Finding.get(id=made.findings[record])
        institution_id = finding.institution_id
    else:
        inspection = await Inspection.get(id=made.inspections[record])
        institution_id = inspection.institution_id
    return (
        await CardChange.filter(
            institution_id=institution_id, at__gte=moment(today(), 0)
        )
        .order_by("id")
        .first()
    )


async def _decide_blacklist_moves(made: Crafted) -> None:
    """A second administrator confirms the moves onto the blacklist the rules
    proposed: 博学's, for training with no license, and 弘文's, for failing
    to rectify."""
    deputy = await actor("mengzhaoxin")
    for letter in ("C7", "C4"):
        case = await Case.get(id=made.cases[letter])
        change = await ListChange.get(
            institution_id=case.institution_id, state=ListChangeState.PENDING
        )
        await standing.decide(deputy, change.id, confirm=True, note="")


# Every list change the rules made, by institution in the order made: the
# list moved to, when it was made and when it was confirmed. A move that a
# later one superseded while it waited never took effect.
BLACK, KEY, WHITE = ListName.BLACK, ListName.KEY, ListName.WHITE
LIST_CHANGES = {
    "C1": (
        (BLACK, FIRST_MOMENT, None),
        (KEY, FIRST_MOMENT, None),
        (None, LAST_MINUTE, None),
    ),
    "C3": (
        (BLACK, moment(OCT[31], 11), None),
        (KEY, moment(OCT[31], 11), None),
        (None, FIRST_MOMENT_AFTER, None),
    ),
    "C2": ((KEY, moment(NOV[30], 10), None),),
    "C4": (
        (KEY, moment(NOV[15], 10), None),
        (BLACK, moment(NOV[25], 10), FIRST_MOMENT_AFTER),
    ),
    "C7": ((BLACK, moment(OCT[20], 10), LAST_MINUTE),),
    LINGCHUANG: ((WHITE, LAST_MINUTE_BEFORE, None),),
    WUMENG: (
        (WHITE, FIRST_MOMENT, None),
        (None, moment(NOV[1], 10), None),
        (WHITE, moment(NOV[29], 10), None),
    ),
    LIER: ((WHITE, FIRST_MOMENT_AFTER, None),),
}


async def _date_list_changes(made: Crafted) -> None:
    for owner, planned in LIST_CHANGES.items():
        if owner in made.cases:
            institution_id = (await Case.get(id=made.cases[owner])).institution_id
        else:
            institution_id = (await Institution.get(registered_name=owner)).id
        changes = await ListChange.filter(institution_id=institution_id).order_by("id")
        written = [change.list_name for change in changes]
        assert written == [name for name, _at, _decided in planned], (owner, written)
        for change, (_name, at, decided_at) in zip(changes, planned, strict=True):
            await ListChange.filter(id=change.id).update(at=at, decided_at=decided_at)


async def _date_complaints(made: Crafted) -> None:
    complaints_ = {
        "K1": (LAST_MINUTE_BEFORE, FIRST_MOMENT),
        "K2": (FIRST_MOMENT, LAST_MINUTE),
        "K3": (LAST_MINUTE, FIRST_MOMENT_AFTER),
        "K4": (FIRST_MOMENT_AFTER, None),
        "K5": (moment(NOV[15]), None),
    }
    for letter, (received, triaged) in complaints_.items():
        await Complaint.filter(id=made.complaints[letter]).update(
            received_at=received, triaged_at=triaged
        )
