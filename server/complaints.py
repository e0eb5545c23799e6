"""Reports from the public (投诉举报): taking them in, and triaging them.

Anyone may report an institution, anonymously if they like. What they get
back is a reference, and with it they can follow the report later: whether
the office has looked at it, the case it led to and how far that case has
gone, or why it was dismissed. Nothing they read there names a person.

Inside the office, administrators triage each report into a new case, onto
a case that already follows the same place, or dismiss it with an answer
for the reporter. A report is substantiated when the case it led to is
verified; a substantiated report keeps its institution under key
supervision for `COMPLAINT_WINDOW` (see `server.standing`).
"""

import hashlib
import hmac
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum

from tortoise.expressions import Q
from tortoise.transactions import in_transaction

from server import audit, standing
from server.case_writes import FindingInput, check_new_case, open_case_on_report
from server.clock import OFFICE_TIMEZONE, today
from server.directory import blacklisted, display_code, normalise_code, published
from server.errors import DomainError, ErrorCode, FieldError, Refused
from server.i18n import _
from server.models import (
    Case,
    CaseKind,
    CaseState,
    Complaint,
    ComplaintState,
    Concern,
    Institution,
)
from server.models.institutions import PUBLIC_CODE_ALPHABET
from server.pagination import (
    Ordering,
    Page,
    PageRequest,
    SortKey,
    paginate,
    paginate_each,
)
from server.permissions import ANONYMOUS, Actor, Permission, require
from server.queries import MAX_SEARCH_LENGTH, matches_text
from server.validation import Checks, allowed, claim_version
from server.workflow import ENDED

REFERENCE_LENGTH = 10
CONTACT_MAX_LENGTH = 64
DESCRIPTION_MAX_LENGTH = 2000
NEWEST_FIRST = Ordering((SortKey("id", descending=True, kind=int),))
FLOOD_WINDOW = timedelta(hours=1)
SEARCHED = ("registered_name", "signboard_name", "address")

# What a report's concern suggests a new case is about, when the place is
# not on record; one on record has the kind its documents say.
KIND_OF_CONCERN = {Concern.UNLICENSED: CaseKind.UNLICENSED}


# --- taking a report in -----------------------------------------------------------


@dataclass(frozen=True)
class Submission:
    """A report as the public form or the API sent it; nothing checked yet."""

    institution_name: str | None
    concern: str | None
    description: str | None
    address: str | None = None
    contact: str | None = None
    # The code of a directory entry, when the reporter came from its page.
    institution_code: str | None = None


def client_digest(secret_key: str, client_address: str) -> str:
    """A keyed hash of the client address: enough to count one client's
    reports, and useless to anyone who reads the database without the key."""
    return hmac.new(
        secret_key.encode(), client_address.encode(), hashlib.sha256
    ).hexdigest()


async def submit_complaint(
    submission: Submission, digest: str, per_hour: int
) -> Complaint:
    """Take a report in, or refuse it and keep nothing."""
    checks = Checks()
    name = checks.text(
        "institutionName", submission.institution_name, max_length=128, required=True
    )
    address = checks.text("address", submission.address, max_length=256)
    concern = _concern(checks, submission.concern)
    description = checks.text(
        "description",
        submission.description,
        max_length=DESCRIPTION_MAX_LENGTH,
        required=True,
    )
    contact = checks.text("contact", submission.contact, max_length=CONTACT_MAX_LENGTH)
    institution = await _reported_institution(checks, submission.institution_code)
    checks.done()

    async with in_transaction():
        await _refuse_floods(digest, per_hour)
        complaint = await Complaint.create(
            reference=await _new_reference(),
            institution=institution,
            institution_name=name,
            address=address or "",
            concern=concern,
            description=description,
            contact=contact or "",
            client_digest=digest,
            received_at=datetime.now(OFFICE_TIMEZONE),
        )
        await audit.record(
            ANONYMOUS, "complaint.submit", complaint, None, _snapshot(complaint)
        )
    return complaint


def _concern(checks: Checks, value: str | None) -> Concern | None:
    try:
        return Concern(value)
    except ValueError:
        code = ErrorCode.INVALID if value else ErrorCode.REQUIRED
        checks.fail("concern", code, _("Choose what the report is about."))
        return None


