"""``LambdaImageRepository``: the ECR repository that Lambda functions, here and in other accounts,
pull their images from."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any, TypedDict, cast

from aws_cdk import (
    Acknowledgment,
    DefaultStackSynthesizer,
    Environment,
    RemovalPolicy,
    Stack,
    Validations,
)
from aws_cdk import aws_ecr as ecr
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk.region_info import RegionInfo
from constructs import Construct
from typing_extensions import Unpack

from . import deferred, invariants, policies
from .errors import LambdaImageValidationError, Problems
from .limits import (
    LIFECYCLE_DAYS,
    LONGEST_PARTITION,
    MAX_TAG_EXCLUSIONS,
    REGION,
    REPOSITORY_POLICY_MAX_CHARS,
    partition_of,
)
from .option_types import check_arguments, check_fields, check_options
from .quotas import register_quota_checks
from .tokens import is_unresolved
from .validation import (
    check_account_id,
    check_function_name_pattern,
    check_int_range,
    check_organization_id,
    check_qualifier,
    check_repository_name,
    check_tag_exclusion_filter,
)

DEFAULT_UNTAGGED_IMAGE_EXPIRY_DAYS = 14


@dataclass(frozen=True)
class ConsumerAccount:
    """An account whose Lambda functions may use this repository's images.

    ``function_name_pattern`` narrows which of its functions the Lambda service may pull for
    (``aws:sourceARN``); IAM wildcards ``*`` and ``?`` are allowed. Default: all its functions.
    Its fields' types are checked at once; its values where a repository is given it.
    """

    account_id: str
    function_name_pattern: str = "*"

    def __post_init__(self) -> None:
        check_fields(self)


class LambdaImageRepositoryOptions(TypedDict, total=False):
    """The options of ``LambdaImageRepository``, each declared once; defaults in
    ``REPOSITORY_DEFAULTS``."""

    repository_name: str | None
    """The ECR repository name. Default: a name CloudFormation generates (then
    ``function_deployer_policy_document`` is unavailable, since another account cannot know the
    name)."""
    consumer_accounts: Sequence[str | ConsumerAccount]
    """Accounts whose functions may use the images, as account IDs or ``ConsumerAccount`` values.
    Default: none. More can be added with ``add_consumer_account``. The owning account is never
    listed as a consumer."""
    organization_id: str | None
    """Grant pulls to every account of this AWS Organization (``o-...``) through
    ``aws:PrincipalOrgID``. Default: no organisation-wide grant. The guide recommends listing
    accounts instead; see docs/design.md for the trade-off."""
    same_account_access: bool
    """Add the guide's same-account statement. Default: ``True``."""
    same_account_source_arn_condition: bool | None
    """Narrow the same-account statement to this account's functions with ``aws:sourceARN``, as the
    CDK bootstrap repository does. Default: narrowed whenever the repository is shared beyond
    its account (consumer accounts or an organisation): an unconditioned statement for
    ``lambda.amazonaws.com`` would let Lambda pull for functions of any account and make the
    cross-account statement's condition restrict nothing. Not shared: the guide's statement
    exactly as Lambda would add it."""
    immutable_tags: bool
    """Tags cannot be overwritten. Default: ``True``. Set ``False`` only for repositories whose
    tags are meant to move; functions should then use digests."""
    mutable_tag_patterns: Sequence[str]
    """Tag wildcard patterns (1 to 5) exempt from immutability, for example ``['latest',
    'dev-*']``. Default: none."""
    scan_on_push: bool
    """Scan images for vulnerabilities on push. Default: ``True``."""
    encryption_key: kms.IKey | None
    """A customer managed KMS key. Default: KMS encryption with the AWS managed ``aws/ecr`` key."""
    untagged_image_expiry_days: int
    """Untagged images are expired this many days after their push. Tagged images are never
    expired. Default: 14. Never while an ``ImageFunction`` of the same app may run an untagged
    image of this repository (one that references it by digest, or by a tag that can move): ECR
    cannot tell which untagged image a function runs, and Lambda fails a function whose image is
    deleted, so then untagged images are kept."""
    archive_unpulled_after_days: int | None
    """Move images not pulled for this many days to ECR's archive storage class (its
    ``sinceImagePulled`` rule; archived images cannot be pulled until restored). Lambda pulls an
    image when it creates or optimises a function, not on every invocation, so this is for
    repositories whose images run elsewhere: it is not applied while an ``ImageFunction`` of the
    same app uses the repository. Default: none."""
    removal_policy: RemovalPolicy
    """What happens to the repository when it leaves the stack.
    Default: ``RemovalPolicy.RETAIN``."""
    empty_on_delete: bool
    """Delete the images when the repository is deleted; requires ``RemovalPolicy.DESTROY``.
    Default: ``False``."""
    regions: Sequence[str]
    """More Regions where functions run this repository's images (Lambda only pulls from ECR in its
    own Region): a copy of this repository, with the same settings and consumers, is made in a
    stack of each (``<stack id>-<Region>``, beside this repository's stack), and a
    ``LambdaImage`` published here is published into each copy too. Default: none."""


