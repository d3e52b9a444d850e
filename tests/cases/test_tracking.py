from __future__ import annotations

import pytest

from cases.tracking import LENGTH, is_valid, new_tracking_number, normalise

pytestmark = pytest.mark.nodb


def test_new_numbers_are_ten_digits_with_a_valid_check_digit():
    numbers = {new_tracking_number() for _ in range(2000)}
    assert len(numbers) > 1990  # random: a rare repeat is possible, the database refuses it
    for number in numbers:
        assert len(number) == LENGTH and number.isdigit() and number[0] != "0"
        assert is_valid(number)


def test_a_single_mistyped_digit_is_caught():
    number = new_tracking_number()
    for i in range(LENGTH):
        for d in "0123456789":
            if d != number[i]:
                assert not is_valid(number[:i] + d + number[i + 1:])


def test_normalise_keeps_what_a_person_meant():
    assert normalise(" 512-932 8869 ") == "5129328869"
    assert normalise("５１２９３２８８６９") == "5129328869"
    assert normalise(None) == ""
    assert not is_valid("٥١٢٩٣٢٨٨٦٩")  # other scripts' digits are not ours