async def _reported_institution(checks: Checks, code: str | None) -> Institution | None:
    """The listed or blacklisted institution of `code`; only those are public,
    so a code of any other one is as unknown as a made-up code."""
    if not code:
        return None
    normalised = normalise_code(code)
    institution = None
    if normalised is not None:
        institution = await published().get_or_none(
            public_code=normalised
        ) or await blacklisted().get_or_none(public_code=normalised)
    if institution is None:
        checks.fail(
            "institutionCode",
            ErrorCode.NOT_FOUND,
            _("No institution in the directory has this code; leave it empty."),
        )
    return institution


async def _refuse_floods(digest: str, per_hour: int) -> None:
    """Refuse a client that has sent `per_hour` reports within the last hour.

    Counted inside the report's transaction. SQLite runs one writer at a
    time, so its count is exact; on PostgreSQL two reports sent in the same
    instant may both pass, which lets a flood through by one or two at most.
    """
    since = datetime.now(OFFICE_TIMEZONE) - FLOOD_WINDOW
    recent = (
        Complaint.filter(client_digest=digest, received_at__gte=since)
        .order_by("received_at")
        .values_list("received_at", flat=True)
    )
    times = await recent
    if len(times) < per_hour:
        return

    again = (times[0] + FLOOD_WINDOW).astimezone(OFFICE_TIMEZONE)
    message = _(
        "Too many reports were sent from your connection within an hour; "
        "send this one after {time}."
    )
    message = message.format(time=f"{again:%H:%M}")
    raise _refuse(None, ErrorCode.RATE_LIMITED, message)


async def _new_reference() -> str:
    """A random reference no other report has; at 32**10 clashes are rare
    enough that trying again is cheaper than anything cleverer."""
    while True:
        reference = "".join(
            secrets.choice(PUBLIC_CODE_ALPHABET) for _ in range(REFERENCE_LENGTH)
        )
        if not await Complaint.exists(reference=reference):
            return reference


def _snapshot(complaint: Complaint, **extra) -> dict:
    """The audit trail's copy: whoever reads the trail does not see the
    reporter's contact, nor even the digest of their address."""
    after = audit.snapshot(complaint, **extra)
    del after["contact"], after["client_digest"]
    return after


# --- following a report -----------------------------------------------------------


class Progress(StrEnum):
    """How far a report has come, as the reporter reads it."""

    WAITING = "WAITING"  # the office has not triaged it yet
    CHECKING = "CHECKING"  # a case is open; the office is checking on site
    NOT_SUBSTANTIATED = "NOT_SUBSTANTIATED"  # the check found nothing to act on
    DISMISSED = "DISMISSED"  # the office dismissed it, saying why
    BEING_RECTIFIED = "BEING_RECTIFIED"  # substantiated; rectification ordered
    BANNED = "BANNED"
    RECTIFIED = "RECTIFIED"
    CLOSED = "CLOSED"  # the case was closed out


PROGRESS_OF_CASE = {
    CaseState.REPORTED: Progress.CHECKING,
    CaseState.VERIFIED: Progress.BEING_RECTIFIED,
    CaseState.NOTICE_ISSUED: Progress.BEING_RECTIFIED,
    CaseState.STOP_ORDERED: Progress.BEING_RECTIFIED,
    CaseState.ESCALATED: Progress.BEING_RECTIFIED,
    CaseState.PENALISED: Progress.BEING_RECTIFIED,
    CaseState.BANNED: Progress.BANNED,
    CaseState.RECTIFIED: Progress.RECTIFIED,
    CaseState.DISMISSED: Progress.NOT_SUBSTANTIATED,
    CaseState.CLOSED: Progress.CLOSED,
}


@dataclass(frozen=True)
class ComplaintStatus:
    """What the reporter reads about their report, and nothing else."""

    reference: str
    received_on: date
    institution_name: str
    concern: Concern
    progress: Progress
    answer: str  # the office's words to the reporter, when it wrote some

    @property
    def display_reference(self) -> str:
        return display_code(self.reference)


