"""Reporting problems and driving cases through the workflow to close-out.

Every step runs in one transaction: the case's new state, the event on its
timeline, whatever the step produces (a notice, a penalty, the institution's
new status) and the audit entry stand or fall together. A refused step says
why, and which steps are open.
"""

from contextlib import suppress
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from tortoise.exceptions import IntegrityError
from tortoise.expressions import F, Q
from tortoise.transactions import in_transaction

from server import audit, standing
from server.clock import OFFICE_TIMEZONE, today
from server.errors import ErrorCode, FieldError, Refused
from server.i18n import _
from server.licensing import derive_license_status
from server.models import (
    Case,
    CaseAction,
    CaseEvent,
    CaseKind,
    CaseState,
    Complaint,
    Dispatch,
    DispatchState,
    Document,
    DocumentKind,
    DocumentStatus,
    Evidence,
    Institution,
    LicenseStatus,
    Notice,
    NoticeCounter,
    OperatingStatus,
    Patrol,
    Penalty,
    PenaltyType,
    RegisterEntry,
    Requirement,
    Role,
    SupervisorAssignment,
    Unit,
    Village,
)
from server.organisation import home_subdistrict
from server.permissions import Actor, Permission, require
from server.settings import DEFAULT_NOTICE_FORMAT
from server.validation import Checks, allowed, claim_version
from server.workflow import ENDED, StepRefused, next_state

# What each kind of case says about the documents of a newly found institution.
DOCUMENTS_OF_A_NEW_INSTITUTION = {
    CaseKind.UNLICENSED: (),
    CaseKind.BUSINESS_LICENSE_ONLY: (
        (DocumentKind.BUSINESS_LICENSE, DocumentStatus.HELD),
    ),
    CaseKind.OPERATING_BEFORE_APPROVAL: (
        (DocumentKind.SCHOOL_PERMIT, DocumentStatus.APPLIED),
    ),
}

# The case kind a known institution's license status suggests.
KIND_OF_STATUS = {
    LicenseStatus.UNLICENSED: CaseKind.UNLICENSED,
    LicenseStatus.BUSINESS_LICENSE_ONLY: CaseKind.BUSINESS_LICENSE_ONLY,
    LicenseStatus.APPLYING: CaseKind.OPERATING_BEFORE_APPROVAL,
    LicenseStatus.LICENSED: CaseKind.VIOLATION,
}


def _refuse(field: str | None, code: ErrorCode, message: str) -> Refused:
    return Refused([FieldError(field, code, message)])


# --- reporting ------------------------------------------------


@dataclass(frozen=True)
class FindingInput:
    """A problem found: a known institution, or a description of a new one."""

    description: str
    kind: CaseKind | None = None
    institution_id: int | None = None
    signboard_name: str | None = None
    address: str | None = None
    teaches: str | None = None
    trades_as: str | None = None


@dataclass(frozen=True)
class PatrolInput:
    village_id: int
    patrolled_on: date
    places: str = ""
    notes: str = ""
    findings: tuple[FindingInput, ...] = field(default_factory=tuple)


async def record_patrol(actor: Actor, data: PatrolInput) -> Patrol:
    """A supervisor's patrol of one of their villages, opening a case per finding."""
    allowed(actor, Permission.REPORT_PROBLEMS)
    if actor.person_id is None:
        raise _refuse(
            None,
            ErrorCode.FORBIDDEN,
            _("A patrol is recorded by the supervisor who made it, on their account."),
        )
    await _may_report_in(actor, data.village_id)
    checks = Checks()
    places = checks.text("places", data.places, max_length=2000) or ""
    notes = checks.text("notes", data.notes, max_length=4000) or ""
    if data.patrolled_on > today():
        checks.fail(
            "patrolledOn", ErrorCode.INVALID, _("A patrol cannot be in the future.")
        )
    for index, finding in enumerate(data.findings):
        await _check_finding(checks, finding, f"findings.{index}")
    checks.done()

    async with in_transaction():
        patrol = await Patrol.create(
            village_id=data.village_id,
            supervisor_id=actor.person_id,
            patrolled_on=data.patrolled_on,
            places=places,
            notes=notes,
        )
        await audit.record(actor, "patrol.record", patrol, None, audit.snapshot(patrol))
        for finding in data.findings:
            await _open_case(actor, data.village_id, finding, patrol, data.patrolled_on)
    return patrol


