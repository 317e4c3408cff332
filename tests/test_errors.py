"""The one error type: every problem listed, each value shown once and bounded, the message
bounded as a whole."""

from __future__ import annotations

import pytest

from lambda_image_constructs.errors import (
    MAX_LISTED,
    MAX_SHOWN,
    LambdaImageValidationError,
    Problems,
    shown,
)


def test_a_message_lists_the_first_problems_then_how_many_more() -> None:
    problems = Problems()
    for index in range(100_000):
        problems.add(f"environment['K{index}']", "x" * 1_000, "must be valid")
    with pytest.raises(LambdaImageValidationError) as raised:
        problems.raise_if_any("ImageFunction Stack/Fn")
    lines = str(raised.value).splitlines()
    assert lines[0] == "ImageFunction Stack/Fn: 100,000 invalid inputs"
    assert len(lines) == 1 + MAX_LISTED + 1
    assert lines[-1] == f"  ... and {100_000 - MAX_LISTED:,} more"
    assert len(str(raised.value)) < 20_000
    assert len(raised.value.problems) == 100_000  # all kept for a program to read


def test_a_short_message_has_no_tail() -> None:
    problems = Problems()
    problems.add("memory_size", 20_000, "must be between 128 and 10,240 MB")
    with pytest.raises(LambdaImageValidationError) as raised:
        problems.raise_if_any("ImageFunction Stack/Fn")
    assert str(raised.value) == (
        "ImageFunction Stack/Fn: 1 invalid input\n"
        "  - memory_size must be between 128 and 10,240 MB, got 20000"
    )


def test_a_value_is_shown_once_whoever_quotes_it() -> None:
    assert shown("abc") == "'abc'"
    assert shown(shown("abc")) == "'abc'"
    problems = Problems()
    problems.add("name", shown("abc"), "must be known")
    assert str(next(iter(problems))) == "name must be known, got 'abc'"


def test_an_object_without_a_repr_is_shown_by_its_type() -> None:
    class Queue:
        pass

    assert shown(Queue()) == "Queue"


def test_a_huge_value_or_field_is_cut() -> None:
    assert len(shown("x" * 10**6)) <= MAX_SHOWN
    assert len(shown([list(range(10**4))] * 10**3)) <= MAX_SHOWN
    problems = Problems()
    problems.add("k" * 10**5, "v", "must be short")
    assert len(str(next(iter(problems)))) < 3 * MAX_SHOWN
