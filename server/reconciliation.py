"""Reconciling the records with the national platform's list of institutions.

The office downloads the list of institutions the national platform
(全国校外教育培训监管与服务综合平台) holds for the subdistrict and uploads it
here. Each institution on the list is matched to one on record by its
unified social credit code, else by its name; then every difference is
kept for the office to resolve:

- licensed here but not on the list, and on the list but unknown here
  (each a lead for a patrol);
- a credit code or permit number, an address, or an operating status that
  differs;
- a school permit on record that ends within the run's number of days.

The office resolves each difference by copying the list's value into the
record, by opening a case, or by marking it explained with a note. Every run
is kept with its file, so what was compared can be read again later.

A file with a bad row is refused whole, every bad row named by row and
column, as an import's dry run would: comparing the good rows alone would
report the institution of each bad row as licensed here but not listed
there, a false lead the office would chase.
"""

import hashlib
import io
import logging
import os
import secrets
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from tortoise.transactions import in_transaction

from server import audit
from server.case_writes import FindingInput, check_new_case, open_case_on_report
from server.clock import OFFICE_TIMEZONE, today
from server.errors import DomainError, ErrorCode, FieldError, Refused
from server.i18n import N_, _, gettext
from server.institution_writes import DocumentInput, InstitutionInput
from server.institution_writes import update_institution as write_institution
from server.models import (
    Difference,
    DifferenceCategory,
    DifferenceState,
    Document,
    DocumentKind,
    DocumentStatus,
    Institution,
    LicenseStatus,
    OperatingStatus,
    ReconciliationRun,
)
from server.pagination import Ordering, Page, PageRequest, SortKey, paginate
from server.permissions import Actor, Permission, require
from server.spreadsheets import UnreadableFile, read_table
from server.validation import Checks, allowed, claim_version

logger = logging.getLogger("xiaowai.reconciliation")

MAX_BYTES = 10 * 1024 * 1024
MAX_DAYS = 3650
NOTE_MAX_LENGTH = 2000
# Our institutions are read this many at a time, with their permits: the
# statements a run sends grow with the records, never with the list's rows.
BATCH = 1000
NEWEST_FIRST = Ordering((SortKey("id", descending=True, kind=int),))
BY_CATEGORY = Ordering((SortKey("category"),))
C = DifferenceCategory

# Each column, under the names the national platform's exports and the
# office's own sheets give it.
COLUMNS = {
    "name": ("机构名称", "名称", "name", "institution name", "institution"),
    "credit_code": (
        "统一社会信用代码",
        "信用代码",
        "credit code",
        "unified social credit code",
    ),
    "permit_number": ("办学许可证号", "许可证号", "permit number", "school permit"),
    "address": ("地址", "办学地址", "address"),
    "status": ("状态", "办学状态", "status"),
}
COLUMN_LABELS = {
    "name": N_("institution name"),
    "credit_code": N_("credit code"),
    "permit_number": N_("permit number"),
    "address": N_("address"),
    "status": N_("status"),
    "operating_status": N_("status"),
    "valid_until": N_("permit valid until"),
}
# The words the list uses for a status, and the operating status each means.
STATUS_WORDS = {
    OperatingStatus.OPERATING: (
        "正常",
        "存续",
        "有效",
        "在业",
        "办学中",
        "operating",
        "active",
        "valid",
    ),
    OperatingStatus.SUSPENDED: ("暂停", "停业", "停办", "suspended"),
    OperatingStatus.CLOSED: (
        "注销",
        "吊销",
        "撤销",
        "终止",
        "关闭",
        "closed",
        "revoked",
        "cancelled",
    ),
}
STATUS_OF_WORD = {
    word: status for status, words in STATUS_WORDS.items() for word in words
}
# Institutions no longer training are expected to be missing from the list,
# and their permits to lapse.
NOT_TRAINING = (OperatingStatus.CLOSED, OperatingStatus.BANNED)
STATUS_NAMES = {
    OperatingStatus.OPERATING: N_("Operating"),
    OperatingStatus.SUSPENDED: N_("Suspended"),
    OperatingStatus.CLOSED: N_("Closed"),
    OperatingStatus.BANNED: N_("Banned"),
}
# Differences whose list value can be copied into the record.
UPDATABLE = {"credit_code", "permit_number", "address", "operating_status"}


