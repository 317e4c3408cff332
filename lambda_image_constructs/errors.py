"""The one error type the library raises for invalid input, and the collector that feeds it.

Pure Python (no jsii): validators build a :class:`Problems` list and raise once, so a user sees
every problem of a construct in one synth instead of fixing them one run at a time.
"""

from __future__ import annotations

import reprlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Problem:
    """One invalid input: which field, the value given, and what would be accepted."""

    field: str
    value: Any
    accepted: str

    def __str__(self) -> str:
        field = self.field if len(self.field) <= MAX_SHOWN else f"{self.field[: MAX_SHOWN - 3]}..."
        return f"{field} {self.accepted}, got {shown(self.value)}"


MAX_SHOWN = 120
# At most this many problems are listed in one message, then how many more there were: 100,000
# bad keys must not make a 14 MB message.
MAX_LISTED = 50
# reprlib stops at these sizes without building the whole repr first (a value can be a 4 GB
# expansion of YAML aliases, or a whole policy document).
_SHORT = reprlib.Repr()
_SHORT.maxlevel = 3
_SHORT.maxdict = _SHORT.maxlist = _SHORT.maxtuple = _SHORT.maxset = 6
_SHORT.maxstring = _SHORT.maxother = 100
_SHORT.maxlong = 40


_DEFAULT_REPR: Any = object.__repr__


class Shown(str):
    """A value as an error message quotes it (already cut): quoting it again changes nothing."""

    __slots__ = ()

    def __repr__(self) -> str:
        return str(self)


def shown(value: Any) -> Shown:
    """A value as an error message quotes it: its ``repr``, cut to a readable length; an object
    without a repr of its own (a construct, a jsii object) by its type's name, since its default
    repr holds a memory address."""
    if isinstance(value, Shown):
        return value
    if type(value).__repr__ is _DEFAULT_REPR:
        return Shown(type(value).__name__)
    text = _SHORT.repr(value)
    return Shown(text if len(text) <= MAX_SHOWN else f"{text[: MAX_SHOWN - 3]}...")


class LambdaImageValidationError(ValueError):
    """Invalid input to a lambda-image-constructs construct, raised at synth time.

    ``subject`` names what was being configured (usually the construct path) and ``problems``
    holds every problem found, so the message lists them all at once.
    """

    def __init__(self, subject: str, problems: list[Problem] | tuple[Problem, ...]) -> None:
        self.subject = subject
        self.problems = tuple(problems)
        count = len(self.problems)
        header = f"{subject}: {count:,} invalid input{'s' if count != 1 else ''}"
        lines = [header, *(f"  - {p}" for p in self.problems[:MAX_LISTED])]
        if count > MAX_LISTED:
            lines.append(f"  ... and {count - MAX_LISTED:,} more")
        super().__init__("\n".join(lines))


class Problems:
    """Collects problems while validating, then raises them together."""

    def __init__(self) -> None:
        self._items: list[Problem] = []

    def add(self, field: str, value: Any, accepted: str) -> None:
        self._items.append(Problem(field, value, accepted))

    def extend(self, other: Problems) -> None:
        self._items.extend(other._items)

    def __bool__(self) -> bool:
        return bool(self._items)

    def __iter__(self) -> Iterator[Problem]:
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)

    def raise_if_any(self, subject: str) -> None:
        if self._items:
            raise LambdaImageValidationError(subject, self._items)


def all_reported(errors: list[LambdaImageValidationError]) -> str:
    """Several errors (one per construct or file) as one message, as bounded as one error's:
    at most ``MAX_LISTED`` problems in all and ``MAX_LISTED`` subjects (past the problems, a
    subject's header alone), then how many more there were. One error reads as its own
    message."""
    lines: list[str] = []
    left = MAX_LISTED
    for index, error in enumerate(errors):
        if index == MAX_LISTED:
            rest = errors[index:]
            more = sum(len(e.problems) for e in rest)
            lines.append(f"... and {more:,} more invalid inputs of {len(rest):,} more subjects")
            break
        header, *items = str(error).split("\n")[: 1 + min(left, len(error.problems))]
        lines += [header, *items]
        if items and len(items) < len(error.problems):
            lines.append(f"  ... and {len(error.problems) - len(items):,} more")
        left -= len(items)
    return "\n".join(lines)
