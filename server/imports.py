"""Importing the office's lists: villages, people, institutions, assignments.

An office keeps these lists in spreadsheets, and an import must never leave
half a list behind. So an import goes in two steps. `check_import` reads
every row, checks it against the database and says, row by row and column
by column, what is wrong and what would be created or changed, writing
nothing. `run_import` checks the file again and, only when no row has a
problem, writes every row in one transaction through the domain's write
functions, each write audited as a page's is. New records are created a
chunk at a time by the domain's batch functions, which check, store and
audit a thousand rows in a few statements; changes to recorded ones go
through the same functions as an edit on a page, version check included.

Rows are matched to what is recorded already (institutions by credit code,
else by registered name; villages by name; people by name and phone, or by
name alone when only one person has it; assignments by their pair), so a
file imported twice changes nothing the second time. An empty cell leaves
a recorded value as it is: an import adds and corrects, it never erases.

Rows are streamed and handled a chunk at a time, looking up the chunk's
records in a few statements, so memory and statements grow with the
number of chunks rather than rows; only the keys seen, to tell a repeated
row, are kept for the whole file.
"""

import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from enum import StrEnum
from itertools import islice
from typing import IO, Any

from openpyxl import Workbook
from openpyxl.styles import Font
from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from server import database, institution_writes, organisation_writes
from server.errors import ErrorCode, FieldError, Refused
from server.i18n import LANGUAGES, N_, _, language
from server.institution_writes import DocumentInput, InstitutionInput
from server.models import (
    AuditEntry,
    Category,
    District,
    Document,
    DocumentKind,
    DocumentStatus,
    Institution,
    InstructorAssignment,
    LicenseStatus,
    Person,
    School,
    SupervisorAssignment,
    Unit,
    Village,
)
from server.organisation_writes import PersonInput
from server.permissions import Actor, Permission
from server.spreadsheets import UnreadableFile, cell, read_table
from server.validation import Checks, allowed

CHUNK_ROWS = 1000
# What a plan keeps to show: enough to judge a file, little enough for a page.
SHOWN_LINES = 200
SHOWN_PROBLEMS = 1000


class Kind(StrEnum):
    VILLAGES = "VILLAGES"
    PEOPLE = "PEOPLE"
    INSTITUTIONS = "INSTITUTIONS"
    SUPERVISOR_ASSIGNMENTS = "SUPERVISOR_ASSIGNMENTS"
    INSTRUCTOR_ASSIGNMENTS = "INSTRUCTOR_ASSIGNMENTS"


class Action(StrEnum):
    CREATE = "CREATE"
    UPDATE = "UPDATE"
    UNCHANGED = "UNCHANGED"


@dataclass(frozen=True)
class Column:
    """A column of an import: `key` is also its accepted English header."""

    key: str
    header: str  # as the office's own sheets write it
    explanation: str  # English source, translated when shown
    example: str = ""
    required: bool = False


DOCUMENT_COLUMNS = {
    "school_permit": DocumentKind.SCHOOL_PERMIT,
    "business_license": DocumentKind.BUSINESS_LICENSE,
    "non_enterprise_registration": DocumentKind.NON_ENTERPRISE_REGISTRATION,
}

