"""The `xiaowai` command: serve, migrate, seed, import, back up and restore,
export the schema.

Every subcommand reads the same settings from the environment, so it acts on
the same database whichever folder it is run from.
"""

import asyncio
import logging
import os
import secrets
import sys
import time
from pathlib import Path

import click
import uvicorn

from server import database
from server.errors import DomainError
from server.imports import Kind
from server.logs import configure_logging, logging_config
from server.models import Role, TokenScope
from server.permissions import COMMAND_LINE
from server.settings import PROJECT_ROOT, Settings, SettingsError, load_settings


@click.group()
@click.pass_context
def main(context: click.Context) -> None:
    """Supervision platform for off-campus training institutions."""
    try:
        settings = load_settings()
    except SettingsError as error:
        raise click.UsageError(str(error)) from None
    configure_logging(settings.log_level)
    context.obj = settings


@main.command()
@click.option(
    "--host", help="Address to listen on (default: XIAOWAI_HOST or 127.0.0.1)."
)
@click.option(
    "--port", type=int, help="Port to listen on (default: XIAOWAI_PORT or 8000)."
)
@click.option(
    "--workers", type=int, default=1, show_default=True, help="Processes to run."
)
@click.pass_obj
def serve(settings: Settings, host: str | None, port: int | None, workers: int) -> None:
    """Serve the pages and the API."""
    host = host or settings.host
    port = port or settings.port
    click.echo(f"xiaowai is serving on http://{host}:{port}/  (staff pages: /staff/)")
    uvicorn.run(
        "server.app:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        # Our own middleware logs one line per request, without query strings.
        access_log=False,
        log_config=logging_config(settings.log_level),
    )


@main.command()
@click.pass_obj
def migrate(settings: Settings) -> None:
    """Bring the database schema up to date."""
    asyncio.run(database.migrate(settings.database_url))
    click.echo("The database is up to date.")


@main.command()
@click.option(
    "--demo-activity",
    is_flag=True,
    help="Also add a year of made-up patrols, cases and inspections, marked as "
    "demo data.",
)
@click.option(
    "--scale",
    type=click.IntRange(min=1),
    help="Grow the data to this many made-up subdistricts the size of Dongjia, "
    "each with a year of activity, for benchmarks and trials; 1000 make a "
    "province of 100,000 institutions.",
)
@click.pass_obj
def seed(settings: Settings, demo_activity: bool, scale: int | None) -> None:
    """Load the plan's organisation, once; run again, it changes nothing.

    On the embedded database (and wherever XIAOWAI_ADMIN_PASSWORD is set) it
    also makes the administrator `admin`; on the embedded database, demo
    accounts for everyone in the plan. Passwords are printed once.
    """
    if demo_activity and scale:
        raise click.UsageError(
            "--demo-activity and --scale each make a year of activity; use one."
        )
    from server import seed as plan_seed
    from server.phases import ensure_phases
    from server.scoring import ensure_default_template

    # The load writes an audit entry per record; they belong in the trail, and
    # on the console they would bury the passwords printed below.
    logging.getLogger("xiaowai.audit").setLevel(logging.WARNING)
    admin_password = os.environ.get("XIAOWAI_ADMIN_PASSWORD")
    demo_password = os.environ.get("XIAOWAI_DEMO_PASSWORD")

    async def run() -> None:
        async with database.connect(settings.database_url):
            if await plan_seed.load_plan():
                click.echo("Loaded the organisation of the plan.")
            else:
                click.echo("The organisation is already loaded; nothing changed.")
            if await ensure_default_template():
                click.echo("Installed the default scoring template.")
            if await ensure_phases():
                click.echo("Loaded the plan's four phases and their tasks.")
            if demo_activity:
                await _load_demo_activity(settings)
            if scale:
                await _grow_to_scale(scale)
            if not (settings.is_embedded or admin_password):
                return
            password = admin_password or generate_password()
            if await plan_seed.ensure_administrator(password):
                shown = "from XIAOWAI_ADMIN_PASSWORD" if admin_password else password
                click.echo(f"Administrator: sign in as admin, password {shown}")
            if settings.is_embedded:
                password = demo_password or generate_password()
                made = await plan_seed.create_demo_accounts(password)
                if made:
                    shown = "from XIAOWAI_DEMO_PASSWORD" if demo_password else password
                    click.echo(
                        f"Demo accounts: {made}, one per person and unit of the plan "
                        f"(see `xiaowai user list`), all with password {shown}"
                    )

    asyncio.run(_refusing_politely(run()))


async def _load_demo_activity(settings: Settings) -> None:
    from server.demo_activity import load_demo_activity

    summary = await load_demo_activity(settings)
    if summary is None:
        click.echo("The demo activity is already loaded; nothing changed.")
    else:
        click.echo(
            f"Added demo activity: {summary.patrols} patrols, {summary.cases} cases, "
            f"{summary.inspections} inspections with {summary.findings} findings "
            "(marked as demo data)."
        )


