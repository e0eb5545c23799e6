"""Reconciling the records with the national platform's list of institutions."""

import csv
import io
import json
from datetime import timedelta

import pytest
from openpyxl import Workbook

from server import database, reconciliation
from server.accounts import actor_for_account
from server.clock import today
from server.errors import DomainError, ErrorCode, Refused
from server.i18n import language
from server.institution_writes import (
    DocumentInput,
    InstitutionInput,
    update_institution,
)
from server.models import (
    Account,
    AuditEntry,
    Case,
    CaseKind,
    Difference,
    DifferenceCategory,
    DifferenceState,
    Document,
    DocumentKind,
    Institution,
    LicenseStatus,
    OperatingStatus,
    ReconciliationRun,
    Village,
)
from server.pagination import PageRequest
from server.permissions import COMMAND_LINE
from tests.conftest import counting_statements, sign_in

C = DifferenceCategory
CODES = ("91370112MA3C0001AT", "91370112MA3C0002BY", "91370112MA3C0003C3")
HEADERS_ZH = ["机构名称", "统一社会信用代码", "办学许可证号", "地址", "状态"]
HEADERS_EN = ["Name", "Credit code", "Permit number", "Address", "Status"]
UNKNOWN = "启航托管中心"
ALL = PageRequest(first=100)


def gb18030_csv(rows: list[list[str]], headers=HEADERS_ZH) -> bytes:
    text = io.StringIO()
    writer = csv.writer(text)
    writer.writerow(headers)
    writer.writerows(rows)
    return text.getvalue().encode("gb18030")


def xlsx(rows: list[list[str]], headers=HEADERS_EN) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(headers)
    for row in rows:
        sheet.append(row)
    data = io.BytesIO()
    book.save(data)
    return data.getvalue()


async def record(institution: Institution, **changes) -> Institution:
    """The institution as the office records it, through the ordinary write;
    `permit` and `permit_until` change its school permit."""
    number = changes.pop("permit", None)
    until = changes.pop("permit_until", None)
    held = await Document.filter(institution_id=institution.id)
    documents = [
        DocumentInput(
            kind=d.kind,
            status=d.status,
            number=number if d.kind == DocumentKind.SCHOOL_PERMIT else d.number,
            valid_until=until if d.kind == DocumentKind.SCHOOL_PERMIT else None,
        )
        for d in held
    ]
    return await update_institution(
        COMMAND_LINE,
        institution.id,
        institution.version,
        InstitutionInput(documents=documents, **changes),
    )


@pytest.fixture
async def office(db):
    """The nine institutions of the plan, recorded so that a list made by
    `national_rows` differs from them once in every category."""
    nine = await Institution.all().order_by("id")
    assert all(i.license_status == LicenseStatus.LICENSED for i in nine)
    a, b, c, d, e, f, g, *rest = nine
    far = today() + timedelta(days=400)
    recorded = {
        "same": await record(
            a,
            credit_code=CODES[0],
            address="寇家村东街1号",
            permit="教民1",
            permit_until=far,
        ),
        "permit": await record(
            b, credit_code=CODES[1], permit="教民2", permit_until=far
        ),
        "code": await record(c, permit="教民3"),
        "address": await record(d, address="寇家村东街4号", permit="教民4"),
        "status": await record(e, permit="教民5"),
        "unlisted": f,
        "expiring": await record(
            g, permit="教民7", permit_until=today() + timedelta(days=30)
        ),
        "rest": rest,
    }
    return recorded


def national_rows(office) -> list[list[str]]:
    rows = [
        # Nothing differs, though the list writes the address in full-width digits.
        [office["same"].registered_name, CODES[0], "教民1", "寇家村东街１号", "正常"],
        [office["permit"].registered_name, CODES[1], "教民2-1", "", ""],
        [office["code"].registered_name, CODES[2], "教民3", "", "存续"],
        [office["address"].registered_name, "", "教民4", "寇家村西街8号", ""],
        [office["status"].registered_name, "", "", "", "停业"],
        [office["expiring"].registered_name, "", "教民7", "", ""],
        [UNKNOWN, "", "教民99", "寇家村南街3号", "正常"],
    ]
    rows += [[i.registered_name, "", "", "", ""] for i in office["rest"]]
    return rows


