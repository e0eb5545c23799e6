"""Accounts, passwords, sign-in, sessions and integrators' tokens.

Passwords are hashed with argon2. Session and API tokens are random and
long, so a fast hash (SHA-256) protects them at rest; only the hashes are
stored, and a token is shown once, when it is made.
"""

import asyncio
import hashlib
import hmac
import logging
import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from tortoise.transactions import in_transaction

from server import audit
from server.clock import OFFICE_TIMEZONE
from server.errors import DomainError, ErrorCode
from server.i18n import _
from server.models import (
    Account,
    ApiToken,
    Person,
    Role,
    Session,
    SignInFailure,
    TokenScope,
    Unit,
)
from server.permissions import ANONYMOUS, Actor, Permission, require

logger = logging.getLogger("xiaowai.accounts")

LOGIN_PATTERN = re.compile(r"[a-z0-9][a-z0-9._-]{1,31}")
MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_LENGTH = 128
TOKEN_PREFIX = "xw_"

# Sign-in throttling: failures count within a window; past the first
# threshold each attempt waits, past the second the key is locked.
FAILURE_WINDOW = timedelta(minutes=15)
LOCK_DURATION = timedelta(minutes=15)
SLOW_AFTER = {"account": 3, "address": 10}
LOCK_AFTER = {"account": 5, "address": 30}
MAX_DELAY_SECONDS = 4.0

hasher = PasswordHasher()
# Verified against when the login is unknown, so that a wrong login takes as
# long to refuse as a wrong password and does not reveal which logins exist.
UNKNOWN_ACCOUNT_HASH = hasher.hash(secrets.token_urlsafe(16))


def now() -> datetime:
    return datetime.now(OFFICE_TIMEZONE)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


# --- accounts and passwords --------------------------------------------------


def check_login(login: str) -> str:
    login = login.strip().lower()
    if not LOGIN_PATTERN.fullmatch(login):
        raise DomainError(
            ErrorCode.INVALID,
            _(
                "A login is 2 to 32 characters: lower-case letters, digits, "
                "dots, dashes or underscores, starting with a letter or digit."
            ),
            field="login",
        )
    return login


