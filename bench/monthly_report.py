"""How fast the monthly report answers, for a year of a district or province.

Makes a fresh database (SQLite in a temporary folder, or the PostgreSQL
database named by --database, which it drops and creates first), migrates
it, loads the plan, and adds a year of activity for --scale subdistricts
the size of Dongjia with `server.synthetic` (as `xiaowai seed --scale`
does): 10 make a district of 1,000 institutions, 1,000 a province of
100,000 with about a million inspections and 200,000 cases.

Then it times, --repeat times, the report of the last full month and of
the year, the workload and commendation of the month and of the year, and
the records behind the "problems found" figure, and prints the median and
slowest time of each with the SQL statements it sends. --figures adds the
time of each figure of the month's and the year's report. --keep-data
measures the PostgreSQL database as it is, without making it again.

    .venv/bin/python bench/monthly_report.py
    POSTGRES=postgres://postgres@127.0.0.1:5432/xiaowai_bench_report
    .venv/bin/python bench/monthly_report.py --database $POSTGRES

Everything runs on 127.0.0.1, and each step is bounded by the data's size.
"""

import argparse
import asyncio
import logging
import statistics
import subprocess
import tempfile
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from typing import Any

from server import database
from server.clock import today
from server.permissions import COMMAND_LINE
from server.reports import (
    SOURCES,
    Calendar,
    Period,
    month_before,
    monthly_report,
    records_behind,
    resettlement,
)
from server.seed import load_plan
from server.synthetic import add_subdistricts, row_counts
from server.workload import commendation, workload


def main() -> None:
    options = _options()
    with tempfile.TemporaryDirectory() as folder:
        url = options.database or f"sqlite://{folder}/bench.sqlite3"
        if options.keep_data:
            asyncio.run(_run_as_it_is(url, options))
            return
        if url.startswith("postgres"):
            _empty_postgres(url)
        asyncio.run(_run(url, options))


def _options() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", help="a PostgreSQL URL; SQLite if omitted")
    parser.add_argument(
        "--scale", type=int, default=10, help="subdistricts (default 10)"
    )
    parser.add_argument("--repeat", type=int, default=5, help="runs of each report")
    parser.add_argument(
        "--figures",
        action="store_true",
        help="also time each figure of the month's and the year's report",
    )
    parser.add_argument(
        "--keep-data",
        action="store_true",
        help="measure the PostgreSQL database as it is (one `bench/peer.py` "
        "loaded, say) instead of making it afresh",
    )
    options = parser.parse_args()
    if options.keep_data and not options.database:
        parser.error("--keep-data needs --database")
    return options


def _empty_postgres(url: str) -> None:
    """Drop and create the database, so every run starts from the same data."""
    server, name = url.rsplit("/", 1)
    admin = server.replace("postgres://", "postgresql://") + "/postgres"
    for statement in (f'DROP DATABASE IF EXISTS "{name}"', f'CREATE DATABASE "{name}"'):
        subprocess.run(["psql", admin, "-q", "-c", statement], check=True)


async def _run(url: str, options: argparse.Namespace) -> None:
    began = time.perf_counter()
    await database.migrate(url)
    async with database.connect(url):
        await load_plan()
        prepared = time.perf_counter() - began

        began = time.perf_counter()
        await add_subdistricts(options.scale)
        loaded = time.perf_counter() - began

        counts = await row_counts()
        _print_counts(counts)
        print(
            f"migrated and plan loaded in {prepared:.1f} s; "
            f"{options.scale} subdistricts' year generated and written in "
            f"{loaded:.1f} s\n"
        )
        await _measure(options, counts)
    print(f"\nto repeat: {_command(options)}")


async def _run_as_it_is(url: str, options: argparse.Namespace) -> None:
    async with database.connect(url):
        counts = await row_counts()
        _print_counts(counts)
        await _measure(options, counts)
    print(f"\nto repeat: {_command(options)}")


def _command(options: argparse.Namespace) -> str:
    words = [".venv/bin/python", "bench/monthly_report.py"]
    if options.database:
        words += ["--database", options.database]
    words += ["--scale", str(options.scale), "--repeat", str(options.repeat)]
    if options.figures:
        words.append("--figures")
    if options.keep_data:
        words.append("--keep-data")
    return " ".join(words)


