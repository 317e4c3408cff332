"""LambdaImageRepository's resource policy against the AWS Lambda guide."""

from __future__ import annotations

import json
from typing import Any

import pytest
from aws_cdk import Acknowledgment, App, Environment, Stack, Validations
from aws_cdk import aws_iam as iam

from lambda_image_constructs import (
    ConsumerAccount,
    LambdaImageRepository,
    LambdaImageValidationError,
    policies,
)

from .cdk_harness import (
    CONSUMER_A,
    CONSUMER_B,
    IMAGE_ACCOUNT,
    PROJECT_ROOT,
    new_app,
    new_stack,
    only_resource_of_type,
    resolve_intrinsics,
    template_of,
)

GUIDE = PROJECT_ROOT / "docs" / "reference" / "lambda-container-images.txt"
SHARED_GUIDE = PROJECT_ROOT.parent / "shared" / "reference" / "lambda-container-images.txt"


def guide_policy_examples() -> list[dict[str, Any]]:
    """Every JSON object in the guide's text, with the lost service principal filled in."""
    text = GUIDE.read_text().replace('"Service": ""', '"Service": "lambda.amazonaws.com"')
    decoder = json.JSONDecoder()
    found, position = [], 0
    while (start := text.find("{", position)) != -1:
        try:
            value, end = decoder.raw_decode(text, start)
        except json.JSONDecodeError:
            position = start + 1
            continue
        found.append(value)
        position = end
    return found


def repository_policy(stack: Stack) -> dict[str, Any]:
    repository = only_resource_of_type(template_of(stack), "AWS::ECR::Repository")
    return repository["Properties"]["RepositoryPolicyText"]