REPOSITORY_DEFAULTS: LambdaImageRepositoryOptions = {
    "repository_name": None,
    "consumer_accounts": (),
    "organization_id": None,
    "same_account_access": True,
    "same_account_source_arn_condition": None,
    "immutable_tags": True,
    "mutable_tag_patterns": (),
    "scan_on_push": True,
    "encryption_key": None,
    "untagged_image_expiry_days": DEFAULT_UNTAGGED_IMAGE_EXPIRY_DAYS,
    "archive_unpulled_after_days": None,
    "removal_policy": RemovalPolicy.RETAIN,
    "empty_on_delete": False,
    "regions": (),
}


def _check_settings(problems: Problems, settings: LambdaImageRepositoryOptions) -> list[str]:
    """The problems of the options that need neither the stack nor the consumers (checked
    beside); returns the Regions listed."""
    if settings["organization_id"] is not None:
        check_organization_id(problems, "organization_id", settings["organization_id"])
    for field in ("untagged_image_expiry_days", "archive_unpulled_after_days"):
        value = settings[field]
        if value is not None or field == "untagged_image_expiry_days":
            check_int_range(problems, field, value, *LIFECYCLE_DAYS, "days")
    patterns = settings["mutable_tag_patterns"]
    patterns = [patterns] if isinstance(patterns, str) else list(patterns)
    if patterns and not settings["immutable_tags"]:
        problems.add(
            "mutable_tag_patterns",
            patterns,
            "only applies to immutable tags; leave it empty when immutable_tags=False",
        )
    if len(patterns) > MAX_TAG_EXCLUSIONS:
        problems.add(
            "mutable_tag_patterns", patterns, f"must hold at most {MAX_TAG_EXCLUSIONS} patterns"
        )
    for index, pattern in enumerate(patterns):
        check_tag_exclusion_filter(problems, f"mutable_tag_patterns[{index}]", pattern)
    if settings["empty_on_delete"] and settings["removal_policy"] != RemovalPolicy.DESTROY:
        problems.add(
            "empty_on_delete",
            settings["empty_on_delete"],
            "requires removal_policy=RemovalPolicy.DESTROY (repositories are retained by"
            " default so that deleting a stack never deletes images functions run)",
        )
    regions = settings["regions"]
    return [regions] if isinstance(regions, str) else list(regions)


@cache
def _known_regions() -> frozenset[str]:
    """The Regions aws-cdk-lib knows (one jsii call per process)."""
    return frozenset(r.name for r in RegionInfo.regions)


def _check_regions(problems: Problems, regions: list[str], home: str | None) -> None:
    """Each listed Region exists, is listed once, and is in the home Region's partition (a
    repository cannot be copied across partitions: they share no accounts)."""
    home_partition = partition_of(home)[0] if home else None
    for index, value in enumerate(regions):
        field = f"regions[{index}]"
        if not isinstance(value, str) or not REGION.fullmatch(value):
            problems.add(field, value, "must be an AWS Region such as 'eu-west-1'")
        elif value in regions[:index]:
            problems.add(field, value, "must be listed once")
        elif value not in _known_regions():
            problems.add(
                field, value, "must be an AWS Region that exists (aws-cdk-lib's RegionInfo)"
            )
        elif home_partition and partition_of(value)[0] != home_partition:
            problems.add(
                field,
                value,
                f"must be in the partition of the repository's Region {home} ({home_partition}):"
                " partitions share no accounts",
            )


