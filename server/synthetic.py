"""A made-up district or province: subdistricts with a year of activity.

Benchmarks and trials need the records of many subdistricts, each the size
of Dongjia: about 40 villages with their supervisors, 100 institutions, the
instructors of the licensed ones, and in the last 365 days the patrols,
cases with their steps, notices, dispatches and registers, inspections with
their findings, the cards and lists that follow, and the public's
complaints. `add_subdistricts` makes them; `xiaowai seed --scale N` and the
benchmarks call it. A thousand subdistricts make a province of 100,000
institutions.

The plan's own Dongjia is the first subdistrict, topped up to that size.
The same seed gives the same rows on the same day (the year ends today),
each subdistrict from its own random sequence, so a database grown from
10 subdistricts to 1,000 holds the same institutions, cases and inspections
as one made at 1,000 at once. Rows are made a few subdistricts at a time,
with their keys given in advance so they can name each other, and written
with `bulk_create` before the next few are made, so memory stays bounded
whatever the scale.

Notices are numbered in the order they were issued within each batch of
subdistricts, continuing the year's counter; across batches the numbers
follow the batches, not the dates. Everything the rows say was done, they
say was done by "bench"; their texts start with （基准数据）.
"""

import hashlib
import random
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from datetime import time as time_of_day
from decimal import Decimal
from typing import Any

from tortoise import Tortoise
from tortoise.models import Model
from tortoise.transactions import in_transaction

from server import plan_data as plan
from server.clock import OFFICE_TIMEZONE, today
from server.collation import sort_key
from server.demo_activity import KINDS_OF_PLACE
from server.models import (
    Card,
    CardChange,
    Case,
    CaseAction,
    CaseEvent,
    CaseKind,
    CaseState,
    Complaint,
    ComplaintState,
    Concern,
    Dispatch,
    DispatchState,
    District,
    Document,
    DocumentKind,
    DocumentStatus,
    Finding,
    Inspection,
    Institution,
    InstructorAssignment,
    ItemKind,
    LicenseStatus,
    ListChange,
    ListChangeState,
    ListName,
    ListSource,
    Notice,
    NoticeCounter,
    OperatingStatus,
    Patrol,
    Person,
    RegisterEntry,
    School,
    ScoringTemplate,
    Subdistrict,
    SupervisorAssignment,
    TemplateItem,
    Unit,
    Village,
)
from server.models.base import Record
from server.models.institutions import PUBLIC_CODE_ALPHABET, PUBLIC_CODE_LENGTH
from server.settings import DEFAULT_NOTICE_FORMAT
from server.workflow import next_state

SEED = 20261204
DAYS = 365
BY = "bench"  # who the benchmark's records say did it

VILLAGES = 40
INSTITUTIONS = {  # of a subdistrict's hundred, by license status
    LicenseStatus.LICENSED: 45,
    LicenseStatus.BUSINESS_LICENSE_ONLY: 25,
    LicenseStatus.UNLICENSED: 22,
    LicenseStatus.APPLYING: 8,
}
# A thousand subdistricts hold 200,000 cases and about a million inspections.
CASES = 200
COMPLAINTS = 60
INSPECTION_EVERY = (12, 18)  # days between two inspections: about 24 a year
PATROL_EVERY = (10, 21)  # days between two patrols of a village: about 23 a year

# Other subdistricts of Licheng, for the names of the generated ones.
SUBDISTRICTS = (
    "王舍人街道",
    "鲍山街道",
    "郭店街道",
    "唐冶街道",
    "港沟街道",
    "华山街道",
    "荷花路街道",
    "遥墙街道",
    "临港街道",
    "山大路街道",
    "洪家楼街道",
    "东风街道",
    "全福街道",
    "孙村街道",
    "彩石街道",
    "唐王街道",
    "仲宫街道",
    "柳埠街道",
    "西营街道",
)
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红"
VILLAGE_SUFFIXES = ("家村", "庄村", "家社区", "官庄", "家庄")
BRANDS = ("启航", "博学", "小天才", "明德", "智慧树", "乐学", "新起点", "星辰")
CASE_KIND = {
    LicenseStatus.LICENSED: CaseKind.VIOLATION,
    LicenseStatus.BUSINESS_LICENSE_ONLY: CaseKind.BUSINESS_LICENSE_ONLY,
    LicenseStatus.UNLICENSED: CaseKind.UNLICENSED,
    LicenseStatus.APPLYING: CaseKind.OPERATING_BEFORE_APPROVAL,
}
A = CaseAction

