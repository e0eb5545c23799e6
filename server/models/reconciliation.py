"""Reconciling xiaowai's records with the national platform's list of
institutions (全国校外教育培训监管与服务综合平台), and what the office did about
each difference found."""

from enum import StrEnum

from tortoise import fields
from tortoise.models import Model


class DifferenceCategory(StrEnum):
    LICENSED_NOT_LISTED = "LICENSED_NOT_LISTED"  # licensed here, not on the list
    LISTED_UNKNOWN = "LISTED_UNKNOWN"  # on the list, unknown here: a patrol lead
    NUMBER_DIFFERS = "NUMBER_DIFFERS"  # credit code or permit number
    ADDRESS_DIFFERS = "ADDRESS_DIFFERS"
    STATUS_DIFFERS = "STATUS_DIFFERS"  # operating, suspended or closed
    PERMIT_EXPIRING = "PERMIT_EXPIRING"  # within the run's number of days


class DifferenceState(StrEnum):
    OPEN = "OPEN"
    RECORD_UPDATED = "RECORD_UPDATED"  # our record now says what the list says
    CASE_OPENED = "CASE_OPENED"  # a case follows it up
    EXPLAINED = "EXPLAINED"  # with a note saying why it needs nothing more


class ReconciliationRun(Model):
    """One national list compared with the records, kept with its file.

    The file is stored under `var/reconciliation` by a random name, so the
    list the office compared can be read again whatever became of the
    records since; `sha256` tells two uploads of the same file apart from
    two different lists.
    """

    id = fields.IntField(primary_key=True)
    uploaded_at = fields.DatetimeField(db_index=True)
    uploaded_by = fields.CharField(max_length=64)
    file_name = fields.CharField(max_length=255, description="As the office named it")
    stored_as = fields.CharField(max_length=64, unique=True)
    sha256 = fields.CharField(max_length=64)
    size = fields.IntField()
    row_count = fields.IntField(description="Institutions on the list")
    expiring_within_days = fields.IntField(
        description="A permit ending within this many days was reported"
    )
    counts = fields.JSONField(
        default=dict, description="Differences found, by category"
    )

    class Meta:
        table = "reconciliation_run"


class Difference(Model):
    """Something the list and the records disagree on, and its resolution."""

    id = fields.IntField(primary_key=True)
    run = fields.ForeignKeyField(
        "xiaowai.ReconciliationRun",
        db_index=True,
        related_name="differences",
        on_delete=fields.CASCADE,
    )
    category = fields.CharEnumField(DifferenceCategory, db_index=True)
    institution = fields.ForeignKeyField(
        "xiaowai.Institution",
        db_index=True,
        related_name="differences",
        null=True,
        on_delete=fields.SET_NULL,
        description="Ours, or null for an institution only the list knows",
    )
    row_number = fields.IntField(null=True, description="The list's row, if any")
    listed = fields.JSONField(
        null=True, description="The list's row: name, credit code, permit, address"
    )
    differs_in = fields.CharField(
        max_length=32, null=True, description="What differs, e.g. credit_code"
    )
    ours = fields.CharField(max_length=256, null=True)
    theirs = fields.CharField(max_length=256, null=True)
    state = fields.CharEnumField(
        DifferenceState, default=DifferenceState.OPEN, db_index=True
    )
    note = fields.TextField(default="", description="Why it was resolved so")
    resolved_by = fields.CharField(max_length=64, null=True)
    resolved_at = fields.DatetimeField(null=True)
    case = fields.ForeignKeyField(
        "xiaowai.Case",
        db_index=True,
        related_name="differences",
        null=True,
        on_delete=fields.SET_NULL,
    )
    version = fields.IntField(default=1)

    class Meta:
        table = "difference"
