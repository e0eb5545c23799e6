"""Importing the office's lists from xlsx and CSV files."""

import io
import json
import os
import re
import subprocess
import sys
import tracemalloc

import pytest
from openpyxl import Workbook, load_workbook

from server import audit, database, institution_writes
from server.credit_code import check_character
from server.errors import Refused
from server.i18n import language
from server.imports import (
    Action,
    Change,
    ImportRefused,
    Kind,
    RowProblem,
    check_import,
    run_import,
    template_workbook,
)
from server.institution_writes import DocumentInput, InstitutionInput
from server.models import (
    AuditEntry,
    Document,
    DocumentKind,
    Institution,
    InstructorAssignment,
    Person,
    Role,
    SupervisorAssignment,
    Village,
)
from server.permissions import COMMAND_LINE, Actor
from tests.conftest import counting_statements

INSTITUTION_HEADERS = "机构名称,招牌名称,统一社会信用代码,类别,地址,村居,营业执照号"


def credit_code(number: int) -> str:
    first = f"91370112MA{number:07d}"
    return first + check_character(first)


def csv_file(text: str, encoding: str = "utf-8") -> io.BytesIO:
    return io.BytesIO(text.encode(encoding))


def institutions_csv(*rows: str) -> str:
    return "\n".join((INSTITUTION_HEADERS, *rows)) + "\n"


ONE_INSTITUTION = institutions_csv(
    f"济南市历城区导入培训学校有限公司,导入培训,{credit_code(1)},学科类,"
    f"寇家村1号,寇家村,{credit_code(1)}"
)


async def state() -> tuple:
    """What an import could change: audit entries and the records' versions."""
    return (
        await AuditEntry.all().count(),
        sorted(await Institution.all().values_list("id", "version")),
        sorted(await Person.all().values_list("id", "version")),
        sorted(await Village.all().values_list("id", "version")),
        await SupervisorAssignment.all().count(),
        await InstructorAssignment.all().count(),
    )


# --- each kind ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "encoding", ["utf-8", "utf-8-sig", "gb18030"], ids=["utf8", "bom", "gb18030"]
)
async def test_institutions_import_from_csv_in_each_encoding(db, encoding):
    plan = await check_import(
        COMMAND_LINE, Kind.INSTITUTIONS, csv_file(ONE_INSTITUTION, encoding), "a.csv"
    )
    result = await run_import(
        COMMAND_LINE, Kind.INSTITUTIONS, csv_file(ONE_INSTITUTION, encoding), "a.csv"
    )

    assert (plan.problems, plan.created, plan.updated, plan.unchanged) == ([], 1, 0, 0)
    assert (result.created, result.updated, result.unchanged) == (1, 0, 0)
    institution = await Institution.get(credit_code=credit_code(1))
    documents = await Document.filter(institution=institution).values_list(
        "kind", "number"
    )
    assert (
        institution.registered_name,
        institution.signboard_name,
        institution.category,
        institution.address,
        (await institution.village).name,
        institution.license_status,
        documents,
    ) == (
        "济南市历城区导入培训学校有限公司",
        "导入培训",
        "ACADEMIC",
        "寇家村1号",
        "寇家村",
        "BUSINESS_LICENSE_ONLY",
        [("BUSINESS_LICENSE", credit_code(1))],
    )


async def test_institutions_import_from_xlsx_with_english_headers_in_any_order(db):
    book = Workbook()
    book.active.append(["village", "credit_code", "registered_name", "category"])
    book.active.append(["寇家村", credit_code(2), "济南表格培训学校", "ARTS"])
    data = io.BytesIO()
    book.save(data)
    data.seek(0)

    result = await run_import(COMMAND_LINE, Kind.INSTITUTIONS, data, "list.xlsx")

    institution = await Institution.get(credit_code=credit_code(2))
    assert result.created == 1
    assert (institution.registered_name, institution.category) == (
        "济南表格培训学校",
        "ARTS",
    )


