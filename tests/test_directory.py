"""The public directory: what it lists, how it is searched, what a card's code
tells a visitor, the blacklist and the published penalties."""

import dataclasses

import pytest

from server import case_writes, directory, inspections, standing
from server.accounts import actor_for_account
from server.case_writes import FindingInput, StepInput
from server.clock import OFFICE_TIMEZONE, today
from server.directory import (
    BlacklistEntry,
    DirectoryEntry,
    DirectoryFilter,
    Place,
    PublishedPenalty,
    Verdict,
    Verification,
)
from server.errors import Refused
from server.i18n import gettext
from server.models import (
    Account,
    AuditEntry,
    Card,
    CardChange,
    Case,
    CaseAction,
    Category,
    District,
    DocumentKind,
    Institution,
    InstructorAssignment,
    LicenseStatus,
    ListChange,
    ListChangeState,
    ListName,
    ListSource,
    OperatingStatus,
    Penalty,
    PenaltyType,
    Person,
    Role,
    School,
    Subdistrict,
    TemplateItem,
    Village,
)
from server.pagination import PageRequest
from server.permissions import Actor
from server.scoring import ResultInput
from server.synthetic import add_subdistricts
from tests import factories
from tests.conftest import counting_statements

A = CaseAction
LICENSED = (DocumentKind.SCHOOL_PERMIT, DocumentKind.BUSINESS_LICENSE)
PLAN_INSTITUTIONS = 9
TEACHERS = "学科类培训教师具有相应教师资格证书"  # a standard item worth 6
FEES = "预收费全部进入监管账户"  # a standard item worth 6
EVERYTHING = PageRequest(first=100)


async def actor(login: str):
    return actor_for_account(await Account.get(login=login))


async def listed(name: str, **fields) -> Institution:
    """A licensed institution, with whatever else `fields` set on its record."""
    created = await factories.institution(
        name,
        documents=fields.pop("documents", LICENSED),
        village=fields.pop("village", None),
        category=fields.pop("category", None),
        address=fields.pop("address", None),
        instructors=fields.pop("instructors", ()),
    )
    if fields:
        await Institution.filter(id=created.id).update(**fields)
    return await Institution.get(id=created.id)


async def inspect(institution: Institution, *shortfalls: str):
    """The instructor posted there inspects it, deducting each item's points."""
    posting = await InstructorAssignment.filter(institution_id=institution.id).first()
    instructor = Actor(
        label="instructor",
        roles=frozenset({Role.INSTRUCTOR}),
        person_id=posting.person_id,
    )
    results = []
    for text in shortfalls:
        item = await TemplateItem.filter(text=text).order_by("-template_id").first()
        results.append(ResultInput(item.id, item.points))
    return await inspections.record_inspection(
        instructor,
        inspections.InspectionInput(
            institution_id=institution.id,
            inspected_on=today(),
            results=tuple(results),
        ),
        standing.Thresholds(),
    )


async def inspected_institution() -> Institution:
    """A licensed institution an instructor is posted to."""
    instructor = await Person.create(
        subdistrict=await Subdistrict.first(),
        name="督查员",
        school=await School.first(),
    )
    return await listed("星光艺术培训学校", instructors=(instructor,))


async def search(**where) -> list[DirectoryEntry]:
    page = await directory.search_directory(DirectoryFilter(**where), EVERYTHING)
    return page.items


async def names(**where) -> list[str]:
    return [entry.registered_name for entry in await search(**where)]


async def blacklisted_by_the_rules() -> Institution:
    """An unlicensed place found training, verified, and the move confirmed."""
    admin = await actor("admin")
    case = await case_writes.report_problem(
        admin,
        (await Village.get(name="寇家村")).id,
        FindingInput(
            description="无证开展学科类培训",
            signboard_name="启智托管",
            address="寇家村东街5号",
        ),
    )
    await case_writes.advance_case(
        admin, case.id, case.version, StepInput(action=A.VERIFY)
    )
    move = await ListChange.get(institution_id=case.institution_id)
    await standing.decide(admin, move.id, confirm=True, note="")
    return await Institution.get(id=case.institution_id)


# --- what the directory lists ------------------------------------------------


