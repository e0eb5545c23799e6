"""How fast the busiest read paths answer, on the demo year.

Starts `xiaowai serve` on a fresh database (SQLite in a temporary folder, or
the PostgreSQL database named by --database, which it empties first), loads
the plan and the demo activity, and has --clients concurrent clients fetch
each path for --seconds: the public directory's pages and queries as an
anonymous visitor (fresh, and revalidated with the ETag a browser keeps),
then the staff pages signed in as the administrator. Prints requests per
second and the median and 95th-percentile latency of each.

    .venv/bin/python bench/read_paths.py
    .venv/bin/python bench/read_paths.py --database postgres://postgres@127.0.0.1:5432/xiaowai_bench

Everything runs on 127.0.0.1 and stops after the time given.
"""

import argparse
import asyncio
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

PASSWORD = "bench-password-1"
WUMENG = "济南市历城区舞梦教育培训学校有限公司"
DIRECTORY_QUERY = """{ directory(first: 50) { totalCount edges { node {
  registeredName signboardName category address village district
  permitNumber registrationNumber card lastInspectedOn listName
} } } }"""
INSTITUTIONS_QUERY = """{ institutions(first: 50) { totalCount edges { node {
  registeredName licenseStatus operatingStatus
  village { name district { name } }
  instructors { name }
} } } }"""


def main() -> None:
    options = _options()
    with tempfile.TemporaryDirectory() as var_dir:
        environment = _environment(options, Path(var_dir))
        _prepare(environment)
        port = _free_port()
        server = subprocess.Popen(
            [sys.executable, "-m", "server", "serve", "--port", str(port)],
            env=environment,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            asyncio.run(_measure(f"http://127.0.0.1:{port}", options))
        finally:
            server.terminate()
            server.wait(timeout=10)


def _options() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", help="a PostgreSQL URL; SQLite if omitted")
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--clients", type=int, default=8)
    return parser.parse_args()


def _environment(options: argparse.Namespace, var_dir: Path) -> dict[str, str]:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("XIAOWAI_")}
    environment |= {
        "XIAOWAI_VAR_DIR": str(var_dir),
        "XIAOWAI_ADMIN_PASSWORD": PASSWORD,
        "XIAOWAI_LOG_LEVEL": "WARNING",
        "XIAOWAI_STANDING_SWEEP_MINUTES": "0",
        "DATABASE_URL": options.database or f"sqlite://{var_dir}/bench.sqlite3",
    }
    return environment


def _prepare(environment: dict[str, str]) -> None:
    if environment["DATABASE_URL"].startswith("postgres"):
        _empty_postgres(environment["DATABASE_URL"])
    for command in (["migrate"], ["seed", "--demo-activity"]):
        subprocess.run(
            [sys.executable, "-m", "server", *command],
            env=environment,
            check=True,
            stdout=subprocess.DEVNULL,
        )


def _empty_postgres(url: str) -> None:
    """Drop and create the database, so every run starts from the same data."""
    server, name = url.rsplit("/", 1)
    admin = server.replace("postgres://", "postgresql://") + "/postgres"
    for statement in (f'DROP DATABASE IF EXISTS "{name}"', f'CREATE DATABASE "{name}"'):
        subprocess.run(["psql", admin, "-q", "-c", statement], check=True)


async def _measure(base_url: str, options: argparse.Namespace) -> None:
    await _wait_until_up(base_url)
    print(f"{'path':36} {'req/s':>8} {'p50 ms':>8} {'p95 ms':>8}")
    async with httpx.AsyncClient(base_url=base_url, timeout=30) as visitor:
        await _measure_public(visitor, options)
    async with httpx.AsyncClient(base_url=base_url, timeout=30) as client:
        await _sign_in(client)
        wumeng = await _institution_url(client)
        paths = {
            "roster page (20 rows)": ("GET", "/staff/institutions", None),
            "institution file page": ("GET", wumeng, None),
            "institution file xlsx": ("GET", f"{wumeng}/file.xlsx", None),
            "roster xlsx (all rows)": ("GET", "/staff/institutions.xlsx", None),
            "supervision desk": ("GET", "/staff/supervision", None),
            "case ledger (20 rows)": ("GET", "/staff/cases", None),
            "GraphQL institutions (50)": (
                "POST",
                "/graphql",
                {"query": INSTITUTIONS_QUERY},
            ),
        }
        for name, (method, path, body) in paths.items():
            await _report(name, client, method, path, body, options)


async def _measure_public(visitor: httpx.AsyncClient, options) -> None:
    """The directory as parents reach it, and as their browsers revalidate it."""
    home = await visitor.get("/")
    code = re.search(r'href="/verify/([0-9A-Z]+)"', home.text)[1]
    paths = {
        "directory page (20 rows)": ("GET", "/", None),
        "directory search": ("GET", "/?q=%E8%88%9E", None),
        "verification page": ("GET", f"/verify/{code}", None),
        "blacklist page": ("GET", "/blacklist", None),
        "GraphQL directory (50), anonymous": (
            "POST",
            "/graphql",
            {"query": DIRECTORY_QUERY},
        ),
    }
    for name, (method, path, body) in paths.items():
        await _report(name, visitor, method, path, body, options)
        tag = (await visitor.request(method, path, json=body)).headers["etag"]
        revalidated = {"If-None-Match": tag}
        await _report(
            "  the same, revalidated (304)",
            visitor,
            method,
            path,
            body,
            options,
            headers=revalidated,
            expected=304,
        )


async def _report(name, client, method, path, body, options, **kwargs) -> None:
    rate, p50, p95 = await _load(client, method, path, body, options, **kwargs)
    print(f"{name:36} {rate:8.1f} {p50:8.1f} {p95:8.1f}")


async def _load(
    client, method, path, body, options, headers=None, expected=200
) -> tuple[float, float, float]:
    latencies: list[float] = []
    deadline = time.perf_counter() + options.seconds

    async def one_client() -> None:
        while time.perf_counter() < deadline:
            started = time.perf_counter()
            response = await client.request(method, path, json=body, headers=headers)
            if response.status_code != expected:
                raise SystemExit(f"{path}: {response.status_code}, not {expected}")
            latencies.append((time.perf_counter() - started) * 1000)

    began = time.perf_counter()
    await asyncio.gather(*(one_client() for _ in range(options.clients)))
    elapsed = time.perf_counter() - began
    cuts = statistics.quantiles(latencies, n=20)
    return len(latencies) / elapsed, statistics.median(latencies), cuts[18]


async def _sign_in(client: httpx.AsyncClient) -> None:
    form = await client.get("/signin")
    token = re.search(r'name="csrf_token" value="([^"]+)"', form.text)[1]
    signed = await client.post(
        "/signin",
        data={"login": "admin", "password": PASSWORD, "csrf_token": token},
        headers={"Origin": str(client.base_url)},
    )
    if signed.status_code != 303:
        raise SystemExit(f"could not sign in: {signed.status_code}")
    page = await client.get("/staff/")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    if token:
        client.headers["X-CSRF-Token"] = token[1]


async def _institution_url(client: httpx.AsyncClient) -> str:
    roster = await client.get("/staff/institutions", params={"q": "舞梦"})
    return re.search(r'href="(/staff/institutions/\d+)"', roster.text)[1]


async def _wait_until_up(base_url: str) -> None:
    async with httpx.AsyncClient() as client:
        for _ in range(300):
            try:
                if (await client.get(f"{base_url}/healthz")).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.1)
    raise SystemExit("xiaowai did not start")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


if __name__ == "__main__":
    main()
