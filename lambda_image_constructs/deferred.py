"""Every construct's problems in one synth, for an app that asks for it.

By default a construct raises one ``LambdaImageValidationError`` from its constructor: the
first wrong construct ends the app. An app whose context sets :data:`REPORT_ALL_PROBLEMS`
(``lambda_image_constructs.run`` sets it on the app it makes) asks for every construct's
problems in one synth instead. There a construct whose checks find problems registers them with
``node.add_validation`` and is built without the options they name (their defaults instead; a
stand-in where an option has no default, such as a placeholder image), so that the rest of the
app is built and checked too; ``app.synth()`` then fails with aws-cdk-lib's validation error,
and :func:`reported_errors` gives our errors, for ``run`` to print alone. A bad value is left
out, never handed to jsii (``float('-inf')`` crashes it). A construct that cannot go on (its
scope is no construct, a problem names nothing it can leave out) still raises, with every
problem it found.
"""

from __future__ import annotations

import re
import weakref
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any, NoReturn

import jsii
from aws_cdk import Aws
from constructs import Construct, IConstruct, IValidation

from .errors import LambdaImageValidationError, Problem, Problems
from .tree import root_of

REPORT_ALL_PROBLEMS = "lambda-image-constructs:reportAllProblems"
"""The context key: ``true`` reports every construct's problems at synth, not the first one
as it is found."""

LEFT_OUT = object()
"""In a stand-in: leave this option out."""

PLACEHOLDER_IMAGE_URI = (
    f"{Aws.ACCOUNT_ID}.dkr.ecr.{Aws.REGION}.{Aws.URL_SUFFIX}"
    "/lambda-image-constructs/placeholder:problems-reported-at-synth"
)
"""The image of a function whose own is wrong or left out, while its problems wait for synth
(which they fail): a URI only known at deploy time, so no check of ours or aws-cdk-lib's
reads it."""

# A stand-in: the options to set (or leave out) in place of an option that has no default.
StandIn = Callable[[Mapping[str, Any]], Mapping[str, Any]]

_OPTION = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def reports_at_synth(scope: object) -> bool:
    """True when ``scope``'s app asks for every construct's problems at synth."""
    if not isinstance(scope, Construct):
        return False
    value = scope.node.try_get_context(REPORT_ALL_PROBLEMS)
    return value is True or (isinstance(value, str) and value.lower() == "true")


@jsii.implements(IValidation)
class _Reported:
    """The problems of one subject (a construct) reported for synth, as a node validation."""

    def __init__(self, subject: str) -> None:
        self.subject = subject
        self.problems: list[Problem] = []
        self.told_subject, self.told = subject, Problems()
        self.attached = self.ended = False

    def add(self, problems: Problems) -> None:
        self.problems.extend(problems)
        teller = _TELLER.get()
        self.told_subject, told = (
            teller(self.subject, problems) if teller else (self.subject, problems)
        )
        self.told.extend(told)

    def end(self, more: Problems) -> NoReturn:
        """This construct cannot go on: raise every problem it found."""
        self.ended = True
        raise LambdaImageValidationError(self.subject, [*self.problems, *more])

    def validate(self) -> list[str]:
        if self.ended or not self.told:
            return []
        return [str(LambdaImageValidationError(self.told_subject, list(self.told)))]


@dataclass
class _AppReport:
    """What an app's constructs reported, and what each was built without (by its key)."""

    reported: dict[str, _Reported] = field(default_factory=dict)
    changed: dict[str, set[str]] = field(default_factory=dict)  # options left out or stood in for
    stood_in: dict[str, set[str]] = field(default_factory=dict)


_APPS: weakref.WeakKeyDictionary[IConstruct, _AppReport] = weakref.WeakKeyDictionary()
# How problems are told where they are found: a configuration file's constructs tell them as
# problems of its keys (org.config.keys), as their raised errors are.
Teller = Callable[[str, Problems], tuple[str, Problems]]
_TELLER: ContextVar[Teller | None] = ContextVar("lambda_image_constructs_teller", default=None)


def reported_errors(scope: IConstruct) -> list[LambdaImageValidationError]:
    """The errors the constructs of ``scope``'s app reported for synth, in the order found; a
    configuration file's problems in one error."""
    by_subject: dict[str, list[Problem]] = {}
    for record in _report(scope).reported.values():
        if record.told and not record.ended:
            by_subject.setdefault(record.told_subject, []).extend(record.told)
    return [LambdaImageValidationError(s, problems) for s, problems in by_subject.items()]


def reported_messages(scope: IConstruct) -> set[str]:
    """The messages the constructs of ``scope``'s app registered for synth, as aws-cdk-lib's
    validation error quotes them."""
    return {m for r in _report(scope).reported.values() for m in r.validate()}


