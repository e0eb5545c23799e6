"""Inspections, scoring templates, cards and lists over GraphQL."""

from datetime import timedelta
from decimal import Decimal

from strawberry import relay

from server import inspections, standing
from server.accounts import actor_for_account
from server.clock import today
from server.models import (
    Account,
    Inspection,
    Institution,
    InstructorAssignment,
    LicenseStatus,
    TemplateItem,
)
from server.scoring import ResultInput
from tests.conftest import counting_statements, sign_in

WUMENG = "济南市历城区舞梦教育培训学校有限公司"
FIRE = "消防器材配备齐全且在有效期内"  # a standard item worth 5
EXITS = "安全出口、疏散通道堵塞或锁闭"  # a veto item
TEACHERS = "学科类培训教师具有相应教师资格证书"  # a standard item worth 6

RECORD = """
mutation($input: RecordInspectionInput!) { recordInspection(input: $input) {
  inspection {
    id score vetoed card inspectedOn
    template { version }
    instructor { name }
    results { item { text kind points } points breached note }
    findings { text serious deadline case { kind state institution { id } } }
    institution {
      card cardReason listName listReason
      cardHistory { card previous rule reason }
      listHistory { listName previous source state reason }
      latestInspection { score }
      openFindings { text overdue }
    }
  }
  errors { field code message }
} }
"""

SET_LIST = """
mutation($input: SetListMembershipInput!) { setListMembership(input: $input) {
  listChange { id state listName previous source reason proposedBy }
  institution { listName listReason pendingListChange { id }
                listHistory(first: 1) { id } }
  errors { field code message }
} }
"""

DECIDE = """
mutation($input: DecideListChangeInput!) { decideListChange(input: $input) {
  listChange { state decidedBy decisionNote }
  institution { listName listReason pendingListChange { id } }
  errors { field code message }
} }
"""

SAVE_TEMPLATE = """
mutation($input: SaveScoringTemplateInput!) { saveScoringTemplate(input: $input) {
  scoringTemplate { version name note createdBy }
  errors { field code message }
} }
"""


async def template_items(graphql) -> dict[str, dict]:
    data = await graphql.data(
        "{ scoringTemplate { version items { id text kind points section } } }"
    )
    return {item["text"]: item for item in data["scoringTemplate"]["items"]}


async def wumeng_id(graphql) -> str:
    data = await graphql.data(
        '{ institutions(filter: {text: "舞梦"}) { edges { node { id } } } }'
    )
    return data["institutions"]["edges"][0]["node"]["id"]


async def record(graphql, institution: str, results=(), findings=(), **fields):
    answer = await graphql.data(
        RECORD,
        input={
            "institution": institution,
            "inspectedOn": today().isoformat(),
            "results": list(results),
            "findings": list(findings),
        }
        | fields,
    )
    return answer["recordInspection"]


def in_days(days: int) -> str:
    return (today() + timedelta(days=days)).isoformat()


async def test_an_instructor_records_a_breach_and_the_institution_turns_red(graphql):
    wumeng = await wumeng_id(graphql)
    items = await template_items(graphql)
    await sign_in(graphql.http, "donglanchao")

    recorded = await record(
        graphql,
        wumeng,
        results=[
            {"item": items[FIRE]["id"], "points": "3", "note": "两具灭火器过期"},
            {"item": items[EXITS]["id"], "breached": True},
        ],
        findings=[
            {"item": items[FIRE]["id"], "deadline": in_days(7)},
            {"item": items[EXITS]["id"], "deadline": in_days(1), "text": "后门上锁"},
        ],
    )

    inspection = recorded["inspection"]
    assert recorded["errors"] == []
    assert (inspection["score"], inspection["vetoed"], inspection["card"]) == (
        "97.0",
        True,
        "RED",
    )
    assert inspection["template"] == {"version": 1}
    assert inspection["instructor"] == {"name": "董兰超"}
    assert inspection["results"] == [
        {
            "item": {"text": FIRE, "kind": "STANDARD", "points": "5.0"},
            "points": "3.0",
            "breached": False,
            "note": "两具灭火器过期",
        },
        {
            "item": {"text": EXITS, "kind": "VETO", "points": "0.0"},
            "points": "0.0",
            "breached": True,
            "note": "",
        },
    ]
    assert inspection["findings"] == [
        {"text": FIRE, "serious": False, "deadline": in_days(7), "case": None},
        {
            "text": "后门上锁",
            "serious": True,
            "deadline": in_days(1),
            "case": {
                "kind": "VIOLATION",
                "state": "REPORTED",
                "institution": {"id": wumeng},
            },
        },
    ]
    assert inspection["institution"] == {
        "card": "RED",
        "cardReason": "最近一次督查触犯了一票否决项。",
        "listName": "KEY",
        "listReason": "该机构持红牌。",
        "cardHistory": [
            {
                "card": "RED",
                "previous": None,
                "rule": "VETO_BREACHED",
                "reason": "最近一次督查触犯了一票否决项。",
            }
        ],
        "listHistory": [
            {
                "listName": "KEY",
                "previous": None,
                "source": "RULE",
                "state": "APPLIED",
                "reason": "该机构持红牌。",
            }
        ],
        "latestInspection": {"score": "97.0"},
        "openFindings": [
            {"text": "后门上锁", "overdue": False},
            {"text": FIRE, "overdue": False},
        ],
    }