# The order rows are written in, so that every row's references exist.
MODELS: tuple[type[Model], ...] = (
    Subdistrict,
    Unit,
    District,
    Village,
    School,
    Person,
    SupervisorAssignment,
    Institution,
    Document,
    InstructorAssignment,
    Patrol,
    Case,
    CaseEvent,
    NoticeCounter,
    Notice,
    Dispatch,
    RegisterEntry,
    Inspection,
    Finding,
    CardChange,
    ListChange,
    Complaint,
)
BATCH = 2000

# --- the rows of a subdistrict's year ----------------------------------------------


class Rows:
    """Every row to write, by model, with its id given in advance, so rows can
    name each other before any is written."""

    def __init__(self, next_ids: dict[type[Model], int]) -> None:
        self.next_ids = next_ids
        self.by_model: dict[type[Model], list[Model]] = defaultdict(list)
        self.updates: dict[int, dict[str, Any]] = {}  # of the plan's institutions

    def add(self, model: type[Model], **values: Any) -> Any:
        values["id"] = self.next_ids[model]
        self.next_ids[model] += 1
        if issubclass(model, Record):
            # bulk_create skips `Record.save`, which keeps the pinyin key.
            values["sort_name"] = sort_key(values[model.NAME_FIELD])
        row = model(**values)
        self.by_model[model].append(row)
        return row


@dataclass
class Organisation:
    """What a subdistrict holds that its year of activity refers to."""

    subdistrict_id: int
    short_name: str
    villages: list[Village]
    supervisor_of: dict[int, Person]  # by village id
    units: list[int]
    institutions: list[Institution]
    instructor_of: dict[int, Person]  # by institution id


@dataclass
class Standing:
    """An institution's card and list moves, gathered before being put in
    order: its inspections and its cases are made apart."""

    cards: list[tuple[datetime, Card, str, int]] = field(default_factory=list)
    lists: list[tuple[datetime, ListName | None, str]] = field(default_factory=list)
    banned: bool = False


async def add_subdistricts(
    scale: int,
    seed: int = SEED,
    progress: Callable[[int, int], None] | None = None,
) -> int:
    """Bring the database to `scale` subdistricts, each with a year of
    activity, and return how many were added. A database holding only the
    plan's Dongjia gets it topped up first; one holding `scale` or more
    gets nothing. `progress(done, wanted)` hears of each batch written."""
    present = await Subdistrict.all().count()
    first = 0 if present == 1 else present
    if first >= scale:
        return 0

    template = await ScoringTemplate.all().order_by("-version").first()
    items = await TemplateItem.filter(
        template=template, kind=ItemKind.STANDARD
    ).values_list("id", flat=True)
    year = Year(today(), template.id, items)
    next_ids = {model: await _next_id(model) for model in MODELS}
    numbering = await Numbering.continuing()
    for start in range(first, scale, SUBDISTRICTS_PER_BATCH):
        rows = Rows(next_ids)
        indexes = range(start, min(start + SUBDISTRICTS_PER_BATCH, scale))
        await _batch(rows, year, numbering, seed, indexes)
        await _write(rows)
        next_ids = rows.next_ids
        if progress is not None:
            progress(indexes[-1] + 1 - first, scale - first)
    await numbering.save()
    await _after_bulk_load()
    return scale - first


# Small enough to keep a batch's rows (about 40,000) in memory, large enough
# that each bulk insert carries thousands of rows.
SUBDISTRICTS_PER_BATCH = 10


@dataclass(frozen=True)
class Year:
    """The year of activity being made: its last day and the scoring template."""

    end: date
    template_id: int
    items: list[int]


