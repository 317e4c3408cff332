"""The configuration document's sections as pydantic models: shape, types, defaults and the
descriptions that become the JSON Schema (``schema/org-config.schema.json``)."""

from __future__ import annotations

from collections.abc import Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, StrictStr
from pydantic.alias_generators import to_camel

from lambda_image_constructs import limits

from .keys import reported_at
from .values import (
    AccountId,
    AlarmName,
    AliasName,
    Architecture,
    Branch,
    ConcurrentPercent,
    ConnectionArn,
    DeploymentType,
    EphemeralStorageSize,
    FunctionStacks,
    MemorySize,
    Minutes,
    Name,
    NonEmpty,
    OrganizationalUnitPath,
    OrganizationId,
    OrganizationPath,
    Percent,
    ProvisionedConcurrency,
    Region,
    RepositoryName,
    ReservedConcurrency,
    SourceRepository,
    TimeoutSeconds,
    TolerancePercent,
    Wave,
    WavesPerPipeline,
    check_command,
    check_directory,
    check_entrypoint,
    check_environment,
    check_working_directory,
    checked,
)

SCHEMA_ID = "https://lambda-image-constructs.invalid/org-config.schema.json"


class _Section(BaseModel):
    # camelCase keys in the document, snake_case attributes in Python; unknown keys refused.
    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        alias_generator=to_camel,
        validate_by_name=True,
        use_attribute_docstrings=True,  # a field's docstring is its description in the schema
    )
    # Where the section is in its document, set when parsed, for problems found later.
    _source: str = PrivateAttr(default="")
    _where: str = PrivateAttr(default="")

    def located(self, source: str, where: str) -> None:
        """Note where this section is (``parse_config`` does for every section it returns)."""
        self._source, self._where = source, where

    def renames(self) -> dict[str, str]:
        """The options of the construct made from this section whose key is not their name
        in camelCase."""
        return {}

    def reported_here(self) -> AbstractContextManager[None]:
        """Problems a construct made from this section finds, reported as problems of this
        section's keys in its file."""
        return reported_at(self._source, self._where, type(self).model_fields, self.renames())


@dataclass(frozen=True)
class Environment:
    account: str
    region: str


class AccountEnvironment(_Section):
    """An account and its Region."""

    account: AccountId
    """The 12-digit AWS account ID."""
    region: Region
    """The AWS Region, such as eu-west-1."""

    @property
    def environment(self) -> Environment:
        return Environment(self.account, self.region)


class RepositorySpec(_Section):
    """An ECR repository of the image account, and who may pull from it."""

    name: RepositoryName
    """The ECR repository name, such as platform/lambda-images."""
    consumers: tuple[Name, ...] = Field(
        default=(), description="consumer account names whose functions may pull"
    )
    organization_id: OrganizationId | None = Field(
        default=None, description="let every account of this AWS Organization pull instead"
    )
    regions: tuple[Region, ...] = Field(
        default=(),
        description="more Regions where the repository and its images are published, for"
        " consumer accounts there (Lambda only pulls from ECR in its own Region)",
    )
    organization_paths: tuple[OrganizationPath, ...] = Field(
        default=(),
        description="let every account under these Organizations paths pull"
        " (aws:PrincipalOrgPaths), such as the units of orgWideFunctions",
    )

    def renames(self) -> dict[str, str]:
        return {"repository_name": "name", "consumer_accounts": "consumers"}


class ImageSpec(_Section):
    """An image built from a folder and published into a repository."""

    name: Name
    """The image's name, which functions use."""
    repository: NonEmpty = Field(description="the name of one of repositories")
    directory: Annotated[NonEmpty, checked(check_directory)] = Field(
        description="the build context, relative to where the app runs"
    )
    architecture: Architecture
    """The one Lambda architecture the image is built for."""
    file: NonEmpty | None = Field(default=None, description="Dockerfile name; default Dockerfile")
    target: NonEmpty | None = Field(default=None, description="the build stage Lambda runs")
    build_args: dict[StrictStr, StrictStr] = Field(default_factory=dict)
    """Docker build arguments."""

    def renames(self) -> dict[str, str]:
        # Without a file key, a missing Dockerfile is a problem of the folder.
        return {"file": "directory"} if self.file is None else {}


