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
from functools import cache
from pathlib import Path
from typing import Any, cast

import pytest
from aws_cdk import App, Duration, Environment, Size, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_sqs as sqs
from aws_cdk.aws_codedeploy import LambdaDeploymentConfig
from constructs import Construct
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lambda_image_constructs import (
    ConcurrencyScaling,
    ConsumerAccount,
    Deployment,
    ImageFunction,
    ImageSource,
    LambdaImage,
    LambdaImageRepository,
    LambdaImageValidationError,
    RegistryScanning,
)
from lambda_image_constructs.compliance import register_compliance_packs
from lambda_image_constructs.function.options import REFUSED, ImageFunctionOptions
from lambda_image_constructs.image import LambdaImageOptions
from lambda_image_constructs.local.cli import main as lambda_images
from lambda_image_constructs.option_types import construct_options, declared
from lambda_image_constructs.org import (
    ConsumerAccountStage,
    ImageAccountStage,
    ImageFunctionStack,
    ImageRepositoryStack,
    ImageStack,
    OrgWideFunctionsStack,
    OrgWideFunctionsStage,
    PipelineStack,
    build_pipelines,
)
from lambda_image_constructs.repository import LambdaImageRepositoryOptions

from .cdk_harness import IMAGE_URI, SAMPLE

ENV = Environment(account="111111111111", region="us-east-1")
EXAMPLES = int(os.environ.get("HYPOTHESIS_EXAMPLES", "15"))
MAX_MESSAGE = 10_000
ALL_AT_ONCE = (
    LambdaDeploymentConfig.ALL_AT_ONCE
)  # an error of 50 problems and a count of the rest stays below this


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


# -- values, methods and the organisation's stages and stacks --------------------------------


def _made(kind: Callable[..., Any], **base: Any) -> Callable[[Stack, dict[str, Any]], Any]:
    """``kind`` called alone (a value, not a construct), ``base`` overridden by the options."""
    return lambda stack, options: kind(**{**base, **options})


def _consumer(stack: Stack, options: dict[str, Any]) -> Any:
    consumer = ConsumerAccount(**{"account_id": "222222222222", **options})
    return LambdaImageRepository(stack, "Repo", consumer_accounts=[consumer])


_SHARED: dict[str, Any] = {}


def _method(
    make: Callable[[Stack], Any], name: str, **base: Any
) -> Callable[[Stack, dict[str, Any]], Any]:
    """Method ``name`` of one construct made for all the examples (made for each, it would cost
    most of the budget); the first accepted example synthesizes that construct's app."""

    def build(stack: Stack, options: dict[str, Any]) -> Any:
        if name not in _SHARED:
            _SHARED[name] = make(Stack(App(), "Shared", env=ENV))
        getattr(_SHARED[name], name)(**{**base, **options})
        return _SHARED[name]

    return build


@cache
def _config() -> Any:
    from lambda_image_constructs.org import parse_config

    return parse_config(_valid_document(), "org.yaml")


def _org(kind: Callable[..., Any], base: Callable[[], dict[str, Any]]) -> Any:
    """A stage or stack of the organisation in the example's app, ``base()`` overridden."""
    return lambda stack, options: kind(stack.node.root, "Org", **{**base(), **options})


def _org_options(kind: type, *set_here: str) -> list[str]:
    """Its own options, its base class's and those it sets itself; not a Stage's ``outdir``
    (synthesis writes there) nor a Stack's ``stack_name`` (aws-cdk-lib checks its value)."""
    hints = declared(construct_options(kind, set_here)).hints
    return sorted((set(hints) | set(set_here)) - {"outdir", "stack_name"})


def _image_stack(stack: Stack, options: dict[str, Any]) -> Any:
    app = stack.node.root
    repository = LambdaImageRepository(Stack(app, "Repos", env=ENV), "Repo",
                                       repository_name="platform/x")  # fmt: skip
    given = {"repository": repository, "images": (), "env": ENV, **options}
    return ImageStack(app, "Images", **given)


def _packs(stack: Stack, options: dict[str, Any]) -> Any:
    return register_compliance_packs(**{"app": stack.node.root, **options})