async def _batch(
    rows: Rows, year: Year, numbering: "Numbering", seed: int, indexes: range
) -> None:
    standings: dict[int, Standing] = defaultdict(Standing)
    notices: list[tuple[Notice, dict[str, Any]]] = []
    for index in indexes:
        # Each subdistrict draws from its own sequence, so one made in a later
        # run is the same as one made with the rest at once.
        rng = random.Random(f"{seed}-{index}")
        organisation = await _organisation(rows, rng, index)
        patrols = _patrols(rows, rng, organisation, year.end)
        _cases(rows, rng, organisation, patrols, year.end, standings, notices)
        _inspections(
            rows, rng, organisation, year.template_id, year.items, year.end, standings
        )
        _complaints(rows, rng, organisation, year.end)
    numbering.number(notices)
    _standing(rows, standings)


async def _next_id(model: type[Model]) -> int:
    table = model._meta.db_table
    _count, found = await Tortoise.get_connection("default").execute_query(
        f'SELECT MAX(id) AS top FROM "{table}"'
    )
    return (found[0]["top"] or 0) + 1


async def _organisation(rows: Rows, rng: random.Random, index: int) -> Organisation:
    """The plan's Dongjia first, topped up to a whole subdistrict; then new ones."""
    if index == 0:
        subdistrict = await Subdistrict.get(name=plan.SUBDISTRICT)
        villages = await Village.filter(subdistrict=subdistrict).order_by("id")
        postings = await SupervisorAssignment.filter(
            village_id__in=[v.id for v in villages]
        ).prefetch_related("person")
        supervisor_of = {p.village_id: p.person for p in postings}
        districts = await District.filter(subdistrict=subdistrict).values_list(
            "id", flat=True
        )
        schools = await School.filter(subdistrict=subdistrict).values_list(
            "id", flat=True
        )
        units = await Unit.filter(subdistrict=subdistrict).values_list("id", flat=True)
        institutions = await Institution.filter(subdistrict=subdistrict)
        instructed = await InstructorAssignment.filter(
            institution_id__in=[i.id for i in institutions]
        ).prefetch_related("person")
        instructor_of = {p.institution_id: p.person for p in instructed}
        short_name = plan.SUBDISTRICT.removesuffix("街道")
    else:
        name = _subdistrict_name(index)
        short_name = name.removesuffix("街道")
        subdistrict = rows.add(
            Subdistrict, name=name, county=plan.COUNTY, city=plan.CITY
        )
        villages, supervisor_of, institutions, instructor_of = [], {}, [], {}
        units = [
            rows.add(Unit, subdistrict_id=subdistrict.id, name=unit).id
            for unit in plan.UNITS
        ]
        districts = [
            rows.add(District, subdistrict_id=subdistrict.id, name=district).id
            for district, _secretary in plan.DISTRICTS
        ]
        schools = [
            rows.add(School, subdistrict_id=subdistrict.id, name=f"{short_name}{s}").id
            for s in ("中心小学", "中心中学")
        ]

    organisation = Organisation(
        subdistrict.id,
        short_name,
        list(villages),
        supervisor_of,
        list(units),
        list(institutions),
        instructor_of,
    )
    _top_up_villages(rows, rng, organisation, list(districts))
    _top_up_institutions(rows, rng, organisation, list(schools))
    return organisation


def _subdistrict_name(index: int) -> str:
    if index <= len(SUBDISTRICTS):
        return SUBDISTRICTS[index - 1]
    return f"第{index}街道"


def _person(rows: Rows, rng: random.Random, subdistrict_id: int, **values) -> Person:
    name = rng.choice(SURNAMES) + "".join(rng.sample(GIVEN, rng.randint(1, 2)))
    return rows.add(Person, subdistrict_id=subdistrict_id, name=name, **values)


def _top_up_villages(
    rows: Rows, rng: random.Random, organisation: Organisation, districts: list[int]
) -> None:
    """Villages up to forty, each in a district and with its supervisor."""
    taken = {village.name for village in organisation.villages}
    names = [s + suffix for suffix in VILLAGE_SUFFIXES for s in SURNAMES]
    rng.shuffle(names)
    for name in names:
        if len(organisation.villages) >= VILLAGES:
            break
        if name in taken:
            continue
        village = rows.add(
            Village,
            subdistrict_id=organisation.subdistrict_id,
            district_id=rng.choice(districts) if districts else None,
            name=name,
        )
        organisation.villages.append(village)
    for village in organisation.villages:
        if village.id not in organisation.supervisor_of:
            supervisor = _person(rows, rng, organisation.subdistrict_id)
            rows.add(
                SupervisorAssignment, person_id=supervisor.id, village_id=village.id
            )
            organisation.supervisor_of[village.id] = supervisor


