"""Repository policy documents for Lambda container images, built as plain Python values.

The statements are the ones of the AWS Lambda guide "Working with Lambda container images":

* ``LambdaECRImageRetrievalPolicy`` - same account: the Lambda service may read the image.
* ``CrossAccountPermission`` - each consumer account's principals may read the image, which is
  what lets that account create and update functions from it.
* ``LambdaECRImageCrossAccountRetrievalPolicy`` - the Lambda service may read the image on behalf
  of the consumer accounts' functions only (``aws:sourceARN``), for optimisation and caching.

Building the document as one dict and handing it to CloudFormation in one property set costs
one jsii call, where ``PolicyStatement`` objects cost several per account.
No jsii here: everything is testable and fast.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from .limits import LONGEST_PARTITION, LONGEST_REGION, REPOSITORY_POLICY_MAX_CHARS

LAMBDA_SERVICE_PRINCIPAL = "lambda.amazonaws.com"
# The two actions of the guide; Lambda needs nothing else to pull an image.
LAMBDA_PULL_ACTIONS = ("ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer")
# What the guide says whoever creates a function from the image must be allowed.
FUNCTION_DEPLOYER_ACTIONS = ("ecr:GetRepositoryPolicy", "ecr:SetRepositoryPolicy")

# What the CDK asset publisher (cdk-assets) needs on a destination repository; the same list the
# bootstrap template grants its image-publishing role on the bootstrap repository.
CDK_ASSET_PUBLISHING_ACTIONS = (
    "ecr:DescribeRepositories",
    "ecr:DescribeImages",
    "ecr:BatchCheckLayerAvailability",
    "ecr:InitiateLayerUpload",
    "ecr:UploadLayerPart",
    "ecr:CompleteLayerUpload",
    "ecr:PutImage",
    "ecr:BatchGetImage",
    "ecr:GetDownloadUrlForLayer",
)

SAME_ACCOUNT_SID = "LambdaECRImageRetrievalPolicy"
CROSS_ACCOUNT_SID = "CrossAccountPermission"
CROSS_ACCOUNT_LAMBDA_SID = "LambdaECRImageCrossAccountRetrievalPolicy"
ORGANIZATION_SID = "OrganizationPermission"
ORGANIZATION_LAMBDA_SID = "LambdaECRImageOrganizationRetrievalPolicy"

# For sizing when the account is only known at deploy time (the partition and Region are
# limits.LONGEST_PARTITION and LONGEST_REGION then).
_SIZING_ACCOUNT = "123456789012"


@dataclass(frozen=True)
class RepositoryPolicyInputs:
    """Everything the repository policy depends on.

    ``partition``, ``region`` and ``owner_account`` may be unresolved token strings (an
    environment-agnostic stack); they are only interpolated, never inspected.
    ``consumers`` maps a consumer account ID to its function name patterns.
    """

    partition: str
    region: str
    owner_account: str
    same_account_access: bool
    same_account_source_arn_condition: bool
    consumers: Mapping[str, Sequence[str]]
    organization_id: str | None
    extra_statements: Sequence[Mapping[str, Any]] = ()


def _actions() -> list[str]:
    return list(LAMBDA_PULL_ACTIONS)


def _lambda_function_arn(inputs: RepositoryPolicyInputs, account: str, pattern: str) -> str:
    return f"arn:{inputs.partition}:lambda:{inputs.region}:{account}:function:{pattern}"


def _one_or_list(values: list[str]) -> str | list[str]:
    # IAM accepts both forms; a single value stays a string, as in the guide's example.
    return values[0] if len(values) == 1 else values


def build_repository_policy(inputs: RepositoryPolicyInputs) -> dict[str, Any] | None:
    """The repository policy document, or ``None`` when it would have no statement."""
    statements: list[dict[str, Any]] = []
    if inputs.same_account_access:
        statement: dict[str, Any] = {
            "Sid": SAME_ACCOUNT_SID,
            "Effect": "Allow",
            "Principal": {"Service": LAMBDA_SERVICE_PRINCIPAL},
            "Action": _actions(),
        }
        if inputs.same_account_source_arn_condition:
            statement["Condition"] = {
                "StringLike": {
                    "aws:sourceARN": _lambda_function_arn(inputs, inputs.owner_account, "*")
                }
            }
        statements.append(statement)

    accounts = sorted(inputs.consumers)
    if accounts:
        statements.append(
            {
                "Sid": CROSS_ACCOUNT_SID,
                "Effect": "Allow",
                "Action": _actions(),
                "Principal": {
                    "AWS": _one_or_list([f"arn:{inputs.partition}:iam::{a}:root" for a in accounts])
                },
            }
        )
        source_arns = [
            _lambda_function_arn(inputs, account, pattern)
            for account in accounts
            for pattern in sorted(set(inputs.consumers[account]))
        ]
        statements.append(
            {
                "Sid": CROSS_ACCOUNT_LAMBDA_SID,
                "Effect": "Allow",
                "Action": _actions(),
                "Principal": {"Service": LAMBDA_SERVICE_PRINCIPAL},
                "Condition": {"StringLike": {"aws:sourceARN": _one_or_list(source_arns)}},
            }
        )

    if inputs.organization_id:
        # IAM has no organisation principal: the principal must be "*" narrowed by the condition.
        statements.append(
            {
                "Sid": ORGANIZATION_SID,
                "Effect": "Allow",
                "Action": _actions(),
                "Principal": {"AWS": "*"},
                "Condition": {"StringEquals": {"aws:PrincipalOrgID": inputs.organization_id}},
            }
        )
        statements.append(
            {
                "Sid": ORGANIZATION_LAMBDA_SID,
                "Effect": "Allow",
                "Action": _actions(),
                "Principal": {"Service": LAMBDA_SERVICE_PRINCIPAL},
                "Condition": {
                    "StringEquals": {"aws:SourceOrgID": inputs.organization_id},
                    "StringLike": {
                        "aws:sourceARN": _lambda_function_arn(inputs, "*", "*"),
                    },
                },
            }
        )

    for extra in inputs.extra_statements:
        if extra not in statements:
            statements.append(dict(extra))

    if not statements:
        return None
    return {"Version": "2012-10-17", "Statement": statements}


def policy_text_length(policy: Mapping[str, Any]) -> int:
    """Characters of the policy as CloudFormation sends it to ECR (compact JSON)."""
    return len(json.dumps(policy, separators=(",", ":")))


def worst_case_inputs(
    inputs: RepositoryPolicyInputs, *, region_known: bool
) -> RepositoryPolicyInputs:
    """The same inputs with the longest partition, and the longest Region unless it is known."""
    return RepositoryPolicyInputs(
        partition=LONGEST_PARTITION,
        region=inputs.region if region_known else LONGEST_REGION,
        owner_account=_SIZING_ACCOUNT,
        same_account_access=inputs.same_account_access,
        same_account_source_arn_condition=inputs.same_account_source_arn_condition,
        consumers=inputs.consumers,
        organization_id=inputs.organization_id,
        extra_statements=inputs.extra_statements,
    )


def consumers_that_fit(inputs: RepositoryPolicyInputs, *, region_known: bool) -> int:
    """How many of the consumer accounts (in sorted order) fit ECR's policy size limit."""
    worst = worst_case_inputs(inputs, region_known=region_known)
    accounts = sorted(worst.consumers)
    low, high = 0, len(accounts)
    # Size grows monotonically with the number of accounts: binary search the largest that fits.
    while low < high:
        middle = (low + high + 1) // 2
        subset = {a: worst.consumers[a] for a in accounts[:middle]}
        candidate = build_repository_policy(
            RepositoryPolicyInputs(**{**worst.__dict__, "consumers": subset})
        )
        if candidate is None or policy_text_length(candidate) <= REPOSITORY_POLICY_MAX_CHARS:
            low = middle
        else:
            high = middle - 1
    return low


def function_deployer_policy(repository_arn: str) -> dict[str, Any]:
    """Identity policy for whoever creates functions from this repository's images."""
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "LambdaFunctionDeployerRepositoryPolicyAccess",
                "Effect": "Allow",
                "Action": list(FUNCTION_DEPLOYER_ACTIONS),
                "Resource": repository_arn,
            }
        ],
    }