def _refuse(field: str | None, code: ErrorCode, message: str) -> Refused:
    return Refused([FieldError(field, code, message)])


def normalised(text: str | None) -> str:
    """Text as compared: full-width forms folded, no spaces, any case."""
    folded = unicodedata.normalize("NFKC", text or "")
    return "".join(folded.split()).casefold()


# --- reading the list ------------------------------------------------------------


@dataclass(frozen=True)
class ListedInstitution:
    """One row of the national list, checked."""

    row_number: int
    name: str
    credit_code: str | None
    permit_number: str | None
    address: str | None
    status: OperatingStatus | None
    status_text: str | None

    def as_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "credit_code": self.credit_code,
            "permit_number": self.permit_number,
            "address": self.address,
            "status": self.status_text,
        }


def read_national_list(data: bytes, filename: str) -> list[ListedInstitution]:
    """The list's rows, or `Refused` naming every bad row and column."""
    try:
        table = read_table(io.BytesIO(data), filename)
        positions = _positions(table.headers)
        rows = list(table.rows)
    except UnreadableFile as unreadable:
        raise _refuse("file", ErrorCode.INVALID, str(unreadable)) from None

    checks = Checks()
    listed: list[ListedInstitution] = []
    seen_codes: dict[str, int] = {}
    seen_names: dict[str, int] = {}
    for number, cells in rows:

        def cell(column: str, cells: list[str] = cells) -> str | None:
            position = positions.get(column)
            if position is None or position >= len(cells):
                return None
            return cells[position].strip() or None

        prefix = f"rows.{number}"
        name = checks.text(
            f"{prefix}.name", cell("name"), max_length=128, required=True
        )
        code = checks.credit_code(f"{prefix}.creditCode", cell("credit_code"))
        permit = checks.text(
            f"{prefix}.permitNumber", cell("permit_number"), max_length=64
        )
        address = checks.text(f"{prefix}.address", cell("address"), max_length=256)
        status_text = checks.text(f"{prefix}.status", cell("status"), max_length=32)
        status = None
        if status_text is not None:
            status = STATUS_OF_WORD.get(normalised(status_text))
            if status is None:
                message = _("The status {status} is none of: {accepted}.")
                checks.fail(
                    f"{prefix}.status",
                    ErrorCode.INVALID,
                    message.format(
                        status=status_text,
                        accepted="、".join(STATUS_OF_WORD),
                    ),
                )
        if code is not None:
            _once(checks, seen_codes, code, number, f"{prefix}.creditCode")
        if name is not None:
            _once(checks, seen_names, normalised(name), number, f"{prefix}.name")
        listed.append(
            ListedInstitution(
                number, name or "", code, permit, address, status, status_text
            )
        )

    if not rows:
        checks.fail("file", ErrorCode.REQUIRED, _("The list has no institution in it."))
    checks.done()
    return listed


def _positions(headers: list[str]) -> dict[str, int]:
    """Where each known column is; the name's column must be there."""
    names = {
        normalised(alias): column
        for column, aliases in COLUMNS.items()
        for alias in aliases
    }
    positions: dict[str, int] = {}
    for position, header in enumerate(headers):
        column = names.get(normalised(header))
        if column is not None:
            positions.setdefault(column, position)
    if "name" not in positions:
        message = _(
            "The first row must name the columns; xiaowai reads these: {columns}."
        )
        columns = "、".join(aliases[0] for aliases in COLUMNS.values())
        raise UnreadableFile(message.format(columns=columns))
    return positions


