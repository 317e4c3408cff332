"""RegistrySigning (ECR managed signing, once per registry) and PullThroughCache (base images
through the image account's ECR): what reaches the template, and what is refused."""

from __future__ import annotations

from typing import Any

import pytest
from aws_cdk import App, Environment, Stack
from aws_cdk import aws_iam as iam
from aws_cdk.assertions import Template

from lambda_image_constructs import (
    LambdaImageValidationError,
    PullThroughCache,
    RegistryScanning,
    RegistrySigning,
)

from .cdk_harness import (
    IMAGE_ACCOUNT,
    new_app,
    only_resource_of_type,
    resolve_intrinsics,
    resources_of_type,
    template_of,
)

US = Environment(account=IMAGE_ACCOUNT, region="us-east-1")
EU = Environment(account=IMAGE_ACCOUNT, region="eu-west-1")
PROFILE = f"arn:aws:signer:us-east-1:{IMAGE_ACCOUNT}:/signing-profiles/lambda_images"
PSEUDO = {"AWS::Partition": "aws", "AWS::Region": "us-east-1", "AWS::URLSuffix": "amazonaws.com"}


def test_signing_with_a_new_profile_of_its_own_is_retained() -> None:
    # GIVEN signing with no profile given
    stack = Stack(App(), "Registry", env=US)
    RegistrySigning(stack, "Signing", repository_filters=["platform/*"])
    template = template_of(stack)
    # THEN a Notation profile is made, retained, and the registry's rule signs with it
    [(profile_id, profile)] = resources_of_type(template, "AWS::Signer::SigningProfile").items()
    assert profile["Properties"]["PlatformId"] == "Notation-OCI-SHA384-ECDSA"
    assert profile["DeletionPolicy"] == "Retain"
    config = only_resource_of_type(template, "AWS::ECR::SigningConfiguration")["Properties"]
    assert config == {
        "Rules": [
            {
                "SigningProfileArn": {"Fn::GetAtt": [profile_id, "Arn"]},
                "RepositoryFilters": [{"Filter": "platform/*", "FilterType": "WILDCARD_MATCH"}],
            }
        ]
    }


def test_signing_with_a_given_profile_makes_none() -> None:
    stack = Stack(App(), "Registry", env=US)
    signing = RegistrySigning(stack, "Signing", signing_profile_arn=PROFILE)
    template = template_of(stack)
    assert resources_of_type(template, "AWS::Signer::SigningProfile") == {}
    [rule] = only_resource_of_type(template, "AWS::ECR::SigningConfiguration")["Properties"][
        "Rules"
    ]
    assert rule["SigningProfileArn"] == PROFILE
    assert signing.signing_profile is None


def test_signing_once_per_account_and_region() -> None:
    app = App()
    RegistrySigning(Stack(app, "One", env=US), "Signing")
    RegistrySigning(Stack(app, "OtherRegion", env=EU), "Signing")  # another registry
    RegistryScanning(Stack(app, "Scan", env=US), "Scanning")  # another kind of setting
    with pytest.raises(LambdaImageValidationError) as error:
        RegistrySigning(Stack(app, "Two", env=US), "Signing", signing_profile_arn=PROFILE)
    [problem] = error.value.problems
    assert problem.field == "RegistrySigning"
    assert "it already has One/Signing" in problem.accepted
    assert "ECR keeps one per registry" in problem.accepted


def test_signing_without_account_or_region_warns_that_it_cannot_check() -> None:
    stack = Stack(App(), "Agnostic")
    RegistrySigning(stack, "Signing")
    warnings = [
        str(m.data)
        for m in stack.node.find_child("Signing").node.metadata
        if m.type == "aws:cdk:warning"
    ]
    assert any("cannot be checked that this is the only RegistrySigning" in w for w in warnings)


@pytest.mark.parametrize(
    ("options", "fields"),
    [
        (
            {"signing_profile_arn": "arn:aws:signer:us-east-1:1:/signing-profiles/x"},
            ["signing_profile_arn"],
        ),
        ({"repository_filters": ["Platform/*"]}, ["repository_filters[0]"]),
        ({"repository_filters": []}, ["repository_filters"]),
        ({"repository_filters": ["a"] * 101}, ["repository_filters"]),
        (
            {"signing_profile_arn": "profile", "repository_filters": "platform/*"},
            ["signing_profile_arn", "repository_filters"],
        ),
    ],
)
def test_bad_signing_settings_are_refused_all_at_once(
    options: dict[str, Any], fields: list[str]
) -> None:
    with pytest.raises(LambdaImageValidationError) as error:
        RegistrySigning(Stack(App(), "Registry", env=US), "Signing", **options)
    assert [p.field for p in error.value.problems] == fields