def check_password(password: str, login: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        message = _("A password needs at least {minimum} characters.")
        raise DomainError(
            ErrorCode.INVALID, message.format(minimum=MIN_PASSWORD_LENGTH), "password"
        )
    if len(password) > MAX_PASSWORD_LENGTH:
        message = _("A password can be at most {maximum} characters.")
        raise DomainError(
            ErrorCode.TOO_LONG, message.format(maximum=MAX_PASSWORD_LENGTH), "password"
        )
    if password.strip().lower() == login:
        raise DomainError(
            ErrorCode.INVALID, _("The password must differ from the login."), "password"
        )


async def create_account(
    actor: Actor,
    login: str,
    password: str,
    roles: frozenset[Role],
    *,
    person_id: int | None = None,
    unit_id: int | None = None,
) -> Account:
    """An account, for the command line and the first start of an installation."""
    login = check_login(login)
    check_password(password, login)
    return await create_account_with_hash(
        actor, login, hasher.hash(password), roles, person_id=person_id, unit_id=unit_id
    )


async def create_account_with_hash(
    actor: Actor,
    login: str,
    password_hash: str,
    roles: frozenset[Role],
    *,
    person_id: int | None = None,
    unit_id: int | None = None,
) -> Account:
    """An account whose password was checked and hashed already.

    For many accounts that share a password, such as the demo accounts:
    hashing it once saves a fraction of a second per account.
    """
    require(actor, Permission.MANAGE_ACCOUNTS)
    login = check_login(login)
    if not roles:
        raise DomainError(ErrorCode.REQUIRED, _("Give the account a role."), "roles")
    if await Account.exists(login=login):
        message = _("The login {login} is taken.")
        raise DomainError(ErrorCode.DUPLICATE, message.format(login=login), "login")

    async with in_transaction():
        account = await Account.create(
            login=login,
            password_hash=password_hash,
            roles=",".join(sorted(roles)),
            person_id=person_id,
            unit_id=unit_id,
            password_changed_at=now(),
        )
        await audit.record(actor, "account.create", account, None, _snapshot(account))
    return account


async def set_password(actor: Actor, account: Account, password: str) -> None:
    """Set a new password and end every session of the account."""
    if actor.account_id != account.id:
        require(actor, Permission.MANAGE_ACCOUNTS)
    check_password(password, account.login)
    async with in_transaction():
        before = _snapshot(account)
        account.password_hash = hasher.hash(password)
        account.password_changed_at = now()
        await account.save(update_fields=["password_hash", "password_changed_at"])
        await Session.filter(account_id=account.id).delete()
        # The entry shows when the password changed, never what it is.
        await audit.record(
            actor, "account.password", account, before, _snapshot(account)
        )


def _snapshot(account: Account) -> dict:
    """What the audit trail keeps of an account: never its password hash."""
    return audit.snapshot(account) | {"password_hash": None}


async def change_own_password(actor: Actor, current: str, new: str) -> None:
    account = await account_of(actor)
    if not _verify(account.password_hash, current):
        raise DomainError(
            ErrorCode.INVALID,
            _("The current password is not right."),
            "current_password",
        )
    await set_password(actor, account, new)


def _verify(password_hash: str, password: str) -> bool:
    try:
        return hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


async def account_of(actor: Actor) -> Account:
    if actor.account_id is None:
        raise DomainError(ErrorCode.UNAUTHENTICATED, _("Sign in first."))
    return await Account.get(id=actor.account_id)


def actor_for_account(account: Account) -> Actor:
    return Actor(
        label=account.login,
        roles=account.role_set,
        account_id=account.id,
        person_id=account.person_id,
        unit_id=account.unit_id,
    )


# --- signing in --------------------------------------------------------------


@dataclass
class SignInRefused(Exception):
    """A sign-in that did not succeed; `retry_at` is set while locked out."""

    message: str
    retry_at: datetime | None = None


async def sign_in(login: str, password: str, client_address: str) -> Account:
    """The account the login and password open, or `SignInRefused`.

    Failures are counted per login and per client address; each wait grows
    past a few failures, and past a few more the login (or address) is
    refused outright for a while, whatever the password.
    """
    login = login.strip().lower()
    keys = {"account": f"account:{login}", "address": f"address:{client_address}"}
    await _refuse_if_locked(keys.values())

    account = await Account.get_or_none(login=login, active=True)
    password_hash = account.password_hash if account else UNKNOWN_ACCOUNT_HASH
    if not _verify(password_hash, password):
        logger.warning("sign-in refused: wrong login or password")
        await _count_failure(keys)
        await _refuse_if_locked(keys.values())
        raise SignInRefused(_("The login or the password is not right."))

    await SignInFailure.filter(key=keys["account"]).delete()
    account.last_signed_in_at = now()
    if hasher.check_needs_rehash(account.password_hash):
        account.password_hash = hasher.hash(password)
    await account.save(update_fields=["last_signed_in_at", "password_hash"])
    logger.info("signed in: account=%s", account.id)
    return account


async def _refuse_if_locked(keys: Iterable[str]) -> None:
    locks = await SignInFailure.filter(key__in=list(keys), locked_until__gt=now())
    if locks:
        retry_at = max(lock.locked_until for lock in locks)
        message = _("Too many failed sign-ins. Try again after {time}.")
        local = retry_at.astimezone(OFFICE_TIMEZONE)
        raise SignInRefused(message.format(time=local.strftime("%H:%M")), retry_at)


async def _count_failure(keys: dict[str, str]) -> None:
    moment = now()
    delay = 0.0
    for kind, key in keys.items():
        record, created = await SignInFailure.get_or_create(
            key=key, defaults={"failures": 0, "first_failed_at": moment}
        )
        if not created and moment - record.first_failed_at > FAILURE_WINDOW:
            record.failures, record.first_failed_at = 0, moment
        record.failures += 1
        if record.failures >= LOCK_AFTER[kind]:
            record.locked_until = moment + LOCK_DURATION
            record.failures, record.first_failed_at = 0, moment
        await record.save()
        excess = record.failures - SLOW_AFTER[kind]
        delay = max(delay, min(MAX_DELAY_SECONDS, float(excess)) if excess > 0 else 0.0)
    if delay:
        await asyncio.sleep(delay)


# --- sessions ----------------------------------------------------------------


async def open_session(account: Account) -> str:
    """A new session for `account`; returns the token for its cookie."""
    token = secrets.token_urlsafe(32)
    moment = now()
    await Session.create(
        token_hash=_digest(token),
        account=account,
        created_at=moment,
        last_seen_at=moment,
    )
    return token


async def resume_session(
    token: str, *, idle: timedelta, lifetime: timedelta
) -> tuple[Session, Account] | None:
    """The live session `token` opens, or None if it has expired or ended.

    A session ends after `idle` without a request, or `lifetime` after it
    began, whichever comes first. The last request's time is written at most
    once a minute, so reading pages does not cost a write each.
    """
    session = await Session.get_or_none(token_hash=_digest(token)).select_related(
        "account"
    )
    if session is None:
        return None
    moment = now()
    expired = (
        moment - session.last_seen_at > idle or moment - session.created_at > lifetime
    )
    if expired or not session.account.active:
        await session.delete()
        return None
    if moment - session.last_seen_at > timedelta(minutes=1):
        await Session.filter(id=session.id).update(last_seen_at=moment)
    return session, session.account


async def end_session(token: str) -> None:
    await Session.filter(token_hash=_digest(token)).delete()


def sign_cookie(token: str, secret_key: str) -> str:
    signature = hmac.new(
        secret_key.encode(), token.encode(), hashlib.sha256
    ).hexdigest()
    return f"{token}.{signature[:32]}"


def unsign_cookie(value: str, secret_key: str) -> str | None:
    """The token inside a cookie value, if the value was signed with our key."""
    token = value.rpartition(".")[0]
    if not token or not hmac.compare_digest(sign_cookie(token, secret_key), value):
        return None
    return token


# --- API tokens ----------------------------------------------------------------


@dataclass
class IssuedToken:
    token: ApiToken
    secret: str


async def issue_token(actor: Actor, name: str, scope: TokenScope) -> IssuedToken:
    """A new integrator token. The secret is returned here and never again."""
    require(actor, Permission.MANAGE_TOKENS)
    name = name.strip()
    if not name:
        raise DomainError(ErrorCode.REQUIRED, _("Name the token."), "name")
    if len(name) > 64:
        raise DomainError(
            ErrorCode.TOO_LONG, _("A token name can be at most 64 characters."), "name"
        )

    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    async with in_transaction():
        token = await ApiToken.create(
            name=name,
            prefix=secret[:10],
            token_hash=_digest(secret),
            scope=scope,
            created_by_id=actor.account_id,
        )
        await audit.record(actor, "token.issue", token, None, _token_snapshot(token))
    return IssuedToken(token=token, secret=secret)


async def revoke_token(actor: Actor, token_id: int) -> ApiToken:
    require(actor, Permission.MANAGE_TOKENS)
    token = await ApiToken.get_or_none(id=token_id)
    if token is None:
        raise DomainError(ErrorCode.NOT_FOUND, _("There is no such token."))
    if token.revoked_at is None:
        async with in_transaction():
            before = _token_snapshot(token)
            token.revoked_at = now()
            await token.save(update_fields=["revoked_at"])
            await audit.record(
                actor, "token.revoke", token, before, _token_snapshot(token)
            )
    return token


def _token_snapshot(token: ApiToken) -> dict:
    """What the audit trail keeps of a token: never its hash."""
    return audit.snapshot(token) | {"token_hash": None}


async def list_tokens(actor: Actor) -> list[ApiToken]:
    require(actor, Permission.MANAGE_TOKENS)
    return await ApiToken.all().order_by("-created_at", "-id")


async def actor_for_token(secret: str) -> Actor:
    """The actor a bearer token stands for; anonymous if it opens nothing."""
    if not secret.startswith(TOKEN_PREFIX):
        return ANONYMOUS
    token = await ApiToken.get_or_none(
        token_hash=_digest(secret), revoked_at__isnull=True
    )
    if token is None:
        return ANONYMOUS

    moment = now()
    if token.last_used_at is None or moment - token.last_used_at > timedelta(minutes=1):
        await ApiToken.filter(id=token.id).update(last_used_at=moment)
    return Actor(
        label=f"token:{token.name}", token_id=token.id, token_scope=token.scope
    )


async def find_person(name_or_id: str) -> Person:
    """The person an id or a unique name points to, for the command line."""
    if name_or_id.isdigit():
        people = await Person.filter(id=int(name_or_id))
    else:
        people = await Person.filter(name=name_or_id).limit(2)
    if len(people) != 1:
        message = (
            _("No person is called {name}.")
            if not people
            else _("More than one person is called {name}; give the id instead.")
        )
        raise DomainError(
            ErrorCode.NOT_FOUND, message.format(name=name_or_id), "person"
        )
    return people[0]


async def find_unit(name: str) -> Unit:
    unit = await Unit.get_or_none(name=name)
    if unit is None:
        message = _("There is no member unit called {name}.")
        raise DomainError(ErrorCode.NOT_FOUND, message.format(name=name), "unit")
    return unit


async def find_account(login: str) -> Account:
    account = await Account.get_or_none(login=login.strip().lower())
    if account is None:
        message = _("There is no account {login}.")
        raise DomainError(ErrorCode.NOT_FOUND, message.format(login=login), "login")
    return account
