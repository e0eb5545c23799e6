"""The public's API and the office's side of it: the directory, verifying a
card, the blacklist, published penalties, reports from the public and their
triage, and what the public never reads."""

import itertools
import json
from datetime import timedelta

import httpx
from strawberry import relay

from server import complaints
from server.clock import today
from server.directory import published
from server.models import (
    CardChange,
    Case,
    Category,
    Complaint,
    District,
    DocumentKind,
    Institution,
    LicenseStatus,
    ListChange,
    ListSource,
    Notice,
    Person,
    Subdistrict,
    Village,
)
from server.synthetic import add_subdistricts
from tests import factories
from tests.conftest import counting_statements, sign_in

LICENSED = (DocumentKind.SCHOOL_PERMIT, DocumentKind.BUSINESS_LICENSE)
WUMENG = "济南市历城区舞梦教育培训学校有限公司"
EXITS = "安全出口、疏散通道堵塞或锁闭"  # a veto item of the scoring template

ENTRY_FIELDS = """
  code displayCode registeredName signboardName category address village
  district permitNumber registrationKind registrationNumber operatingStatus
  card cardSince lastInspectedOn listName
"""
DIRECTORY = f"""
query($filter: DirectoryFilter, $first: Int, $after: String) {{
  directory(filter: $filter, first: $first, after: $after) {{
    totalCount
    pageInfo {{ hasNextPage endCursor }}
    edges {{ node {{ {ENTRY_FIELDS} }} }}
  }}
}}
"""
BLACKLISTING_FIELDS = (
    "code displayCode name signboardName address village reason listedOn"
)
VERIFY = f"""
query($code: String!, $printedCard: Int) {{
  verification(code: $code, printedCard: $printedCard) {{
    verdict printedCardCurrent
    entry {{ registeredName card }}
    blacklisting {{ {BLACKLISTING_FIELDS} }}
  }}
}}
"""
BLACKLIST = f"""
query($first: Int, $after: String) {{ blacklist(first: $first, after: $after) {{
  totalCount
  pageInfo {{ hasNextPage endCursor }}
  edges {{ node {{ {BLACKLISTING_FIELDS} }} }}
}} }}
"""
PUBLISHED_PENALTIES = """
query($first: Int, $after: String) {
  publishedPenalties(first: $first, after: $after) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges { node {
      institutionName signboardName decisionNumber decidedOn penaltyType amount
      summary publishedOn
    } }
  }
}
"""
SUBMIT = """
mutation($input: SubmitComplaintInput!) { submitComplaint(input: $input) {
  reference displayReference errors { field code message }
} }
"""
STATUS = """
query($reference: String!) { complaintStatus(reference: $reference) {
  reference displayReference receivedOn institutionName concern progress answer
} }
"""
COMPLAINT_FIELDS = """
  id reference displayReference institutionName address concern description
  contact state answer triagedBy substantiatedOn version
  institution { registeredName }
  case { kind state finding institution { registeredName } }
"""
COMPLAINTS = f"""
query($filter: ComplaintFilter) {{ complaints(filter: $filter) {{
  totalCount edges {{ node {{ {COMPLAINT_FIELDS} }} }}
}} }}
"""
TRIAGE = f"""
mutation($input: TriageComplaintInput!) {{ triageComplaint(input: $input) {{
  complaint {{ {COMPLAINT_FIELDS} }}
  errors {{ field code message }}
}} }}
"""
PUBLISH = """
mutation($input: PublishPenaltyInput!) { publishPenalty(input: $input) {
  penalty { decisionNumber published publicSummary version }
  errors { field code message }
} }
"""
A_REPORT = {
    "institutionName": "启智托管班",
    "concern": "UNLICENSED",
    "description": "小区底商有人办托管班，晚上辅导数学，没有看到办学许可证。",
    "address": "寇家村幸福路8号",
    "contact": "13812345678 王女士",
}


# Distinct client addresses for reports taken in through the domain.
_addresses = itertools.count(1)


def in_english(*clients) -> None:
    """Messages in the source language, whatever the catalog makes of them."""
    for client in clients:
        client.headers["Accept-Language"] = "en"


def nodes(data: dict, field: str) -> list[dict]:
    return [edge["node"] for edge in data[field]["edges"]]


async def global_id(graphql, field: str, text: str) -> str:
    data = await graphql.data(
        f"query($text: String) {{ {field}(filter: {{text: $text}}) "
        "{ edges { node { id } } } }",
        text=text,
    )
    return data[field]["edges"][0]["node"]["id"]


async def submit(graphql, **fields) -> dict:
    answer = await graphql.data(SUBMIT, input=A_REPORT | fields)
    return answer["submitComplaint"]


