"""Editing through the pages, as an administrator does it."""

import re

from server.models import AuditEntry, Institution, Person
from tests.conftest import running, sign_in
from tests.test_pages import text_of

NEW_INSTITUTION = {
    "registeredName": "星光艺术培训学校",
    "signboardName": "星光艺术",
    "creditCode": "91350100M000100Y43",
    "category": "ARTS",
    "address": "董家街道寇家村1号",
    "operatingStatus": "OPERATING",
    "documents.SCHOOL_PERMIT.status": "HELD",
    "documents.SCHOOL_PERMIT.number": "教民137011230001234号",
    "documents.SCHOOL_PERMIT.issuedOn": "2024-09-01",
    "documents.SCHOOL_PERMIT.validUntil": "2029-08-31",
    "documents.BUSINESS_LICENSE.status": "HELD",
}


def form(staff, **fields) -> dict:
    return {"csrf_token": staff.headers["X-CSRF-Token"], **fields}


async def test_an_administrator_records_an_institution_with_its_documents(staff, db):
    response = await staff.post(
        "/staff/institutions/new", data=form(staff, **NEW_INSTITUTION)
    )

    page = await staff.get(response.headers["location"])
    text = text_of(page.text)
    assert response.status_code == 303
    assert "星光艺术培训学校" in text
    assert "证照齐全" in text
    assert "办学许可证 已取得 教民137011230001234号 2024年9月1日 2029年8月31日" in text
    assert await AuditEntry.filter(action="institution.create").count() == 1


async def test_a_refused_form_keeps_what_was_typed_and_says_what_is_wrong(staff, db):
    before = await Institution.all().count()
    fields = {
        **NEW_INSTITUTION,
        "creditCode": "91350100M000100Y44",
        "documents.SCHOOL_PERMIT.validUntil": "2020-01-01",
    }

    response = await staff.post("/staff/institutions/new", data=form(staff, **fields))

    text = text_of(response.text)
    assert response.status_code == 422
    assert 'role="alert"' in response.text
    assert "统一社会信用代码: 最后一位与前面各位不符，请检查是否输错。" in text
    assert 'href="#field-creditCode"' in response.text
    assert 'id="error-documents.SCHOOL_PERMIT.validUntil"' in response.text
    assert 'value="星光艺术培训学校"' in response.text
    assert await Institution.all().count() == before


async def test_a_stale_edit_shows_what_changed_and_who_changed_it(settings):
    async with running(settings) as first, running(settings) as second:
        await sign_in(first, "admin")
        await sign_in(second, "mengzhaoxin")
        edit_page = await first.get("/staff/institutions/1/edit")
        version = re.search(r'name="version" value="(\d+)"', edit_page.text).group(1)
        values = {
            "registeredName": "济南利尔培训学校有限公司",
            "operatingStatus": "OPERATING",
            "version": version,
            "documents.SCHOOL_PERMIT.status": "HELD",
            "documents.BUSINESS_LICENSE.status": "HELD",
        }

        saved = await second.post(
            "/staff/institutions/1/edit",
            data={
                **values,
                "address": "先到的地址",
                "csrf_token": second.headers["X-CSRF-Token"],
            },
        )
        stale = await first.post(
            "/staff/institutions/1/edit",
            data={
                **values,
                "address": "后到的地址",
                "csrf_token": first.headers["X-CSRF-Token"],
            },
        )
        page = await first.get("/staff/institutions/1")

    text = text_of(stale.text)
    assert saved.status_code == 303
    assert stale.status_code == 409
    assert "您编辑期间，他人修改了这条记录" in text
    assert "修改人：mengzhaoxin" in text
    assert "地址 — 先到的地址" in text
    assert 'value="后到的地址"' in stale.text
    assert f'name="version" value="{int(version) + 1}"' in stale.text
    assert "先到的地址" in page.text