COLUMNS: dict[Kind, tuple[Column, ...]] = {
    Kind.VILLAGES: (
        Column("name", "村居", N_("The village or community's name."), "寇家村", True),
        Column(
            "district",
            "管理区",
            N_("The management district it lies in; the district must be recorded."),
            "董家管理区",
        ),
    ),
    Kind.PEOPLE: (
        Column("name", "姓名", N_("The person's full name."), "张三", True),
        Column("title", "职务", N_("Their position, as documents write it."), "教师"),
        Column(
            "phone", "电话", N_("A phone number; tells apart people of the same name.")
        ),
        Column(
            "unit",
            "单位",
            N_("The member unit they work for; the unit must be recorded."),
        ),
        Column(
            "school",
            "学校",
            N_(
                "The school they teach at (for instructors); the school must be "
                "recorded."
            ),
            "董家中心小学",
        ),
    ),
    Kind.INSTITUTIONS: (
        Column(
            "registered_name",
            "机构名称",
            N_("The name it is registered under."),
            "济南市历城区示例培训学校有限公司",
            True,
        ),
        Column("signboard_name", "招牌名称", N_("The name on its sign."), "示例培训"),
        Column(
            "credit_code",
            "统一社会信用代码",
            N_("Its 18-character unified social credit code."),
            "91370112MA3C0XQJ07",
        ),
        Column(
            "category",
            "类别",
            N_("What it trains in; one of: {choices}."),
            "",
        ),
        Column("address", "地址", N_("Where it trains."), "董家街道寇家村1号"),
        Column(
            "village",
            "村居",
            N_("The village or community it lies in; the village must be recorded."),
            "寇家村",
        ),
        Column(
            "school_permit",
            "办学许可证号",
            N_("The number of its school permit, if it holds one."),
        ),
        Column(
            "business_license",
            "营业执照号",
            N_("The number of its business license, if it holds one."),
            "91370112MA3C0XQJ07",
        ),
        Column(
            "non_enterprise_registration",
            "民办非企业单位登记证号",
            N_("The number of its non-enterprise registration, if it holds one."),
        ),
    ),
    Kind.SUPERVISOR_ASSIGNMENTS: (
        Column(
            "person",
            "姓名",
            N_("The social supervisor; they must be recorded as a person."),
            "李萍",
            True,
        ),
        Column("phone", "电话", N_("Their phone, when several people share the name.")),
        Column(
            "village",
            "村居",
            N_("The village in their charge; the village must be recorded."),
            "寇家村",
            True,
        ),
    ),
    Kind.INSTRUCTOR_ASSIGNMENTS: (
        Column(
            "person",
            "姓名",
            N_("The instructor, a teacher recorded with their school."),
            "董兰超",
            True,
        ),
        Column("phone", "电话", N_("Their phone, when several people share the name.")),
        Column(
            "institution",
            "机构名称",
            N_("The licensed institution they are posted to, by registered name."),
            "济南市历城区舞梦教育培训学校有限公司",
        ),
        Column(
            "credit_code",
            "统一社会信用代码",
            N_("Or the institution's credit code, which wins over the name."),
        ),
    ),
}

KIND_NAMES = {
    Kind.VILLAGES: N_("Villages"),
    Kind.PEOPLE: N_("People"),
    Kind.INSTITUTIONS: N_("Institutions"),
    Kind.SUPERVISOR_ASSIGNMENTS: N_("Supervisors' villages"),
    Kind.INSTRUCTOR_ASSIGNMENTS: N_("Instructors' institutions"),
}


# --- what a check finds -------------------------------------------------------------


@dataclass(frozen=True)
class RowProblem:
    """Why one row (row 1 being the headers) cannot be imported."""

    row: int
    column: str | None  # the header as the file writes it
    message: str

    def describe(self) -> str:
        if self.column:
            return _("Row {row}, {column}: {message}").format(
                row=self.row, column=self.column, message=self.message
            )
        return _("Row {row}: {message}").format(row=self.row, message=self.message)


@dataclass(frozen=True)
class Change:
    column: str
    before: str
    after: str


@dataclass(frozen=True)
class PlannedRow:
    row: int
    action: Action
    label: str  # what the row is about, e.g. the institution's name
    changes: tuple[Change, ...] = ()


@dataclass
class ImportPlan:
    kind: Kind
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    problem_count: int = 0
    problems: list[RowProblem] = field(default_factory=list)  # the first ones
    lines: list[PlannedRow] = field(default_factory=list)  # the first ones

    @property
    def clean(self) -> bool:
        return self.problem_count == 0

    def problem(self, problem: RowProblem) -> None:
        self.problem_count += 1
        if len(self.problems) < SHOWN_PROBLEMS:
            self.problems.append(problem)

    def planned(self, line: PlannedRow) -> None:
        counts = {
            Action.CREATE: "created",
            Action.UPDATE: "updated",
            Action.UNCHANGED: "unchanged",
        }
        name = counts[line.action]
        setattr(self, name, getattr(self, name) + 1)
        if len(self.lines) < SHOWN_LINES:
            self.lines.append(line)


@dataclass(frozen=True)
class ImportResult:
    kind: Kind
    created: int
    updated: int
    unchanged: int


class ImportRefused(Refused):
    """The file has problems; nothing of it was written."""

    def __init__(self, plan: ImportPlan) -> None:
        super().__init__(
            [
                FieldError(problem.column, ErrorCode.INVALID, problem.describe())
                for problem in plan.problems
            ]
        )
        self.plan = plan


# --- the two steps ------------------------------------------------------------------


async def check_import(
    actor: Actor, kind: Kind, file: IO[bytes], filename: str = ""
) -> ImportPlan:
    """What importing `file` would do, and every problem in it; writes nothing."""
    allowed(actor, Permission.EDIT_ORGANISATION)
    plan = ImportPlan(kind)
    async for _steps in _walk(kind, file, filename, plan):
        pass
    return plan