async def report_problem(
    actor: Actor, village_id: int, finding: FindingInput, patrol_id: int | None = None
) -> Case:
    """A problem found outside a recorded patrol, or added to one."""
    allowed(actor, Permission.REPORT_PROBLEMS)
    await _may_report_in(actor, village_id)
    checks = Checks()
    await _check_finding(checks, finding, "finding")
    patrol = await Patrol.get_or_none(id=patrol_id) if patrol_id else None
    if patrol_id and (patrol is None or patrol.village_id != village_id):
        checks.fail("patrol", ErrorCode.NOT_FOUND, _("Choose one from the list."))
    checks.done()

    async with in_transaction():
        return await _open_case(actor, village_id, finding, patrol, today())


async def _may_report_in(actor: Actor, village_id: int) -> None:
    if not await Village.exists(id=village_id):
        raise _refuse("village", ErrorCode.NOT_FOUND, _("Choose one from the list."))
    if actor.can(Permission.MANAGE_CASES):
        return
    patrols_it = await SupervisorAssignment.exists(
        person_id=actor.person_id, village_id=village_id
    )
    if actor.person_id is None or not patrols_it:
        raise _refuse(
            "village",
            ErrorCode.FORBIDDEN,
            _("You can report only in the villages you patrol."),
        )


async def _check_finding(checks: Checks, finding: FindingInput, prefix: str) -> None:
    checks.text(
        f"{prefix}.description", finding.description, max_length=4000, required=True
    )
    if finding.institution_id is not None:
        if not await Institution.exists(id=finding.institution_id):
            checks.fail(
                f"{prefix}.institution",
                ErrorCode.NOT_FOUND,
                _("Choose one from the list."),
            )
        return
    checks.text(
        f"{prefix}.signboardName", finding.signboard_name, max_length=128, required=True
    )
    checks.text(f"{prefix}.address", finding.address, max_length=256, required=True)
    checks.text(f"{prefix}.teaches", finding.teaches, max_length=256)
    checks.text(f"{prefix}.tradesAs", finding.trades_as, max_length=64)
    if finding.kind == CaseKind.VIOLATION:
        checks.fail(
            f"{prefix}.kind",
            ErrorCode.INVALID,
            _("A violation is reported of a licensed institution already on record."),
        )


async def _open_case(
    actor: Actor,
    village_id: int,
    finding: FindingInput,
    patrol: Patrol | None,
    reported_on: date,
) -> Case:
    if finding.institution_id is not None:
        institution = await Institution.get(id=finding.institution_id)
    else:
        institution = await _new_institution(actor, village_id, finding)
    kind = finding.kind or KIND_OF_STATUS[institution.license_status]

    case = await Case.create(
        institution=institution,
        village_id=village_id,
        patrol=patrol,
        reported_by_id=actor.person_id,
        kind=kind,
        state=CaseState.REPORTED,
        finding=finding.description.strip(),
        reported_on=reported_on,
    )
    await _event(actor, case, CaseAction.REPORT, None, CaseState.REPORTED)
    await audit.record(actor, "case.report", case, None, audit.snapshot(case))
    return case


async def check_new_case(
    checks: Checks, village_id: int | None, finding: FindingInput
) -> None:
    """Check a case the office opens itself, on a report from the public."""
    if village_id is None or not await Village.exists(id=village_id):
        checks.fail("village", ErrorCode.NOT_FOUND, _("Choose one from the list."))
    await _check_finding(checks, finding, "finding")


