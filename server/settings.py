"""Settings, read once from the environment.

Every command and the web application read the same variables, so `xiaowai
migrate` run from any folder touches the same database that `xiaowai serve`
uses. The embedded default keeps its files under `var/` at the project root.
"""

import os
import secrets
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
LANGUAGES = ("zh", "en")
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")
DEFAULT_NOTICE_FORMAT = "董家双减整改〔{year}〕{number}号"


class SettingsError(ValueError):
    """A setting has a value the service cannot run with."""


@dataclass(frozen=True)
class Settings:
    database_url: str
    secret_key: str
    var_dir: Path
    host: str = "127.0.0.1"
    port: int = 8000
    log_level: str = "INFO"
    language: str = "zh"
    debug: bool = False
    session_idle_minutes: int = 30
    session_hours: int = 12
    evidence_dir: Path | None = None
    notice_format: str = DEFAULT_NOTICE_FORMAT
    student_names: bool = False
    card_green_from: Decimal = Decimal(90)
    card_red_below: Decimal = Decimal(75)
    standing_sweep_minutes: int = 60  # 0: no sweep inside the service
    public_url: str | None = None  # where parents reach the public directory
    complaints_per_hour: int = 5  # reports accepted from one client address
    complaint_min_seconds: int = 3  # a form sent sooner was filled by a program
    # The monthly report covers from this day of a month to the day before it
    # in the next (1: calendar months), and is due on the next `report_due_day`.
    report_period_starts_on: int = 1
    report_due_day: int = 26
    # A reconciliation with the national list reports school permits ending
    # within this many days, unless the office asks for another number.
    permit_warning_days: int = 60

    @property
    def evidence_folder(self) -> Path:
        """Where evidence files live: outside the web root, under `var/` by default."""
        return self.evidence_dir or self.var_dir / "evidence"

    @property
    def is_embedded(self) -> bool:
        """True when the database is the SQLite file xiaowai manages itself."""
        return self.database_url.startswith("sqlite://")


def load_settings(environ: dict[str, str] | None = None) -> Settings:
    env = os.environ if environ is None else environ
    var_dir = Path(env.get("XIAOWAI_VAR_DIR") or PROJECT_ROOT / "var")

    return Settings(
        database_url=_database_url(env, var_dir),
        secret_key=env.get("SECRET_KEY") or _stored_secret_key(var_dir),
        var_dir=var_dir,
        host=env.get("XIAOWAI_HOST", "127.0.0.1"),
        port=_port(env.get("XIAOWAI_PORT", "8000")),
        log_level=_choice(
            "XIAOWAI_LOG_LEVEL",
            env.get("XIAOWAI_LOG_LEVEL", "INFO").upper(),
            LOG_LEVELS,
        ),
        language=_choice(
            "XIAOWAI_LANGUAGE", env.get("XIAOWAI_LANGUAGE", "zh"), LANGUAGES
        ),
        debug=_switch(env.get("XIAOWAI_DEBUG", "")),
        session_idle_minutes=_positive(
            "XIAOWAI_SESSION_IDLE_MINUTES",
            env.get("XIAOWAI_SESSION_IDLE_MINUTES", "30"),
        ),
        evidence_dir=Path(env["XIAOWAI_EVIDENCE_DIR"])
        if env.get("XIAOWAI_EVIDENCE_DIR")
        else None,
        notice_format=_notice_format(env.get("XIAOWAI_NOTICE_FORMAT")),
        student_names=_switch(env.get("XIAOWAI_STUDENT_NAMES", "")),
        **_card_thresholds(env),
        public_url=_public_url(env.get("XIAOWAI_PUBLIC_URL")),
        standing_sweep_minutes=_whole(
            "XIAOWAI_STANDING_SWEEP_MINUTES",
            env.get("XIAOWAI_STANDING_SWEEP_MINUTES", "60"),
        ),
        session_hours=_positive(
            "XIAOWAI_SESSION_HOURS", env.get("XIAOWAI_SESSION_HOURS", "12")
        ),
        complaints_per_hour=_positive(
            "XIAOWAI_COMPLAINTS_PER_HOUR",
            env.get("XIAOWAI_COMPLAINTS_PER_HOUR", "5"),
        ),
        complaint_min_seconds=_whole(
            "XIAOWAI_COMPLAINT_MIN_SECONDS",
            env.get("XIAOWAI_COMPLAINT_MIN_SECONDS", "3"),
        ),
        report_period_starts_on=_day_of_month(
            "XIAOWAI_REPORT_PERIOD_STARTS_ON",
            env.get("XIAOWAI_REPORT_PERIOD_STARTS_ON", "1"),
        ),
        report_due_day=_day_of_month(
            "XIAOWAI_REPORT_DUE_DAY", env.get("XIAOWAI_REPORT_DUE_DAY", "26")
        ),
        permit_warning_days=_whole(
            "XIAOWAI_PERMIT_WARNING_DAYS",
            env.get("XIAOWAI_PERMIT_WARNING_DAYS", "60"),
        ),
    )