async def run_import(
    actor: Actor, kind: Kind, file: IO[bytes], filename: str = ""
) -> ImportResult:
    """Import every row of `file`, or none: `ImportRefused` lists the problems."""
    plan = await check_import(actor, kind, file, filename)
    if not plan.clean:
        raise ImportRefused(plan)

    done = ImportPlan(kind)
    counted_at = 0
    async with in_transaction():
        async for steps in _walk(kind, file, filename, done):
            for step in steps:
                await _write(actor, step, done)
            # Each time the rows written double, so that the next chunks'
            # look-ups are planned for the tables as they now are.
            if done.rows >= 2 * counted_at + CHUNK_ROWS:
                await database.refresh_statistics(WRITTEN[kind])
                counted_at = done.rows
    await database.refresh_statistics(WRITTEN[kind])
    return ImportResult(kind, done.created, done.updated, done.unchanged)


async def _write(actor: Actor, step: "Step", done: ImportPlan) -> None:
    """Write a step; if it fails, refuse the whole import, which rolls back."""
    # The check passed, so only a change saved meanwhile makes a write fail.
    try:
        await step.write(actor)
    except Refused as refused:
        for error in refused.errors:
            done.problem(RowProblem(step.row, None, error.message))
        raise ImportRefused(done) from None
    except IntegrityError:
        message = _("Another change was saved while importing; import the file again.")
        done.problem(RowProblem(step.row, None, message))
        raise ImportRefused(done) from None


@dataclass(frozen=True)
class Step:
    """A planned write: of one row, or of a chunk's new records from its
    first row on."""

    row: int
    write_with: Callable[[Actor], Any]

    async def write(self, actor: Actor) -> None:
        await self.write_with(actor)


async def _walk(kind: Kind, file: IO[bytes], filename: str, plan: ImportPlan):
    """Yield, chunk by chunk, the writes the file asks for, filling `plan`."""
    file.seek(0)
    try:
        table = read_table(io.BufferedReader(_Borrowed(file)), filename)
    except UnreadableFile as unreadable:
        plan.problem(RowProblem(1, None, str(unreadable)))
        return
    columns = _columns_of(kind, table.headers, plan)
    if columns is None:
        return

    importer = IMPORTERS[kind]()
    await importer.prepare()
    seen: dict[Any, int] = {}
    rows = _numbered_values(table.rows, columns)
    try:
        while chunk := list(islice(rows, CHUNK_ROWS)):
            plan.rows += len(chunk)
            yield await _plan_chunk(importer, chunk, columns, plan, seen)
    except UnreadableFile as unreadable:
        plan.problem(RowProblem(plan.rows + 2, None, str(unreadable)))


class _Borrowed(io.RawIOBase):
    """The caller's file, read without letting the reader close it: the run
    reads it again after the check, and the caller closes it."""

    def __init__(self, file: IO[bytes]) -> None:
        self.file = file

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        data = self.file.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        return self.file.seek(offset, whence)

    def tell(self) -> int:
        return self.file.tell()


def _numbered_values(
    rows: Iterator[tuple[int, list[str]]], columns: dict[int, Column]
) -> Iterator[tuple[int, dict[str, str]]]:
    for number, cells in rows:
        yield (
            number,
            {
                column.key: cells[index] if index < len(cells) else ""
                for index, column in columns.items()
            },
        )


def _columns_of(
    kind: Kind, headers: list[str], plan: ImportPlan
) -> dict[int, Column] | None:
    """Which column of the file is which, or None if a required one is missing."""
    known = {}
    for column in COLUMNS[kind]:
        known[_normal(column.header)] = column
        known[_normal(column.key)] = column

    found: dict[int, Column] = {}
    for index, header in enumerate(headers):
        if not header:
            continue
        column = known.get(_normal(header))
        if column is None:
            message = _("xiaowai does not import this column; the columns are {names}.")
            plan.problem(RowProblem(1, header, message.format(names=_names(kind))))
        elif column in found.values():
            plan.problem(RowProblem(1, header, _("This column appears twice.")))
        else:
            found[index] = column

    missing = [
        column
        for column in COLUMNS[kind]
        if column.required and column not in found.values()
    ]
    for column in missing:
        plan.problem(RowProblem(1, column.header, _("This column is missing.")))
    return None if missing else {index: found[index] for index in found}


def _normal(header: str) -> str:
    return header.strip().lower().replace(" ", "_").replace("-", "_")


def _names(kind: Kind) -> str:
    return "、".join(column.header for column in COLUMNS[kind])