def test_grant_sign_allows_sign_payload_on_the_profile_only() -> None:
    stack = Stack(App(), "Registry", env=US)
    signing = RegistrySigning(stack, "Signing", signing_profile_arn=PROFILE)
    role = iam.Role(stack, "Pusher", assumed_by=iam.AccountRootPrincipal())
    signing.grant_sign(role)
    policy = only_resource_of_type(template_of(stack), "AWS::IAM::Policy")["Properties"]
    assert policy["PolicyDocument"]["Statement"] == [
        {"Action": "signer:SignPayload", "Effect": "Allow", "Resource": PROFILE}
    ]


# --- PullThroughCache ---------------------------------------------------------------------


def test_the_cache_defaults_to_ecr_public_with_no_credential() -> None:
    stack = Stack(App(), "Registry", env=US)
    cache = PullThroughCache(stack, "Cache")
    template = template_of(stack)
    rule = only_resource_of_type(template, "AWS::ECR::PullThroughCacheRule")["Properties"]
    assert rule == {
        "EcrRepositoryPrefix": "ecr-public",
        "UpstreamRegistry": "ecr-public",
        "UpstreamRegistryUrl": "public.ecr.aws",
    }
    created = only_resource_of_type(template, "AWS::ECR::RepositoryCreationTemplate")["Properties"]
    assert created["Prefix"] == "ecr-public"
    assert created["AppliedFor"] == ["PULL_THROUGH_CACHE"]
    assert created["EncryptionConfiguration"] == {"EncryptionType": "KMS"}
    # AND a base image's name through the cache is the account's registry
    cached = resolve_intrinsics(
        stack.resolve(cache.cached_image("public.ecr.aws/lambda/python:3.12")), PSEUDO
    )
    assert (
        cached == f"{IMAGE_ACCOUNT}.dkr.ecr.us-east-1.amazonaws.com/ecr-public/lambda/python:3.12"
    )
    with pytest.raises(ValueError, match=r"is not an image of public\.ecr\.aws"):
        cache.cached_image("docker.io/library/python:3.12")


def test_an_upstream_that_needs_credentials_takes_a_secret() -> None:
    stack = Stack(App(), "Registry", env=US)
    secret = (
        f"arn:aws:secretsmanager:us-east-1:{IMAGE_ACCOUNT}:secret:ecr-pullthroughcache/hub-AbCdEf"
    )
    PullThroughCache(
        stack,
        "Hub",
        upstream_registry_url="registry-1.docker.io",
        ecr_repository_prefix="docker-hub",
        credential_arn=secret,
    )
    rule = only_resource_of_type(template_of(stack), "AWS::ECR::PullThroughCacheRule")
    assert rule["Properties"]["UpstreamRegistry"] == "docker-hub"
    assert rule["Properties"]["CredentialArn"] == secret


@pytest.mark.parametrize(
    ("options", "fields"),
    [
        ({"upstream_registry_url": "docker.io"}, ["upstream_registry_url"]),
        ({"ecr_repository_prefix": "Ecr"}, ["ecr_repository_prefix"]),
        ({"ecr_repository_prefix": "x"}, ["ecr_repository_prefix"]),
        ({"upstream_registry_url": "ghcr.io"}, ["credential_arn"]),
        ({"credential_arn": "arn:aws:secretsmanager:us-east-1:1:secret:x"}, ["credential_arn"]),
        (
            {
                "upstream_registry_url": "ghcr.io",
                "credential_arn": "a-secret",
                "ecr_repository_prefix": "/",
            },
            ["ecr_repository_prefix", "credential_arn"],
        ),
    ],
)
def test_bad_cache_settings_are_refused_all_at_once(
    options: dict[str, Any], fields: list[str]
) -> None:
    with pytest.raises(LambdaImageValidationError) as error:
        PullThroughCache(Stack(App(), "Registry", env=US), "Cache", **options)
    assert [p.field for p in error.value.problems] == fields


def test_one_cache_rule_per_prefix_and_registry() -> None:
    app = App()
    PullThroughCache(Stack(app, "One", env=US), "Cache")
    PullThroughCache(
        Stack(app, "Quay", env=US),
        "Cache",
        upstream_registry_url="quay.io",
        ecr_repository_prefix="quay",
    )  # another prefix
    PullThroughCache(Stack(app, "OtherRegion", env=EU), "Cache")  # another registry
    with pytest.raises(LambdaImageValidationError) as error:
        PullThroughCache(Stack(app, "Two", env=US), "Cache")
    [problem] = error.value.problems
    assert problem.field == "PullThroughCache[ecr-public]"
    assert "it already has One/Cache" in problem.accepted


def test_grant_pull_through_is_limited_to_the_cached_repositories() -> None:
    stack = Stack(App(), "Registry", env=US)
    cache = PullThroughCache(stack, "Cache")
    role = iam.Role(stack, "Builder", assumed_by=iam.AccountRootPrincipal())
    cache.grant_pull_through(role)
    [statement] = only_resource_of_type(template_of(stack), "AWS::IAM::Policy")["Properties"][
        "PolicyDocument"
    ]["Statement"]
    assert "ecr:BatchImportUpstreamImage" in statement["Action"]
    assert "ecr:CreateRepository" in statement["Action"]
    resource = resolve_intrinsics(statement["Resource"], {**PSEUDO, "AWS::AccountId": "x"})
    assert resource == f"arn:aws:ecr:us-east-1:{IMAGE_ACCOUNT}:repository/ecr-public/*"


