"""The repository policy evaluator against known answers: the AWS Lambda guide's policies and
the IAM User Guide's evaluation logic and condition operators. Pure Python, no synth."""

from __future__ import annotations

import json
from typing import Any

import pytest

from lambda_image_constructs.access import (
    NO_ORGANIZATION,
    Context,
    Request,
    Unknown,
    can_pull,
    decide,
    evaluate_condition,
    parse_principal,
)
from lambda_image_constructs.access.pull import direct_pull, lambda_pull
from lambda_image_constructs.access.templates import RepositoryRecord, StackEnvironment, resolve

from .test_repository_policy import guide_policy_examples

OWNER = "111122223333"  # the guide's repository owner
CONSUMER = "123456789012"  # the guide's consumer account
OTHER = "210987654321"
PULL = ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"]
LAMBDA = {"Service": "lambda.amazonaws.com"}


def repository(policy: Any, region: str = "us-east-1") -> RepositoryRecord:
    return RepositoryRecord("Stack", "Repo", OWNER, region, "hello-world", policy)


def guide_cross_account() -> dict[str, Any]:
    return next(
        e
        for e in guide_policy_examples()
        if any(s.get("Sid") == "CrossAccountPermission" for s in e.get("Statement", []))
    )


def guide_same_account() -> dict[str, Any]:
    [statement] = [
        e for e in guide_policy_examples() if e.get("Sid") == "LambdaECRImageRetrievalPolicy"
    ]
    return {"Version": "2012-10-17", "Statement": [statement]}


def pulls(policy: Any, principal: str, organization_id: str | None = None) -> bool | None:
    return can_pull(repository(policy), parse_principal(principal), organization_id).allowed


def fn(account: str, name: str = "hello", region: str = "us-east-1") -> str:
    return f"arn:aws:lambda:{region}:{account}:function:{name}"


# --- the guide's policies ---------------------------------------------------------------------


def test_the_guides_cross_account_policy() -> None:
    policy = guide_cross_account()
    # the consumer account, its roles and its functions in the Region can pull
    assert pulls(policy, CONSUMER) is True
    assert pulls(policy, f"arn:aws:iam::{CONSUMER}:root") is True
    assert pulls(policy, f"arn:aws:iam::{CONSUMER}:role/deployer") is True
    assert pulls(policy, fn(CONSUMER, "anything")) is True
    # nobody else: another account, its roles and functions, the consumer's functions in
    # another Region (the condition names us-east-1, and Lambda pulls only in its Region)
    assert pulls(policy, OTHER) is False
    assert pulls(policy, f"arn:aws:iam::{OTHER}:role/deployer") is False
    assert pulls(policy, fn(OTHER)) is False
    answer = can_pull(repository(policy), parse_principal(fn(CONSUMER, region="eu-west-1")))
    assert answer.allowed is False
    assert [c.allowed for c in answer.checks] == [False, True, False]
    # another partition's consumer root is another principal
    assert pulls(policy, f"arn:aws-cn:iam::{CONSUMER}:root") is False


def test_the_guides_same_account_statement_lets_lambda_pull_for_any_function() -> None:
    policy = guide_same_account()
    # unconditioned: the Lambda half holds for a function of any account ...
    other = lambda_pull(repository(policy), parse_principal(fn(OTHER)))
    assert other.allowed is True
    # ... but another account's function also needs that account to pull, which is not given
    assert pulls(policy, fn(OTHER)) is False
    assert pulls(policy, fn(OWNER)) is True
    # no statement names an account: direct pulls are the owner's identity policies' business
    check = direct_pull(repository(policy), parse_principal(OWNER))
    assert check.allowed is False and "own account" in check.note


def test_a_policy_as_json_text_decides_as_the_object() -> None:
    policy = guide_cross_account()
    for who in (CONSUMER, OTHER, fn(CONSUMER), fn(OTHER)):
        assert pulls(json.dumps(policy), who) == pulls(policy, who)


def test_no_policy_denies_and_a_broken_one_cannot_be_told() -> None:
    assert pulls(None, CONSUMER) is False
    assert pulls("{not json", CONSUMER) is None
    assert pulls({"Version": "2012-10-17"}, CONSUMER) is None


# --- evaluation logic ---------------------------------------------------------------------------