async def complaint_status(reference: str) -> ComplaintStatus | None:
    """The status of the report with this reference; None for any other."""
    normalised = normalise_reference(reference)
    if normalised is None:
        return None
    complaint = await Complaint.get_or_none(reference=normalised)
    if complaint is None:
        return None

    progress = Progress.WAITING
    if complaint.state == ComplaintState.DISMISSED:
        progress = Progress.DISMISSED
    elif complaint.case_id is not None:
        case_state = (
            await Case.filter(id=complaint.case_id)
            .first()
            .values_list("state", flat=True)
        )
        progress = PROGRESS_OF_CASE[CaseState(case_state)]
    return ComplaintStatus(
        reference=complaint.reference,
        received_on=complaint.received_at.astimezone(OFFICE_TIMEZONE).date(),
        institution_name=complaint.institution_name,
        concern=complaint.concern,
        progress=progress,
        answer=complaint.answer,
    )


def normalise_reference(reference: str | None) -> str | None:
    """A reference as typed, in any case and with or without its dash."""
    return normalise_code(reference)


# --- reading reports inside the office --------------------------------------------


@dataclass(frozen=True)
class ComplaintFilter:
    state: ComplaintState | None = None


async def list_complaints(
    actor: Actor, where: ComplaintFilter, request: PageRequest
) -> Page[Complaint]:
    """Reports, the newest first."""
    require(actor, Permission.READ_COMPLAINTS)
    complaints = Complaint.all()
    if where.state is not None:
        complaints = complaints.filter(state=where.state)
    return await paginate(complaints, NEWEST_FIRST, request)


async def get_complaint(actor: Actor, complaint_id: int) -> Complaint:
    require(actor, Permission.READ_COMPLAINTS)
    complaint = await Complaint.get_or_none(id=complaint_id)
    if complaint is None:
        raise DomainError(ErrorCode.NOT_FOUND, _("There is no such report."))
    return complaint


async def complaints_by_id(actor: Actor, ids: Iterable[int]) -> dict[int, Complaint]:
    require(actor, Permission.READ_COMPLAINTS)
    rows = await Complaint.filter(id__in=list(set(ids)))
    return {row.id: row for row in rows}


async def complaints_of(
    actor: Actor, institution_ids: Iterable[int], request: PageRequest
) -> dict[int, Page[Complaint]]:
    """The same page of each institution's reports, the newest first."""
    require(actor, Permission.READ_COMPLAINTS)
    return await paginate_each(
        Complaint, "institution_id", institution_ids, NEWEST_FIRST, request
    )


async def count_waiting(actor: Actor) -> int | None:
    """Reports not triaged yet; None for whoever may not read them."""
    if not actor.can(Permission.READ_COMPLAINTS):
        return None
    return await Complaint.filter(state=ComplaintState.RECEIVED).count()


def visible_contact(actor: Actor, complaint: Complaint) -> str | None:
    """The reporter's contact for administrators; None for everyone else."""
    if not actor.can(Permission.SEE_COMPLAINT_CONTACTS):
        return None
    return complaint.contact or ""


async def likely_institutions(actor: Actor, complaint: Complaint) -> list[Institution]:
    """Institutions on record the report may be about: the one the reporter
    picked, and those whose name or address resembles what they wrote."""
    require(actor, Permission.READ_COMPLAINTS)
    similar = Q(id__isnull=True)
    for text in (complaint.institution_name, complaint.address):
        if text.strip():
            similar |= matches_text(text.strip()[:MAX_SEARCH_LENGTH], SEARCHED)
    if complaint.institution_id is not None:
        similar |= Q(id=complaint.institution_id)
    return await Institution.filter(similar).order_by("sort_name").limit(10)


async def open_cases_of(actor: Actor, institution_ids: list[int]) -> list[Case]:
    """The cases not yet ended of these institutions: a report may join one."""
    require(actor, Permission.READ_COMPLAINTS)
    return await (
        Case.filter(institution_id__in=institution_ids)
        .exclude(state__in=list(ENDED))
        .order_by("-id")
        .limit(20)
    )


# --- triage -------------------------------------------------------------------------


class Decision(StrEnum):
    OPEN_CASE = "OPEN_CASE"
    LINK_CASE = "LINK_CASE"
    DISMISS = "DISMISS"


