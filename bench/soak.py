"""Mixed public and staff traffic for --minutes, measured a minute at a time.

Copies the province that `bench/peer.py` loads (--source, which must exist:
run peer.py once first) into a scratch database, serves it with `xiaowai
serve`, and has autocannon send six streams at once, each for a minute and
then again, --minutes times: the public directory page and the directory
query (as parents' phones send them), an integrator's page of 100 and one
`node` by a token (every body different), the case ledger of a signed-in
administrator, and writes (a new institution each, by a write token),
which change the data's revision and so keep dropping the cached answers.

Prints, for every minute, each stream's requests per second, its 99th
percentile latency and its errors, and the server's resident memory; then
the error rate over the run and whether memory levelled off (its growth in
the last third of the run against the first). The scratch database is
dropped at the end.

    .venv/bin/python bench/soak.py                  # ten minutes
    .venv/bin/python bench/soak.py --minutes 2

Everything binds 127.0.0.1 and stops with the run, on error or Ctrl-C too.
"""

import argparse
import json
import signal
import subprocess
import sys
import tempfile
from contextlib import ExitStack
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import peer

SECONDS = 60
CREATE = """mutation { createInstitution(input: {
  registeredName: "压测写入的机构[<id>]"}) { institution { id } errors { message } }
}"""


@dataclass(frozen=True)
class Stream:
    name: str
    request: peer.Request
    connections: int


def main() -> None:
    options = _options()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    scratch = f"{options.source}_soak"
    with ExitStack() as cleanup:
        var_dir = Path(cleanup.enter_context(tempfile.TemporaryDirectory()))
        print(f"copying {options.source} into {scratch} ...", flush=True)
        _copy_database(options.source, scratch)
        cleanup.callback(_drop_database, scratch)
        environment = peer._environment(scratch, var_dir)
        peer._analyze(scratch)
        peer_dir = peer._peer_dir(options, cleanup)
        peer._install_peer(peer_dir)
        server = cleanup.enter_context(peer._serve_xiaowai(environment, var_dir, 1))
        streams = _streams(server, environment)
        minutes = [_minute(server, streams, peer_dir) for _ in range(options.minutes)]
        _print(streams, minutes)


def _options() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", default=peer.DEFAULT_DATABASE)
    parser.add_argument("--minutes", type=int, default=10)
    parser.add_argument("--peer-dir", type=Path, help="where autocannon is, kept")
    return parser.parse_args()


def _streams(server: peer.Server, environment: dict[str, str]) -> list[Stream]:
    reader = {"authorization": f"Bearer {peer._issue_token(environment)}"}
    writer = {"authorization": f"Bearer {peer._issue_token(environment, 'write')}"}
    cookie = {"cookie": peer._staff_cookie(server, environment)}
    first = peer._ask(
        server, "{ institutions(first: 1) { edges { node { id } } } }", reader
    )
    node_id = first["institutions"]["edges"][0]["node"]["id"]

    def unique(query: str, headers: dict, variables: dict | None = None):
        request = peer._graphql(query, (), headers, variables)
        return replace(request, body=peer._uniquely(request.body), unique=True)

    return [
        Stream("directory page /", peer.Request("GET", "/"), 2),
        Stream("directory query", peer._graphql(peer.XIAOWAI_DIRECTORY, ()), 2),
        Stream("integrator page 100", unique(peer.XIAOWAI_INSTITUTIONS, reader), 1),
        Stream("one node", unique(peer.XIAOWAI_NODE, reader, {"id": node_id}), 1),
        Stream("case ledger", peer.Request("GET", peer.LEDGER, headers=cookie), 1),
        Stream("writes", unique(CREATE, writer), 1),
    ]


def _minute(
    server: peer.Server, streams: list[Stream], peer_dir: Path
) -> dict[str, Any]:
    """Every stream at once for a minute; their reports and the memory after."""
    running = [
        subprocess.Popen(
            peer.autocannon_command(
                server, stream.request, peer_dir, stream.connections, SECONDS
            ),
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        for stream in streams
    ]
    reports = [
        json.loads(process.communicate(timeout=SECONDS + 60)[0]) for process in running
    ]
    return {"reports": reports, "resident_mib": _resident_mib(server)}


def _resident_mib(server: peer.Server) -> float:
    total_kb = 0
    for each in peer._process_tree(server.process.pid):
        for line in Path(f"/proc/{each}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                total_kb += int(line.split()[1])
    return total_kb / 1024


def _print(streams: list[Stream], minutes: list[dict[str, Any]]) -> None:
    print()
    print("minute | " + " | ".join(s.name for s in streams) + " | server RSS MiB")
    print("       | " + " | ".join("req/s (p99 ms) errors" for _ in streams) + " |")
    sent = failed = 0
    for number, minute in enumerate(minutes, start=1):
        cells = []
        for report in minute["reports"]:
            errors = report["non2xx"] + report["errors"] + report["timeouts"]
            sent += report["requests"]["total"]
            failed += errors
            cells.append(
                f"{report['requests']['average']:.0f} ({report['latency']['p99']:.0f}) "
                f"{errors}"
            )
        print(
            f"{number:6d} | " + " | ".join(cells) + f" | {minute['resident_mib']:.0f}"
        )

    resident = [minute["resident_mib"] for minute in minutes]
    third = max(len(resident) // 3, 1)
    early, late = resident[third - 1], resident[-1]
    print()
    print(f"{sent:,} requests, {failed:,} errors ({failed / max(sent, 1):.3%})")
    print(
        f"resident memory: {resident[0]:.0f} MiB after the first minute, "
        f"{early:.0f} after a third of the run, {late:.0f} at the end "
        f"({(late - early) / early:+.1%} over the last two thirds)"
    )


def _copy_database(source: str, target: str) -> None:
    server, name = source.rsplit("/", 1)
    admin = f"{server}/postgres"
    peer._psql(admin, f'DROP DATABASE IF EXISTS "{target.rsplit("/", 1)[1]}"', 60)
    peer._psql(
        admin, f'CREATE DATABASE "{target.rsplit("/", 1)[1]}" TEMPLATE "{name}"', 600
    )


def _drop_database(url: str) -> None:
    server, name = url.rsplit("/", 1)
    peer._psql(
        f"{server}/postgres", f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)', 60
    )


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        sys.exit("interrupted; the server is stopped")
