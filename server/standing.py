"""An institution's standing: its card (亮牌) and the list it is on (三类名单).

Both follow from the records by rules, so that anyone allowed to see a card
or a list entry can see exactly why it is what it is. `judge_card` and
`judge_list` are the rules, pure functions of an institution's facts; every
verdict names the rule that fired and what it looked at.

`refresh` applies them to institutions after anything they depend on
changes, inside that change's transaction. A card changes at once. A list
moves at once too, except onto or off the blacklist: such a move waits for
an administrator to confirm it. The office may also put an institution on a
list by decision, with a reason; the decision stands until the rules' own
verdict next changes. Every change is a record (`CardChange`, `ListChange`),
so an institution's history can be replayed.
"""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from tortoise.expressions import Subquery
from tortoise.transactions import in_transaction

from server import audit
from server.clock import OFFICE_TIMEZONE
from server.errors import ErrorCode, FieldError, Refused
from server.i18n import N_, _, gettext
from server.licensing import derive_license_status
from server.models import (
    Card,
    CardChange,
    Case,
    CaseState,
    Complaint,
    Document,
    DocumentKind,
    Finding,
    Inspection,
    Institution,
    LicenseStatus,
    ListChange,
    ListChangeState,
    ListName,
    ListSource,
    Notice,
    OperatingStatus,
)
from server.pagination import Ordering, Page, PageRequest, SortKey, paginate
from server.permissions import Actor, Permission, institution_scope, require
from server.queries import group_by
from server.settings import Settings
from server.validation import Checks, allowed
from server.workflow import ENDED

# Who the audit trail names for what the rules change by themselves.
RULES = Actor(label="rules", roles=frozenset())
# How long a substantiated report from the public keeps its institution
# under key supervision: two terms of a school year.
COMPLAINT_WINDOW = timedelta(days=180)

# --- the rules -------------------------------------------------------------


@dataclass(frozen=True)
class Thresholds:
    """Where the cards begin: green from `green_from` with nothing open, red
    under `red_below`; yellow between."""

    green_from: Decimal = Decimal(90)
    red_below: Decimal = Decimal(75)

    @classmethod
    def of(cls, settings: Settings) -> "Thresholds":
        return cls(settings.card_green_from, settings.card_red_below)


@dataclass(frozen=True)
class LatestInspection:
    id: int
    score: Decimal
    vetoed: bool


@dataclass(frozen=True)
class Facts:
    """What the rules look at, for one institution on one day."""

    on: date
    license_status: LicenseStatus
    operating_status: OperatingStatus
    latest: LatestInspection | None = None
    recent_cards: tuple[
        Card, ...
    ] = ()  # what the latest inspections earned, newest first
    finding_deadlines: tuple[date, ...] = ()  # of the open findings
    card: Card | None = None  # the card as it stands
    permit_revoked: bool = False
    verified_cases: int = 0  # cases the office verified and has not ended
    failed_rectifications: int = 0  # past a notice's deadline, or escalated
    substantiated_complaints: int = 0

    @property
    def overdue_findings(self) -> int:
        return sum(deadline < self.on for deadline in self.finding_deadlines)


@dataclass(frozen=True)
class Verdict:
    """What a rule decided, and what it looked at."""

    value: Any  # a Card or a ListName; None for "no card yet" or "on no list"
    rule: str
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def key(self) -> str:
        return f"{self.value or ''}:{self.rule}"


def judge_card(facts: Facts, thresholds: Thresholds) -> Verdict:
    latest = facts.latest
    if latest is None:
        return Verdict(None, "AWAITING_ASSESSMENT")

    seen = {"inspection": latest.id, "score": str(latest.score)}
    if latest.vetoed:
        return Verdict(Card.RED, "VETO_BREACHED", seen)
    if facts.overdue_findings:
        return Verdict(Card.RED, "FINDING_OVERDUE", seen | _findings(facts))
    if latest.score < thresholds.red_below:
        return Verdict(
            Card.RED, "SCORE_BELOW_RED", seen | {"red_below": str(thresholds.red_below)}
        )
    if latest.score >= thresholds.green_from and not facts.finding_deadlines:
        return Verdict(
            Card.GREEN, "SCORE_GREEN", seen | {"green_from": str(thresholds.green_from)}
        )
    if latest.score >= thresholds.green_from:
        return Verdict(Card.YELLOW, "FINDINGS_OPEN", seen | _findings(facts))
    return Verdict(
        Card.YELLOW,
        "SCORE_YELLOW",
        seen
        | {
            "red_below": str(thresholds.red_below),
            "green_from": str(thresholds.green_from),
        },
    )


