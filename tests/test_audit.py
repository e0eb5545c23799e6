"""The audit trail, read by administrators on a page and by integrators over the API."""

import re

from tests.conftest import GraphQLClient, running, sign_in
from tests.test_pages import text_of


async def test_an_edit_appears_in_the_audit_trail_with_before_and_after(staff):
    edit_page = await staff.get("/staff/institutions/1/edit")
    version = re.search(r'name="version" value="(\d+)"', edit_page.text).group(1)
    await staff.post(
        "/staff/institutions/1/edit",
        data={
            "csrf_token": staff.headers["X-CSRF-Token"],
            "version": version,
            "registeredName": "济南利尔培训学校有限公司",
            "address": "董家街道1号",
            "operatingStatus": "OPERATING",
            "documents.SCHOOL_PERMIT.status": "HELD",
            "documents.BUSINESS_LICENSE.status": "HELD",
        },
    )

    page = await staff.get(
        "/staff/audit", params={"record_type": "Institution", "record_id": "1"}
    )

    text = text_of(page.text)
    assert "admin institution.update 机构 1" in text
    assert "address : — → 董家街道1号" in text
    assert "plan.load" in text


async def test_the_audit_trail_filters_by_who(staff):
    page = await staff.get("/staff/audit", params={"actor": "nobody-at-all"})

    assert "没有符合条件的记录。" in page.text


async def test_only_administrators_read_the_audit_trail(settings):
    async with running(settings) as client:
        await sign_in(client, "fangjun")  # the group's leader, not an administrator
        page = await client.get("/staff/audit")
        api = await GraphQLClient(client)("{ auditLog { totalCount } }")

    assert page.status_code == 403
    assert api["errors"][0]["extensions"]["code"] == "FORBIDDEN"


async def test_integrators_read_a_records_history_by_its_global_id(graphql):
    institution = (
        await graphql.data("{ institutions(first: 1) { edges { node { id } } } }")
    )["institutions"]["edges"][0]["node"]["id"]

    data = await graphql.data(
        """query($record: ID) { auditLog(filter: {record: $record}) {
             totalCount
             edges { node { actor action recordType record before after } }
        } }""",
        record=institution,
    )

    entry = data["auditLog"]["edges"][0]["node"]
    assert data["auditLog"]["totalCount"] == 1
    assert entry["action"] == "plan.load"
    assert entry["record"] == institution
    assert entry["before"] is None
    assert entry["after"]["license_status"] == "LICENSED"