async def _plan_chunk(
    importer: "Importer",
    chunk: list[tuple[int, dict[str, str]]],
    columns: dict[int, Column],
    plan: ImportPlan,
    seen: dict[Any, int],
) -> list[Step]:
    headers = {column.key: column.header for column in columns.values()}
    header_of = {column.key: column.header for column in COLUMNS[importer.kind]}
    header_of |= headers

    parsed = []
    for number, values in chunk:
        checks = Checks()
        item = importer.parse(values, checks)
        if checks.errors:
            for error in checks.errors:
                plan.problem(
                    RowProblem(number, header_of.get(error.field or ""), error.message)
                )
        else:
            parsed.append((number, item))

    await importer.look_up([item for _number, item in parsed])

    steps, new_rows, new = [], [], []
    for number, item in parsed:
        checks = Checks()
        outcome = importer.plan(item, checks)
        if checks.errors:
            for error in checks.errors:
                plan.problem(
                    RowProblem(number, header_of.get(error.field or ""), error.message)
                )
            continue
        if not _first_time(outcome, number, seen, plan):
            continue
        changes = tuple(
            Change(header_of[key], before, after)
            for key, before, after in outcome.changes
        )
        plan.planned(PlannedRow(number, outcome.action, outcome.label, changes))
        if outcome.write is not None:
            steps.append(Step(number, outcome.write))
        if outcome.new is not None:
            new_rows.append(number)
            new.append(outcome.new)
    if new:
        steps.append(Step(new_rows[0], lambda actor: importer.create_all(actor, new)))
    return steps


def _first_time(
    outcome: "Outcome", number: int, seen: dict[Any, int], plan: ImportPlan
) -> bool:
    """Whether no earlier row means the same record or claims what this one
    claims (a credit code, say); if one does, the row is a problem."""
    for key in (outcome.key, *outcome.claims):
        earlier = seen.get(key)
        if earlier is not None:
            message = _("This row repeats row {row}.").format(row=earlier)
            plan.problem(RowProblem(number, None, message))
            return False
    for key in (outcome.key, *outcome.claims):
        seen[key] = number
    return True


# --- the kinds ----------------------------------------------------------------------


@dataclass
class Outcome:
    key: Any  # what two rows share when they mean the same record
    action: Action
    label: str
    changes: list[tuple[str, str, str]] = field(default_factory=list)
    write: Callable[[Actor], Any] | None = None  # this row's own write
    new: Any = None  # what to create with the chunk's other new records
    claims: tuple[Any, ...] = ()  # what no other row may also claim


class Importer:
    kind: Kind

    async def prepare(self) -> None:
        """Load the small tables every row may refer to."""

    def parse(self, values: dict[str, str], checks: Checks) -> Any:
        raise NotImplementedError

    async def look_up(self, items: list[Any]) -> None:
        """Fetch, in a few statements, the records the chunk's rows may match."""

    def plan(self, item: Any, checks: Checks) -> Outcome:
        raise NotImplementedError

    async def create_all(self, actor: Actor, new: list[Any]) -> None:
        """Create the records of a chunk's `Outcome.new`, all together."""
        raise NotImplementedError


def _named(model_rows: list[dict]) -> dict[str, int]:
    return {row["name"]: row["id"] for row in model_rows}


def _shown(value: Any) -> str:
    return "" if value is None else str(value)


def _refer(
    checks: Checks, key: str, name: str | None, ids: dict[str, int], message: str
) -> int | None:
    if not name:
        return None
    if name not in ids:
        checks.fail(key, ErrorCode.NOT_FOUND, message.format(name=name))
        return None
    return ids[name]


class Villages(Importer):
    kind = Kind.VILLAGES

    async def prepare(self) -> None:
        self.districts = _named(await District.all().values("id", "name"))
        self.district_names = {id_: name for name, id_ in self.districts.items()}

    def parse(self, values: dict[str, str], checks: Checks) -> dict:
        name = checks.text("name", values["name"], max_length=64, required=True)
        district = _refer(
            checks,
            "district",
            values.get("district"),
            self.districts,
            _("No management district is called {name}."),
        )
        return {"name": name, "district_id": district, "given": values.get("district")}

    async def look_up(self, items: list[dict]) -> None:
        names = [item["name"] for item in items]
        self.existing = {
            row["name"]: row
            for row in await Village.filter(name__in=names).values(
                "id", "name", "version", "district_id"
            )
        }

    def plan(self, item: dict, checks: Checks) -> Outcome:
        name, district_id = item["name"], item["district_id"]
        current = self.existing.get(name)
        if current is None:
            return Outcome(("name", name), Action.CREATE, name, new=(name, district_id))
        key = ("id", current["id"])
        if not item["given"] or current["district_id"] == district_id:
            return Outcome(key, Action.UNCHANGED, name)
        before = self.district_names.get(current["district_id"])
        return Outcome(
            key,
            Action.UPDATE,
            name,
            [("district", _shown(before), item["given"])],
            lambda actor: organisation_writes.set_village_district(
                actor, current["id"], current["version"], district_id
            ),
        )

    async def create_all(self, actor: Actor, new: list[tuple[str, int | None]]) -> None:
        await organisation_writes.create_villages(actor, new)