class _PolicyOwnedRepository(ecr.Repository):
    """An ECR repository whose resource policy is rendered by its ``LambdaImageRepository``.

    Every ``add_to_resource_policy`` - from our grants or from aws-cdk-lib internals such as
    ``grant_pull`` for a principal in another account - lands in the one policy we render,
    instead of being overwritten by it.
    """

    owner: LambdaImageRepository | None = None

    def add_to_resource_policy(
        self, statement: iam.PolicyStatement
    ) -> iam.AddToResourcePolicyResult:
        if self.owner is None:  # pragma: no cover - only before the owner wires itself in
            return super().add_to_resource_policy(statement)
        self.owner._add_statement_json(statement.to_statement_json())
        return iam.AddToResourcePolicyResult(statement_added=True)


class LambdaImageRepository(Construct):
    """An ECR repository for Lambda container images with the AWS guide's repository policies.

    Secure by default: immutable tags, scan on push, KMS encryption, retained on stack deletion,
    and a lifecycle policy that only ever expires *untagged* images.

    The resource policy holds, in this order:

    * ``LambdaECRImageRetrievalPolicy`` (unless ``same_account_access=False``): exactly the
      statement Lambda would add by itself when a function in this account is created, so a
      deploy never makes the policy drift.
    * ``CrossAccountPermission`` and ``LambdaECRImageCrossAccountRetrievalPolicy`` when there are
      consumer accounts: two statements however many accounts, accounts sorted and deduplicated.
    * ``OrganizationPermission`` and ``LambdaECRImageOrganizationRetrievalPolicy`` when
      ``organization_id`` is given.
    * Statements added through grants (``grant_pull``, ``grant_push``) for principals that need a
      resource policy.
    """

    def __init__(
        self, scope: Construct, id: str, **options: Unpack[LambdaImageRepositoryOptions]
    ) -> None:
        """See ``LambdaImageRepositoryOptions`` for each option, its default and its use."""
        super().__init__(scope, id)
        self._build(**options)

    def _build(self, **options: Unpack[LambdaImageRepositoryOptions]) -> None:
        """The constructor once the construct exists (again without the wrong options, when
        the app reports every problem at synth: ``deferred``)."""
        problems = Problems()
        check_options(problems, LambdaImageRepositoryOptions, options)
        subject = f"LambdaImageRepository {self.node.path}"
        rebuild = deferred.Rebuild(subject, self, self, options, self._build)
        if rebuild.without(problems):  # raised, or reported at synth: made without them
            return
        register_quota_checks(self)
        settings: LambdaImageRepositoryOptions = {**REPOSITORY_DEFAULTS, **options}
        check_repository_name(problems, "repository_name", settings["repository_name"])
        consumers = self._normalise_consumers(
            problems, "consumer_accounts", settings["consumer_accounts"]
        )
        regions = _check_settings(problems, settings)
        self._locate()
        _check_regions(problems, regions, self._region if self._region_known else None)
        self._same_account_access = settings["same_account_access"]
        self._same_account_source_arn_condition = settings["same_account_source_arn_condition"]
        self._organization_id = settings["organization_id"]
        self.immutable_tags = settings["immutable_tags"]
        """Whether tags are immutable (exclusion patterns aside)."""
        self._consumers: dict[str, set[str]] = {}
        self._extra_statements: list[dict[str, Any]] = []
        self._merge_consumers(consumers)
        self._check_size(problems, "consumer_accounts")
        self._check_invariants(problems, "same_account_source_arn_condition", settings)
        if rebuild.without(problems):
            return

        repository = self._make_repository(settings)
        self.repository: ecr.Repository = repository
        """The ECR repository."""
        self.repository_name: str = settings["repository_name"] or repository.repository_name
        self._untagged_image_expiry_days = settings["untagged_image_expiry_days"]
        self._archive_unpulled_after_days = settings["archive_unpulled_after_days"]
        self._tags_can_move = not self.immutable_tags or bool(settings["mutable_tag_patterns"])
        self._used_by_tag = self._used_by_digest = False
        self._render_lifecycle()
        self.regional_copies: dict[str, LambdaImageRepository] = {}
        """The copies of this repository in its other ``regions``, by Region."""
        if regions:
            copied = {k: v for k, v in options.items() if k != "regions"}
            self._make_regional_copies(regions, cast(LambdaImageRepositoryOptions, copied))
        if self._organization_id is not None:
            Validations.of(repository).acknowledge(
                Acknowledgment(
                    id="AwsSolutions-ECR1",
                    reason=(
                        f"organization_id={self._organization_id} was chosen: the Principal"
                        " '*' of the OrganizationPermission statement is narrowed to accounts"
                        " of that organisation by aws:PrincipalOrgID, the only way IAM can"
                        " name an organisation."
                    ),
                )
            )
        self._render()

    def _locate(self) -> None:
        """The stack's account, Region and partition, read once."""
        stack = Stack.of(self)
        self._stack = stack
        self._region: str = stack.region
        self._region_known = not is_unresolved(self._region)
        partition = RegionInfo.get(self._region).partition if self._region_known else None
        self._partition: str = partition or stack.partition
        self._account: str = stack.account
        self._owner_account: str | None = None if is_unresolved(self._account) else self._account

    def _make_repository(self, settings: LambdaImageRepositoryOptions) -> _PolicyOwnedRepository:
        patterns = list(settings["mutable_tag_patterns"])
        if not settings["immutable_tags"]:
            mutability = ecr.TagMutability.MUTABLE
        elif patterns:
            mutability = ecr.TagMutability.IMMUTABLE_WITH_EXCLUSION
        else:
            mutability = ecr.TagMutability.IMMUTABLE
        repository = _PolicyOwnedRepository(
            self,
            "Resource",
            repository_name=settings["repository_name"],
            image_tag_mutability=mutability,
            image_tag_mutability_exclusion_filters=(
                [ecr.ImageTagMutabilityExclusionFilter.wildcard(p) for p in patterns] or None
            ),
            image_scan_on_push=settings["scan_on_push"],
            encryption=ecr.RepositoryEncryption.KMS,
            encryption_key=settings["encryption_key"],
            removal_policy=settings["removal_policy"],
            empty_on_delete=settings["empty_on_delete"] or None,
        )
        repository.owner = self
        self._cfn: ecr.CfnRepository = repository.node.default_child  # type: ignore[assignment]
        return repository

    # -- consumers --------------------------------------------------------------------------

    @staticmethod
    def _normalise_consumers(
        problems: Problems, field: str, consumers: Iterable[str | ConsumerAccount]
    ) -> list[ConsumerAccount]:
        result: list[ConsumerAccount] = []
        for index, consumer in enumerate(consumers):
            item = consumer if isinstance(consumer, ConsumerAccount) else ConsumerAccount(consumer)
            check_account_id(problems, f"{field}[{index}].account_id", item.account_id)
            check_function_name_pattern(
                problems, f"{field}[{index}].function_name_pattern", item.function_name_pattern
            )
            result.append(item)
        return result

    def _merge_consumers(self, consumers: Iterable[ConsumerAccount]) -> None:
        for consumer in consumers:
            if consumer.account_id == self._owner_account:
                continue  # same-account access is the first statement's job
            self._consumers.setdefault(consumer.account_id, set()).add(
                consumer.function_name_pattern
            )

    def add_consumer_account(self, account_id: str, *, function_name_pattern: str = "*") -> None:
        """Let functions of ``account_id`` (optionally only those matching
        ``function_name_pattern``) use this repository's images.

        Adding an account twice is harmless; adding it with a second pattern allows both.
        """
        self.add_consumer_accounts([ConsumerAccount(account_id, function_name_pattern)])

    def add_consumer_accounts(self, consumers: Sequence[str | ConsumerAccount]) -> None:
        """Add several consumer accounts at once (one policy render for all of them)."""
        subject = f"LambdaImageRepository {self.node.path}: add_consumer_accounts"
        check_arguments(
            subject, LambdaImageRepository.add_consumer_accounts, {"consumers": consumers}
        )
        problems = Problems()
        for copy in getattr(self, "regional_copies", {}).values():
            copy.add_consumer_accounts(consumers)
        normalised = self._normalise_consumers(problems, "consumer_accounts", consumers)
        problems.raise_if_any(f"LambdaImageRepository {self.node.path}: add_consumer_account")
        previous = {account: set(patterns) for account, patterns in self._consumers.items()}
        self._merge_consumers(normalised)
        size_problems = Problems()
        self._check_size(size_problems, "consumer_accounts")
        self._check_invariants(size_problems, "consumer_accounts")
        if size_problems:
            self._consumers = previous
            size_problems.raise_if_any(
                f"LambdaImageRepository {self.node.path}: add_consumer_account"
            )
        self._render()

    @property
    def consumer_account_ids(self) -> tuple[str, ...]:
        """The consumer accounts, sorted."""
        return tuple(sorted(self._consumers))

    @property
    def organization_id(self) -> str | None:
        return self._organization_id

    @property
    def owner_account(self) -> str | None:
        """The account that owns the repository, or ``None`` when the stack is
        environment-agnostic."""
        return self._owner_account

    @property
    def region(self) -> str:
        """The repository's Region (a token when the stack is environment-agnostic)."""
        return self._region

    def allows_pulls_from(self, account_id: str) -> bool:
        """Whether functions in ``account_id`` may use this repository's images.

        Org-wide grants are assumed to cover any account: membership cannot be known at synth.
        """
        if account_id == self._owner_account:
            return self._same_account_access
        return account_id in self._consumers or self._organization_id is not None

    def function_name_patterns(self, account_id: str) -> frozenset[str]:
        """The function name patterns listed for ``account_id`` (empty if not listed)."""
        return frozenset(self._consumers.get(account_id, ()))

    # -- grants -----------------------------------------------------------------------------

    def grant_pull(self, grantee: iam.IGrantable) -> iam.Grant:
        """Let ``grantee`` (a CI role, for example) pull images."""
        grant = self._through_cdk  # the grantee checked, our error raised as ours
        return grant(
            LambdaImageRepository.grant_pull, grantee, lambda: self.repository.grant_pull(grantee)
        )

    def grant_push(self, grantee: iam.IGrantable) -> iam.Grant:
        """Let ``grantee`` push images; for a principal without an identity policy of ours
        (an ``ArnPrincipal``), the grant is a statement of this repository's policy."""
        grant = self._through_cdk
        return grant(
            LambdaImageRepository.grant_push, grantee, lambda: self.repository.grant_push(grantee)
        )

    def allow_cdk_asset_publishing(self, *, qualifier: str | None = None) -> str:
        """Let the CDK bootstrap image-publishing role of this account and Region push images
        here (and each regional copy's role there), so stacks using
        ``image_publishing_synthesizer`` publish their image assets into this repository.
        Returns the role ARN.

        :param qualifier: The bootstrap qualifier. Default: the ``@aws-cdk/core:bootstrapQualifier``
            context value, else CDK's default.
        """
        subject = f"LambdaImageRepository {self.node.path}: allow_cdk_asset_publishing"
        method = LambdaImageRepository.allow_cdk_asset_publishing
        check_arguments(subject, method, {"qualifier": qualifier})
        problems = Problems()
        check_qualifier(problems, qualifier)
        problems.raise_if_any(subject)
        for copy in self.regional_copies.values():
            copy.allow_cdk_asset_publishing(qualifier=qualifier)
        qualifier = (
            qualifier
            or self.node.try_get_context("@aws-cdk/core:bootstrapQualifier")
            or DefaultStackSynthesizer.DEFAULT_QUALIFIER
        )
        role_arn = (
            f"arn:{self._partition}:iam::{self._account}:role/cdk-{qualifier}"
            f"-image-publishing-role-{self._account}-{self._region}"
        )
        self._add_statement_json(
            {
                "Sid": "CdkImageAssetPublishing",
                "Effect": "Allow",
                "Principal": {"AWS": role_arn},
                # What cdk-assets does with a destination repository: find it, check whether
                # the tag exists, push the layers and the manifest.
                "Action": list(policies.CDK_ASSET_PUBLISHING_ACTIONS),
            }
        )
        return role_arn

    def grant_function_deployer(self, grantee: iam.IGrantable) -> iam.Grant:
        """Grant exactly what the guide says whoever creates a function from these images
        needs: ``ecr:GetRepositoryPolicy`` and ``ecr:SetRepositoryPolicy`` on this repository."""
        return iam.Grant.add_to_principal(
            grantee=grantee,
            actions=list(policies.FUNCTION_DEPLOYER_ACTIONS),
            resource_arns=[self.repository.repository_arn],
        )

    def function_deployer_policy_document(self) -> dict[str, Any]:
        """The same permissions as ``grant_function_deployer``, as an identity policy document
        (plain JSON) for a role in another account.

        The repository ARN must be known at synth, so this needs ``repository_name`` and a stack
        with an explicit account and Region.
        """
        problems = Problems()
        if is_unresolved(self.repository_name):
            problems.add(
                "repository_name",
                None,
                "must be set for a policy document used in another account",
            )
        if self._owner_account is None or not self._region_known:
            problems.add(
                "stack environment",
                {"account": self._account, "region": self._region},
                "must name an account and a Region for a policy document used in another account",
            )
        problems.raise_if_any(
            f"LambdaImageRepository {self.node.path}: function_deployer_policy_document"
        )
        arn = (
            f"arn:{self._partition}:ecr:{self._region}:{self._owner_account}"
            f":repository/{self.repository_name}"
        )
        return policies.function_deployer_policy(arn)

    # -- policy -----------------------------------------------------------------------------

    def _policy_inputs(self) -> policies.RepositoryPolicyInputs:
        return policies.RepositoryPolicyInputs(
            partition=self._partition,
            region=self._region,
            owner_account=self._account,
            same_account_access=self._same_account_access,
            same_account_source_arn_condition=(
                self._same_account_source_arn_condition
                if self._same_account_source_arn_condition is not None
                else bool(self._consumers or self._organization_id)
            ),
            consumers={a: sorted(p) for a, p in self._consumers.items()},
            organization_id=self._organization_id,
            extra_statements=self._extra_statements,
        )

    def _check_size(self, problems: Problems, field: str) -> None:
        inputs = self._policy_inputs()
        worst = policies.worst_case_inputs(inputs, region_known=self._region_known)
        policy = policies.build_repository_policy(worst)
        if policy is None:
            return
        length = policies.policy_text_length(policy)
        if length <= REPOSITORY_POLICY_MAX_CHARS:
            return
        fit = policies.consumers_that_fit(inputs, region_known=self._region_known)
        problems.add(
            field,
            f"{len(self._consumers)} accounts",
            f"must fit ECR's repository policy limit of {REPOSITORY_POLICY_MAX_CHARS:,}"
            f" characters; the policy would be {length:,} characters in the"
            f" {LONGEST_PARTITION} partition, and {fit} of the"
            f" {len(self._consumers)} accounts fit. Grant the whole AWS Organization with"
            " organization_id='o-...' instead of listing every account",
        )

    def _check_invariants(
        self, problems: Problems, field: str, settings: LambdaImageRepositoryOptions | None = None
    ) -> None:
        policy = policies.build_repository_policy(self._policy_inputs())
        if policy is not None and "{Token[" in json.dumps(policy):
            policy = self._stack.resolve(policy)  # a grant's principal (a service's name)
        shared = bool(self._consumers or self._organization_id)
        invariants.check_repository_policy(problems, field, policy, shared=shared)
        if settings is not None:  # what the constructor is given
            key = settings.get("encryption_key")
            invariants.check_same_region(problems, "encryption_key", key, self._region)
            invariants.claim_name(problems, "repository_name", self, kind="ECR repository",
                                  name=settings.get("repository_name"),
                                  account=self._account, region=self._region)  # fmt: skip

    def _through_cdk(
        self, method: Callable[..., Any], grantee: Any, grant: Callable[[], iam.Grant]
    ) -> iam.Grant:
        # aws-cdk-lib adds a grant's statement through a callback into Python, where our error
        # reaches jsii and comes back wrapped: raise it as it was.
        subject = f"LambdaImageRepository {self.node.path}: {method.__name__}"
        check_arguments(subject, method, {"grantee": grantee})
        self._refused: LambdaImageValidationError | None = None
        try:
            return grant()
        except RuntimeError:
            if self._refused is not None:
                raise self._refused from None
            raise

    def _add_statement_json(self, statement: Mapping[str, Any]) -> None:
        self._extra_statements.append(dict(statement))
        problems = Problems()
        self._check_size(problems, "consumer_accounts")
        self._check_invariants(problems, "grant (a statement of the repository policy)")
        if problems:
            # A grant must not push a policy that fitted over ECR's limit at deploy time, nor
            # break a safety invariant.
            self._extra_statements.pop()
            self._refused = LambdaImageValidationError(
                f"LambdaImageRepository {self.node.path}: adding a statement", list(problems)
            )
            raise self._refused
        self._render()

    def _make_regional_copies(
        self, regions: list[str], settings: LambdaImageRepositoryOptions
    ) -> None:
        stack = self._stack
        problems = Problems()
        if stack.region in regions:
            problems.add("regions", stack.region, "must not list the repository's own Region")
        if settings.get("encryption_key") is not None:
            problems.add(
                "encryption_key",
                "a KMS key",
                "must be left out with regions: a KMS key"
                " is in one Region; make a LambdaImageRepository in each Region with its"
                " own key instead",
            )
        if deferred.reported(problems, f"LambdaImageRepository {self.node.path}", self):
            return  # reported at synth: made as without regions
        holder = cast(Construct, stack.node.scope)
        for region in regions:
            name = f"{stack.node.id}-{region}"
            found = holder.node.try_find_child(name)  # shared by the stack's repositories
            copy_stack = (
                found
                if isinstance(found, Stack)
                else Stack(
                    holder,
                    name,
                    env=Environment(
                        account=None if is_unresolved(self._account) else self._account,
                        region=region,
                    ),
                    description=f"Copy in {region} of the repositories of {stack.node.path}",
                )
            )
            self.regional_copies[region] = LambdaImageRepository(
                copy_stack, _id_of(self, stack), **settings
            )

    def in_region(self, region: str) -> LambdaImageRepository:
        """This repository, or its copy in ``region``."""
        subject = f"LambdaImageRepository {self.node.path}: in_region"
        check_arguments(subject, LambdaImageRepository.in_region, {"region": region})
        if region == self._region:
            return self
        try:
            return self.regional_copies[region]
        except KeyError:
            problems = Problems()
            problems.add(
                "region",
                region,
                f"must be the repository's Region {self._region} or"
                f" one of its regions {sorted(self.regional_copies)}",
            )
            problems.raise_if_any(subject)
            raise

    def note_function_use(self, *, by_digest: bool) -> None:
        """An ``ImageFunction`` of this app runs an image of this repository (by digest, or by
        tag): from then on no lifecycle rule expires an image it may run."""
        before = (self.expires_untagged_images, self._used_by_tag or self._used_by_digest)
        if by_digest:
            self._used_by_digest = True
        else:
            self._used_by_tag = True
        if (self.expires_untagged_images, True) != before:
            self._render_lifecycle()  # only when a rule comes or goes: one round trip

    @property
    def expires_untagged_images(self) -> bool:
        """Whether the lifecycle policy expires untagged images: not while a function of this
        app may run one (by digest, or by a tag that can move)."""
        return not (self._used_by_digest or (self._used_by_tag and self._tags_can_move))

    def _render_lifecycle(self) -> None:
        rules: list[dict[str, Any]] = []
        if self.expires_untagged_images:
            days = self._untagged_image_expiry_days
            rules.append(
                {
                    "rulePriority": 1,
                    "description": f"Expire untagged images {days} days after push; tagged"
                    " images are never expired",
                    "selection": {
                        "tagStatus": "untagged",
                        "countType": "sinceImagePushed",
                        "countNumber": days,
                        "countUnit": "days",
                    },
                    "action": {"type": "expire"},
                }
            )
        used = self._used_by_tag or self._used_by_digest
        if self._archive_unpulled_after_days is not None and not used:
            days = self._archive_unpulled_after_days
            rules.append(
                {
                    "rulePriority": 2,
                    "description": f"Archive images not pulled for {days} days",
                    "selection": {
                        "tagStatus": "any",
                        "countType": "sinceImagePulled",
                        "countUnit": "days",
                        "countNumber": days,
                    },
                    "action": {"type": "transition", "targetStorageClass": "archive"},
                }
            )
        self._cfn.lifecycle_policy = (
            ecr.CfnRepository.LifecyclePolicyProperty(
                lifecycle_policy_text=json.dumps({"rules": rules}, separators=(",", ":"))
            )
            if rules
            else None
        )

    def _render(self) -> None:
        if not hasattr(self, "_cfn"):
            return
        # One property set per change: CloudFormation gets the whole document as one value.
        self._cfn.repository_policy_text = policies.build_repository_policy(self._policy_inputs())


def _id_of(construct: Construct, stack: Stack) -> str:
    """A construct's path below its stack as one ID, so that copies of constructs with the same
    ID in different places of one stack do not collide in the copy's stack."""
    below = construct.node.path[len(stack.node.path) :].strip("/")
    return below.replace("/", "-") or construct.node.id