async def received(**fields) -> Complaint:
    """A report taken in through the domain, each from an address of its own,
    so that no flood limit stands in the test's way."""
    submission = complaints.Submission(
        institution_name=fields.pop("institution_name", A_REPORT["institutionName"]),
        concern=fields.pop("concern", A_REPORT["concern"]),
        description=fields.pop("description", A_REPORT["description"]),
        address=fields.pop("address", A_REPORT["address"]),
        contact=fields.pop("contact", A_REPORT["contact"]),
        **fields,
    )
    digest = complaints.client_digest("test-secret", f"192.0.2.{next(_addresses)}")
    return await complaints.submit_complaint(submission, digest, per_hour=5)


async def blacklist(graphql, institution: str, reason: str) -> None:
    """The office blacklists an institution: one administrator proposes, and
    another confirms; the client is the first administrator's again after."""
    seen = await graphql.data(
        "query($id: ID!) { node(id: $id) { ... on Institution { "
        "listHistory(first: 1) { id } } } }",
        id=institution,
    )
    history = seen["node"]["listHistory"]
    proposed = await graphql.data(
        """mutation($input: SetListMembershipInput!) {
             setListMembership(input: $input) { listChange { id } errors { code } }
           }""",
        input={
            "institution": institution,
            "listName": "BLACK",
            "reason": reason,
            "seenChange": history[0]["id"] if history else None,
        },
    )
    change = proposed["setListMembership"]["listChange"]["id"]
    await sign_in(graphql.http, "mengzhaoxin")
    await graphql.data(
        """mutation($input: DecideListChangeInput!) { decideListChange(input: $input) {
             errors { code } } }""",
        input={"change": change, "confirm": True, "note": "同意"},
    )
    await sign_in(graphql.http, "admin")


async def a_penalised_case(graphql, finding: str) -> dict:
    """A place reported in 寇家村, found training without a permit, and fined
    by joint enforcement; returns the case with its penalty."""
    village = await global_id(graphql, "villages", "寇家村")
    reported = await graphql.data(
        """mutation($input: ReportProblemInput!) { reportProblem(input: $input) {
             case { id version } errors { code } } }""",
        input={
            "village": village,
            "finding": {
                "description": finding,
                "signboardName": "小神童作业辅导",
                "address": "寇家村幸福路10号",
            },
        },
    )
    case = reported["reportProblem"]["case"]
    steps = (
        {"action": "VERIFY"},
        {"action": "ORDER_STOP"},
        {"action": "ESCALATE", "note": "逾期拒不停止培训"},
        {
            "action": "RECORD_PENALTY",
            "decisionNumber": "历城市监罚〔2026〕8号",
            "decidedOn": today().isoformat(),
            "penaltyType": "FINE",
            "amount": "10000",
        },
    )
    for step in steps:
        advanced = await graphql.data(
            """mutation($input: AdvanceCaseInput!) { advanceCase(input: $input) {
                 case { id version penalties { id version } } errors { code } } }""",
            input={"case": case["id"], "version": case["version"]} | step,
        )
        assert advanced["advanceCase"]["errors"] == [], step
        case = advanced["advanceCase"]["case"]
    return case


# --- the directory ------------------------------------------------------------------


async def test_anyone_finds_the_licensed_institutions_and_only_those(
    db, anonymous_graphql
):
    village = await factories.village_in_district("寇家村", "董家管理区")
    listed = await factories.institution(
        "金话筒口才艺术学校",
        village=village,
        category=Category.ARTS,
        documents=LICENSED,
        address="寇家村路12号",
    )
    await factories.institution(
        "金话筒口才托管中心", village=village, address="寇家村路14号"
    )

    data = await anonymous_graphql.data(DIRECTORY, filter={"text": "金话筒"})

    assert data["directory"]["totalCount"] == 1
    assert nodes(data, "directory") == [
        {
            "code": listed.public_code,
            "displayCode": f"{listed.public_code[:5]}-{listed.public_code[5:]}",
            "registeredName": "金话筒口才艺术学校",
            "signboardName": None,
            "category": "ARTS",
            "address": "寇家村路12号",
            "village": "寇家村",
            "district": "董家管理区",
            "permitNumber": "SCH-艺术学校",
            "registrationKind": "BUSINESS_LICENSE",
            "registrationNumber": "BUS-艺术学校",
            "operatingStatus": "OPERATING",
            "card": None,
            "cardSince": None,
            "lastInspectedOn": None,
            "listName": None,
        }
    ]


async def test_the_directory_filters_by_text_category_district_and_village(
    db, graphql, anonymous_graphql
):
    village = await factories.village_in_district("寇家村", "董家管理区")
    await factories.institution(
        "金话筒口才艺术学校",
        village=village,
        category=Category.ARTS,
        documents=LICENSED,
    )
    await factories.institution(
        "小博士科技学校", category=Category.SCIENCE_TECH, documents=LICENSED
    )
    village_id = await global_id(graphql, "villages", "寇家村")
    data = await graphql.data(
        "query($id: ID!) { node(id: $id) { ... on Village { district { id } } } }",
        id=village_id,
    )
    district_id = data["node"]["district"]["id"]

    async def names(**where) -> list[str]:
        found = await anonymous_graphql.data(DIRECTORY, filter=where)
        return [node["registeredName"] for node in nodes(found, "directory")]

    assert await names(text="科技") == ["小博士科技学校"]
    assert await names(category="SCIENCE_TECH") == ["小博士科技学校"]
    assert await names(village=village_id) == ["金话筒口才艺术学校"]
    assert await names(district=district_id) == ["金话筒口才艺术学校"]
    assert await names(district=district_id, category="SCIENCE_TECH") == []
    assert len(await names()) == 11  # the plan's nine, and these two