def test_signing_and_the_cache_pass_the_compliance_packs_at_synth() -> None:
    app = new_app()  # the packs run at synth and fail it on any finding
    stack = Stack(app, "Registry", env=US)
    RegistrySigning(stack, "Signing")
    PullThroughCache(stack, "Cache")
    app.synth()


def example_app(signing: Any = "default") -> App:
    import json

    from app import build_app

    from .cdk_harness import cdk_json_context

    context = json.loads(json.dumps(cdk_json_context()))
    if signing != "default":
        context["lambda-image-constructs"]["imageAccount"]["signing"] = signing
    app = App(context=context)
    return build_app(app)


def test_the_example_app_signs_in_every_region_and_caches_in_the_image_region() -> None:
    app = example_app()
    app.synth()  # the packs run at synth and fail it on any finding
    stage = app.node.find_child("ImageAccount")
    home, other = (
        Template.from_stack(stage.node.find_child(name)).to_json()  # type: ignore[arg-type]
        for name in ("Repositories", "Repositories-eu-west-1")
    )
    for template in (home, other):
        only_resource_of_type(template, "AWS::ECR::SigningConfiguration")
        permission = only_resource_of_type(template, "AWS::Signer::ProfilePermission")
        assert permission["Properties"]["Action"] == "signer:SignPayload"
        assert "image-publishing-role" in json_text(permission["Properties"]["Principal"])
    only_resource_of_type(home, "AWS::ECR::PullThroughCacheRule")
    assert resources_of_type(other, "AWS::ECR::PullThroughCacheRule") == {}


def json_text(value: Any) -> str:
    import json

    return json.dumps(value)


def test_signing_turned_off_is_acknowledged_by_the_app_with_its_reason() -> None:
    from lambda_image_constructs.nag import LambdaContainerImageChecks

    from .cdk_harness import acknowledgements, nag_findings

    app = example_app(signing=False)
    assert [r for r, _ in nag_findings(app, LambdaContainerImageChecks())] == []
    reasons = {
        key: reason
        for key, reason in acknowledgements(app).items()
        if key.endswith("LambdaContainerImage-CrossAccountImageSigned")
    }
    assert reasons and all("imageAccount.signing: false" in r for r in reasons.values())


def test_signing_turned_off_is_acknowledged_in_pipeline_mode_too(tmp_path: Any) -> None:
    import json

    from app import build_app

    from .cdk_harness import acknowledgements, cdk_json_context

    # GIVEN the example configuration with signing off and a pipeline, in pipeline mode
    context = json.loads(json.dumps(cdk_json_context()))
    context["lambda-image-constructs"]["imageAccount"]["signing"] = False
    context["lambda-image-constructs"]["pipeline"] = {
        "account": "111111111111",
        "connectionArn": "arn:aws:codeconnections:us-east-1:111111111111:connection/abc",
        "repository": "example-org/lambda-platform",
    }
    app = build_app(App(context={**context, "pipeline": "true"}, outdir=str(tmp_path)))
    # THEN every consumer stage the pipeline deploys says why, as the direct deploy does
    acknowledged = {
        key.split(" ")[0].split("/")[1]
        for key, reason in acknowledgements(app).items()
        if key.endswith("LambdaContainerImage-CrossAccountImageSigned")
        and "imageAccount.signing: false" in reason
    }
    consumers = context["lambda-image-constructs"]["consumerAccounts"]
    assert acknowledged == {f"Consumer-{c['name']}" for c in consumers}


def test_without_signing_the_rule_flags_every_function_of_another_account() -> None:
    import json

    from lambda_image_constructs.nag import LambdaContainerImageChecks
    from lambda_image_constructs.org import ConsumerAccountStage, ImageAccountStage
    from lambda_image_constructs.org.config import parse_config

    from .cdk_harness import cdk_json_context, nag_findings

    # GIVEN the example configuration with signing off, its stages made without app.py
    document = json.loads(json.dumps(cdk_json_context()["lambda-image-constructs"]))
    document["imageAccount"]["signing"] = False
    config = parse_config(document, "test")
    app = App()
    images = ImageAccountStage(app, "ImageAccount", config=config)
    for consumer in config.consumer_accounts:
        ConsumerAccountStage(
            app, f"C-{consumer.name}", consumer=consumer, images=images.regional_images
        )
    # THEN every function is flagged: each runs the image account's images, unsigned
    flagged = [
        path
        for rule, path in nag_findings(app, LambdaContainerImageChecks())
        if rule == "LambdaContainerImage-CrossAccountImageSigned"
    ]
    functions = sum(len(c.functions) for c in config.consumer_accounts)
    assert len(flagged) == functions
