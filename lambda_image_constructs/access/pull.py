"""Who can pull an image from a repository: the questions the library asks of a repository
policy, each decided by :func:`evaluate.decide` for both actions of a pull
(``ecr:BatchGetImage`` and ``ecr:GetDownloadUrlForLayer``).

* A direct pull, by an account's principals or one role or user (CodeBuild, a developer, the
  account that creates and updates a function from the image).
* Lambda pulling for a function: the service principal ``lambda.amazonaws.com`` with
  ``aws:SourceArn`` the function's ARN and ``aws:SourceAccount`` its account.
* A function can run the image: Lambda may pull for it and, from another account, that account
  may pull too (the guide's ``CrossAccountPermission``, without which the function cannot be
  created); and the repository is in the function's Region, the only one Lambda pulls from.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..limits import ACCOUNT_ID
from ..policies import LAMBDA_PULL_ACTIONS, LAMBDA_SERVICE_PRINCIPAL
from .conditions import Answer, Context
from .evaluate import Decision, Request, decide
from .templates import FunctionRecord, RepositoryRecord, partition_of

NO_ORGANIZATION = ""
"""``organization_id`` for a principal whose account belongs to no AWS Organization."""

_ACCOUNT = ACCOUNT_ID
_ROOT = re.compile(rf"arn:(?P<partition>[a-z-]+):iam::(?P<account>{ACCOUNT_ID.pattern}):root")
_IDENTITY = re.compile(
    rf"arn:(?P<partition>[a-z-]+):iam::(?P<account>{ACCOUNT_ID.pattern}):(role|user)/\S+"
)
_FUNCTION = re.compile(
    rf"(?P<arn>arn:(?P<partition>[a-z-]+):lambda:(?P<region>[a-z0-9-]+):(?P<account>{ACCOUNT_ID.pattern})"
    r":function:(?P<name>[a-zA-Z0-9_-]{1,140}))(?::(?P<qualifier>[a-zA-Z0-9$_-]+))?"
)
PRINCIPAL_FORMS = (
    "a 12-digit account ID, an account root, role or user ARN"
    " ('arn:aws:iam::123456789012:role/name') or a function ARN"
    " ('arn:aws:lambda:us-east-1:123456789012:function:name')"
)


@dataclass(frozen=True)
class Principal:
    """Who asks: an account or one of its roles or users, or Lambda for a function."""

    kind: str  # "account", "identity" or "function"
    arn: str  # the account root, role, user or (unqualified) function ARN
    account: str
    partition: str | None  # None: a bare account ID, in the repository's partition
    region: str | None = None  # a function's Region
    name_known: bool = True  # False: a function whose name CloudFormation chooses


def account_principal(account: str) -> Principal:
    """An account (its root: any of its principals), in the repository's partition."""
    return Principal("account", account, account, None)


def function_principal(function: FunctionRecord) -> Principal:
    """A function of the assembly as a principal (its name unknown when CloudFormation
    chooses it: a condition on its ARN then cannot be decided)."""
    partition = partition_of(function.region)[0]
    name = function.name or "<a name CloudFormation chooses>"
    arn = f"arn:{partition}:lambda:{function.region}:{function.account}:function:{name}"
    return Principal(
        "function", arn, function.account, partition, function.region, function.name is not None
    )


def parse_principal(text: str) -> Principal:
    """A principal as ``can-pull --principal`` takes it; ``ValueError`` says what is taken."""
    if _ACCOUNT.fullmatch(text):
        return Principal("account", text, text, None)
    if match := _ROOT.fullmatch(text):
        return Principal("account", text, match["account"], match["partition"])
    if match := _IDENTITY.fullmatch(text):
        return Principal("identity", text, match["account"], match["partition"])
    if match := _FUNCTION.fullmatch(text):
        return Principal(
            "function", match["arn"], match["account"], match["partition"], match["region"]
        )
    raise ValueError(f"--principal must be {PRINCIPAL_FORMS}, got {text!r}")


@dataclass(frozen=True)
class PullCheck:
    """One request of a pull, decided for each action."""

    subject: str
    decisions: tuple[Decision, ...]
    note: str = ""
    refused: bool = False  # refused by a rule of the service, whatever the policy says

    @property
    def allowed(self) -> Answer:
        return False if self.refused else _all(d.allowed for d in self.decisions)