@pytest.mark.parametrize(
    ("record", "is_listed"),
    [
        ({}, True),
        ({"operating_status": OperatingStatus.SUSPENDED}, True),
        ({"list_name": ListName.WHITE}, True),
        ({"list_name": ListName.KEY}, True),
        ({"documents": ()}, False),
        ({"documents": (DocumentKind.BUSINESS_LICENSE,)}, False),
        ({"license_status": LicenseStatus.APPLYING}, False),
        ({"operating_status": OperatingStatus.CLOSED}, False),
        ({"operating_status": OperatingStatus.BANNED}, False),
        ({"list_name": ListName.BLACK}, False),
    ],
)
async def test_the_directory_lists_licensed_open_institutions_off_the_blacklist(
    db, record, is_listed
):
    institution = await listed("星光艺术培训学校", **record)

    found = await names(text="星光")
    by_code = await directory.entry_for_code(institution.public_code)

    assert found == (["星光艺术培训学校"] if is_listed else [])
    assert (by_code is not None) == is_listed


async def test_the_plans_licensed_institutions_are_all_listed(db):
    assert len(await search()) == PLAN_INSTITUTIONS


# --- searching -----------------------------------------------------------------


async def test_text_is_searched_in_the_registered_name_signboard_and_address(db):
    await listed("星光艺术培训学校", signboard_name="小画家美术")
    await listed("明德教育培训学校", address="董家镇东街18号")

    assert await names(text="星光") == ["星光艺术培训学校"]
    assert await names(text="画家") == ["星光艺术培训学校"]
    assert await names(text="东街18") == ["明德教育培训学校"]
    assert await names(text="星光 美术") == ["星光艺术培训学校"]
    assert await names(text="星光 东街") == []


async def test_the_directory_is_filtered_by_category_village_and_district(db):
    kou = await factories.village_in_district("寇家村", "董家管理区")
    lin = await factories.village_in_district("林家村", "董家管理区")
    ren = await factories.village_in_district("任家村", "刘公河管理区")
    dongjia = kou.district_id
    await listed("星光艺术培训学校", village=kou, category=Category.ARTS)
    await listed("明德体育培训学校", village=lin, category=Category.SPORTS)
    await listed("远航艺术培训学校", village=ren, category=Category.ARTS)

    assert await names(category=Category.ARTS) == [
        "星光艺术培训学校",
        "远航艺术培训学校",
    ]
    assert await names(village_id=lin.id) == ["明德体育培训学校"]
    assert await names(district_id=dongjia) == ["明德体育培训学校", "星光艺术培训学校"]
    assert await names(district_id=dongjia, category=Category.ARTS) == [
        "星光艺术培训学校"
    ]
    assert await names(text="培训", category=Category.ARTS, village_id=ren.id) == [
        "远航艺术培训学校"
    ]


async def test_paging_by_cursor_visits_every_entry_once_in_name_order(db):
    created = await factories.many_institutions(23)
    seen: list[str] = []
    request = PageRequest(first=5)

    while True:
        page = await directory.search_directory(DirectoryFilter(text="测试"), request)
        seen += [entry.registered_name for entry in page.items]
        if not page.has_next_page:
            break
        request = PageRequest(first=5, after=page.end_cursor)

    assert seen == sorted(institution.registered_name for institution in created)


async def test_a_page_of_50_costs_as_many_statements_as_a_page_of_5(db):
    institutions = await factories.many_institutions(50)
    for institution in institutions[:10]:
        await inspect(institution)

    with counting_statements() as five:
        small = await directory.search_directory(
            DirectoryFilter(text="测试"), PageRequest(first=5)
        )
    with counting_statements() as fifty:
        large = await directory.search_directory(
            DirectoryFilter(text="测试"), PageRequest(first=50)
        )

    assert (len(small.items), len(large.items)) == (5, 50)
    assert len(fifty.statements) == len(five.statements)


# --- what an entry holds ---------------------------------------------------------


async def test_an_entry_carries_the_numbers_places_card_and_last_inspection(db):
    village = await factories.village_in_district("寇家村", "董家管理区")
    institution = await inspected_institution()
    await Institution.filter(id=institution.id).update(
        village_id=village.id, category=Category.ARTS, address="寇家村东街5号"
    )
    await inspect(institution)

    [entry] = await search(text="星光")

    assert entry == DirectoryEntry(
        code=institution.public_code,
        registered_name="星光艺术培训学校",
        signboard_name=None,
        category=Category.ARTS,
        address="寇家村东街5号",
        village="寇家村",
        district="董家管理区",
        permit_number="SCH-培训学校",
        registration_kind=DocumentKind.BUSINESS_LICENSE,
        registration_number="BUS-培训学校",
        operating_status=OperatingStatus.OPERATING,
        card=Card.GREEN,
        card_since=today(),
        last_inspected_on=today(),
        list_name=ListName.WHITE,
    )