async def admin_actor():
    return actor_for_account(await Account.get(login="admin"))


async def run_of(data: bytes, filename: str, tmp_path, days=None):
    return await reconciliation.reconcile(
        await admin_actor(), tmp_path / "reconciliation", data, filename, days, 60
    )


async def differences(run) -> dict[str, Difference]:
    found = await Difference.filter(run_id=run.id).order_by("id")
    return {f"{d.category}:{d.differs_in}": d for d in found}


EVERY_CATEGORY_ONCE = {
    "LICENSED_NOT_LISTED": 1,
    "LISTED_UNKNOWN": 1,
    "NUMBER_DIFFERS": 2,
    "ADDRESS_DIFFERS": 1,
    "STATUS_DIFFERS": 1,
    "PERMIT_EXPIRING": 1,
}


async def test_a_gb18030_list_is_compared_in_every_category(office, tmp_path):
    data = gb18030_csv(national_rows(office))

    run = await run_of(data, "全国平台名单.csv", tmp_path)

    assert run.counts == EVERY_CATEGORY_ONCE
    assert run.row_count == 7 + len(office["rest"])
    assert run.expiring_within_days == 60
    found = await differences(run)
    summary = {key: (d.institution_id, d.ours, d.theirs) for key, d in found.items()}
    assert summary == {
        "NUMBER_DIFFERS:permit_number": (office["permit"].id, "教民2", "教民2-1"),
        "NUMBER_DIFFERS:credit_code": (office["code"].id, None, CODES[2]),
        "ADDRESS_DIFFERS:address": (
            office["address"].id,
            "寇家村东街4号",
            "寇家村西街8号",
        ),
        "STATUS_DIFFERS:operating_status": (
            office["status"].id,
            "OPERATING",
            "SUSPENDED",
        ),
        "LISTED_UNKNOWN:None": (None, None, None),
        "LICENSED_NOT_LISTED:None": (office["unlisted"].id, None, None),
        "PERMIT_EXPIRING:valid_until": (
            office["expiring"].id,
            (today() + timedelta(days=30)).isoformat(),
            None,
        ),
    }
    assert found["LISTED_UNKNOWN:None"].listed == {
        "name": UNKNOWN,
        "credit_code": None,
        "permit_number": "教民99",
        "address": "寇家村南街3号",
        "status": "正常",
    }
    assert found["LISTED_UNKNOWN:None"].row_number == 8


async def test_the_run_keeps_its_file_and_is_audited(office, tmp_path):
    data = gb18030_csv(national_rows(office))

    run = await run_of(data, "全国平台名单.csv", tmp_path)

    stored = reconciliation.stored_file(tmp_path / "reconciliation", run)
    assert stored.read_bytes() == data
    assert stored.name == run.stored_as and "名单" not in run.stored_as
    assert run.file_name == "全国平台名单.csv"
    assert run.uploaded_by == "admin"
    assert len(run.sha256) == 64 and run.size == len(data)
    entry = await AuditEntry.filter(action="reconciliation.run").get()
    assert entry.record_id == run.id and entry.after["counts"] == EVERY_CATEGORY_ONCE
    assert [p.name for p in (tmp_path / "reconciliation").iterdir()] == [run.stored_as]


async def test_an_xlsx_list_with_english_headers_reads_the_same(office, tmp_path):
    run = await run_of(xlsx(national_rows(office)), "national.xlsx", tmp_path)

    assert run.counts == EVERY_CATEGORY_ONCE