async def test_a_filter_id_of_another_type_is_refused_naming_the_field(
    graphql, anonymous_graphql
):
    in_english(anonymous_graphql)
    district_as_village = await global_id(graphql, "villages", "寇家村")

    answer = await anonymous_graphql(
        DIRECTORY, filter={"district": district_as_village}
    )

    assert answer["data"] is None
    assert [(error["message"], error["extensions"]) for error in answer["errors"]] == [
        (
            "district must be the id of a District, as the API gave it out.",
            {"code": "INVALID", "field": "district"},
        )
    ]


async def test_directory_pages_follow_each_other_at_the_same_cost(
    db, anonymous_graphql
):
    await factories.many_institutions(110)

    with counting_statements() as five:
        small = await anonymous_graphql.data(DIRECTORY, first=5)
    with counting_statements() as hundred:
        large = await anonymous_graphql.data(DIRECTORY, first=100)
    rest = await anonymous_graphql.data(
        DIRECTORY, first=100, after=large["directory"]["pageInfo"]["endCursor"]
    )

    names = [node["registeredName"] for node in nodes(large, "directory")]
    names += [node["registeredName"] for node in nodes(rest, "directory")]
    assert len(nodes(small, "directory")) == 5
    assert large["directory"]["totalCount"] == 119
    assert len(names) == len(set(names)) == 119
    assert rest["directory"]["pageInfo"]["hasNextPage"] is False
    assert all(node["district"] for node in nodes(large, "directory")[:50])
    assert 0 < len(hundred.statements) == len(five.statements), hundred.statements


# --- verifying a card ---------------------------------------------------------------


async def test_a_card_verifies_while_it_holds_and_not_once_replaced(
    db, graphql, anonymous_graphql
):
    wumeng = await Institution.get(registered_name=WUMENG)
    items = await graphql.data("{ scoringTemplate { items { id text } } }")
    exits = next(i for i in items["scoringTemplate"]["items"] if i["text"] == EXITS)
    institution = await global_id(graphql, "institutions", "舞梦")
    record = """mutation($input: RecordInspectionInput!) {
      recordInspection(input: $input) { errors { code } } }"""

    unprinted = await anonymous_graphql.data(VERIFY, code=wumeng.public_code)
    await sign_in(graphql.http, "donglanchao")
    await graphql.data(
        record, input={"institution": institution, "inspectedOn": str(today())}
    )
    printed = await CardChange.filter(institution_id=wumeng.id).order_by("-id").first()
    current = await anonymous_graphql.data(
        VERIFY, code=wumeng.public_code.lower(), printedCard=printed.id
    )
    await graphql.data(
        record,
        input={
            "institution": institution,
            "inspectedOn": str(today()),
            "results": [{"item": exits["id"], "breached": True}],
            "findings": [
                {"item": exits["id"], "deadline": str(today() + timedelta(1))}
            ],
        },
    )
    stale = await anonymous_graphql.data(
        VERIFY,
        code=f" {wumeng.public_code[:5]}-{wumeng.public_code[5:]} ",
        printedCard=printed.id,
    )

    assert unprinted["verification"] == {
        "verdict": "LISTED",
        "printedCardCurrent": None,
        "entry": {"registeredName": WUMENG, "card": None},
        "blacklisting": None,
    }
    assert current["verification"] == {
        "verdict": "LISTED",
        "printedCardCurrent": True,
        "entry": {"registeredName": WUMENG, "card": "GREEN"},
        "blacklisting": None,
    }
    assert stale["verification"] == {
        "verdict": "LISTED",
        "printedCardCurrent": False,
        "entry": {"registeredName": WUMENG, "card": "RED"},
        "blacklisting": None,
    }


async def test_codes_of_unlisted_institutions_verify_as_unknown(db, anonymous_graphql):
    unlicensed = await factories.institution("隐秘无证托管班")

    answers = [
        (await anonymous_graphql.data(VERIFY, code=code))["verification"]
        for code in (unlicensed.public_code, "ZZZZZ-ZZZZZ", "not a code")
    ]

    assert answers == 3 * [
        {
            "verdict": "UNKNOWN",
            "printedCardCurrent": None,
            "entry": None,
            "blacklisting": None,
        }
    ]


