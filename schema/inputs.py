"""Filter and ordering inputs of the lists."""

from datetime import datetime
from enum import Enum

import strawberry

from schema.types import Card, Category, LicenseStatus, ListName, OperatingStatus
from server import institutions, organisation

InstitutionOrderField = strawberry.enum(
    institutions.InstitutionSort, name="InstitutionOrderField"
)
Duty = strawberry.enum(
    organisation.Duty, description="What a person does in the supervision."
)


@strawberry.enum
class OrderDirection(Enum):
    ASC = "ASC"
    DESC = "DESC"


@strawberry.input(description="Institutions matching every field given.")
class InstitutionFilter:
    text: str | None = strawberry.field(
        default=None,
        description="Words that must each appear in a name, address or credit code.",
    )
    category: list[Category] | None = None
    license_status: list[LicenseStatus] | None = None
    operating_status: list[OperatingStatus] | None = None
    village: strawberry.ID | None = None
    district: strawberry.ID | None = None
    card: list[Card] | None = strawberry.field(
        default=None, description="Institutions holding any of these cards."
    )
    list_name: list[ListName] | None = strawberry.field(
        default=None, description="Institutions on any of these lists."
    )


@strawberry.input
class InstitutionOrder:
    field: InstitutionOrderField = InstitutionOrderField.NAME
    direction: OrderDirection = OrderDirection.ASC


@strawberry.input(description="Villages matching every field given.")
class VillageFilter:
    text: str | None = None
    district: strawberry.ID | None = None
    without_district: bool = strawberry.field(
        default=False,
        description="Only villages not yet placed in a management district.",
    )


@strawberry.input(description="People matching every field given.")
class PersonFilter:
    text: str | None = strawberry.field(
        default=None, description="Words that must each appear in the name or title."
    )
    unit: strawberry.ID | None = None
    school: strawberry.ID | None = None
    duty: list[Duty] | None = strawberry.field(
        default=None, description="People with any of these duties."
    )


@strawberry.input(description="Audit entries matching every field given.")
class AuditLogFilter:
    actor: str | None = strawberry.field(
        default=None, description="A login or token name."
    )
    record: strawberry.ID | None = strawberry.field(
        default=None, description="The global id of a record: its whole history."
    )
    since: datetime | None = None
    until: datetime | None = None