async def test_the_number_of_days_decides_which_permits_are_reported(office, tmp_path):
    run = await run_of(gb18030_csv(national_rows(office)), "n.csv", tmp_path, days=10)

    assert run.counts["PERMIT_EXPIRING"] == 0
    assert run.expiring_within_days == 10


async def test_a_list_with_bad_rows_is_refused_naming_each_row_and_column(
    office, tmp_path
):
    rows = national_rows(office)
    rows[1][1] = "91370112MA3C0002BX"  # a typo in the check character
    rows[2][4] = "不详"
    rows[3][0] = ""
    rows.append([office["same"].registered_name, "", "", "", ""])

    with pytest.raises(Refused) as refused:
        await run_of(gb18030_csv(rows), "n.csv", tmp_path)

    assert [(e.field, e.code) for e in refused.value.errors] == [
        ("rows.3.creditCode", ErrorCode.INVALID),
        ("rows.4.status", ErrorCode.INVALID),
        ("rows.5.name", ErrorCode.REQUIRED),
        ("rows.11.name", ErrorCode.DUPLICATE),
    ]
    assert await ReconciliationRun.exists() is False
    assert not (tmp_path / "reconciliation").exists() or not any(
        (tmp_path / "reconciliation").iterdir()
    )


async def test_a_file_without_the_name_column_is_refused(db, tmp_path):
    with pytest.raises(Refused) as refused:
        await run_of(gb18030_csv([["x"]], headers=["名字"]), "n.csv", tmp_path)

    assert [(e.field, e.code) for e in refused.value.errors] == [
        ("file", ErrorCode.INVALID)
    ]
    assert "机构名称" in refused.value.errors[0].message


async def test_the_statements_do_not_grow_with_the_list(db, tmp_path):
    def unknown(count: int) -> bytes:
        return gb18030_csv([[f"名单机构{n:04d}", "", "", "", ""] for n in range(count)])

    with counting_statements() as fifty:
        await run_of(unknown(50), "50.csv", tmp_path)
    with counting_statements() as five_hundred:
        await run_of(unknown(500), "500.csv", tmp_path)

    assert len(five_hundred.statements) == len(fifty.statements)
    assert await Difference.filter(category=C.LISTED_UNKNOWN).count() == 550


# --- resolving ---------------------------------------------------------------------


@pytest.fixture
async def found(office, tmp_path):
    run = await run_of(gb18030_csv(national_rows(office)), "n.csv", tmp_path)
    return await differences(run)


async def test_updating_the_record_copies_the_listed_value_through_the_edit(
    office, found
):
    address = found["ADDRESS_DIFFERS:address"]
    before = await Institution.get(id=office["address"].id)

    resolved = await reconciliation.update_record(
        await admin_actor(), address.id, address.version
    )

    after = await Institution.get(id=office["address"].id)
    assert after.address == "寇家村西街8号"
    assert after.version == before.version + 1
    assert (resolved.state, resolved.version, resolved.resolved_by) == (
        DifferenceState.RECORD_UPDATED,
        2,
        "admin",
    )
    edit = await AuditEntry.filter(action="institution.update").order_by("-id").first()
    assert (edit.record_id, edit.after["address"]) == (after.id, "寇家村西街8号")
    assert await AuditEntry.exists(
        action="difference.record_updated", record_id=address.id
    )


async def test_updating_a_permit_number_keeps_the_other_documents(office, found):
    permit = found["NUMBER_DIFFERS:permit_number"]

    await reconciliation.update_record(await admin_actor(), permit.id, permit.version)

    held = await Document.filter(institution_id=office["permit"].id).order_by("kind")
    assert {d.kind: d.number for d in held}[DocumentKind.SCHOOL_PERMIT] == "教民2-1"
    assert len(held) == 2
    institution = await Institution.get(id=office["permit"].id)
    assert institution.license_status == LicenseStatus.LICENSED


