"""The card and list rules on crafted facts, edge by edge."""

from datetime import date, timedelta
from decimal import Decimal

import pytest

from server.models import Card, LicenseStatus, ListName, OperatingStatus
from server.standing import (
    Facts,
    LatestInspection,
    Thresholds,
    explain,
    judge_card,
    judge_list,
)

TODAY = date(2026, 12, 3)
DEFAULT = Thresholds()


def facts(**given) -> Facts:
    return Facts(
        on=TODAY,
        license_status=given.pop("license_status", LicenseStatus.LICENSED),
        operating_status=given.pop("operating_status", OperatingStatus.OPERATING),
        **given,
    )


def inspected(score: str, *, vetoed: bool = False, **given) -> Facts:
    return facts(latest=LatestInspection(1, Decimal(score), vetoed), **given)


def card(f: Facts, thresholds: Thresholds = DEFAULT):
    verdict = judge_card(f, thresholds)
    return verdict.value, verdict.rule


@pytest.mark.parametrize(
    ("score", "expected"),
    [
        ("100", (Card.GREEN, "SCORE_GREEN")),
        ("90", (Card.GREEN, "SCORE_GREEN")),
        ("89.9", (Card.YELLOW, "SCORE_YELLOW")),
        ("75", (Card.YELLOW, "SCORE_YELLOW")),
        ("74.9", (Card.RED, "SCORE_BELOW_RED")),
        ("0", (Card.RED, "SCORE_BELOW_RED")),
    ],
)
def test_the_score_alone_sets_the_card_at_each_threshold(score, expected):
    assert card(inspected(score)) == expected


def test_no_inspection_is_awaiting_assessment():
    assert card(facts()) == (None, "AWAITING_ASSESSMENT")


def test_a_veto_item_makes_any_score_red():
    assert card(inspected("100", vetoed=True)) == (Card.RED, "VETO_BREACHED")


def test_an_open_finding_keeps_a_high_score_yellow_until_its_deadline_passes():
    due_tomorrow = inspected("95", finding_deadlines=(TODAY + timedelta(days=1),))
    due_today = inspected("95", finding_deadlines=(TODAY,))
    due_yesterday = inspected("95", finding_deadlines=(TODAY - timedelta(days=1),))

    assert card(due_tomorrow) == (Card.YELLOW, "FINDINGS_OPEN")
    assert card(due_today) == (Card.YELLOW, "FINDINGS_OPEN")
    assert card(due_yesterday) == (Card.RED, "FINDING_OVERDUE")


def test_the_thresholds_are_settings():
    strict = Thresholds(green_from=Decimal(95), red_below=Decimal(80))

    assert card(inspected("92"), strict) == (Card.YELLOW, "SCORE_YELLOW")
    assert card(inspected("79.5"), strict) == (Card.RED, "SCORE_BELOW_RED")
    assert card(inspected("95"), strict) == (Card.GREEN, "SCORE_GREEN")


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ({"operating_status": OperatingStatus.BANNED}, (ListName.BLACK, "BANNED")),
        ({"permit_revoked": True}, (ListName.BLACK, "PERMIT_REVOKED")),
        (
            {"license_status": LicenseStatus.UNLICENSED, "verified_cases": 1},
            (ListName.BLACK, "UNLICENSED_OPERATING"),
        ),
        (
            {"failed_rectifications": 1, "verified_cases": 1},
            (ListName.BLACK, "RECTIFICATION_FAILED"),
        ),
        ({"card": Card.RED}, (ListName.KEY, "RED_CARD")),
        (
            {"card": Card.YELLOW, "recent_cards": (Card.YELLOW, Card.YELLOW)},
            (ListName.KEY, "YELLOW_TWICE"),
        ),
        ({"card": Card.GREEN, "verified_cases": 1}, (ListName.KEY, "RECTIFYING")),
        (
            {"card": Card.GREEN, "substantiated_complaints": 1},
            (ListName.KEY, "COMPLAINT_SUBSTANTIATED"),
        ),
        ({"card": Card.GREEN}, (ListName.WHITE, "IN_GOOD_STANDING")),
        (
            {"card": Card.YELLOW, "recent_cards": (Card.YELLOW, Card.GREEN)},
            (ListName.WHITE, "IN_GOOD_STANDING"),
        ),
        ({}, (None, "NO_RULE_APPLIES")),  # not yet assessed
        (
            {"card": Card.GREEN, "finding_deadlines": (TODAY,)},
            (None, "NO_RULE_APPLIES"),
        ),
        (
            {"license_status": LicenseStatus.UNLICENSED},  # reported, not verified
            (None, "NO_RULE_APPLIES"),
        ),
        (
            {
                "license_status": LicenseStatus.UNLICENSED,
                "operating_status": OperatingStatus.SUSPENDED,
                "verified_cases": 1,
            },
            (ListName.KEY, "RECTIFYING"),
        ),
    ],
)
def test_each_list_rule(given, expected):
    verdict = judge_list(facts(**given))

    assert (verdict.value, verdict.rule) == expected


def test_the_blacklist_comes_before_key_supervision_before_the_white_list():
    everything = facts(
        operating_status=OperatingStatus.BANNED,
        card=Card.RED,
        verified_cases=2,
        failed_rectifications=1,
    )

    assert judge_list(everything).rule == "BANNED"


def test_every_verdict_explains_itself_in_chinese():
    verdict = judge_card(inspected("80"), DEFAULT)

    assert explain(verdict.rule, verdict.details) == (
        "最近一次督查得分 80，不低于 75、低于 90。"
    )