async def test_fixing_the_findings_brings_the_card_back(graphql):
    wumeng = await wumeng_id(graphql)
    items = await template_items(graphql)
    await sign_in(graphql.http, "donglanchao")
    recorded = await record(
        graphql,
        wumeng,
        results=[{"item": items[FIRE]["id"], "points": "2"}],
        findings=[{"item": items[FIRE]["id"], "deadline": in_days(5)}],
    )
    finding = await graphql.data(
        "query($id: ID!) { node(id: $id) { ... on Inspection { findings { id } } } }",
        id=recorded["inspection"]["id"],
    )
    resolve = """mutation($input: ResolveFindingInput!) {
      resolveFinding(input: $input) {
        finding { resolvedOn resolution resolvedBy institution { card cardReason } }
        errors { field code message }
    } }"""
    finding_id = finding["node"]["findings"][0]["id"]

    unexplained = await graphql.data(
        resolve, input={"finding": finding_id, "resolution": " "}
    )
    fixed = await graphql.data(
        resolve, input={"finding": finding_id, "resolution": "已更换灭火器"}
    )

    assert recorded["inspection"]["institution"]["card"] == "YELLOW"
    assert unexplained["resolveFinding"] == {
        "finding": None,
        "errors": [
            {"field": "resolution", "code": "REQUIRED", "message": "请填写此项。"}
        ],
    }
    assert fixed["resolveFinding"] == {
        "finding": {
            "resolvedOn": today().isoformat(),
            "resolution": "已更换灭火器",
            "resolvedBy": "donglanchao",
            "institution": {
                "card": "GREEN",
                "cardReason": "最近一次督查得分 98.0，不低于 90，且无未整改问题。",
            },
        },
        "errors": [],
    }


async def test_a_supervisor_may_not_record_an_inspection(graphql):
    wumeng = await wumeng_id(graphql)
    await sign_in(graphql.http, "linqingjie")

    refused = await record(graphql, wumeng)

    assert refused == {
        "inspection": None,
        "errors": [
            {"field": None, "code": "FORBIDDEN", "message": "您的账号无权进行此操作。"}
        ],
    }


async def test_points_out_of_range_are_refused_naming_the_range(db, graphql):
    wumeng = await wumeng_id(graphql)
    items = await template_items(graphql)
    await sign_in(graphql.http, "donglanchao")

    refused = await record(
        graphql,
        wumeng,
        results=[
            {"item": items[TEACHERS]["id"], "points": "1", "note": "一人无证"},
            {"item": items[FIRE]["id"], "points": "6"},
        ],
        findings=[{"item": items[TEACHERS]["id"], "deadline": today().isoformat()}],
    )

    assert refused == {
        "inspection": None,
        "errors": [
            {
                "field": "results.1",
                "code": "INVALID",
                "message": "0 至 5.0 分，保留一位小数。",
            },
            {
                "field": "findings.0.deadline",
                "code": "INVALID",
                "message": "整改期限须晚于督查日期。",
            },
        ],
    }
    assert await Inspection.all().count() == 0


