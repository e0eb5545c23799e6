"""The whole chain of a case through the API alone, each role on its own account."""

import json
from datetime import datetime, timedelta

from server import database
from server.clock import OFFICE_TIMEZONE, today
from server.models import Dispatch, Notice
from tests.conftest import GraphQLClient, running, sign_in

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
CASE_FIELDS = """
  id version state kind
  institution { signboardName operatingStatus licenseStatus }
  notices { number deadline }
  dispatches { id state overdue unit { name } }
  register { studentsAffected studentsResettled feesOwed feesRefunded }
  timeline { action actor }
"""


async def test_a_case_from_report_to_close_out_over_graphql(settings):
    async with running(settings) as browser:
        api = GraphQLClient(browser)

        async def as_(login: str) -> GraphQLClient:
            await sign_in(browser, login)
            return api

        async def advance(action: str, case: dict, **fields) -> dict:
            data = await (await as_("admin")).data(
                f"""mutation($input: AdvanceCaseInput!) {{ advanceCase(input: $input) {{
                     case {{ {CASE_FIELDS} }} errors {{ field code message }} }} }}""",
                input={"case": case["id"], "version": case["version"], "action": action}
                | fields,
            )
            assert data["advanceCase"]["errors"] == [], data
            return data["advanceCase"]["case"]

        # 李萍 patrols 寇家村 and reports a tutoring room with no licenses.
        supervisor = await as_("liping")
        village = (
            await supervisor.data(
                '{ villages(filter: {text: "寇家村"}) { edges { node { id } } } }'
            )
        )["villages"]["edges"][0]["node"]["id"]
        reported = await supervisor.data(
            f"""mutation($input: ReportProblemInput!) {{ reportProblem(input: $input) {{
                 case {{ {CASE_FIELDS} }} errors {{ code message }} }} }}""",
            input={
                "village": village,
                "finding": {
                    "description": "放学后二十余名小学生在内补习数学",
                    "signboardName": "启智托管",
                    "address": "寇家村东街5号",
                    "tradesAs": "校外托管",
                },
            },
        )
        case = reported["reportProblem"]["case"]
        assert (case["state"], case["kind"]) == ("REPORTED", "UNLICENSED")

        # The office verifies it, serves a notice and blows the whistle.
        case = await advance("VERIFY", case)
        case = await advance(
            "ISSUE_NOTICE",
            case,
            deadline=(today() + timedelta(days=7)).isoformat(),
            requirements=["STOP_TRAINING", "RESETTLE_STUDENTS", "REFUND_FEES"],
            findings="无办学许可证、无营业执照开展学科类培训",
        )
        units = await (await as_("admin")).data(
            "{ units(first: 100) { edges { node { id name } } } }"
        )
        market = next(
            e["node"]["id"]
            for e in units["units"]["edges"]
            if e["node"]["name"] == "市场监管所"
        )
        sent = await api.data(
            """mutation($input: DispatchCaseInput!) { dispatchCase(input: $input) {
                 dispatches { id state } errors { code } } }""",
            input={
                "case": case["id"],
                "units": [market],
                "dueAt": (
                    datetime.now(OFFICE_TIMEZONE) + timedelta(days=3)
                ).isoformat(),
                "request": "请核查该场所并依法处置",
            },
        )
        dispatch = sent["dispatchCase"]["dispatches"][0]["id"]

        # Market supervision acknowledges (部门报到).
        unit = await as_("shichangjianguansuo")
        acknowledged = await unit.data(
            """mutation($input: AnswerDispatchInput!) {
                 acknowledgeDispatch(input: $input) {
                   dispatches { state } errors { code } }
            }""",
            input={"dispatch": dispatch},
        )
        assert acknowledged["acknowledgeDispatch"]["dispatches"] == [
            {"state": "ACKNOWLEDGED"}
        ]

        # The deadlines pass with nothing done: the case stands out as overdue.
        async with database.connect(settings.database_url):
            await Notice.all().update(deadline=today() - timedelta(days=2))
            await Dispatch.all().update(
                due_at=datetime.now(OFFICE_TIMEZONE) - timedelta(days=1)
            )
        overdue = await (await as_("admin")).data(
            "{ cases(filter: {overdue: true}) { totalCount edges { node { "
            + CASE_FIELDS
            + " } } } }"
        )
        assert overdue["cases"]["totalCount"] == 1
        case = overdue["cases"]["edges"][0]["node"]
        assert case["dispatches"][0]["overdue"] is True

        # Escalated, penalised, banned.
        case = await advance("ESCALATE", case, note="逾期拒不停止培训")
        case = await advance(
            "RECORD_PENALTY",
            case,
            decisionNumber="历城市监罚〔2026〕8号",
            decidedOn=today().isoformat(),
            penaltyType="FINE",
            amount="10000",
        )
        case = await advance("BAN", case, note="依法取缔")
        assert case["institution"]["operatingStatus"] == "BANNED"

        # Students resettled, fees refunded, the unit reports back, evidence kept.
        registered = await api.data(
            f"""mutation($input: UpdateCaseRegisterInput!) {{
                 updateCaseRegister(input: $input) {{
                   case {{ {CASE_FIELDS} }} errors {{ code }} }} }}""",
            input={
                "case": case["id"],
                "version": case["version"],
                "studentsAffected": 23,
                "studentsResettled": 23,
                "feesOwed": "41400",
                "feesRefunded": "41400",
            },
        )
        case = registered["updateCaseRegister"]["case"]
        await (await as_("shichangjianguansuo")).data(
            """mutation($input: AnswerDispatchInput!) { reportDispatch(input: $input) {
                 errors { code } } }""",
            input={"dispatch": dispatch, "report": "已会同派出所现场查处，场所已关闭"},
        )
        await sign_in(browser, "admin")
        uploaded = await browser.post(
            "/graphql",
            data={
                "operations": json.dumps(
                    {
                        "query": """mutation($case: ID!, $file: Upload!) {
                          uploadEvidence(input: {case: $case, file: $file}) {
                            evidence { originalName contentType url }
                            errors { code } } }""",
                        "variables": {"case": case["id"], "file": None},
                    }
                ),
                "map": json.dumps({"0": ["variables.file"]}),
            },
            files={"0": ("复查照片.png", PNG, "image/png")},
        )
        evidence = uploaded.json()["data"]["uploadEvidence"]["evidence"]
        assert evidence["contentType"] == "image/png"
        assert (await browser.get(evidence["url"])).content == PNG

        # Closed out (销号).
        case = await advance(
            "CLOSE_OUT", case, note="复查确认场所已关闭，学生已安置，学费已清退"
        )

    assert case["state"] == "CLOSED"
    assert case["register"] == {
        "studentsAffected": 23,
        "studentsResettled": 23,
        "feesOwed": "41400.00",
        "feesRefunded": "41400.00",
    }
    assert [(event["action"], event["actor"]) for event in case["timeline"]] == [
        ("REPORT", "liping"),
        ("VERIFY", "admin"),
        ("ISSUE_NOTICE", "admin"),
        ("DISPATCH", "admin"),
        ("ACKNOWLEDGE", "shichangjianguansuo"),
        ("ESCALATE", "admin"),
        ("RECORD_PENALTY", "admin"),
        ("BAN", "admin"),
        ("UPDATE_REGISTER", "admin"),
        ("REPORT_BACK", "shichangjianguansuo"),
        ("CLOSE_OUT", "admin"),
    ]
    assert case["notices"][0]["number"] == f"董家双减整改〔{today().year}〕1号"


