"""Writing over the API: validation, versions, one transaction, one audit entry."""

import pytest
from tortoise import Tortoise

from server import audit
from server.models import AuditEntry, Institution
from tests.conftest import GraphQLClient, running, sign_in

VALID_CODE = "91350100M000100Y43"

CREATE = """
mutation($input: CreateInstitutionInput!) {
  createInstitution(input: $input) {
    institution { id registeredName licenseStatus creditCode version
                  documents { kind number validUntil } }
    errors { field code message }
  }
}"""

UPDATE = """
mutation($input: UpdateInstitutionInput!) {
  updateInstitution(input: $input) {
    institution { id registeredName address version }
    errors { field code message }
  }
}"""


async def created(graphql, **fields) -> dict:
    data = await graphql.data(
        CREATE, input={"registeredName": "星光艺术培训学校", **fields}
    )
    assert data["createInstitution"]["errors"] == []
    return data["createInstitution"]["institution"]


async def test_creating_an_institution_derives_its_status_and_is_audited(graphql, db):
    institution = await created(
        graphql,
        creditCode=" 91350100m000100y43 ",
        category="ARTS",
        documents=[
            {
                "kind": "SCHOOL_PERMIT",
                "number": "教民137011230001234号",
                "validUntil": "2028-06-30",
            },
            {"kind": "BUSINESS_LICENSE"},
        ],
    )

    entry = await AuditEntry.get(action="institution.create")
    assert institution["licenseStatus"] == "LICENSED"
    assert institution["creditCode"] == VALID_CODE
    assert institution["version"] == 1
    assert entry.actor == "admin"
    assert entry.before is None
    assert entry.after["registered_name"] == "星光艺术培训学校"
    assert entry.after["documents"][1]["number"] == "教民137011230001234号"


@pytest.mark.parametrize(
    ("fields", "field", "code", "message"),
    [
        ({"registeredName": "  "}, "registeredName", "REQUIRED", "请填写此项。"),
        (
            {"registeredName": "长" * 129},
            "registeredName",
            "TOO_LONG",
            "最多 128 个字符，现有 129 个。",
        ),
        (
            {"creditCode": "91350100M000100Y44"},
            "creditCode",
            "INVALID",
            "最后一位与前面各位不符，请检查是否输错。",
        ),
        ({"creditCode": "9135"}, "creditCode", "INVALID", "统一社会信用代码共 18 位。"),
        (
            {
                "documents": [
                    {
                        "kind": "SCHOOL_PERMIT",
                        "issuedOn": "2025-01-01",
                        "validUntil": "2024-01-01",
                    }
                ]
            },
            "documents.0.validUntil",
            "INVALID",
            "结束日期早于开始日期。",
        ),
        (
            {"documents": [{"kind": "SCHOOL_PERMIT"}, {"kind": "SCHOOL_PERMIT"}]},
            "documents",
            "DUPLICATE",
            "每种证照只能列一次。",
        ),
        ({"village": "VmlsbGFnZTo5OTk5"}, "village", "NOT_FOUND", "请从列表中选择。"),
    ],
)
async def test_a_refused_create_says_why_and_writes_nothing(
    graphql, db, fields, field, code, message
):
    graphql.headers["Accept-Language"] = "zh-CN"
    before = await Institution.all().count()
    entries = await AuditEntry.all().count()

    answer = await graphql.data(
        CREATE, input={"registeredName": "星光艺术培训学校", **fields}
    )

    payload = answer["createInstitution"]
    assert payload["institution"] is None
    assert {"field": field, "code": code, "message": message} in payload["errors"]
    assert await Institution.all().count() == before
    assert await AuditEntry.all().count() == entries


async def test_every_problem_is_reported_at_once(graphql):
    answer = await graphql.data(
        CREATE, input={"registeredName": "", "creditCode": "123", "address": "路" * 300}
    )

    fields = [error["field"] for error in answer["createInstitution"]["errors"]]
    assert fields == ["registeredName", "address", "creditCode"]


async def test_no_two_institutions_share_a_credit_code(graphql):
    await created(graphql, creditCode=VALID_CODE)

    answer = await graphql.data(
        CREATE, input={"registeredName": "另一家", "creditCode": VALID_CODE}
    )

    assert answer["createInstitution"]["errors"] == [
        {
            "field": "creditCode",
            "code": "DUPLICATE",
            "message": "星光艺术培训学校 已使用此统一社会信用代码。",
        }
    ]


