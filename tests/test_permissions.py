"""Who may call what: every query and mutation of the schema, for every role.

The operations are read from the schema itself, so an operation added
without an entry here fails `test_every_operation_has_an_expected_answer`.
"""

import json
import re

import httpx
import pytest
from strawberry import relay

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
EVERYONE = dict.fromkeys(CALLERS, "ok")
COMPLAINT_READERS = {"admin", "leader", "read token", "write token"}
READING_COMPLAINTS = {
    caller: ("ok" if caller in COMPLAINT_READERS else "denied") for caller in CALLERS
}
# The plan's progress counts every village and institution: for those who see all.
PHASE_READERS = {"admin", "leader", "read token", "write token"}
READING_PHASES = {
    caller: ("ok" if caller in PHASE_READERS else "denied") for caller in CALLERS
}
REPORT_READERS = {"admin", "leader", "read token", "write token"}
READING_REPORTS = {
    caller: ("ok" if caller in REPORT_READERS else "denied") for caller in CALLERS
}

QUERIES = {
    "node": ("query($v: ID!) { node(id: $v) { id } }", FOUND_BY_STAFF),
    "nodes": ("query($v: ID!) { nodes(ids: [$v]) { id } }", FOUND_BY_STAFF),
    "viewer": ("{ viewer { name } }", FOUND_BY_STAFF),
    "subdistrict": ("{ subdistrict { name } }", EVERYONE),
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
    "cases": ("{ cases { totalCount } }", ALLOWED_ONLY),
    "patrols": ("{ patrols { totalCount } }", ALLOWED_ONLY),
    "inspections": ("{ inspections { totalCount } }", ALLOWED_ONLY),
    "scoringTemplate": ("{ scoringTemplate { version } }", ALLOWED_ONLY),
    "scoringTemplates": ("{ scoringTemplates { version } }", ALLOWED_ONLY),
    "pendingListChanges": ("{ pendingListChanges { totalCount } }", ALLOWED_ONLY),
    "coverage": ("{ coverage { monthStart } }", ALLOWED_ONLY),
    "complaints": ("{ complaints { totalCount } }", READING_COMPLAINTS),
    "reconciliationRuns": ("{ reconciliationRuns { totalCount } }", EDITING),
    "phases": ("{ phases { name } }", READING_PHASES),
    "monthlyReport": (
        '{ monthlyReport(month: "2026-11") { period { name } } }',
        READING_REPORTS,
    ),
    "workload": ('{ workload(month: "2026-11") { period { name } } }', READING_REPORTS),
    "directory": ("{ directory { totalCount } }", EVERYONE),
    "verification": ('{ verification(code: "ABCD-EFGH23") { verdict } }', EVERYONE),
    "blacklist": ("{ blacklist { totalCount } }", EVERYONE),
    "directoryPlaces": ("{ directoryPlaces { districts { id } } }", EVERYONE),
    "publishedPenalties": ("{ publishedPenalties { totalCount } }", EVERYONE),
    # A reference nobody was given: the same null for every caller.
    "complaintStatus": (
        '{ complaintStatus(reference: "ABCD-EFGH23") { progress } }',
        dict.fromkeys(CALLERS, "null"),
    ),
}
REPORTERS = {"admin", "supervisor", "write token"}
ANSWERERS = {"admin", "unit", "write token"}

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
    "recordPatrol": '{ village: $v, patrolledOn: "2026-01-05", findings: [] }',
    "reportProblem": (
        '{ village: $v, finding: { description: "x", signboardName: "x", address: "y" }'
        " }"
    ),
    "advanceCase": "{ case: $case, version: 2, action: ORDER_STOP }",
    "updateCaseRegister": (
        "{ case: $case, version: 9, studentsAffected: 1, studentsResettled: 0, "
        'feesOwed: "0", feesRefunded: "0" }'
    ),
    "dispatchCase": (
        '{ case: $case, units: [$unit], dueAt: "2099-01-01T00:00:00+08:00",'
        ' request: "x" }'
    ),
    "acknowledgeDispatch": "{ dispatch: $dispatch }",
    "reportDispatch": '{ dispatch: $dispatch, report: "done" }',
    "uploadEvidence": "{ case: $case, file: $file }",
    "importRecords": "{ kind: VILLAGES, file: $file, dryRun: true }",
    "recordInspection": '{ institution: $posting, inspectedOn: "2026-01-05" }',
    "resolveFinding": '{ finding: $finding, resolution: "已整改" }',
    "setListMembership": (
        '{ institution: $institution, listName: KEY, reason: "x", seenChange: null }'
    ),
    "decideListChange": "{ change: $change, confirm: true }",
    "saveScoringTemplate": '{ basedOnVersion: 1, name: "x", items: [] }',
    "publishPenalty": '{ id: $penalty, version: 1, summary: "x", publish: true }',
    "triageComplaint": '{ id: $complaint, version: 1, decision: DISMISS, answer: "x" }',
    # A photo is no list: who may reconcile hears INVALID, who may not, FORBIDDEN.
    "reconcile": "{ file: $file }",
    "resolveDifference": (
        '{ id: $difference, version: 1, action: EXPLAIN, note: "x" }'
    ),
    "markPhaseTask": '{ id: $task, version: 1, done: true, note: "x" }',
    "updatePhaseDates": (
        '{ id: $phase, version: 1, startsOn: "2023-02-01", endsOn: "2023-03-31" }'
    ),
    "submitComplaint": (
        '{ institutionName: "权限测试班", concern: OTHER, description: "x" }'
    ),
}
MUTATION_RULES = {
    "recordPatrol": {"supervisor"},
    "reportProblem": REPORTERS,
    "acknowledgeDispatch": ANSWERERS,
    "reportDispatch": ANSWERERS,
    # Inspections are recorded on an instructor's own account, never a token's.
    "recordInspection": {"instructor"},
    "resolveFinding": {"admin", "instructor", "write token"},
    # A blacklist decision needs an administrator's account: a token proposes.
    "decideListChange": {"admin"},
    "saveScoringTemplate": {"admin"},
    "triageComplaint": {"admin", "write token"},
    # The plan's progress is the office's to mark, on an administrator's account.
    "markPhaseTask": {"admin"},
    "updatePhaseDates": {"admin"},
    # Anyone may report an institution, signed in or not.
    "submitComplaint": set(CALLERS),
}


