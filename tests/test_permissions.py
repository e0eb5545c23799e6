"""Who may call what: every query and mutation of the schema, for every role.

The operations are read from the schema itself, so an operation added
without an entry here fails `test_every_operation_has_an_expected_answer`.
"""

import re

import httpx
import pytest

from schema import build_schema
from server import database
from server.accounts import issue_token
from server.models import TokenScope
from server.permissions import COMMAND_LINE
from tests.conftest import running, sign_in

CALLERS = (
    "anonymous",
    "admin",
    "leader",
    "supervisor",
    "instructor",
    "unit",
    "read token",
    "write token",
)
LOGINS = {
    "admin": "admin",
    "leader": "fangjun",
    "supervisor": "liping",
    "instructor": "donglanchao",
    "unit": "paichusuo",
}
STAFF = set(CALLERS) - {"anonymous"}
EDITORS = {"admin", "write token"}
AUDITORS = {"admin", "read token", "write token"}

# What each operation answers: "ok" (allowed), "denied" (UNAUTHENTICATED or
# FORBIDDEN), "null" (answered as if the record did not exist).
ALLOWED_ONLY = {caller: ("ok" if caller in STAFF else "denied") for caller in CALLERS}
FOUND_BY_STAFF = {caller: ("ok" if caller in STAFF else "null") for caller in CALLERS}
EDITING = {caller: ("ok" if caller in EDITORS else "denied") for caller in CALLERS}

QUERIES = {
    "node": ("query($v: ID!) { node(id: $v) { id } }", FOUND_BY_STAFF),
    "nodes": ("query($v: ID!) { nodes(ids: [$v]) { id } }", FOUND_BY_STAFF),
    "viewer": ("{ viewer { name } }", FOUND_BY_STAFF),
    "subdistrict": ("{ subdistrict { name } }", dict.fromkeys(CALLERS, "ok")),
    "leadershipGroup": ("{ leadershipGroup { name } }", ALLOWED_ONLY),
    "districts": ("{ districts { totalCount } }", ALLOWED_ONLY),
    "villages": ("{ villages { totalCount } }", ALLOWED_ONLY),
    "schools": ("{ schools { totalCount } }", ALLOWED_ONLY),
    "units": ("{ units { totalCount } }", ALLOWED_ONLY),
    "people": ("{ people { totalCount } }", ALLOWED_ONLY),
    "institutions": ("{ institutions { totalCount } }", ALLOWED_ONLY),
    "auditLog": (
        "{ auditLog(first: 1) { totalCount } }",
        {caller: ("ok" if caller in AUDITORS else "denied") for caller in CALLERS},
    ),
}

MUTATIONS = {
    "createInstitution": '{ registeredName: "权限测试机构" }',
    "updateInstitution": '{ id: $institution, version: 1, address: "x" }',
    "assignInstructor": "{ person: $teacher, institution: $institution }",
    "unassignInstructor": "{ person: $teacher, institution: $institution }",
    "assignSupervisor": "{ person: $person, village: $v }",
    "unassignSupervisor": "{ person: $person, village: $v }",
    "setVillageDistrict": "{ village: $v, version: 1, district: null }",
    "createPerson": '{ name: "权限测试" }',
    "updatePerson": '{ id: $person, version: 1, title: "x" }',
    "createUnit": '{ name: "权限测试单位" }',
    "updateUnit": '{ id: $unit, version: 1, name: "x" }',
    "createSchool": '{ name: "权限测试学校" }',
    "updateSchool": '{ id: $school, version: 1, name: "x" }',
    "updateDistrict": '{ id: $district, version: 1, name: "x" }',
    "updateLeadershipGroup": '{ id: $group, version: 1, name: "x" }',
    "setLeadershipSeat": (
        '{ group: $group, version: 1, person: $person, role: MEMBER, title: "x" }'
    ),
    "removeLeadershipSeat": "{ group: $group, version: 1, person: $person }",
}


def test_every_operation_has_an_expected_answer():
    schema = build_schema()._schema

    assert set(schema.query_type.fields) == set(QUERIES)
    assert set(schema.mutation_type.fields) == set(MUTATIONS)


@pytest.fixture
async def callers(settings):
    """One browser, signed in as each caller in turn; tokens by header."""
    async with database.connect(settings.database_url):
        read = await issue_token(COMMAND_LINE, "read", TokenScope.READ)
        write = await issue_token(COMMAND_LINE, "write", TokenScope.WRITE)
    secrets = {"read token": read.secret, "write token": write.secret}

    async with running(settings) as client:

        async def become(caller: str) -> httpx.AsyncClient:
            client.cookies.clear()
            client.headers.pop("Authorization", None)
            client.headers.pop("X-CSRF-Token", None)
            if caller in LOGINS:
                await sign_in(client, LOGINS[caller])
            elif caller in secrets:
                client.headers["Authorization"] = f"Bearer {secrets[caller]}"
            return client

        yield become