class People(Importer):
    """People, matched by name and phone, or by name alone when it is unique."""

    kind = Kind.PEOPLE

    async def prepare(self) -> None:
        self.units = _named(await Unit.all().values("id", "name"))
        self.schools = _named(await School.all().values("id", "name"))
        self.unit_names = {id_: name for name, id_ in self.units.items()}
        self.school_names = {id_: name for name, id_ in self.schools.items()}

    def parse(self, values: dict[str, str], checks: Checks) -> dict:
        item = {
            "name": checks.text("name", values["name"], max_length=32, required=True),
            "title": checks.text("title", values.get("title"), max_length=128),
            "phone": checks.phone("phone", values.get("phone")),
            "unit_id": _refer(
                checks,
                "unit",
                values.get("unit"),
                self.units,
                _("No member unit is called {name}."),
            ),
            "school_id": _refer(
                checks,
                "school",
                values.get("school"),
                self.schools,
                _("No school is called {name}."),
            ),
        }
        if values.get("unit") and values.get("school"):
            checks.fail(
                "school",
                ErrorCode.INVALID,
                _("A person works for a unit or a school, not both."),
            )
        return item

    async def look_up(self, items: list[dict]) -> None:
        self.people = await _people_named({item["name"] for item in items})

    def plan(self, item: dict, checks: Checks) -> Outcome:
        name = item["name"]
        current = _match_person(self.people, name, item["phone"], checks, "name")
        if checks.errors:
            return Outcome(None, Action.UNCHANGED, name)
        if current is None:
            data = PersonInput(
                name=name,
                title=item["title"],
                phone=item["phone"],
                unit_id=item["unit_id"],
                school_id=item["school_id"],
            )
            return Outcome(("new", name, item["phone"]), Action.CREATE, name, new=data)

        wanted = {"title": item["title"], "phone": item["phone"]}
        if item["unit_id"] or item["school_id"]:
            # A new employer replaces the old one: a person has one.
            wanted |= {"unit_id": item["unit_id"], "school_id": item["school_id"]}
        changed = {
            name_: value
            for name_, value in wanted.items()
            if value is not None or name_ in ("unit_id", "school_id")
            if current[name_] != value
        }
        key = ("id", current["id"])
        if not changed:
            return Outcome(key, Action.UNCHANGED, name)
        shown = {
            "unit_id": ("unit", self.unit_names),
            "school_id": ("school", self.school_names),
        }
        changes = []
        for name_, value in changed.items():
            if name_ in shown:
                column, names = shown[name_]
                before, after = names.get(current[name_]), names.get(value)
                if before or after:
                    changes.append((column, _shown(before), _shown(after)))
            else:
                changes.append((name_, _shown(current[name_]), _shown(value)))
        data = PersonInput(**changed)
        return Outcome(
            key,
            Action.UPDATE,
            name,
            changes,
            lambda actor: organisation_writes.update_person(
                actor, current["id"], current["version"], data
            ),
        )

    async def create_all(self, actor: Actor, new: list[PersonInput]) -> None:
        await organisation_writes.create_people(actor, new)


async def _people_named(names: set[str]) -> dict[str, list[dict]]:
    people: dict[str, list[dict]] = {}
    for row in await Person.filter(name__in=list(names)).values(
        "id", "version", "name", "title", "phone", "unit_id", "school_id"
    ):
        people.setdefault(row["name"], []).append(row)
    return people


def _match_person(
    people: dict[str, list[dict]],
    name: str,
    phone: str | None,
    checks: Checks,
    field_name: str,
) -> dict | None:
    """The recorded person a row means, None for someone new; ambiguity fails."""
    named = people.get(name, [])
    if phone:
        for person in named:
            if person["phone"] == phone:
                return person
    if len(named) == 1:
        return named[0]
    if len(named) > 1 and not phone:
        message = _(
            "Several people are called {name}; give the phone of the one you mean."
        )
        checks.fail(field_name, ErrorCode.INVALID, message.format(name=name))
    return None