async def test_updating_the_status_and_the_credit_code(office, found):
    admin = await admin_actor()
    status, code = (
        found["STATUS_DIFFERS:operating_status"],
        found["NUMBER_DIFFERS:credit_code"],
    )

    await reconciliation.update_record(admin, status.id, status.version)
    await reconciliation.update_record(admin, code.id, code.version)

    assert (await Institution.get(id=office["status"].id)).operating_status == (
        OperatingStatus.SUSPENDED
    )
    assert (await Institution.get(id=office["code"].id)).credit_code == CODES[2]


async def test_opening_a_case_on_a_listed_unknown_records_a_new_institution(found):
    lead = found["LISTED_UNKNOWN:None"]
    village = await Village.get(name="寇家村")

    resolved = await reconciliation.open_case(
        await admin_actor(), lead.id, lead.version, village.id
    )

    case = await Case.get(id=resolved.case_id)
    institution = await Institution.get(id=case.institution_id)
    assert (institution.registered_name, institution.address) == (
        UNKNOWN,
        "寇家村南街3号",
    )
    assert (case.kind, case.village_id) == (CaseKind.UNLICENSED, village.id)
    assert UNKNOWN in case.finding
    assert resolved.state == DifferenceState.CASE_OPENED


async def test_opening_a_case_on_a_known_institution(office, found):
    unlisted = found["LICENSED_NOT_LISTED:None"]
    village = await Village.get(name="寇家村")

    resolved = await reconciliation.open_case(
        await admin_actor(), unlisted.id, unlisted.version, village.id
    )

    case = await Case.get(id=resolved.case_id)
    assert (case.institution_id, case.kind) == (
        office["unlisted"].id,
        CaseKind.VIOLATION,
    )


async def test_opening_a_case_needs_a_village(found):
    lead = found["LISTED_UNKNOWN:None"]

    with pytest.raises(Refused) as refused:
        await reconciliation.open_case(await admin_actor(), lead.id, lead.version, None)

    assert [(e.field, e.code) for e in refused.value.errors] == [
        ("village", ErrorCode.NOT_FOUND)
    ]
    assert await Case.exists() is False


async def test_marking_explained_needs_a_note(found):
    expiring = found["PERMIT_EXPIRING:valid_until"]
    admin = await admin_actor()

    with pytest.raises(Refused) as refused:
        await reconciliation.mark_explained(admin, expiring.id, expiring.version, " ")
    resolved = await reconciliation.mark_explained(
        admin, expiring.id, expiring.version, "已提交延续申请"
    )

    assert refused.value.errors[0].code == ErrorCode.REQUIRED
    assert (resolved.state, resolved.note) == (
        DifferenceState.EXPLAINED,
        "已提交延续申请",
    )


async def test_a_stale_version_is_refused_as_a_conflict(found):
    address = found["ADDRESS_DIFFERS:address"]
    admin = await admin_actor()
    await Difference.filter(id=address.id).update(version=2)

    with pytest.raises(Refused) as refused:
        await reconciliation.update_record(admin, address.id, 1)

    assert refused.value.errors[0].code == ErrorCode.CONFLICT
    institution = await Institution.get(id=address.institution_id)
    assert institution.address == "寇家村东街4号"


async def test_a_record_edited_since_the_run_is_not_overwritten(office, found):
    address = found["ADDRESS_DIFFERS:address"]
    institution = await Institution.get(id=address.institution_id)
    await Institution.filter(id=institution.id).update(
        address="寇家村南街1号", version=institution.version + 1
    )

    with language("en"), pytest.raises(Refused) as refused:
        await reconciliation.update_record(
            await admin_actor(), address.id, address.version
        )

    assert [(e.code, e.message) for e in refused.value.errors] == [
        (
            ErrorCode.CONFLICT,
            "The record was changed after this comparison: its address now reads "
            "寇家村南街1号. Compare again, or explain the difference.",
        )
    ]
    after = await Difference.get(id=address.id)
    assert (after.state, after.version) == (DifferenceState.OPEN, address.version)
    assert (await Institution.get(id=institution.id)).address == "寇家村南街1号"