def _once(
    checks: Checks, seen: dict[str, int], key: str, number: int, field: str
) -> None:
    if key in seen:
        message = _("Row {row} says the same already.")
        checks.fail(field, ErrorCode.DUPLICATE, message.format(row=seen[key]))
    else:
        seen[key] = number


# --- comparing -------------------------------------------------------------------


@dataclass
class OurInstitution:
    row: Institution
    permit: Document | None = None


async def _our_institutions() -> list[OurInstitution]:
    """Every institution on record with its school permit, a batch at a time."""
    ours: list[OurInstitution] = []
    last_id = 0
    while True:
        batch = await Institution.filter(id__gt=last_id).order_by("id").limit(BATCH)
        if not batch:
            return ours
        permits = await Document.filter(
            institution_id__in=[row.id for row in batch],
            kind=DocumentKind.SCHOOL_PERMIT,
        )
        permit_of = {permit.institution_id: permit for permit in permits}
        ours.extend(OurInstitution(row, permit_of.get(row.id)) for row in batch)
        if len(batch) < BATCH:
            return ours
        last_id = batch[-1].id


def compare(
    listed: Iterable[ListedInstitution],
    ours: list[OurInstitution],
    within_days: int,
    on: date,
) -> list[Difference]:
    """Every difference between the list and the records, as unsaved rows."""
    by_code = {o.row.credit_code: o for o in ours if o.row.credit_code}
    by_name: dict[str, OurInstitution] = {}
    for our in ours:
        for name in (our.row.signboard_name, our.row.registered_name):
            if name:
                by_name[normalised(name)] = our

    differences: list[Difference] = []
    matched: set[int] = set()
    for entry in listed:
        our = by_code.get(entry.credit_code) if entry.credit_code else None
        our = our or by_name.get(normalised(entry.name))
        if our is None:
            differences.append(_difference(C.LISTED_UNKNOWN, None, entry))
            continue
        matched.add(our.row.id)
        differences.extend(_field_differences(entry, our))

    horizon = on + timedelta(days=within_days)
    for our in ours:
        if our.row.operating_status in NOT_TRAINING:
            continue
        if (
            our.row.id not in matched
            and our.row.license_status == LicenseStatus.LICENSED
        ):
            differences.append(_difference(C.LICENSED_NOT_LISTED, our.row, None))
        permit = our.permit
        if (
            permit is not None
            and permit.status == DocumentStatus.HELD
            and permit.revoked_on is None
            and permit.valid_until is not None
            and on <= permit.valid_until <= horizon
        ):
            differences.append(
                _difference(
                    C.PERMIT_EXPIRING,
                    our.row,
                    None,
                    "valid_until",
                    permit.valid_until.isoformat(),
                    None,
                )
            )
    return differences


def _field_differences(
    entry: ListedInstitution, our: OurInstitution
) -> list[Difference]:
    row = our.row
    found = []
    if entry.credit_code and entry.credit_code != row.credit_code:
        found.append(
            _difference(
                C.NUMBER_DIFFERS,
                row,
                entry,
                "credit_code",
                row.credit_code,
                entry.credit_code,
            )
        )
    permit_number = our.permit.number if our.permit else None
    if entry.permit_number and normalised(entry.permit_number) != normalised(
        permit_number
    ):
        found.append(
            _difference(
                C.NUMBER_DIFFERS,
                row,
                entry,
                "permit_number",
                permit_number,
                entry.permit_number,
            )
        )
    if entry.address and normalised(entry.address) != normalised(row.address):
        found.append(
            _difference(
                C.ADDRESS_DIFFERS, row, entry, "address", row.address, entry.address
            )
        )
    if entry.status is not None and entry.status != row.operating_status:
        found.append(
            _difference(
                C.STATUS_DIFFERS,
                row,
                entry,
                "operating_status",
                row.operating_status.value,
                entry.status.value,
            )
        )
    return found