def _print_counts(counts: dict[str, int]) -> None:
    shown = sorted((count, table) for table, count in counts.items() if count)
    print(f"{'table':24} {'rows':>8}")
    for count, table in reversed(shown):
        print(f"{table:24} {count:8d}")
    print(f"{'all tables':24} {sum(counts.values()):8d}\n")


# --- measuring ------------------------------------------------------------------------


class StatementCounter(logging.Handler):
    """Counts the SQL statements the database driver logs."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.statements = 0

    def emit(self, record: logging.LogRecord) -> None:
        verb = record.getMessage().lstrip().split(" ", 1)[0].upper()
        if verb in ("SELECT", "INSERT", "UPDATE", "DELETE", "WITH"):
            self.statements += 1


@contextmanager
def counting_statements() -> Iterator[StatementCounter]:
    logger = logging.getLogger("tortoise.db_client")
    counter = StatementCounter()
    previous_level = logger.level
    logger.setLevel(logging.DEBUG)
    logger.addHandler(counter)
    try:
        yield counter
    finally:
        logger.removeHandler(counter)
        logger.setLevel(previous_level)


async def _measure(options: argparse.Namespace, counts: dict[str, int]) -> None:
    end = today()
    month = Calendar().month(*month_before(end.year, end.month))
    year = Calendar().year(month.end.year)

    async def found(period: Period) -> int:
        _record, rows = await records_behind(COMMAND_LINE, period, "found")
        return await rows.count()

    measured: dict[str, Callable[[], Awaitable[Any]]] = {
        f"monthly report, {month.name}": lambda: monthly_report(COMMAND_LINE, month),
        f"monthly report, year {year.name}": lambda: monthly_report(COMMAND_LINE, year),
        f"workload, {month.name}": lambda: workload(COMMAND_LINE, month),
        f"workload, year {year.name}": lambda: workload(COMMAND_LINE, year),
        f"commendation, {month.name}": lambda: commendation(COMMAND_LINE, month),
        f"commendation, year {year.name}": lambda: commendation(COMMAND_LINE, year),
        f"records behind found, {month.name}": lambda: found(month),
        f"records behind found, year {year.name}": lambda: found(year),
    }
    print(
        f"{counts['village']} villages, {counts['institution']} institutions, "
        f"{counts['patrol']} patrols, {counts['case_record']} cases, "
        f"{counts['case_event']} case events, {counts['inspection']} inspections, "
        f"{counts['complaint']} complaints; today {end}, runs of each: "
        f"{options.repeat}"
    )
    print(f"{'what':40} {'median ms':>10} {'max ms':>10} {'statements':>11}")
    for name, call in measured.items():
        median, slowest, statements = await _time(call, options.repeat)
        print(f"{name:40} {median:10.1f} {slowest:10.1f} {statements:11d}")

    if options.figures:
        await _time_figures(month, options.repeat)
        await _time_figures(year, options.repeat)


async def _time(
    call: Callable[[], Awaitable[Any]], repeat: int
) -> tuple[float, float, int]:
    """The median and slowest of `repeat` runs, after one that counts statements
    (and warms the caches; logging at DEBUG would slow the timed runs)."""
    with counting_statements() as counter:
        await call()
    times = []
    for _ in range(repeat):
        began = time.perf_counter()
        await call()
        times.append((time.perf_counter() - began) * 1000)
    return statistics.median(times), max(times), counter.statements


async def _time_figures(period: Period, repeat: int) -> None:
    """Each figure of the report on its own, slowest first."""

    async def figure(name: str) -> None:
        source = SOURCES[name]
        if source.groups:
            await source.counts(period)
        else:
            await (await source.records(period)).count()

    figures = {name: (lambda name=name: figure(name)) for name in SOURCES}
    figures["(resettlement)"] = lambda: resettlement(period)
    timed = [(name, *await _time(call, repeat)) for name, call in figures.items()]
    print(f"\nfigures of the report for {period.name}, slowest first")
    print(f"{'figure':40} {'median ms':>10} {'max ms':>10} {'statements':>11}")
    for name, median, slowest, statements in sorted(timed, key=lambda t: -t[1]):
        print(f"{name:40} {median:10.1f} {slowest:10.1f} {statements:11d}")


if __name__ == "__main__":
    main()