def _findings(facts: Facts) -> dict[str, Any]:
    return {
        "open_findings": len(facts.finding_deadlines),
        "overdue_findings": facts.overdue_findings,
    }


def judge_list(facts: Facts) -> Verdict:
    """The blacklist's rules first, then key supervision's, then the white list's."""
    if facts.operating_status == OperatingStatus.BANNED:
        return Verdict(ListName.BLACK, "BANNED")
    if facts.permit_revoked:
        return Verdict(ListName.BLACK, "PERMIT_REVOKED")
    if (
        facts.license_status == LicenseStatus.UNLICENSED
        and facts.operating_status == OperatingStatus.OPERATING
        and facts.verified_cases
    ):
        return Verdict(ListName.BLACK, "UNLICENSED_OPERATING")
    if facts.failed_rectifications:
        return Verdict(
            ListName.BLACK,
            "RECTIFICATION_FAILED",
            {"cases": facts.failed_rectifications},
        )

    if facts.card == Card.RED:
        return Verdict(ListName.KEY, "RED_CARD")
    if facts.recent_cards[:2] == (Card.YELLOW, Card.YELLOW):
        return Verdict(ListName.KEY, "YELLOW_TWICE")
    if facts.verified_cases:
        return Verdict(ListName.KEY, "RECTIFYING", {"cases": facts.verified_cases})
    if facts.substantiated_complaints:
        return Verdict(ListName.KEY, "COMPLAINT_SUBSTANTIATED")

    if (
        facts.license_status == LicenseStatus.LICENSED
        and facts.card in (Card.GREEN, Card.YELLOW)
        and not facts.finding_deadlines
    ):
        return Verdict(ListName.WHITE, "IN_GOOD_STANDING")
    return Verdict(None, "NO_RULE_APPLIES")


# Why, in words, for each rule; the details fill the blanks.
RULE_REASONS = {
    "AWAITING_ASSESSMENT": N_("Not inspected yet: awaiting assessment."),
    "VETO_BREACHED": N_("A veto item was breached at the latest inspection."),
    "FINDING_OVERDUE": N_("A finding is past its deadline and still open."),
    "SCORE_BELOW_RED": N_("The latest inspection scored {score}, under {red_below}."),
    "SCORE_GREEN": N_(
        "The latest inspection scored {score}, at least {green_from}, "
        "and nothing is open."
    ),
    "FINDINGS_OPEN": N_(
        "The latest inspection scored {score}, but {open_findings} findings are open."
    ),
    "SCORE_YELLOW": N_(
        "The latest inspection scored {score}: at least {red_below}, "
        "under {green_from}."
    ),
    "BANNED": N_("The institution is banned."),
    "PERMIT_REVOKED": N_("Its school permit was revoked."),
    "UNLICENSED_OPERATING": N_(
        "It trains with neither license nor permit, and a verified case stands."
    ),
    "RECTIFICATION_FAILED": N_(
        "It failed to rectify: a notice's deadline passed, or the case went to "
        "joint enforcement."
    ),
    "RED_CARD": N_("It holds a red card."),
    "YELLOW_TWICE": N_("Its last two inspections both earned a yellow card."),
    "RECTIFYING": N_("A case against it is under way."),
    "COMPLAINT_SUBSTANTIATED": N_("A complaint against it was substantiated."),
    "IN_GOOD_STANDING": N_(
        "Fully licensed, with a green or yellow card, and nothing open."
    ),
    "NO_RULE_APPLIES": N_("No list's rule applies."),
}


def explain(rule: str | None, details: dict[str, Any] | None = None) -> str:
    """A rule's verdict in the reader's language."""
    if rule is None or rule not in RULE_REASONS:
        return ""
    return gettext(RULE_REASONS[rule]).format_map(_Blanks(details or {}))


class _Blanks(dict):
    def __missing__(self, key: str) -> str:
        return "?"


def reason_for(change: CardChange | ListChange) -> str:
    """Why a change was made: the rule's reason, or the office's own words."""
    if isinstance(change, ListChange) and change.source == ListSource.OFFICE:
        return change.reason
    return explain(change.rule, change.details)