async def open_case_on_report(
    actor: Actor, village_id: int, finding: FindingInput
) -> Case:
    """Open a case checked by `check_new_case`; call it inside the
    transaction of the triage."""
    allowed(actor, Permission.MANAGE_CASES)
    return await _open_case(actor, village_id, finding, None, today())


async def open_violation_case(
    actor: Actor, institution: Institution, finding: str, on: date
) -> Case:
    """A case against a licensed institution, opened by what an inspection
    found; call it inside the inspection's transaction."""
    described = FindingInput(
        description=finding, kind=CaseKind.VIOLATION, institution_id=institution.id
    )
    return await _open_case(actor, institution.village_id, described, None, on)


async def _new_institution(
    actor: Actor, village_id: int, finding: FindingInput
) -> Institution:
    kind = finding.kind or CaseKind.UNLICENSED
    documents = [
        Document(kind=document_kind, status=status)
        for document_kind, status in DOCUMENTS_OF_A_NEW_INSTITUTION[kind]
    ]
    name = (finding.signboard_name or "").strip()
    institution = await Institution.create(
        subdistrict=await home_subdistrict(),
        registered_name=name,
        signboard_name=name,
        address=(finding.address or "").strip(),
        teaches=(finding.teaches or "").strip() or None,
        trades_as=(finding.trades_as or "").strip() or None,
        village_id=village_id,
        license_status=derive_license_status(documents, today()),
    )
    for document in documents:
        document.institution = institution
        await document.save()
    await audit.record(
        actor, "institution.found", institution, None, audit.snapshot(institution)
    )
    return institution


async def likely_duplicates(
    actor: Actor, village_id: int, name: str, address: str
) -> list[Institution]:
    """Institutions of the village whose name or address resemble these, so a
    reporter can pick one instead of recording the same place twice."""
    require(actor, Permission.READ_CASES)
    words = [w for w in (name or "").split() + (address or "").split() if w]
    similar = Q(id__isnull=True)
    for text in filter(None, [name.strip(), address.strip(), *words]):
        fragment = text[:8]
        similar |= (
            Q(registered_name__icontains=fragment)
            | Q(signboard_name__icontains=fragment)
            | Q(address__icontains=fragment)
        )
    return await Institution.filter(similar, village_id=village_id).limit(10)


# --- moving a case on ------------------------------------------------


@dataclass(frozen=True)
class StepInput:
    """One step of the workflow and what that step needs."""

    action: CaseAction
    note: str = ""
    deadline: date | None = None
    requirements: tuple[Requirement, ...] = ()
    findings: str | None = None
    corrects_notice_id: int | None = None
    decision_number: str | None = None
    decided_on: date | None = None
    penalty_type: PenaltyType | None = None
    amount: str | None = None


WORKFLOW_ACTIONS = frozenset(
    {
        CaseAction.VERIFY,
        CaseAction.DISMISS,
        CaseAction.ISSUE_NOTICE,
        CaseAction.ORDER_STOP,
        CaseAction.ESCALATE,
        CaseAction.RECORD_PENALTY,
        CaseAction.BAN,
        CaseAction.CONFIRM_RECTIFIED,
        CaseAction.CLOSE_OUT,
    }
)
NOTE_REQUIRED = frozenset(
    {
        CaseAction.DISMISS,
        CaseAction.ESCALATE,
        CaseAction.CONFIRM_RECTIFIED,
        CaseAction.CLOSE_OUT,
    }
)


