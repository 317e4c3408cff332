"""Regression tests for what the session's review found, each failing without its fix."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from aws_cdk import App, Environment, Stack
from aws_cdk import aws_kms as kms
from aws_cdk import aws_sqs as sqs

from lambda_image_constructs import (
    ConcurrencyScaling,
    Deployment,
    ImageFunction,
    ImageSource,
    LambdaImageRepository,
    LambdaImageValidationError,
    RegistryScanning,
)
from lambda_image_constructs.access import RepositoryRecord, can_pull, parse_principal
from lambda_image_constructs.org import parse_config
from stacks.generate import org_config

from .cdk_harness import CONSUMER_A, CONSUMER_B, CONSUMER_ENV, DIGEST, IMAGE_ACCOUNT, IMAGE_URI

HOME = Environment(account=IMAGE_ACCOUNT, region="us-east-1")


def fields(build: Any) -> list[str]:
    with pytest.raises(LambdaImageValidationError) as error:
        build()
    return [p.field for p in error.value.problems]


def test_a_repositorys_own_ecr_repository_is_checked_as_the_repository() -> None:
    app = App()
    repository = LambdaImageRepository(
        Stack(app, "Repos", env=HOME),
        "Repo",
        repository_name="team/app",
        consumer_accounts=[CONSUMER_A],
    )
    functions = Stack(app, "Fns", env=Environment(account=CONSUMER_B, region="us-east-1"))
    assert fields(
        lambda: ImageFunction(
            functions,
            "Fn",
            image=ImageSource.from_repository(repository.repository, DIGEST),
            architecture="arm64",
        )
    ) == ["image"]


@pytest.mark.parametrize(
    ("options", "field"),
    [
        (
            {
                "provisioned_concurrency": 2,
                "provisioned_concurrency_scaling": ConcurrencyScaling(1, min_capacity=0),
            },
            "provisioned_concurrency_scaling.max_capacity",
        ),
        (
            {
                "provisioned_concurrency": 2,
                "provisioned_concurrency_scaling": ConcurrencyScaling(5, min_capacity=-3),
            },
            "provisioned_concurrency_scaling.min_capacity",
        ),
        (
            {
                "provisioned_concurrency": 2,
                "reserved_concurrent_executions": 3,
                "provisioned_concurrency_scaling": ConcurrencyScaling(10),
            },
            "provisioned_concurrency_scaling.max_capacity",
        ),
        ({"tracing": None}, "tracing"),
    ],
)
def test_rollout_inputs_that_reached_aws_cdk_lib(options: dict[str, Any], field: str) -> None:
    stack = Stack(App(), "Bad", env=CONSUMER_ENV)
    assert field in fields(
        lambda: ImageFunction(
            stack,
            "Fn",
            image=ImageSource.from_image_uri(IMAGE_URI),
            architecture="arm64",
            **options,
        )
    )


@pytest.mark.parametrize(
    ("make", "field"),
    [
        (lambda: Deployment.all_at_once(alarms=["x"]), "alarms[0]"),
        (lambda: Deployment.canary(percent=10, interval=5, pre_traffic_hook="arn"),
         "pre_traffic_hook"),
    ],
)  # fmt: skip
def test_rollout_factories_refuse_what_reached_aws_cdk_lib(
    make: Callable[[], Any], field: str
) -> None:
    # The Deployment factories check their options' types when called (option_types).
    assert field in fields(make)


def test_a_sibling_name_taken_in_the_scope_is_our_error() -> None:
    stack = Stack(App(), "Taken", env=CONSUMER_ENV)
    sqs.Queue(stack, "ApiDeadLetterQueue")
    assert fields(
        lambda: ImageFunction(
            stack, "Api", image=ImageSource.from_image_uri(IMAGE_URI), architecture="arm64"
        )
    ) == ["id"]


def test_an_account_with_no_functions_is_refused_by_the_configuration() -> None:
    document = org_config(1, 1)
    document["consumerAccounts"][0]["functions"] = []
    assert fields(lambda: parse_config(document, "org.yaml")) == ["consumerAccounts[0].functions"]


def test_a_refused_registry_scanning_does_not_claim_its_registry() -> None:
    stack = Stack(App(), "Registry", env=HOME)
    fields(lambda: RegistryScanning(stack, "A", frequency="BOGUS"))  # type: ignore[arg-type]
    RegistryScanning(stack, "B")  # the registry is still free


def test_two_repositories_with_regions_share_the_copy_stack_and_a_key_is_refused() -> None:
    app = App()
    stack = Stack(app, "Repos", env=HOME)
    first = LambdaImageRepository(stack, "A", repository_name="team/a", regions=["eu-west-1"])
    second = LambdaImageRepository(stack, "B", repository_name="team/b", regions=["eu-west-1"])
    assert Stack.of(first.in_region("eu-west-1")) is Stack.of(second.in_region("eu-west-1"))
    key = kms.Key(stack, "Key", enable_key_rotation=True)
    assert "encryption_key" in fields(
        lambda: LambdaImageRepository(
            stack, "C", repository_name="team/c", regions=["eu-west-1"], encryption_key=key
        )
    )


def test_the_graph_needs_both_halves_of_a_cross_account_grant() -> None:
    # now decided by the evaluator, which the graph draws from
    root_only = {
        "Statement": [
            {
                "Effect": "Allow",
                "Action": "ecr:BatchGetImage",
                "Principal": {"AWS": f"arn:aws:iam::{CONSUMER_B}:root"},
            }
        ]
    }
    repository = RepositoryRecord("s", "r", IMAGE_ACCOUNT, "us-east-1", "r", root_only)
    function = f"arn:aws:lambda:us-east-1:{CONSUMER_B}:function:fn"
    assert can_pull(repository, parse_principal(function)).allowed is False


def test_many_grants_spread_over_more_policies_each_within_iams_limit() -> None:
    import json as json_module

    from aws_cdk import aws_dynamodb as dynamodb

    from .cdk_harness import resources_of_type, template_of

    stack = Stack(App(), "Grants", env=CONSUMER_ENV)
    fn = ImageFunction(
        stack, "Fn", image=ImageSource.from_image_uri(IMAGE_URI), architecture="arm64"
    )
    for index in range(40):
        table = dynamodb.TableV2(
            stack,
            f"Table{index}",
            partition_key=dynamodb.Attribute(name="id", type=dynamodb.AttributeType.STRING),
        )
        table.grant_read_write_data(fn)
    template = template_of(stack)
    policies = [
        p["Properties"]
        for p in resources_of_type(template, "AWS::IAM::ManagedPolicy").values()
        if p["Properties"]["Description"].startswith("Permissions of Grants/Fn")
    ]
    assert len(policies) > 1
    for policy in policies:
        # each ARN as long as a real one: "arn:aws:dynamodb:us-east-1:222222222222:table/<id>"
        text = json_module.dumps(policy["PolicyDocument"], separators=(",", ":"))
        length = len(text) + text.count("Fn::GetAtt") * 60
        assert length < 6_144, length
