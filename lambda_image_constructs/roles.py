"""Roles whose permissions all live in one customer managed policy of their own: no inline
policy, and (where the library makes the role) no AWS managed policy."""

from __future__ import annotations

import contextlib
import json
import re
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from aws_cdk import aws_iam as iam
from constructs import Construct

from .errors import Problems

AWS_MANAGED_POLICY_ARN = ":iam::aws:policy/"
# IAM's limit for a managed policy document is 6,144 characters (whitespace aside); statements
# go to the next policy of the role well before it, since tokens only get their length at deploy.
POLICY_BUDGET = 5_000
TOKEN_LENGTH = 120  # what an ARN or name behind a token may take, counted generously
_TOKEN = re.compile(r"\$\{Token\[[^\]]*\]\}")


def estimated_length(value: Any) -> int:
    """A policy part's length as IAM counts it, each unresolved token as TOKEN_LENGTH."""
    text = json.dumps(value, separators=(",", ":"))
    return len(_TOKEN.sub("x" * TOKEN_LENGTH, text))


def identity_policy_errors(statement: Mapping[str, Any]) -> list[str]:
    """What IAM refuses in an identity-based policy statement (aws-cdk-lib's
    ``validate_for_identity_policy``, read from the statement's JSON in one round trip)."""
    errors = []
    if "Action" not in statement and "NotAction" not in statement:
        errors.append("A PolicyStatement must specify at least one 'action' or 'notAction'.")
    if "Principal" in statement or "NotPrincipal" in statement:
        errors.append(
            "A PolicyStatement used in an identity-based policy cannot specify any IAM principals."
        )
    if "Resource" not in statement and "NotResource" not in statement:
        errors.append(
            "A PolicyStatement used in an identity-based policy must specify at least one resource."
        )
    return errors


class PolicyOfItsOwnRole(iam.Role):
    """A role whose grants (``add_to_principal_policy``: ``bucket.grant_read(role)``, an
    aws-cdk-lib construct granting itself what it needs) land in ``policy``, a customer managed
    policy attached to this role only, created with ``statements`` (as IAM JSON: the whole
    document is handed to Node at once)."""

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        assumed_by: iam.IPrincipal,
        description: str,
        policy_id: str,
        policy_description: str,
        statements: Sequence[Mapping[str, Any]],
        managed_policies: Sequence[iam.IManagedPolicy] = (),
    ) -> None:
        super().__init__(
            scope,
            id,
            assumed_by=assumed_by,
            description=description,
            managed_policies=list(managed_policies) or None,
        )
        self.policy = iam.ManagedPolicy(
            self,
            policy_id,
            description=policy_description,
            roles=[self],
            document=iam.PolicyDocument.from_json(
                {"Version": "2012-10-17", "Statement": list(statements)}
            ),
        )
        self.policies: list[iam.ManagedPolicy] = [self.policy]
        """The role's policies: the first, then more as grants fill them (IAM's size limit)."""
        self._policy_id, self._policy_description = policy_id, policy_description
        self._room = POLICY_BUDGET - 200 * len(statements)

    def add_to_principal_policy(
        self, statement: iam.PolicyStatement
    ) -> iam.AddToPrincipalPolicyResult:
        as_json = statement.to_statement_json()  # one round trip, then read in Python
        narrowed = self._narrowed(as_json)
        if narrowed is not None:
            statement, as_json = iam.PolicyStatement.from_json(narrowed), narrowed
        elsewhere = self._granted_elsewhere(as_json)
        if elsewhere is not None:
            return iam.AddToPrincipalPolicyResult(statement_added=True, policy_dependable=elsewhere)
        errors = identity_policy_errors(as_json)
        if errors:
            problems = Problems()
            for error in errors:
                problems.add("statement", as_json, f"is refused: {error}")
            problems.raise_if_any(f"role {self.node.path}")
        needed = estimated_length(as_json)
        if needed > self._room:
            # the next policy of this role, as aws-cdk-lib's roles open OverflowPolicy<n>
            self.policies.append(
                iam.ManagedPolicy(
                    self,
                    f"{self._policy_id}{len(self.policies) + 1}",
                    description=f"{self._policy_description} (continued)",
                    roles=[self],
                )
            )
            self._room = POLICY_BUDGET
        self._room -= needed
        current = self.policies[-1]
        current.add_statements(statement)
        return iam.AddToPrincipalPolicyResult(statement_added=True, policy_dependable=current)

    def _granted_elsewhere(self, statement: Mapping[str, Any]) -> iam.ManagedPolicy | None:
        """A policy that already grants ``statement``, attached instead of adding it."""
        return None

    def _narrowed(self, statement: Mapping[str, Any]) -> Mapping[str, Any] | None:
        """The same grant on fewer resources, added instead of ``statement``."""
        return None


class DeploymentRole(PolicyOfItsOwnRole):
    """CodeDeploy's role for one function's deployment group.

    aws-cdk-lib's deployment group attaches the AWS managed AWSCodeDeployRoleForLambdaLimited
    to whatever role it is given: that policy is not attached here, since ``statements``
    already grant what CodeDeploy needs, on this function's resources only. Its grant of the
    traffic hooks (``<hook ARN>`` and ``<hook ARN>:*``) is narrowed to the hook itself:
    CodeDeploy invokes a hook by its name, so no version of it needs the permission."""

    @contextlib.contextmanager
    def attaching_only_its_own(self) -> Iterator[None]:
        """While the deployment group is made: every managed policy it attaches is AWS's (not
        even read: two round trips a function)."""
        self._group_being_made = True
        try:
            yield
        finally:
            self._group_being_made = False

    def add_managed_policy(self, policy: iam.IManagedPolicy) -> None:
        if self.__dict__.get("_group_being_made"):
            return
        if AWS_MANAGED_POLICY_ARN in policy.managed_policy_arn:
            return
        super().add_managed_policy(policy)

    def _granted_elsewhere(self, statement: Mapping[str, Any]) -> iam.ManagedPolicy | None:
        resources = statement.get("Resource")
        if statement.get("Action") != "lambda:InvokeFunction" or not isinstance(resources, list):
            return None
        unqualified = [r for r in resources if f"{r}:*" in resources]
        if not unqualified or len(unqualified) * 2 != len(resources):
            return None
        self.policy.add_statements(
            iam.PolicyStatement.from_json(
                {"Effect": "Allow", "Action": "lambda:InvokeFunction", "Resource": unqualified}
            )
        )
        return self.policy
