"""ID numbers (GB 11643-1999): what is accepted, what is refused and how the
refusal reads (never with the number), and the masked form."""

from __future__ import annotations

from datetime import date

import pytest

from register.idnumbers import InvalidIdNumber, age_on, check_char, mask, parse
from tests.register.support import id_number

pytestmark = pytest.mark.nodb


def test_the_standard_example_and_a_fictional_number_are_valid():
    assert parse("11010519491231002X").birth_date == date(1949, 12, 31)  # GB 11643's example
    number = id_number(date(1990, 5, 17), 123)
    assert parse(number).value == number
    assert parse(number).birth_date == date(1990, 5, 17)


def test_full_width_digits_spaces_and_a_lower_case_x_are_normalised():
    assert parse("１１０１０５ １９４９１２３１ ００２ｘ").value == "11010519491231002X"


@pytest.mark.parametrize(("text", "says"), [
    ("", "empty"),
    ("44011219900517123", "18 characters"),
    ("4401121990051712345", "18 characters"),
    ("44011219900517A234", "18 characters"),
    ("990112199005171234", "region"),
    ("440112199013171230", "date of birth"),
    ("440112189001011234", "not possible"),
])
def test_a_malformed_number_is_refused_saying_what_is_wrong(text, says):
    with pytest.raises(InvalidIdNumber) as refused:
        parse(text)
    assert says in str(refused.value.args[0])
    if text:
        assert text not in str(refused.value.args[0])


def test_one_mistyped_digit_breaks_the_check_digit():
    good = id_number()
    bad = good[:15] + str((int(good[15]) + 1) % 10) + good[16:]  # a digit of the sequence
    with pytest.raises(InvalidIdNumber, match="check digit"):
        parse(bad)


def test_a_birth_date_after_today_is_refused():
    first17 = "440112" + "20300101" + "123"
    with pytest.raises(InvalidIdNumber, match="not possible"):
        parse(first17 + check_char(first17), today=date(2026, 11, 26))


def test_the_masked_form_keeps_the_region_and_the_last_four():
    number = id_number()
    assert mask(number) == "440112********" + number[-4:]
    assert parse(number).masked == mask(number)
    assert number not in repr(parse(number)) and number not in str(parse(number))


def test_age_counts_completed_years():
    assert age_on(date(2010, 9, 1), date(2026, 8, 31)) == 15
    assert age_on(date(2010, 9, 1), date(2026, 9, 1)) == 16