async def test_a_breach_without_a_deadline_is_blamed_on_the_breach(db, graphql):
    wumeng = await wumeng_id(graphql)
    items = await template_items(graphql)
    await sign_in(graphql.http, "donglanchao")

    refused = await record(
        graphql,
        wumeng,
        results=[{"item": items[EXITS]["id"], "breached": True}],
    )

    assert [(e["field"], e["code"]) for e in refused["errors"]] == [
        ("results.0.breached", "REQUIRED")
    ]


async def test_a_decision_on_a_stale_list_is_refused_and_changes_nothing(graphql):
    wumeng = await wumeng_id(graphql)
    await sign_in(graphql.http, "donglanchao")
    await record(graphql, wumeng)  # green: the rules put it on the white list
    await sign_in(graphql.http, "admin")

    stale = await graphql.data(
        SET_LIST,
        input={
            "institution": wumeng,
            "listName": "KEY",
            "reason": "家长集中反映收费问题",
            "seenChange": None,
        },
    )

    answer = stale["setListMembership"]
    assert answer["listChange"] is None
    assert answer["errors"] == [
        {
            "field": None,
            "code": "CONFLICT",
            "message": "该机构的名单已被调整，请先查看后再作决定。",
        }
    ]
    assert answer["institution"]["listName"] == "WHITE"
    assert answer["institution"]["listReason"] == (
        "证照齐全，持绿牌或黄牌，且无未结事项。"
    )
    assert len(answer["institution"]["listHistory"]) == 1

    seen = answer["institution"]["listHistory"][0]["id"]
    decided = await graphql.data(
        SET_LIST,
        input={
            "institution": wumeng,
            "listName": "KEY",
            "reason": "家长集中反映收费问题",
            "seenChange": seen,
        },
    )
    assert decided["setListMembership"]["errors"] == []
    assert decided["setListMembership"]["listChange"]["state"] == "APPLIED"
    assert decided["setListMembership"]["institution"]["listName"] == "KEY"
    assert (
        decided["setListMembership"]["institution"]["listReason"]
        == "家长集中反映收费问题"
    )


async def test_a_blacklist_move_waits_for_another_administrator(graphql):
    wumeng = await wumeng_id(graphql)

    proposed = await graphql.data(
        SET_LIST,
        input={
            "institution": wumeng,
            "listName": "BLACK",
            "reason": "经查存在严重违规",
            "seenChange": None,
        },
    )
    change = proposed["setListMembership"]["listChange"]
    queue = await graphql.data(
        """{ pendingListChanges { totalCount edges { node {
             id state institution { registeredName } } } } }"""
    )
    own = await graphql.data(
        DECIDE, input={"change": change["id"], "confirm": True, "note": ""}
    )
    await sign_in(graphql.http, "mengzhaoxin")
    confirmed = await graphql.data(
        DECIDE, input={"change": change["id"], "confirm": True, "note": "同意"}
    )

    assert change | {"id": None} == {
        "id": None,
        "state": "PENDING",
        "listName": "BLACK",
        "previous": None,
        "source": "OFFICE",
        "reason": "经查存在严重违规",
        "proposedBy": "admin",
    }
    assert proposed["setListMembership"]["institution"] == {
        "listName": None,
        "listReason": None,
        "pendingListChange": {"id": change["id"]},
        "listHistory": [{"id": change["id"]}],
    }
    assert queue["pendingListChanges"] == {
        "totalCount": 1,
        "edges": [
            {
                "node": {
                    "id": change["id"],
                    "state": "PENDING",
                    "institution": {"registeredName": WUMENG},
                }
            }
        ],
    }
    assert own["decideListChange"] == {
        "listChange": None,
        "institution": {
            "listName": None,
            "listReason": None,
            "pendingListChange": {"id": change["id"]},
        },
        "errors": [
            {
                "field": None,
                "code": "FORBIDDEN",
                "message": "您提出的调整须由另一位管理员确认。",
            }
        ],
    }
    assert confirmed["decideListChange"] == {
        "listChange": {
            "state": "APPLIED",
            "decidedBy": "mengzhaoxin",
            "decisionNote": "同意",
        },
        "institution": {
            "listName": "BLACK",
            "listReason": "经查存在严重违规",
            "pendingListChange": None,
        },
        "errors": [],
    }


