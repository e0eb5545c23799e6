"""Text anyone can enter is shown back as text on every page that shows it:
never as markup, a script, or an htmx attribute that would make a request.

Each text goes in the way a user sends it (the API, the public report
form's mutation, a file's name as a browser uploads it) and each page that
shows it is read back.
"""

import base64
import json

import pytest

from tests.conftest import ADMIN_PASSWORD, CSRF_FIELD

SCRIPT = '<script>alert(1)</script><a hx-get="/staff/audit" hx-trigger="load">x</a>'
SHORT = "<img src=x onerror=alert(2)>"  # for fields of at most 32 characters
RAW = ("<script>alert(1)", 'hx-get="/staff/audit"', "<img src=x")
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture
async def hostile(graphql, anonymous_graphql, staff) -> dict[str, str]:
    """Records whose every text field carries markup; their pages' paths."""
    made = await graphql.data(
        """mutation($name: String!, $short: String!) {
          createInstitution(input: {registeredName: $name, signboardName: $name,
            address: $name, documents: [
              {kind: SCHOOL_PERMIT, status: HELD, number: $short},
              {kind: BUSINESS_LICENSE, status: HELD}]}) {
            institution { id } errors { message } }
          createPerson(input: {name: $short, title: $name}) {
            person { id } errors { message } }
        }""",
        name=SCRIPT,
        short=SHORT,
    )
    institution_id = _row_id(made["createInstitution"]["institution"]["id"])
    villages = await graphql.data("{ villages(first: 1) { edges { node { id } } } }")
    village = villages["villages"]["edges"][0]["node"]["id"]
    reported = await graphql.data(
        """mutation($village: ID!, $text: String!) {
          reportProblem(input: {village: $village, finding: {description: $text,
            signboardName: $text, address: $text, teaches: $text}}) {
            case { id } errors { message } }
        }""",
        village=village,
        text=SCRIPT,
    )
    case_id = _row_id(reported["reportProblem"]["case"]["id"])
    await _upload(staff, reported["reportProblem"]["case"]["id"], f"{SHORT}.png")
    await anonymous_graphql(
        """mutation($text: String!) {
          submitComplaint(input: {institutionName: $text, concern: UNLICENSED,
            description: $text, address: $text}) { reference errors { message } }
        }""",
        text=SCRIPT,
    )
    return {
        "roster": "/staff/institutions",
        "institution": f"/staff/institutions/{institution_id}",
        "people": "/staff/people",
        "ledger": "/staff/cases",
        "case": f"/staff/cases/{case_id}",
        "complaints": "/staff/complaints",
        "audit": "/staff/audit",
        "directory": "/?q=script",
    }


async def test_markup_in_every_text_is_shown_as_text_on_every_page(hostile, staff):
    for name, path in hostile.items():
        html = (await staff.get(path)).text

        for raw in RAW:
            assert raw not in html, f"{name} ({path}) shows {raw!r} as markup"
        assert "&lt;script&gt;alert(1)" in html or "&lt;img src=x" in html, name


@pytest.mark.parametrize(
    "target",
    ["https://evil.example/", "//evil.example/", "/\\evil.example", "javascript:1"],
)
async def test_sign_in_never_sends_its_reader_off_the_site(client, target):
    form = await client.get("/signin", params={"next": target})
    token = CSRF_FIELD.search(form.text)[1]

    signed = await client.post(
        "/signin",
        data={
            "login": "admin",
            "password": ADMIN_PASSWORD,
            "csrf_token": token,
            "next": target,
        },
    )

    assert signed.status_code == 303
    assert signed.headers["location"] == "/staff/"


async def _upload(staff, case: str, filename: str) -> None:
    """Evidence whose file name is markup, sent as a browser sends a file."""
    operations = {
        "query": """mutation($case: ID!, $file: Upload!) {
          uploadEvidence(input: {case: $case, file: $file}) { errors { code } } }""",
        "variables": {"case": case, "file": None},
    }
    uploaded = await staff.post(
        "/graphql",
        data={
            "operations": json.dumps(operations),
            "map": json.dumps({"0": ["variables.file"]}),
        },
        files={"0": (filename, PNG, "image/png")},
    )
    assert uploaded.json()["data"]["uploadEvidence"]["errors"] == []


def _row_id(global_id: str) -> int:
    return int(base64.b64decode(global_id).decode().split(":")[1])