async def test_a_stale_version_is_refused_with_the_current_record(graphql, db):
    institution = await created(graphql)
    first = await graphql.data(
        UPDATE, input={"id": institution["id"], "version": 1, "address": "董家镇1号"}
    )

    second = await graphql.data(
        UPDATE, input={"id": institution["id"], "version": 1, "address": "覆盖它"}
    )

    assert first["updateInstitution"]["institution"]["version"] == 2
    assert second["updateInstitution"]["errors"][0]["code"] == "CONFLICT"
    assert second["updateInstitution"]["institution"] == {
        "id": institution["id"],
        "registeredName": "星光艺术培训学校",
        "address": "董家镇1号",
        "version": 2,
    }
    assert await AuditEntry.filter(action="institution.update").count() == 1


async def test_an_update_changes_only_the_fields_given_and_records_before_and_after(
    graphql, db
):
    institution = await created(graphql, address="旧址")

    await graphql.data(
        UPDATE,
        input={"id": institution["id"], "version": 1, "registeredName": "星光学校"},
    )

    entry = await AuditEntry.get(action="institution.update")
    assert (entry.before["registered_name"], entry.after["registered_name"]) == (
        "星光艺术培训学校",
        "星光学校",
    )
    assert entry.before["address"] == entry.after["address"] == "旧址"
    assert (entry.before["version"], entry.after["version"]) == (1, 2)


async def test_documents_replaced_by_an_update_change_the_license_status(graphql):
    institution = await created(graphql, documents=[{"kind": "BUSINESS_LICENSE"}])

    answer = await graphql.data(
        """mutation($input: UpdateInstitutionInput!) {
           updateInstitution(input: $input) {
             institution { licenseStatus documents { kind } } errors { code } } }""",
        input={
            "id": institution["id"],
            "version": 1,
            "documents": [
                {"kind": "BUSINESS_LICENSE"},
                {"kind": "SCHOOL_PERMIT", "status": "APPLIED"},
            ],
        },
    )

    assert institution["licenseStatus"] == "BUSINESS_LICENSE_ONLY"
    assert answer["updateInstitution"]["institution"] == {
        "licenseStatus": "APPLYING",
        "documents": [{"kind": "SCHOOL_PERMIT"}, {"kind": "BUSINESS_LICENSE"}],
    }


async def ids(graphql, query: str, path: list[str]) -> dict[str, str]:
    data = await graphql.data(query)
    for key in path:
        data = data[key]
    return {edge["node"]["name"]: edge["node"]["id"] for edge in data["edges"]}


async def test_assignments_of_supervisors_and_instructors(graphql, db):
    villages = await ids(
        graphql, "{ villages(first: 100) { edges { node { id name } } } }", ["villages"]
    )
    people = await ids(
        graphql, "{ people(first: 100) { edges { node { id name } } } }", ["people"]
    )
    unlicensed = await created(graphql, registeredName="无证托管班")

    assigned = await graphql.data(
        """mutation($input: SupervisorInput!) { assignSupervisor(input: $input) {
             village { name supervisors { name } } errors { code } } }""",
        input={"person": people["李萍"], "village": villages["林家村"]},
    )
    refused = await graphql.data(
        """mutation($input: InstructorInput!) { assignInstructor(input: $input) {
             institution { id } errors { field code } } }""",
        input={"person": people["马丽"], "institution": unlicensed["id"]},
    )
    not_a_teacher = await graphql.data(
        """mutation($input: InstructorInput!) { assignInstructor(input: $input) {
             errors { field code } } }""",
        input={"person": people["李萍"], "institution": unlicensed["id"]},
    )

    assert assigned["assignSupervisor"] == {
        "village": {
            "name": "林家村",
            "supervisors": [{"name": "李萍"}, {"name": "林庆杰"}],
        },
        "errors": [],
    }
    assert refused["assignInstructor"]["errors"] == [
        {"field": "institution", "code": "INVALID"}
    ]
    assert not_a_teacher["assignInstructor"]["errors"] == [
        {"field": "person", "code": "INVALID"},
        {"field": "institution", "code": "INVALID"},
    ]
    entry = await AuditEntry.get(action="supervisor.assign")
    assert len(entry.after["supervisor_ids"]) == len(entry.before["supervisor_ids"]) + 1


