"""Running a user's CDK app so that invalid input reads as our message alone.

An app's last line, instead of ``app = App() ... app.synth()``::

    from lambda_image_constructs import run

    def build(app: App) -> None:
        ...  # stacks and constructs

    run(build)

Invalid input is printed on standard error without a traceback, and the process exits with
status 1: a :class:`~lambda_image_constructs.errors.LambdaImageValidationError` (it already
names every problem, with the construct path or the configuration key), and aws-cdk-lib's
"Validation failed" at synth (problems found by ``node.add_validation`` checks, or a compliance
pack's findings, whose report CDK printed just above). Anything else keeps its traceback: it is
a bug, not invalid input. With no error, the exit status is 0.

The app it makes reports every construct's problems in one synth (the context key
:data:`~lambda_image_constructs.deferred.REPORT_ALL_PROBLEMS`, see
:mod:`~lambda_image_constructs.deferred`): a construct with bad options is built without them
and its problems are registered for synth, so that three wrong functions are three reports of
one run, printed together, each naming its construct path.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable, Mapping
from typing import Any, NoReturn, TextIO

from aws_cdk import App

from .deferred import REPORT_ALL_PROBLEMS, reported_errors, reported_messages
from .errors import LambdaImageValidationError, all_reported

# aws-cdk-lib's error when an app fails its validations, as jsii hands it to Python: a
# RuntimeError caused by a JavaScriptError, "ValidationFailed: <the policy report>" after a
# compliance pack's findings, "ValidationError: Validation failed with the following errors:
# ..." after a construct's node.add_validation.
CDK_VALIDATION_FAILED = re.compile(
    r"ValidationFailed: (.*)|(?:\w+: )?(Validation failed\b.*)", re.S
)


# Each construct's entry in aws-cdk-lib's "Validation failed with the following errors:" list.
CDK_VALIDATION_ENTRY = re.compile(r"^  \[[^\]\n]*\] ", re.M)


def invalid_input_message(error: BaseException, app: App | None = None) -> str | None:
    """The message to print alone when ``error`` is invalid input, else ``None``. With the
    ``app``, the errors its constructs registered for synth come first, as ours, then what else
    aws-cdk-lib's validation found."""
    ours = reported_errors(app) if app is not None else []
    if isinstance(error, LambdaImageValidationError):
        return all_reported([*ours, error])
    from_javascript = type(error.__cause__).__module__.startswith("jsii")
    failed = CDK_VALIDATION_FAILED.match(str(error).strip())
    if not (from_javascript and failed):
        return None
    cdk = failed[1] or failed[2]
    others = _not_ours(cdk, reported_messages(app)) if ours and app and failed[2] else cdk
    return "\n".join(m for m in (all_reported(ours), others) if m)


def _not_ours(message: str, ours: set[str]) -> str:
    """aws-cdk-lib's list of failed validations without the entries that are ``ours`` ('' when
    none is left)."""
    header, _, listed = message.partition("\n")
    starts = [m.start() for m in CDK_VALIDATION_ENTRY.finditer(listed)]
    entries = [
        listed[a:b].rstrip("\n") for a, b in zip(starts, [*starts[1:], len(listed)], strict=True)
    ]
    left = [e for e in entries if CDK_VALIDATION_ENTRY.sub("", e, count=1) not in ours]
    return "\n".join([header, *left]) if left else ""


def synthesize(
    build: Callable[[App], object],
    *,
    context: Mapping[str, Any] | None = None,
    stream: TextIO | None = None,
) -> int:
    """Make an ``App`` (``context`` is its default context: ``-c`` and cdk.json override it),
    pass it to ``build``, synthesize it; the exit status: 0, or 1 for invalid input, whose
    message alone goes to ``stream`` (default: standard error). The app reports every
    construct's problems in one synth unless its context sets ``REPORT_ALL_PROBLEMS`` false."""
    app: App | None = None
    try:
        app = App(context={REPORT_ALL_PROBLEMS: True, **(context or {})})
        build(app)
        app.synth()
    except Exception as error:
        message = invalid_input_message(error, app)
        if message is None:
            raise
        print(message, file=stream or sys.stderr)
        return 1
    return 0


def run(build: Callable[[App], object], *, context: Mapping[str, Any] | None = None) -> NoReturn:
    """Synthesize the app ``build`` makes and exit: status 0, or 1 with our message alone on
    standard error for invalid input (see :func:`synthesize`)."""
    sys.exit(synthesize(build, context=context))