async def _grow_to_scale(scale: int) -> None:
    from server.synthetic import add_subdistricts, row_counts

    began = time.monotonic()

    def progress(done: int, wanted: int) -> None:
        took = time.monotonic() - began
        click.echo(f"  {done} of {wanted} subdistricts written ({took:.0f} s)")

    added = await add_subdistricts(scale, progress=progress)
    if not added:
        click.echo(f"The data holds {scale} subdistricts or more; nothing changed.")
        return
    counts = await row_counts()
    click.echo(
        f"Added {added} subdistricts in {time.monotonic() - began:.0f} s: "
        f"now {counts['institution']} institutions, {counts['inspection']} "
        f"inspections, {counts['case_record']} cases, {counts['complaint']} "
        "complaints."
    )


def generate_password() -> str:
    """Easy to read aloud and type: three groups of letters and digits."""
    alphabet = "abcdefghjkmnpqrstuvwxyz23456789"
    return "-".join(
        "".join(secrets.choice(alphabet) for _ in range(4)) for _ in range(3)
    )


async def _refusing_politely(work) -> None:
    """Run `work`; a refusal of the domain becomes a message and exit status 1."""
    try:
        await work
    except DomainError as refusal:
        raise click.ClickException(refusal.message) from None


@main.group()
def user() -> None:
    """Accounts of the staff pages."""


@user.command("add")
@click.argument("login")
@click.option(
    "--role",
    "roles",
    multiple=True,
    required=True,
    type=click.Choice([role.value for role in Role], case_sensitive=False),
    help="Repeat for several roles.",
)
@click.option("--person", help="The person's id, or their name if no one else has it.")
@click.option("--unit", help="For a UNIT account: the member unit's name.")
@click.option("--password-stdin", is_flag=True, help="Read the password from stdin.")
@click.pass_obj
def user_add(settings, login, roles, person, unit, password_stdin) -> None:
    """Create an account; the password is asked for, never an argument."""
    from server.accounts import create_account, find_person, find_unit

    password = _read_password(password_stdin)

    async def run() -> None:
        async with database.connect(settings.database_url):
            person_id = (await find_person(person)).id if person else None
            unit_id = (await find_unit(unit)).id if unit else None
            account = await create_account(
                COMMAND_LINE,
                login,
                password,
                frozenset(Role(role.upper()) for role in roles),
                person_id=person_id,
                unit_id=unit_id,
            )
            click.echo(f"Created {account.login} ({account.roles}).")

    asyncio.run(_refusing_politely(run()))


@user.command("password")
@click.argument("login")
@click.option("--password-stdin", is_flag=True, help="Read the password from stdin.")
@click.pass_obj
def user_password(settings, login, password_stdin) -> None:
    """Set an account's password; signs out all its sessions."""
    from server.accounts import find_account, set_password

    password = _read_password(password_stdin)

    async def run() -> None:
        async with database.connect(settings.database_url):
            await set_password(COMMAND_LINE, await find_account(login), password)
            click.echo(f"Password of {login} changed; its sessions were signed out.")

    asyncio.run(_refusing_politely(run()))


@user.command("list")
@click.pass_obj
def user_list(settings) -> None:
    """Every account: login, roles, who it belongs to, whether it is active."""
    from server.models import Account

    async def run() -> None:
        async with database.connect(settings.database_url):
            accounts = (
                await Account.all().order_by("login").prefetch_related("person", "unit")
            )
            for account in accounts:
                owner = account.person.name if account.person else ""
                owner = owner or (account.unit.name if account.unit else "")
                state = "" if account.active else "  (inactive)"
                click.echo(f"{account.login:<16} {account.roles:<24} {owner}{state}")

    asyncio.run(run())


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\n")
    return click.prompt("Password", hide_input=True, confirmation_prompt=True)


@main.group()
def token() -> None:
    """API tokens of district integrators."""


@token.command("create")
@click.option("--name", required=True, help="Who will use it, e.g. district-platform.")
@click.option(
    "--scope",
    type=click.Choice(["read", "write"], case_sensitive=False),
    default="read",
    show_default=True,
)
@click.pass_obj
def token_create(settings, name, scope) -> None:
    """Issue a token; it is printed alone on the last line, and never again."""
    from server.accounts import issue_token

    async def run() -> None:
        async with database.connect(settings.database_url):
            issued = await issue_token(COMMAND_LINE, name, TokenScope(scope.upper()))
            click.echo(f"Token {issued.token.name} ({scope}); keep it secret:")
            click.echo(issued.secret)

    asyncio.run(_refusing_politely(run()))


@main.command("export-schema")
@click.option(
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    default=PROJECT_ROOT / "schema.graphql",
    show_default="schema.graphql at the project root",
    help="Where to write the schema; - for standard output.",
)
def export_schema(output: Path) -> None:
    """Write the GraphQL schema in SDL, as reviewed in schema.graphql."""
    from schema import schema_text

    text = schema_text()
    if str(output) == "-":
        sys.stdout.write(text)
        return
    output.write_text(text, encoding="utf-8")
    click.echo(f"Wrote {output}")


