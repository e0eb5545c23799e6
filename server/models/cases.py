"""Patrols, and the cases (the problem and rectification ledger) they open.

A case's history is kept as events that are only ever added; its `state` is
the state the last event left it in, stored so the ledger can filter on it.
"""

from enum import StrEnum

from tortoise import fields
from tortoise.models import Model


class CaseKind(StrEnum):
    BUSINESS_LICENSE_ONLY = "BUSINESS_LICENSE_ONLY"
    UNLICENSED = "UNLICENSED"
    OPERATING_BEFORE_APPROVAL = "OPERATING_BEFORE_APPROVAL"
    VIOLATION = "VIOLATION"


class CaseState(StrEnum):
    REPORTED = "REPORTED"
    VERIFIED = "VERIFIED"
    NOTICE_ISSUED = "NOTICE_ISSUED"
    STOP_ORDERED = "STOP_ORDERED"
    ESCALATED = "ESCALATED"
    PENALISED = "PENALISED"
    BANNED = "BANNED"
    RECTIFIED = "RECTIFIED"
    DISMISSED = "DISMISSED"
    CLOSED = "CLOSED"


class CaseAction(StrEnum):
    REPORT = "REPORT"
    VERIFY = "VERIFY"
    DISMISS = "DISMISS"
    ISSUE_NOTICE = "ISSUE_NOTICE"
    ORDER_STOP = "ORDER_STOP"
    ESCALATE = "ESCALATE"
    RECORD_PENALTY = "RECORD_PENALTY"
    BAN = "BAN"
    CONFIRM_RECTIFIED = "CONFIRM_RECTIFIED"
    CLOSE_OUT = "CLOSE_OUT"
    UPDATE_REGISTER = "UPDATE_REGISTER"
    DISPATCH = "DISPATCH"
    ACKNOWLEDGE = "ACKNOWLEDGE"
    REPORT_BACK = "REPORT_BACK"


class Requirement(StrEnum):
    """What a rectification notice requires of the institution."""

    STOP_TRAINING = "STOP_TRAINING"
    STAY_WITHIN_SCOPE = "STAY_WITHIN_SCOPE"
    RESETTLE_STUDENTS = "RESETTLE_STUDENTS"
    REFUND_FEES = "REFUND_FEES"


class PenaltyType(StrEnum):
    WARNING = "WARNING"
    FINE = "FINE"
    CONFISCATION = "CONFISCATION"
    SUSPENSION = "SUSPENSION"
    REVOCATION = "REVOCATION"
    OTHER = "OTHER"


class Patrol(Model):
    """A social supervisor's visit to a village (巡查, 摸排)."""

    id = fields.IntField(primary_key=True)
    village = fields.ForeignKeyField(
        "xiaowai.Village",
        db_index=True,
        related_name="patrols",
        on_delete=fields.RESTRICT,
    )
    supervisor = fields.ForeignKeyField(
        "xiaowai.Person",
        db_index=True,
        related_name="patrols",
        on_delete=fields.RESTRICT,
    )
    patrolled_on = fields.DateField(db_index=True)
    places = fields.TextField(default="")
    notes = fields.TextField(default="")
    demo = fields.BooleanField(
        default=False, description="Made by seed --demo-activity"
    )
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "patrol"
        # The villages patrolled in a report's period, read from the index alone.
        indexes = (("patrolled_on", "village_id"),)


class Case(Model):
    """One problem found, followed to its close-out (销号)."""

    id = fields.IntField(primary_key=True)
    institution = fields.ForeignKeyField(
        "xiaowai.Institution",
        db_index=True,
        related_name="cases",
        on_delete=fields.RESTRICT,
    )
    village = fields.ForeignKeyField(
        "xiaowai.Village",
        db_index=True,
        related_name="cases",
        null=True,
        on_delete=fields.SET_NULL,
    )
    patrol = fields.ForeignKeyField(
        "xiaowai.Patrol",
        db_index=True,
        related_name="cases",
        null=True,
        on_delete=fields.SET_NULL,
    )
    reported_by = fields.ForeignKeyField(
        "xiaowai.Person",
        db_index=True,
        related_name="reported_cases",
        null=True,
        on_delete=fields.SET_NULL,
    )
    kind = fields.CharEnumField(CaseKind, db_index=True)
    state = fields.CharEnumField(CaseState, default=CaseState.REPORTED, db_index=True)
    finding = fields.TextField(description="What the reporter saw")
    reported_on = fields.DateField(db_index=True)
    closed_at = fields.DatetimeField(null=True)
    demo = fields.BooleanField(
        default=False, description="Made by seed --demo-activity"
    )
    version = fields.IntField(default=1)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "case_record"  # CASE is an SQL keyword


class CaseEvent(Model):
    """One step in a case's timeline: who, when, what, and the state it left."""

    id = fields.IntField(primary_key=True)
    case = fields.ForeignKeyField(
        "xiaowai.Case",
        db_index=True,
        related_name="events",
        on_delete=fields.CASCADE,
    )
    action = fields.CharEnumField(CaseAction)
    from_state = fields.CharEnumField(CaseState, null=True)
    to_state = fields.CharEnumField(CaseState)
    at = fields.DatetimeField()
    actor = fields.CharField(max_length=64)
    actor_account_id = fields.IntField(null=True)
    note = fields.TextField(default="")
    details = fields.JSONField(default=dict)

    class Meta:
        table = "case_event"
        # The monthly report counts a period's steps by action.
        indexes = (("at", "action"),)