def _difference(
    category: DifferenceCategory,
    institution: Institution | None,
    entry: ListedInstitution | None,
    differs_in: str | None = None,
    ours: str | None = None,
    theirs: str | None = None,
) -> Difference:
    return Difference(
        category=category,
        institution_id=institution.id if institution else None,
        row_number=entry.row_number if entry else None,
        listed=entry.as_json() if entry else None,
        differs_in=differs_in,
        ours=ours,
        theirs=theirs,
    )


async def reconcile(
    actor: Actor,
    folder: Path,
    data: bytes,
    filename: str,
    within_days: int | None,
    default_days: int,
) -> ReconciliationRun:
    """Compare the list in `data` with the records, and keep the run.

    The file is written under a temporary name and renamed into place once
    the run and its differences are in, as evidence files are: a failure on
    the way leaves neither a run without its file nor a file without its run.
    """
    allowed(actor, Permission.EDIT_ORGANISATION)
    days = default_days if within_days is None else within_days
    if not 0 <= days <= MAX_DAYS:
        message = _("From 0 to {maximum} days.")
        raise _refuse("withinDays", ErrorCode.INVALID, message.format(maximum=MAX_DAYS))
    if len(data) > MAX_BYTES:
        message = _("A file can be at most {megabytes} MB.")
        raise _refuse(
            "file", ErrorCode.TOO_LONG, message.format(megabytes=MAX_BYTES >> 20)
        )
    try:
        listed = read_national_list(data, filename)
    except Refused as refused:
        logger.warning(
            "national list %r refused: %d problems", filename, len(refused.errors)
        )
        raise

    folder.mkdir(parents=True, exist_ok=True)
    stored_as = secrets.token_hex(16)
    final, partial = folder / stored_as, folder / f"{stored_as}.partial"
    partial.write_bytes(data)
    try:
        async with in_transaction():
            differences = compare(listed, await _our_institutions(), days, today())
            counts = {category.value: 0 for category in DifferenceCategory}
            for difference in differences:
                counts[difference.category.value] += 1
            run = await ReconciliationRun.create(
                uploaded_at=datetime.now(OFFICE_TIMEZONE),
                uploaded_by=actor.label,
                file_name=Path(filename or "list").name[:255],
                stored_as=stored_as,
                sha256=hashlib.sha256(data).hexdigest(),
                size=len(data),
                row_count=len(listed),
                expiring_within_days=days,
                counts=counts,
            )
            for difference in differences:
                difference.run_id = run.id
            await Difference.bulk_create(differences, batch_size=BATCH)
            await audit.record(
                actor, "reconciliation.run", run, None, audit.snapshot(run)
            )
            os.replace(partial, final)
    except BaseException:
        partial.unlink(missing_ok=True)
        final.unlink(missing_ok=True)
        raise
    logger.info(
        "reconciliation run=%s rows=%d differences=%d",
        run.id,
        run.row_count,
        len(differences),
    )
    return run


# --- reading runs ----------------------------------------------------------------


async def list_runs(actor: Actor, request: PageRequest) -> Page[ReconciliationRun]:
    """Runs, the newest first; for whoever may act on what they found."""
    require(actor, Permission.EDIT_ORGANISATION)
    return await paginate(ReconciliationRun.all(), NEWEST_FIRST, request)


async def get_run(actor: Actor, run_id: int) -> ReconciliationRun:
    require(actor, Permission.EDIT_ORGANISATION)
    run = await ReconciliationRun.get_or_none(id=run_id)
    if run is None:
        raise DomainError(ErrorCode.NOT_FOUND, _("There is no such reconciliation."))
    return run


async def differences_of(
    actor: Actor,
    run_id: int,
    category: DifferenceCategory | None,
    request: PageRequest,
) -> Page[Difference]:
    """A run's differences by category, each in the order they were found."""
    require(actor, Permission.EDIT_ORGANISATION)
    found = Difference.filter(run_id=run_id)
    if category is not None:
        found = found.filter(category=category)
    return await paginate(found, BY_CATEGORY, request)


