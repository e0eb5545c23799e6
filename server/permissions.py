"""Who may do what: the one place pages and API ask.

Every read and write function of the domain takes the `Actor` asking and
checks it here, so a rule holds whichever door a request came in by. The
roles are those of the office (see DESIGN.md); integrators' tokens get the
permissions of their scope.
"""

from dataclasses import dataclass
from enum import StrEnum

from tortoise.expressions import Q, Subquery

from server.errors import DomainError, ErrorCode
from server.i18n import _
from server.models import InstructorAssignment, Role, SupervisorAssignment, TokenScope


class Permission(StrEnum):
    READ_ORGANISATION = "READ_ORGANISATION"
    READ_INSTITUTIONS = "READ_INSTITUTIONS"
    EDIT_ORGANISATION = "EDIT_ORGANISATION"
    SEE_PHONES = "SEE_PHONES"
    READ_AUDIT = "READ_AUDIT"
    MANAGE_ACCOUNTS = "MANAGE_ACCOUNTS"
    MANAGE_TOKENS = "MANAGE_TOKENS"
    READ_CASES = "READ_CASES"
    REPORT_PROBLEMS = "REPORT_PROBLEMS"
    MANAGE_CASES = "MANAGE_CASES"
    ANSWER_DISPATCHES = "ANSWER_DISPATCHES"
    # Names of minors; administrators alone, and no token.
    SEE_STUDENT_NAMES = "SEE_STUDENT_NAMES"
    RECORD_INSPECTIONS = "RECORD_INSPECTIONS"
    MANAGE_TEMPLATES = "MANAGE_TEMPLATES"
    # Lists by the office's decision, and confirming blacklist moves.
    DECIDE_LISTS = "DECIDE_LISTS"
    READ_COMPLAINTS = "READ_COMPLAINTS"
    TRIAGE_COMPLAINTS = "TRIAGE_COMPLAINTS"
    # How to reach a member of the public who reported; administrators alone.
    SEE_COMPLAINT_CONTACTS = "SEE_COMPLAINT_CONTACTS"
    # The monthly report, the workload statements and the commendation ranking.
    READ_REPORTS = "READ_REPORTS"
    # The plan's phases and the progress on their tasks, counted over every
    # village and institution.
    READ_PHASES = "READ_PHASES"
    # Marking a task done by hand, moving a phase's dates; administrators alone.
    MANAGE_PHASES = "MANAGE_PHASES"


READING = frozenset(
    {Permission.READ_ORGANISATION, Permission.READ_INSTITUTIONS, Permission.READ_CASES}
)

ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.ADMIN: frozenset(Permission),
    Role.LEADER: READING
    | {Permission.READ_COMPLAINTS, Permission.READ_REPORTS, Permission.READ_PHASES},
    # Supervisors, instructors and units read institutions and cases within
    # their scope only; see `institution_scope` and `server.cases`.
    Role.SUPERVISOR: READING | {Permission.REPORT_PROBLEMS},
    Role.INSTRUCTOR: READING | {Permission.RECORD_INSPECTIONS},
    Role.UNIT: READING | {Permission.ANSWER_DISPATCHES},
}

TOKEN_PERMISSIONS: dict[TokenScope, frozenset[Permission]] = {
    TokenScope.READ: READING
    | {
        Permission.READ_AUDIT,
        Permission.READ_COMPLAINTS,
        Permission.READ_REPORTS,
        Permission.READ_PHASES,
    },
    TokenScope.WRITE: READING
    | {
        Permission.READ_AUDIT,
        Permission.READ_COMPLAINTS,
        Permission.READ_REPORTS,
        Permission.READ_PHASES,
        Permission.TRIAGE_COMPLAINTS,
        Permission.EDIT_ORGANISATION,
        Permission.REPORT_PROBLEMS,
        Permission.MANAGE_CASES,
        Permission.DECIDE_LISTS,
    },
}

# Roles that see every institution; the others see those in their charge.
SEES_ALL_INSTITUTIONS = frozenset({Role.ADMIN, Role.LEADER})


@dataclass(frozen=True)
class Actor:
    """Who is asking: a signed-in account, an integrator's token, or nobody."""

    label: str
    roles: frozenset[Role] = frozenset()
    account_id: int | None = None
    token_id: int | None = None
    token_scope: TokenScope | None = None
    person_id: int | None = None
    unit_id: int | None = None

    @property
    def is_anonymous(self) -> bool:
        return self.account_id is None and self.token_id is None

    @property
    def permissions(self) -> frozenset[Permission]:
        if self.token_scope is not None:
            return TOKEN_PERMISSIONS[self.token_scope]
        granted: frozenset[Permission] = frozenset()
        for role in self.roles:
            granted |= ROLE_PERMISSIONS[role]
        return granted

    def can(self, permission: Permission) -> bool:
        return permission in self.permissions

    @property
    def sees_all_institutions(self) -> bool:
        """Whether nothing narrows what this actor reads to a part of the
        subdistrict: the office, the leadership group, integrators' tokens."""
        return self.token_scope is not None or bool(self.roles & SEES_ALL_INSTITUTIONS)


ANONYMOUS = Actor(label="anonymous")
# Whoever runs `xiaowai` on the server can already read its database and its
# secret key; the command line acts as an administrator.
COMMAND_LINE = Actor(label="command line", roles=frozenset({Role.ADMIN}))


def require(actor: Actor, permission: Permission) -> None:
    """Refuse unless `actor` holds `permission`."""
    if actor.can(permission):
        return
    if actor.is_anonymous:
        raise DomainError(ErrorCode.UNAUTHENTICATED, _("Sign in first."))
    raise DomainError(ErrorCode.FORBIDDEN, _("Your account may not do this."))


def institution_scope(actor: Actor) -> Q | None:
    """The institutions `actor` may see, as a filter; None when they see all.

    A supervisor sees the institutions of the villages they patrol, an
    instructor those they are posted to. A member unit will see those whose
    cases are dispatched to it; until cases exist, it sees none.
    """
    require(actor, Permission.READ_INSTITUTIONS)
    if actor.sees_all_institutions:
        return None

    visible = Q(id__isnull=True)  # matches nothing: every row has an id
    if Role.SUPERVISOR in actor.roles and actor.person_id:
        villages = SupervisorAssignment.filter(person_id=actor.person_id).values(
            "village_id"
        )
        visible |= Q(village_id__in=Subquery(villages))
    if Role.INSTRUCTOR in actor.roles and actor.person_id:
        postings = InstructorAssignment.filter(person_id=actor.person_id).values(
            "institution_id"
        )
        visible |= Q(id__in=Subquery(postings))
    return visible