async def test_a_status_difference_is_written_in_words(found):
    status = found["STATUS_DIFFERS:operating_status"]

    with language("zh"):
        text = reconciliation.what_differs(status)

    assert text == "国家平台名单中其状态为 停业整顿；本平台记录为 正常经营。"


async def test_a_resolved_difference_cannot_be_resolved_again(found):
    expiring = found["PERMIT_EXPIRING:valid_until"]
    admin = await admin_actor()
    await reconciliation.mark_explained(admin, expiring.id, expiring.version, "x")

    with pytest.raises(Refused) as refused:
        await reconciliation.mark_explained(admin, expiring.id, 2, "y")

    assert [(e.field, e.code) for e in refused.value.errors] == [
        ("action", ErrorCode.INVALID)
    ]


async def test_nothing_to_copy_for_a_difference_without_a_listed_value(found):
    unlisted = found["LICENSED_NOT_LISTED:None"]

    with pytest.raises(Refused) as refused:
        await reconciliation.update_record(
            await admin_actor(), unlisted.id, unlisted.version
        )

    assert refused.value.errors[0].code == ErrorCode.INVALID


async def test_only_the_office_reconciles_and_resolves(found, tmp_path):
    leader = actor_for_account(await Account.get(login="fangjun"))
    address = found["ADDRESS_DIFFERS:address"]

    with pytest.raises(Refused) as upload:
        await reconciliation.reconcile(
            leader, tmp_path, gb18030_csv([["x"]]), "n.csv", None, 60
        )
    with pytest.raises(Refused) as update:
        await reconciliation.update_record(leader, address.id, address.version)
    with pytest.raises(Refused) as case:
        await reconciliation.open_case(leader, address.id, address.version, None)
    with pytest.raises(Refused) as explain:
        await reconciliation.mark_explained(leader, address.id, address.version, "x")
    with pytest.raises(DomainError) as read:
        await reconciliation.list_runs(leader, ALL)

    refusals = [upload, update, case, explain]
    assert {r.value.errors[0].code for r in refusals} == {ErrorCode.FORBIDDEN}
    assert read.value.code == ErrorCode.FORBIDDEN
    assert (await Difference.get(id=address.id)).state == DifferenceState.OPEN


# --- the pages ---------------------------------------------------------------------


async def upload(staff, data: bytes, filename: str, **fields):
    return await staff.post(
        "/staff/reconciliation",
        data={"csrf_token": staff.headers["X-CSRF-Token"], **fields},
        files={"file": (filename, data, "text/csv")},
    )


async def test_the_office_uploads_a_list_and_reads_its_differences(staff, settings):
    async with database.connect(settings.database_url):
        nine = await Institution.all().order_by("id")
    rows = [[i.registered_name, "", "", "", ""] for i in nine[1:]]
    rows.append([UNKNOWN, "", "", "寇家村南街3号", ""])
    data = gb18030_csv(rows)

    sent = await upload(staff, data, "名单.csv", within_days="30")
    run_page = await staff.get(sent.headers["location"])
    listed = await staff.get("/staff/reconciliation")
    run_id = int(sent.headers["location"].rsplit("/", 1)[1])
    kept = await staff.get(f"/staff/reconciliation/{run_id}/file")

    assert sent.status_code == 303
    assert run_page.status_code == 200
    assert UNKNOWN in run_page.text and nine[0].registered_name in run_page.text
    assert "名单.csv" in listed.text
    assert kept.content == data
    assert "attachment" in kept.headers["content-disposition"]


async def test_a_bad_list_is_shown_row_by_row(staff):
    data = gb18030_csv([["", "", "", "", ""], ["甲", "123", "", "", ""]])

    sent = await upload(staff, data, "名单.csv")

    assert sent.status_code == 422
    assert '<th scope="row">3</th>' in sent.text


