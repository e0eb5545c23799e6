"""The requests too long for a load generator, each timed once: a 100,000-row
export through the running server, and a 50,000-row import.

`bench/peer.py` calls these after its load cases and prints their figures
under its table. The export streams the roster's workbook from the server
being measured, so its CPU and its processes' peak memory are the server's.
The import runs `xiaowai import` in a process of its own against a scratch
database made for it (the plan and nothing else), since importing into the
benchmark's province would change the data the next run measures; its CPU
and peak memory are that process's.
"""

import os
import subprocess
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import httpx
from import_rows import write_csv

IMPORT_ROWS = 50_000
EXPORT = "roster export, xlsx, every institution"
IMPORT = f"import, {IMPORT_ROWS:,} new institutions, CSV"


@dataclass
class Timed:
    """One long request: how long, how much, and what it cost."""

    name: str
    seconds: float
    size: str  # what came out: bytes written or rows imported
    cpu_seconds: float
    peak_memory_mib: float
    memory_note: str


def export(
    url: str,
    cookie: str,
    cpu_seconds: Callable[[], float],
    peak_memory_mib: Callable[[], float],
) -> Timed:
    """The whole roster as a workbook, streamed and counted, never kept."""
    memory_before = peak_memory_mib()
    cpu_before = cpu_seconds()
    began = time.perf_counter()
    written = 0
    with httpx.stream(
        "GET", url, headers={"cookie": cookie}, timeout=httpx.Timeout(60, read=600)
    ) as answer:
        answer.raise_for_status()
        for piece in answer.iter_bytes():
            written += len(piece)
    took = time.perf_counter() - began
    memory_after = peak_memory_mib()
    return Timed(
        name=EXPORT,
        seconds=took,
        size=f"{written / 2**20:.1f} MiB",
        cpu_seconds=cpu_seconds() - cpu_before,
        peak_memory_mib=memory_after,
        memory_note=f"server's peak {memory_before:.0f} MiB before",
    )


def import_file(xiaowai: Path, environment: dict[str, str]) -> Timed:
    """`xiaowai import institutions` of 50,000 new rows, in its own process."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "institutions.csv"
        write_csv(path, IMPORT_ROWS)
        for command in (["migrate"], ["seed"]):
            _run(xiaowai, command, environment)

        began = time.perf_counter()
        process = subprocess.Popen(
            [str(xiaowai), "import", "institutions", str(path)],
            env=environment,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        # wait4 gives the child's own CPU time and peak resident size.
        _pid, status, usage = os.wait4(process.pid, 0)
        took = time.perf_counter() - began
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"the import failed:\n{process.stderr.read().decode()}")
    return Timed(
        name=IMPORT,
        seconds=took,
        size=f"{IMPORT_ROWS / took:,.0f} rows/s",
        cpu_seconds=usage.ru_utime + usage.ru_stime,
        peak_memory_mib=usage.ru_maxrss / 1024,
        memory_note="the import's own process",
    )


def _run(xiaowai: Path, command: list[str], environment: dict[str, str]) -> None:
    subprocess.run(
        [str(xiaowai), *command],
        env=environment,
        check=True,
        capture_output=True,
        timeout=600,
    )


def print_table(timed: list[Timed]) -> None:
    if not timed:
        return
    print()
    print("long requests, one at a time, xiaowai alone:")
    for each in timed:
        print(
            f"  {each.name}: {each.seconds:.1f} s, {each.size}, "
            f"{each.cpu_seconds:.1f} s of CPU, peak memory {each.peak_memory_mib:.0f} "
            f"MiB ({each.memory_note})"
        )