def expected_of_mutation(name: str, caller: str) -> str:
    return "ok" if caller in MUTATION_RULES.get(name, EDITORS) else "denied"


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
                  villages(first: 1, filter: {text: "寇家村"}) { edges { node { id } } }
                  institutions(first: 1) { edges { node { id instructors { id } } } }
                  people(first: 1, filter: {duty: [SUPERVISOR]}) {
                    edges { node { id } }
                  }
                  policeStation: units(first: 100) { edges { node { id name } } }
                  schools(first: 1) { edges { node { id } } }
                  districts(first: 1) { edges { node { id } } }
                  leadershipGroup { id }
                  posting: institutions(first: 1, filter: {text: "舞梦"}) {
                    edges { node { id } }
                  }
                }"""
            },
        )
    ).json()["data"]

    def first(name: str) -> str:
        return data[name]["edges"][0]["node"]["id"]

    institution = data["institutions"]["edges"][0]["node"]
    police = next(
        edge["node"]["id"]
        for edge in data["policeStation"]["edges"]
        if edge["node"]["name"] == "派出所"
    )
    known = {
        "v": first("villages"),
        "institution": institution["id"],
        "teacher": institution["instructors"][0]["id"],
        "person": first("people"),
        "unit": police,
        "school": first("schools"),
        "district": first("districts"),
        "group": data["leadershipGroup"]["id"],
        "posting": first("posting"),  # 董兰超, the instructor, is posted there
        # Ids of records that are not there: who may act hears NOT_FOUND or
        # CONFLICT, who may not hears so.
        "finding": str(relay.GlobalID("Finding", "999999")),
        "change": str(relay.GlobalID("ListChange", "999999")),
        "penalty": str(relay.GlobalID("Penalty", "999999")),
        "complaint": str(relay.GlobalID("Complaint", "999999")),
        "task": str(relay.GlobalID("PhaseTask", "999999")),
        "difference": str(relay.GlobalID("Difference", "999999")),
        "phase": str(relay.GlobalID("Phase", "999999")),
    }
    return known | await a_case_dispatched_to(client, known["v"], police)


async def a_case_dispatched_to(
    client: httpx.AsyncClient, village: str, unit: str
) -> dict:
    """A verified case in 李萍's village, dispatched to the police station."""

    async def call(query: str, **variables) -> dict:
        answer = await client.post(
            "/graphql", json={"query": query, "variables": variables}
        )
        return answer.json()["data"]

    reported = await call(
        """mutation($v: ID!) { reportProblem(input: {village: $v, finding: {
             description: "无证培训", signboardName: "权限测试班", address: "寇家村"
           }}) { case { id version } } }""",
        v=village,
    )
    case = reported["reportProblem"]["case"]
    await call(
        "mutation($c: ID!) { advanceCase(input: {case: $c, version: 1,"
        " action: VERIFY}) { errors { code } } }",
        c=case["id"],
    )
    sent = await call(
        """mutation($c: ID!, $u: ID!) { dispatchCase(input: {case: $c, units: [$u],
             dueAt: "2099-01-01T00:00:00+08:00", request: "请核查"}) {
             dispatches { id } } }""",
        c=case["id"],
        u=unit,
    )
    return {"case": case["id"], "dispatch": sent["dispatchCase"]["dispatches"][0]["id"]}


async def post(
    client: httpx.AsyncClient, query: str, variables: dict
) -> httpx.Response:
    """As JSON, or as a GraphQL multipart request when a file is among the variables."""
    if "file" not in variables:
        return await client.post(
            "/graphql", json={"query": query, "variables": variables}
        )
    operations = {"query": query, "variables": variables}
    return await client.post(
        "/graphql",
        data={
            "operations": json.dumps(operations),
            "map": json.dumps({"0": ["variables.file"]}),
        },
        files={"0": ("现场.png", PNG, "image/png")},
    )


PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


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
        declared = ", ".join(
            f"${variable}: {'Upload' if variable == 'file' else 'ID'}!"
            for variable in used
        )
        signature = f"({declared})" if used else ""
        selection = f"{name}(input: {arguments}) {{ errors {{ code }} }}"
        query = f"mutation{signature} {{ {selection} }}"
        variables = {variable: known.get(variable) for variable in used}
        response = await post(client, query, variables)
        answers[name] = outcome(response.json(), name)

    expected = {name: rules[caller] for name, (_query, rules) in QUERIES.items()}
    expected |= {name: expected_of_mutation(name, caller) for name in MUTATIONS}
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
