"""Who may sign in or call the API, and the traces their sign-ins leave."""

from enum import StrEnum

from tortoise import fields
from tortoise.models import Model


class Role(StrEnum):
    ADMIN = "ADMIN"
    LEADER = "LEADER"
    SUPERVISOR = "SUPERVISOR"
    INSTRUCTOR = "INSTRUCTOR"
    UNIT = "UNIT"


class TokenScope(StrEnum):
    READ = "READ"
    WRITE = "WRITE"


class Account(Model):
    """A person's (or a member unit's) way into the staff pages.

    Accounts are deactivated, never deleted, so the audit trail can always
    name who did what.
    """

    id = fields.IntField(primary_key=True)
    login = fields.CharField(max_length=32, unique=True)
    password_hash = fields.CharField(max_length=256)
    roles = fields.CharField(max_length=64, description="Comma-separated Role values")
    person = fields.ForeignKeyField(
        "xiaowai.Person",
        db_index=True,
        related_name="accounts",
        null=True,
        on_delete=fields.SET_NULL,
    )
    unit = fields.ForeignKeyField(
        "xiaowai.Unit",
        db_index=True,
        related_name="accounts",
        null=True,
        on_delete=fields.SET_NULL,
        description="The member unit a UNIT account acts for",
    )
    active = fields.BooleanField(default=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    password_changed_at = fields.DatetimeField(null=True)
    last_signed_in_at = fields.DatetimeField(null=True)

    class Meta:
        table = "account"

    @property
    def role_set(self) -> frozenset[Role]:
        return frozenset(Role(role) for role in self.roles.split(",") if role)


class Session(Model):
    """A signed-in browser. The cookie holds a token, and only its hash is kept."""

    id = fields.IntField(primary_key=True)
    token_hash = fields.CharField(max_length=64, unique=True)
    account = fields.ForeignKeyField(
        "xiaowai.Account",
        db_index=True,
        related_name="sessions",
        on_delete=fields.CASCADE,
    )
    created_at = fields.DatetimeField()
    last_seen_at = fields.DatetimeField()

    class Meta:
        table = "session"


class SignInFailure(Model):
    """Failed sign-ins per account or per client address, to slow guessing."""

    id = fields.IntField(primary_key=True)
    key = fields.CharField(max_length=128, unique=True)
    failures = fields.IntField(default=0)
    first_failed_at = fields.DatetimeField()
    locked_until = fields.DatetimeField(null=True)

    class Meta:
        table = "sign_in_failure"


class ApiToken(Model):
    """A district integrator's key to the API. Only its hash is kept."""

    id = fields.IntField(primary_key=True)
    name = fields.CharField(max_length=64)
    prefix = fields.CharField(max_length=12, description="Shown to tell tokens apart")
    token_hash = fields.CharField(max_length=64, unique=True)
    scope = fields.CharEnumField(TokenScope)
    created_by = fields.ForeignKeyField(
        "xiaowai.Account",
        db_index=True,
        related_name="created_tokens",
        null=True,
        on_delete=fields.SET_NULL,
    )
    created_at = fields.DatetimeField(auto_now_add=True)
    last_used_at = fields.DatetimeField(null=True)
    revoked_at = fields.DatetimeField(null=True)

    class Meta:
        table = "api_token"


class IdempotentWrite(Model):
    """The answer to a write sent with an `Idempotency-Key`.

    The same write sent again (a client retrying after a lost answer) is
    answered from here instead of being made twice.
    """

    id = fields.IntField(primary_key=True)
    # Who sent it: the token, the account, or "anyone"; and the key they chose.
    caller = fields.CharField(max_length=64)
    key = fields.CharField(max_length=255)
    request_hash = fields.CharField(max_length=64, description="SHA-256 of the body")
    status = fields.IntField()
    content_type = fields.CharField(max_length=100)
    answer = fields.BinaryField()
    created_at = fields.DatetimeField(db_index=True)

    class Meta:
        table = "idempotent_write"
        unique_together = (("caller", "key"),)