@dataclass(frozen=True)
class Standing:
    """An institution's card and list, why, and how they came to be."""

    card_changes: list[CardChange]  # newest first
    list_changes: list[ListChange]  # newest first

    @property
    def card_change(self) -> CardChange | None:
        """The change that gave the card it holds."""
        return self.card_changes[0] if self.card_changes else None

    @property
    def list_change(self) -> ListChange | None:
        """The change that put it on the list it is on."""
        return next(
            (c for c in self.list_changes if c.state == ListChangeState.APPLIED), None
        )

    @property
    def pending(self) -> ListChange | None:
        return next(
            (c for c in self.list_changes if c.state == ListChangeState.PENDING), None
        )


async def standing_of(institution_id: int) -> Standing:
    """The histories of an institution the caller has already been allowed to see."""
    return Standing(
        card_changes=await CardChange.filter(institution_id=institution_id).order_by(
            "-at", "-id"
        ),
        list_changes=await ListChange.filter(institution_id=institution_id).order_by(
            "-at", "-id"
        ),
    )


OLDEST_FIRST = Ordering((SortKey("id", kind=int),))


async def pending_moves(actor: Actor, request: PageRequest) -> Page[ListChange]:
    """Moves onto or off the blacklist waiting for confirmation, oldest first,
    of the institutions the actor sees."""
    require(actor, Permission.READ_INSTITUTIONS)
    moves = ListChange.filter(state=ListChangeState.PENDING)
    scope = institution_scope(actor)
    if scope is not None:
        visible = Institution.filter(scope).values("id")
        moves = moves.filter(institution_id__in=Subquery(visible))
    return await paginate(moves, OLDEST_FIRST, request)


# --- gathering the facts -----------------------------------------------------


async def gather_facts(institutions: list[Institution], on: date) -> dict[int, Facts]:
    """The facts of these institutions, in a fixed number of statements."""
    ids = [institution.id for institution in institutions]
    latest, recent_cards = await _inspections(ids)
    deadlines = defaultdict(list)
    for finding in await Finding.filter(institution_id__in=ids, resolved_on=None):
        deadlines[finding.institution_id].append(finding.deadline)
    revoked = set(
        await Document.filter(
            institution_id__in=ids,
            kind=DocumentKind.SCHOOL_PERMIT,
            revoked_on__lte=on,
        ).values_list("institution_id", flat=True)
    )
    verified, failed = await _cases(ids, on)
    substantiated = await _substantiated_complaints(ids, on)

    return {
        institution.id: Facts(
            on=on,
            license_status=institution.license_status,
            operating_status=institution.operating_status,
            latest=latest.get(institution.id),
            recent_cards=tuple(recent_cards.get(institution.id, ())),
            finding_deadlines=tuple(sorted(deadlines[institution.id])),
            card=institution.card,
            permit_revoked=institution.id in revoked,
            verified_cases=verified[institution.id],
            failed_rectifications=failed[institution.id],
            substantiated_complaints=substantiated[institution.id],
        )
        for institution in institutions
    }


async def _substantiated_complaints(ids: list[int], on: date) -> dict[int, int]:
    """Per institution: reports from the public substantiated within the window."""
    counts: dict[int, int] = defaultdict(int)
    recent = Complaint.filter(
        institution_id__in=ids,
        substantiated_on__gt=on - COMPLAINT_WINDOW,
        substantiated_on__lte=on,
    ).values_list("institution_id", flat=True)
    for institution_id in await recent:
        counts[institution_id] += 1
    return counts


async def _inspections(
    ids: list[int],
) -> tuple[dict[int, LatestInspection], dict[int, list[Card]]]:
    latest: dict[int, LatestInspection] = {}
    recent: dict[int, list[Card]] = defaultdict(list)
    rows = (
        Inspection.filter(institution_id__in=ids)
        .order_by("-inspected_on", "-id")
        .values("id", "institution_id", "score", "vetoed", "card")
    )
    for row in await rows:
        institution_id = row["institution_id"]
        if institution_id not in latest:
            latest[institution_id] = LatestInspection(
                row["id"], Decimal(row["score"]), row["vetoed"]
            )
        if len(recent[institution_id]) < 2:
            recent[institution_id].append(Card(row["card"]))
    return latest, recent