def org_policy(*extra: dict[str, Any]) -> dict[str, Any]:
    return {
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"AWS": "*"},
                "Action": PULL,
                "Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-abcdefghij"}},
            },
            *extra,
        ]
    }


def test_an_explicit_deny_wins_over_an_allow() -> None:
    deny_other = {
        "Effect": "Deny",
        "Principal": "*",
        "Action": "ecr:*",
        "Condition": {"StringNotEquals": {"aws:PrincipalAccount": CONSUMER}},
    }
    policy = org_policy(deny_other)
    assert pulls(policy, CONSUMER, "o-abcdefghij") is True
    answer = can_pull(repository(policy), parse_principal(OTHER), "o-abcdefghij")
    assert answer.allowed is False
    [decision, _] = answer.checks[0].decisions
    assert decision.outcome == "explicit deny"
    assert [v.effect for v in decision.deciding] == ["Deny"]


def test_organisation_membership_decides_and_is_never_guessed() -> None:
    policy = org_policy()
    assert pulls(policy, OTHER, "o-abcdefghij") is True
    assert pulls(policy, OTHER, "o-zzzzzzzzzz") is False
    assert pulls(policy, OTHER, NO_ORGANIZATION) is False
    assert pulls(policy, OTHER) is None  # the account's organisation is not known
    # a service principal belongs to no organisation: Lambda is not let in by it
    assert lambda_pull(repository(policy), parse_principal(fn(OTHER))).allowed is False


def test_not_principal_and_not_action() -> None:
    deny_all_but_consumer = {
        "Effect": "Deny",
        "NotPrincipal": {"AWS": f"arn:aws:iam::{CONSUMER}:root"},
        "Action": PULL,
    }
    allow_all_but_push = {
        "Effect": "Allow",
        "Principal": {"AWS": [CONSUMER, OTHER]},  # bare account IDs
        "NotAction": ["ecr:Put*", "ecr:*Upload*"],
    }
    policy = {"Statement": [allow_all_but_push, deny_all_but_consumer]}
    assert pulls(policy, CONSUMER) is True
    assert pulls(policy, OTHER) is False
    push = Request("ecr:PutImage", f"arn:aws:iam::{CONSUMER}:root", Context(), account=CONSUMER)
    assert decide(policy, push).outcome == "implicit deny"


@pytest.mark.parametrize(
    ("actions", "expected"),
    [
        ("ecr:*", True),
        ("*", True),
        (["ECR:batchgetimage", "ecr:getdownloadurlforlayer"], True),  # actions ignore case
        (["ecr:BatchGet?mage", "ecr:GetDownloadUrlFor*"], True),
        ("ecr:Get*", False),  # one of the two actions of a pull: no pull
        ("s3:*", False),
    ],
)
def test_actions_with_wildcards(actions: Any, expected: bool) -> None:
    policy = {"Statement": [{"Effect": "Allow", "Principal": {"AWS": CONSUMER}, "Action": actions}]}
    assert pulls(policy, CONSUMER) is expected


def test_a_role_principal_is_that_role_and_an_account_root_is_all_of_its_principals() -> None:
    role = f"arn:aws:iam::{CONSUMER}:role/builder"
    policy = {"Statement": [{"Effect": "Allow", "Principal": {"AWS": role}, "Action": PULL}]}
    assert pulls(policy, role) is True
    assert pulls(policy, f"arn:aws:iam::{CONSUMER}:role/other") is False
    assert pulls(policy, CONSUMER) is False  # not every principal of the account
    assert pulls(policy, fn(CONSUMER)) is False


def test_resource_elements_match_the_repository() -> None:
    arn = f"arn:aws:ecr:us-east-1:{OWNER}:repository/hello-world"
    for resource, expected in (
        (arn, True),
        ("arn:aws:ecr:*:*:repository/hello-*", True),
        (arn.upper(), False),
        ("arn:aws:ecr:*:*:repository/other", False),
    ):
        statement = {
            "Effect": "Allow",
            "Principal": {"AWS": CONSUMER},
            "Action": PULL,
            "Resource": resource,
        }
        assert pulls({"Statement": [statement]}, CONSUMER) is expected


# --- condition operators --------------------------------------------------------------------------

LAMBDA_CONTEXT = Context(
    {
        "aws:SourceArn": (fn(CONSUMER, "payments-api"),),
        "aws:SourceAccount": (CONSUMER,),
        "aws:PrincipalIsAWSService": ("true",),
    },
    frozenset({"aws:PrincipalOrgID"}),
)