async def ids(client: httpx.AsyncClient) -> dict[str, str]:
    data = (
        await client.post(
            "/graphql",
            json={
                "query": """{
                  villages(first: 1) { edges { node { id } } }
                  institutions(first: 1) { edges { node { id instructors { id } } } }
                  people(first: 1, filter: {duty: [SUPERVISOR]}) {
                    edges { node { id } }
                  }
                  units(first: 1) { edges { node { id } } }
                  schools(first: 1) { edges { node { id } } }
                  districts(first: 1) { edges { node { id } } }
                  leadershipGroup { id }
                }"""
            },
        )
    ).json()["data"]

    def first(name: str) -> str:
        return data[name]["edges"][0]["node"]["id"]

    institution = data["institutions"]["edges"][0]["node"]
    return {
        "v": first("villages"),
        "institution": institution["id"],
        "teacher": institution["instructors"][0]["id"],
        "person": first("people"),
        "unit": first("units"),
        "school": first("schools"),
        "district": first("districts"),
        "group": data["leadershipGroup"]["id"],
    }


def outcome(answer: dict, operation: str) -> str:
    codes = {
        error.get("extensions", {}).get("code") for error in answer.get("errors", [])
    }
    payload = (answer.get("data") or {}).get(operation)
    if isinstance(payload, dict) and "errors" in payload:
        codes |= {error["code"] for error in payload["errors"]}
    if codes & {"UNAUTHENTICATED", "FORBIDDEN"}:
        return "denied"
    if answer.get("errors"):
        return f"error: {answer['errors']}"
    if payload is None or payload == [None]:
        return "null"
    return "ok"


@pytest.mark.parametrize("caller", CALLERS)
async def test_each_caller_gets_the_expected_answer_from_every_operation(
    callers, caller
):
    known = await ids(await callers("admin"))
    client = await callers(caller)

    answers = {}
    for name, (query, _expected) in QUERIES.items():
        variables = {"v": known["v"]} if "$v" in query else {}
        response = await client.post(
            "/graphql", json={"query": query, "variables": variables}
        )
        answers[name] = outcome(response.json(), name)
    for name, arguments in MUTATIONS.items():
        used = sorted(set(re.findall(r"\$(\w+)", arguments)))
        declared = ", ".join(f"${variable}: ID!" for variable in used)
        signature = f"({declared})" if used else ""
        selection = f"{name}(input: {arguments}) {{ errors {{ code }} }}"
        query = f"mutation{signature} {{ {selection} }}"
        variables = {variable: known[variable] for variable in used}
        response = await client.post(
            "/graphql", json={"query": query, "variables": variables}
        )
        answers[name] = outcome(response.json(), name)

    expected = {name: rules[caller] for name, (_query, rules) in QUERIES.items()}
    expected |= {name: EDITING[caller] for name in MUTATIONS}
    assert answers == expected


async def test_a_supervisor_sees_only_the_institutions_of_their_villages(
    callers, settings
):
    admin = await callers("admin")
    licensed = await admin.post(
        "/graphql",
        json={"query": "{ institutions(first: 1) { edges { node { id } } } }"},
    )
    institution = licensed.json()["data"]["institutions"]["edges"][0]["node"]["id"]
    supervisor = await callers("supervisor")

    listed = await supervisor.post(
        "/graphql", json={"query": "{ institutions { totalCount } }"}
    )
    by_id = await supervisor.post(
        "/graphql",
        json={
            "query": "query($id: ID!) { node(id: $id) { id } }",
            "variables": {"id": institution},
        },
    )

    assert listed.json()["data"] == {"institutions": {"totalCount": 0}}
    assert by_id.json()["data"] == {"node": None}


async def test_an_instructor_sees_only_the_institutions_they_are_posted_to(callers):
    instructor = await callers("instructor")

    answer = await instructor.post(
        "/graphql",
        json={
            "query": "{ institutions { totalCount edges { node { registeredName } } } }"
        },
    )

    assert answer.json()["data"]["institutions"] == {
        "totalCount": 1,
        "edges": [{"node": {"registeredName": "济南市历城区舞梦教育培训学校有限公司"}}],
    }
