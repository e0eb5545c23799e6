"""The organisation that runs the supervision: who is who, and where."""

from enum import StrEnum

from tortoise import fields
from tortoise.models import Model

from server.models.base import Record


class Subdistrict(Record):
    """A street office (街道) and the county and city it belongs to."""

    id = fields.IntField(primary_key=True)
    name = fields.CharField(max_length=64, unique=True)
    county = fields.CharField(max_length=64)
    city = fields.CharField(max_length=64)

    class Meta:
        table = "subdistrict"


class District(Record):
    """A management district (管理区) of a subdistrict."""

    id = fields.IntField(primary_key=True)
    subdistrict = fields.ForeignKeyField(
        "xiaowai.Subdistrict",
        db_index=True,
        related_name="districts",
        on_delete=fields.RESTRICT,
    )
    name = fields.CharField(max_length=64)
    secretary = fields.ForeignKeyField(
        "xiaowai.Person",
        db_index=True,
        related_name="districts_led",
        null=True,
        on_delete=fields.SET_NULL,
        description="The general branch secretary (总支书记)",
    )

    class Meta:
        table = "district"
        unique_together = (("subdistrict", "name"),)


class Village(Record):
    """A village or residential community (村居).

    The district is optional: the plan lists villages without saying which
    management district each lies in, and a guess would mislead the office.
    """

    id = fields.IntField(primary_key=True)
    subdistrict = fields.ForeignKeyField(
        "xiaowai.Subdistrict",
        db_index=True,
        related_name="villages",
        on_delete=fields.RESTRICT,
    )
    district = fields.ForeignKeyField(
        "xiaowai.District",
        db_index=True,
        related_name="villages",
        null=True,
        on_delete=fields.SET_NULL,
    )
    name = fields.CharField(max_length=64)

    class Meta:
        table = "village"
        unique_together = (("subdistrict", "name"),)


class Unit(Record):
    """A member unit of the coordination mechanism (成员单位)."""

    id = fields.IntField(primary_key=True)
    subdistrict = fields.ForeignKeyField(
        "xiaowai.Subdistrict",
        db_index=True,
        related_name="units",
        on_delete=fields.RESTRICT,
    )
    name = fields.CharField(max_length=64)

    class Meta:
        table = "unit"
        unique_together = (("subdistrict", "name"),)


class School(Record):
    """A school whose teachers serve as party-building instructors."""

    id = fields.IntField(primary_key=True)
    subdistrict = fields.ForeignKeyField(
        "xiaowai.Subdistrict",
        db_index=True,
        related_name="schools",
        on_delete=fields.RESTRICT,
    )
    name = fields.CharField(max_length=64)

    class Meta:
        table = "school"
        unique_together = (("subdistrict", "name"),)


class Person(Record):
    """Someone who takes part in the supervision.

    `title` is the position as the office writes it (综治办主任), kept whole
    because it is how people are addressed in every document. A person works
    for at most one unit or one school.
    """

    id = fields.IntField(primary_key=True)
    subdistrict = fields.ForeignKeyField(
        "xiaowai.Subdistrict",
        db_index=True,
        related_name="people",
        on_delete=fields.RESTRICT,
    )
    name = fields.CharField(max_length=32)
    title = fields.CharField(max_length=128, null=True)
    phone = fields.CharField(max_length=32, null=True)
    unit = fields.ForeignKeyField(
        "xiaowai.Unit",
        db_index=True,
        related_name="people",
        null=True,
        on_delete=fields.SET_NULL,
    )
    school = fields.ForeignKeyField(
        "xiaowai.School",
        db_index=True,
        related_name="people",
        null=True,
        on_delete=fields.SET_NULL,
    )

    class Meta:
        table = "person"


class LeadershipRole(StrEnum):
    LEADER = "LEADER"
    DEPUTY_LEADER = "DEPUTY_LEADER"
    MEMBER = "MEMBER"


class OfficeRole(StrEnum):
    DIRECTOR = "DIRECTOR"
    DEPUTY_DIRECTOR = "DEPUTY_DIRECTOR"


class LeadershipGroup(Record):
    """The leadership group (领导小组) and the unit its office sits in."""

    id = fields.IntField(primary_key=True)
    subdistrict = fields.OneToOneField(
        "xiaowai.Subdistrict",
        related_name="leadership_group",
        on_delete=fields.RESTRICT,
    )
    name = fields.CharField(max_length=128)
    office_unit = fields.ForeignKeyField(
        "xiaowai.Unit",
        db_index=True,
        related_name="hosted_offices",
        null=True,
        on_delete=fields.SET_NULL,
    )

    class Meta:
        table = "leadership_group"


class LeadershipMember(Model):
    """A seat in the leadership group, and in its office when the person has one.

    `title` is the person's title as the group list writes it; `position`
    keeps the list's order, which follows rank.
    """

    id = fields.IntField(primary_key=True)
    group = fields.ForeignKeyField(
        "xiaowai.LeadershipGroup",
        db_index=True,
        related_name="members",
        on_delete=fields.CASCADE,
    )
    person = fields.ForeignKeyField(
        "xiaowai.Person",
        db_index=True,
        related_name="leadership_seats",
        on_delete=fields.RESTRICT,
    )
    role = fields.CharEnumField(LeadershipRole)
    office_role = fields.CharEnumField(OfficeRole, null=True)
    title = fields.CharField(max_length=128)
    position = fields.IntField()

    class Meta:
        table = "leadership_member"
        unique_together = (("group", "person"),)


class SupervisorAssignment(Model):
    """A social supervisor's charge of one village (管辖村居)."""

    id = fields.IntField(primary_key=True)
    person = fields.ForeignKeyField(
        "xiaowai.Person",
        db_index=True,
        related_name="supervised_villages",
        on_delete=fields.CASCADE,
    )
    village = fields.ForeignKeyField(
        "xiaowai.Village",
        db_index=True,
        related_name="supervisor_assignments",
        on_delete=fields.CASCADE,
    )
    assigned_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "supervisor_assignment"
        unique_together = (("person", "village"),)
