"""LambdaContainerImageChecks: each rule with a compliant and a non-compliant resource, through
one helper; then the pack on a real app."""

from __future__ import annotations

import copy
from typing import Any, cast

import pytest
from aws_cdk import (
    Acknowledgment,
    App,
    CfnCondition,
    CfnResource,
    Environment,
    Fn,
    NestedStack,
    RemovalPolicy,
    Stack,
    Stage,
    Validations,
)
from aws_cdk import aws_ecr as ecr
from constructs import Construct

from lambda_image_constructs import ImageFunction, ImageSource, LambdaImageRepository
from lambda_image_constructs.nag import LambdaContainerImageChecks
from lambda_image_constructs.nag.pack import RULES
from lambda_image_constructs.nag.rules import Compliance, RuleContext
from lambda_image_constructs.nag.rules.common import IMAGE_PLATFORM_METADATA

from .cdk_harness import nag_findings, new_app

OWNER = "111111111111"
OTHER = "222222222222"
LAMBDA = {"Service": "lambda.amazonaws.com"}
PULL = ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"]
DIGEST = "sha256:" + "ab" * 32


def repository(**changes: Any) -> dict[str, Any]:
    resource: dict[str, Any] = {
        "Type": "AWS::ECR::Repository",
        "DeletionPolicy": "Retain",
        "Properties": {
            "ImageTagMutability": "IMMUTABLE",
            "ImageScanningConfiguration": {"ScanOnPush": True},
            "RepositoryPolicyText": {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Principal": LAMBDA,
                        "Action": PULL,
                        "Condition": {
                            "StringLike": {
                                "aws:sourceARN": f"arn:aws:lambda:us-east-1:{OWNER}:function:*"
                            }
                        },
                    },
                    {
                        "Effect": "Allow",
                        "Principal": {"AWS": f"arn:aws:iam::{OTHER}:root"},
                        "Action": PULL,
                    },
                    {
                        "Effect": "Allow",
                        "Principal": LAMBDA,
                        "Action": PULL,
                        "Condition": {
                            "StringLike": {
                                "aws:sourceARN": f"arn:aws:lambda:us-east-1:{OTHER}:function:*"
                            }
                        },
                    },
                ],
            },
        },
    }
    for path, value in changes.items():
        target = resource
        *parents, last = path.split(".")
        for key in parents:
            target = target[key]
        if value is None:
            target.pop(last, None)
        else:
            target[last] = value
    return resource


def function(**changes: Any) -> dict[str, Any]:
    resource: dict[str, Any] = {
        "Type": "AWS::Lambda::Function",
        "Metadata": {IMAGE_PLATFORM_METADATA: "linux/arm64"},
        "Properties": {
            "PackageType": "Image",
            "Architectures": ["arm64"],
            "Code": {"ImageUri": f"{OWNER}.dkr.ecr.us-east-1.amazonaws.com/platform/x@{DIGEST}"},
            "ImageConfig": {"EntryPoint": ["/usr/bin/python3", "-m", "awslambdaric"]},
        },
    }
    for key, value in changes.items():
        resource["Properties"][key] = value
    return resource


def statements(*kept: int) -> dict[str, Any]:
    policy = copy.deepcopy(repository()["Properties"]["RepositoryPolicyText"])
    policy["Statement"] = [policy["Statement"][i] for i in kept]
    return policy