@contextmanager
def told_as(teller: Teller) -> Iterator[None]:
    """Within, problems reported for synth are told as ``teller`` tells them: the subject and
    the problems in the words of where they come from."""
    token = _TELLER.set(teller)
    try:
        yield
    finally:
        _TELLER.reset(token)


def _report(scope: IConstruct) -> _AppReport:
    return _APPS.setdefault(root_of(scope), _AppReport())


def _record(scope: Construct, subject: str) -> _Reported:
    return _report(scope).reported.setdefault(subject, _Reported(subject))


def _attach(record: _Reported, construct: Construct) -> None:
    if not record.attached:
        record.attached = True
        construct.node.add_validation(record)


def reported(problems: Problems, subject: str, construct: Construct) -> bool:
    """False when there is no problem. Otherwise raise them as one error (the default), or,
    in an app that reports every problem at synth, register them on ``construct``: True, and
    the caller goes on as without the option they name."""
    if not problems:
        return False
    if not reports_at_synth(construct):
        problems.raise_if_any(subject)
    record = _record(construct, subject)
    record.add(problems)
    _attach(record, construct)
    return True


@dataclass(frozen=True)
class Rebuild:
    """How a construct reports its problems: raised at once (the default), or, in an app that
    reports every problem at synth, registered while the construct is built without the
    options they name. ``scope`` holds the app's context; ``construct`` is where the problems
    are registered once ``build(**options)`` has made it."""

    subject: str
    construct: Construct
    scope: Construct
    options: Mapping[str, Any]
    build: Callable[..., object]
    """Builds the construct with the options given as keyword arguments."""
    stand_ins: Mapping[str, StandIn] = field(default_factory=dict)
    """What an option with no default becomes, when the user's is wrong or left out."""
    key: str = ""
    """The construct's, for what it was built without: its first subject (a copy with another
    subject, ``dataclasses.replace``, builds the same construct)."""

    def __post_init__(self) -> None:
        if not self.key:
            object.__setattr__(self, "key", self.subject)

    def without(self, problems: Problems, *, culprit: str | None = None) -> bool:
        """False when there is no problem. Otherwise raise them as one error (the default), or
        register them and build the construct without the options they name (``culprit``:
        this option, for problems that name none): True, and the caller returns.

        An option the user gave is left out (its default is used); one with no default gets
        its stand-in. A problem found only because of that is ours, not reported: the option is
        left out or stood in for, once. A problem that names no option ends the construct:
        every problem it found is raised."""
        if not problems:
            return False
        if not reports_at_synth(self.scope):
            problems.raise_if_any(self.subject)
        record = _record(self.scope, self.subject)
        kept, stuck = self._kept(record, problems, culprit)
        if stuck is not None or kept == dict(self.options):
            record.end(stuck or Problems())
        try:
            self.build(**kept)
        except LambdaImageValidationError as error:
            if error.subject != self.subject or record.ended:
                raise
            record.end(_problems(error.problems))
        _attach(record, self.construct)
        return True

    def _kept(
        self, record: _Reported, problems: Problems, culprit: str | None
    ) -> tuple[dict[str, Any], Problems | None]:
        """The options to build with, and the problems ours that leave none (``None``: go on);
        the user's problems are added to ``record``."""
        report = _report(self.scope)
        changed = report.changed.setdefault(self.key, set())
        stood_in = report.stood_in.setdefault(self.key, set())
        kept, given, ours_stuck, stuck = dict(self.options), Problems(), Problems(), False
        standing_in: dict[str, StandIn] = {}
        for problem in problems:
            name = culprit or _option_of(problem.field)
            ours = name in changed  # found because of what we left out or stood in for
            (ours_stuck if ours else given).add(problem.field, problem.value, problem.accepted)
            if name in self.options:
                kept.pop(name, None)
            elif name in self.stand_ins and name not in stood_in:
                standing_in[name] = self.stand_ins[name]
            else:
                stuck = True
        record.add(given)
        for name, stand_in in standing_in.items():
            stood_in.add(name)
            replaced = stand_in(kept)
            changed.update(replaced)
            kept.update(replaced)
        changed.update(self.options.keys() - kept.keys())
        return {k: v for k, v in kept.items() if v is not LEFT_OUT}, ours_stuck if stuck else None


def _option_of(field: str) -> str:
    """The option a problem's field names: ``environment['A']`` and ``image.image_uri`` are
    problems of ``environment`` and ``image``."""
    name = _OPTION.match(field)
    return name.group() if name else field


def _problems(items: Iterable[Problem]) -> Problems:
    problems = Problems()
    for item in items:
        problems.add(item.field, item.value, item.accepted)
    return problems