class DeploymentSpec(_Section):
    """How CodeDeploy moves the function's alias to a new version, rolled back on failure and
    on alarm."""

    type: DeploymentType
    """canary: percent first, the rest minutes later; linear: percent more every minutes;
    all-at-once."""
    percent: Percent | None = None
    """The share of traffic shifted at a time (canary and linear)."""
    minutes: Minutes | None = None
    """Minutes between shifts (canary and linear)."""
    alarms: tuple[AlarmName, ...] = Field(default=(), max_length=limits.DEPLOYMENT_MAX_ALARMS)
    """Names of CloudWatch alarms of the account that roll the deployment back too."""
    default_alarms: bool = True
    """The function's own alarms on the new version (errors, throttles, dead letters)."""


class RolloutSettings(_Section):
    """How a new image reaches a function: per function, or as an account's defaults."""

    alias: AliasName | None = None
    """An alias that follows the function's current version, such as live."""
    deployment: DeploymentSpec | None = None
    """Gradual deployment through CodeDeploy (needs an alias; default alias live)."""
    provisioned_concurrency: ProvisionedConcurrency | None = None
    """Provisioned concurrency of the alias."""
    snap_start: bool | None = None
    """SnapStart on published versions (not with provisioned concurrency)."""


def with_defaults(own: Mapping[str, Any], defaults: Mapping[str, Any]) -> dict[str, Any]:
    """A function's settings merged with its account's ``functionDefaults``: its own setting
    where it has one, else the default, key by key. The one place this rule is written: the
    cross-checks read a document through it, and ``parse_config`` gives every function its
    merged settings."""
    return {
        **{k: v for k, v in defaults.items() if v is not None},
        **{k: v for k, v in own.items() if v is not None},
    }


class FunctionSpec(RolloutSettings):
    """A function of a consumer account, running one of the images."""

    name: Name
    """The function's name in its account."""
    image: NonEmpty = Field(description="the name of one of images")
    command: Annotated[tuple[StrictStr, ...], checked(check_command, "command")] | None = None
    """Lambda's Command (the handler for the runtime interface client); default: the image's."""
    entrypoint: Annotated[tuple[StrictStr, ...], checked(check_entrypoint, "entrypoint")] | None = (
        None
    )
    """Lambda's EntryPoint, its executable by absolute path; default: the image's."""
    working_directory: (
        Annotated[StrictStr, checked(check_working_directory, "working_directory")] | None
    ) = None
    """An absolute path; default: the image's."""
    environment: Annotated[
        dict[StrictStr, StrictStr], checked(check_environment, "environment")
    ] = Field(default_factory=dict)
    """Environment variables (not Lambda's reserved ones; 4 KB in all)."""
    memory_size: MemorySize | None = None
    """MB; default: the library's (512)."""
    ephemeral_storage_size: EphemeralStorageSize | None = None
    """MB of /tmp; default: 512."""
    timeout_seconds: TimeoutSeconds | None = None
    """Default: 30."""
    reserved_concurrent_executions: ReservedConcurrency | None = None
    """Default: none (the account's unreserved pool)."""
    stack: Name | None = None
    """A functions stack of its own name (Functions-<stack>) instead of the one its name
    hashes to; see the account's functionStacks."""

    def renames(self) -> dict[str, str]:
        return {"timeout": "timeoutSeconds", "function_name": "name"}

    def with_defaults(self, defaults: RolloutSettings | None) -> FunctionSpec:
        """This function with its account's defaults where it has no rollout setting."""
        if defaults is None:
            return self
        keys = RolloutSettings.model_fields
        own = {k: getattr(self, k) for k in keys}
        return self.model_copy(update=with_defaults(own, {k: getattr(defaults, k) for k in keys}))


class ConsumerAccountSpec(_Section):
    """An account whose functions run the images."""

    name: Name
    """The account's name, which repositories' consumers use."""
    account: AccountId
    """The 12-digit AWS account ID."""
    region: Region | None = Field(
        default=None, description="default and only choice: the image Region"
    )
    wave: Wave = Field(default=1, description="pipeline wave; a wave's accounts deploy in parallel")
    functions: tuple[FunctionSpec, ...] = Field(min_length=1)
    """The account's functions (at least one)."""
    function_defaults: RolloutSettings | None = None
    """Rollout settings for every function of the account that sets none of its own."""
    function_stacks: FunctionStacks = 1
    """How many stacks the account's functions are spread over, each function by a hash of
    its name (so adding or removing one never moves another); CloudFormation holds 500
    resources per stack."""

    @property
    def environment(self) -> Environment:
        # The region is filled with the image account's by parse_config.
        return Environment(self.account, self.region or "")


class WaveSpec(_Section):
    """A wave of consumer accounts in the pipeline."""

    wave: Wave
    """The wave's number, as consumer accounts give it."""
    approval: bool = False
    """A manual approval in the pipeline before the wave deploys."""