async def test_nobody_signed_in_is_refused_as_data(graphql, anonymous_graphql):
    wumeng = await wumeng_id(graphql)

    answer = await anonymous_graphql.data(
        SET_LIST,
        input={"institution": wumeng, "listName": "BLACK", "reason": "匿名"},
    )
    decided = await anonymous_graphql.data(
        DECIDE, input={"change": "TGlzdENoYW5nZTox", "confirm": True}
    )

    assert answer["setListMembership"] == {
        "listChange": None,
        "institution": None,
        "errors": [{"field": None, "code": "UNAUTHENTICATED", "message": "请先登录。"}],
    }
    assert decided["decideListChange"]["errors"][0]["code"] == "UNAUTHENTICATED"


async def test_saving_a_template_on_a_stale_version_is_refused(graphql):
    items = [
        {key: item[key] for key in ("section", "text", "kind", "points")}
        for item in (await template_items(graphql)).values()
    ]
    save = {"basedOnVersion": 1, "name": "新版", "note": "文字调整", "items": items}

    saved = await graphql.data(SAVE_TEMPLATE, input=save)
    stale = await graphql.data(SAVE_TEMPLATE, input=save | {"name": "又一版"})
    versions = await graphql.data("{ scoringTemplates { version name } }")

    assert saved["saveScoringTemplate"] == {
        "scoringTemplate": {
            "version": 2,
            "name": "新版",
            "note": "文字调整",
            "createdBy": "admin",
        },
        "errors": [],
    }
    assert stale["saveScoringTemplate"]["errors"] == [
        {
            "field": None,
            "code": "CONFLICT",
            "message": "有人已保存了模板的新版本，请在新版本基础上重新编辑。",
        }
    ]
    assert stale["saveScoringTemplate"]["scoringTemplate"]["version"] == 2
    assert [v["version"] for v in versions["scoringTemplates"]] == [2, 1]


async def test_an_old_inspection_keeps_its_template_version_and_score(graphql):
    wumeng = await wumeng_id(graphql)
    items = await template_items(graphql)
    await sign_in(graphql.http, "donglanchao")
    first = await record(graphql, wumeng, results=[{"item": items[FIRE]["id"]}])
    await sign_in(graphql.http, "admin")
    doubled = [
        {
            "section": item["section"],
            "text": item["text"],
            "kind": item["kind"],
            "points": str(Decimal(item["points"]) * (2 if text == FIRE else 1)),
        }
        for text, item in items.items()
        if text != "培训内容与办学许可范围一致"  # 5 points off, 5 on the fire item
    ]
    await graphql.data(
        SAVE_TEMPLATE,
        input={"basedOnVersion": 1, "name": "新版", "items": doubled},
    )
    new_items = await template_items(graphql)
    await sign_in(graphql.http, "donglanchao")
    second = await record(
        graphql,
        wumeng,
        results=[{"item": new_items[FIRE]["id"], "points": "5"}],
        findings=[{"item": new_items[FIRE]["id"], "deadline": in_days(3)}],
    )

    old = await graphql.data(
        """query($id: ID!) { node(id: $id) { ... on Inspection {
             score template { version sections { name items { text } } }
             results { item { text points } points }
        } } }""",
        id=first["inspection"]["id"],
    )
    versions = await graphql.data(
        "{ current: scoringTemplate { version } first: scoringTemplate(version: 1) "
        "{ version } none: scoringTemplate(version: 9) { version } }"
    )

    assert old["node"]["score"] == "100.0"
    assert old["node"]["template"]["version"] == 1
    assert old["node"]["results"] == [
        {"item": {"text": FIRE, "points": "5.0"}, "points": "0.0"}
    ]
    sections = old["node"]["template"]["sections"]
    assert [section["name"] for section in sections][:2] == [
        "证照公示与政策宣传",
        "场地与消防安全",
    ]
    assert len(sections[0]["items"]) == 4
    assert (second["inspection"]["score"], second["inspection"]["template"]) == (
        "95.0",
        {"version": 2},
    )
    assert versions == {
        "current": {"version": 2},
        "first": {"version": 1},
        "none": None,
    }


