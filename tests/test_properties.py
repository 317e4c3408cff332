"""Property-based tests (hypothesis): for generated arguments of any type and value, given to
every public constructor and factory, to the configuration model and to ``lambda-images``, the
only outcomes are a template (made at synth) or our one error (a usage error, exit 2, for the
command), with a bounded message.

Derandomized with a fixed, small budget, so every run (CI included) tries the same examples
and the file costs a few seconds; ``HYPOTHESIS_EXAMPLES`` raises the budget for a long hunt."""

from __future__ import annotations

import copy
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from aws_cdk import App, Duration, Environment, Size, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_sqs as sqs
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lambda_image_constructs import (
    Deployment,
    ImageFunction,
    ImageSource,
    LambdaImage,
    LambdaImageRepository,
    LambdaImageValidationError,
    RegistryScanning,
)
from lambda_image_constructs.function.options import REFUSED, ImageFunctionOptions
from lambda_image_constructs.image import LambdaImageOptions
from lambda_image_constructs.local.cli import main as lambda_images
from lambda_image_constructs.option_types import declared
from lambda_image_constructs.repository import LambdaImageRepositoryOptions

from .cdk_harness import IMAGE_URI, PROJECT_ROOT

ENV = Environment(account="111111111111", region="us-east-1")
SAMPLE = PROJECT_ROOT / "samples" / "debian-ric"
EXAMPLES = int(os.environ.get("HYPOTHESIS_EXAMPLES", "15"))
MAX_MESSAGE = 10_000  # an error of 50 problems and a count of the rest stays below this


def budget(examples: int = EXAMPLES) -> Any:
    return settings(
        max_examples=examples,
        derandomize=True,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    )


# Values of every kind a user might pass: data, and aws-cdk-lib objects of the wrong kind.
_VALUES_APP = App()
_VALUES = Stack(_VALUES_APP, "Values", env=ENV)
OBJECTS = [
    Duration.seconds(30),
    Duration.millis(1),
    Size.mebibytes(1024),
    Size.kibibytes(3),
    logs.RetentionDays.ONE_YEAR,
    lambda_.Tracing.ACTIVE,
    lambda_.Architecture.X86_64,
    iam.User(_VALUES, "User"),
    sqs.Queue(_VALUES, "Queue"),
    iam.AnyPrincipal(),
    object(),
]
anything = st.recursive(
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(min_value=-(2**70), max_value=2**70),
        st.floats(allow_nan=True, allow_infinity=True),
        st.text(max_size=30),
        st.sampled_from(OBJECTS),
    ),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=8,
)


def _image_function(stack: Stack, options: dict[str, Any]) -> Any:
    base = {"image": ImageSource.from_image_uri(IMAGE_URI), "architecture": "arm64"}
    return ImageFunction(stack, "Fn", **{**base, **options})


def _repository(stack: Stack, options: dict[str, Any]) -> Any:
    return LambdaImageRepository(stack, "Repo", **options)


def _image(stack: Stack, options: dict[str, Any]) -> Any:
    return LambdaImage(stack, "Image", **{"directory": SAMPLE, "architecture": "arm64", **options})


def _scanning(stack: Stack, options: dict[str, Any]) -> Any:
    return RegistryScanning(stack, "Scanning", **options)


def _source(stack: Stack, options: dict[str, Any]) -> Any:
    source = ImageSource.from_image_uri(**{"image_uri": IMAGE_URI, **options})
    return ImageFunction(stack, "Fn", image=source, architecture="arm64")


def _deployment(stack: Stack, options: dict[str, Any]) -> Any:
    # The factory alone: a function rolled out through CodeDeploy costs a second to construct.
    return Deployment.canary(**{"percent": 10, "interval": 5, **options})


CONSTRUCTORS: dict[str, tuple[Callable[[Stack, dict[str, Any]], Any], list[str]]] = {
    "ImageFunction": (
        _image_function,
        sorted(set(declared(ImageFunctionOptions).hints) - {"image"} | set(REFUSED)),
    ),
    "LambdaImageRepository": (_repository, sorted(declared(LambdaImageRepositoryOptions).hints)),
    "LambdaImage": (_image, sorted(set(declared(LambdaImageOptions).hints) - {"directory"})),
    "RegistryScanning": (_scanning, sorted(declared(RegistryScanning.__init__).hints)),
    "ImageSource.from_image_uri": (_source, ["image_uri", "architecture"]),
    "Deployment.canary": (_deployment, sorted(declared(Deployment.canary).hints)),
}