ORG_OPEN = {"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": PULL}
CASES = {
    "lambda_pull_source_condition": (
        repository(),
        # one unconditioned Lambda statement beside a conditioned one restricts nothing
        repository(
            **{
                "Properties.RepositoryPolicyText": {
                    "Statement": [
                        *statements(1, 2)["Statement"],
                        {"Effect": "Allow", "Principal": LAMBDA, "Action": PULL},
                    ]
                }
            }
        ),
    ),
    "service_principal_wildcard_action": (
        repository(),
        repository(
            **{
                "Properties.RepositoryPolicyText": {
                    "Statement": [
                        {**statements(0)["Statement"][0], "Action": "ecr:*"},
                    ]
                }
            }
        ),
    ),
    "repository_no_open_principal": (
        repository(
            **{
                "Properties.RepositoryPolicyText": {
                    "Statement": [
                        {
                            **ORG_OPEN,
                            "Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-abcdef1234"}},
                        }
                    ]
                }
            }
        ),
        repository(**{"Properties.RepositoryPolicyText": {"Statement": [ORG_OPEN]}}),
    ),
    "repository_immutable_tags": (
        repository(**{"Properties.ImageTagMutability": "IMMUTABLE_WITH_EXCLUSION"}),
        repository(**{"Properties.ImageTagMutability": "MUTABLE"}),
    ),
    "repository_scan_on_push": (
        repository(),
        repository(**{"Properties.ImageScanningConfiguration": None}),
    ),
    "repository_retained": (
        repository(),
        repository(DeletionPolicy="Delete"),
    ),
    "cross_account_image_digest": (
        function(),
        function(Code={"ImageUri": f"{OWNER}.dkr.ecr.us-east-1.amazonaws.com/platform/x:v1"}),
    ),
    "cross_account_image_signed": (
        function(),  # platform/x, which the owner's registry signs
        function(Code={"ImageUri": f"{OWNER}.dkr.ecr.us-east-1.amazonaws.com/team/x@{DIGEST}"}),
    ),
    "function_architecture_matches_image": (
        function(),
        function(Architectures=["x86_64"]),
    ),
    "image_config_absolute_entrypoint": (
        function(),
        function(ImageConfig={"EntryPoint": ["python3", "-m", "awslambdaric"]}),
    ),
}
# Functions run in the other account; repositories are the owner's, whose registry (in the
# same app) signs platform/* and whose other Region's registry signs nothing.
SIGNING = {
    (OWNER, "us-east-1"): (
        {
            "SigningProfileArn": f"arn:aws:signer:us-east-1:{OWNER}:/signing-profiles/images",
            "RepositoryFilters": [{"Filter": "platform/*", "FilterType": "WILDCARD_MATCH"}],
        },
    ),
    (OWNER, "eu-west-1"): (),
}
CONTEXT = {
    "AWS::ECR::Repository": RuleContext(OWNER),
    "AWS::Lambda::Function": RuleContext(OTHER, registry_signing=SIGNING),
}


def verdict(rule_name: str, resource: dict[str, Any]) -> Compliance:
    [spec] = [r for r in RULES if r.check.__name__ == rule_name]
    return spec.check(resource, CONTEXT[resource["Type"]])


def test_every_rule_has_cases_and_a_file_of_its_own() -> None:
    assert sorted(CASES) == sorted(r.check.__name__ for r in RULES)
    for spec in RULES:
        assert spec.check.__module__.endswith(f".rules.{spec.check.__name__}")


@pytest.mark.parametrize("rule_name", sorted(CASES))
def test_compliant(rule_name: str) -> None:
    assert verdict(rule_name, CASES[rule_name][0]) is Compliance.COMPLIANT


@pytest.mark.parametrize("rule_name", sorted(CASES))
def test_non_compliant(rule_name: str) -> None:
    assert verdict(rule_name, CASES[rule_name][1]) is Compliance.NON_COMPLIANT


def test_rules_do_not_apply_elsewhere() -> None:
    queue = {"Type": "AWS::SQS::Queue", "Properties": {}}
    for spec in RULES:
        assert spec.check(queue, RuleContext(OWNER)) is Compliance.NOT_APPLICABLE
    # a repository shared with no other account needs no source condition
    unshared = repository(**{"Properties.RepositoryPolicyText": statements(0)})
    assert verdict("lambda_pull_source_condition", unshared) is Compliance.NOT_APPLICABLE
    # an image of the function's own account may be referenced by tag
    own = function(Code={"ImageUri": f"{OTHER}.dkr.ecr.us-east-1.amazonaws.com/x:v1"})
    assert verdict("cross_account_image_digest", own) is Compliance.NOT_APPLICABLE


@pytest.mark.parametrize(
    ("uri", "expected"),
    [
        ({"Fn::Join": ["", [f"{OWNER}.dkr.ecr.", {"Ref": "AWS::Region"}, ".",
                            {"Ref": "AWS::URLSuffix"}, "/platform/x:v1"]]},
         Compliance.NON_COMPLIANT),
        ({"Fn::Join": ["", [f"{OWNER}.dkr.ecr.us-east-1.", {"Ref": "AWS::URLSuffix"},
                            f"/platform/x@{DIGEST}"]]}, Compliance.COMPLIANT),
        ({"Fn::Sub": f"{OWNER}.dkr.ecr.${{AWS::Region}}.${{AWS::URLSuffix}}/platform/x:v1"},
         Compliance.NON_COMPLIANT),
        ({"Fn::Sub": "${AWS::AccountId}.dkr.ecr.${AWS::Region}.${AWS::URLSuffix}/x:v1"},
         Compliance.NOT_APPLICABLE),  # the function's own account
        ({"Fn::Sub": f"{OWNER}.dkr.ecr.us-east-1.amazonaws.com/x:${{Tag}}"},
         Compliance.NON_COMPLIANT),  # a tag from a parameter is still a tag
        ({"Fn::Join": ["", [{"Ref": "ImageAccount"}, ".dkr.ecr.us-east-1.amazonaws.com/x:v1"]]},
         Compliance.NOT_APPLICABLE),  # whose account is only known at deploy time
    ],
)  # fmt: skip
def test_cross_account_digest_reads_joined_and_substituted_uris(
    uri: dict[str, Any], expected: Compliance
) -> None:
    assert verdict("cross_account_image_digest", function(Code={"ImageUri": uri})) is expected