async def test_a_village_is_placed_in_a_district(graphql):
    village = (
        await graphql.data(
            '{ villages(filter: {text: "寇家村"}) { edges { node { id version } } } }'
        )
    )["villages"]["edges"][0]["node"]
    districts = await ids(
        graphql, "{ districts { edges { node { id name } } } }", ["districts"]
    )

    answer = await graphql.data(
        """mutation($input: SetVillageDistrictInput!) {
           setVillageDistrict(input: $input) {
             village { name version district { name } } errors { code } } }""",
        input={
            "village": village["id"],
            "version": village["version"],
            "district": districts["董家管理区"],
        },
    )

    assert answer["setVillageDistrict"] == {
        "village": {"name": "寇家村", "version": 2, "district": {"name": "董家管理区"}},
        "errors": [],
    }


async def test_people_units_schools_and_the_leadership_group_are_editable(graphql):
    person = (
        await graphql.data(
            """mutation { createPerson(input: {name: "王小明", phone: "13800001234"}) {
             person { id name phone version } errors { field code } } }"""
        )
    )["createPerson"]
    unit = (
        await graphql.data(
            'mutation { createUnit(input: {name: "综治办"}) {'
            " unit { id } errors { code } } }"
        )
    )["createUnit"]
    school = (
        await graphql.data(
            'mutation { createSchool(input: {name: "董家小学"}) {'
            " school { name } errors { code } } }"
        )
    )["createSchool"]
    group = (await graphql.data("{ leadershipGroup { id version } }"))[
        "leadershipGroup"
    ]
    seated = (
        await graphql.data(
            """mutation($input: SetLeadershipSeatInput!) {
                 setLeadershipSeat(input: $input) {
                   leadershipGroup { version members { title person { name } } }
                   errors { code }
            } }""",
            input={
                "group": group["id"],
                "version": group["version"],
                "person": person["person"]["id"],
                "role": "MEMBER",
                "title": "教育办干事",
            },
        )
    )["setLeadershipSeat"]

    assert person["errors"] == []
    assert person["person"]["phone"] == "13800001234"  # whole, for an administrator
    assert unit == {"unit": None, "errors": [{"code": "DUPLICATE"}]}
    assert school == {"school": {"name": "董家小学"}, "errors": []}
    assert seated["errors"] == []
    assert seated["leadershipGroup"]["version"] == group["version"] + 1
    assert seated["leadershipGroup"]["members"][-1] == {
        "title": "教育办干事",
        "person": {"name": "王小明"},
    }


async def test_who_may_write(settings, tmp_path):
    mutation = """mutation {
      createUnit(input: {name: "新单位"}) { unit { id } errors { code } }
    }"""
    async with running(settings) as client:
        anonymous = await GraphQLClient(client).data(mutation)
        await sign_in(client, "liping")
        supervisor = await GraphQLClient(client).data(mutation)

    assert anonymous["createUnit"]["errors"] == [{"code": "UNAUTHENTICATED"}]
    assert supervisor["createUnit"]["errors"] == [{"code": "FORBIDDEN"}]


async def test_the_audit_chain_holds_and_names_the_first_edited_entry(graphql, db):
    for name in ("一号机构", "二号机构", "三号机构"):
        await created(graphql, registeredName=name)

    intact = await audit.verify()
    total = await AuditEntry.all().count()
    second = (await AuditEntry.filter(action="institution.create").order_by("id"))[1]
    await Tortoise.get_connection("default").execute_query(
        "UPDATE audit_entry SET actor = 'someone else' WHERE id = " + str(second.id)
    )
    edited = await audit.verify()
    await Tortoise.get_connection("default").execute_query(
        "DELETE FROM audit_entry WHERE id = " + str(second.id)
    )
    deleted = await audit.verify()

    assert (intact.checked, intact.first_broken_id) == (total, None)
    assert edited.first_broken_id == second.id
    assert deleted.first_broken_id == second.id + 1