async def test_a_blacklisted_code_says_why_in_public_words(
    db, graphql, anonymous_graphql
):
    in_english(anonymous_graphql)
    wumeng = await Institution.get(registered_name=WUMENG)
    await blacklist(
        graphql, await global_id(graphql, "institutions", "舞梦"), "负责人董某拒不整改"
    )

    answer = await anonymous_graphql.data(
        VERIFY, code=wumeng.public_code, printedCard=123
    )
    listed = await anonymous_graphql.data(DIRECTORY, filter={"text": "舞梦"})
    blacklisted = await anonymous_graphql.data(BLACKLIST)

    blacklisting = {
        "code": wumeng.public_code,
        "displayCode": f"{wumeng.public_code[:5]}-{wumeng.public_code[5:]}",
        "name": WUMENG,
        "signboardName": None,
        "address": None,
        "village": None,
        "reason": "Placed on the blacklist by decision of the subdistrict office.",
        "listedOn": today().isoformat(),
    }
    assert answer["verification"] == {
        "verdict": "BLACKLISTED",
        "printedCardCurrent": False,
        "entry": None,
        "blacklisting": blacklisting,
    }
    assert listed["directory"] == {
        "totalCount": 0,
        "pageInfo": {"hasNextPage": False, "endCursor": None},
        "edges": [],
    }
    assert blacklisted["blacklist"]["totalCount"] == 1
    assert nodes(blacklisted, "blacklist") == [blacklisting]


# --- published penalties ------------------------------------------------------------


async def test_a_penalty_is_public_once_published_and_until_withdrawn(
    db, graphql, anonymous_graphql
):
    in_english(graphql)
    case = await a_penalised_case(graphql, "内部核查：负责人张某，电话13900001111")
    penalty = case["penalties"][0]

    before = await anonymous_graphql.data(PUBLISHED_PENALTIES)
    unsummarised = await graphql.data(
        PUBLISH, input={"id": penalty["id"], "version": 1, "publish": True}
    )
    published = await graphql.data(
        PUBLISH,
        input={
            "id": penalty["id"],
            "version": 1,
            "summary": "无证开展学科类培训，依法罚款一万元。",
            "publish": True,
        },
    )
    shown = await anonymous_graphql.data(PUBLISHED_PENALTIES)
    stale = await graphql.data(
        PUBLISH, input={"id": penalty["id"], "version": 1, "publish": False}
    )
    withdrawn = await graphql.data(
        PUBLISH, input={"id": penalty["id"], "version": 2, "publish": False}
    )
    after = await anonymous_graphql.data(PUBLISHED_PENALTIES)

    nothing = {
        "totalCount": 0,
        "pageInfo": {"hasNextPage": False, "endCursor": None},
        "edges": [],
    }
    assert before["publishedPenalties"] == after["publishedPenalties"] == nothing
    assert unsummarised["publishPenalty"] == {
        "penalty": None,
        "errors": [
            {"field": "summary", "code": "REQUIRED", "message": "Fill this in."}
        ],
    }
    summary = "无证开展学科类培训，依法罚款一万元。"
    assert published["publishPenalty"] == {
        "penalty": {
            "decisionNumber": "历城市监罚〔2026〕8号",
            "published": True,
            "publicSummary": summary,
            "version": 2,
        },
        "errors": [],
    }
    assert shown["publishedPenalties"]["totalCount"] == 1
    assert nodes(shown, "publishedPenalties") == [
        {
            "institutionName": "小神童作业辅导",
            "signboardName": "小神童作业辅导",
            "decisionNumber": "历城市监罚〔2026〕8号",
            "decidedOn": today().isoformat(),
            "penaltyType": "FINE",
            "amount": "10000.00",
            "summary": summary,
            "publishedOn": today().isoformat(),
        }
    ]
    assert stale["publishPenalty"]["errors"][0]["code"] == "CONFLICT"
    assert stale["publishPenalty"]["penalty"]["version"] == 2
    assert withdrawn["publishPenalty"] == {
        "penalty": {
            "decisionNumber": "历城市监罚〔2026〕8号",
            "published": False,
            "publicSummary": summary,
            "version": 3,
        },
        "errors": [],
    }


# --- reports from the public --------------------------------------------------------


async def test_anyone_reports_an_institution_and_follows_the_report(
    db, anonymous_graphql
):
    wumeng = await Institution.get(registered_name=WUMENG)

    submitted = await submit(
        anonymous_graphql,
        institutionName="舞梦",
        concern="ACADEMIC_TUTORING",
        institutionCode=wumeng.public_code.lower(),
    )
    reference = submitted["reference"]
    status = await anonymous_graphql.data(
        STATUS, reference=submitted["displayReference"].lower()
    )
    stored = await Complaint.get(reference=reference)

    assert submitted == {
        "reference": reference,
        "displayReference": f"{reference[:5]}-{reference[5:]}",
        "errors": [],
    }
    assert status["complaintStatus"] == {
        "reference": reference,
        "displayReference": f"{reference[:5]}-{reference[5:]}",
        "receivedOn": today().isoformat(),
        "institutionName": "舞梦",
        "concern": "ACADEMIC_TUTORING",
        "progress": "WAITING",
        "answer": "",
    }
    assert (stored.institution_id, stored.contact) == (wumeng.id, A_REPORT["contact"])