@pytest.mark.parametrize(
    ("uri", "expected"),
    [
        (f"{OWNER}.dkr.ecr.eu-west-1.amazonaws.com/platform/x:v1", Compliance.NON_COMPLIANT),
        ({"Fn::Join": ["", [f"{OWNER}.dkr.ecr.us-east-1.", {"Ref": "AWS::URLSuffix"},
                            f"/platform/x@{DIGEST}"]]}, Compliance.COMPLIANT),
        (f"{OWNER}.dkr.ecr.ap-south-1.amazonaws.com/team/x:v1",
         Compliance.NOT_APPLICABLE),  # a registry the app does not hold: cannot be told
        (f"{OTHER}.dkr.ecr.us-east-1.amazonaws.com/team/x:v1",
         Compliance.NOT_APPLICABLE),  # the function's own account
    ],
)  # fmt: skip
def test_cross_account_signed_looks_up_the_images_registry(uri: Any, expected: Compliance) -> None:
    assert verdict("cross_account_image_signed", function(Code={"ImageUri": uri})) is expected


def test_a_signing_rule_without_filters_signs_every_repository() -> None:
    context = RuleContext(
        OTHER, registry_signing={(OWNER, "us-east-1"): ({"SigningProfileArn": "p"},)}
    )
    [spec] = [r for r in RULES if r.check.__name__ == "cross_account_image_signed"]
    unsigned = function(Code={"ImageUri": f"{OWNER}.dkr.ecr.us-east-1.amazonaws.com/team/x:v1"})
    assert spec.check(unsigned, context) is Compliance.COMPLIANT
    assert spec.check(unsigned, RuleContext(OTHER)) is Compliance.NOT_APPLICABLE  # not gathered


def test_pack_flags_a_plain_repository_and_passes_ours() -> None:
    app = new_app()
    stack = Stack(app, "Repos", env=Environment(account=OWNER, region="us-east-1"))
    LambdaImageRepository(stack, "Ours", consumer_accounts=[OTHER])
    ecr.Repository(stack, "Plain", removal_policy=RemovalPolicy.DESTROY)
    assert nag_findings(app, LambdaContainerImageChecks()) == [
        ("LambdaContainerImage-RepositoryImmutableTags", "Repos/Plain/Resource"),
        ("LambdaContainerImage-RepositoryRetained", "Repos/Plain/Resource"),
        ("LambdaContainerImage-RepositoryScanOnPush", "Repos/Plain/Resource"),
    ]


def test_pack_warns_for_another_accounts_image_by_tag() -> None:
    app = new_app()
    stack = Stack(app, "Fns", env=Environment(account=OTHER, region="us-east-1"))
    uri = f"{OWNER}.dkr.ecr.us-east-1.amazonaws.com/platform/x:v1"
    ImageFunction(stack, "Fn", image=ImageSource.from_image_uri(uri), architecture="arm64")
    findings = LambdaContainerImageChecks().validate_scope(app).violations
    assert [(v.rule_name, v.severity) for v in findings] == [
        ("LambdaContainerImage-CrossAccountImageDigest", "warning")
    ]


def test_pack_honours_an_acknowledgement_on_an_ancestor() -> None:
    app = new_app()
    stack = Stack(app, "Repos", env=Environment(account=OWNER, region="us-east-1"))
    team = Construct(stack, "Team")
    ecr.Repository(team, "Cache", removal_policy=RemovalPolicy.RETAIN, image_scan_on_push=True)
    Validations.of(team).acknowledge(
        Acknowledgment(
            id="LambdaContainerImage-RepositoryImmutableTags",
            reason="The build cache of Team: its tags move by design; no function runs them.",
        )
    )
    # in the construct tree, and in the templates at synth (an acknowledgement the library
    # did not make, so read from the tree)
    assert nag_findings(app, LambdaContainerImageChecks()) == []
    app.synth()  # raises on any finding that is not acknowledged