async def advance_case(
    actor: Actor,
    case_id: int,
    version: int,
    step: StepInput,
    notice_format: str = DEFAULT_NOTICE_FORMAT,
) -> Case:
    """Take one step of the workflow, or refuse it and leave the case as it was."""
    allowed(actor, Permission.MANAGE_CASES)
    case = await Case.get_or_none(id=case_id)
    if case is None:
        raise _refuse(None, ErrorCode.NOT_FOUND, _("There is no such case."))
    if step.action not in WORKFLOW_ACTIONS:
        raise _refuse(
            "action", ErrorCode.INVALID, _("This is not a step of the workflow.")
        )
    try:
        to_state = next_state(case.state, case.kind, step.action)
    except StepRefused as refused:
        raise _refuse("action", ErrorCode.INVALID, refused.message) from None
    details = _checked_step(case, step)
    if step.action == CaseAction.ISSUE_NOTICE:
        await _ensure_counter(today().year)

    async with in_transaction():
        case = await claim_version(Case, case_id, version)
        before = audit.snapshot(case, version=version)
        if step.action == CaseAction.CLOSE_OUT:
            await _may_close_out(case)
        details |= await _carry_out(actor, case, step, notice_format)
        from_state, case.state = case.state, to_state
        if to_state in ENDED:
            case.closed_at = datetime.now(OFFICE_TIMEZONE)
        await case.save()
        await _event(actor, case, step.action, from_state, to_state, step.note, details)
        await audit.record(
            actor, f"case.{step.action.lower()}", case, before, audit.snapshot(case)
        )
        if to_state == CaseState.VERIFIED:
            await _substantiate_reports(case)
        await standing.refresh([case.institution_id], by=actor.label)
    return case


async def _substantiate_reports(case: Case) -> None:
    """The public's reports that led to a case the office verified were true."""
    await Complaint.filter(case_id=case.id, substantiated_on=None).update(
        substantiated_on=today()
    )


def _checked_step(case: Case, step: StepInput) -> dict[str, Any]:
    checks = Checks()
    note = checks.text(
        "note", step.note, max_length=4000, required=step.action in NOTE_REQUIRED
    )
    details: dict[str, Any] = {"note": note} if note else {}
    if step.action == CaseAction.ISSUE_NOTICE:
        if step.deadline is None:
            checks.fail(
                "deadline", ErrorCode.REQUIRED, _("Give the deadline to rectify by.")
            )
        elif step.deadline <= today():
            checks.fail(
                "deadline", ErrorCode.INVALID, _("The deadline must be after today.")
            )
        if not step.requirements:
            checks.fail(
                "requirements", ErrorCode.REQUIRED, _("Name at least one requirement.")
            )
        elif (
            case.kind == CaseKind.UNLICENSED
            and Requirement.STOP_TRAINING not in step.requirements
        ):
            checks.fail(
                "requirements",
                ErrorCode.INVALID,
                _("An institution with neither permit nor license must stop training."),
            )
        checks.text("findings", step.findings, max_length=4000, required=True)
    if step.action == CaseAction.RECORD_PENALTY:
        checks.text(
            "decisionNumber", step.decision_number, max_length=64, required=True
        )
        if step.decided_on is None:
            checks.fail(
                "decidedOn", ErrorCode.REQUIRED, _("Give the date of the decision.")
            )
        elif step.decided_on > today():
            checks.fail(
                "decidedOn", ErrorCode.INVALID, _("A decision cannot be in the future.")
            )
        if step.penalty_type is None:
            checks.fail(
                "penaltyType", ErrorCode.REQUIRED, _("Choose the kind of penalty.")
            )
        _amount(checks, step.amount)
    checks.done()
    return details


def _amount(checks: Checks, text: str | None, field: str = "amount") -> Decimal | None:
    if text is None or not str(text).strip():
        return None
    try:
        amount = Decimal(str(text).strip())
    except InvalidOperation:
        amount = Decimal(-1)
    if amount < 0 or amount.as_tuple().exponent < -2 or amount >= Decimal("1e10"):
        checks.fail(
            field,
            ErrorCode.INVALID,
            _("An amount in yuan, 0 or more, with two decimals at most, e.g. 2000.50."),
        )
        return None
    return amount


async def _may_close_out(case: Case) -> None:
    """A case closes out only when nothing about it is left open."""
    problems = []
    current = await RegisterEntry.filter(case_id=case.id).order_by("-id").first()
    if current is not None and current.students_resettled < current.students_affected:
        problems.append(_("Not every student has been resettled."))
    if current is not None and current.fees_refunded < current.fees_owed:
        problems.append(_("Not every fee has been refunded."))
    if not await Evidence.exists(case_id=case.id):
        problems.append(_("Attach evidence of the result before closing out."))
    if (
        await Dispatch.filter(case_id=case.id)
        .exclude(state=DispatchState.REPORTED)
        .exists()
    ):
        problems.append(_("A member unit has not reported back yet."))
    if problems:
        raise Refused(
            [FieldError(None, ErrorCode.INVALID, message) for message in problems]
        )