async def test_villages_are_created_and_placed_in_a_known_district(db):
    text = "村居,管理区\n新村,董家管理区\n寇家村,刘公河管理区\n"

    plan = await check_import(COMMAND_LINE, Kind.VILLAGES, csv_file(text))
    await run_import(COMMAND_LINE, Kind.VILLAGES, csv_file(text))

    assert (plan.created, plan.updated, plan.problems) == (1, 1, [])
    assert plan.lines[1].changes == (Change("管理区", "", "刘公河管理区"),)
    new = await Village.get(name="新村").prefetch_related("district")
    moved = await Village.get(name="寇家村").prefetch_related("district")
    assert (new.district.name, moved.district.name) == ("董家管理区", "刘公河管理区")


async def test_a_village_in_an_unknown_district_is_refused(db):
    text = "村居,管理区\n新村,火星管理区\n"

    with language("en"):
        plan = await check_import(COMMAND_LINE, Kind.VILLAGES, csv_file(text))

        assert [p.describe() for p in plan.problems] == [
            "Row 2, 管理区: No management district is called 火星管理区."
        ]
    assert not await Village.exists(name="新村")


async def test_people_are_created_and_matched_by_name_and_phone(db):
    text = (
        "姓名,职务,电话,学校\n王导入,教师,13800000001,董家中心小学\n董兰超,语文教师,,\n"
    )

    plan = await check_import(COMMAND_LINE, Kind.PEOPLE, csv_file(text))
    await run_import(COMMAND_LINE, Kind.PEOPLE, csv_file(text))

    assert (plan.created, plan.updated, plan.problems) == (1, 1, [])
    person = await Person.get(name="王导入").prefetch_related("school")
    assert (person.title, person.phone, person.school.name) == (
        "教师",
        "13800000001",
        "董家中心小学",
    )
    assert (await Person.get(name="董兰超")).title == "语文教师"


async def test_supervisors_are_given_villages(db):
    text = "姓名,村居\n李萍,林家村\n李萍,寇家村\n"

    plan = await check_import(COMMAND_LINE, Kind.SUPERVISOR_ASSIGNMENTS, csv_file(text))
    await run_import(COMMAND_LINE, Kind.SUPERVISOR_ASSIGNMENTS, csv_file(text))

    assert (plan.created, plan.unchanged, plan.problems) == (1, 1, [])
    villages = await SupervisorAssignment.filter(person__name="李萍").values_list(
        "village__name", flat=True
    )
    assert sorted(villages) == sorted(["林家村", "寇家村"])


async def test_instructors_are_posted_to_licensed_institutions(db):
    text = (
        "姓名,机构名称\n"
        "马丽,济南市历城区舞梦教育培训学校有限公司\n"
        "李萍,济南市历城区舞梦教育培训学校有限公司\n"
    )

    with language("en"):
        plan = await check_import(
            COMMAND_LINE, Kind.INSTRUCTOR_ASSIGNMENTS, csv_file(text)
        )
        problems = [p.describe() for p in plan.problems]
    good = "姓名,机构名称\n马丽,济南市历城区舞梦教育培训学校有限公司\n"
    await run_import(COMMAND_LINE, Kind.INSTRUCTOR_ASSIGNMENTS, csv_file(good))

    assert problems == [
        "Row 3, 姓名: Instructors are teachers: record the person's school first."
    ]
    assert await InstructorAssignment.exists(
        person__name="马丽",
        institution__registered_name="济南市历城区舞梦教育培训学校有限公司",
    )


# --- problems -----------------------------------------------------------------------