async def test_a_reference_nobody_was_given_finds_nothing(anonymous_graphql):
    for reference in ("ABCDE-FGH23", "", "not a reference"):
        answer = await anonymous_graphql.data(STATUS, reference=reference)
        assert answer == {"complaintStatus": None}


async def test_a_report_with_mistakes_is_refused_as_data_and_kept_nowhere(
    db, anonymous_graphql
):
    in_english(anonymous_graphql)
    unlicensed = await factories.institution("隐秘无证托管班")

    refused = await submit(
        anonymous_graphql,
        institutionName=" ",
        description="x" * 2001,
        institutionCode=unlicensed.public_code,
    )

    assert refused == {
        "reference": None,
        "displayReference": None,
        "errors": [
            {
                "field": "institutionName",
                "code": "REQUIRED",
                "message": "Fill this in.",
            },
            {
                "field": "description",
                "code": "TOO_LONG",
                "message": "At most 2000 characters; this has 2001.",
            },
            {
                "field": "institutionCode",
                "code": "NOT_FOUND",
                "message": "No institution in the directory has this code; "
                "leave it empty.",
            },
        ],
    }
    assert await Complaint.all().count() == 0


async def test_a_flood_from_one_address_is_refused_as_data(db, anonymous_graphql):
    sent = [await submit(anonymous_graphql) for _ in range(6)]

    assert [answer["errors"] for answer in sent[:5]] == 5 * [[]]
    assert sent[5]["reference"] is None
    assert [(e["field"], e["code"]) for e in sent[5]["errors"]] == [
        (None, "RATE_LIMITED")
    ]
    assert await Complaint.all().count() == 5


# --- the office reads and triages reports -------------------------------------------


async def test_only_administrators_read_the_reporters_contact(db, graphql):
    report = await received()
    await received(concern="FEES", contact=None)

    as_admin = await graphql.data(COMPLAINTS, filter={"state": "RECEIVED"})
    await sign_in(graphql.http, "fangjun")
    as_leader = await graphql.data(COMPLAINTS)
    await sign_in(graphql.http, "liping")
    as_supervisor = await graphql(COMPLAINTS)

    assert as_admin["complaints"]["totalCount"] == 2
    assert [node["contact"] for node in nodes(as_admin, "complaints")] == [
        "",
        A_REPORT["contact"],
    ]
    assert [node["contact"] for node in nodes(as_leader, "complaints")] == [None, None]
    assert nodes(as_leader, "complaints")[1] == {
        "id": nodes(as_admin, "complaints")[1]["id"],
        "reference": report.reference,
        "displayReference": f"{report.reference[:5]}-{report.reference[5:]}",
        "institutionName": "启智托管班",
        "address": "寇家村幸福路8号",
        "concern": "UNLICENSED",
        "description": A_REPORT["description"],
        "contact": None,
        "state": "RECEIVED",
        "answer": "",
        "triagedBy": None,
        "substantiatedOn": None,
        "version": 1,
        "institution": None,
        "case": None,
    }
    assert as_supervisor["data"] is None
    assert as_supervisor["errors"][0]["extensions"] == {"code": "FORBIDDEN"}


async def test_a_report_by_id_is_found_by_its_readers_only(db, graphql):
    await received()
    listed = await graphql.data("{ complaints { edges { node { id } } } }")
    report = nodes(listed, "complaints")[0]["id"]
    query = "query($id: ID!) { node(id: $id) { id ... on Complaint { state } } }"
    nowhere = str(relay.GlobalID("Complaint", "999999"))

    found = await graphql.data(query, id=report)
    await sign_in(graphql.http, "liping")
    hidden = await graphql(query, id=report)
    missing = await graphql(query, id=nowhere)

    assert found == {"node": {"id": report, "state": "RECEIVED"}}
    assert hidden == missing
    assert (hidden["data"], "errors" in hidden) == ({"node": None}, False)


async def test_an_institutions_reports_cost_the_same_for_nine_as_for_two(db, graphql):
    for institution in await Institution.filter(license_status=LicenseStatus.LICENSED):
        for _ in range(2):
            await received(institution_code=institution.public_code)
    query = """query($first: Int) { institutions(first: $first) { edges { node {
      complaints(first: 1) { totalCount edges { node { institutionName } } }
    } } } }"""

    with counting_statements() as two:
        few = await graphql.data(query, first=2)
    with counting_statements() as nine:
        many = await graphql.data(query, first=9)
    await sign_in(graphql.http, "fangjun")
    as_leader = await graphql.data(query, first=1)
    await sign_in(graphql.http, "donglanchao")
    as_instructor = await graphql.data(query, first=1)

    pages = [node["complaints"] for node in nodes(many, "institutions")]
    assert len(nodes(few, "institutions")) == 2
    assert pages == 9 * [
        {"totalCount": 2, "edges": [{"node": {"institutionName": "启智托管班"}}]}
    ]
    assert len(nine.statements) == len(two.statements), nine.statements
    assert nodes(as_leader, "institutions")[0]["complaints"]["totalCount"] == 2
    assert nodes(as_instructor, "institutions") == [{"complaints": None}]