async def runs_by_id(actor: Actor, ids: Iterable[int]) -> dict[int, ReconciliationRun]:
    require(actor, Permission.EDIT_ORGANISATION)
    return {run.id: run for run in await ReconciliationRun.filter(id__in=list(ids))}


async def differences_by_id(actor: Actor, ids: Iterable[int]) -> dict[int, Difference]:
    require(actor, Permission.EDIT_ORGANISATION)
    return {row.id: row for row in await Difference.filter(id__in=list(ids))}


def stored_file(folder: Path, run: ReconciliationRun) -> Path:
    """Where the run's list is kept; `get_run` has checked the reader."""
    return folder / run.stored_as


def what_differs(difference: Difference) -> str:
    """The difference in words, as a case opened on it records it."""
    listed = difference.listed or {}
    if difference.category == C.LISTED_UNKNOWN:
        message = _(
            "The national list names {name} ({address}), which is not on record "
            "here; check it on a patrol."
        )
        return message.format(
            name=listed.get("name"), address=listed.get("address") or _("no address")
        )
    if difference.category == C.LICENSED_NOT_LISTED:
        return _("Licensed here, but not on the national list.")
    if difference.category == C.PERMIT_EXPIRING:
        return _("Its school permit ends on {date}.").format(date=difference.ours)
    message = _("The national list gives its {field} as {theirs}; the record, {ours}.")
    return message.format(
        field=gettext(COLUMN_LABELS[difference.differs_in or "name"]),
        theirs=_shown_value(difference.differs_in, difference.theirs) or "—",
        ours=_shown_value(difference.differs_in, difference.ours) or "—",
    )


# --- resolving -------------------------------------------------------------------


async def _open_difference(difference_id: int) -> Difference:
    difference = await Difference.get_or_none(id=difference_id)
    if difference is None:
        raise _refuse(None, ErrorCode.NOT_FOUND, _("There is no such difference."))
    if difference.state != DifferenceState.OPEN:
        message = _("This difference was resolved already.")
        raise _refuse("action", ErrorCode.INVALID, message)
    return difference


async def _resolve(
    actor: Actor,
    difference_id: int,
    version: int,
    state: DifferenceState,
    note: str,
    case_id: int | None = None,
) -> Difference:
    """Mark the difference resolved; call inside the resolution's transaction."""
    difference = await claim_version(Difference, difference_id, version)
    before = audit.snapshot(difference, version=version)
    difference.state = state
    difference.note = note
    difference.case_id = case_id
    difference.resolved_by = actor.label
    difference.resolved_at = datetime.now(OFFICE_TIMEZONE)
    await difference.save()
    await audit.record(
        actor,
        f"difference.{state.lower()}",
        difference,
        before,
        audit.snapshot(difference),
    )
    return difference


async def update_record(actor: Actor, difference_id: int, version: int) -> Difference:
    """Copy the list's value into the record, through the institution's own
    write: checked, versioned and audited as an edit by hand would be."""
    allowed(actor, Permission.EDIT_ORGANISATION)
    difference = await _open_difference(difference_id)
    if difference.differs_in not in UPDATABLE or difference.institution_id is None:
        message = _(
            "The national list has no value to copy into the record here; "
            "open a case or explain it."
        )
        raise _refuse("action", ErrorCode.INVALID, message)
    institution_id = difference.institution_id

    async with in_transaction():
        # Claimed first: of two people resolving the same difference, the
        # second is refused before the record is written twice.
        resolved = await _resolve(
            actor, difference_id, version, DifferenceState.RECORD_UPDATED, ""
        )
        institution = await Institution.get(id=institution_id)
        await _unchanged_since_run(institution, difference)
        await write_institution(
            actor,
            institution.id,
            institution.version,
            await _listed_value(difference),
        )
    return resolved