async def test_an_institution_awaiting_its_first_inspection_has_no_card(db):
    await listed("星光艺术培训学校")

    [entry] = await search(text="星光")

    assert (entry.card, entry.card_since, entry.last_inspected_on) == (None,) * 3


def test_public_values_hold_no_personal_data():
    # A field added here is shown to anyone: check it names no person, phone
    # number or internal note before adding it to the expected set.
    def fields(value_type) -> set[str]:
        return {field.name for field in dataclasses.fields(value_type)}

    assert fields(DirectoryEntry) == {
        "code",
        "registered_name",
        "signboard_name",
        "category",
        "address",
        "village",
        "district",
        "permit_number",
        "registration_kind",
        "registration_number",
        "operating_status",
        "card",
        "card_since",
        "last_inspected_on",
        "list_name",
    }
    assert fields(BlacklistEntry) == {
        "code",
        "name",
        "signboard_name",
        "address",
        "village",
        "reason",
        "listed_on",
    }
    assert fields(PublishedPenalty) == {
        "institution_name",
        "signboard_name",
        "decision_number",
        "decided_on",
        "penalty_type",
        "amount",
        "summary",
        "published_on",
    }


# --- codes -------------------------------------------------------------------------


async def test_a_code_is_found_as_typed_by_hand(db):
    institution = await listed("星光艺术培训学校")
    code = institution.public_code
    typed = [
        code.lower(),
        f" {code[:3]} {code[3:7]} {code[7:]} ",
        directory.display_code(code),
        directory.display_code(code).lower(),
    ]

    for text in typed:
        entry = await directory.entry_for_code(text)
        assert entry is not None and entry.code == code, text


@pytest.mark.parametrize(
    "typed",
    ["", None, "ABCDEFGHJ", "ABCDEFGHJKL", "ABCDE0GHJK", "ABCDEIGHJK", "ABCDE!GHJK"],
)
def test_a_code_of_the_wrong_length_or_alphabet_is_no_code(typed):
    assert directory.normalise_code(typed) is None


def test_a_code_is_printed_in_two_groups():
    assert directory.display_code("ABCDEFGHJK") == "ABCDE-FGHJK"
    assert directory.normalise_code("abcde-fghjk") == "ABCDEFGHJK"


async def test_the_code_of_an_unpublished_institution_answers_nothing(db):
    unlicensed = await listed("启智托管", documents=())

    assert await directory.entry_for_code(unlicensed.public_code) is None
    assert await directory.entry_for_code("ABCDEFGHJK") is None


# --- verifying a card --------------------------------------------------------------


async def test_a_printed_card_is_current_until_the_card_changes(db):
    institution = await inspected_institution()
    await inspect(institution)
    printed = await CardChange.get(institution_id=institution.id)

    entry = await directory.entry_for_code(institution.public_code)
    current = await directory.verify(institution.public_code, printed.id)
    typed = await directory.verify(institution.public_code)
    await inspect(institution, TEACHERS, FEES)
    stale = await directory.verify(institution.public_code, printed.id)

    assert current == Verification(
        Verdict.LISTED, entry=entry, printed_card_current=True
    )
    assert typed.printed_card_current is None
    assert (stale.verdict, stale.printed_card_current) == (Verdict.LISTED, False)
    assert (printed.card, stale.entry.card) == (Card.GREEN, Card.YELLOW)


async def test_a_blacklisted_institution_is_named_with_its_public_reason(db):
    institution = await blacklisted_by_the_rules()

    verification = await directory.verify(institution.public_code.lower(), 1)

    assert verification == Verification(
        Verdict.BLACKLISTED,
        blacklisting=BlacklistEntry(
            code=institution.public_code,
            name="启智托管",
            signboard_name="启智托管",
            address="寇家村东街5号",
            village="寇家村",
            reason=gettext(directory.PUBLIC_REASONS["UNLICENSED_OPERATING"]),
            listed_on=today(),
        ),
        printed_card_current=False,
    )