async def test_triage_opens_a_case_on_a_report_of_an_unknown_place(
    db, graphql, anonymous_graphql
):
    report = await received()
    complaint = nodes(await graphql.data(COMPLAINTS), "complaints")[0]
    village = await global_id(graphql, "villages", "寇家村")

    opened = await graphql.data(
        TRIAGE,
        input={
            "id": complaint["id"],
            "version": 1,
            "decision": "OPEN_CASE",
            "village": village,
            "answer": "已转社会监督员核查。",
        },
    )
    status = await anonymous_graphql.data(STATUS, reference=report.reference)

    assert opened["triageComplaint"] == {
        "complaint": complaint
        | {
            "contact": A_REPORT["contact"],
            "state": "CASE_OPENED",
            "answer": "已转社会监督员核查。",
            "triagedBy": "admin",
            "version": 2,
            "institution": {"registeredName": "启智托管班"},
            "case": {
                "kind": "UNLICENSED",
                "state": "REPORTED",
                "finding": A_REPORT["description"],
                "institution": {"registeredName": "启智托管班"},
            },
        },
        "errors": [],
    }
    assert status["complaintStatus"]["progress"] == "CHECKING"
    assert status["complaintStatus"]["answer"] == "已转社会监督员核查。"


async def test_triage_links_a_report_to_the_case_that_follows_the_place(db, graphql):
    case = await a_penalised_case(graphql, "无证培训")
    await received()
    complaint = nodes(await graphql.data(COMPLAINTS), "complaints")[0]

    linked = await graphql.data(
        TRIAGE,
        input={
            "id": complaint["id"],
            "version": 1,
            "decision": "LINK_CASE",
            "case": case["id"],
        },
    )

    assert linked["triageComplaint"]["errors"] == []
    assert linked["triageComplaint"]["complaint"]["state"] == "CASE_LINKED"
    assert linked["triageComplaint"]["complaint"]["case"]["state"] == "PENALISED"
    assert linked["triageComplaint"]["complaint"]["institution"] == {
        "registeredName": "小神童作业辅导"
    }
    assert linked["triageComplaint"]["complaint"]["substantiatedOn"] == str(today())


async def test_triage_dismisses_a_report_with_an_answer_the_reporter_reads(
    db, graphql, anonymous_graphql
):
    in_english(graphql)
    report = await received()
    complaint = nodes(await graphql.data(COMPLAINTS), "complaints")[0]

    unanswered = await graphql.data(
        TRIAGE, input={"id": complaint["id"], "version": 1, "decision": "DISMISS"}
    )
    dismissed = await graphql.data(
        TRIAGE,
        input={
            "id": complaint["id"],
            "version": 1,
            "decision": "DISMISS",
            "answer": "经核查，该处为家庭自住，未发现培训活动。",
        },
    )
    again = await graphql.data(
        TRIAGE,
        input={
            "id": complaint["id"],
            "version": 2,
            "decision": "DISMISS",
            "answer": "重复",
        },
    )
    status = await anonymous_graphql.data(STATUS, reference=report.reference)

    assert unanswered["triageComplaint"] == {
        "complaint": None,
        "errors": [{"field": "answer", "code": "REQUIRED", "message": "Fill this in."}],
    }
    assert dismissed["triageComplaint"]["errors"] == []
    assert dismissed["triageComplaint"]["complaint"]["state"] == "DISMISSED"
    assert again["triageComplaint"] == {
        "complaint": None,
        "errors": [
            {
                "field": "decision",
                "code": "INVALID",
                "message": "This report was triaged already.",
            }
        ],
    }
    assert status["complaintStatus"]["progress"] == "DISMISSED"
    assert (
        status["complaintStatus"]["answer"]
        == "经核查，该处为家庭自住，未发现培训活动。"
    )


async def test_triage_names_what_is_missing_as_the_input_names_it(db, graphql):
    await received(address=None)
    complaint = nodes(await graphql.data(COMPLAINTS), "complaints")[0]

    refused = await graphql.data(
        TRIAGE, input={"id": complaint["id"], "version": 1, "decision": "OPEN_CASE"}
    )
    unlinked = await graphql.data(
        TRIAGE, input={"id": complaint["id"], "version": 1, "decision": "LINK_CASE"}
    )

    assert [(e["field"], e["code"]) for e in refused["triageComplaint"]["errors"]] == [
        ("village", "NOT_FOUND"),
        ("address", "REQUIRED"),
    ]
    assert [(e["field"], e["code"]) for e in unlinked["triageComplaint"]["errors"]] == [
        ("case", "NOT_FOUND")
    ]