class Institutions(Importer):
    """Institutions, matched by credit code, else by registered name."""

    kind = Kind.INSTITUTIONS

    def __init__(self, category_names: dict[str, Category] | None = None) -> None:
        self.category_names = category_names or category_names_in_every_language()

    async def prepare(self) -> None:
        self.villages = _named(await Village.all().values("id", "name"))
        self.village_names = {id_: name for name, id_ in self.villages.items()}

    def parse(self, values: dict[str, str], checks: Checks) -> dict:
        item = {
            "registered_name": checks.text(
                "registered_name",
                values["registered_name"],
                max_length=128,
                required=True,
            ),
            "signboard_name": checks.text(
                "signboard_name", values.get("signboard_name"), max_length=128
            ),
            "address": checks.text("address", values.get("address"), max_length=256),
            "credit_code": checks.credit_code("credit_code", values.get("credit_code")),
            "village_id": _refer(
                checks,
                "village",
                values.get("village"),
                self.villages,
                _("No village or community is called {name}."),
            ),
            "category": None,
            "documents": {},
        }
        category = values.get("category")
        if category:
            item["category"] = self.category_names.get(category.strip().upper())
            if item["category"] is None:
                message = _("Write one of: {choices}.")
                checks.fail(
                    "category",
                    ErrorCode.INVALID,
                    message.format(choices=category_choices()),
                )
        for key, kind in DOCUMENT_COLUMNS.items():
            number = checks.text(key, values.get(key), max_length=64)
            if number:
                item["documents"][kind] = number
        return item

    async def look_up(self, items: list[dict]) -> None:
        codes = [item["credit_code"] for item in items if item["credit_code"]]
        names = [item["registered_name"] for item in items]
        wanted = ("id", "version", "credit_code", *INSTITUTION_FIELDS)
        self.by_code = {
            row["credit_code"]: row
            for row in await Institution.filter(credit_code__in=codes).values(*wanted)
        }
        self.by_name: dict[str, list[dict]] = {}
        for row in await Institution.filter(registered_name__in=names).values(*wanted):
            self.by_name.setdefault(row["registered_name"], []).append(row)
        ids = {row["id"] for row in self.by_code.values()} | {
            row["id"] for rows in self.by_name.values() for row in rows
        }
        self.documents: dict[int, list[dict]] = {}
        for row in await Document.filter(institution_id__in=list(ids)).values(
            "institution_id",
            "kind",
            "status",
            "number",
            "issued_on",
            "valid_until",
            "revoked_on",
        ):
            self.documents.setdefault(row["institution_id"], []).append(row)

    def plan(self, item: dict, checks: Checks) -> Outcome:
        name, code = item["registered_name"], item["credit_code"]
        current = self._match(name, code, checks)
        if checks.errors:
            return Outcome(None, Action.UNCHANGED, name)
        if current is None:
            data = InstitutionInput(
                **{key: item[key] for key in INSTITUTION_FIELDS},
                credit_code=code,
                documents=[
                    DocumentInput(kind=kind, number=number)
                    for kind, number in item["documents"].items()
                ],
            )
            return Outcome(
                ("code", code) if code else ("name", name),
                Action.CREATE,
                name,
                new=data,
            )

        changed: dict[str, Any] = {}
        changes = []
        for key in (*INSTITUTION_FIELDS, "credit_code"):
            if item[key] is not None and item[key] != current[key]:
                changed[key] = item[key]
                column = "village" if key == "village_id" else key
                changes.append((column, *self._shown(key, current[key], item[key])))
        documents = self._documents(current["id"], item["documents"], changes)
        if documents is not None:
            changed["documents"] = documents
        key = ("id", current["id"])
        # A code given to a recorded institution cannot go to a new one too.
        claims = (("code", code),) if code and code != current["credit_code"] else ()
        if not changed:
            return Outcome(key, Action.UNCHANGED, name)
        data = InstitutionInput(**changed)
        return Outcome(
            key,
            Action.UPDATE,
            name,
            changes,
            lambda actor: institution_writes.update_institution(
                actor, current["id"], current["version"], data
            ),
            claims=claims,
        )

    async def create_all(self, actor: Actor, new: list[InstitutionInput]) -> None:
        await institution_writes.create_institutions(actor, new)

    def _match(self, name: str, code: str | None, checks: Checks) -> dict | None:
        if code and code in self.by_code:
            return self.by_code[code]
        # A recorded institution with another credit code is another one.
        named = [
            row
            for row in self.by_name.get(name, [])
            if row["credit_code"] is None or row["credit_code"] == code
        ]
        if len(named) > 1:
            message = _(
                "Several institutions are registered as {name}; give the credit code "
                "of the one you mean."
            )
            checks.fail("registered_name", ErrorCode.INVALID, message.format(name=name))
        return named[0] if len(named) == 1 else None

    def _shown(self, key: str, before: Any, after: Any) -> tuple[str, str]:
        if key == "village_id":
            return (
                _shown(self.village_names.get(before)),
                _shown(self.village_names.get(after)),
            )
        if key == "category":
            return (
                _category_label(before) if before else "",
                _category_label(after),
            )
        return _shown(before), _shown(after)

    def _documents(
        self, institution_id: int, numbers: dict[DocumentKind, str], changes: list
    ) -> list[DocumentInput] | None:
        """The documents after the import, or None when they stay as they are."""
        held = {row["kind"]: row for row in self.documents.get(institution_id, [])}
        changed = False
        for kind, number in numbers.items():
            current = held.get(kind)
            if current and current["number"] == number:
                continue
            column = next(
                key for key, value in DOCUMENT_COLUMNS.items() if value == kind
            )
            changes.append((column, _shown(current and current["number"]), number))
            held[kind] = {"kind": kind, "status": DocumentStatus.HELD, "number": number}
            changed = True
        if not changed:
            return None
        return [
            DocumentInput(
                kind=DocumentKind(row["kind"]),
                status=DocumentStatus(row["status"]),
                number=row["number"],
                issued_on=row.get("issued_on"),
                valid_until=row.get("valid_until"),
                revoked_on=row.get("revoked_on"),
            )
            for row in held.values()
        ]