async def test_inspections_are_listed_filtered_and_paged(db, graphql):
    wumeng = await wumeng_id(graphql)
    for days_ago in (3, 2, 1):
        await inspect(await Institution.get(registered_name=WUMENG), days_ago)
    pages = """query($id: ID!, $after: String, $from: Date) {
      inspections(filter: {inspectedFrom: $from}) { totalCount }
      node(id: $id) { ... on Institution {
        inspections(first: 2, after: $after) {
          totalCount pageInfo { hasNextPage endCursor } edges { node { inspectedOn } }
        }
      } }
    }"""

    first = await graphql.data(pages, id=wumeng)
    second = await graphql.data(
        pages,
        id=wumeng,
        after=first["node"]["inspections"]["pageInfo"]["endCursor"],
        **{"from": (today() - timedelta(days=2)).isoformat()},
    )

    days = [(today() - timedelta(days_ago)).isoformat() for days_ago in (1, 2, 3)]
    assert first["inspections"]["totalCount"] == 3
    assert first["node"]["inspections"]["totalCount"] == 3
    assert [
        e["node"]["inspectedOn"] for e in first["node"]["inspections"]["edges"]
    ] == days[:2]
    assert first["node"]["inspections"]["pageInfo"]["hasNextPage"] is True
    assert [
        e["node"]["inspectedOn"] for e in second["node"]["inspections"]["edges"]
    ] == days[2:]
    assert second["node"]["inspections"]["pageInfo"]["hasNextPage"] is False
    assert second["inspections"]["totalCount"] == 2


def inspected_on(data: dict) -> list[str]:
    edges = data["node"]["inspections"]["edges"]
    return [edge["node"]["inspectedOn"] for edge in edges]


async def test_the_roster_filters_by_card_and_list(db, graphql):
    await inspect_every_licensed_institution()
    query = """query($f: InstitutionFilter) { institutions(filter: $f) {
        totalCount edges { node { registeredName card listName } }
    } }"""

    red = await graphql.data(query, f={"card": ["RED"]})
    key = await graphql.data(query, f={"listName": ["KEY"]})
    green_or_yellow = await graphql.data(query, f={"card": ["GREEN", "YELLOW"]})

    assert red["institutions"]["edges"] == [
        {"node": {"registeredName": WUMENG, "card": "RED", "listName": "KEY"}}
    ]
    assert key["institutions"]["edges"] == red["institutions"]["edges"]
    assert green_or_yellow["institutions"]["totalCount"] == 8


async def test_coverage_shows_postings_not_yet_visited(db, graphql):
    query = """{ coverage { monthStart withoutInstructor { registeredName }
        notVisited { instructor { name } institution { registeredName } } } }"""
    before = await graphql.data(query)
    await inspect(await Institution.get(registered_name=WUMENG))
    await sign_in(graphql.http, "donglanchao")
    mine = await graphql.data(query)

    assert before["coverage"]["monthStart"] == today().replace(day=1).isoformat()
    assert before["coverage"]["withoutInstructor"] == []
    assert len(before["coverage"]["notVisited"]) == 9
    assert {
        "instructor": {"name": "董兰超"},
        "institution": {"registeredName": WUMENG},
    } in before["coverage"]["notVisited"]
    assert mine["coverage"]["notVisited"] == []


async def test_an_instructor_sees_only_the_histories_of_their_postings(db, graphql):
    await inspect_every_licensed_institution()
    await sign_in(graphql.http, "donglanchao")

    data = await graphql.data(
        "{ inspections { edges { node { institution { registeredName } } } } }"
    )
    other = (
        await Institution.filter(license_status=LicenseStatus.LICENSED)
        .exclude(registered_name=WUMENG)
        .first()
    )
    hidden = await graphql.data(
        """query($id: ID!) { node(id: $id) { id } }""",
        id=str(relay.GlobalID("Institution", str(other.id))),
    )

    assert [e["node"]["institution"] for e in data["inspections"]["edges"]] == [
        {"registeredName": WUMENG}
    ]
    assert hidden == {"node": None}