class NoticeCounter(Model):
    """The last rectification notice number given in a year."""

    id = fields.IntField(primary_key=True)
    year = fields.IntField(unique=True)
    last_sequence = fields.IntField(default=0)

    class Meta:
        table = "notice_counter"


class Notice(Model):
    """A rectification notice (整改通知书). Never edited: a correction is a new
    notice that names the one it corrects."""

    id = fields.IntField(primary_key=True)
    case = fields.ForeignKeyField(
        "xiaowai.Case",
        db_index=True,
        related_name="notices",
        on_delete=fields.RESTRICT,
    )
    year = fields.IntField()
    sequence = fields.IntField()
    number = fields.CharField(max_length=64, unique=True)
    issued_on = fields.DateField()
    deadline = fields.DateField(db_index=True)
    requirements = fields.JSONField(description="Requirement values")
    findings = fields.TextField()
    corrects = fields.ForeignKeyField(
        "xiaowai.Notice",
        db_index=True,
        related_name="corrections",
        null=True,
        on_delete=fields.RESTRICT,
    )
    issued_by = fields.CharField(max_length=64)

    class Meta:
        table = "notice"
        unique_together = (("year", "sequence"),)


class Penalty(Model):
    """An administrative penalty (行政处罚) recorded on a case."""

    id = fields.IntField(primary_key=True)
    case = fields.ForeignKeyField(
        "xiaowai.Case",
        db_index=True,
        related_name="penalties",
        on_delete=fields.RESTRICT,
    )
    decision_number = fields.CharField(max_length=64)
    decided_on = fields.DateField()
    penalty_type = fields.CharEnumField(PenaltyType)
    amount = fields.DecimalField(max_digits=12, decimal_places=2, null=True)
    # The office chooses which penalties to make public (曝光、通报), and
    # writes for the public what happened: the case's own notes stay inside.
    published = fields.BooleanField(default=False)
    published_at = fields.DatetimeField(null=True, db_index=True)
    public_summary = fields.TextField(default="")
    version = fields.IntField(default=1)

    class Meta:
        table = "penalty"


class RegisterEntry(Model):
    """The students and fees of a case as they stood at a moment.

    The newest entry is the current state; earlier ones are its history.
    """

    id = fields.IntField(primary_key=True)
    case = fields.ForeignKeyField(
        "xiaowai.Case",
        db_index=True,
        related_name="register",
        on_delete=fields.CASCADE,
    )
    at = fields.DatetimeField()
    students_affected = fields.IntField()
    students_resettled = fields.IntField()
    fees_owed = fields.DecimalField(max_digits=12, decimal_places=2)
    fees_refunded = fields.DecimalField(max_digits=12, decimal_places=2)
    recorded_by = fields.CharField(max_length=64)

    class Meta:
        table = "register_entry"
        indexes = (("at",),)  # the registers updated in a report's period


class AffectedStudent(Model):
    """A student of a case by name, kept only where the office chooses to.

    Counts in the register are the default; names of minors are personal
    data, so they live in their own table that only administrators read.
    """

    id = fields.IntField(primary_key=True)
    case = fields.ForeignKeyField(
        "xiaowai.Case",
        db_index=True,
        related_name="students",
        on_delete=fields.CASCADE,
    )
    name = fields.CharField(max_length=32)
    note = fields.CharField(max_length=200, default="")
    added_at = fields.DatetimeField()
    added_by = fields.CharField(max_length=64)

    class Meta:
        table = "affected_student"


class DispatchState(StrEnum):
    SENT = "SENT"
    ACKNOWLEDGED = "ACKNOWLEDGED"
    REPORTED = "REPORTED"


class Dispatch(Model):
    """A case sent to a member unit (街道吹哨), and its answer (部门报到)."""

    id = fields.IntField(primary_key=True)
    case = fields.ForeignKeyField(
        "xiaowai.Case",
        db_index=True,
        related_name="dispatches",
        on_delete=fields.CASCADE,
    )
    unit = fields.ForeignKeyField(
        "xiaowai.Unit",
        db_index=True,
        related_name="dispatches",
        on_delete=fields.RESTRICT,
    )
    state = fields.CharEnumField(
        DispatchState, default=DispatchState.SENT, db_index=True
    )
    request = fields.TextField()
    due_at = fields.DatetimeField(db_index=True)
    sent_at = fields.DatetimeField()
    acknowledged_at = fields.DatetimeField(null=True)
    reported_at = fields.DatetimeField(null=True)
    report = fields.TextField(default="")

    class Meta:
        table = "dispatch"


class Evidence(Model):
    """A photo or PDF kept with a patrol, case or inspection, outside the web root."""

    id = fields.IntField(primary_key=True)
    case = fields.ForeignKeyField(
        "xiaowai.Case",
        db_index=True,
        related_name="evidence",
        null=True,
        on_delete=fields.CASCADE,
    )
    patrol = fields.ForeignKeyField(
        "xiaowai.Patrol",
        db_index=True,
        related_name="evidence",
        null=True,
        on_delete=fields.CASCADE,
    )
    inspection = fields.ForeignKeyField(
        "xiaowai.Inspection",
        db_index=True,
        related_name="evidence",
        null=True,
        on_delete=fields.CASCADE,
    )
    stored_as = fields.CharField(max_length=128, unique=True)
    original_name = fields.CharField(max_length=255)
    content_type = fields.CharField(max_length=64)
    size = fields.IntField()
    sha256 = fields.CharField(max_length=64)
    uploaded_by = fields.CharField(max_length=64)
    uploaded_at = fields.DatetimeField()

    class Meta:
        table = "evidence"
