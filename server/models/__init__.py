"""The database models, one module per part of the domain.

Tortoise discovers models by the names this package exports, and the
migrations under `server/migrations` are generated from them.
"""

from server.models.accounts import (
    Account,
    ApiToken,
    Role,
    Session,
    SignInFailure,
    TokenScope,
)
from server.models.audit import AuditEntry
from server.models.institutions import (
    Category,
    Document,
    DocumentKind,
    DocumentStatus,
    Institution,
    InstructorAssignment,
    LicenseStatus,
    OperatingStatus,
)
from server.models.organisation import (
    District,
    LeadershipGroup,
    LeadershipMember,
    LeadershipRole,
    OfficeRole,
    Person,
    School,
    Subdistrict,
    SupervisorAssignment,
    Unit,
    Village,
)

__all__ = [
    "Account",
    "ApiToken",
    "AuditEntry",
    "Category",
    "District",
    "Document",
    "DocumentKind",
    "DocumentStatus",
    "Institution",
    "InstructorAssignment",
    "LeadershipGroup",
    "LeadershipMember",
    "LeadershipRole",
    "LicenseStatus",
    "OfficeRole",
    "OperatingStatus",
    "Person",
    "Role",
    "School",
    "Session",
    "SignInFailure",
    "Subdistrict",
    "SupervisorAssignment",
    "TokenScope",
    "Unit",
    "Village",
]