async def test_others_cannot_open_the_forms(settings):
    async with running(settings) as client:
        await sign_in(client, "liping")
        edit = await client.get("/staff/institutions/1/edit")
        new = await client.get("/staff/institutions/new")
        page = await client.get("/staff/institutions")

    assert edit.status_code == new.status_code == 403
    assert "新增机构" not in page.text


async def test_a_village_is_placed_and_given_a_supervisor_from_its_page(staff, db):
    village = re.search(
        r'href="/staff/villages/(\d+)">寇家村',
        (await staff.get("/staff/organisation")).text,
    ).group(1)
    page = await staff.get(f"/staff/villages/{village}")
    districts = dict(
        re.findall(r'<option value="(\d+)"\s*>([^<]+管理区)</option>', page.text)
    )
    district_id = next(k for k, v in districts.items() if v == "董家管理区")
    person = await Person.get(name="林庆杰")

    placed = await staff.post(
        f"/staff/villages/{village}/district",
        data=form(staff, district=district_id, version="1"),
    )
    assigned = await staff.post(
        f"/staff/villages/{village}/supervisors",
        data=form(staff, person=str(person.id)),
    )
    again = await staff.post(
        f"/staff/villages/{village}/supervisors",
        data=form(staff, person=str(person.id)),
    )
    text = text_of((await staff.get(f"/staff/villages/{village}")).text)

    assert placed.status_code == assigned.status_code == 303
    assert again.status_code == 422
    assert "该社会监督员已负责此村居。" in again.text
    assert "管理区 董家管理区" in text
    assert "李萍" in text and "林庆杰" in text


async def test_phone_numbers_are_whole_for_administrators_only(settings):
    async with running(settings) as browser:
        await sign_in(browser, "admin")
        created = await browser.post(
            "/staff/people/new", data=form(browser, name="王小明", phone="13800001234")
        )
        whole = await browser.get("/staff/people", params={"q": "王小明"})
        await sign_in(browser, "liping")
        masked = await browser.get("/staff/people", params={"q": "王小明"})

    assert created.status_code == 303
    assert "13800001234" in whole.text
    assert "138****1234" in masked.text and "13800001234" not in masked.text


async def test_a_bad_phone_number_is_refused_with_an_example(staff):
    response = await staff.post(
        "/staff/people/new", data=form(staff, name="王小明", phone="call me")
    )

    assert response.status_code == 422
    assert "请填写电话号码，例如 13800000000 或 0531-88161175。" in response.text


async def test_units_are_added_and_renamed_in_place(staff):
    added = await staff.post("/staff/units", data=form(staff, name="司法所"))
    duplicate = await staff.post("/staff/units", data=form(staff, name="司法所"))
    page = await staff.get("/staff/units")
    unit_id = re.search(
        r'action="/staff/units/(\d+)"[^>]*>\s*'
        r'<input type="hidden" name="csrf_token" value="[^"]+">\s*'
        r'<input type="hidden" name="version" value="1">\s*'
        r'<input name="name" value="司法所"',
        page.text,
    ).group(1)
    renamed = await staff.post(
        f"/staff/units/{unit_id}", data=form(staff, name="董家司法所", version="1")
    )

    assert added.status_code == renamed.status_code == 303
    assert duplicate.status_code == 422
    assert "司法所 已存在。" in duplicate.text
    assert 'value="董家司法所"' in (await staff.get("/staff/units")).text


async def test_the_leadership_group_gains_a_seat(staff, db):
    person = await Person.get(name="李萍")
    page = await staff.get("/staff/leadership")
    version = re.search(r'name="version" value="(\d+)"', page.text).group(1)

    added = await staff.post(
        "/staff/leadership/seats",
        data=form(
            staff,
            person=str(person.id),
            role="MEMBER",
            title="寇家村网格员",
            version=version,
        ),
    )
    text = text_of((await staff.get("/staff/organisation")).text)

    assert added.status_code == 303
    assert "成员 李萍 寇家村网格员" in text