class PipelineSpec(_Section):
    """The org-wide pipeline (used with ``-c pipeline=true``)."""

    account: AccountId
    """Must be the image account."""
    region: Region | None = None
    """Default and only choice: the image Region."""
    connection_arn: ConnectionArn
    """The CodeConnections connection to the source repository."""
    repository: SourceRepository
    """The source repository, owner/name."""
    branch: Branch = "main"
    """The branch whose pushes run the pipeline."""
    waves: tuple[WaveSpec, ...] = ()
    """Settings of consumer account waves, such as a manual approval before one."""
    waves_per_pipeline: WavesPerPipeline = 5
    """How many wave numbers each pipeline deploys: pipeline n (LambdaImagePipeline,
    LambdaImagePipeline-2, ...) deploys waves (n-1)*wavesPerPipeline+1 to n*wavesPerPipeline,
    and starts when pipeline n-1 succeeds. An account's pipeline follows from its wave alone."""

    @property
    def environment(self) -> Environment:
        return Environment(self.account, self.region or "")


class OrgWideFunctionsSpec(_Section):
    """Functions that run in every account of the listed organisational units, in each of the
    listed Regions: one service-managed CloudFormation StackSet, administered from the image
    account (registered as the organisation's delegated StackSet administrator), that deploys
    to every account of the units, and to each account that joins them later."""

    name: Name
    """The StackSet's name part: the StackSet is lambda-images-<name>."""
    organizational_units: tuple[OrganizationalUnitPath, ...] = Field(min_length=1)
    """The units, by their Organizations path ('o-.../r-.../ou-.../'): the StackSet deploys to
    the last unit of each path, and the repositories of its images must be shared with the
    path (organizationPaths) or the whole organisation (organizationId)."""
    regions: tuple[Region, ...] = Field(min_length=1)
    """The Regions of each account where the functions run; each must be one where their
    images are published (the image Region or the repository's regions)."""
    functions: tuple[FunctionSpec, ...] = Field(min_length=1)
    """The functions of every account."""
    function_defaults: RolloutSettings | None = None
    """Rollout settings for every function that sets none of its own."""
    wave: Wave = 1
    """The pipeline wave that updates the StackSet: the wave's approval applies."""
    max_concurrent_percent: ConcurrentPercent = 25
    """The share of accounts a StackSet operation deploys to at once, per Region."""
    failure_tolerance_percent: TolerancePercent = 0
    """The share of accounts that may fail, per Region, before the operation stops."""
    region_concurrency: Literal["sequential", "parallel"] = "sequential"
    """Whether the Regions are deployed one after another or at once."""
    retain_stacks_on_account_removal: bool = False
    """Keep the functions of an account that leaves the units (default: they are deleted)."""


class AppConfig(_Section):
    """The whole configuration: the image account, its repositories and images, the consumer
    accounts and their functions, and optionally the pipeline."""

    model_config = ConfigDict(
        title="lambda-image-constructs organisation configuration",
        json_schema_extra={
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "$id": SCHEMA_ID,
        },
    )

    image_account: ImageAccountSpec
    """The shared image account, which holds the repositories and builds the images."""
    repositories: tuple[RepositorySpec, ...]
    images: tuple[ImageSpec, ...]
    consumer_accounts: tuple[ConsumerAccountSpec, ...]
    """The workload accounts, whose functions run the images."""
    pipeline: PipelineSpec | None = None
    """The org-wide pipeline, used with -c pipeline=true."""
    org_wide_functions: tuple[OrgWideFunctionsSpec, ...] = ()
    """Functions in every account of organisational units, deployed by StackSets."""

    @property
    def source(self) -> str:
        """Where the configuration was read from, as errors name it."""
        return self._source

    def image(self, name: str) -> ImageSpec:
        return next(i for i in self.images if i.name == name)

    def repository(self, name: str) -> RepositorySpec:
        return next(r for r in self.repositories if r.name == name)

    def waves(self) -> list[tuple[int, list[ConsumerAccountSpec]]]:
        numbers = sorted({c.wave for c in self.consumer_accounts})
        return [(n, [c for c in self.consumer_accounts if c.wave == n]) for n in numbers]


def json_schema() -> dict[str, Any]:
    """The configuration's JSON Schema, as committed in ``schema/org-config.schema.json``."""
    return AppConfig.model_json_schema(by_alias=True)


# The image account's registry settings (signing, pull-through caches) are models of their own
# module, built on the ones above.
from ..supply_chain_config import ImageAccountSpec  # noqa: E402

AppConfig.model_rebuild()