async def _cases(ids: list[int], on: date) -> tuple[dict[int, int], dict[int, int]]:
    """Per institution: cases verified and not ended, and those failing to rectify."""
    open_cases = await (
        Case.filter(institution_id__in=ids)
        .exclude(state__in=[*ENDED, CaseState.REPORTED])
        .values("id", "institution_id", "state")
    )
    waiting = [c["id"] for c in open_cases if c["state"] == CaseState.NOTICE_ISSUED]
    latest_deadline: dict[int, date] = {}
    notices = Notice.filter(case_id__in=waiting).order_by("deadline")
    for notice in await notices.values("case_id", "deadline"):
        latest_deadline[notice["case_id"]] = notice["deadline"]

    verified: dict[int, int] = defaultdict(int)
    failed: dict[int, int] = defaultdict(int)
    for case in open_cases:
        verified[case["institution_id"]] += 1
        refused = case["state"] in (CaseState.ESCALATED, CaseState.PENALISED)
        deadline = latest_deadline.get(case["id"])
        if refused or (deadline is not None and deadline < on):
            failed[case["institution_id"]] += 1
    return verified, failed


# --- applying the verdicts ---------------------------------------------------


async def refresh(
    ids: Iterable[int],
    thresholds: Thresholds | None = None,
    *,
    by: str = "rules",
    at: datetime | None = None,
) -> None:
    """Bring these institutions' cards (when `thresholds` are given) and lists
    up to date with the rules. Call it inside the transaction of the write
    that changed their facts.

    The rules judge as of `at`, now unless given: replaying records written
    in order, one day at a time, gives the history the rules would have
    made on those days."""
    moment = at or datetime.now(OFFICE_TIMEZONE)
    # Locked, so two refreshes of one institution (a write and the sweep) take
    # turns rather than both record the same change.
    institutions = await Institution.filter(id__in=list(set(ids))).select_for_update()
    await _rederive_licenses(institutions, moment.date())
    facts = await gather_facts(institutions, moment.date())
    for institution in institutions:
        fact = facts[institution.id]
        if thresholds is not None:
            card = await _apply_card(institution, fact, thresholds, moment)
            fact = replace(fact, card=card)
        await _apply_list_verdict(institution, judge_list(fact), moment, by)


async def sweep(thresholds: Thresholds, batch: int = 100) -> int:
    """Bring every institution up to date; returns how many were judged.

    Writes refresh what they touch, but time passes without any write: a
    finding's or a notice's deadline goes by, and the card or list it
    decides must follow. Each batch is its own transaction, so a long sweep
    never holds many institutions locked.
    """
    judged = 0
    after = 0
    while True:
        ids = (
            await Institution.filter(id__gt=after)
            .order_by("id")
            .limit(batch)
            .values_list("id", flat=True)
        )
        if not ids:
            return judged
        async with in_transaction():
            await refresh(ids, thresholds)
        judged += len(ids)
        after = ids[-1]


async def _rederive_licenses(institutions: list[Institution], on: date) -> None:
    """A permit expires, or is revoked, on a date that no write marks: the
    license status is derived again from the documents as they stand today."""
    documents = await Document.filter(
        institution_id__in=[institution.id for institution in institutions]
    )
    held = group_by(documents, "institution_id")
    for institution in institutions:
        status = derive_license_status(held.get(institution.id, []), on)
        if status == institution.license_status:
            continue
        before = audit.snapshot(institution)
        institution.license_status = status
        await Institution.filter(id=institution.id).update(license_status=status)
        await audit.record(
            RULES,
            "institution.license",
            institution,
            before,
            audit.snapshot(institution),
        )


async def _apply_card(
    institution: Institution, facts: Facts, thresholds: Thresholds, moment: datetime
) -> Card | None:
    verdict = judge_card(facts, thresholds)
    if (verdict.value, verdict.rule) == (institution.card, institution.card_rule):
        return verdict.value
    if institution.card_rule is None and verdict.rule == "AWAITING_ASSESSMENT":
        return None  # never assessed, and nothing to say yet

    await CardChange.create(
        institution_id=institution.id,
        card=verdict.value,
        previous=institution.card,
        rule=verdict.rule,
        details=verdict.details,
        inspection_id=facts.latest.id if facts.latest else None,
        at=moment,
    )
    await Institution.filter(id=institution.id).update(
        card=verdict.value, card_rule=verdict.rule
    )
    return verdict.value


async def _apply_list_verdict(
    institution: Institution, verdict: Verdict, moment: datetime, by: str
) -> None:
    """Record a new verdict of the rules; move the institution if it says so."""
    if institution.list_verdict == verdict.key:
        return  # the rules say what they said: any decision since still stands
    await Institution.filter(id=institution.id).update(list_verdict=verdict.key)
    await _propose(
        institution,
        verdict.value,
        source=ListSource.RULE,
        rule=verdict.rule,
        reason="",
        details=verdict.details,
        proposer=by,
        account_id=None,
        moment=moment,
    )