async def test_triage_on_a_stale_version_is_refused_with_the_report_as_it_is(
    db, graphql
):
    await received()
    complaint = nodes(await graphql.data(COMPLAINTS), "complaints")[0]
    # Another administrator's triage claims the version in the instant between
    # this one's reading the report and its writing.
    await Complaint.filter(reference=complaint["reference"]).update(version=2)

    stale = await graphql.data(
        TRIAGE,
        input={
            "id": complaint["id"],
            "version": 1,
            "decision": "DISMISS",
            "answer": "未发现问题。",
        },
    )

    assert [e["code"] for e in stale["triageComplaint"]["errors"]] == ["CONFLICT"]
    assert stale["triageComplaint"]["complaint"] == complaint | {"version": 2}
    assert (await Complaint.get(reference=complaint["reference"])).answer == ""


# --- what the public never reads ----------------------------------------------------


async def test_no_anonymous_answer_shows_a_person_a_note_or_an_unpublished_place(
    db, settings, graphql, anonymous_graphql
):
    from server.demo_activity import load_demo_activity

    await load_demo_activity(settings)
    subdistrict = await Subdistrict.first()
    await Person.create(subdistrict=subdistrict, name="保密测试人", phone="13912345678")
    await factories.institution("隐秘无证托管班", address="寇家村隐秘巷1号")
    case = await a_penalised_case(graphql, "内部核查记录：负责人赵某，电话13700002222")
    await graphql.data(
        PUBLISH,
        input={
            "id": case["penalties"][0]["id"],
            "version": 1,
            "summary": "无证培训，依法罚款。",
            "publish": True,
        },
    )
    await blacklist(
        graphql, await global_id(graphql, "institutions", "舞梦"), "负责人钱某拒不整改"
    )
    report = await received(contact="微信 secret-contact-42")

    public_names = await _public_institution_names()
    secrets = {person.name for person in await Person.all()}
    secrets |= {person.phone for person in await Person.all() if person.phone}
    secrets |= {case.finding for case in await Case.all()}
    secrets |= {notice.findings for notice in await Notice.all()}
    secrets |= {
        words
        for change in await ListChange.filter(source=ListSource.OFFICE)
        for words in (change.reason, change.decision_note)
        if words
    }
    secrets |= {
        name
        for institution in await Institution.all()
        for name in (institution.registered_name, institution.signboard_name)
        if name and name not in public_names
    }
    secrets |= {report.contact, report.description, "保密测试人", "13912345678"}
    assert "隐秘无证托管班" in secrets and "负责人钱某拒不整改" in secrets

    answers = await _every_anonymous_answer(anonymous_graphql, report.reference)

    text = json.dumps(answers, ensure_ascii=False)
    assert len(answers) > 100
    assert sorted(secret for secret in secrets if secret in text) == []


async def _public_institution_names() -> set[str]:
    """The names the public may read: of listed and blacklisted institutions,
    and of those with a published penalty."""
    from server.directory import blacklisted, published
    from server.models import Penalty

    shown = await published() + await blacklisted()
    penalised = await Case.filter(
        id__in=await Penalty.filter(published=True).values_list("case_id", flat=True)
    ).values_list("institution_id", flat=True)
    shown += await Institution.filter(id__in=penalised)
    return {
        name
        for institution in shown
        for name in (institution.registered_name, institution.signboard_name)
        if name
    }


async def _every_anonymous_answer(anonymous_graphql, reference: str) -> list[dict]:
    """Every anonymous query, asking every field, over every page there is."""
    answers = []
    for query, field in (
        (DIRECTORY, "directory"),
        (BLACKLIST, "blacklist"),
        (PUBLISHED_PENALTIES, "publishedPenalties"),
    ):
        after = None
        while True:
            page = await anonymous_graphql.data(query, first=100, after=after)
            answers += nodes(page, field)
            if not page[field]["pageInfo"]["hasNextPage"]:
                break
            after = page[field]["pageInfo"]["endCursor"]
    newest_cards = {
        change.institution_id: change.id
        for change in await CardChange.all().order_by("id")
    }
    for institution in await Institution.all():
        verified = await anonymous_graphql.data(
            VERIFY,
            code=institution.public_code,
            printedCard=newest_cards.get(institution.id),
        )
        answers.append(verified["verification"])
    status = await anonymous_graphql.data(STATUS, reference=reference)
    answers.append(status["complaintStatus"])
    return answers


async def test_anyone_learns_the_places_the_directory_filters_by(anonymous_graphql):
    places = await anonymous_graphql(
        "{ directoryPlaces { districts { id name } villages { id name } } }"
    )
    village = places["data"]["directoryPlaces"]["villages"][0]

    found = await anonymous_graphql(
        "query ($v: ID) { directory(filter: {village: $v}) { totalCount } }",
        v=village["id"],
    )

    assert "errors" not in found
    assert len(places["data"]["directoryPlaces"]["districts"]) == 5


PLACES = """
query ($subdistrict: ID, $district: ID) {
  directoryPlaces(subdistrict: $subdistrict, district: $district) {
    subdistricts { id name } districts { id name } villages { id name }
  }
}
"""


def place_names(places: list[dict]) -> list[str]:
    return [place["name"] for place in places]