def _top_up_institutions(
    rows: Rows, rng: random.Random, organisation: Organisation, schools: list[int]
) -> None:
    """A hundred institutions in the mix of `INSTITUTIONS`, their documents,
    and an instructor from a school for each licensed one."""
    held = Counter(i.license_status for i in organisation.institutions)
    for status, wanted in INSTITUTIONS.items():
        for _ in range(wanted - held[status]):
            organisation.institutions.append(
                _institution(rows, rng, organisation, status)
            )

    for institution in organisation.institutions:
        if institution.license_status != LicenseStatus.LICENSED:
            continue
        if institution.id in organisation.instructor_of:
            continue
        instructor = _person(
            rows, rng, organisation.subdistrict_id, school_id=rng.choice(schools)
        )
        rows.add(
            InstructorAssignment,
            person_id=instructor.id,
            institution_id=institution.id,
        )
        organisation.instructor_of[institution.id] = instructor


def _institution(
    rows: Rows, rng: random.Random, organisation: Organisation, status: LicenseStatus
) -> Institution:
    suffix, trades_as, teaches = rng.choice(KINDS_OF_PLACE)
    signboard = f"{rng.choice(BRANDS)}{suffix}"
    company = rng.random() < 0.7
    legal_form = "培训学校有限公司" if company else "培训学校"
    village = rng.choice(organisation.villages)
    institution = rows.add(
        Institution,
        subdistrict_id=organisation.subdistrict_id,
        registered_name=f"{plan.CITY}{plan.COUNTY}{organisation.short_name}"
        f"{signboard}{legal_form}",
        public_code="".join(rng.choices(PUBLIC_CODE_ALPHABET, k=PUBLIC_CODE_LENGTH)),
        signboard_name=signboard,
        address=f"{village.name}{rng.randint(1, 80)}号",
        trades_as=trades_as,
        teaches=teaches,
        village_id=village.id,
        license_status=status,
    )
    registration = (
        DocumentKind.BUSINESS_LICENSE
        if company
        else DocumentKind.NON_ENTERPRISE_REGISTRATION
    )
    documents = {
        LicenseStatus.LICENSED: ((DocumentKind.SCHOOL_PERMIT, DocumentStatus.HELD),),
        LicenseStatus.BUSINESS_LICENSE_ONLY: (),
        LicenseStatus.UNLICENSED: (),
        LicenseStatus.APPLYING: ((DocumentKind.SCHOOL_PERMIT, DocumentStatus.APPLIED),),
    }[status]
    if status != LicenseStatus.UNLICENSED:
        documents += ((registration, DocumentStatus.HELD),)
    for kind, document_status in documents:
        rows.add(
            Document,
            institution_id=institution.id,
            kind=kind,
            status=document_status,
            number=f"{kind.value[:2]}{institution.id:06d}",
        )
    return institution


def moment(day: date, hour: int = 10) -> datetime:
    """That day at the hour; now, if that hour is still to come today."""
    at = datetime.combine(day, time_of_day(hour), OFFICE_TIMEZONE)
    return min(at, datetime.now(OFFICE_TIMEZONE))


def _patrols(
    rows: Rows, rng: random.Random, organisation: Organisation, end: date
) -> list[Patrol]:
    """Every supervisor's village, every ten days to three weeks."""
    patrols = []
    first = end - timedelta(days=DAYS - 1)
    for village in organisation.villages:
        supervisor = organisation.supervisor_of[village.id]
        day = first + timedelta(days=rng.randint(0, PATROL_EVERY[1]))
        while day <= end:
            patrols.append(
                rows.add(
                    Patrol,
                    village_id=village.id,
                    supervisor_id=supervisor.id,
                    patrolled_on=day,
                    places=rng.choice(("主街沿线", "学校周边", "小区底商")),
                    notes="（基准数据）未发现新的无证培训",
                )
            )
            day += timedelta(days=rng.randint(*PATROL_EVERY))
    return patrols


# --- cases ------------------------------------------------------------------------