async def test_every_broken_row_is_reported_by_row_and_column_and_nothing_is_written(
    db,
):
    text = institutions_csv(
        f"济南好学培训学校,好学,{credit_code(3)},,,,",
        "济南坏码培训学校,坏码,91370112MA3C0XQJ08,,,,",
        "济南远方培训学校,远方,,,,火星村,",
        f"济南好学培训学校,好学,{credit_code(3)},,,,",
        ",无名,,,,,",
        "济南乱类培训学校,乱类,,烹饪,,,",
    )
    before = await state()

    with language("en"):
        plan = await check_import(COMMAND_LINE, Kind.INSTITUTIONS, csv_file(text))
        with pytest.raises(ImportRefused) as refused:
            await run_import(COMMAND_LINE, Kind.INSTITUTIONS, csv_file(text))
        described = [problem.describe() for problem in plan.problems]
    assert described == [
        "Row 3, 统一社会信用代码: The last character does not match the others; "
        "check the code for a typo.",
        "Row 4, 村居: No village or community is called 火星村.",
        "Row 6, 机构名称: Fill this in.",
        "Row 7, 类别: Write one of: Academic、Arts、Science and technology、Sports、"
        "Other.",
        "Row 5: This row repeats row 2.",
    ]
    assert sorted((p.row, p.column) for p in plan.problems) == [
        (3, "统一社会信用代码"),
        (4, "村居"),
        (5, None),
        (6, "机构名称"),
        (7, "类别"),
    ]
    assert plan.created == 1
    assert isinstance(refused.value, Refused)
    assert len(refused.value.errors) == 5
    assert await state() == before


async def test_one_bad_row_among_good_ones_writes_nothing(db):
    good = [f"济南全无培训学校{n},,{credit_code(100 + n)},,,," for n in range(5)]
    text = institutions_csv(*good, "济南全无坏校,,,,,火星村,")
    before = await state()

    with pytest.raises(ImportRefused):
        await run_import(COMMAND_LINE, Kind.INSTITUTIONS, csv_file(text))

    assert await state() == before


async def test_unknown_and_missing_columns_are_reported_on_row_one(db):
    text = "招牌名称,颜色\n好学,红\n"

    plan = await check_import(COMMAND_LINE, Kind.INSTITUTIONS, csv_file(text))

    assert [(p.row, p.column) for p in plan.problems] == [
        (1, "颜色"),
        (1, "机构名称"),
    ]
    assert plan.rows == 0


async def test_an_unreadable_file_is_a_problem_not_a_fault(db):
    plan = await check_import(
        COMMAND_LINE, Kind.VILLAGES, io.BytesIO(b"PK\x03\x04broken"), "x.xlsx"
    )

    assert [(p.row, p.column) for p in plan.problems] == [(1, None)]


async def test_only_editors_may_import(db):
    reader = Actor(label="liping", roles=frozenset({Role.SUPERVISOR}), account_id=4)

    with pytest.raises(Refused) as refused:
        await check_import(reader, Kind.VILLAGES, csv_file("村居\n新村\n"))

    assert refused.value.errors[0].code == "FORBIDDEN"


# --- idempotency and updates --------------------------------------------------------


async def test_importing_the_same_file_twice_changes_nothing_the_second_time(db):
    await run_import(COMMAND_LINE, Kind.INSTITUTIONS, csv_file(ONE_INSTITUTION))
    before = await state()

    plan = await check_import(
        COMMAND_LINE, Kind.INSTITUTIONS, csv_file(ONE_INSTITUTION)
    )
    result = await run_import(
        COMMAND_LINE, Kind.INSTITUTIONS, csv_file(ONE_INSTITUTION)
    )

    assert (plan.created, plan.updated, plan.unchanged) == (0, 0, 1)
    assert (result.created, result.updated, result.unchanged) == (0, 0, 1)
    assert await state() == before


@pytest.mark.parametrize(
    ("kind", "text"),
    [
        (Kind.VILLAGES, "村居,管理区\n新村,董家管理区\n"),
        (Kind.PEOPLE, "姓名,电话,学校\n王二次,13800000002,董家中心小学\n"),
        (Kind.SUPERVISOR_ASSIGNMENTS, "姓名,村居\n李萍,林家村\n"),
        (Kind.INSTRUCTOR_ASSIGNMENTS, "姓名,机构名称\n马丽,济南利尔培训学校有限公司\n"),
    ],
)
async def test_each_kind_imported_twice_changes_nothing_the_second_time(db, kind, text):
    await run_import(COMMAND_LINE, kind, csv_file(text))
    before = await state()

    result = await run_import(COMMAND_LINE, kind, csv_file(text))

    assert (result.created, result.updated, result.unchanged) == (0, 0, 1)
    assert await state() == before