async def test_directory_places_lists_one_level_below_the_places_given(
    anonymous_graphql,
):
    await add_subdistricts(3)
    second = (await Subdistrict.all().order_by("id"))[1]
    district = await District.filter(subdistrict=second).order_by("id").first()

    nothing = (await anonymous_graphql.data(PLACES))["directoryPlaces"]
    second_id = nothing["subdistricts"][1]["id"]
    in_second = (await anonymous_graphql.data(PLACES, subdistrict=second_id))[
        "directoryPlaces"
    ]
    district_id = in_second["districts"][0]["id"]
    in_district = (
        await anonymous_graphql.data(
            PLACES, subdistrict=second_id, district=district_id
        )
    )["directoryPlaces"]

    assert place_names(nothing["subdistricts"]) == await Subdistrict.all().order_by(
        "id"
    ).values_list("name", flat=True)
    assert (nothing["districts"], nothing["villages"]) == ([], [])
    assert place_names(in_second["districts"]) == await District.filter(
        subdistrict=second
    ).order_by("id").values_list("name", flat=True)
    assert place_names(in_district["villages"]) == await Village.filter(
        district=district
    ).order_by("id").values_list("name", flat=True)
    assert relay.GlobalID.from_id(district_id).node_id == str(district.id)


async def test_a_district_outside_the_subdistrict_given_is_refused(
    anonymous_graphql,
):
    in_english(anonymous_graphql)
    await add_subdistricts(2)
    subdistricts = (await anonymous_graphql.data(PLACES))["directoryPlaces"][
        "subdistricts"
    ]
    first, second = (place["id"] for place in subdistricts)
    in_second = await anonymous_graphql.data(PLACES, subdistrict=second)
    elsewhere = in_second["directoryPlaces"]["districts"][0]["id"]

    answer = await anonymous_graphql(PLACES, subdistrict=first, district=elsewhere)

    assert answer["data"] is None
    assert [(error["message"], error["extensions"]) for error in answer["errors"]] == [
        (
            "district must be one of the places offered, within the place given "
            "above it.",
            {"code": "INVALID", "field": "district"},
        )
    ]


async def test_the_directory_filters_by_subdistrict(anonymous_graphql):
    await add_subdistricts(2)
    other = await Subdistrict.all().order_by("-id").first()
    subdistricts = (await anonymous_graphql.data(PLACES))["directoryPlaces"][
        "subdistricts"
    ]

    found = await anonymous_graphql.data(
        "query ($s: ID) { directory(filter: {subdistrict: $s}) { totalCount } }",
        s=subdistricts[1]["id"],
    )

    assert (
        found["directory"]["totalCount"]
        == await published().filter(subdistrict=other).count()
    )


async def test_an_anonymous_query_answers_304_until_the_data_changes(client):
    body = {"query": "{ blacklist { totalCount } }"}
    first = await client.post("/graphql", json=body)
    tag = first.headers["etag"]

    same = await client.post("/graphql", json=body, headers={"If-None-Match": tag})
    sent = await client.post(
        "/graphql",
        json={
            "query": "mutation ($r: SubmitComplaintInput!) "
            "{ submitComplaint(input: $r) { reference } }",
            "variables": {
                "r": {
                    "institutionName": "某托管班",
                    "concern": "SAFETY",
                    "description": "楼道堆满杂物",
                }
            },
        },
    )
    after = await client.post("/graphql", json=body, headers={"If-None-Match": tag})

    assert same.status_code == 304 and same.content == b""
    assert "etag" not in sent.headers  # a write is never answered from a tag
    assert after.status_code == 200 and after.headers["etag"] != tag


async def test_a_repeated_anonymous_query_is_answered_from_the_cache(client):
    body = {"query": "{ directory(first: 50) { totalCount edges { node { code } } } }"}
    first = await client.post("/graphql", json=body)

    with counting_statements() as counter:
        again = await client.post("/graphql", json=body)

    assert again.status_code == 200
    assert again.content == first.content
    assert again.headers["etag"] == first.headers["etag"]
    # Only the revision is read: the query is neither parsed nor run again.
    assert len(counter.statements) == 1, counter.statements


async def test_a_write_through_one_process_is_seen_through_every_other(served, client):
    query = {"query": '{ directory(filter: {text: "新招牌名"}) { totalCount } }'}
    other = httpx.AsyncClient(base_url=served.base_url)
    before = (await other.post("/graphql", json=query)).json()
    kept = (await other.post("/graphql", json=query)).json()

    await factories.rename_signboard("舞梦", "新招牌名舞蹈")
    after = (await other.post("/graphql", json=query)).json()
    await other.aclose()

    assert before == kept
    assert before["data"] == {"directory": {"totalCount": 0}}
    assert after["data"] == {"directory": {"totalCount": 1}}


async def test_signed_in_callers_get_no_tag(graphql):
    response = await graphql.http.post(
        "/graphql", json={"query": "{ blacklist { totalCount } }"}
    )

    assert response.status_code == 200
    assert "etag" not in response.headers
