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
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable, Mapping
from typing import Any, NoReturn, TextIO

from aws_cdk import App

from .errors import LambdaImageValidationError

# aws-cdk-lib's error when an app fails its validations, as jsii hands it to Python: a
# RuntimeError caused by a JavaScriptError, "ValidationFailed: <the policy report>" after a
# compliance pack's findings, "ValidationError: Validation failed with the following errors:
# ..." after a construct's node.add_validation.
CDK_VALIDATION_FAILED = re.compile(
    r"ValidationFailed: (.*)|(?:\w+: )?(Validation failed\b.*)", re.S
)


def invalid_input_message(error: BaseException) -> str | None:
    """The message to print alone when ``error`` is invalid input, else ``None``."""
    if isinstance(error, LambdaImageValidationError):
        return str(error)
    from_javascript = type(error.__cause__).__module__.startswith("jsii")
    failed = CDK_VALIDATION_FAILED.match(str(error).strip())
    return (failed[1] or failed[2]) if from_javascript and failed else None


def synthesize(
    build: Callable[[App], object],
    *,
    context: Mapping[str, Any] | None = None,
    stream: TextIO | None = None,
) -> int:
    """Make an ``App`` (``context`` is its default context: ``-c`` and cdk.json override it),
    pass it to ``build``, synthesize it; the exit status: 0, or 1 for invalid input, whose
    message alone goes to ``stream`` (default: standard error)."""
    try:
        app = App(context=dict(context or {}))
        build(app)
        app.synth()
    except Exception as error:
        message = invalid_input_message(error)
        if message is None:
            raise
        print(message, file=stream or sys.stderr)
        return 1
    return 0


def run(build: Callable[[App], object], *, context: Mapping[str, Any] | None = None) -> NoReturn:
    """Synthesize the app ``build`` makes and exit: status 0, or 1 with our message alone on
    standard error for invalid input (see :func:`synthesize`)."""
    sys.exit(synthesize(build, context=context))
