"""The audit trail: every write, who made it, and the record before and after."""

from tortoise import fields
from tortoise.models import Model


class AuditEntry(Model):
    """One write, chained to the entry before it by a hash.

    Rows are only ever inserted. The actor is kept as plain values rather
    than a foreign key, so nothing done to accounts later can alter a row;
    `hash` covers every other column and the previous row's hash, so an
    edited or deleted row breaks the chain (`xiaowai audit verify`).
    """

    id = fields.IntField(primary_key=True)
    at = fields.DatetimeField()
    actor_account_id = fields.IntField(null=True, db_index=True)
    actor_token_id = fields.IntField(null=True)
    actor = fields.CharField(max_length=64, description="Login or token name")
    action = fields.CharField(max_length=64)
    record_type = fields.CharField(max_length=32)
    record_id = fields.IntField()
    before = fields.JSONField(null=True)
    after = fields.JSONField(null=True)
    previous_hash = fields.CharField(max_length=64)
    hash = fields.CharField(max_length=64, unique=True)

    class Meta:
        table = "audit_entry"
        indexes = (("record_type", "record_id"), ("at",))