_FUNCTIONS = {"functions": (), "images": {}}
# The org-wide and pipeline entries always have one wrong base (no block, no pipeline block): an
# accepted one builds every image and a nested app, seconds an example; each generated option
# is still checked with it.
ORGANISATION: dict[str, tuple[Callable[[Stack, dict[str, Any]], Any], list[str]]] = {
    "ImageAccountStage": (
        _org(ImageAccountStage, lambda: {"config": _config()}),
        _org_options(ImageAccountStage, "env"),
    ),
    "ConsumerAccountStage": (
        _org(ConsumerAccountStage, lambda: {
            "consumer": _config().consumer_accounts[0],
            "images": {"service": ImageSource.from_image_uri(IMAGE_URI, architecture="arm64")},
        }),
        _org_options(ConsumerAccountStage, "env"),
    ),
    "ImageFunctionStack": (
        _org(ImageFunctionStack, lambda: {**_FUNCTIONS, "env": ENV}),
        _org_options(ImageFunctionStack),
    ),
    "ImageRepositoryStack": (
        _org(ImageRepositoryStack, lambda: {"repositories": (), "consumer_account_ids": {}}),
        _org_options(ImageRepositoryStack),
    ),
    "ImageStack": (_image_stack, _org_options(ImageStack, "synthesizer")),
    "OrgWideFunctionsStack": (
        _org(OrgWideFunctionsStack, lambda: {"block": None, "images": {}}),
        _org_options(OrgWideFunctionsStack),
    ),
    "OrgWideFunctionsStage": (
        _org(OrgWideFunctionsStage, lambda: {"config": _config(), "block": None, "images": {}}),
        _org_options(OrgWideFunctionsStage, "env"),
    ),
    "PipelineStack": (
        _org(PipelineStack, lambda: {"config": _config(), "cli_version": "2.1000.0"}),
        _org_options(PipelineStack, "env"),
    ),
    "build_pipelines": (
        lambda stack, options: build_pipelines(
            stack.node.root, **{"config": _config(), "cli_version": "2.1000.0", **options}
        ),
        ["cli_version", "config"],
    ),
}  # fmt: skip


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
    "Deployment": (_made(Deployment, type="canary", percent=10, interval=5),
                   sorted(declared(Deployment).hints)),
    "Deployment.with_config": (_made(Deployment.with_config, config=ALL_AT_ONCE),
                               sorted(declared(Deployment.with_config).hints)),
    "ConcurrencyScaling": (_made(ConcurrencyScaling, max_capacity=5),
                           sorted(declared(ConcurrencyScaling).hints)),
    "ConsumerAccount": (_consumer, sorted(declared(ConsumerAccount).hints)),
    "ImageFunction.add_environment": (
        _method(lambda stack: _image_function(stack, {}), "add_environment", key="KEY",
                value="value"),
        sorted(declared(ImageFunction.add_environment).hints)),
    "ImageFunction.acknowledge": (
        _method(lambda stack: _image_function(stack, {}), "acknowledge",
                rule_id="AwsSolutions-IAM5", reason="A reason"),
        sorted(declared(ImageFunction.acknowledge).hints)),
    "LambdaImageRepository.in_region": (
        _method(lambda stack: _repository(stack, {}), "in_region", region="us-east-1"),
        ["region"]),
    "LambdaImageRepository.allow_cdk_asset_publishing": (
        _method(lambda stack: _repository(stack, {}), "allow_cdk_asset_publishing"),
        ["qualifier"]),
    "register_compliance_packs": (_packs, ["app", "packs"]),
    **ORGANISATION,
}  # fmt: skip


_SYNTHESIZED: set[str] = set()


def _outcome(build: Callable[[], Any], app: App, kind: str) -> None:
    """Construct (where our checks run), and synthesize the first accepted example of each
    kind: synthesis is what costs (seconds), a refused construct a few milliseconds."""
    try:
        made = build()
        if kind not in _SYNTHESIZED:
            _SYNTHESIZED.add(kind)
            root = made.node.root if isinstance(made, Construct) else app
            cast(App, root).synth(validate_on_synthesis=True)
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