async def test_an_update_says_which_fields_change_from_what_to_what(db):
    await run_import(COMMAND_LINE, Kind.INSTITUTIONS, csv_file(ONE_INSTITUTION))
    changed = institutions_csv(
        f"济南市历城区导入培训学校有限公司,新招牌,{credit_code(1)},艺术类,"
        f"寇家村1号,林家村,{credit_code(1)}"
    )

    plan = await check_import(COMMAND_LINE, Kind.INSTITUTIONS, csv_file(changed))
    await run_import(COMMAND_LINE, Kind.INSTITUTIONS, csv_file(changed))

    assert plan.updated == 1
    assert plan.lines[0].action == Action.UPDATE
    assert plan.lines[0].changes == (
        Change("招牌名称", "导入培训", "新招牌"),
        Change("类别", "学科类", "艺术类"),
        Change("村居", "寇家村", "林家村"),
    )
    institution = await Institution.get(credit_code=credit_code(1))
    assert (institution.signboard_name, institution.category, institution.version) == (
        "新招牌",
        "ARTS",
        2,
    )


# --- templates ----------------------------------------------------------------------


@pytest.mark.parametrize("kind", list(Kind))
async def test_each_template_has_bold_chinese_headers_and_imports_its_example(db, kind):
    data = template_workbook(kind)
    book = load_workbook(io.BytesIO(data))
    sheet = book.worksheets[0]

    plan = await check_import(COMMAND_LINE, kind, io.BytesIO(data), "template.xlsx")

    assert book.sheetnames[1] == "说明"
    assert all(header.font.bold for header in sheet[1])
    assert plan.problems == []
    assert plan.created + plan.updated + plan.unchanged == 1


# --- statements ---------------------------------------------------------------------


async def test_checking_2000_rows_takes_a_few_statements_per_thousand(db):
    rows = [
        f"济南批量培训学校{n},,{credit_code(1000 + n)},,,寇家村," for n in range(2000)
    ]
    text = institutions_csv(*rows)

    with counting_statements() as counter:
        plan = await check_import(COMMAND_LINE, Kind.INSTITUTIONS, csv_file(text))

    assert (plan.created, plan.problem_count) == (2000, 0)
    assert len(counter.statements) < 20


async def test_importing_2000_new_rows_takes_a_few_statements_per_thousand(db):
    rows = [
        f"济南批量培训学校{n},,{credit_code(1000 + n)},,,寇家村,{credit_code(1000 + n)}"
        for n in range(2000)
    ]
    text = institutions_csv(*rows)

    with counting_statements() as counter:
        result = await run_import(COMMAND_LINE, Kind.INSTITUTIONS, csv_file(text))

    assert result.created == 2000
    # The check and the run each read a chunk in a handful of statements,
    # and the run writes a chunk's institutions, documents and audit
    # entries in a few more for every 500 rows.
    assert len(counter.statements) < 80


async def test_a_batch_of_new_records_is_audited_as_one_at_a_time_would_be(db):
    rows = [
        f"济南审计培训学校{n},审计{n},{credit_code(3000 + n)},学科类,{n}号,寇家村,"
        f"{credit_code(3000 + n)}"
        for n in range(3)
    ]
    await run_import(COMMAND_LINE, Kind.INSTITUTIONS, csv_file(institutions_csv(*rows)))
    single = await institution_writes.create_institution(
        COMMAND_LINE,
        InstitutionInput(
            registered_name="济南单个培训学校",
            credit_code=credit_code(3100),
            documents=[DocumentInput(kind=DocumentKind.BUSINESS_LICENSE, number="1")],
        ),
    )

    entries = await AuditEntry.filter(action="institution.create").order_by("-id")
    single_entry, *batch = entries[:4]
    first = await Institution.get(registered_name="济南审计培训学校0")

    assert single_entry.record_id == single.id
    assert batch[-1].record_id == first.id
    assert batch[-1].after.keys() == single_entry.after.keys()
    assert batch[-1].after["documents"] == [
        {
            "kind": "BUSINESS_LICENSE",
            "status": "HELD",
            "number": credit_code(3000),
            "issued_on": None,
            "valid_until": None,
            "revoked_on": None,
        }
    ]
    assert first.sort_name.startswith("ji nan shen ji")
    assert (await audit.verify()).intact