async def _propose(
    institution: Institution,
    to: ListName | None,
    *,
    source: ListSource,
    rule: str | None,
    reason: str,
    details: dict[str, Any],
    proposer: str,
    account_id: int | None,
    moment: datetime,
) -> ListChange | None:
    """Move, or ask to move, an institution to `to`; None if it is there already."""
    pending = await ListChange.filter(
        institution_id=institution.id, state=ListChangeState.PENDING
    ).first()
    if pending is not None:
        if pending.list_name == to and source == ListSource.RULE:
            return None  # already asked
        pending.state = ListChangeState.SUPERSEDED
        await pending.save()
    if institution.list_name == to:
        return None

    waits = ListName.BLACK in (institution.list_name, to)
    change = await ListChange.create(
        institution_id=institution.id,
        list_name=to,
        previous=institution.list_name,
        source=source,
        rule=rule,
        reason=reason,
        details=details,
        state=ListChangeState.PENDING if waits else ListChangeState.APPLIED,
        proposed_by=proposer,
        proposed_by_account_id=account_id,
        at=moment,
    )
    if not waits:
        await Institution.filter(id=institution.id).update(list_name=to)
    return change


# --- the office's decisions ----------------------------------------------------


async def latest_list_change_id(institution_id: int) -> int | None:
    """The newest list change of an institution: what a decision is based on."""
    return (
        await ListChange.filter(institution_id=institution_id)
        .order_by("-id")
        .first()
        .values_list("id", flat=True)
    )


async def set_list_membership(
    actor: Actor,
    institution_id: int,
    to: ListName | None,
    reason: str,
    *,
    seen_change_id: int | None,
) -> ListChange | None:
    """The office puts an institution on a list, or takes it off all of them.

    `seen_change_id` is the newest list change the decider saw (None: none),
    so that a decision taken on a stale page is refused, not applied over a
    move the decider never saw. Returns the change, PENDING when it involves
    the blacklist; None when the institution is on that list already.
    """
    allowed(actor, Permission.DECIDE_LISTS)
    checks = Checks()
    reason = checks.text("reason", reason, max_length=2000, required=True) or ""
    checks.done()

    async with in_transaction():
        institution = await Institution.select_for_update().get_or_none(
            id=institution_id
        )
        if institution is None:
            raise _refused(ErrorCode.NOT_FOUND, _("There is no such institution."))
        if await latest_list_change_id(institution.id) != seen_change_id:
            raise _refused(
                ErrorCode.CONFLICT,
                _("Its list changed meanwhile; look at the change before deciding."),
            )
        change = await _propose(
            institution,
            to,
            source=ListSource.OFFICE,
            rule=None,
            reason=reason,
            details={},
            proposer=actor.label,
            account_id=actor.account_id,
            moment=datetime.now(OFFICE_TIMEZONE),
        )
        if change is not None:
            await audit.record(
                actor, "list.propose", change, None, audit.snapshot(change)
            )
    return change


async def decide(
    actor: Actor, change_id: int, *, confirm: bool, note: str
) -> ListChange:
    """An administrator confirms or rejects a pending move onto or off the blacklist.

    Nobody confirms their own decision: a second administrator must.
    """
    allowed(actor, Permission.DECIDE_LISTS)
    checks = Checks()
    note = checks.text("note", note, max_length=2000, required=not confirm) or ""
    checks.done()
    if actor.account_id is None:
        raise _refused(
            ErrorCode.FORBIDDEN, _("Only an administrator's account may confirm.")
        )

    async with in_transaction():
        change = await ListChange.select_for_update().get_or_none(id=change_id)
        if change is None or change.state != ListChangeState.PENDING:
            raise _refused(
                ErrorCode.CONFLICT,
                _("This move is no longer waiting for a decision."),
            )
        if change.proposed_by_account_id == actor.account_id:
            raise _refused(
                ErrorCode.FORBIDDEN,
                _("Another administrator must confirm what you proposed."),
            )
        before = audit.snapshot(change)
        change.state = ListChangeState.APPLIED if confirm else ListChangeState.REJECTED
        change.decided_by = actor.label
        change.decided_at = datetime.now(OFFICE_TIMEZONE)
        change.decision_note = note
        await change.save()
        if confirm:
            await Institution.filter(id=change.institution_id).update(
                list_name=change.list_name
            )
        await audit.record(
            actor,
            "list.confirm" if confirm else "list.reject",
            change,
            before,
            audit.snapshot(change),
        )
    return change


def _refused(code: ErrorCode, message: str) -> Refused:
    return Refused([FieldError(None, code, message)])
