"""How long a 50,000-institution import takes, and how much memory it holds.

Makes a fresh database (SQLite in a temporary folder, or the PostgreSQL
database named by --database, which it drops and creates first), migrates
it and loads the plan, writes a CSV file of --rows institutions (each with a
credit code, a category, a village and a business license), then times the
dry run, the import, and the same import again (which changes nothing).
Prints each time and the process's peak resident size so far; with --heap,
also the peak of memory the Python heap held, as traced by `tracemalloc`,
which slows every step down.

    .venv/bin/python bench/import_rows.py
    POSTGRES=postgres://postgres@127.0.0.1:5432/xiaowai_bench_import
    .venv/bin/python bench/import_rows.py --database $POSTGRES
"""

import argparse
import asyncio
import csv
import resource
import subprocess
import tempfile
import time
import tracemalloc
from pathlib import Path

from server import database
from server.credit_code import check_character
from server.imports import Kind, check_import, run_import
from server.permissions import COMMAND_LINE
from server.seed import load_plan

VILLAGES = ("寇家村", "林家村", "任家村", "江家村")
CATEGORIES = ("学科类", "艺术类", "体育类", "科技类")


def main() -> None:
    options = _options()
    with tempfile.TemporaryDirectory() as folder:
        url = options.database or f"sqlite://{folder}/bench.sqlite3"
        if url.startswith("postgres"):
            _empty_postgres(url)
        path = Path(folder) / "institutions.csv"
        write_csv(path, options.rows)
        asyncio.run(_run(url, path, options.rows, options.heap))


def _options() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", help="a PostgreSQL URL; SQLite if omitted")
    parser.add_argument("--rows", type=int, default=50_000, help="institutions")
    parser.add_argument(
        "--heap",
        action="store_true",
        help="also trace the Python heap's peak (which makes each step slower)",
    )
    return parser.parse_args()


def _empty_postgres(url: str) -> None:
    server, name = url.rsplit("/", 1)
    admin = server.replace("postgres://", "postgresql://") + "/postgres"
    for statement in (f'DROP DATABASE IF EXISTS "{name}"', f'CREATE DATABASE "{name}"'):
        subprocess.run(["psql", admin, "-q", "-c", statement], check=True)


def write_csv(path: Path, rows: int) -> None:
    with path.open("w", encoding="utf-8-sig", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(
            [
                "机构名称",
                "招牌名称",
                "统一社会信用代码",
                "类别",
                "地址",
                "村居",
                "营业执照号",
            ]
        )
        for number in range(rows):
            first = f"91370112MA{number:07d}"
            code = first + check_character(first)
            writer.writerow(
                [
                    f"济南市历城区基准培训学校{number:05d}有限公司",
                    f"基准培训{number:05d}",
                    code,
                    CATEGORIES[number % len(CATEGORIES)],
                    f"董家街道{number}号",
                    VILLAGES[number % len(VILLAGES)],
                    code,
                ]
            )


async def _run(url: str, path: Path, rows: int, heap: bool) -> None:
    await database.migrate(url)
    async with database.connect(url):
        await load_plan()
        for name, step in (
            ("dry run", check_import),
            ("import", run_import),
            ("import again", run_import),
        ):
            if heap:
                tracemalloc.start()
            began = time.perf_counter()
            with path.open("rb") as data:
                outcome = await step(COMMAND_LINE, Kind.INSTITUTIONS, data, path.name)
            took = time.perf_counter() - began
            print(
                f"{name:<13} {rows} rows in {took:6.1f} s ({rows / took:6.0f} rows/s), "
                f"{_memory(heap)}: {outcome.created} created, "
                f"{outcome.updated} updated, {outcome.unchanged} unchanged"
            )


def _memory(heap: bool) -> str:
    resident = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    if not heap:
        return f"peak resident {resident:4.0f} MiB"
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return f"heap peak {peak / 2**20:5.1f} MiB, peak resident {resident:4.0f} MiB"


if __name__ == "__main__":
    main()