async def test_new_keys_are_never_a_deleted_records(db):
    village = await Village.create(
        subdistrict_id=(await Village.first()).subdistrict_id, name="将删村"
    )
    await village.delete()

    ids = await database.reserve_ids(Village, 3)

    assert ids[0] > village.id
    assert ids == list(range(ids[0], ids[0] + 3))


async def test_a_credit_code_given_to_a_recorded_institution_cannot_go_to_a_new_one(
    db,
):
    nameless = institutions_csv("济南无码培训学校,,,,,,")
    await run_import(COMMAND_LINE, Kind.INSTITUTIONS, csv_file(nameless))
    text = institutions_csv(
        f"济南无码培训学校,,{credit_code(7)},,,,",
        f"济南另一家培训学校,,{credit_code(7)},,,,",
    )

    with language("en"):
        plan = await check_import(COMMAND_LINE, Kind.INSTITUTIONS, csv_file(text))

    assert [line.action for line in plan.lines] == [Action.UPDATE]
    assert [(problem.row, problem.message) for problem in plan.problems] == [
        (3, "This row repeats row 2.")
    ]


def test_row_problem_reads_as_a_sentence():
    with language("en"):
        assert RowProblem(12, "统一社会信用代码", "Wrong.").describe() == (
            "Row 12, 统一社会信用代码: Wrong."
        )


# --- the page, the API and the command ----------------------------------------------

CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')
KEPT_FIELD = re.compile(r'name="kept" value="([^"]+)"')


async def test_the_page_checks_a_file_then_imports_it_on_confirmation(staff, settings):
    page = await staff.get("/staff/import?kind=INSTITUTIONS")
    token = CSRF_FIELD.search(page.text).group(1)
    template = await staff.get("/staff/import/templates/institutions.xlsx")

    checked = await staff.post(
        "/staff/import",
        data={"csrf_token": token, "kind": "INSTITUTIONS"},
        files={"file": ("机构.csv", ONE_INSTITUTION.encode("gb18030"), "text/csv")},
    )
    kept = KEPT_FIELD.search(checked.text).group(1)
    async with database.connect(settings.database_url):
        written_before = await Institution.exists(credit_code=credit_code(1))
    imported = await staff.post(
        "/staff/import/run",
        data={"csrf_token": token, "kind": "INSTITUTIONS", "kept": kept},
    )

    assert page.status_code == 200
    assert template.headers["content-type"].startswith("application/vnd.openxmlformats")
    assert checked.status_code == 200
    assert "济南市历城区导入培训学校有限公司" in checked.text
    assert not written_before
    assert imported.status_code == 200
    assert not (settings.var_dir / "imports" / kept).exists()
    async with database.connect(settings.database_url):
        assert await Institution.exists(credit_code=credit_code(1))


async def test_the_page_shows_problems_and_offers_no_confirmation(staff):
    page = await staff.get("/staff/import")
    token = CSRF_FIELD.search(page.text).group(1)
    text = institutions_csv("济南远方培训学校,远方,,,,火星村,")

    checked = await staff.post(
        "/staff/import",
        data={"csrf_token": token, "kind": "INSTITUTIONS"},
        files={"file": ("机构.csv", text.encode(), "text/csv")},
    )

    assert "火星村" in checked.text
    assert KEPT_FIELD.search(checked.text) is None


