"""The `xiaowai` command: serve, migrate, seed, export the schema.

Every subcommand reads the same settings from the environment, so it acts on
the same database whichever folder it is run from.
"""

import asyncio
import sys
from pathlib import Path

import click
import uvicorn

from server import database
from server.logs import configure_logging, logging_config
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
@click.pass_obj
def seed(settings: Settings) -> None:
    """Load the plan's organisation, once; run again, it changes nothing."""
    from server.seed import load_plan

    async def run() -> bool:
        async with database.connect(settings.database_url):
            return await load_plan()

    if asyncio.run(run()):
        click.echo("Loaded the organisation of the plan.")
    else:
        click.echo("The organisation is already loaded; nothing changed.")


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