def holds(block: Any, context: Context = LAMBDA_CONTEXT) -> bool | None:
    return evaluate_condition(block, context).answer


@pytest.mark.parametrize(
    ("block", "expected"),
    [
        # keys ignore case, values do not
        ({"StringEquals": {"AWS:SOURCEACCOUNT": CONSUMER}}, True),
        ({"StringLike": {"aws:sourcearn": "arn:aws:lambda:*:*:function:payments-*"}}, True),
        ({"StringLike": {"aws:SourceArn": "arn:aws:lambda:*:*:function:Payments-*"}}, False),
        ({"StringEqualsIgnoreCase": {"aws:SourceArn": fn(CONSUMER, "PAYMENTS-API")}}, True),
        ({"StringEquals": {"aws:SourceArn": "arn:aws:lambda:*"}}, False),  # no wildcards
        (
            {"StringLike": {"aws:SourceArn": "arn:aws:lambda:us-east-1:*:function:payments-ap?"}},
            True,
        ),
        # several values for a key: any one; several keys or operators: all
        ({"StringEquals": {"aws:SourceAccount": [OTHER, CONSUMER]}}, True),
        (
            {"StringEquals": {"aws:SourceAccount": CONSUMER}, "StringLike": {"aws:SourceArn": "x"}},
            False,
        ),
        # negated: none of the values
        ({"StringNotEquals": {"aws:SourceAccount": [OTHER, CONSUMER]}}, False),
        ({"StringNotLike": {"aws:SourceArn": "*:function:orders-*"}}, True),
        # ARNs are matched per part: a wildcard stays within its part
        ({"ArnLike": {"aws:SourceArn": "arn:aws:lambda:*:*:function:payments-*"}}, True),
        ({"ArnLike": {"aws:SourceArn": "arn:*:function:payments-api"}}, False),
        ({"StringLike": {"aws:SourceArn": "arn:*:function:payments-api"}}, True),
        ({"ArnEquals": {"aws:SourceArn": fn(CONSUMER, "payments-api")}}, True),
        ({"ArnNotEquals": {"aws:SourceArn": fn(CONSUMER, "payments-api")}}, False),
        ({"ArnNotLike": {"aws:SourceArn": "arn:aws:lambda:*:*:function:orders-*"}}, True),
        ({"ArnLike": {"aws:SourceAccount": CONSUMER}}, False),  # not an ARN
        ({"Bool": {"aws:PrincipalIsAWSService": "TRUE"}}, True),
        ({"Bool": {"aws:PrincipalIsAWSService": False}}, False),
        # a key the request does not hold
        ({"StringEquals": {"aws:PrincipalOrgID": "o-abcdefghij"}}, False),
        ({"StringNotEquals": {"aws:PrincipalOrgID": "o-abcdefghij"}}, True),
        ({"StringEqualsIfExists": {"aws:PrincipalOrgID": "o-abcdefghij"}}, True),
        ({"StringEqualsIfExists": {"aws:SourceAccount": OTHER}}, False),
        ({"Null": {"aws:PrincipalOrgID": "true"}}, True),
        ({"Null": {"aws:PrincipalOrgID": "false"}}, False),
        ({"Null": {"aws:SourceAccount": "true"}}, False),
        ({"ForAnyValue:StringEquals": {"aws:PrincipalOrgID": "o-abcdefghij"}}, False),
        ({"ForAllValues:StringEquals": {"aws:PrincipalOrgID": "o-abcdefghij"}}, True),
        ({"ForAnyValue:StringLike": {"aws:SourceAccount": ["1*", "9*"]}}, True),
        ({"ForAllValues:StringNotEquals": {"aws:SourceAccount": OTHER}}, True),
        # what is not understood is said so, unless another part is already false
        ({"NumericLessThan": {"aws:SourceAccount": "5"}}, None),
        ({"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}}, None),
        ({"StringEquals": {"aws:SourceVpc": "vpc-1"}}, None),
        ({"StringEquals": {"aws:SourceAccount": "${aws:PrincipalAccount}"}}, None),
        ({"StringEquals": {"aws:SourceAccount": {"Fn::ImportValue": "x"}}}, None),
        ({"StringEquals": {"aws:SourceVpc": "vpc-1", "aws:SourceAccount": OTHER}}, False),
        ({"stringequals": {"aws:SourceAccount": CONSUMER}}, None),
        (None, True),
    ],
)
def test_condition_operators(block: Any, expected: bool | None) -> None:
    assert holds(block) is expected


def test_an_unknown_deny_keeps_the_answer_open_and_an_unknown_allow_too() -> None:
    allow = {"Effect": "Allow", "Principal": {"AWS": CONSUMER}, "Action": PULL}
    odd_deny = {
        "Effect": "Deny",
        "Principal": "*",
        "Action": PULL,
        "Condition": {"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}},
    }
    assert pulls({"Statement": [allow, odd_deny]}, CONSUMER) is None
    odd_allow = {**allow, "Principal": {"AWS": Unknown("Fn::ImportValue Consumer")}}
    assert pulls({"Statement": [odd_allow]}, CONSUMER) is None
    assert pulls({"Statement": [{**allow, "Effect": "Maybe"}]}, CONSUMER) is None
    # the service principal and {"AWS": "*"}: services differ, so not told
    star = {"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": PULL}
    assert (
        lambda_pull(repository({"Statement": [star]}), parse_principal(fn(OWNER))).allowed is None
    )
    assert (
        lambda_pull(
            repository({"Statement": [{**star, "Principal": "*"}]}), parse_principal(fn(OWNER))
        ).allowed
        is True
    )


def test_principals_are_taken_in_every_form_and_nothing_else() -> None:
    for text in (
        CONSUMER,
        f"arn:aws:iam::{CONSUMER}:root",
        f"arn:aws:iam::{CONSUMER}:user/a",
        fn(CONSUMER),
        fn(CONSUMER) + ":live",
    ):
        principal = parse_principal(text)
        assert principal.account == CONSUMER
    assert parse_principal(fn(CONSUMER) + ":live").arn == fn(CONSUMER)
    for bad in ("12345", "arn:aws:s3:::bucket", "*", f"arn:aws:iam::{CONSUMER}:group/x"):
        with pytest.raises(ValueError, match="--principal must be"):
            parse_principal(bad)


# --- intrinsic functions -----------------------------------------------------------------------


def test_intrinsics_resolve_with_the_stacks_environment() -> None:
    resources = {
        "Role": {"Type": "AWS::IAM::Role", "Properties": {"RoleName": "builder", "Path": "/ci/"}},
        "Generated": {"Type": "AWS::IAM::Role", "Properties": {}},
        "Fn": {"Type": "AWS::Lambda::Function", "Properties": {"FunctionName": "api"}},
    }
    env = StackEnvironment("Stack", OWNER, "cn-north-1", resources)
    value = resolve(
        {
            "join": {
                "Fn::Join": [
                    "",
                    [
                        "arn:",
                        {"Ref": "AWS::Partition"},
                        ":iam::",
                        {"Ref": "AWS::AccountId"},
                        ":root",
                    ],
                ]
            },
            "sub": {"Fn::Sub": "${AWS::Region}.${AWS::URLSuffix}/${Fn}/${!Literal}"},
            "vars": {"Fn::Sub": ["${A}-${Role.Arn}", {"A": {"Ref": "AWS::StackName"}}]},
            "role": {"Fn::GetAtt": ["Role", "Arn"]},
            "function": {"Fn::GetAtt": "Fn.Arn"},
            "select": {"Fn::Select": [1, ["a", {"Ref": "AWS::Region"}]]},
        },
        env,
    )
    assert value == {
        "join": f"arn:aws-cn:iam::{OWNER}:root",
        "sub": "cn-north-1.amazonaws.com.cn/api/${Literal}",
        "vars": f"Stack-arn:aws-cn:iam::{OWNER}:role/ci/builder",
        "role": f"arn:aws-cn:iam::{OWNER}:role/ci/builder",
        "function": f"arn:aws-cn:lambda:cn-north-1:{OWNER}:function:api",
        "select": "cn-north-1",
    }
    for unknowable in (
        {"Fn::GetAtt": ["Generated", "Arn"]},
        {"Ref": "Parameter"},
        {"Fn::ImportValue": "x"},
        {"Fn::Join": ["", [{"Ref": "Generated"}]]},
    ):
        assert isinstance(resolve(unknowable, env), Unknown)
    agnostic = StackEnvironment("Stack", None, None, {})
    assert isinstance(resolve({"Ref": "AWS::AccountId"}, agnostic), Unknown)