async def _carry_out(
    actor: Actor, case: Case, step: StepInput, notice_format: str
) -> dict[str, Any]:
    """What the step produces besides the new state; returns what to record of it."""
    if step.action == CaseAction.ISSUE_NOTICE:
        notice = await _issue_notice(actor, case, step, notice_format)
        return {"notice": notice.number, "deadline": step.deadline.isoformat()}
    if step.action == CaseAction.RECORD_PENALTY:
        penalty = await Penalty.create(
            case=case,
            decision_number=step.decision_number.strip(),
            decided_on=step.decided_on,
            penalty_type=step.penalty_type,
            amount=Decimal(str(step.amount).strip()) if step.amount else None,
        )
        return {"penalty": penalty.decision_number, "type": step.penalty_type.value}
    if step.action == CaseAction.ORDER_STOP:
        await _set_institution_status(actor, case, OperatingStatus.SUSPENDED)
    if step.action == CaseAction.BAN:
        await _set_institution_status(actor, case, OperatingStatus.BANNED)
    if step.action == CaseAction.CONFIRM_RECTIFIED:
        await _set_institution_status(actor, case, status_once_rectified(case))
    return {}


def status_once_rectified(case: Case) -> OperatingStatus:
    """Training without a permit ends by stopping; a licensed institution resumes."""
    if case.kind in (CaseKind.UNLICENSED, CaseKind.BUSINESS_LICENSE_ONLY):
        return OperatingStatus.CLOSED
    return OperatingStatus.OPERATING


async def _set_institution_status(
    actor: Actor, case: Case, status: OperatingStatus
) -> None:
    institution = await Institution.get(id=case.institution_id)
    if institution.operating_status == status:
        return
    before = audit.snapshot(institution)
    institution.operating_status = status
    institution.version += 1
    await institution.save()
    await audit.record(
        actor, "institution.status", institution, before, audit.snapshot(institution)
    )


async def _ensure_counter(year: int) -> None:
    """The year's counter row, made outside the step's transaction so that two
    first notices of a year cannot both try to create it inside theirs."""
    with suppress(IntegrityError):  # another writer made it first
        await NoticeCounter.get_or_create(year=year, defaults={"last_sequence": 0})


async def _issue_notice(
    actor: Actor, case: Case, step: StepInput, notice_format: str
) -> Notice:
    """Number and store a notice. The counter's row is locked by the UPDATE until
    the step commits, so numbers neither repeat nor skip, even when the step
    fails after taking one: its rollback returns the number."""
    year = today().year
    await NoticeCounter.filter(year=year).update(last_sequence=F("last_sequence") + 1)
    sequence = (await NoticeCounter.get(year=year)).last_sequence

    corrects = None
    if step.corrects_notice_id is not None:
        corrects = await Notice.get_or_none(id=step.corrects_notice_id, case_id=case.id)
        if corrects is None:
            raise _refuse(
                "correctsNotice", ErrorCode.NOT_FOUND, _("Choose one from the list.")
            )
    return await Notice.create(
        case=case,
        year=year,
        sequence=sequence,
        number=notice_format.format(year=year, number=sequence),
        issued_on=today(),
        deadline=step.deadline,
        requirements=[requirement.value for requirement in step.requirements],
        findings=step.findings.strip(),
        corrects=corrects,
        issued_by=actor.label,
    )


async def _event(
    actor: Actor,
    case: Case,
    action: CaseAction,
    from_state: CaseState | None,
    to_state: CaseState,
    note: str = "",
    details: dict[str, Any] | None = None,
) -> CaseEvent:
    return await CaseEvent.create(
        case=case,
        action=action,
        from_state=from_state,
        to_state=to_state,
        at=datetime.now(OFFICE_TIMEZONE),
        actor=actor.label,
        actor_account_id=actor.account_id,
        note=(note or "").strip(),
        details=details or {},
    )