class Story:
    """One case's steps in the order the workflow allows, each on a later day,
    written as rows."""

    def __init__(
        self,
        rows: Rows,
        rng: random.Random,
        case: Case,
        organisation: Organisation,
        standing: Standing,
        notices: list[tuple[Notice, dict[str, Any]]],
    ) -> None:
        self.rows, self.rng, self.case = rows, rng, case
        self.organisation = organisation
        self.standing = standing
        self.notices = notices
        self.day = case.reported_on

    def play(self, age: int) -> None:
        rng, kind = self.rng, self.case.kind
        self.step(A.REPORT, self.day)
        if age < 3:
            return
        if rng.random() < 0.08:
            self.after(1, A.DISMISS, note="（基准数据）核实为正常托管，不属违规")
            return
        self.after(1, A.VERIFY)
        if kind == CaseKind.UNLICENSED:
            self.standing.lists.append(
                (moment(self.day), ListName.BLACK, "UNLICENSED_OPERATING")
            )
        elif kind != CaseKind.VIOLATION or rng.random() < 0.5:
            self.standing.lists.append((moment(self.day), ListName.KEY, "RECTIFYING"))
        if age < 8:
            return
        if kind == CaseKind.BUSINESS_LICENSE_ONLY or rng.random() < 0.5:
            self.after(2, A.ISSUE_NOTICE, deadline=self.day + timedelta(days=17))
        else:
            self.after(1, A.ORDER_STOP)
        if rng.random() < 0.15:
            self.dispatch(late=rng.random() < 0.3)
        if age < 30:
            return

        if rng.random() < 0.15:
            self.dispatch(late=False)
            self.after(5, A.ESCALATE, note="（基准数据）逾期拒不整改")
            self.after(20, A.RECORD_PENALTY)
            self.after(3, A.BAN, note="（基准数据）依法取缔")
        elif kind == CaseKind.UNLICENSED and rng.random() < 0.6:
            if self.case.state == CaseState.NOTICE_ISSUED:
                self.after(5, A.ORDER_STOP)
            self.after(10, A.BAN, note="（基准数据）依法取缔")
        else:
            self.after(14, A.CONFIRM_RECTIFIED, note="（基准数据）已停止培训")
        if age < 60:
            return
        self.settle_students()
        self.after(10, A.CLOSE_OUT, note="（基准数据）复查无培训活动，予以销号")

    def after(self, days: int, action: CaseAction, **details: Any) -> None:
        self.day += timedelta(days=days + self.rng.randint(0, 3))
        self.step(action, self.day, **details)

    def step(
        self,
        action: CaseAction,
        day: date,
        *,
        note: str = "",
        deadline: date | None = None,
    ) -> None:
        case = self.case
        if action == A.REPORT:
            from_state, to = None, CaseState.REPORTED
        else:
            from_state, to = case.state, next_state(case.state, case.kind, action)
        at = moment(day, self.rng.randint(9, 17))
        details: dict[str, Any] = {}
        if action == A.ISSUE_NOTICE:
            details = {"deadline": deadline.isoformat()}
            self.notice(day, deadline, details)
        if action == A.BAN:
            self.standing.banned = True
            self.standing.lists.append((at, ListName.BLACK, "BANNED"))
        if action in (A.CLOSE_OUT, A.DISMISS):
            case.closed_at = at
        case.state = to
        self.event(action, from_state, to, at, note=note, details=details)

    def event(self, action, from_state, to, at, **values: Any) -> None:
        self.rows.add(
            CaseEvent,
            case_id=self.case.id,
            action=action,
            from_state=from_state,
            to_state=to,
            at=at,
            actor=BY,
            **values,
        )

    def notice(self, day: date, deadline: date, details: dict[str, Any]) -> None:
        notice = self.rows.add(
            Notice,
            case_id=self.case.id,
            year=day.year,
            sequence=0,  # numbered once every notice of the year is known
            number="",
            issued_on=day,
            deadline=deadline,
            requirements=["STOP_TRAINING", "REFUND_FEES"],
            findings=self.case.finding,
            issued_by=BY,
        )
        self.notices.append((notice, details))

    def dispatch(self, late: bool) -> None:
        """The case sent to a member unit, and its answer: on time, late, or
        not yet when the answer would come after today."""
        sent = moment(self.day + timedelta(days=1), 9)
        answered = sent + timedelta(days=self.rng.randint(6, 9) if late else 3)
        now = datetime.now(OFFICE_TIMEZONE)
        acknowledged = sent + timedelta(hours=4)
        dispatch = self.rows.add(
            Dispatch,
            case_id=self.case.id,
            unit_id=self.rng.choice(self.organisation.units),
            request="（基准数据）请核查该机构经营范围并依法处置",
            due_at=sent + timedelta(days=5),
            sent_at=sent,
            acknowledged_at=acknowledged if acknowledged <= now else None,
            reported_at=answered if answered <= now else None,
            report="（基准数据）已会同街道现场检查" if answered <= now else "",
            state=DispatchState.REPORTED if answered <= now else DispatchState.SENT,
        )
        state = self.case.state
        for action, at in (
            (A.DISPATCH, dispatch.sent_at),
            (A.ACKNOWLEDGE, dispatch.acknowledged_at),
            (A.REPORT_BACK, dispatch.reported_at),
        ):
            if at is not None:
                details = {"unit": dispatch.unit_id, "dispatch": dispatch.id}
                self.event(action, state, state, at, details=details)

    def settle_students(self) -> None:
        students = self.rng.randint(5, 30)
        fees = Decimal(students * self.rng.choice((800, 1200, 1800)))
        stages = [(students // 2, fees / 2)] if self.rng.random() < 0.5 else []
        for resettled, refunded in [*stages, (students, fees)]:
            self.day += timedelta(days=self.rng.randint(1, 4))
            at = moment(self.day, 15)
            self.rows.add(
                RegisterEntry,
                case_id=self.case.id,
                at=at,
                students_affected=students,
                students_resettled=resettled,
                fees_owed=fees,
                fees_refunded=refunded,
                recorded_by=BY,
            )
            state = self.case.state
            self.event(A.UPDATE_REGISTER, state, state, at)


def _cases(
    rows: Rows,
    rng: random.Random,
    organisation: Organisation,
    patrols: list[Patrol],
    end: date,
    standings: dict[int, Standing],
    notices: list[tuple[Notice, dict[str, Any]]],
) -> None:
    """Cases found on patrols, mostly of institutions without a permit."""
    in_village = defaultdict(list)
    for institution in organisation.institutions:
        in_village[institution.village_id].append(institution)
    found_on = [p for p in patrols if in_village[p.village_id]]
    for patrol in sorted(rng.sample(found_on, CASES), key=lambda p: p.patrolled_on):
        candidates = in_village[patrol.village_id]
        weights = [
            1 if i.license_status == LicenseStatus.LICENSED else 4 for i in candidates
        ]
        institution = rng.choices(candidates, weights)[0]
        case = rows.add(
            Case,
            institution_id=institution.id,
            village_id=patrol.village_id,
            patrol_id=patrol.id,
            reported_by_id=patrol.supervisor_id,
            kind=CASE_KIND[institution.license_status],
            state=CaseState.REPORTED,
            finding=f"（基准数据）{institution.signboard_name}放学后有学生在内上课",
            reported_on=patrol.patrolled_on,
        )
        story = Story(rows, rng, case, organisation, standings[institution.id], notices)
        story.play((end - patrol.patrolled_on).days)


class Numbering:
    """Notices numbered in the order they were issued, each year from one,
    continuing the numbers the database holds already."""

    def __init__(self, last: Counter[int]) -> None:
        self.last = last

    @classmethod
    async def continuing(cls) -> "Numbering":
        counters = await NoticeCounter.all().values_list("year", "last_sequence")
        return cls(Counter(dict(counters)))

    def number(self, notices: list[tuple[Notice, dict[str, Any]]]) -> None:
        for notice, details in sorted(notices, key=lambda n: (n[0].issued_on, n[0].id)):
            self.last[notice.year] += 1
            notice.sequence = self.last[notice.year]
            notice.number = DEFAULT_NOTICE_FORMAT.format(
                year=notice.year, number=notice.sequence
            )
            details["notice"] = notice.number

    async def save(self) -> None:
        for year, sequence in sorted(self.last.items()):
            await NoticeCounter.update_or_create({"last_sequence": sequence}, year=year)


# --- inspections, cards and lists ----------------------------------------------------


def _inspections(
    rows: Rows,
    rng: random.Random,
    organisation: Organisation,
    template_id: int,
    items: list[int],
    end: date,
    standings: dict[int, Standing],
) -> None:
    """About a dozen inspections of each licensed institution by its instructor,
    a finding at one in four, and the card each earns."""
    first = end - timedelta(days=DAYS - 1)
    for institution in organisation.institutions:
        instructor = organisation.instructor_of.get(institution.id)
        if instructor is None:
            continue
        standing = standings[institution.id]
        day = first + timedelta(days=rng.randint(0, INSPECTION_EVERY[1]))
        while day <= end:
            vetoed = rng.random() < 0.02
            score = Decimal(max(50, min(100, round(rng.gauss(87, 7) * 2) / 2)))
            inspection = rows.add(
                Inspection,
                institution_id=institution.id,
                instructor_id=instructor.id,
                template_id=template_id,
                inspected_on=day,
                score=score,
                vetoed=vetoed,
                card=Card.GREEN,  # set below, once the findings are known
                recorded_by=BY,
                recorded_at=moment(day, 16),
            )
            findings = rng.choices((0, 1, 2), (0.75, 0.2, 0.05))[0]
            for _ in range(findings):
                resolved = day + timedelta(days=rng.randint(3, 20))
                rows.add(
                    Finding,
                    inspection_id=inspection.id,
                    institution_id=institution.id,
                    item_id=rng.choice(items),
                    text="（基准数据）收费公示不全",
                    deadline=day + timedelta(days=14),
                    resolved_on=resolved if resolved <= end else None,
                    resolution="（基准数据）已整改" if resolved <= end else "",
                    resolved_by=BY if resolved <= end else None,
                )
            inspection.card, rule = _card(score, vetoed, findings)
            standing.cards.append(
                (inspection.recorded_at, inspection.card, rule, inspection.id)
            )
            day += timedelta(days=rng.randint(*INSPECTION_EVERY))


def _card(score: Decimal, vetoed: bool, findings: int) -> tuple[Card, str]:
    """The card the rules give with the default thresholds (75 and 90)."""
    if vetoed:
        return Card.RED, "VETO_BREACHED"
    if score < 75:
        return Card.RED, "SCORE_BELOW_RED"
    if score >= 90:
        return (
            (Card.YELLOW, "FINDINGS_OPEN") if findings else (Card.GREEN, "SCORE_GREEN")
        )
    return Card.YELLOW, "SCORE_YELLOW"


def _standing(rows: Rows, standings: dict[int, Standing]) -> None:
    """Each institution's card changes and list moves in the order they
    happened, and the card, list and status it holds today."""
    institutions = {
        institution.id: institution for institution in rows.by_model[Institution]
    }
    for institution_id, standing in standings.items():
        card = None
        rule = None
        moves = list(standing.lists)
        for at, new_card, new_rule, inspection_id in standing.cards:
            if (new_card, new_rule) != (card, rule):
                rows.add(
                    CardChange,
                    institution_id=institution_id,
                    card=new_card,
                    previous=card,
                    rule=new_rule,
                    inspection_id=inspection_id,
                    at=at,
                )
            card, rule = new_card, new_rule
            if card == Card.RED:
                moves.append((at, ListName.KEY, "RED_CARD"))
            else:
                moves.append((at, ListName.WHITE, "IN_GOOD_STANDING"))

        held = {"card": card, "card_rule": rule}
        held["list_name"] = _list_moves(rows, institution_id, moves)
        if standing.banned:
            held["operating_status"] = OperatingStatus.BANNED
        if institution_id in institutions:
            institutions[institution_id].update_from_dict(held)
        else:  # one of the plan's, already written
            rows.updates[institution_id] = held


def _list_moves(
    rows: Rows, institution_id: int, moves: list[tuple[datetime, Any, str]]
) -> ListName | None:
    """The moves that change the list, in order; a move onto the blacklist
    is confirmed by the director a day or two later, and nothing moves the
    institution off it within the year."""
    on_list = None
    for at, to, rule in sorted(moves, key=lambda move: move[0]):
        if to == on_list or on_list == ListName.BLACK:
            continue
        onto_black = to == ListName.BLACK
        rows.add(
            ListChange,
            institution_id=institution_id,
            list_name=to,
            previous=on_list,
            source=ListSource.RULE,
            rule=rule,
            state=ListChangeState.APPLIED,
            proposed_by=BY,
            at=at,
            decided_by="mengzhaoxin" if onto_black else None,
            decided_at=min(at + timedelta(days=2), datetime.now(OFFICE_TIMEZONE))
            if onto_black
            else None,
        )
        on_list = to
    return on_list


# --- complaints ------------------------------------------------------------------


def _complaints(
    rows: Rows, rng: random.Random, organisation: Organisation, end: date
) -> None:
    """Reports from the public; the office triages most within a few days."""
    now = datetime.now(OFFICE_TIMEZONE)
    for _ in range(COMPLAINTS):
        institution = (
            rng.choice(organisation.institutions) if rng.random() < 0.7 else None
        )
        received = moment(
            end - timedelta(days=rng.randint(0, DAYS - 1)), rng.randint(7, 22)
        )
        triaged = received + timedelta(hours=rng.randint(2, 120))
        state = ComplaintState.RECEIVED
        if triaged <= now and rng.random() < 0.9:
            state = rng.choices(
                (
                    ComplaintState.CASE_OPENED,
                    ComplaintState.CASE_LINKED,
                    ComplaintState.DISMISSED,
                ),
                (0.3, 0.3, 0.4),
            )[0]
        rows.add(
            Complaint,
            reference=_reference(rng),
            institution_id=institution.id if institution else None,
            institution_name=_reported_name(institution),
            concern=rng.choice(list(Concern)),
            description="（基准数据）周末有学生在内上课",
            client_digest=hashlib.sha256(f"bench-{rng.random()}".encode()).hexdigest(),
            received_at=received,
            state=state,
            answer="（基准数据）已核查处理" if state != ComplaintState.RECEIVED else "",
            triaged_by=BY if state != ComplaintState.RECEIVED else None,
            triaged_at=triaged if state != ComplaintState.RECEIVED else None,
        )


def _reported_name(institution: Institution | None) -> str:
    if institution is None:
        return "小区里的辅导班"
    return institution.signboard_name or institution.registered_name


_references: set[str] = set()


def _reference(rng: random.Random) -> str:
    while True:
        reference = "".join(rng.choices(PUBLIC_CODE_ALPHABET, k=10))
        if reference not in _references:
            _references.add(reference)
            return reference


# --- writing and counting ----------------------------------------------------------


async def _write(rows: Rows) -> None:
    async with in_transaction() as connection:
        for model in MODELS:
            made = rows.by_model.get(model, [])
            if made:
                await model.bulk_create(made, batch_size=BATCH, using_db=connection)
        for institution_id, held in rows.updates.items():
            await (
                Institution.filter(id=institution_id)
                .using_db(connection)
                .update(**held)
            )


async def _after_bulk_load() -> None:
    """Bring the database's bookkeeping up to the rows just written.

    On PostgreSQL, ids given rather than drawn leave each sequence behind
    (SQLite's AUTOINCREMENT keeps up by itself). On both, the planner's
    statistics still describe the database before the load: until they are
    gathered again it would plan for a few thousand rows where there are a
    million, and choose scans that take seconds. PostgreSQL also vacuums:
    until its visibility map covers the new pages, a count the index alone
    could answer reads the table too (autovacuum would see to both in time,
    where it is on).
    """
    connection = Tortoise.get_connection("default")
    if connection.capabilities.dialect != "postgres":
        await connection.execute_script("ANALYZE")
        return
    for model in MODELS:
        table = model._meta.db_table
        await connection.execute_script(
            f"SELECT setval(pg_get_serial_sequence('\"{table}\"', 'id'), "
            f'(SELECT COALESCE(MAX(id), 1) FROM "{table}"))'
        )
    await connection.execute_script("VACUUM (ANALYZE)")


async def row_counts() -> dict[str, int]:
    """Rows in each table the generator writes to."""
    return {model._meta.db_table: await model.all().count() for model in MODELS}
