"""Supervising licensed institutions: scoring templates, inspections, their
findings, and the cards and lists that follow from them."""

from enum import StrEnum

from tortoise import fields
from tortoise.models import Model


class ItemKind(StrEnum):
    STANDARD = "STANDARD"  # worth its points; points are deducted when not met
    BONUS = "BONUS"  # adds up to its points when earned
    VETO = "VETO"  # a breach alone makes the card red (一票否决)


class Card(StrEnum):
    GREEN = "GREEN"
    YELLOW = "YELLOW"
    RED = "RED"


class ListName(StrEnum):
    WHITE = "WHITE"
    KEY = "KEY"  # key supervision (重点监督名单)
    BLACK = "BLACK"


class ListSource(StrEnum):
    RULE = "RULE"
    OFFICE = "OFFICE"


class ListChangeState(StrEnum):
    APPLIED = "APPLIED"
    PENDING = "PENDING"  # onto or off the blacklist, awaiting confirmation
    REJECTED = "REJECTED"
    SUPERSEDED = "SUPERSEDED"  # a later verdict replaced it while it waited


class ScoringTemplate(Model):
    """One version of the checklist inspections are scored with.

    A version is never edited: changing the checklist saves a new version, and
    every inspection keeps the version it was scored with.
    """

    id = fields.IntField(primary_key=True)
    version = fields.IntField(unique=True)
    name = fields.CharField(max_length=64)
    note = fields.TextField(default="", description="What changed, and why")
    created_at = fields.DatetimeField()
    created_by = fields.CharField(max_length=64)

    class Meta:
        table = "scoring_template"


class TemplateItem(Model):
    id = fields.IntField(primary_key=True)
    template = fields.ForeignKeyField(
        "xiaowai.ScoringTemplate",
        db_index=True,
        related_name="items",
        on_delete=fields.CASCADE,
    )
    position = fields.IntField()
    section = fields.CharField(max_length=64)
    text = fields.CharField(max_length=400)
    kind = fields.CharEnumField(ItemKind)
    points = fields.DecimalField(max_digits=5, decimal_places=1)

    class Meta:
        table = "template_item"


class Inspection(Model):
    """An instructor's inspection (日常督查) of a licensed institution, scored."""

    id = fields.IntField(primary_key=True)
    institution = fields.ForeignKeyField(
        "xiaowai.Institution",
        db_index=True,
        related_name="inspections",
        on_delete=fields.RESTRICT,
    )
    instructor = fields.ForeignKeyField(
        "xiaowai.Person",
        db_index=True,
        related_name="inspections",
        on_delete=fields.RESTRICT,
    )
    template = fields.ForeignKeyField(
        "xiaowai.ScoringTemplate",
        db_index=True,
        related_name="inspections",
        on_delete=fields.RESTRICT,
    )
    inspected_on = fields.DateField(db_index=True)
    score = fields.DecimalField(max_digits=5, decimal_places=1)
    vetoed = fields.BooleanField(default=False)
    card = fields.CharEnumField(
        Card, description="The card this inspection earned when it was recorded"
    )
    notes = fields.TextField(default="")
    recorded_by = fields.CharField(max_length=64)
    recorded_at = fields.DatetimeField()
    demo = fields.BooleanField(
        default=False, description="Made by seed --demo-activity"
    )

    class Meta:
        table = "inspection"
        # An institution's latest inspection; the institutions inspected in a
        # report's period, read from the index alone.
        indexes = (
            ("institution_id", "inspected_on"),
            ("inspected_on", "institution_id"),
        )


class InspectionResult(Model):
    """How an institution fared on one item of the checklist."""

    id = fields.IntField(primary_key=True)
    inspection = fields.ForeignKeyField(
        "xiaowai.Inspection",
        db_index=True,
        related_name="results",
        on_delete=fields.CASCADE,
    )
    item = fields.ForeignKeyField(
        "xiaowai.TemplateItem",
        db_index=True,
        related_name="results",
        on_delete=fields.RESTRICT,
    )
    points = fields.DecimalField(
        max_digits=5,
        decimal_places=1,
        default=0,
        description="Deducted from a standard item, or earned on a bonus item",
    )
    breached = fields.BooleanField(default=False, description="A veto item breached")
    note = fields.TextField(default="")

    class Meta:
        table = "inspection_result"


class Finding(Model):
    """Something an inspection found that must be fixed by a deadline."""

    id = fields.IntField(primary_key=True)
    inspection = fields.ForeignKeyField(
        "xiaowai.Inspection",
        db_index=True,
        related_name="findings",
        on_delete=fields.CASCADE,
    )
    institution = fields.ForeignKeyField(
        "xiaowai.Institution",
        db_index=True,
        related_name="findings",
        on_delete=fields.RESTRICT,
    )
    item = fields.ForeignKeyField(
        "xiaowai.TemplateItem",
        db_index=True,
        related_name="findings",
        on_delete=fields.RESTRICT,
    )
    text = fields.TextField()
    deadline = fields.DateField(db_index=True)
    serious = fields.BooleanField(default=False)
    case = fields.ForeignKeyField(
        "xiaowai.Case",
        db_index=True,
        related_name="findings",
        null=True,
        on_delete=fields.SET_NULL,
        description="The VIOLATION case a serious finding opened",
    )
    resolved_on = fields.DateField(null=True, db_index=True)
    resolution = fields.TextField(default="")
    resolved_by = fields.CharField(max_length=64, null=True)

    class Meta:
        table = "finding"


class CardChange(Model):
    """An institution's card changed, and the rule that changed it."""

    id = fields.IntField(primary_key=True)
    institution = fields.ForeignKeyField(
        "xiaowai.Institution",
        db_index=True,
        related_name="card_changes",
        on_delete=fields.CASCADE,
    )
    card = fields.CharEnumField(Card, null=True, description="None: not yet assessed")
    previous = fields.CharEnumField(Card, null=True)
    rule = fields.CharField(max_length=32)
    details = fields.JSONField(default=dict)
    inspection = fields.ForeignKeyField(
        "xiaowai.Inspection",
        db_index=True,
        related_name="card_changes",
        null=True,
        on_delete=fields.SET_NULL,
    )
    at = fields.DatetimeField(db_index=True)

    class Meta:
        table = "card_change"


class ListChange(Model):
    """A move between the lists, by a rule or by the office.

    A move onto or off the blacklist waits, PENDING, until an administrator
    other than whoever proposed it confirms it; until then the institution
    stays where it was.
    """

    id = fields.IntField(primary_key=True)
    institution = fields.ForeignKeyField(
        "xiaowai.Institution",
        db_index=True,
        related_name="list_changes",
        on_delete=fields.CASCADE,
    )
    list_name = fields.CharEnumField(
        ListName, null=True, description="None: on no list"
    )
    previous = fields.CharEnumField(ListName, null=True)
    source = fields.CharEnumField(ListSource)
    rule = fields.CharField(max_length=32, null=True)
    reason = fields.TextField(default="")
    details = fields.JSONField(default=dict)
    state = fields.CharEnumField(ListChangeState, db_index=True)
    proposed_by = fields.CharField(max_length=64)
    proposed_by_account_id = fields.IntField(null=True)
    at = fields.DatetimeField(db_index=True)
    decided_by = fields.CharField(max_length=64, null=True)
    decided_at = fields.DatetimeField(null=True)
    decision_note = fields.TextField(default="")

    class Meta:
        table = "list_change"
        # The moves confirmed after a report's period, which change its lists.
        indexes = (("decided_at",),)