# --- students and fees ------------------------------------------------


@dataclass(frozen=True)
class RegisterInput:
    students_affected: int
    students_resettled: int
    fees_owed: str
    fees_refunded: str


async def update_register(
    actor: Actor, case_id: int, version: int, data: RegisterInput
) -> Case:
    """Record the students and fees of a case as they stand now."""
    allowed(actor, Permission.MANAGE_CASES)
    checks = Checks()
    for name in ("students_affected", "students_resettled"):
        if getattr(data, name) < 0:
            checks.fail(_camel(name), ErrorCode.INVALID, _("A count of 0 or more."))
    if data.students_resettled > data.students_affected:
        checks.fail(
            "studentsResettled",
            ErrorCode.INVALID,
            _("More students resettled than affected."),
        )
    owed = _amount(checks, data.fees_owed, "feesOwed") or Decimal(0)
    refunded = _amount(checks, data.fees_refunded, "feesRefunded") or Decimal(0)
    if refunded > owed:
        checks.fail("feesRefunded", ErrorCode.INVALID, _("More refunded than owed."))
    checks.done()

    async with in_transaction():
        case = await claim_version(Case, case_id, version)
        if case.state in ENDED:
            raise _refuse(None, ErrorCode.INVALID, _("This case has ended."))
        entry = await RegisterEntry.create(
            case=case,
            at=datetime.now(OFFICE_TIMEZONE),
            students_affected=data.students_affected,
            students_resettled=data.students_resettled,
            fees_owed=owed,
            fees_refunded=refunded,
            recorded_by=actor.label,
        )
        details = {
            "students": [entry.students_resettled, entry.students_affected],
            "fees": [str(entry.fees_refunded), str(entry.fees_owed)],
        }
        await _event(
            actor, case, CaseAction.UPDATE_REGISTER, case.state, case.state, "", details
        )
        await audit.record(
            actor,
            "case.register",
            case,
            {"version": version},
            audit.snapshot(case) | details,
        )
    return case


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


# --- dispatch and report (街道吹哨、部门报到) ---------------------------


async def dispatch_case(
    actor: Actor, case_id: int, unit_ids: list[int], due_at: datetime, request: str
) -> list[Dispatch]:
    """Send a case to member units, each to acknowledge and report back by `due_at`."""
    allowed(actor, Permission.MANAGE_CASES)
    case = await Case.get_or_none(id=case_id)
    checks = Checks()
    if case is None:
        raise _refuse(None, ErrorCode.NOT_FOUND, _("There is no such case."))
    if case.state in ENDED:
        checks.fail(None, ErrorCode.INVALID, _("This case has ended."))
    request = checks.text("request", request, max_length=2000, required=True)
    if not unit_ids:
        checks.fail("units", ErrorCode.REQUIRED, _("Choose at least one member unit."))
    elif await Unit.filter(id__in=unit_ids).count() != len(set(unit_ids)):
        checks.fail("units", ErrorCode.NOT_FOUND, _("Choose one from the list."))
    if due_at <= datetime.now(OFFICE_TIMEZONE):
        checks.fail(
            "dueAt", ErrorCode.INVALID, _("The due time must be in the future.")
        )
    checks.done()

    async with in_transaction():
        sent = datetime.now(OFFICE_TIMEZONE)
        dispatches = [
            await Dispatch.create(
                case=case, unit_id=unit_id, request=request, due_at=due_at, sent_at=sent
            )
            for unit_id in sorted(set(unit_ids))
        ]
        details = {"units": sorted(set(unit_ids)), "due_at": due_at.isoformat()}
        await _event(
            actor, case, CaseAction.DISPATCH, case.state, case.state, request, details
        )
        await audit.record(actor, "case.dispatch", case, None, details)
    return dispatches


