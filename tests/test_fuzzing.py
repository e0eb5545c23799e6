"""The API fuzzed by schemathesis, as an administrator and as anyone.

schemathesis reads `schema.graphql` and, for every query and mutation,
generates requests that fit the schema (hypothesis-graphql), sends them to
a running server and checks each answer: JSON that fits the schema. It
would also take any error in an answer for the server's; here a refusal
(not signed in, not allowed, a bad value) is the right answer to many of
its requests, so that check is replaced by this suite's own: no 5xx, no
error that is a fault (`INTERNAL`, an exception the API did not expect),
and no message that shows the server's insides. Refusals of valid requests
(a page beyond 100 rows, a query costing too much) are by design, so
schemathesis's check that valid data is accepted is left out too. The
three mutations that take a file (`Upload`) are fuzzed by their own tests'
malformed files instead. The suite sends `XIAOWAI_FUZZ_CASES` requests per
operation and caller (10 by default, about 1,300 in all); more runs the same
test longer:

    XIAOWAI_FUZZ_CASES=100 .venv/bin/pytest tests/test_fuzzing.py -s
"""

import os
import re
import time
from collections.abc import Iterator

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, settings

from server.settings import PROJECT_ROOT
from tests.conftest import ADMIN_PASSWORD, CSRF_FIELD, Served, serving

CASES = int(os.environ.get("XIAOWAI_FUZZ_CASES", "10"))
SCHEMA = schemathesis.graphql.from_path(PROJECT_ROOT / "schema.graphql").exclude(
    name=["Mutation.uploadEvidence", "Mutation.reconcile", "Mutation.importRecords"]
)
OUR_OWN_CHECKS_INSTEAD = [
    schemathesis.checks.not_a_server_error,
    schemathesis.checks.positive_data_acceptance,
]
# What a fault's message, a stack trace or a query's text would show.
INSIDES = re.compile(
    r"Traceback|File \"|\.py\b|SELECT |INSERT |sqlite|asyncpg|tortoise", re.I
)
SENT = {"anyone": 0, "administrator": 0}
TOOK = {"seconds": 0.0}  # the suite's summary prints both (see conftest)


@pytest.fixture(scope="module")
def fuzzed(databases, template_database, tmp_path_factory) -> Iterator[Served]:
    """One server for every case: a copy of the plan's database, written to
    freely by the fuzzer's mutations."""
    url = databases.copy(template_database)
    started = time.monotonic()
    with serving(url, tmp_path_factory.mktemp("fuzzed")) as served:
        yield served
    TOOK["seconds"] = time.monotonic() - started
    databases.drop(url)


@pytest.fixture(scope="module")
def administrator(fuzzed) -> dict[str, str]:
    """The headers of a signed-in administrator's page calling the API."""
    with httpx.Client(base_url=fuzzed.base_url) as client:
        form = client.get("/signin").text
        client.post(
            "/signin",
            data={
                "login": "admin",
                "password": ADMIN_PASSWORD,
                "csrf_token": CSRF_FIELD.search(form)[1],
            },
        )
        page = client.get("/account/password").text
        cookies = "; ".join(f"{k}={v}" for k, v in client.cookies.items())
    return {
        "cookie": cookies,
        "x-csrf-token": CSRF_FIELD.search(page)[1],
        "origin": fuzzed.base_url,
    }


@SCHEMA.parametrize()
@settings(
    max_examples=CASES,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    database=None,
)
@pytest.mark.parametrize("caller", ["anyone", "administrator"])
def test_no_request_that_fits_the_schema_breaks_the_api(case, caller, fuzzed, request):
    headers = request.getfixturevalue("administrator") if caller != "anyone" else {}
    answer = case.call_and_validate(
        base_url=fuzzed.base_url + "/graphql",
        headers=headers,
        excluded_checks=OUR_OWN_CHECKS_INSTEAD,
    )
    SENT[caller] += 1

    assert answer.status_code < 500, answer.text
    for error in answer.json().get("errors") or []:
        assert error.get("extensions", {}).get("code") != "INTERNAL", error
        assert not INSIDES.search(error["message"]), error
