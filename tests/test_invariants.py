"""Safety invariants that hold without the compliance packs, and every option of every public
constructor and factory checked by its declaration.

Each row of ``INVARIANTS`` and each generated row of ``EVERY_OPTION`` is one bad input (counted
in docs/bad-input.md): it must end in one ``LambdaImageValidationError`` naming the option."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from aws_cdk import App, Environment, Size, Stack
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_codedeploy as codedeploy
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms

from lambda_image_constructs import (
    ConcurrencyScaling,
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
from lambda_image_constructs.option_types import SELF_PARSED, accepts, declared
from lambda_image_constructs.repository import LambdaImageRepositoryOptions

from .cdk_harness import CONSUMER_A, IMAGE_URI, SAMPLE

ENV = Environment(account="111111111111", region="us-east-1")
LAMBDA = "lambda.amazonaws.com"


def repository(**options: Any) -> Callable[[Stack], Any]:
    return lambda stack: LambdaImageRepository(stack, "Repo", repository_name="a/b", **options)


def granted(principal: Callable[[], iam.IPrincipal], **options: Any) -> Callable[[Stack], Any]:
    return lambda stack: repository(**options)(stack).grant_pull(principal())


def granted_then_shared(stack: Stack) -> Any:
    repo = repository()(stack)
    repo.grant_pull(iam.ServicePrincipal(LAMBDA))  # fine while the repository is not shared
    repo.add_consumer_account(CONSUMER_A)


def twice(first: Callable[[Stack], Any], second: Callable[[Stack], Any]) -> Callable[[Stack], Any]:
    return lambda stack: (first(stack), second(stack))


def function(id: str = "Fn", **options: Any) -> Callable[[Stack], Any]:
    source = ImageSource.from_image_uri(IMAGE_URI)
    return lambda stack: ImageFunction(stack, id, image=source, architecture="arm64", **options)


def key_in(region: str) -> Callable[[Stack], kms.IKey]:
    arn = f"arn:aws:kms:{region}:111111111111:key/00000000-0000-0000-0000-000000000000"
    return lambda stack: kms.Key.from_key_arn(stack, "Key", arn)


def with_key(region: str) -> Callable[[Stack], Any]:
    return lambda stack: repository(encryption_key=key_in(region)(stack))(stack)


def alarms(count: int, **deployment: Any) -> Callable[[Stack], Any]:
    def build(stack: Stack) -> Any:
        metric = cloudwatch.Metric(namespace="N", metric_name="M")
        made = [
            cloudwatch.Alarm(stack, f"A{i}", metric=metric, threshold=1, evaluation_periods=1)
            for i in range(count)
        ]
        chosen = Deployment.canary(percent=10, interval=5, alarms=made, **deployment)
        return function(deployment=chosen)(stack)

    return build


# (case id, builder, the option or method the error names, text of the value it shows)
INVARIANTS: list[tuple[str, Callable[[Stack], Any], str, str]] = [
    ("Lambda grant on a shared repository",
     granted(lambda: iam.ServicePrincipal(LAMBDA), consumer_accounts=[CONSUMER_A]),
     "grant (a statement of the repository policy)", "lambda.amazonaws.com"),
    ("Lambda grant on an organisation's repository",
     granted(lambda: iam.ServicePrincipal(LAMBDA), organization_id="o-abcdefghij"),
     "grant (a statement of the repository policy)", "lambda.amazonaws.com"),
    ("Lambda grant, then shared", granted_then_shared, "consumer_accounts", "lambda.amazonaws.com"),
    ("unconditioned same-account statement, shared",
     repository(consumer_accounts=[CONSUMER_A], same_account_source_arn_condition=False),
     "same_account_source_arn_condition", "LambdaECRImageRetrievalPolicy"),
    ("unconditioned same-account statement, organisation",
     repository(organization_id="o-abcdefghij", same_account_source_arn_condition=False),
     "same_account_source_arn_condition", "LambdaECRImageRetrievalPolicy"),
    ("pull by anyone", granted(iam.AnyPrincipal), "grant (a statement of the repository policy)",
     "'*'"),
    ("pull by anyone, shared", granted(iam.AnyPrincipal, consumer_accounts=[CONSUMER_A]),
     "grant (a statement of the repository policy)", "'*'"),
    ("push by anyone", lambda stack: repository()(stack).grant_push(iam.AnyPrincipal()),
     "grant (a statement of the repository policy)", "'*'"),
    ("copy into a China Region", repository(regions=["cn-north-1"]), "regions[0]", "cn-north-1"),
    ("copy into a GovCloud Region", repository(regions=["us-gov-west-1"]), "regions[0]",
     "us-gov-west-1"),
    ("Region that does not exist", repository(regions=["eu-mars-1"]), "regions[0]", "eu-mars-1"),
    ("KMS key of another Region", with_key("eu-west-1"), "encryption_key", "eu-west-1"),
    ("repository name twice", twice(repository(), lambda s: LambdaImageRepository(
        s, "Again", repository_name="a/b")), "repository_name", "'a/b'"),
    ("function name twice", twice(function(function_name="orders"),
                                  function("Again", function_name="orders")),
     "function_name", "'orders'"),
    ("11 alarms", alarms(11, default_alarms=False), "deployment.alarms", "11 alarms"),
    ("8 alarms and the function's 3", alarms(8), "deployment.alarms", "8 alarms and 3"),
    ("provisioned past Lambda's bound", function(provisioned_concurrency=2**31),
     "provisioned_concurrency", "2147483648"),
    ("scaling past Lambda's bound", function(
        provisioned_concurrency=1, provisioned_concurrency_scaling=ConcurrencyScaling(2**40)),
     "provisioned_concurrency_scaling.max_capacity", "1099511627776"),
    ("fractional /tmp Size", function(ephemeral_storage_size=Size.mebibytes(512.5)),
     "ephemeral_storage_size", "512.5 MiB"),
    ("grantee not grantable", lambda stack: repository()(stack).grant_pull("arn:aws:iam::1:root"),
     "grantee", "'arn:aws:iam::1:root'"),
    ("image None", lambda stack: ImageFunction(stack, "Fn", image=None, architecture="arm64"),
     "image", "must be given: an ImageSource"),
    ("asset None", lambda stack: ImageSource.from_asset(None), "image",
     "must be given: a LambdaImage"),
    ("consumers as one string", lambda stack: repository()(stack).add_consumer_accounts(
        CONSUMER_A), "consumers", repr(CONSUMER_A)),
]  # fmt: skip


@pytest.mark.parametrize(
    ("build", "field", "shown"),
    [case[1:] for case in INVARIANTS],
    ids=[case[0] for case in INVARIANTS],
)
def test_an_invariant_holds_without_compliance_packs(
    build: Callable[[Stack], Any], field: str, shown: str
) -> None:
    stack = Stack(App(), "Stack", env=ENV)  # GIVEN an app without compliance packs
    with pytest.raises(LambdaImageValidationError) as error:  # WHEN the input breaks one
        build(stack)
    problem = next((p for p in error.value.problems if p.field == field), None)
    assert problem is not None, str(error.value)  # THEN our error names it, with the value
    assert shown in str(problem), str(problem)


def test_what_the_invariants_allow_is_allowed() -> None:
    stack = Stack(App(), "Stack", env=ENV)
    shared = repository(consumer_accounts=[CONSUMER_A], organization_id="o-abcdefghij")(stack)
    shared.grant_pull(iam.AccountPrincipal(CONSUMER_A))
    repository_alone = LambdaImageRepository(stack, "Alone", repository_name="c/d")
    repository_alone.grant_pull(iam.ServicePrincipal(LAMBDA))  # the guide's own, unshared
    LambdaImageRepository(stack, "Copied", repository_name="e/f", regions=["eu-west-1"])
    LambdaImageRepository(Stack(App(), "Other", env=ENV), "Repo", repository_name="a/b")
    with_key("us-east-1")(Stack(App(), "Keyed", env=ENV))
    alarms(7)(Stack(App(), "Alarmed", env=ENV))


# -- every option of every public constructor, by its declaration -------------------------

_WRONG_CANDIDATES: tuple[Any, ...] = (object(), 5, "text", ["x"], {"k": 1}, 1.5)


def _wrong_value(hint: Any) -> Any:
    """A value of a type ``hint`` does not accept; None for a hint that takes anything."""
    return next((v for v in _WRONG_CANDIDATES if not accepts(hint, v)), None)


def _wrong_rows(
    declaration: Any, build: Callable[[Stack, str, Any], Any], skip: frozenset[str] = frozenset()
) -> list[tuple[str, Callable[[Stack], Any], str]]:
    spec = declared(declaration)
    wrong = {name: _wrong_value(hint) for name, hint in spec.hints.items()}
    return [
        (f"{spec.name}.{name}", lambda stack, n=name, v=value: build(stack, n, v), name)
        for name, value in wrong.items()
        if name not in skip | SELF_PARSED and value is not None
    ]


def _image_function(stack: Stack, name: str, value: Any) -> Any:
    given = {"image": ImageSource.from_image_uri(IMAGE_URI), "architecture": "arm64"}
    return ImageFunction(stack, "Fn", **{**given, name: value})


def _repository(stack: Stack, name: str, value: Any) -> Any:
    return LambdaImageRepository(stack, "Repo", **{name: value})


def _image(stack: Stack, name: str, value: Any) -> Any:
    given = {"directory": SAMPLE, "architecture": "arm64"}
    return LambdaImage(stack, "Image", **{**given, name: value})


def _scanning(stack: Stack, name: str, value: Any) -> Any:
    return RegistryScanning(stack, "Scanning", **{name: value})


def _factory(method: Callable[..., Any], **valid: Any) -> Callable[[Stack, str, Any], Any]:
    return lambda stack, name, value: method(**{**valid, name: value})


EVERY_OPTION = [
    *_wrong_rows(ImageFunctionOptions, _image_function, frozenset(REFUSED)),
    *_wrong_rows(LambdaImageRepositoryOptions, _repository),
    *_wrong_rows(LambdaImageOptions, _image),
    *_wrong_rows(RegistryScanning.__init__, _scanning),
    *_wrong_rows(ImageSource.from_image_uri, _factory(ImageSource.from_image_uri,
                                                       image_uri=IMAGE_URI)),
    *_wrong_rows(ImageSource.from_asset, _factory(ImageSource.from_asset)),
    *_wrong_rows(ImageSource.from_regional_assets, _factory(ImageSource.from_regional_assets)),
    *_wrong_rows(Deployment.canary, _factory(Deployment.canary, percent=10, interval=5)),
    *_wrong_rows(Deployment.with_config, _factory(
        Deployment.with_config, config=codedeploy.LambdaDeploymentConfig.ALL_AT_ONCE)),
]  # fmt: skip


@pytest.mark.parametrize(
    ("build", "field"), [row[1:] for row in EVERY_OPTION], ids=[row[0] for row in EVERY_OPTION]
)
def test_every_option_of_the_wrong_type_is_our_error(
    build: Callable[[Stack], Any], field: str
) -> None:
    stack = Stack(App(), "Stack", env=ENV)
    with pytest.raises(LambdaImageValidationError) as error:
        build(stack)
    assert field in [p.field for p in error.value.problems], str(error.value)
    assert len(str(error.value)) < 2_000


def test_every_public_option_is_covered() -> None:
    assert len(EVERY_OPTION) >= 90
    names = {row[0] for row in EVERY_OPTION}
    assert "ImageFunction.log_retention" not in names  # the TypedDict's name, not the class's
    assert "ImageFunctionOptions.log_retention" in names
