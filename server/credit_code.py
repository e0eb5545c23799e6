"""The unified social credit code (统一社会信用代码) of GB 32100-2015.

Eighteen characters drawn from the digits and the capital letters other than
I, O, S, V and Z. Characters 3 to 8 are the administrative division code and
so always digits; the eighteenth is a check character computed from the first
seventeen, which catches nearly every mistyped or transposed character.
"""

from enum import StrEnum

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
LENGTH = 18

# The weight of position i (from 0) is 3**i modulo 31, as the standard tabulates.
WEIGHTS = tuple(pow(3, position, 31) for position in range(LENGTH - 1))


class CreditCodeProblem(StrEnum):
    LENGTH = "LENGTH"
    CHARACTER = "CHARACTER"
    DIVISION_CODE = "DIVISION_CODE"
    CHECK_CHARACTER = "CHECK_CHARACTER"


class InvalidCreditCode(ValueError):
    def __init__(self, problem: CreditCodeProblem) -> None:
        super().__init__(problem.value)
        self.problem = problem


def normalise_credit_code(text: str) -> str:
    """The code as it should be stored: spaces dropped, letters in capitals.

    Raises `InvalidCreditCode` naming the first problem found.
    """
    code = "".join(text.split()).upper()

    if len(code) != LENGTH:
        raise InvalidCreditCode(CreditCodeProblem.LENGTH)
    if any(character not in ALPHABET for character in code):
        raise InvalidCreditCode(CreditCodeProblem.CHARACTER)
    if not code[2:8].isdigit():
        raise InvalidCreditCode(CreditCodeProblem.DIVISION_CODE)
    if code[-1] != check_character(code[:-1]):
        raise InvalidCreditCode(CreditCodeProblem.CHECK_CHARACTER)
    return code


def check_character(first_seventeen: str) -> str:
    total = sum(
        ALPHABET.index(character) * weight
        for character, weight in zip(first_seventeen, WEIGHTS, strict=True)
    )
    return ALPHABET[(31 - total % 31) % 31]