@dataclass(frozen=True)
class PullAnswer:
    """Whether a principal can pull from a repository, with each check that decided it."""

    principal: Principal
    repository: RepositoryRecord
    checks: tuple[PullCheck, ...]

    @property
    def allowed(self) -> Answer:
        return _all(c.allowed for c in self.checks)


def _all(answers: object) -> Answer:
    seen = list(answers)  # type: ignore[call-overload]
    return False if False in seen else None if None in seen else True


def _organization(
    key: str, organization_id: str | None
) -> tuple[dict[str, tuple[str, ...]], set[str]]:
    if organization_id is None:
        return {}, set()  # not known: a condition on it cannot be decided
    if organization_id == NO_ORGANIZATION:
        return {}, {key}
    return {key: (organization_id,)}, set()


def direct_pull(
    repository: RepositoryRecord, principal: Principal, organization_id: str | None = None
) -> PullCheck:
    """The principal's account (its root) or role or user pulls directly."""
    partition = principal.partition or repository.partition
    arn = principal.arn
    if principal.kind != "identity":
        arn = f"arn:{partition}:iam::{principal.account}:root"
    values, absent = _organization("aws:PrincipalOrgID", organization_id)
    context = Context(
        {
            **values,
            "aws:PrincipalAccount": (principal.account,),
            "aws:PrincipalArn": (arn,),
            "aws:PrincipalIsAWSService": ("false",),
        },
        frozenset({*absent, "aws:SourceArn", "aws:SourceAccount", "aws:SourceOrgID",
                   "aws:PrincipalServiceName"}),
    )  # fmt: skip
    decisions = tuple(
        decide(
            repository.policy,
            Request(
                action, arn, context, repository.arn, account=principal.account, partition=partition
            ),
        )
        for action in LAMBDA_PULL_ACTIONS
    )
    note = ""
    if principal.account == repository.account:
        note = "the repository's own account: its identity policies may allow this too"
    who = "account" if principal.kind != "identity" else "principal"
    return PullCheck(f"{who} {arn} pulling directly", decisions, note)


def lambda_pull(
    repository: RepositoryRecord, function: Principal, organization_id: str | None = None
) -> PullCheck:
    """Lambda (``lambda.amazonaws.com``) pulls for ``function``."""
    values, absent = _organization("aws:SourceOrgID", organization_id)
    if function.name_known:
        values["aws:SourceArn"] = (function.arn,)
    context = Context(
        {
            **values,
            "aws:SourceAccount": (function.account,),
            "aws:PrincipalIsAWSService": ("true",),
            "aws:PrincipalServiceName": (LAMBDA_SERVICE_PRINCIPAL,),
        },
        frozenset({*absent, "aws:PrincipalOrgID"}),  # a service is in no organisation
    )
    decisions = tuple(
        decide(
            repository.policy,
            Request(
                action,
                LAMBDA_SERVICE_PRINCIPAL,
                context,
                repository.arn,
                service=True,
                partition=repository.partition,
            ),
        )
        for action in LAMBDA_PULL_ACTIONS
    )
    return PullCheck(
        f"{LAMBDA_SERVICE_PRINCIPAL} pulling for {function.arn}"
        f" (aws:SourceArn, aws:SourceAccount {function.account})",
        decisions,
    )


def can_pull(
    repository: RepositoryRecord, principal: Principal, organization_id: str | None = None
) -> PullAnswer:
    """Whether ``principal`` can pull from ``repository`` by its policy (see the module)."""
    if principal.kind != "function":
        return PullAnswer(
            principal, repository, (direct_pull(repository, principal, organization_id),)
        )
    checks = [lambda_pull(repository, principal, organization_id)]
    if principal.account != repository.account:
        check = direct_pull(repository, account_principal(principal.account), organization_id)
        checks.append(
            PullCheck(
                f"{check.subject}, which creating and updating the function needs",
                check.decisions,
            )
        )
    if principal.region != repository.region:
        checks.append(
            PullCheck(
                f"a function in {principal.region} and a repository in {repository.region}",
                (),
                note="Lambda pulls only from a repository in the function's own Region",
                refused=True,
            )
        )
    return PullAnswer(principal, repository, tuple(checks))