async def test_the_office_explains_a_difference_on_its_page(staff, settings):
    async with database.connect(settings.database_url):
        nine = await Institution.all().order_by("id")
    data = gb18030_csv([[i.registered_name, "", "", "", ""] for i in nine[1:]])
    sent = await upload(staff, data, "名单.csv")
    async with database.connect(settings.database_url):
        difference = await Difference.get(category=C.LICENSED_NOT_LISTED)

    path = sent.headers["location"]
    empty = await staff.post(
        f"{path}/differences/{difference.id}",
        data={
            "csrf_token": staff.headers["X-CSRF-Token"],
            "version": "1",
            "action": "EXPLAIN",
        },
    )
    explained = await staff.post(
        f"{path}/differences/{difference.id}",
        data={
            "csrf_token": staff.headers["X-CSRF-Token"],
            "version": "1",
            "action": "EXPLAIN",
            "note": "已停办，平台已注销",
        },
    )

    assert empty.status_code == 422
    assert explained.status_code == 303
    async with database.connect(settings.database_url):
        assert (await Difference.get(id=difference.id)).note == "已停办，平台已注销"


async def test_who_may_not_reconcile_is_refused_the_pages(client, settings):
    await sign_in(client, "fangjun")

    page = await client.get("/staff/reconciliation")

    assert page.status_code == 403


# --- the API -----------------------------------------------------------------------


RECONCILE = """mutation($file: Upload!) {
  reconcile(input: {file: $file, withinDays: 30}) {
    run { id rowCount expiringWithinDays counts { category count }
      differences(category: LICENSED_NOT_LISTED) {
        edges { node { id version state institution { registeredName } } }
      }
    }
    errors { field code }
  }
}"""
RESOLVE = """mutation($id: ID!, $version: Int!) {
  resolveDifference(input: {id: $id, version: $version, action: EXPLAIN,
                            note: "平台数据滞后"}) {
    difference { state note version }
    errors { code }
  }
}"""


async def send_list(staff, data: bytes, filename: str) -> dict:
    operations = {"query": RECONCILE, "variables": {"file": None}}
    response = await staff.post(
        "/graphql",
        data={
            "operations": json.dumps(operations),
            "map": json.dumps({"0": ["variables.file"]}),
        },
        files={"0": (filename, data, "text/csv")},
    )
    return response.json()["data"]["reconcile"]


async def test_an_integrator_reconciles_and_resolves_through_the_api(
    staff, graphql, settings
):
    async with database.connect(settings.database_url):
        nine = await Institution.all().order_by("id")
    data = gb18030_csv([[i.registered_name, "", "", "", ""] for i in nine[1:]])

    sent = await send_list(staff, data, "名单.csv")
    edge = sent["run"]["differences"]["edges"][0]["node"]
    first = await graphql.data(RESOLVE, id=edge["id"], version=1)
    again = await graphql.data(RESOLVE, id=edge["id"], version=1)
    runs = await graphql.data("{ reconciliationRuns { totalCount } }")

    assert sent["errors"] == []
    assert sent["run"]["rowCount"] == 8 and sent["run"]["expiringWithinDays"] == 30
    assert {c["category"]: c["count"] for c in sent["run"]["counts"]} == {
        category.value: int(category == C.LICENSED_NOT_LISTED) for category in C
    }
    assert edge["institution"]["registeredName"] == nine[0].registered_name
    assert first["resolveDifference"] == {
        "difference": {"state": "EXPLAINED", "note": "平台数据滞后", "version": 2},
        "errors": [],
    }
    assert again["resolveDifference"]["errors"] == [{"code": "INVALID"}]
    assert runs["reconciliationRuns"]["totalCount"] == 1


async def test_bad_rows_come_back_as_errors_of_the_api(staff):
    sent = await send_list(staff, gb18030_csv([["甲", "123", "", "", "不详"]]), "n.csv")

    assert sent == {
        "run": None,
        "errors": [
            {"field": "rows.2.creditCode", "code": "INVALID"},
            {"field": "rows.2.status", "code": "INVALID"},
        ],
    }