def statements_by_sid(policy: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {s["Sid"]: s for s in policy["Statement"]}


def test_reference_copy_matches_shared_reference() -> None:
    if not SHARED_GUIDE.exists():
        pytest.skip(f"{SHARED_GUIDE} is only beside the project's own checkouts")
    assert GUIDE.read_text() == SHARED_GUIDE.read_text()


def test_statements_equal_the_guide_examples_for_one_account() -> None:
    # GIVEN the guide's two examples: the minimal same-account statement and the cross-account
    # policy for account 123456789012 in us-east-1
    examples = guide_policy_examples()
    same_account = next(e for e in examples if e.get("Sid") == "LambdaECRImageRetrievalPolicy")
    cross_account = next(
        e
        for e in examples
        if "Statement" in e
        and any(s.get("Sid") == "CrossAccountPermission" for s in e["Statement"])
    )
    # WHEN a repository in us-east-1 is shared with that account
    stack = new_stack(account="111122223333", region="us-east-1")
    LambdaImageRepository(stack, "Repo", consumer_accounts=["123456789012"])
    policy = resolve_intrinsics(repository_policy(stack), {"AWS::Partition": "aws"})
    # THEN its cross-account statements are the guide's, field for field, and its same-account
    # statement is the guide's narrowed to the owner's functions: unconditioned, it would let
    # Lambda pull for any account's functions and the cross-account condition restrict nothing
    assert policy["Statement"][1:] == cross_account["Statement"]
    assert policy["Version"] == cross_account["Version"]
    owner_only = {
        "StringLike": {"aws:sourceARN": "arn:aws:lambda:us-east-1:111122223333:function:*"}
    }
    assert policy["Statement"][0] == {**same_account, "Condition": owner_only}
    # WHEN it is not shared THEN the same-account statement is exactly the guide's
    alone = new_stack(account="111122223333", region="us-east-1")
    LambdaImageRepository(alone, "Repo")
    [statement] = resolve_intrinsics(repository_policy(alone), {})["Statement"]
    assert statement == same_account


def test_several_accounts_are_two_statements_sorted_and_deduplicated() -> None:
    stack = new_stack()
    repo = LambdaImageRepository(
        stack, "Repo", consumer_accounts=[CONSUMER_B, CONSUMER_A, CONSUMER_B, IMAGE_ACCOUNT]
    )
    repo.add_consumer_account("444444444444", function_name_pattern="payments-*")
    repo.add_consumer_account(CONSUMER_A)
    statements = statements_by_sid(repository_policy(stack))
    assert sorted(statements) == sorted(
        [
            "LambdaECRImageRetrievalPolicy",
            "CrossAccountPermission",
            "LambdaECRImageCrossAccountRetrievalPolicy",
        ]
    )
    # the owning account is never a consumer; the rest in account order
    assert statements["CrossAccountPermission"]["Principal"]["AWS"] == [
        f"arn:aws:iam::{CONSUMER_A}:root",
        f"arn:aws:iam::{CONSUMER_B}:root",
        "arn:aws:iam::444444444444:root",
    ]
    assert statements["LambdaECRImageCrossAccountRetrievalPolicy"]["Condition"] == {
        "StringLike": {
            "aws:sourceARN": [
                f"arn:aws:lambda:us-east-1:{CONSUMER_A}:function:*",
                f"arn:aws:lambda:us-east-1:{CONSUMER_B}:function:*",
                "arn:aws:lambda:us-east-1:444444444444:function:payments-*",
            ]
        }
    }
    assert repo.consumer_account_ids == (CONSUMER_A, CONSUMER_B, "444444444444")


def test_order_of_declaration_does_not_change_the_policy() -> None:
    accounts = [f"{n:012d}" for n in (987654321098, 222222222222, 555555555555, 100000000001)]

    def policy_for(order: list[str]) -> dict[str, Any]:
        stack = new_stack()
        repo = LambdaImageRepository(stack, "Repo", consumer_accounts=order[:2])
        repo.add_consumer_accounts(order[2:])
        return repository_policy(stack)

    assert policy_for(accounts) == policy_for(list(reversed(accounts)))


@pytest.mark.parametrize(
    ("region", "partition"), [("cn-north-1", "aws-cn"), ("us-gov-west-1", "aws-us-gov")]
)
def test_arns_use_the_partition_of_the_region(region: str, partition: str) -> None:
    stack = new_stack(region=region)
    LambdaImageRepository(stack, "Repo", consumer_accounts=[CONSUMER_A])
    statements = statements_by_sid(repository_policy(stack))
    assert statements["CrossAccountPermission"]["Principal"]["AWS"] == (
        f"arn:{partition}:iam::{CONSUMER_A}:root"
    )
    assert statements["LambdaECRImageCrossAccountRetrievalPolicy"]["Condition"]["StringLike"] == {
        "aws:sourceARN": f"arn:{partition}:lambda:{region}:{CONSUMER_A}:function:*"
    }


def test_environment_agnostic_stack_takes_partition_and_region_at_deploy_time() -> None:
    stack = new_stack(account=None, region=None)
    LambdaImageRepository(
        stack, "Repo", consumer_accounts=[CONSUMER_A], same_account_source_arn_condition=True
    )
    policy = repository_policy(stack)
    statements = statements_by_sid(policy)
    source_arn = statements["LambdaECRImageCrossAccountRetrievalPolicy"]["Condition"]["StringLike"][
        "aws:sourceARN"
    ]
    assert {"Ref": "AWS::Partition"} in source_arn["Fn::Join"][1]
    assert {"Ref": "AWS::Region"} in source_arn["Fn::Join"][1]
    resolved = resolve_intrinsics(
        policy,
        {
            "AWS::Partition": "aws-cn",
            "AWS::Region": "cn-northwest-1",
            "AWS::AccountId": "999999999999",
        },
    )
    by_sid = statements_by_sid(resolved)
    assert by_sid["LambdaECRImageCrossAccountRetrievalPolicy"]["Condition"]["StringLike"] == {
        "aws:sourceARN": f"arn:aws-cn:lambda:cn-northwest-1:{CONSUMER_A}:function:*"
    }
    assert by_sid["LambdaECRImageRetrievalPolicy"]["Condition"]["StringLike"] == {
        "aws:sourceARN": "arn:aws-cn:lambda:cn-northwest-1:999999999999:function:*"
    }


def test_same_account_statement_is_unconditioned_by_default() -> None:
    # Lambda adds exactly this statement itself when it is missing; anything else would drift.
    stack = new_stack()
    LambdaImageRepository(stack, "Repo")
    assert repository_policy(stack)["Statement"] == [
        {
            "Sid": "LambdaECRImageRetrievalPolicy",
            "Effect": "Allow",
            "Principal": {"Service": "lambda.amazonaws.com"},
            "Action": ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"],
        }
    ]


def test_same_account_statement_can_be_narrowed_to_own_functions() -> None:
    stack = new_stack()
    LambdaImageRepository(stack, "Repo", same_account_source_arn_condition=True)
    statement = repository_policy(stack)["Statement"][0]
    assert statement["Condition"] == {
        "StringLike": {"aws:sourceARN": f"arn:aws:lambda:us-east-1:{IMAGE_ACCOUNT}:function:*"}
    }


def test_no_statements_means_no_policy() -> None:
    stack = new_stack()
    LambdaImageRepository(stack, "Repo", same_account_access=False)
    repository = only_resource_of_type(template_of(stack), "AWS::ECR::Repository")
    assert "RepositoryPolicyText" not in repository["Properties"]


def test_organization_option_grants_through_principal_org_id() -> None:
    stack = new_stack()
    repo = LambdaImageRepository(stack, "Repo", organization_id="o-abcdef1234")
    statements = statements_by_sid(repository_policy(stack))
    assert statements["OrganizationPermission"]["Principal"] == {"AWS": "*"}
    assert statements["OrganizationPermission"]["Condition"] == {
        "StringEquals": {"aws:PrincipalOrgID": "o-abcdef1234"}
    }
    lambda_statement = statements["LambdaECRImageOrganizationRetrievalPolicy"]
    assert lambda_statement["Principal"] == {"Service": "lambda.amazonaws.com"}
    assert lambda_statement["Condition"]["StringEquals"] == {"aws:SourceOrgID": "o-abcdef1234"}
    assert repo.allows_pulls_from("999999999999")


def accounts(count: int) -> list[str]:
    return [f"{100000000000 + n:012d}" for n in range(count)]


def test_policy_size_limit_names_how_many_accounts_fit() -> None:
    # GIVEN the number of accounts that fits in the longest partition
    fit = policies.consumers_that_fit(
        policies.RepositoryPolicyInputs(
            partition="aws",
            region="us-gov-west-1",
            owner_account=IMAGE_ACCOUNT,
            same_account_access=True,
            same_account_source_arn_condition=True,  # the default when shared
            consumers={a: ["*"] for a in accounts(200)},
            organization_id=None,
        ),
        region_known=True,
    )
    assert 50 < fit < 200
    # WHEN exactly that many are listed THEN the policy synthesizes within ECR's limit
    stack = new_stack(region="us-gov-west-1")
    LambdaImageRepository(stack, "Repo", consumer_accounts=accounts(fit))
    assert policies.policy_text_length(repository_policy(stack)) <= 10_240
    # WHEN one more is listed THEN synth fails, saying how many fit and what to do instead
    with pytest.raises(LambdaImageValidationError) as raised:
        LambdaImageRepository(
            new_stack(region="us-gov-west-1"), "Repo", consumer_accounts=accounts(fit + 1)
        )
    message = str(raised.value)
    assert f"{fit} of the {fit + 1} accounts fit" in message
    assert "10,240" in message and "organization_id" in message


def test_adding_past_the_size_limit_fails_and_keeps_the_policy() -> None:
    stack = new_stack(account=None, region=None)
    repo = LambdaImageRepository(stack, "Repo", consumer_accounts=accounts(10))
    with pytest.raises(LambdaImageValidationError, match="accounts fit"):
        repo.add_consumer_accounts(accounts(300))
    assert len(repo.consumer_account_ids) == 10


def test_a_grant_cannot_push_the_policy_over_the_limit() -> None:
    inputs = policies.RepositoryPolicyInputs(
        partition="aws", region="us-east-1", owner_account=IMAGE_ACCOUNT,
        same_account_access=True, same_account_source_arn_condition=True,
        consumers={a: ["*"] for a in accounts(200)}, organization_id=None,
    )  # fmt: skip
    fit = policies.consumers_that_fit(inputs, region_known=True)
    repo = LambdaImageRepository(new_stack(), "Repo", consumer_accounts=accounts(fit))
    with pytest.raises(LambdaImageValidationError, match="accounts fit"):
        repo.allow_cdk_asset_publishing()
    assert "CdkImageAssetPublishing" not in json.dumps(repository_policy(repo.node.scope))


def test_bad_input_is_reported_all_at_once() -> None:
    with pytest.raises(LambdaImageValidationError) as raised:
        LambdaImageRepository(
            new_stack(),
            "Repo",
            repository_name="Platform/Images",
            consumer_accounts=["12345", ConsumerAccount("222222222222", "pay ments/*")],
            organization_id="o-ABC",
            untagged_image_expiry_days=0,
        )
    error = raised.value
    fields = [p.field for p in error.problems]
    assert fields == [
        "repository_name",
        "consumer_accounts[0].account_id",
        "consumer_accounts[1].function_name_pattern",
        "organization_id",
        "untagged_image_expiry_days",
    ]
    message = str(error)
    assert "TestStack/Repo" in message and "5 invalid inputs" in message
    assert "consumer_accounts[0].account_id must be a 12-digit AWS account ID" in message
    assert "got '12345'" in message and "got 'o-ABC'" in message and "got 0" in message
    assert isinstance(error, ValueError)


def test_add_consumer_account_rejects_bad_ids() -> None:
    repo = LambdaImageRepository(new_stack(), "Repo")
    with pytest.raises(LambdaImageValidationError, match=r"got '2222'"):
        repo.add_consumer_account("2222")
    assert repo.consumer_account_ids == ()


def test_grants_for_principals_without_identity_policy_join_the_one_policy() -> None:
    stack = new_stack()
    repo = LambdaImageRepository(stack, "Repo", consumer_accounts=[CONSUMER_A])
    publisher = f"arn:aws:iam::{IMAGE_ACCOUNT}:role/cdk-hnb659fds-image-publishing-role"
    repo.grant_push(iam.ArnPrincipal(publisher))
    statements = repository_policy(stack)["Statement"]
    assert [s.get("Sid") for s in statements[:3]] == [
        "LambdaECRImageRetrievalPolicy",
        "CrossAccountPermission",
        "LambdaECRImageCrossAccountRetrievalPolicy",
    ]
    push = statements[3]
    assert push["Principal"] == {"AWS": publisher}
    assert "ecr:PutImage" in push["Action"] and "Resource" not in push


def test_function_deployer_grant_is_exactly_get_and_set_repository_policy() -> None:
    stack = new_stack()
    repo = LambdaImageRepository(stack, "Repo", repository_name="platform/images")
    role = iam.Role(stack, "Deployer", assumed_by=iam.AccountRootPrincipal())
    repo.grant_function_deployer(role)
    Validations.of(role).acknowledge(
        Acknowledgment(
            id="NIST.800.53.R5-IAMNoInlinePolicy",
            reason="Test fixture: this role exists only to receive the grant under test.",
        )
    )
    policy = only_resource_of_type(template_of(stack), "AWS::IAM::Policy")
    [statement] = policy["Properties"]["PolicyDocument"]["Statement"]
    assert statement["Action"] == ["ecr:GetRepositoryPolicy", "ecr:SetRepositoryPolicy"]
    assert statement["Resource"]["Fn::GetAtt"][1] == "Arn"


def test_function_deployer_policy_document_for_another_account() -> None:
    repo = LambdaImageRepository(
        new_stack(region="eu-west-1"), "Repo", repository_name="platform/images"
    )
    assert repo.function_deployer_policy_document() == {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "LambdaFunctionDeployerRepositoryPolicyAccess",
                "Effect": "Allow",
                "Action": ["ecr:GetRepositoryPolicy", "ecr:SetRepositoryPolicy"],
                "Resource": f"arn:aws:ecr:eu-west-1:{IMAGE_ACCOUNT}:repository/platform/images",
            }
        ],
    }