_SYNTHESIZED: set[str] = set()


def _outcome(build: Callable[[], Any], app: App, kind: str) -> None:
    """Construct (where our checks run), and synthesize the first accepted example of each
    kind: synthesis is what costs (seconds), a refused construct a few milliseconds."""
    try:
        build()
        if kind not in _SYNTHESIZED:
            _SYNTHESIZED.add(kind)
            app.synth(validate_on_synthesis=True)
    except LambdaImageValidationError as error:
        assert len(str(error)) < MAX_MESSAGE
        assert error.problems, "our error always says which problems"


@pytest.mark.parametrize("constructor", sorted(CONSTRUCTORS))
@budget()
@given(data=st.data())
def test_any_arguments_give_a_template_or_our_error(constructor: str, data: st.DataObject) -> None:
    build, names = CONSTRUCTORS[constructor]
    chosen = data.draw(st.lists(st.sampled_from(names), min_size=1, max_size=3, unique=True))
    options = {name: data.draw(anything, label=name) for name in chosen}
    app = App()
    stack = Stack(app, "Stack", env=ENV)
    _outcome(lambda: build(stack, options), app, constructor)


# -- the configuration model ----------------------------------------------------------------


def _paths(document: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix] if prefix else []
    if isinstance(document, dict):
        for key, value in document.items():
            found += _paths(value, (*prefix, key))
    elif isinstance(document, list):
        for index, value in enumerate(document):
            found += _paths(value, (*prefix, index))
    return found


def _valid_document() -> dict[str, Any]:
    from stacks.generate import org_config

    return org_config(2, 2)


VALID_DOCUMENT = _valid_document()
PATHS = _paths(VALID_DOCUMENT)


@budget(EXAMPLES * 4)
@given(path=st.sampled_from(PATHS), value=anything)
def test_any_configuration_value_is_a_configuration_or_our_error(
    path: tuple[Any, ...], value: Any
) -> None:
    from lambda_image_constructs.org import parse_config

    document = copy.deepcopy(VALID_DOCUMENT)
    target: Any = document
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    try:
        parse_config(document, "org.yaml")
    except LambdaImageValidationError as error:
        assert str(error).startswith("configuration org.yaml:")
        assert len(str(error)) < MAX_MESSAGE


@budget(EXAMPLES * 2)
@given(document=anything)
def test_any_configuration_document_is_a_configuration_or_our_error(document: Any) -> None:
    from lambda_image_constructs.org import parse_config

    try:
        parse_config(document, "org.yaml")
    except LambdaImageValidationError as error:
        assert len(str(error)) < MAX_MESSAGE


# -- the command ----------------------------------------------------------------------------

argument = st.one_of(
    st.sampled_from(["graph", "invoke", "build", "--event", "--output", "--assembly", "--format",
                     "--state", "Fn", "cdk.out", "e.json", "mermaid", "-h"]),
    st.text(max_size=12),
)  # fmt: skip


@budget(EXAMPLES * 2)
@given(argv=st.lists(argument, max_size=6))
def test_any_command_line_is_a_result_or_a_usage_error(
    argv: list[str], tmp_path_factory: pytest.TempPathFactory
) -> None:
    folder = tmp_path_factory.mktemp("cli")
    previous, path = Path.cwd(), os.environ.get("PATH", "")
    os.chdir(folder)
    os.environ["PATH"] = "/nonexistent"  # no engine: a command stops before running one
    try:
        (folder / "e.json").write_text("{}")
        try:
            code = lambda_images(["--state", str(folder / "state"), *argv])
        except SystemExit as stop:  # argparse: usage and --help
            code = stop.code if isinstance(stop.code, int) else 2
    finally:
        os.chdir(previous)
        os.environ["PATH"] = path
    assert code in (0, 2)
