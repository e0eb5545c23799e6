"""Where an API request's CPU goes, in-process, over a loaded database.

Serves the app in this process (no HTTP server, no load generator) over
--database as it is, a province that `bench/peer.py` loaded, say, and asks
one of the benchmark's queries (--query: the integrator's page of 100
institutions, the directory of 50, or one node), each body different so
that no cache answers it. It prints the process's CPU per request in
batches, taking turns between `schema.execution.RowExecutor` completing
rows itself and graphql-core completing every field, so that both see the
machine in the same state; then, with --profile, a cProfile of the requests
grouped by where the time went. cProfile slows small calls more than large
ones, so its shares are a guide to where to look, not a measurement.

    .venv/bin/python bench/api_profile.py
    .venv/bin/python bench/api_profile.py --query directory --profile
"""

import argparse
import asyncio
import cProfile
import pstats
import random
import statistics
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import httpx
import peer
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

from schema.execution import RowExecutor
from server.accounts import issue_token
from server.app import create_app
from server.models import TokenScope
from server.permissions import COMMAND_LINE
from server.settings import Settings

QUERIES = {
    "institutions": peer.XIAOWAI_INSTITUTIONS,
    "directory": peer.XIAOWAI_DIRECTORY,
    "node": peer.XIAOWAI_NODE,
}
# Where a function's own time counts, by the first of these its file holds.
AREAS = (
    ("schema/execution.py", "rows completed by RowExecutor"),
    ("graphql/execution", "graphql-core's execution"),
    ("graphql/", "graphql-core: parsing, validation, types"),
    ("strawberry/", "Strawberry"),
    ("/schema/", "xiaowai's resolvers and types"),
    ("tortoise/", "Tortoise ORM"),
    ("pypika", "Tortoise ORM"),
    ("asyncpg", "driver"),
    ("/server/", "xiaowai's domain and middleware"),
    ("starlette/", "Starlette"),
    ("asyncio", "event loop"),
)
OWN_COMPLETION = RowExecutor.execute_fields
GRAPHQL_CORE_COMPLETION = StrawberryGraphQLCoreExecutionContext.execute_fields


def main() -> None:
    options = _options()
    asyncio.run(_run(options))


def _options() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", default=peer.DEFAULT_DATABASE)
    parser.add_argument("--query", choices=QUERIES, default="institutions")
    parser.add_argument("--batches", type=int, default=10, help="of each way")
    parser.add_argument("--requests", type=int, default=10, help="in a batch")
    parser.add_argument("--profile", action="store_true")
    return parser.parse_args()


async def _run(options: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory() as folder:
        settings = Settings(
            database_url=options.database,
            secret_key="bench-secret",
            var_dir=Path(folder),
            log_level="WARNING",
            standing_sweep_minutes=0,
        )
        app = create_app(settings)
        async with app.router.lifespan_context(app):
            issued = await issue_token(COMMAND_LINE, "bench-profile", TokenScope.READ)
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(
                transport=transport,
                base_url="http://bench",
                headers={"authorization": f"Bearer {issued.secret}"},
            ) as client:
                ask = await _asker(client, options.query)
                await _compare(ask, options)
                if options.profile:
                    await _profile(ask, options)


async def _asker(client: httpx.AsyncClient, query: str):
    """A function that asks `query` once, in a body never sent before."""
    variables = {}
    if query == "node":
        first = await client.post(
            "/graphql",
            json={"query": "{ institutions(first: 1) { edges { node { id } } } }"},
        )
        edge = first.json()["data"]["institutions"]["edges"][0]
        variables = {"id": edge["node"]["id"]}

    async def ask() -> None:
        body = {
            "query": f"# {random.random()}\n{QUERIES[query]}",
            "variables": variables,
        }
        answer = await client.post("/graphql", json=body)
        assert answer.status_code == 200 and "errors" not in answer.json(), answer.text

    return ask


async def _compare(ask, options: argparse.Namespace) -> None:
    for _ in range(options.requests):
        await ask()  # warm the caches of the schema and the connections

    cpu: dict[str, list[float]] = {"own": [], "graphql-core": []}
    for batch in range(options.batches):
        ways = ("own", "graphql-core") if batch % 2 else ("graphql-core", "own")
        for way in ways:
            _complete_rows(way)
            began = time.process_time()
            for _ in range(options.requests):
                await ask()
            cpu[way].append((time.process_time() - began) / options.requests * 1000)
    _complete_rows("own")

    own, core = (statistics.median(cpu[way]) for way in ("own", "graphql-core"))
    print(
        f"{options.query}: CPU ms a request, median of {options.batches} batches of "
        f"{options.requests}\n"
        f"  rows completed by RowExecutor       {own:7.1f}\n"
        f"  every field completed by graphql-core {core:5.1f}\n"
        f"  ratio                                 {own / core:5.2f}"
    )


def _complete_rows(way: str) -> None:
    RowExecutor.execute_fields = (
        OWN_COMPLETION if way == "own" else GRAPHQL_CORE_COMPLETION
    )


async def _profile(ask, options: argparse.Namespace) -> None:
    # Timed by the process's CPU, so that waiting for the database is not
    # counted against the select() that waits.
    profiler = cProfile.Profile(time.process_time)
    profiler.enable()
    for _ in range(options.requests * 4):
        await ask()
    profiler.disable()

    by_area: Counter[str] = Counter()
    stats = pstats.Stats(profiler).stats  # type: ignore[attr-defined]
    for (filename, _line, _name), (*_counts, own_time, _, callers) in stats.items():
        if filename != "~":
            by_area[_area(filename)] += own_time
            continue
        # A built-in (isinstance, a dict's get) counts where it was called.
        for (caller_file, _caller_line, _caller), (
            *_,
            time_from_caller,
            _,
        ) in callers.items():
            by_area[_area(caller_file)] += time_from_caller
    total = sum(by_area.values())
    print(f"\nown CPU time by area, under cProfile ({total:.2f} s in all)")
    for area, seconds in by_area.most_common():
        print(f"  {seconds / total * 100:5.1f} %  {area}")


def _area(filename: str) -> str:
    for marker, area in AREAS:
        if marker in filename:
            return area
    return "other: httpx, the standard library"


if __name__ == "__main__":
    sys.exit(main())