@pytest.mark.parametrize("junk", ["", "hello", "ABCDEFGHJK", "0000000000"])
async def test_junk_is_unknown(db, junk):
    assert await directory.verify(junk) == Verification(Verdict.UNKNOWN)


async def test_the_code_of_an_unpublished_institution_is_unknown(db):
    unlicensed = await listed("启智托管", documents=())
    closed = await listed("星光艺术培训学校", operating_status=OperatingStatus.CLOSED)

    assert await directory.verify(unlicensed.public_code) == Verification(
        Verdict.UNKNOWN
    )
    assert await directory.verify(closed.public_code) == Verification(Verdict.UNKNOWN)


# --- the blacklist -----------------------------------------------------------------


async def test_the_blacklist_gives_each_rule_in_public_words(db):
    institution = await blacklisted_by_the_rules()

    page = await directory.list_blacklist(EVERYTHING)

    assert [(e.code, e.reason, e.listed_on) for e in page.items] == [
        (
            institution.public_code,
            gettext(directory.PUBLIC_REASONS["UNLICENSED_OPERATING"]),
            today(),
        )
    ]


async def test_the_offices_own_reason_for_blacklisting_stays_inside(db):
    institution = await listed("星光艺术培训学校")
    reason = "经家长王建国举报，负责人张三拒不整改"
    await standing.set_list_membership(
        await actor("mengzhaoxin"),
        institution.id,
        ListName.BLACK,
        reason,
        seen_change_id=None,
    )
    move = await ListChange.get(institution_id=institution.id)
    await standing.decide(await actor("admin"), move.id, confirm=True, note="同意")

    [entry] = (await directory.list_blacklist(EVERYTHING)).items
    verification = await directory.verify(institution.public_code)

    assert move.source == ListSource.OFFICE
    assert (entry.reason, entry.listed_on) == (
        gettext(directory.OFFICE_DECISION),
        today(),
    )
    assert verification.blacklisting == entry
    for name in ("王建国", "张三", "同意"):
        assert name not in repr(entry)


async def test_an_institution_whose_blacklisting_waits_for_confirmation_stays_listed(
    db,
):
    institution = await listed("星光艺术培训学校")
    await standing.set_list_membership(
        await actor("admin"),
        institution.id,
        ListName.BLACK,
        "屡次违规",
        seen_change_id=None,
    )

    pending = await ListChange.get(institution_id=institution.id)
    assert pending.state == ListChangeState.PENDING
    assert (await directory.list_blacklist(EVERYTHING)).items == []
    assert (await directory.verify(institution.public_code)).verdict == Verdict.LISTED


# --- published penalties -----------------------------------------------------------


async def penalised_case() -> Case:
    """A case against a licensed institution, taken to a penalty."""
    admin = await actor("admin")
    institution = await listed("星光艺术培训学校", signboard_name="星光美术")
    case = await case_writes.report_problem(
        admin,
        (await Village.get(name="寇家村")).id,
        FindingInput(description="超范围开设学科类课程", institution_id=institution.id),
    )
    for step in (
        StepInput(A.VERIFY),
        StepInput(A.ORDER_STOP),
        StepInput(A.ESCALATE, note="拒不停止培训"),
    ):
        case = await Case.get(id=case.id)
        await case_writes.advance_case(admin, case.id, case.version, step)
    return await Case.get(id=case.id)


async def penalty(case: Case, number: str, amount: str | None = "5000") -> Penalty:
    await case_writes.advance_case(
        await actor("admin"),
        case.id,
        (await Case.get(id=case.id)).version,
        StepInput(
            A.RECORD_PENALTY,
            decision_number=number,
            decided_on=today(),
            penalty_type=PenaltyType.FINE,
            amount=amount,
        ),
    )
    return await Penalty.get(decision_number=number)


async def publish(record: Penalty, summary: str | None, publish: bool = True):
    return await case_writes.publish_penalty(
        await actor("admin"), record.id, record.version, summary, publish
    )