async def test_a_correcting_notice_names_the_one_it_corrects(settings):
    async with running(settings) as browser:
        api = GraphQLClient(browser)
        await sign_in(browser, "liping")
        village = (
            await api.data(
                '{ villages(filter: {text: "寇家村"}) { edges { node { id } } } }'
            )
        )["villages"]["edges"][0]["node"]["id"]
        reported = await api.data(
            """mutation($input: ReportProblemInput!) { reportProblem(input: $input) {
                 case { id version } } }""",
            input={
                "village": village,
                "finding": {
                    "description": "有学生在内补习",
                    "signboardName": "启智",
                    "address": "寇家村东街5号",
                },
            },
        )
        case = reported["reportProblem"]["case"]

        await sign_in(browser, "admin")
        notice = {
            "action": "ISSUE_NOTICE",
            "deadline": (today() + timedelta(days=7)).isoformat(),
            "requirements": ["STOP_TRAINING"],
            "findings": "无证开展培训",
        }
        for step in [{"action": "VERIFY"}, notice, notice | {"findings": "更正"}]:
            if step.get("findings") == "更正":
                step["correctsNotice"] = case["notices"][0]["id"]
            answer = await api.data(
                """mutation($input: AdvanceCaseInput!) { advanceCase(input: $input) {
                     case { id version notices { id number corrects { number } } }
                     errors { field message } } }""",
                input={"case": case["id"], "version": case["version"]} | step,
            )
            assert answer["advanceCase"]["errors"] == []
            case = answer["advanceCase"]["case"]
        wrong = await api.data(
            """mutation($input: AdvanceCaseInput!) { advanceCase(input: $input) {
                 errors { field code } } }""",
            input={"case": case["id"], "version": case["version"]}
            | notice
            | {"correctsNotice": case["id"]},
        )

        await sign_in(browser, "linqingjie")
        elsewhere = await api.data(
            "query($id: ID!) { node(id: $id) { id } }", id=case["notices"][0]["id"]
        )

    first, correction = case["notices"]
    assert correction["corrects"] == {"number": first["number"]}
    assert first["corrects"] is None
    assert wrong["advanceCase"]["errors"] == [
        {"field": "correctsNotice", "code": "INVALID"}
    ]
    assert elsewhere["node"] is None
