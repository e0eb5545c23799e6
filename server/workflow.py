"""The case workflow: which step may follow which, for each kind of case.

The plan sets the path. An institution with a business license but no
school permit (有照无证) gets a rectification notice and is ordered to stop
training; one with neither (无证无照) is ordered to stop at once and banned
(a notice it gets must order the stop); one training before its licensing is
done (证照办理中提前营业) is told to stop until it is licensed. Whoever
refuses to rectify is escalated to the district's joint enforcement, which
decides an administrative penalty.
Every case ends with a close-out (销号) after the result is verified, or
with a dismissal when the report proves unfounded.
"""

from collections.abc import Iterable
from dataclasses import dataclass

from server.i18n import N_, _, gettext
from server.models import CaseAction, CaseKind, CaseState

ALL_KINDS = frozenset(CaseKind)
BANNED_AT_ONCE = frozenset({CaseKind.UNLICENSED})


@dataclass(frozen=True)
class Step:
    action: CaseAction
    to: CaseState
    kinds: frozenset[CaseKind] = ALL_KINDS


A = CaseAction
S = CaseState

STEPS: dict[CaseState, tuple[Step, ...]] = {
    S.REPORTED: (Step(A.VERIFY, S.VERIFIED), Step(A.DISMISS, S.DISMISSED)),
    S.VERIFIED: (
        Step(A.ISSUE_NOTICE, S.NOTICE_ISSUED),
        Step(A.ORDER_STOP, S.STOP_ORDERED),
        Step(A.BAN, S.BANNED, BANNED_AT_ONCE),
    ),
    S.NOTICE_ISSUED: (
        # A second notice corrects the first; the case stays where it is.
        Step(A.ISSUE_NOTICE, S.NOTICE_ISSUED),
        Step(A.ORDER_STOP, S.STOP_ORDERED),
        Step(A.ESCALATE, S.ESCALATED),
        Step(A.CONFIRM_RECTIFIED, S.RECTIFIED),
    ),
    S.STOP_ORDERED: (
        Step(A.ISSUE_NOTICE, S.NOTICE_ISSUED),
        Step(A.ESCALATE, S.ESCALATED),
        Step(A.BAN, S.BANNED, BANNED_AT_ONCE),
        Step(A.CONFIRM_RECTIFIED, S.RECTIFIED),
    ),
    S.ESCALATED: (
        Step(A.RECORD_PENALTY, S.PENALISED),
        Step(A.BAN, S.BANNED, BANNED_AT_ONCE),
    ),
    S.PENALISED: (
        Step(A.RECORD_PENALTY, S.PENALISED),
        Step(A.BAN, S.BANNED),
        Step(A.CONFIRM_RECTIFIED, S.RECTIFIED),
    ),
    S.BANNED: (Step(A.CLOSE_OUT, S.CLOSED),),
    S.RECTIFIED: (Step(A.CLOSE_OUT, S.CLOSED),),
    S.DISMISSED: (),
    S.CLOSED: (),
}

ENDED = frozenset({S.CLOSED, S.DISMISSED})

# Why a kind of case may not take a step the state would allow.
KIND_REASONS = {
    (A.BAN, CaseKind.BUSINESS_LICENSE_ONLY): N_(
        "An institution with a business license is banned only after joint "
        "enforcement has decided a penalty."
    ),
    (A.BAN, CaseKind.OPERATING_BEFORE_APPROVAL): N_(
        "An institution waiting for its licenses is banned only after joint "
        "enforcement has decided a penalty."
    ),
    (A.BAN, CaseKind.VIOLATION): N_(
        "A licensed institution is banned only after joint enforcement has decided "
        "a penalty."
    ),
}


class StepRefused(Exception):
    def __init__(self, message: str, open_actions: list[CaseAction]) -> None:
        super().__init__(message)
        self.message = message
        self.open_actions = open_actions


def open_actions(state: CaseState, kind: CaseKind) -> list[CaseAction]:
    """The steps a case of `kind` in `state` may take next, in the usual order."""
    return [step.action for step in STEPS[state] if kind in step.kinds]


def next_state(state: CaseState, kind: CaseKind, action: CaseAction) -> CaseState:
    """The state `action` leads to, or `StepRefused` saying why not and what is open."""
    for step in STEPS[state]:
        if step.action == action and kind in step.kinds:
            return step.to

    allowed = open_actions(state, kind)
    if state in ENDED:
        message = _("This case has ended ({state}); nothing more can be done to it.")
    elif (action, kind) in KIND_REASONS and any(
        s.action == action for s in STEPS[state]
    ):
        message = gettext(KIND_REASONS[(action, kind)])
    else:
        message = _(
            "A case that is {state} cannot take this step. Open steps: {steps}."
        )
    return_steps = "、".join(action_label(a) for a in allowed) or _("none")
    raise StepRefused(
        message.format(state=state_label(state), steps=return_steps), allowed
    )


STATE_LABELS = {
    S.REPORTED: N_("reported"),
    S.VERIFIED: N_("verified"),
    S.NOTICE_ISSUED: N_("served a notice"),
    S.STOP_ORDERED: N_("ordered to stop"),
    S.ESCALATED: N_("escalated to joint enforcement"),
    S.PENALISED: N_("penalised"),
    S.BANNED: N_("banned"),
    S.RECTIFIED: N_("rectified"),
    S.DISMISSED: N_("dismissed"),
    S.CLOSED: N_("closed out"),
}

ACTION_LABELS = {
    A.REPORT: N_("Report"),
    A.VERIFY: N_("Verify"),
    A.DISMISS: N_("Dismiss"),
    A.ISSUE_NOTICE: N_("Issue a rectification notice"),
    A.ORDER_STOP: N_("Order training stopped"),
    A.ESCALATE: N_("Escalate to joint enforcement"),
    A.RECORD_PENALTY: N_("Record an administrative penalty"),
    A.BAN: N_("Ban"),
    A.CONFIRM_RECTIFIED: N_("Confirm rectified"),
    A.CLOSE_OUT: N_("Close out"),
    A.UPDATE_REGISTER: N_("Update students and fees"),
    A.DISPATCH: N_("Dispatch to a member unit"),
    A.ACKNOWLEDGE: N_("Acknowledge"),
    A.REPORT_BACK: N_("Report back"),
}


def state_label(state: CaseState) -> str:
    return gettext(STATE_LABELS[state])


def action_label(action: CaseAction) -> str:
    return gettext(ACTION_LABELS[action])


def labels(actions: Iterable[CaseAction]) -> list[str]:
    return [action_label(action) for action in actions]