async def _unchanged_since_run(
    institution: Institution, difference: Difference
) -> None:
    """Refuse to copy the list's value over a record someone has edited since
    the run: the edit may be the better value, and copying would hide it."""
    if difference.differs_in == "permit_number":
        permit = await Document.get_or_none(
            institution_id=institution.id, kind=DocumentKind.SCHOOL_PERMIT
        )
        recorded = permit.number if permit else None
    else:
        recorded = getattr(institution, difference.differs_in)
    if normalised(_shown(recorded)) == normalised(difference.ours):
        return
    message = _(
        "The record was changed after this comparison: its {field} now reads "
        "{value}. Compare again, or explain the difference."
    )
    raise _refuse(
        "action",
        ErrorCode.CONFLICT,
        message.format(
            field=gettext(COLUMN_LABELS[difference.differs_in]),
            value=_shown_value(difference.differs_in, _shown(recorded)) or "—",
        ),
    )


def _shown(value: Any) -> str | None:
    if value is None:
        return None
    return value.value if isinstance(value, OperatingStatus) else str(value)


def _shown_value(differs_in: str | None, value: str | None) -> str | None:
    """A recorded or listed value in words: statuses by their names."""
    if differs_in == "operating_status" and value:
        return gettext(STATUS_NAMES[OperatingStatus(value)])
    return value


async def _listed_value(difference: Difference) -> InstitutionInput:
    if difference.differs_in == "credit_code":
        return InstitutionInput(credit_code=difference.theirs)
    if difference.differs_in == "address":
        return InstitutionInput(address=difference.theirs)
    if difference.differs_in == "operating_status":
        return InstitutionInput(operating_status=difference.theirs)

    held = await Document.filter(institution_id=difference.institution_id)
    documents = [
        DocumentInput(
            kind=document.kind,
            status=document.status,
            number=difference.theirs
            if document.kind == DocumentKind.SCHOOL_PERMIT
            else document.number,
            issued_on=document.issued_on,
            valid_until=document.valid_until,
            revoked_on=document.revoked_on,
        )
        for document in held
    ]
    if not any(document.kind == DocumentKind.SCHOOL_PERMIT for document in held):
        documents.append(
            DocumentInput(kind=DocumentKind.SCHOOL_PERMIT, number=difference.theirs)
        )
    return InstitutionInput(documents=documents)


async def open_case(
    actor: Actor, difference_id: int, version: int, village_id: int | None
) -> Difference:
    """Open a case on the difference: of a new institution from the list's
    row when it is unknown here, else of the institution on record.

    A new institution is recorded as unlicensed whatever the list says of
    it: xiaowai has seen none of its documents, and the patrol that checks
    the place records what it finds.
    """
    allowed(actor, Permission.MANAGE_CASES)
    difference = await _open_difference(difference_id)
    listed = difference.listed or {}
    new = difference.institution_id is None
    finding = FindingInput(
        description=what_differs(difference),
        institution_id=difference.institution_id,
        signboard_name=listed.get("name") if new else None,
        address=listed.get("address") if new else None,
    )
    if village_id is None and not new:
        village_id = await (
            Institution.filter(id=difference.institution_id)
            .first()
            .values_list("village_id", flat=True)
        )
    checks = Checks()
    await check_new_case(checks, village_id, finding)
    checks.done()

    async with in_transaction():
        case = await open_case_on_report(actor, village_id, finding)
        return await _resolve(
            actor, difference_id, version, DifferenceState.CASE_OPENED, "", case.id
        )


async def mark_explained(
    actor: Actor, difference_id: int, version: int, note: str | None
) -> Difference:
    """Resolve the difference with a note saying why it needs nothing more."""
    allowed(actor, Permission.EDIT_ORGANISATION)
    await _open_difference(difference_id)
    checks = Checks()
    note = checks.text("note", note, max_length=NOTE_MAX_LENGTH, required=True)
    checks.done()

    async with in_transaction():
        return await _resolve(
            actor, difference_id, version, DifferenceState.EXPLAINED, note or ""
        )