async def test_the_confirmation_accepts_only_a_file_the_page_kept(staff):
    page = await staff.get("/staff/import")
    token = CSRF_FIELD.search(page.text).group(1)

    answer = await staff.post(
        "/staff/import/run",
        data={"csrf_token": token, "kind": "VILLAGES", "kept": "../xiaowai.sqlite3"},
    )

    assert answer.status_code == 400


async def test_a_graphql_dry_run_answers_counts_and_problems(staff):
    text = "村居,管理区\n新村,董家管理区\n远村,火星管理区\n"
    query = """mutation($file: Upload!) {
      importRecords(input: {kind: VILLAGES, file: $file, dryRun: true}) {
        created updated unchanged problems { row column } errors { code }
      }
    }"""

    answer = await staff.post(
        "/graphql",
        data={
            "operations": json.dumps({"query": query, "variables": {"file": None}}),
            "map": json.dumps({"0": ["variables.file"]}),
        },
        files={"0": ("villages.csv", text.encode(), "text/csv")},
    )

    assert answer.json()["data"]["importRecords"] == {
        "created": 1,
        "updated": 0,
        "unchanged": 0,
        "problems": [{"row": 3, "column": "管理区"}],
        "errors": [],
    }


def run_command(
    *arguments: str, database_url: str, var_dir
) -> subprocess.CompletedProcess:
    inherited = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("XIAOWAI_", "DATABASE_URL"))
    }
    return subprocess.run(
        [sys.executable, "-m", "server", *arguments],
        env={
            **inherited,
            "DATABASE_URL": database_url,
            "XIAOWAI_VAR_DIR": str(var_dir),
        },
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_command_checks_refuses_and_imports(database_url, tmp_path):
    good = tmp_path / "villages.csv"
    good.write_text("村居,管理区\n新村,董家管理区\n", encoding="utf-8-sig")
    bad = tmp_path / "bad.csv"
    bad.write_text("村居,管理区\n远村,火星管理区\n", encoding="gb18030")

    dry = run_command(
        "import",
        "villages",
        str(good),
        "--dry-run",
        database_url=database_url,
        var_dir=tmp_path,
    )
    refused = run_command(
        "import", "villages", str(bad), database_url=database_url, var_dir=tmp_path
    )
    imported = run_command(
        "import", "villages", str(good), database_url=database_url, var_dir=tmp_path
    )
    again = run_command(
        "import", "villages", str(good), database_url=database_url, var_dir=tmp_path
    )

    assert dry.returncode == 0, dry.stderr
    assert dry.stdout.splitlines()[-1] == "1 to create, 0 to update, 0 unchanged."
    assert refused.returncode == 1
    assert "火星管理区" in refused.stderr
    assert imported.stdout.splitlines() == [
        "Imported: 1 created, 0 updated, 0 unchanged."
    ]
    assert again.stdout.splitlines() == ["Imported: 0 created, 0 updated, 1 unchanged."]


async def test_a_file_of_50000_rows_is_imported_whole_in_bounded_memory(db, tmp_path):
    path = tmp_path / "institutions.csv"
    with path.open("w", encoding="gb18030", newline="") as out:
        out.write(INSTITUTION_HEADERS + "\n")
        for n in range(50_000):
            code = credit_code(100_000 + n)
            out.write(
                f"济南五万培训学校{n:05d}有限公司,五万{n},{code},学科类,,寇家村,{code}\n"
            )
    entries_before = await AuditEntry.all().count()

    tracemalloc.start()
    try:
        with path.open("rb") as data:
            result = await run_import(COMMAND_LINE, Kind.INSTITUTIONS, data, path.name)
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert result.created == 50_000
    assert await Institution.filter(sort_name__startswith="ji nan wu wan").count() == (
        50_000
    )
    assert await AuditEntry.all().count() == entries_before + 50_000
    # A chunk of a thousand rows at a time: the file's length does not show.
    assert peak < 48 * 2**20, f"{peak / 2**20:.1f} MiB"