INSTITUTION_FIELDS = (
    "registered_name",
    "signboard_name",
    "category",
    "address",
    "village_id",
)


class SupervisorAssignments(Importer):
    kind = Kind.SUPERVISOR_ASSIGNMENTS

    async def prepare(self) -> None:
        self.villages = _named(await Village.all().values("id", "name"))

    def parse(self, values: dict[str, str], checks: Checks) -> dict:
        return {
            "person": checks.text(
                "person", values["person"], max_length=32, required=True
            ),
            "phone": checks.phone("phone", values.get("phone")),
            "village": values["village"],
            "village_id": _refer(
                checks,
                "village",
                values["village"],
                self.villages,
                _("No village or community is called {name}."),
            )
            or _required(checks, "village", values["village"]),
        }

    async def look_up(self, items: list[dict]) -> None:
        self.people = await _people_named({item["person"] for item in items})
        person_ids = [row["id"] for rows in self.people.values() for row in rows]
        self.pairs = set(
            await SupervisorAssignment.filter(person_id__in=person_ids).values_list(
                "person_id", "village_id"
            )
        )

    def plan(self, item: dict, checks: Checks) -> Outcome:
        person = _recorded_person(self.people, item, checks)
        label = f"{item['person']} · {item['village']}"
        if person is None:
            return Outcome(None, Action.UNCHANGED, label)
        pair = (person["id"], item["village_id"])
        if pair in self.pairs:
            return Outcome(pair, Action.UNCHANGED, label)
        return Outcome(
            pair,
            Action.CREATE,
            label,
            write=lambda actor: organisation_writes.assign_supervisor(actor, *pair),
        )


class InstructorAssignments(Importer):
    kind = Kind.INSTRUCTOR_ASSIGNMENTS

    def parse(self, values: dict[str, str], checks: Checks) -> dict:
        item = {
            "person": checks.text(
                "person", values["person"], max_length=32, required=True
            ),
            "phone": checks.phone("phone", values.get("phone")),
            "institution": values.get("institution") or None,
            "credit_code": checks.credit_code("credit_code", values.get("credit_code")),
        }
        if not item["institution"] and not values.get("credit_code"):
            checks.fail(
                "institution",
                ErrorCode.REQUIRED,
                _("Give the institution's registered name or its credit code."),
            )
        return item

    async def look_up(self, items: list[dict]) -> None:
        self.people = await _people_named({item["person"] for item in items})
        codes = [item["credit_code"] for item in items if item["credit_code"]]
        names = [item["institution"] for item in items if item["institution"]]
        wanted = ("id", "registered_name", "credit_code", "license_status")
        self.by_code = {
            row["credit_code"]: row
            for row in await Institution.filter(credit_code__in=codes).values(*wanted)
        }
        self.by_name: dict[str, list[dict]] = {}
        for row in await Institution.filter(registered_name__in=names).values(*wanted):
            self.by_name.setdefault(row["registered_name"], []).append(row)
        person_ids = [row["id"] for rows in self.people.values() for row in rows]
        self.pairs = set(
            await InstructorAssignment.filter(person_id__in=person_ids).values_list(
                "person_id", "institution_id"
            )
        )

    def plan(self, item: dict, checks: Checks) -> Outcome:
        person = _recorded_person(self.people, item, checks)
        institution = self._institution(item, checks)
        label = f"{item['person']} · {item['institution'] or item['credit_code']}"
        if person is not None and person["school_id"] is None:
            checks.fail(
                "person",
                ErrorCode.INVALID,
                _("Instructors are teachers: record the person's school first."),
            )
        if institution is not None and (
            institution["license_status"] != LicenseStatus.LICENSED
        ):
            checks.fail(
                "institution" if item["institution"] else "credit_code",
                ErrorCode.INVALID,
                _("Instructors are posted to fully licensed institutions only."),
            )
        if checks.errors or person is None or institution is None:
            return Outcome(None, Action.UNCHANGED, label)
        pair = (person["id"], institution["id"])
        if pair in self.pairs:
            return Outcome(pair, Action.UNCHANGED, label)
        return Outcome(
            pair,
            Action.CREATE,
            label,
            write=lambda actor: institution_writes.assign_instructor(actor, *pair),
        )

    def _institution(self, item: dict, checks: Checks) -> dict | None:
        if item["credit_code"]:
            found = self.by_code.get(item["credit_code"])
            if found is None:
                checks.fail(
                    "credit_code",
                    ErrorCode.NOT_FOUND,
                    _("No institution has this credit code."),
                )
            return found
        named = self.by_name.get(item["institution"], [])
        if len(named) == 1:
            return named[0]
        message = (
            _("No institution is registered as {name}.")
            if not named
            else _(
                "Several institutions are registered as {name}; give the credit "
                "code of the one you mean."
            )
        )
        checks.fail(
            "institution",
            ErrorCode.NOT_FOUND,
            message.format(name=item["institution"]),
        )
        return None