def test_function_deployer_policy_document_needs_a_known_arn() -> None:
    repo = LambdaImageRepository(new_stack(account=None, region=None), "Repo")
    with pytest.raises(LambdaImageValidationError) as raised:
        repo.function_deployer_policy_document()
    assert [p.field for p in raised.value.problems] == ["repository_name", "stack environment"]


def test_snapshot_of_a_repository_shared_with_two_accounts(template_snapshot: Any) -> None:
    app = new_app()
    stack = Stack(app, "SharedImages", env=Environment(account=IMAGE_ACCOUNT, region="eu-west-1"))
    LambdaImageRepository(
        stack,
        "LambdaImages",
        repository_name="platform/lambda-images",
        consumer_accounts=[CONSUMER_B, CONSUMER_A],
    )
    assert template_of(stack) == template_snapshot


def test_app_fixture_uses_cdk_json_context() -> None:
    app: App = new_app()
    assert app.node.try_get_context("@aws-cdk/core:validateAgainstDefaultRules") is True


def test_a_misspelt_option_is_refused_with_the_closest_one() -> None:
    with pytest.raises(LambdaImageValidationError) as raised:
        LambdaImageRepository(new_stack(), "Repo", consumer_acounts=["222222222222"])  # type: ignore[call-arg]
    (problem,) = raised.value.problems
    assert problem.field == "consumer_acounts"
    assert "did you mean 'consumer_accounts'?" in str(problem)


@pytest.mark.parametrize(
    ("region", "words"),
    [
        ("xx-nowhere-9", "must be an AWS Region that exists"),
        ("cn-north-1", "must be in the partition of the repository's Region us-east-1 (aws)"),
    ],
)
def test_a_copy_goes_only_to_an_existing_region_of_the_same_partition(
    region: str, words: str
) -> None:
    with pytest.raises(LambdaImageValidationError) as raised:
        LambdaImageRepository(new_stack(), "Repo", repository_name="platform/x", regions=[region])
    (problem,) = raised.value.problems
    assert problem.field == "regions[0]" and words in str(problem)
