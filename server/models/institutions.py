"""Off-campus training institutions, the documents they hold, their instructors."""

import secrets
from enum import StrEnum

from tortoise import fields
from tortoise.models import Model

from server.models.base import Record
from server.models.supervision import Card, ListName


class Category(StrEnum):
    ACADEMIC = "ACADEMIC"
    ARTS = "ARTS"
    SCIENCE_TECH = "SCIENCE_TECH"
    SPORTS = "SPORTS"
    OTHER = "OTHER"


class OperatingStatus(StrEnum):
    OPERATING = "OPERATING"
    SUSPENDED = "SUSPENDED"
    CLOSED = "CLOSED"
    BANNED = "BANNED"


class LicenseStatus(StrEnum):
    """What the documents held add up to; see `server.licensing`."""

    LICENSED = "LICENSED"
    BUSINESS_LICENSE_ONLY = "BUSINESS_LICENSE_ONLY"
    UNLICENSED = "UNLICENSED"
    APPLYING = "APPLYING"


class DocumentKind(StrEnum):
    SCHOOL_PERMIT = "SCHOOL_PERMIT"
    BUSINESS_LICENSE = "BUSINESS_LICENSE"
    NON_ENTERPRISE_REGISTRATION = "NON_ENTERPRISE_REGISTRATION"


class DocumentStatus(StrEnum):
    HELD = "HELD"
    APPLIED = "APPLIED"


# Letters and digits nobody confuses when reading a printed card aloud or
# typing it on a phone: no 0 or O, no 1 or I.
PUBLIC_CODE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
PUBLIC_CODE_LENGTH = 10


def new_public_code() -> str:
    """A random code for an institution's public pages.

    Random rather than the record's id, so that counting through codes finds
    nothing: a code reaches only the institution whose card carries it. Ten
    characters from 32 leave about one chance in 200,000 that any two of
    100,000 institutions draw the same code; the unique index refuses such
    a clash rather than let two institutions share a page.
    """
    return "".join(
        secrets.choice(PUBLIC_CODE_ALPHABET) for _ in range(PUBLIC_CODE_LENGTH)
    )


class Institution(Record):
    """An off-campus training institution (校外培训机构).

    `license_status` is never typed: the domain derives it from the documents
    each time they change, and it is stored only so lists can filter on it.
    """

    NAME_FIELD = "registered_name"

    id = fields.IntField(primary_key=True)
    subdistrict = fields.ForeignKeyField(
        "xiaowai.Subdistrict",
        db_index=True,
        related_name="institutions",
        on_delete=fields.RESTRICT,
    )
    registered_name = fields.CharField(max_length=128)
    public_code = fields.CharField(
        max_length=PUBLIC_CODE_LENGTH,
        unique=True,
        default=new_public_code,
        description="Printed on the on-site card; opens its public verification page",
    )
    signboard_name = fields.CharField(max_length=128, null=True)
    credit_code = fields.CharField(max_length=18, null=True, unique=True)
    category = fields.CharEnumField(Category, null=True, db_index=True)
    address = fields.CharField(max_length=256, null=True)
    trades_as = fields.CharField(
        max_length=64,
        null=True,
        description="The business it is registered or advertised as, e.g. 教育咨询",
    )
    teaches = fields.CharField(max_length=256, null=True, description="What it trains")
    village = fields.ForeignKeyField(
        "xiaowai.Village",
        db_index=True,
        related_name="institutions",
        null=True,
        on_delete=fields.SET_NULL,
    )
    operating_status = fields.CharEnumField(
        OperatingStatus, default=OperatingStatus.OPERATING, db_index=True
    )
    license_status = fields.CharEnumField(
        LicenseStatus, default=LicenseStatus.UNLICENSED, db_index=True
    )
    # Kept by `server.standing` from the rules and the office's decisions,
    # never edited with the rest of the record; stored so lists can filter.
    card = fields.CharEnumField(Card, null=True, db_index=True)
    card_rule = fields.CharField(
        max_length=32, null=True, description="The rule that gave the card"
    )
    list_name = fields.CharEnumField(ListName, null=True, db_index=True)
    list_verdict = fields.CharField(
        max_length=48, null=True, description="What the list rules said last"
    )

    class Meta:
        table = "institution"
        # The public directory counts what it lists on every page it serves:
        # with this index a province's 38,000 listed institutions are counted
        # from the index alone (3 ms on PostgreSQL rather than 24).
        indexes = (("license_status", "operating_status", "list_name"),)


class Document(Model):
    """A school permit, business license or non-enterprise registration.

    The number and dates are optional because the office often knows that an
    institution holds a document before it has seen the number; pages show
    such a number as unknown rather than leave a blank that looks like none.
    """

    id = fields.IntField(primary_key=True)
    institution = fields.ForeignKeyField(
        "xiaowai.Institution",
        db_index=True,
        related_name="documents",
        on_delete=fields.CASCADE,
    )
    kind = fields.CharEnumField(DocumentKind)
    status = fields.CharEnumField(DocumentStatus, default=DocumentStatus.HELD)
    number = fields.CharField(max_length=64, null=True)
    issued_on = fields.DateField(null=True)
    valid_until = fields.DateField(null=True)
    revoked_on = fields.DateField(
        null=True, description="When the authority that issued it withdrew it"
    )

    class Meta:
        table = "document"
        unique_together = (("institution", "kind"),)


class InstructorAssignment(Model):
    """A party-building instructor posted (派驻) to a licensed institution."""

    id = fields.IntField(primary_key=True)
    person = fields.ForeignKeyField(
        "xiaowai.Person",
        db_index=True,
        related_name="instructor_assignments",
        on_delete=fields.CASCADE,
    )
    institution = fields.ForeignKeyField(
        "xiaowai.Institution",
        db_index=True,
        related_name="instructor_assignments",
        on_delete=fields.CASCADE,
    )
    assigned_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "instructor_assignment"
        unique_together = (("person", "institution"),)