async def test_a_history_longer_than_a_page_is_refused(graphql):
    answer = await graphql(
        """{ institutions(first: 1) { edges { node {
             cardHistory(first: 101) { at }
        } } } }"""
    )

    assert answer["errors"][0]["extensions"]["code"] == "PAGE_SIZE"


STANDING = """query($first: Int) {
  institutions(first: $first, filter: {licenseStatus: [LICENSED]}) { edges { node {
    registeredName card cardReason listName listReason
    pendingListChange { id }
    cardHistory { card reason inspection { score } }
    listHistory { listName reason }
    latestInspection {
      score template { version }
      results { item { text } points }
      findings { text case { state } item { text } }
    }
    openFindings { text }
    inspections(first: 2) { totalCount edges { node { inspectedOn } } }
  } } }
}"""


async def test_the_standing_of_nine_institutions_costs_what_three_cost(db, graphql):
    await inspect_every_licensed_institution(times=2)

    with counting_statements() as three:
        few = await graphql.data(STANDING, first=3)
    with counting_statements() as nine:
        many = await graphql.data(STANDING, first=9)

    nodes = [edge["node"] for edge in many["institutions"]["edges"]]
    assert len(few["institutions"]["edges"]) == 3
    assert len(nodes) == 9
    assert all(node["card"] and len(node["cardHistory"]) >= 1 for node in nodes)
    assert all(node["inspections"]["totalCount"] == 2 for node in nodes)
    assert all(node["latestInspection"]["results"] for node in nodes)
    assert len(nine.statements) == len(three.statements), nine.statements
    assert len(nine.statements) <= 20, nine.statements


async def test_an_instructor_with_four_postings_costs_what_one_costs(db, graphql):
    await inspect_every_licensed_institution(times=2)
    await sign_in(graphql.http, "donglanchao")
    with counting_statements() as one:
        alone = await graphql.data(STANDING, first=9)
    instructor = await Account.get(login="donglanchao")
    for other in (
        await Institution.exclude(registered_name=WUMENG)
        .filter(license_status=LicenseStatus.LICENSED)
        .limit(3)
    ):
        await InstructorAssignment.create(
            person_id=instructor.person_id, institution=other
        )

    with counting_statements() as four:
        posted = await graphql.data(STANDING, first=9)

    assert [e["node"]["registeredName"] for e in alone["institutions"]["edges"]] == [
        WUMENG
    ]
    assert len(posted["institutions"]["edges"]) == 4
    assert len(four.statements) == len(one.statements), four.statements


# --- setting up through the domain ---------------------------------------------------


async def inspect_every_licensed_institution(times: int = 1) -> None:
    """An instructor posted to each licensed institution inspects it `times`
    times: 舞梦 breaches a veto item and turns red; the others lose a point or
    two on fire safety, a serious finding that opens a case, and turn yellow."""
    fire = await TemplateItem.get(text=FIRE)
    exits = await TemplateItem.get(text=EXITS)
    for institution in await Institution.filter(license_status=LicenseStatus.LICENSED):
        for time in range(times):
            results = [ResultInput(fire.id, Decimal(time % 2 + 1))]
            findings = [
                inspections.FindingInput(fire.id, "", today() + timedelta(9), True)
            ]
            if institution.registered_name == WUMENG:
                results.append(ResultInput(exits.id, breached=True))
                findings.append(
                    inspections.FindingInput(exits.id, "", today() + timedelta(1))
                )
            await inspect(institution, times - time, results, findings)


async def inspect(
    institution: Institution, days_ago: int = 0, results=(), findings=()
) -> Inspection:
    """An instructor posted to the institution inspects it, through the domain."""
    posting = await InstructorAssignment.filter(institution_id=institution.id).first()
    account = await Account.get(person_id=posting.person_id)
    return await inspections.record_inspection(
        actor_for_account(account),
        inspections.InspectionInput(
            institution_id=institution.id,
            inspected_on=today() - timedelta(days=days_ago),
            results=tuple(results),
            findings=tuple(findings),
        ),
        standing.Thresholds(),
    )