async def test_only_published_penalties_appear_the_most_recently_published_first(db):
    case = await penalised_case()
    first = await penalty(case, "历市监罚〔2026〕12号")
    second = await penalty(case, "历市监罚〔2026〕13号", amount=None)
    await penalty(case, "历市监罚〔2026〕14号")

    await publish(second, "超范围培训，罚款")
    await publish(first, "拒不整改，罚款五千元")

    page = await directory.list_published_penalties(EVERYTHING)
    assert page.items == [
        PublishedPenalty(
            institution_name="星光艺术培训学校",
            signboard_name="星光美术",
            decision_number="历市监罚〔2026〕12号",
            decided_on=today(),
            penalty_type=PenaltyType.FINE,
            amount="5000.00",
            summary="拒不整改，罚款五千元",
            published_on=today(),
        ),
        PublishedPenalty(
            institution_name="星光艺术培训学校",
            signboard_name="星光美术",
            decision_number="历市监罚〔2026〕13号",
            decided_on=today(),
            penalty_type=PenaltyType.FINE,
            amount=None,
            summary="超范围培训，罚款",
            published_on=today(),
        ),
    ]


async def test_publishing_a_penalty_stamps_it_and_is_audited(db):
    record = await penalty(await penalised_case(), "历市监罚〔2026〕12号")

    published = await publish(record, "  拒不整改，罚款五千元 ")

    entry = await AuditEntry.filter(action="penalty.publish").get()
    assert published.published and published.published_at is not None
    assert published.public_summary == "拒不整改，罚款五千元"
    assert published.published_at.astimezone(OFFICE_TIMEZONE).date() == today()
    assert (entry.actor, entry.record_id) == ("admin", record.id)
    assert (entry.before["published"], entry.after["published"]) == (False, True)
    assert entry.before["version"] == record.version


async def test_a_penalty_is_published_only_with_a_summary(db):
    record = await penalty(await penalised_case(), "历市监罚〔2026〕12号")

    with pytest.raises(Refused) as refused:
        await publish(record, "  ")

    assert [(e.field, e.code) for e in refused.value.errors] == [
        ("summary", "REQUIRED")
    ]
    assert not (await Penalty.get(id=record.id)).published


async def test_a_withdrawn_penalty_leaves_the_public_pages(db):
    record = await penalty(await penalised_case(), "历市监罚〔2026〕12号")
    record = await publish(record, "拒不整改，罚款五千元")

    withdrawn = await publish(record, None, publish=False)

    assert (withdrawn.published, withdrawn.published_at) == (False, None)
    assert (await directory.list_published_penalties(EVERYTHING)).items == []
    assert await AuditEntry.filter(action="penalty.withdraw").count() == 1


async def test_publishing_on_a_stale_version_is_refused(db):
    record = await penalty(await penalised_case(), "历市监罚〔2026〕12号")
    await publish(record, "第一次")

    with pytest.raises(Refused) as refused:
        await publish(record, "第二次")  # the version read before the first

    assert refused.value.errors[0].code == "CONFLICT"
    assert (await Penalty.get(id=record.id)).public_summary == "第一次"


async def test_a_supervisor_may_not_publish_a_penalty(db):
    record = await penalty(await penalised_case(), "历市监罚〔2026〕12号")

    with pytest.raises(Refused) as refused:
        await case_writes.publish_penalty(
            await actor("liping"), record.id, record.version, "摘要", True
        )

    assert refused.value.errors[0].code == "FORBIDDEN"
    assert not (await Penalty.get(id=record.id)).published


# --- knowing when nothing changed -------------------------------------------------


async def test_the_revision_moves_on_with_every_change_the_public_may_see(db):
    institution = await listed("星光艺术培训学校")
    moment = (await Institution.get(id=institution.id)).updated_at
    seen = [await directory.revision()]

    await CardChange.create(
        institution_id=institution.id, card=Card.GREEN, rule="SCORE_GREEN", at=moment
    )
    seen.append(await directory.revision())
    await ListChange.create(
        institution_id=institution.id,
        list_name=ListName.WHITE,
        source=ListSource.RULE,
        rule="IN_GOOD_STANDING",
        state=ListChangeState.APPLIED,
        proposed_by="rules",
        at=moment,
    )
    seen.append(await directory.revision())
    await penalty(await penalised_case(), "历市监罚〔2026〕12号")
    seen.append(await directory.revision())

    assert len(set(seen)) == 4
    assert seen[0].startswith(today().isoformat())


async def test_the_revision_stays_while_nothing_is_written(db):
    first = await directory.revision()
    await search(text="星光")
    await directory.list_blacklist(EVERYTHING)

    assert await directory.revision() == first


# --- the places the directory is filtered by -----------------------------------


async def places_of(records) -> list[Place]:
    return [Place(record.id, record.name) for record in await records.order_by("id")]


