"""Reports from the public (投诉举报), and how the office triages them."""

from enum import StrEnum

from tortoise import fields
from tortoise.models import Model


class Concern(StrEnum):
    """What the reporter says is wrong, in the words of the report form."""

    UNLICENSED = "UNLICENSED"  # training without a permit
    ACADEMIC_TUTORING = "ACADEMIC_TUTORING"  # subject tutoring the policy forbids
    FEES = "FEES"  # prepayment beyond the limits, refusals to refund
    SAFETY = "SAFETY"  # venue, fire, food
    ADVERTISING = "ADVERTISING"  # false or forbidden advertising
    OTHER = "OTHER"


class ComplaintState(StrEnum):
    RECEIVED = "RECEIVED"  # waiting for the office
    CASE_OPENED = "CASE_OPENED"  # a new case follows it up
    CASE_LINKED = "CASE_LINKED"  # an existing case already does
    DISMISSED = "DISMISSED"  # with an answer the reporter can read


class Complaint(Model):
    """One report by a member of the public.

    The reporter may stay anonymous. `contact` is for the office to call back
    and only administrators ever see it; `client_digest` is a keyed hash of
    the client address, kept so floods can be counted without keeping the
    address itself. The `reference` is the reporter's only handle on the
    report: random, so one reference tells nothing about another.
    """

    id = fields.IntField(primary_key=True)
    reference = fields.CharField(max_length=16, unique=True)
    institution = fields.ForeignKeyField(
        "xiaowai.Institution",
        db_index=True,
        related_name="complaints",
        null=True,
        on_delete=fields.SET_NULL,
        description="The institution reported, when the reporter picked a known one",
    )
    institution_name = fields.CharField(
        max_length=128, description="The institution as the reporter named it"
    )
    address = fields.CharField(max_length=256, default="")
    concern = fields.CharEnumField(Concern, db_index=True)
    description = fields.TextField()
    contact = fields.CharField(max_length=64, default="")
    client_digest = fields.CharField(max_length=64, db_index=True)
    received_at = fields.DatetimeField(db_index=True)
    state = fields.CharEnumField(
        ComplaintState, default=ComplaintState.RECEIVED, db_index=True
    )
    case = fields.ForeignKeyField(
        "xiaowai.Case",
        db_index=True,
        related_name="complaints",
        null=True,
        on_delete=fields.SET_NULL,
    )
    answer = fields.TextField(
        default="", description="What the office tells the reporter, in plain words"
    )
    triaged_by = fields.CharField(max_length=64, null=True)
    triaged_at = fields.DatetimeField(null=True)
    substantiated_on = fields.DateField(
        null=True,
        db_index=True,
        description="When the office verified the case it led to: the report was true",
    )
    version = fields.IntField(default=1)

    class Meta:
        table = "complaint"
