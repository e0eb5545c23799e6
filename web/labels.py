"""What each value of the domain's enumerations is called on the pages.

The terms are those of the office's own documents (证照齐全, 有照无证 …);
the strings here are the English source, translated by the catalog.
"""

from enum import StrEnum

from server import workflow
from server.complaints import Decision, Progress
from server.directory import Verdict
from server.i18n import N_, gettext
from server.models import (
    Card,
    CaseAction,
    CaseKind,
    CaseState,
    Category,
    ComplaintState,
    Concern,
    DifferenceCategory,
    DifferenceState,
    DispatchState,
    DocumentKind,
    DocumentStatus,
    ItemKind,
    LeadershipRole,
    LicenseStatus,
    ListChangeState,
    ListName,
    ListSource,
    OfficeRole,
    OperatingStatus,
    PenaltyType,
    Requirement,
)

LABELS: dict[type[StrEnum], dict[StrEnum, str]] = {
    Card: {
        Card.GREEN: N_("Green card"),
        Card.YELLOW: N_("Yellow card"),
        Card.RED: N_("Red card"),
    },
    ListName: {
        ListName.WHITE: N_("White list"),
        ListName.KEY: N_("Key supervision list"),
        ListName.BLACK: N_("Blacklist"),
    },
    ItemKind: {
        ItemKind.STANDARD: N_("Deduction item"),
        ItemKind.BONUS: N_("Bonus item"),
        ItemKind.VETO: N_("Veto item"),
    },
    ListSource: {
        ListSource.RULE: N_("By rule"),
        ListSource.OFFICE: N_("Office decision"),
    },
    ListChangeState: {
        ListChangeState.APPLIED: N_("In force"),
        ListChangeState.PENDING: N_("Awaiting confirmation"),
        ListChangeState.REJECTED: N_("Rejected"),
        ListChangeState.SUPERSEDED: N_("Superseded"),
    },
    Category: {
        Category.ACADEMIC: N_("Academic"),
        Category.ARTS: N_("Arts"),
        Category.SCIENCE_TECH: N_("Science and technology"),
        Category.SPORTS: N_("Sports"),
        Category.OTHER: N_("Other"),
    },
    LicenseStatus: {
        LicenseStatus.LICENSED: N_("Fully licensed"),
        LicenseStatus.BUSINESS_LICENSE_ONLY: N_("Business license, no permit"),
        LicenseStatus.UNLICENSED: N_("Neither permit nor license"),
        LicenseStatus.APPLYING: N_("Licensing in progress"),
    },
    OperatingStatus: {
        OperatingStatus.OPERATING: N_("Operating"),
        OperatingStatus.SUSPENDED: N_("Suspended"),
        OperatingStatus.CLOSED: N_("Closed"),
        OperatingStatus.BANNED: N_("Banned"),
    },
    DocumentKind: {
        DocumentKind.SCHOOL_PERMIT: N_("School permit"),
        DocumentKind.BUSINESS_LICENSE: N_("Business license"),
        DocumentKind.NON_ENTERPRISE_REGISTRATION: N_(
            "Private non-enterprise registration"
        ),
    },
    DocumentStatus: {
        DocumentStatus.HELD: N_("Held"),
        DocumentStatus.APPLIED: N_("Applied for"),
    },
    LeadershipRole: {
        LeadershipRole.LEADER: N_("Leader"),
        LeadershipRole.DEPUTY_LEADER: N_("Deputy leader"),
        LeadershipRole.MEMBER: N_("Member"),
    },
    OfficeRole: {
        OfficeRole.DIRECTOR: N_("Office director"),
        OfficeRole.DEPUTY_DIRECTOR: N_("Office deputy director"),
    },
    CaseKind: {
        CaseKind.BUSINESS_LICENSE_ONLY: N_("Business license, no permit"),
        CaseKind.UNLICENSED: N_("Neither permit nor license"),
        CaseKind.OPERATING_BEFORE_APPROVAL: N_("Operating before approval"),
        CaseKind.VIOLATION: N_("Violation"),
    },
    CaseState: workflow.STATE_LABELS,
    CaseAction: workflow.ACTION_LABELS,
    Requirement: {
        Requirement.STOP_TRAINING: N_("Stop training at once"),
        Requirement.STAY_WITHIN_SCOPE: N_("Keep to the registered business scope"),
        Requirement.RESETTLE_STUDENTS: N_("Resettle the students properly"),
        Requirement.REFUND_FEES: N_("Refund the fees"),
    },
    PenaltyType: {
        PenaltyType.WARNING: N_("Warning"),
        PenaltyType.FINE: N_("Fine"),
        PenaltyType.CONFISCATION: N_("Confiscation of illegal gains"),
        PenaltyType.SUSPENSION: N_("Suspension"),
        PenaltyType.REVOCATION: N_("Revocation of licenses"),
        PenaltyType.OTHER: N_("Other"),
    },
    DispatchState: {
        DispatchState.SENT: N_("Sent"),
        DispatchState.ACKNOWLEDGED: N_("Acknowledged"),
        DispatchState.REPORTED: N_("Reported back"),
    },
    Concern: {
        Concern.UNLICENSED: N_("Training without a license"),
        Concern.ACADEMIC_TUTORING: N_("Subject tutoring for school pupils"),
        Concern.FEES: N_("Fees, prepayment or refunds"),
        Concern.SAFETY: N_("Safety of the premises"),
        Concern.ADVERTISING: N_("False or forbidden advertising"),
        Concern.OTHER: N_("Something else"),
    },
    ComplaintState: {
        ComplaintState.RECEIVED: N_("Waiting for triage"),
        ComplaintState.CASE_OPENED: N_("New case opened"),
        ComplaintState.CASE_LINKED: N_("Added to a case"),
        ComplaintState.DISMISSED: N_("Dismissed"),
    },
    Decision: {
        Decision.OPEN_CASE: N_("Open a new case"),
        Decision.LINK_CASE: N_("Add to an open case"),
        Decision.DISMISS: N_("Dismiss with a reason"),
    },
    Progress: {
        Progress.WAITING: N_("Received; the office will look at it soon"),
        Progress.CHECKING: N_("The office is checking on site"),
        Progress.NOT_SUBSTANTIATED: N_("Checked: nothing was found to act on"),
        Progress.DISMISSED: N_("Not taken up"),
        Progress.BEING_RECTIFIED: N_("Confirmed; the institution must put it right"),
        Progress.BANNED: N_("Confirmed; the institution was banned"),
        Progress.RECTIFIED: N_("Confirmed and put right"),
        Progress.CLOSED: N_("Dealt with and closed"),
    },
    DifferenceCategory: {
        DifferenceCategory.LICENSED_NOT_LISTED: N_("Licensed here, not on the list"),
        DifferenceCategory.LISTED_UNKNOWN: N_("On the list, unknown here"),
        DifferenceCategory.NUMBER_DIFFERS: N_("Numbers differ"),
        DifferenceCategory.ADDRESS_DIFFERS: N_("Addresses differ"),
        DifferenceCategory.STATUS_DIFFERS: N_("Status differs"),
        DifferenceCategory.PERMIT_EXPIRING: N_("Permit ending soon"),
    },
    DifferenceState: {
        DifferenceState.OPEN: N_("Open"),
        DifferenceState.RECORD_UPDATED: N_("Record updated"),
        DifferenceState.CASE_OPENED: N_("Case opened"),
        DifferenceState.EXPLAINED: N_("Explained"),
    },
    Verdict: {
        Verdict.LISTED: N_("Licensed and listed in the directory"),
        Verdict.BLACKLISTED: N_("On the blacklist"),
        Verdict.UNKNOWN: N_("Not in the directory"),
    },
}


def label(value: StrEnum) -> str:
    """The name of `value` in the reader's language."""
    return gettext(LABELS[type(value)][value])


def choices(enum: type[StrEnum]) -> list[tuple[str, str]]:
    """(value, name) pairs for a select field, in the enumeration's order."""
    return [(member.value, label(member)) for member in enum]