async def test_a_lone_subdistrict_is_chosen_and_its_districts_offered(db):
    dongjia = await Subdistrict.get()

    offered = await directory.choose_places()

    assert offered == directory.PlaceChoice(
        subdistricts=[Place(dongjia.id, dongjia.name)],
        districts=await places_of(District.all()),
        villages=await places_of(Village.all()),
        subdistrict_id=dongjia.id,
    )


async def test_the_villages_offered_are_the_chosen_districts_or_those_in_none(db):
    kou = await factories.village_in_district("寇家村", "董家管理区")
    lin = await factories.village_in_district("林家村", "董家管理区")

    in_district = await directory.choose_places(district_id=kou.district_id)
    in_none = await directory.choose_places()

    assert in_district.villages == [Place(kou.id, "寇家村"), Place(lin.id, "林家村")]
    assert in_none.villages == await places_of(Village.filter(district_id=None))
    assert Place(kou.id, "寇家村") not in in_none.villages


async def test_each_level_lists_only_the_children_of_the_choice_above_it(db):
    await add_subdistricts(3)
    subdistricts = await Subdistrict.all().order_by("id")
    second = subdistricts[1]
    district = await District.filter(subdistrict=second).order_by("id").first()

    nothing_chosen = await directory.choose_places()
    in_second = await directory.choose_places(subdistrict_id=second.id)
    in_district = await directory.choose_places(second.id, district.id)

    assert nothing_chosen.subdistricts == await places_of(Subdistrict.all())
    assert (nothing_chosen.districts, nothing_chosen.villages) == ([], [])
    assert in_second.districts == await places_of(District.filter(subdistrict=second))
    assert in_second.villages == []  # every made-up village lies in a district
    assert in_district.villages == await places_of(Village.filter(district=district))
    assert in_district.refused == ()


async def test_a_place_unknown_or_outside_the_one_chosen_above_it_is_refused(db):
    await add_subdistricts(2)
    dongjia, other = await Subdistrict.all().order_by("id")
    district_elsewhere = await District.filter(subdistrict=other).first()
    village_elsewhere = await Village.filter(subdistrict=other).first()

    mixed = await directory.choose_places(
        dongjia.id, district_elsewhere.id, village_elsewhere.id
    )
    village_alone = await directory.choose_places(
        dongjia.id, village_id=village_elsewhere.id
    )
    unknown = await directory.choose_places(subdistrict_id=999_999)

    assert mixed.refused == ("district", "village")
    assert (mixed.subdistrict_id, mixed.district_id, mixed.village_id) == (
        dongjia.id,
        None,
        None,
    )
    assert village_alone.refused == ("village",)
    assert (village_alone.district_id, village_alone.village_id) == (None, None)
    assert unknown.refused == ("subdistrict",)
    assert (unknown.subdistrict_id, unknown.districts) == (None, [])


async def test_a_village_chosen_alone_brings_its_district_and_subdistrict(db):
    await add_subdistricts(2)
    other = await Subdistrict.all().order_by("-id").first()
    village = await Village.filter(subdistrict=other).order_by("id").first()

    offered = await directory.choose_places(village_id=village.id)

    assert (offered.subdistrict_id, offered.district_id, offered.village_id) == (
        other.id,
        village.district_id,
        village.id,
    )
    assert offered.refused == ()
    assert Place(village.id, village.name) in offered.villages


async def test_choosing_places_takes_as_many_statements_for_three_subdistricts(db):
    kou = await factories.village_in_district("寇家村", "董家管理区")

    async def statements() -> int:
        with counting_statements() as counter:
            await directory.choose_places(None, kou.district_id, kou.id)
        return len(counter.statements)

    for_one = await statements()
    await add_subdistricts(3)

    assert await statements() == for_one == 5


async def test_the_directory_is_filtered_by_subdistrict(db):
    await add_subdistricts(2)
    dongjia, other = await Subdistrict.all().order_by("id")

    found = await directory.search_directory(
        DirectoryFilter(subdistrict_id=other.id), EVERYTHING
    )

    assert (
        await found.total_count()
        == await directory.published().filter(subdistrict=other).count()
    )
    assert {entry.code for entry in found.items}.isdisjoint(
        await Institution.filter(subdistrict=dongjia).values_list(
            "public_code", flat=True
        )
    )