def _card_thresholds(env) -> dict[str, Decimal]:
    green = _score("XIAOWAI_CARD_GREEN_FROM", env.get("XIAOWAI_CARD_GREEN_FROM", "90"))
    red = _score("XIAOWAI_CARD_RED_BELOW", env.get("XIAOWAI_CARD_RED_BELOW", "75"))
    if red > green:
        raise SettingsError(
            "XIAOWAI_CARD_RED_BELOW must not be above XIAOWAI_CARD_GREEN_FROM"
        )
    return {"card_green_from": green, "card_red_below": red}


def _score(name: str, value: str) -> Decimal:
    try:
        score = Decimal(value)
    except InvalidOperation:
        score = Decimal(-1)
    if not 0 <= score <= 100:
        raise SettingsError(f"{name} must be a score from 0 to 100, not {value!r}")
    return score


def _switch(value: str) -> bool:
    return value.lower() in ("1", "true", "yes", "on")


def _database_url(env, var_dir: Path) -> str:
    url = env.get("DATABASE_URL")
    if not url:
        return f"sqlite://{var_dir / 'xiaowai.sqlite3'}"

    # Tortoise names the PostgreSQL scheme `postgres`; accept the spelling
    # that libpq, Docker images and most hosting panels print.
    if url.startswith("postgresql://"):
        url = "postgres://" + url.removeprefix("postgresql://")
    if not url.startswith(("sqlite://", "postgres://")):
        raise SettingsError(
            "DATABASE_URL must start with sqlite:// or postgres:// (or postgresql://)"
        )
    return url


def _stored_secret_key(var_dir: Path) -> str:
    """Read the secret key kept in `var/`, creating it on first use."""
    path = var_dir / "secret_key"
    if path.exists():
        return path.read_text().strip()

    var_dir.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    # Created with owner-only permissions from the first byte, not chmod-ed
    # later; if another process won the race, its key is the one to use.
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text().strip()
    with os.fdopen(descriptor, "w") as file:
        file.write(key + "\n")
    return key


def _port(value: str) -> int:
    if not value.isdigit() or not 0 < int(value) < 65536:
        raise SettingsError(
            f"XIAOWAI_PORT must be a number from 1 to 65535, not {value!r}"
        )
    return int(value)


def _notice_format(value: str | None) -> str:
    """A format whose numbers cannot repeat: numbering restarts every year."""
    if not value:
        return DEFAULT_NOTICE_FORMAT
    try:
        value.format(year=2023, number=1)
        well_formed = "{year}" in value and "{number}" in value
    except (KeyError, IndexError, ValueError):
        well_formed = False
    if not well_formed:
        raise SettingsError(
            "XIAOWAI_NOTICE_FORMAT must contain {year} and {number} and nothing "
            "else in braces, such as " + DEFAULT_NOTICE_FORMAT
        )
    return value


def _positive(name: str, value: str) -> int:
    if not value.isdigit() or int(value) == 0:
        raise SettingsError(f"{name} must be a whole number above 0, not {value!r}")
    return int(value)


def _public_url(value: str | None) -> str | None:
    """The address printed in QR codes; without it, the address staff use."""
    if not value:
        return None
    if not value.startswith(("https://", "http://")) or " " in value:
        raise SettingsError(
            "XIAOWAI_PUBLIC_URL must be a web address such as "
            f"https://xiaowai.example.cn, not {value!r}"
        )
    return value.rstrip("/")


def _day_of_month(name: str, value: str) -> int:
    """A day every month has: 1 to 28."""
    if not value.isdigit() or not 1 <= int(value) <= 28:
        raise SettingsError(
            f"{name} must be a day of the month from 1 to 28, not {value!r}"
        )
    return int(value)


def _whole(name: str, value: str) -> int:
    if not value.isdigit():
        raise SettingsError(f"{name} must be a whole number, 0 or more, not {value!r}")
    return int(value)


def _choice(name: str, value: str, allowed: tuple[str, ...]) -> str:
    if value not in allowed:
        raise SettingsError(
            f"{name} must be one of {', '.join(allowed)}, not {value!r}"
        )
    return value