@main.group("standing")
def standing_group() -> None:
    """Institutions' cards and lists."""


@standing_group.command("sweep")
@click.pass_obj
def standing_sweep(settings: Settings) -> None:
    """Judge every institution's card and list again, as of today.

    The service does this every XIAOWAI_STANDING_SWEEP_MINUTES; with that
    set to 0, run this from cron instead (daily is enough: deadlines are dates).
    """
    from server import standing

    async def run() -> int:
        async with database.connect(settings.database_url):
            return await standing.sweep(standing.Thresholds.of(settings))

    judged = asyncio.run(run())
    click.echo(f"Judged {judged} institutions; their cards and lists are current.")


@main.group("audit")
def audit_group() -> None:
    """The audit trail of every write."""


@audit_group.command("verify")
@click.pass_obj
def audit_verify(settings) -> None:
    """Check the hash chain; exit 1 and name the first entry that does not fit."""
    from server import audit

    async def run() -> audit.Verification:
        async with database.connect(settings.database_url):
            return await audit.verify()

    result = asyncio.run(run())
    if result.intact:
        click.echo(f"The audit trail is intact: {result.checked} entries checked.")
        if result.newest_id:
            # Kept somewhere else, it shows later whether newest entries vanished.
            click.echo(f"Newest entry {result.newest_id}, hash {result.newest_hash}")
        return
    click.echo(
        f"The audit trail is broken at entry {result.first_broken_id}: it was "
        "edited, or the entry before it was deleted. "
        f"The {result.checked} entries before it are intact.",
        err=True,
    )
    sys.exit(1)


@main.command("backup")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.pass_obj
def backup_command(settings: Settings, file: Path) -> None:
    """Copy the database to FILE, consistently, while it serves."""
    from server import backup

    try:
        snapshot = backup.backup(settings.database_url, file)
    except backup.BackupError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"Backed up to {snapshot.path} ({snapshot.size:,} bytes).")
    if snapshot.newest_audit_id:
        click.echo(
            f"Newest audit entry {snapshot.newest_audit_id}, "
            f"hash {snapshot.newest_audit_hash}"
        )


@main.command("restore")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--replace",
    is_flag=True,
    help="Overwrite a database that holds data (on SQLite it is kept, renamed).",
)
@click.pass_obj
def restore_command(settings: Settings, file: Path, replace: bool) -> None:
    """Put the backup FILE in place of the database, then check its audit trail.

    Stop the server first: it would carry on with what it had read.
    """
    from server import audit, backup

    try:
        backup.restore(settings.database_url, file, replace=replace)
    except backup.BackupError as error:
        raise click.ClickException(str(error)) from None

    async def verify() -> audit.Verification:
        async with database.connect(settings.database_url):
            return await audit.verify()

    result = asyncio.run(verify())
    if not result.intact:
        click.echo(
            f"Restored, but the audit trail is broken at entry "
            f"{result.first_broken_id}.",
            err=True,
        )
        sys.exit(1)
    click.echo(
        f"Restored from {file}; the audit trail is intact: {result.checked} entries."
    )


@main.command("import")
@click.argument(
    "kind", type=click.Choice([kind.value for kind in Kind], case_sensitive=False)
)
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Check the file and write nothing.")
@click.pass_obj
def import_records(settings: Settings, kind: str, file: Path, dry_run: bool) -> None:
    """Import villages, people, institutions or assignments from xlsx or CSV.

    Every row is checked first; the file is written whole or not at all, and
    importing it again changes nothing.
    """
    from server import imports

    async def run() -> imports.ImportPlan | imports.ImportResult:
        async with database.connect(settings.database_url):
            with file.open("rb") as data:
                if dry_run:
                    return await imports.check_import(
                        COMMAND_LINE, Kind(kind.upper()), data, file.name
                    )
                return await imports.run_import(
                    COMMAND_LINE, Kind(kind.upper()), data, file.name
                )

    try:
        outcome = asyncio.run(run())
    except imports.ImportRefused as refused:
        _echo_problems(refused.plan)
        click.echo("Nothing was imported.", err=True)
        sys.exit(1)

    if isinstance(outcome, imports.ImportPlan):
        for line in outcome.lines:
            changes = "; ".join(
                f"{change.column}: {change.before or '-'} → {change.after}"
                for change in line.changes
            )
            click.echo(f"{line.row:>6} {line.action.value:<9} {line.label}  {changes}")
        _echo_problems(outcome)
    click.echo(
        f"{outcome.created} to create, {outcome.updated} to update, "
        f"{outcome.unchanged} unchanged."
        if dry_run
        else f"Imported: {outcome.created} created, {outcome.updated} updated, "
        f"{outcome.unchanged} unchanged."
    )
    if dry_run and not outcome.clean:
        sys.exit(1)


def _echo_problems(plan) -> None:
    for problem in plan.problems:
        click.echo(problem.describe(), err=True)
    if plan.problem_count > len(plan.problems):
        hidden = plan.problem_count - len(plan.problems)
        click.echo(f"… and {hidden} more problems.", err=True)