def _required(checks: Checks, key: str, value: str | None) -> None:
    if not value:
        checks.fail(key, ErrorCode.REQUIRED, _("Fill this in."))
    return None


def _recorded_person(
    people: dict[str, list[dict]], item: dict, checks: Checks
) -> dict | None:
    person = _match_person(people, item["person"], item["phone"], checks, "person")
    if person is None and not checks.errors:
        message = _("No one called {name} is recorded; import them as people first.")
        checks.fail("person", ErrorCode.NOT_FOUND, message.format(name=item["person"]))
    return person


# The tables an import of each kind writes to, audit trail included.
WRITTEN = {
    Kind.VILLAGES: (Village, AuditEntry),
    Kind.PEOPLE: (Person, AuditEntry),
    Kind.INSTITUTIONS: (Institution, Document, AuditEntry),
    Kind.SUPERVISOR_ASSIGNMENTS: (SupervisorAssignment, AuditEntry),
    Kind.INSTRUCTOR_ASSIGNMENTS: (InstructorAssignment, AuditEntry),
}

IMPORTERS: dict[Kind, Callable[[], Importer]] = {
    Kind.VILLAGES: Villages,
    Kind.PEOPLE: People,
    Kind.INSTITUTIONS: Institutions,
    Kind.SUPERVISOR_ASSIGNMENTS: SupervisorAssignments,
    Kind.INSTRUCTOR_ASSIGNMENTS: InstructorAssignments,
}


# --- categories, in the words offices use -------------------------------------------

CATEGORY_NAMES = {
    Category.ACADEMIC: N_("Academic"),
    Category.ARTS: N_("Arts"),
    Category.SCIENCE_TECH: N_("Science and technology"),
    Category.SPORTS: N_("Sports"),
    Category.OTHER: N_("Other"),
}


def _category_label(category: Category | str) -> str:
    return _(CATEGORY_NAMES[Category(category)])


def category_names_in_every_language() -> dict[str, Category]:
    """Each category by its value and its name in every language, upper-cased."""
    names = {category.value: category for category in Category}
    for code in LANGUAGES:
        with language(code):
            for category in Category:
                names[_category_label(category).upper()] = category
    return names


def category_choices() -> str:
    return "、".join(_category_label(category) for category in Category)


# --- templates ----------------------------------------------------------------------


def kind_name(kind: Kind) -> str:
    return _(KIND_NAMES[kind])


def template_workbook(kind: Kind) -> bytes:
    """An xlsx to fill in: the headers in bold, an example row, and a sheet
    "说明" explaining each column."""
    book = Workbook()
    sheet = book.active
    sheet.title = kind_name(kind)[:31]
    columns = COLUMNS[kind]
    sheet.append([cell(column.header) for column in columns])
    for header in sheet[1]:
        header.font = Font(bold=True)
    sheet.append([cell(_example(column)) for column in columns])
    for index, column in enumerate(columns, start=1):
        letter = sheet.cell(row=1, column=index).column_letter
        sheet.column_dimensions[letter].width = max(12, 2 * len(column.header) + 4)

    notes = book.create_sheet("说明")
    notes.append([_("Column"), _("Required"), _("What to write")])
    for header in notes[1]:
        header.font = Font(bold=True)
    for column in columns:
        notes.append(
            [
                column.header,
                _("Yes") if column.required else "",
                _(column.explanation).format(choices=category_choices()),
            ]
        )
    notes.append([])
    notes.append(
        [
            _(
                "Rows matching a record already kept update it; an empty cell "
                "leaves its value as it is. Importing the same file twice changes "
                "nothing."
            )
        ]
    )
    notes.column_dimensions["A"].width = 24
    notes.column_dimensions["C"].width = 80

    output = io.BytesIO()
    book.save(output)
    return output.getvalue()


def _example(column: Column) -> str:
    if column.key == "category":
        return _category_label(Category.ACADEMIC)
    return column.example
