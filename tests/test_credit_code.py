import pytest

from server.credit_code import (
    CreditCodeProblem,
    InvalidCreditCode,
    check_character,
    normalise_credit_code,
)

# The example code printed in GB 32100-2015's explanatory material.
VALID = "91350100M000100Y43"


def test_valid_code_is_returned_as_stored():
    assert normalise_credit_code(VALID) == VALID


def test_spaces_and_lower_case_are_tidied_away():
    assert normalise_credit_code(" 9135 0100 m000 100y43 ") == VALID


def test_check_character_follows_the_weighted_sum_modulo_31():
    assert check_character(VALID[:17]) == "3"


@pytest.mark.parametrize(
    ("code", "problem"),
    [
        ("91350100M000100Y4", CreditCodeProblem.LENGTH),
        ("91350100M000100Y433", CreditCodeProblem.LENGTH),
        ("91350100M000I00Y43", CreditCodeProblem.CHARACTER),  # I is not used
        ("9135O100M000100Y43", CreditCodeProblem.CHARACTER),  # O is not used
        ("9135A100M000100Y43", CreditCodeProblem.DIVISION_CODE),
        ("91350100M000100Y44", CreditCodeProblem.CHECK_CHARACTER),
        ("91350100M000010Y43", CreditCodeProblem.CHECK_CHARACTER),  # transposed
    ],
)
def test_invalid_code_names_its_problem(code, problem):
    with pytest.raises(InvalidCreditCode) as raised:
        normalise_credit_code(code)

    assert raised.value.problem == problem


def test_every_single_character_typo_is_caught():
    alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    for position in range(17):
        for replacement in alphabet:
            if replacement == VALID[position]:
                continue
            typo = VALID[:position] + replacement + VALID[position + 1 :]
            with pytest.raises(InvalidCreditCode):
                normalise_credit_code(typo)
