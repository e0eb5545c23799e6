from tortoise import migrations
from tortoise.migrations import operations as ops
from server.models.institutions import (
    Category,
    DocumentKind,
    DocumentStatus,
    LicenseStatus,
    OperatingStatus,
)
from server.models.organisation import LeadershipRole, OfficeRole
from tortoise.fields.base import OnDelete
from tortoise import fields


class Migration(migrations.Migration):
    initial = True

    operations = [
        ops.CreateModel(
            name="Subdistrict",
            fields=[
                ("version", fields.IntField(default=1)),
                (
                    "sort_name",
                    fields.CharField(default="", db_index=True, max_length=400),
                ),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ("updated_at", fields.DatetimeField(auto_now=True, auto_now_add=False)),
                (
                    "id",
                    fields.IntField(
                        generated=True, primary_key=True, unique=True, db_index=True
                    ),
                ),
                ("name", fields.CharField(unique=True, max_length=64)),
                ("county", fields.CharField(max_length=64)),
                ("city", fields.CharField(max_length=64)),
            ],
            options={
                "table": "subdistrict",
                "app": "xiaowai",
                "pk_attr": "id",
                "table_description": "A street office (街道) and the county and city it belongs to.",
            },
            bases=["Record"],
        ),
        ops.CreateModel(
            name="School",
            fields=[
                ("version", fields.IntField(default=1)),
                (
                    "sort_name",
                    fields.CharField(default="", db_index=True, max_length=400),
                ),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ("updated_at", fields.DatetimeField(auto_now=True, auto_now_add=False)),
                (
                    "id",
                    fields.IntField(
                        generated=True, primary_key=True, unique=True, db_index=True
                    ),
                ),
                (
                    "subdistrict",
                    fields.ForeignKeyField(
                        "xiaowai.Subdistrict",
                        source_field="subdistrict_id",
                        db_index=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="schools",
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                ("name", fields.CharField(max_length=64)),
            ],
            options={
                "table": "school",
                "app": "xiaowai",
                "unique_together": (("subdistrict", "name"),),
                "pk_attr": "id",
                "table_description": "A school whose teachers serve as party-building instructors.",
            },
            bases=["Record"],
        ),
        ops.CreateModel(
            name="Unit",
            fields=[
                ("version", fields.IntField(default=1)),
                (
                    "sort_name",
                    fields.CharField(default="", db_index=True, max_length=400),
                ),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ("updated_at", fields.DatetimeField(auto_now=True, auto_now_add=False)),
                (
                    "id",
                    fields.IntField(
                        generated=True, primary_key=True, unique=True, db_index=True
                    ),
                ),
                (
                    "subdistrict",
                    fields.ForeignKeyField(
                        "xiaowai.Subdistrict",
                        source_field="subdistrict_id",
                        db_index=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="units",
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                ("name", fields.CharField(max_length=64)),
            ],
            options={
                "table": "unit",
                "app": "xiaowai",
                "unique_together": (("subdistrict", "name"),),
                "pk_attr": "id",
                "table_description": "A member unit of the coordination mechanism (成员单位).",
            },
            bases=["Record"],
        ),
        ops.CreateModel(
            name="LeadershipGroup",
            fields=[
                ("version", fields.IntField(default=1)),
                (
                    "sort_name",
                    fields.CharField(default="", db_index=True, max_length=400),
                ),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ("updated_at", fields.DatetimeField(auto_now=True, auto_now_add=False)),
                (
                    "id",
                    fields.IntField(
                        generated=True, primary_key=True, unique=True, db_index=True
                    ),
                ),
                (
                    "subdistrict",
                    fields.OneToOneField(
                        "xiaowai.Subdistrict",
                        source_field="subdistrict_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="leadership_group",
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                ("name", fields.CharField(max_length=128)),
                (
                    "office_unit",
                    fields.ForeignKeyField(
                        "xiaowai.Unit",
                        source_field="office_unit_id",
                        null=True,
                        db_index=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="hosted_offices",
                        on_delete=OnDelete.SET_NULL,
                    ),
                ),
            ],
            options={
                "table": "leadership_group",
                "app": "xiaowai",
                "pk_attr": "id",
                "table_description": "The leadership group (领导小组) and the unit its office sits in.",
            },
            bases=["Record"],
        ),
        ops.CreateModel(
            name="Person",
            fields=[
                ("version", fields.IntField(default=1)),
                (
                    "sort_name",
                    fields.CharField(default="", db_index=True, max_length=400),
                ),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ("updated_at", fields.DatetimeField(auto_now=True, auto_now_add=False)),
                (
                    "id",
                    fields.IntField(
                        generated=True, primary_key=True, unique=True, db_index=True
                    ),
                ),
                (
                    "subdistrict",
                    fields.ForeignKeyField(
                        "xiaowai.Subdistrict",
                        source_field="subdistrict_id",
                        db_index=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="people",
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                ("name", fields.CharField(max_length=32)),
                ("title", fields.CharField(null=True, max_length=128)),
                ("phone", fields.CharField(null=True, max_length=32)),
                (
                    "unit",
                    fields.ForeignKeyField(
                        "xiaowai.Unit",
                        source_field="unit_id",
                        null=True,
                        db_index=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="people",
                        on_delete=OnDelete.SET_NULL,
                    ),
                ),
                (
                    "school",
                    fields.ForeignKeyField(
                        "xiaowai.School",
                        source_field="school_id",
                        null=True,
                        db_index=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="people",
                        on_delete=OnDelete.SET_NULL,
                    ),
                ),
            ],
            options={
                "table": "person",
                "app": "xiaowai",
                "pk_attr": "id",
                "table_description": "Someone who takes part in the supervision.",
            },
            bases=["Record"],
        ),
        ops.CreateModel(
            name="District",
            fields=[
                ("version", fields.IntField(default=1)),
                (
                    "sort_name",
                    fields.CharField(default="", db_index=True, max_length=400),
                ),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ("updated_at", fields.DatetimeField(auto_now=True, auto_now_add=False)),
                (
                    "id",
                    fields.IntField(
                        generated=True, primary_key=True, unique=True, db_index=True
                    ),
                ),
                (
                    "subdistrict",
                    fields.ForeignKeyField(
                        "xiaowai.Subdistrict",
                        source_field="subdistrict_id",
                        db_index=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="districts",
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                ("name", fields.CharField(max_length=64)),
                (
                    "secretary",
                    fields.ForeignKeyField(
                        "xiaowai.Person",
                        source_field="secretary_id",
                        null=True,
                        db_index=True,
                        description="The general branch secretary (总支书记)",
                        db_constraint=True,
                        to_field="id",
                        related_name="districts_led",
                        on_delete=OnDelete.SET_NULL,
                    ),
                ),
            ],
            options={
                "table": "district",
                "app": "xiaowai",
                "unique_together": (("subdistrict", "name"),),
                "pk_attr": "id",
                "table_description": "A management district (管理区) of a subdistrict.",
            },
            bases=["Record"],
        ),
        ops.CreateModel(
            name="LeadershipMember",
            fields=[
                (
                    "id",
                    fields.IntField(
                        generated=True, primary_key=True, unique=True, db_index=True
                    ),
                ),
                (
                    "group",
                    fields.ForeignKeyField(
                        "xiaowai.LeadershipGroup",
                        source_field="group_id",
                        db_index=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="members",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                (
                    "person",
                    fields.ForeignKeyField(
                        "xiaowai.Person",
                        source_field="person_id",
                        db_index=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="leadership_seats",
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                (
                    "role",
                    fields.CharEnumField(
                        description="LEADER: LEADER\nDEPUTY_LEADER: DEPUTY_LEADER\nMEMBER: MEMBER",
                        enum_type=LeadershipRole,
                        max_length=13,
                    ),
                ),
                (
                    "office_role",
                    fields.CharEnumField(
                        null=True,
                        description="DIRECTOR: DIRECTOR\nDEPUTY_DIRECTOR: DEPUTY_DIRECTOR",
                        enum_type=OfficeRole,
                        max_length=15,
                    ),
                ),
                ("title", fields.CharField(max_length=128)),
                ("position", fields.IntField()),
            ],
            options={
                "table": "leadership_member",
                "app": "xiaowai",
                "unique_together": (("group", "person"),),
                "pk_attr": "id",
                "table_description": "A seat in the leadership group, and in its office when the person has one.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="Village",
            fields=[
                ("version", fields.IntField(default=1)),
                (
                    "sort_name",
                    fields.CharField(default="", db_index=True, max_length=400),
                ),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ("updated_at", fields.DatetimeField(auto_now=True, auto_now_add=False)),
                (
                    "id",
                    fields.IntField(
                        generated=True, primary_key=True, unique=True, db_index=True
                    ),
                ),
                (
                    "subdistrict",
                    fields.ForeignKeyField(
                        "xiaowai.Subdistrict",
                        source_field="subdistrict_id",
                        db_index=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="villages",
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                (
                    "district",
                    fields.ForeignKeyField(
                        "xiaowai.District",
                        source_field="district_id",
                        null=True,
                        db_index=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="villages",
                        on_delete=OnDelete.SET_NULL,
                    ),
                ),
                ("name", fields.CharField(max_length=64)),
            ],
            options={
                "table": "village",
                "app": "xiaowai",
                "unique_together": (("subdistrict", "name"),),
                "pk_attr": "id",
                "table_description": "A village or residential community (村居).",
            },
            bases=["Record"],
        ),
        ops.CreateModel(
            name="Institution",
            fields=[
                ("version", fields.IntField(default=1)),
                (
                    "sort_name",
                    fields.CharField(default="", db_index=True, max_length=400),
                ),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ("updated_at", fields.DatetimeField(auto_now=True, auto_now_add=False)),
                (
                    "id",
                    fields.IntField(
                        generated=True, primary_key=True, unique=True, db_index=True
                    ),
                ),
                (
                    "subdistrict",
                    fields.ForeignKeyField(
                        "xiaowai.Subdistrict",
                        source_field="subdistrict_id",
                        db_index=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="institutions",
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                ("registered_name", fields.CharField(max_length=128)),
                ("signboard_name", fields.CharField(null=True, max_length=128)),
                (
                    "credit_code",
                    fields.CharField(null=True, unique=True, max_length=18),
                ),
                (
                    "category",
                    fields.CharEnumField(
                        null=True,
                        db_index=True,
                        description="ACADEMIC: ACADEMIC\nARTS: ARTS\nSCIENCE_TECH: SCIENCE_TECH\nSPORTS: SPORTS\nOTHER: OTHER",
                        enum_type=Category,
                        max_length=12,
                    ),
                ),
                ("address", fields.CharField(null=True, max_length=256)),
                (
                    "village",
                    fields.ForeignKeyField(
                        "xiaowai.Village",
                        source_field="village_id",
                        null=True,
                        db_index=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="institutions",
                        on_delete=OnDelete.SET_NULL,
                    ),
                ),
                (
                    "operating_status",
                    fields.CharEnumField(
                        default=OperatingStatus.OPERATING,
                        db_index=True,
                        description="OPERATING: OPERATING\nSUSPENDED: SUSPENDED\nCLOSED: CLOSED\nBANNED: BANNED",
                        enum_type=OperatingStatus,
                        max_length=9,
                    ),
                ),
                (
                    "license_status",
                    fields.CharEnumField(
                        default=LicenseStatus.UNLICENSED,
                        db_index=True,
                        description="LICENSED: LICENSED\nBUSINESS_LICENSE_ONLY: BUSINESS_LICENSE_ONLY\nUNLICENSED: UNLICENSED\nAPPLYING: APPLYING",
                        enum_type=LicenseStatus,
                        max_length=21,
                    ),
                ),
            ],
            options={
                "table": "institution",
                "app": "xiaowai",
                "pk_attr": "id",
                "table_description": "An off-campus training institution (校外培训机构).",
            },
            bases=["Record"],
        ),
        ops.CreateModel(
            name="Document",
            fields=[
                (
                    "id",
                    fields.IntField(
                        generated=True, primary_key=True, unique=True, db_index=True
                    ),
                ),
                (
                    "institution",
                    fields.ForeignKeyField(
                        "xiaowai.Institution",
                        source_field="institution_id",
                        db_index=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="documents",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                (
                    "kind",
                    fields.CharEnumField(
                        description="SCHOOL_PERMIT: SCHOOL_PERMIT\nBUSINESS_LICENSE: BUSINESS_LICENSE\nNON_ENTERPRISE_REGISTRATION: NON_ENTERPRISE_REGISTRATION",
                        enum_type=DocumentKind,
                        max_length=27,
                    ),
                ),
                (
                    "status",
                    fields.CharEnumField(
                        default=DocumentStatus.HELD,
                        description="HELD: HELD\nAPPLIED: APPLIED",
                        enum_type=DocumentStatus,
                        max_length=7,
                    ),
                ),
                ("number", fields.CharField(null=True, max_length=64)),
                ("issued_on", fields.DateField(null=True)),
                ("valid_until", fields.DateField(null=True)),
            ],
            options={
                "table": "document",
                "app": "xiaowai",
                "unique_together": (("institution", "kind"),),
                "pk_attr": "id",
                "table_description": "A school permit, business license or non-enterprise registration.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="InstructorAssignment",
            fields=[
                (
                    "id",
                    fields.IntField(
                        generated=True, primary_key=True, unique=True, db_index=True
                    ),
                ),
                (
                    "person",
                    fields.ForeignKeyField(
                        "xiaowai.Person",
                        source_field="person_id",
                        db_index=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="instructor_assignments",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                (
                    "institution",
                    fields.ForeignKeyField(
                        "xiaowai.Institution",
                        source_field="institution_id",
                        db_index=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="instructor_assignments",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                (
                    "assigned_at",
                    fields.DatetimeField(auto_now=False, auto_now_add=True),
                ),
            ],
            options={
                "table": "instructor_assignment",
                "app": "xiaowai",
                "unique_together": (("person", "institution"),),
                "pk_attr": "id",
                "table_description": "A party-building instructor posted (派驻) to a licensed institution.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="SupervisorAssignment",
            fields=[
                (
                    "id",
                    fields.IntField(
                        generated=True, primary_key=True, unique=True, db_index=True
                    ),
                ),
                (
                    "person",
                    fields.ForeignKeyField(
                        "xiaowai.Person",
                        source_field="person_id",
                        db_index=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="supervised_villages",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                (
                    "village",
                    fields.ForeignKeyField(
                        "xiaowai.Village",
                        source_field="village_id",
                        db_index=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="supervisor_assignments",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                (
                    "assigned_at",
                    fields.DatetimeField(auto_now=False, auto_now_add=True),
                ),
            ],
            options={
                "table": "supervisor_assignment",
                "app": "xiaowai",
                "unique_together": (("person", "village"),),
                "pk_attr": "id",
                "table_description": "A social supervisor's charge of one village (管辖村居).",
            },
            bases=["Model"],
        ),
    ]
