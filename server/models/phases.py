"""The plan's phases (实施步骤) and the tasks each asks, as data.

A phase's dates are the plan's own until the office moves them; a task is
worded as the plan words it. Progress on a task is not stored: a task with a
`measure` is counted from the records whenever someone asks (see
`server.phases`), and only a task no record can show, such as holding a
meeting, is marked done by hand, with when and why.
"""

from tortoise import fields
from tortoise.models import Model


class Phase(Model):
    """A phase of the plan: mobilisation, implementation, acceptance, deepening."""

    id = fields.IntField(primary_key=True)
    ordinal = fields.IntField(unique=True, description="1 for the first phase")
    name = fields.CharField(max_length=64)
    starts_on = fields.DateField()
    ends_on = fields.DateField()
    description = fields.TextField(default="", description="The plan's paragraph")
    version = fields.IntField(default=1)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "phase"


class PhaseTask(Model):
    """A task a phase asks, and, for a task marked by hand, when it was done."""

    id = fields.IntField(primary_key=True)
    phase = fields.ForeignKeyField(
        "xiaowai.Phase",
        db_index=True,
        related_name="tasks",
        on_delete=fields.CASCADE,
    )
    ordinal = fields.IntField(description="Its place among the phase's tasks")
    text = fields.TextField(description="The task as the plan words it")
    measure = fields.CharField(
        max_length=48,
        default="",
        description="How progress is counted from the records, or empty for a "
        "task the office marks done by hand",
    )
    done_on = fields.DateField(null=True)
    done_note = fields.TextField(default="")
    done_by = fields.CharField(max_length=64, null=True)
    version = fields.IntField(default=1)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "phase_task"
        unique_together = (("phase", "ordinal"),)