async def acknowledge_dispatch(actor: Actor, dispatch_id: int) -> Dispatch:
    """The unit has seen the dispatch and is on it."""
    dispatch = await _answerable(actor, dispatch_id)
    if dispatch.state != DispatchState.SENT:
        raise _refuse(
            None, ErrorCode.INVALID, _("This dispatch was acknowledged already.")
        )
    return await _answer(
        actor, dispatch, DispatchState.ACKNOWLEDGED, CaseAction.ACKNOWLEDGE
    )


async def report_dispatch(actor: Actor, dispatch_id: int, report: str) -> Dispatch:
    """The unit reports what it did (部门报到)."""
    dispatch = await _answerable(actor, dispatch_id)
    checks = Checks()
    report = checks.text("report", report, max_length=4000, required=True)
    if dispatch.state == DispatchState.REPORTED:
        checks.fail(
            None, ErrorCode.INVALID, _("This dispatch was reported on already.")
        )
    checks.done()
    return await _answer(
        actor, dispatch, DispatchState.REPORTED, CaseAction.REPORT_BACK, report
    )


async def _answerable(actor: Actor, dispatch_id: int) -> Dispatch:
    dispatch = await Dispatch.get_or_none(id=dispatch_id)
    if dispatch is None:
        raise _refuse(None, ErrorCode.NOT_FOUND, _("There is no such dispatch."))
    if actor.can(Permission.MANAGE_CASES):
        return dispatch
    allowed(actor, Permission.ANSWER_DISPATCHES)
    if Role.UNIT not in actor.roles or actor.unit_id != dispatch.unit_id:
        raise _refuse(
            None,
            ErrorCode.FORBIDDEN,
            _("Only the unit it was sent to can answer a dispatch."),
        )
    return dispatch


async def _answer(
    actor: Actor,
    dispatch: Dispatch,
    state: DispatchState,
    action: CaseAction,
    report: str = "",
) -> Dispatch:
    async with in_transaction():
        # Only the first of two simultaneous answers moves the dispatch on.
        moment = datetime.now(OFFICE_TIMEZONE)
        changes: dict[str, Any] = {"state": state}
        if state == DispatchState.ACKNOWLEDGED:
            changes["acknowledged_at"] = moment
        else:
            changes |= {"reported_at": moment, "report": report}
            if dispatch.acknowledged_at is None:
                changes["acknowledged_at"] = moment
        moved = await Dispatch.filter(id=dispatch.id, state=dispatch.state).update(
            **changes
        )
        if not moved:
            raise _refuse(
                None, ErrorCode.CONFLICT, _("Someone answered this dispatch already.")
            )
        case = await Case.get(id=dispatch.case_id)
        details = {"unit": dispatch.unit_id, "dispatch": dispatch.id}
        await _event(actor, case, action, case.state, case.state, report, details)
        await audit.record(actor, f"dispatch.{state.lower()}", dispatch, None, details)
    return await Dispatch.get(id=dispatch.id)


# --- publishing a penalty ------------------------------------------------


async def publish_penalty(
    actor: Actor, penalty_id: int, version: int, summary: str | None, publish: bool
) -> Penalty:
    """Make a penalty public (曝光、通报) with a summary written for the
    public, or withdraw it from the public pages."""
    allowed(actor, Permission.MANAGE_CASES)
    checks = Checks()
    summary = checks.text("summary", summary, max_length=2000, required=publish)
    checks.done()

    async with in_transaction():
        penalty = await claim_version(Penalty, penalty_id, version)
        before = audit.snapshot(penalty, version=version)
        if publish and not penalty.published:
            penalty.published_at = datetime.now(OFFICE_TIMEZONE)
        if not publish:
            penalty.published_at = None
        penalty.published = publish
        penalty.public_summary = summary or penalty.public_summary
        await penalty.save()
        action = "penalty.publish" if publish else "penalty.withdraw"
        await audit.record(actor, action, penalty, before, audit.snapshot(penalty))
    return penalty