def test_pack_checks_resources_in_stages_and_plain_cfn_resources() -> None:
    app = new_app()
    stage = Stage(app, "Prod", env=Environment(account=OTHER, region="us-east-1"))
    stack = Stack(stage, "Fns")
    CfnResource(
        stack,
        "Raw",
        type="AWS::Lambda::Function",
        properties={
            "PackageType": "Image",
            "Code": {"ImageUri": f"{OTHER}.dkr.ecr.us-east-1.amazonaws.com/x@sha256:{'a' * 64}"},
            "ImageConfig": {"EntryPoint": ["python3"]},
            "Role": "arn:aws:iam::222222222222:role/r",
        },
    )
    assert nag_findings(app, LambdaContainerImageChecks()) == [
        ("LambdaContainerImage-ImageConfigAbsoluteEntrypoint", "Prod/Fns/Raw"),
    ]


@pytest.mark.parametrize("nested", [False, True], ids=["stack", "nested stack"])
def test_a_finding_fails_synth_through_the_validation_plugin(nested: bool) -> None:
    app = new_app()
    stack = Stack(app, "Repos", env=Environment(account=OWNER, region="us-east-1"))
    # nested stacks' templates are not among the templates the plugin is given
    scope = NestedStack(stack, "Team") if nested else stack
    # mutable tags: the one finding (retained, scanned, encrypted otherwise)
    ecr.Repository(
        scope,
        "Mutable",
        removal_policy=RemovalPolicy.RETAIN,
        image_scan_on_push=True,
        encryption=ecr.RepositoryEncryption.KMS,
    )
    with pytest.raises(Exception, match="LambdaContainerImage-RepositoryImmutableTags") as e:
        app.synth()
    assert f"Repos/{'Team/' if nested else ''}Mutable/Resource" in str(e.value)


def function_by_digest() -> tuple[App, Stack, ImageFunction]:
    """An app with the packs and one function running its own account's image by digest."""
    app = new_app()
    stack = Stack(app, "Fns", env=Environment(account=OTHER, region="us-east-1"))
    uri = f"{OTHER}.dkr.ecr.us-east-1.amazonaws.com/x@{DIGEST}"
    fn = ImageFunction(stack, "Fn", image=ImageSource.from_image_uri(uri), architecture="arm64")
    return app, stack, fn


def test_synth_checks_the_template_as_written_overrides_included() -> None:
    app, _, fn = function_by_digest()
    fn.resource.add_property_override("ImageConfig.EntryPoint", ["python3", "-m", "app"])
    # the construct tree still has no EntryPoint; the template CloudFormation gets does
    assert nag_findings(app, LambdaContainerImageChecks()) == []
    with pytest.raises(Exception, match="LambdaContainerImage-ImageConfigAbsoluteEntrypoint") as e:
        app.synth()
    assert "Fns/Fn/Resource" in str(e.value)


def test_synth_finds_the_acknowledgement_of_a_resource_with_an_overridden_id() -> None:
    app = new_app()
    stack = Stack(app, "Repos", env=Environment(account=OWNER, region="us-east-1"))
    legacy = ecr.CfnRepository(stack, "Legacy", image_scanning_configuration={"scanOnPush": True})
    legacy.apply_removal_policy(RemovalPolicy.RETAIN)
    legacy.override_logical_id("LegacyRepository")
    Validations.of(legacy).acknowledge(
        Acknowledgment(
            id="LambdaContainerImage-RepositoryImmutableTags",
            reason="The legacy repository's release tags are moved by its own tooling.",
        )
    )
    app.synth()  # raises on any finding that is not acknowledged


def test_a_rule_that_cannot_read_a_resource_reports_why() -> None:
    app, stack, fn = function_by_digest()
    CfnCondition(stack, "Verbose", expression=Fn.condition_equals(stack.region, "us-east-1"))
    fn.resource.add_property_override(
        "ImageConfig.EntryPoint", Fn.condition_if("Verbose", ["/bin/a"], ["/bin/b"])
    )
    with pytest.raises(Exception, match="could not read the resource") as e:
        app.synth()
    assert "LambdaContainerImage-ImageConfigAbsoluteEntrypoint" in str(e.value)


def test_synth_reads_nested_stack_templates_overrides_included() -> None:
    app = new_app()
    stack = Stack(app, "Repos", env=Environment(account=OWNER, region="us-east-1"))
    repository = LambdaImageRepository(
        NestedStack(stack, "Team"), "Images", repository_name="team/x"
    )
    cast(
        CfnResource, repository.node.find_child("Resource").node.default_child
    ).add_property_override("ImageTagMutability", "MUTABLE")
    with pytest.raises(Exception, match="LambdaContainerImage-RepositoryImmutableTags") as e:
        app.synth()
    assert "Repos/Team/Images/Resource/Resource" in str(e.value)