@dataclass(frozen=True)
class Triage:
    """What the office decided about a report, and what that decision needs:
    a village for a new case (and the institution, when it is known), the
    case that already follows the place, or the answer to a dismissal."""

    decision: Decision
    answer: str | None = None
    village_id: int | None = None
    institution_id: int | None = None
    kind: CaseKind | None = None
    # The place as the office knows it, when the report named it otherwise.
    signboard_name: str | None = None
    address: str | None = None
    case_id: int | None = None


STATE_OF_DECISION = {
    Decision.OPEN_CASE: ComplaintState.CASE_OPENED,
    Decision.LINK_CASE: ComplaintState.CASE_LINKED,
    Decision.DISMISS: ComplaintState.DISMISSED,
}


async def triage(
    actor: Actor, complaint_id: int, version: int, decision: Triage
) -> Complaint:
    """Decide a waiting report; the report, any case it opens and the audit
    entries stand or fall together."""
    allowed(actor, Permission.TRIAGE_COMPLAINTS)
    complaint = await Complaint.get_or_none(id=complaint_id)
    if complaint is None:
        raise _refuse(None, ErrorCode.NOT_FOUND, _("There is no such report."))
    if complaint.state != ComplaintState.RECEIVED:
        message = _("This report was triaged already.")
        raise _refuse("decision", ErrorCode.INVALID, message)
    checks = Checks()
    answer = checks.text(
        "answer",
        decision.answer,
        max_length=DESCRIPTION_MAX_LENGTH,
        required=decision.decision == Decision.DISMISS,
    )
    finding = _finding(complaint, decision)
    village_id = await _village_of_case(decision, finding)
    if decision.decision == Decision.OPEN_CASE:
        await check_new_case(checks, village_id, finding)
    linked = await _linked_case(checks, decision)
    checks.done()

    async with in_transaction():
        complaint = await claim_version(Complaint, complaint_id, version)
        before = _snapshot(complaint, version=version)
        case = linked
        if decision.decision == Decision.OPEN_CASE:
            case = await open_case_on_report(actor, village_id, finding)
        complaint.state = STATE_OF_DECISION[decision.decision]
        complaint.answer = answer or ""
        complaint.triaged_by = actor.label
        complaint.triaged_at = datetime.now(OFFICE_TIMEZONE)
        if case is not None:
            complaint.case_id = case.id
            complaint.institution_id = case.institution_id
            if case.state not in (CaseState.REPORTED, CaseState.DISMISSED):
                complaint.substantiated_on = today()
        await complaint.save()
        await audit.record(
            actor,
            f"complaint.{decision.decision.lower()}",
            complaint,
            before,
            _snapshot(complaint),
        )
        if complaint.substantiated_on is not None:
            await standing.refresh([complaint.institution_id], by=actor.label)
    return complaint


def _finding(complaint: Complaint, decision: Triage) -> FindingInput:
    """The new case's finding: the report in the reporter's words.

    A reporter who says a place trains without a permit is believed about a
    place the office does not know; of an institution on record, its
    documents decide the kind (a licensed one's case is a violation), since
    the kind sets the workflow and what rectifying it means.
    """
    institution_id = decision.institution_id or complaint.institution_id
    suggested = None if institution_id else KIND_OF_CONCERN.get(complaint.concern)
    return FindingInput(
        description=complaint.description,
        kind=decision.kind or suggested,
        institution_id=institution_id,
        signboard_name=None
        if institution_id
        else decision.signboard_name or complaint.institution_name,
        address=None if institution_id else decision.address or complaint.address,
    )


async def _village_of_case(decision: Triage, finding: FindingInput) -> int | None:
    """The village a new case belongs to: as the office chose, else that of
    the institution on record."""
    if decision.village_id is not None or finding.institution_id is None:
        return decision.village_id
    institution = Institution.filter(id=finding.institution_id).first()
    return await institution.values_list("village_id", flat=True)


async def _linked_case(checks: Checks, decision: Triage) -> Case | None:
    if decision.decision != Decision.LINK_CASE:
        return None
    case = await Case.get_or_none(id=decision.case_id) if decision.case_id else None
    if case is None or case.state in ENDED:
        checks.fail("case", ErrorCode.NOT_FOUND, _("Choose a case that is still open."))
    return case


def _refuse(field: str | None, code: ErrorCode, message: str) -> Refused:
    return Refused([FieldError(field, code, message)])
