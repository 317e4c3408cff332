"""The organisation's configuration: one document (cdk.json context, or a YAML/JSON file given
with ``-c config=path``), described once as pydantic models, validated all at once, every
problem naming the source and the key path.

The models give the document's shape, types and per-value rules, and its JSON Schema
(``schema/org-config.schema.json``, for editors); what relates one part of the document to
another (names referenced, unique, the same account and Region) is checked after them, on the
document as given, so that both kinds of problem are reported together.

Pure Python: loading and checking a configuration of 40 accounts takes milliseconds and no jsii.
"""

from __future__ import annotations

import json
import re
import reprlib
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    StrictInt,
    StrictStr,
    TypeAdapter,
    ValidationError,
)
from pydantic.alias_generators import to_camel
from pydantic_core import ErrorDetails, PydanticCustomError

from lambda_image_constructs import function_validation as limits
from lambda_image_constructs import validation
from lambda_image_constructs.errors import LambdaImageValidationError, Problems

CONTEXT_KEY = "lambda-image-constructs"
CONFIG_FILE_CONTEXT_KEY = "config"
SCHEMA_ID = "https://lambda-image-constructs.invalid/org-config.schema.json"
# Values are quoted in errors up to this many characters, so a huge value stays readable.
MAX_SHOWN_CHARS = 80
# A YAML document whose aliases (*name) add more than this many values once expanded is refused
# before it is built: nested anchors ("billion laughs") multiply, and 1.5 KB once exhausted 4 GB
# here. Only what aliases add counts, so a large document written out in full is never refused.
MAX_YAML_ALIAS_EXPANSION = 100_000


# --- values and their rules -------------------------------------------------------------------


def _checked(check: Callable[[Problems, str, Any], None], head: str = "") -> AfterValidator:
    """A pydantic validator running one of the library's own checks, so that a configuration
    value and a construct argument are held to the same rule with the same words. A check may
    name parts of the value (``entrypoint[0]``); ``head`` is the name it gives the whole."""

    def validate(value: Any) -> Any:
        problems = Problems()
        check(problems, head, value)
        if problems:
            found = [(p.field.removeprefix(head), p.value, p.accepted) for p in problems]
            accepted = "; ".join(p.accepted for p in problems)
            raise PydanticCustomError(
                "lambda_image", "{accepted}", {"accepted": accepted, "problems": found}
            )
        return value

    return AfterValidator(validate)


def _pattern(regex: str, accepted: str) -> AfterValidator:
    compiled = re.compile(regex)

    def check(problems: Problems, field: str, value: Any) -> None:
        if not compiled.fullmatch(value):
            problems.add(field, value, accepted)

    return _checked(check)


def _from(low: int, high: int) -> AfterValidator:
    def check(problems: Problems, field: str, value: Any) -> None:
        if not low <= value <= high:
            problems.add(field, value, f"must be a whole number from {low:,} to {high:,}")

    return _checked(check)


def _bounds(low: int, high: int) -> Any:
    # For the schema only: the check above gives the error its words.
    return Field(json_schema_extra={"minimum": low, "maximum": high})


def _schema_pattern(regex: str) -> Any:
    # For the schema only: _pattern gives the error its words.
    return Field(json_schema_extra={"pattern": f"^{regex}$"})


# [0-9], not \d: \d also matches other scripts' digits, which AWS never uses.
ACCOUNT_ID = "[0-9]{12}"
REGION = validation.REGION.pattern
NAME = "[a-z][a-z0-9-]{0,62}"


def _directory(problems: Problems, field: str, value: Any) -> None:
    if not Path(value).is_dir():
        problems.add(field, value, "must be a folder holding the image's Dockerfile")


AccountId = Annotated[
    StrictStr,
    _pattern(ACCOUNT_ID, "must be a 12-digit AWS account ID such as '123456789012'"),
    _schema_pattern(ACCOUNT_ID),
]
Region = Annotated[
    StrictStr,
    _pattern(REGION, "must be an AWS Region such as 'eu-west-1'"),
    _schema_pattern(REGION),
]
Name = Annotated[
    StrictStr,
    _pattern(
        NAME,
        "must be a name of a lowercase letter, then lowercase letters, digits and '-' (1 to 63)",
    ),
    _schema_pattern(NAME),
]
RepositoryName = Annotated[
    StrictStr,
    _checked(validation.check_repository_name),
    Field(min_length=2, max_length=256, json_schema_extra={"pattern": "^[a-z0-9._/-]+$"}),
]
OrganizationId = Annotated[
    StrictStr,
    _checked(validation.check_organization_id),
    _schema_pattern(validation.ORGANIZATION_ID.pattern),
]
NonEmpty = Annotated[StrictStr, Field(min_length=1)]
# An AWS Organizations path, as aws:PrincipalOrgPaths takes it: o-<org>/r-<root>/ then
# organisational units, each followed by '/'.
ORG_PATH = "o-[a-z0-9]{10,32}/r-[0-9a-z]{4,32}/(ou-[0-9a-z]{4,32}-[a-z0-9]{8,32}/)*"
OrganizationPath = Annotated[
    StrictStr,
    _pattern(
        ORG_PATH,
        "must be an AWS Organizations path such as 'o-a1b2c3d4e5/r-ab12/ou-ab12-11111111/'"
        " (the organisation, its root, then organisational units, each followed by '/')",
    ),
    _schema_pattern(ORG_PATH),
]
MemorySize = Annotated[StrictInt, _from(*limits.MEMORY_MB), _bounds(*limits.MEMORY_MB)]
EphemeralStorageSize = Annotated[
    StrictInt, _from(*limits.EPHEMERAL_STORAGE_MB), _bounds(*limits.EPHEMERAL_STORAGE_MB)
]
TimeoutSeconds = Annotated[
    StrictInt, _from(*limits.TIMEOUT_SECONDS), _bounds(*limits.TIMEOUT_SECONDS)
]
ReservedConcurrency = Annotated[StrictInt, _from(0, 1_000_000), _bounds(0, 1_000_000)]
Wave = Annotated[StrictInt, _from(1, 100), _bounds(1, 100)]
Percent = Annotated[StrictInt, _from(1, 99), _bounds(1, 99)]
Minutes = Annotated[StrictInt, _from(1, 2_880), _bounds(1, 2_880)]
ProvisionedConcurrency = Annotated[StrictInt, _from(1, 1_000_000), _bounds(1, 1_000_000)]
FunctionStacks = Annotated[StrictInt, _from(1, 50), _bounds(1, 50)]
WavesPerPipeline = Annotated[StrictInt, _from(1, 100), _bounds(1, 100)]
ALIAS = "(?![0-9]+$)[a-zA-Z0-9_-]{1,128}"
ALARM_NAME = "[^:]{1,255}"
DeploymentType = Literal["canary", "linear", "all-at-once"]
Architecture = Literal["x86_64", "arm64"]
CONNECTION_ARN = (
    "arn:aws[a-z-]*:(codestar-connections|codeconnections):[a-z0-9-]+:[0-9]{12}"
    ":connection/[A-Za-z0-9_-]+"
)
SOURCE_REPOSITORY = "[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+"
BRANCH = r"[^\s~^:?*\[\\]+"
ConnectionArn = Annotated[
    StrictStr,
    _pattern(
        CONNECTION_ARN,
        "must be a CodeConnections connection ARN"
        " ('arn:aws:codeconnections:<region>:<account>:connection/<id>')",
    ),
    _schema_pattern(CONNECTION_ARN),
]
SourceRepository = Annotated[
    StrictStr,
    _pattern(SOURCE_REPOSITORY, "must be '<owner>/<repository>' of the source repository"),
    _schema_pattern(SOURCE_REPOSITORY),
]
AliasName = Annotated[
    StrictStr,
    _pattern(
        ALIAS, "must be a Lambda alias name: 1 to 128 letters, digits, '-' and '_', not only digits"
    ),
    _schema_pattern(ALIAS),
]
AlarmName = Annotated[
    StrictStr,
    _pattern(
        ALARM_NAME,
        "must be the name of a CloudWatch alarm of the account (1 to 255 characters, no ':')",
    ),
    _schema_pattern(ALARM_NAME),
]
Branch = Annotated[
    StrictStr,
    _pattern(BRANCH, "must be the name of a branch: not empty, no spaces, none of ~ ^ : ? * [ \\"),
    _schema_pattern(BRANCH),
]


def _check_command(problems: Problems, field: str, value: Any) -> None:
    limits.check_image_config(problems, entrypoint=None, command=value, working_directory=None)


def _check_entrypoint(problems: Problems, field: str, value: Any) -> None:
    limits.check_image_config(problems, entrypoint=value, command=None, working_directory=None)


def _check_working_directory(problems: Problems, field: str, value: Any) -> None:
    limits.check_image_config(problems, entrypoint=None, command=None, working_directory=value)


def _check_environment(problems: Problems, field: str, value: Any) -> None:
    limits.check_environment(problems, value)


# --- the document -----------------------------------------------------------------------------


class _Section(BaseModel):
    # camelCase keys in the document, snake_case attributes in Python; unknown keys refused.
    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        alias_generator=to_camel,
        validate_by_name=True,
        use_attribute_docstrings=True,  # a field's docstring is its description in the schema
    )


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


class ImageSpec(_Section):
    """An image built from a folder and published into a repository."""

    name: Name
    """The image's name, which functions use."""
    repository: NonEmpty = Field(description="the name of one of repositories")
    directory: Annotated[NonEmpty, _checked(_directory)] = Field(
        description="the build context, relative to where the app runs"
    )
    architecture: Architecture
    """The one Lambda architecture the image is built for."""
    file: NonEmpty | None = Field(default=None, description="Dockerfile name; default Dockerfile")
    target: NonEmpty | None = Field(default=None, description="the build stage Lambda runs")
    build_args: dict[StrictStr, StrictStr] = Field(default_factory=dict)
    """Docker build arguments."""


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
    alarms: tuple[AlarmName, ...] = ()
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


class FunctionSpec(RolloutSettings):
    """A function of a consumer account, running one of the images."""

    name: Name
    """The function's name in its account."""
    image: NonEmpty = Field(description="the name of one of images")
    command: Annotated[tuple[StrictStr, ...], _checked(_check_command, "command")] | None = None
    """Lambda's Command (the handler for the runtime interface client); default: the image's."""
    entrypoint: (
        Annotated[tuple[StrictStr, ...], _checked(_check_entrypoint, "entrypoint")] | None
    ) = None
    """Lambda's EntryPoint, its executable by absolute path; default: the image's."""
    working_directory: (
        Annotated[StrictStr, _checked(_check_working_directory, "working_directory")] | None
    ) = None
    """An absolute path; default: the image's."""
    environment: Annotated[
        dict[StrictStr, StrictStr], _checked(_check_environment, "environment")
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


from .org_wide_config import OrgWideFunctionsSpec, cross_check_org_wide  # noqa: E402


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

    image_account: AccountEnvironment
    """The shared image account, which holds the repositories and builds the images."""
    repositories: tuple[RepositorySpec, ...]
    images: tuple[ImageSpec, ...]
    consumer_accounts: tuple[ConsumerAccountSpec, ...]
    """The workload accounts, whose functions run the images."""
    pipeline: PipelineSpec | None = None
    """The org-wide pipeline, used with -c pipeline=true."""
    org_wide_functions: tuple[OrgWideFunctionsSpec, ...] = ()
    """Functions in every account of organisational units, deployed by StackSets."""
    _source: str = PrivateAttr(default="")

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


# --- parsing ----------------------------------------------------------------------------------


class _Shown:
    """A value as an error quotes it: its repr, cut to a readable length."""

    def __init__(self, value: Any) -> None:
        # reprlib bounds the work too: a deep or huge value is never rendered in full.
        bounded = reprlib.Repr()  # keyword arguments only from Python 3.12
        bounded.maxlevel, bounded.maxdict, bounded.maxlist = 3, 4, 4
        bounded.maxtuple, bounded.maxstring, bounded.maxother = 4, MAX_SHOWN_CHARS, MAX_SHOWN_CHARS
        text = bounded.repr(value)
        self.text = text if len(text) <= MAX_SHOWN_CHARS else text[: MAX_SHOWN_CHARS - 3] + "..."

    def __repr__(self) -> str:
        return self.text


def shown(value: Any) -> Any:
    """``value`` itself when it is short; otherwise something whose repr is a cut of it."""
    if value is None or isinstance(value, bool | int | float):
        return value
    if isinstance(value, str) and len(value) <= MAX_SHOWN_CHARS:
        return value
    return _Shown(value)


def _path(location: tuple[int | str, ...]) -> str:
    text = ""
    for part in location:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else part)
    return text or "(top level)"


def _known_keys(location: tuple[int | str, ...]) -> list[str]:
    """The keys the section at ``location`` accepts, for an error about an unknown key."""
    model: Any = AppConfig
    for part in location:
        if isinstance(part, int):
            continue
        field = next((f for f in model.model_fields.values() if f.alias == part), None)
        if field is None:
            return []
        model = next(iter(_models_in(field.annotation)), None)
        if model is None:
            return []
    return [str(f.alias) for f in model.model_fields.values()]


def _models_in(annotation: Any) -> Iterator[type[BaseModel]]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        yield annotation
    for argument in getattr(annotation, "__args__", ()):
        yield from _models_in(argument)


_ACCEPTED = {
    "missing": "is required",
    "string_type": "must be a string",
    "int_type": "must be a whole number",
    "bool_type": "must be true or false",
    "list_type": "must be a list",
    "tuple_type": "must be a list",
    "dict_type": "must be a mapping of keys to values",
    "model_type": "must be a mapping of keys to values",
    "model_attributes_type": "must be a mapping of keys to values",
    "string_too_short": "must not be empty",
}


def _problems_of(error: ErrorDetails, problems: Problems) -> None:
    location = error["loc"]
    kind = error["type"]
    value = None if kind == "missing" else error["input"]
    if kind == "lambda_image":
        for suffix, found, accepted in error["ctx"]["problems"]:
            problems.add(_path(location) + suffix, shown(found), accepted)
    elif kind == "extra_forbidden":
        known = _known_keys(location[:-1])
        problems.add(_path(location), shown(value), f"is not a known key; known: {known}")
    elif kind == "literal_error":
        problems.add(_path(location), shown(value), f"must be one of {error['ctx']['expected']}")
    else:
        accepted = _ACCEPTED.get(kind, error["msg"])
        problems.add(_path(location), shown(value), accepted)


def parse_config(document: Any, source: str) -> AppConfig:
    """Validate ``document`` and return it as an ``AppConfig``; raise one
    ``LambdaImageValidationError`` naming ``source`` and every problem's key path."""
    problems = Problems()
    config: AppConfig | None = None
    try:
        config = AppConfig.model_validate(document, by_alias=True, by_name=False)
    except ValidationError as error:
        for details in error.errors(include_url=False):
            _problems_of(details, problems)
    if isinstance(document, Mapping):
        _cross_check(problems, document)
    problems.raise_if_any(f"configuration {source}")
    assert config is not None
    region = config.image_account.region
    config = config.model_copy(
        update={
            "consumer_accounts": tuple(
                c.model_copy(update={"region": c.region or region})
                for c in config.consumer_accounts
            ),
            "pipeline": (
                config.pipeline.model_copy(update={"region": config.pipeline.region or region})
                if config.pipeline
                else None
            ),
        }
    )
    config._source = source
    return config


# --- what relates the parts -------------------------------------------------------------------


def _section(document: Mapping[str, Any], key: str) -> list[tuple[str, Mapping[str, Any]]]:
    """The mappings of a list in the document, with their paths; anything else is skipped
    (the models report it)."""
    items = document.get(key)
    if not isinstance(items, list):
        return []
    return [(f"{key}[{i}]", item) for i, item in enumerate(items) if isinstance(item, Mapping)]


_ADAPTERS: dict[int, TypeAdapter[Any]] = {}


def _text(item: Mapping[str, Any], key: str, kind: Any = NonEmpty) -> str | None:
    """``item[key]`` when it is a valid value of ``kind``; otherwise the models report it."""
    if id(kind) not in _ADAPTERS:  # building an adapter costs more than using it
        _ADAPTERS[id(kind)] = TypeAdapter(kind)
    adapter = _ADAPTERS[id(kind)]
    try:
        return str(adapter.validate_python(item.get(key)))
    except ValidationError:
        return None


def _unique(problems: Problems, named: list[tuple[str, str | None]], what: str) -> None:
    seen: dict[str, str] = {}
    for path, name in named:
        if name is None:
            continue
        if name in seen:
            problems.add(path, shown(name), f"must be a unique {what}; {seen[name]} has it too")
        seen.setdefault(name, path)


def _cross_check(problems: Problems, document: Mapping[str, Any]) -> None:
    repositories = _section(document, "repositories")
    images = _section(document, "images")
    consumers = _section(document, "consumerAccounts")
    image_account = document.get("imageAccount")
    image_account = image_account if isinstance(image_account, Mapping) else {}
    image_region = _text(image_account, "region", Region)
    _unique(problems, [(f"{p}.name", _text(r, "name")) for p, r in repositories], "repository name")
    _unique(problems, [(f"{p}.name", _text(i, "name")) for p, i in images], "image name")
    _unique(
        problems, [(f"{p}.name", _text(c, "name")) for p, c in consumers], "consumer account name"
    )
    _unique(
        problems,
        [(f"{p}.account", _text(c, "account", AccountId)) for p, c in consumers],
        "consumer account ID",
    )
    repository_by_name = {n: r for _, r in repositories if (n := _text(r, "name"))}
    image_by_name = {n: i for _, i in images if (n := _text(i, "name"))}
    consumer_names = sorted(n for _, c in consumers if (n := _text(c, "name")))
    for path, repository in repositories:
        listed = repository.get("consumers")
        for index, name in enumerate(listed if isinstance(listed, list) else []):
            if isinstance(name, str) and name not in consumer_names:
                problems.add(
                    f"{path}.consumers[{index}]",
                    shown(name),
                    f"must name one of consumerAccounts: {consumer_names}",
                )
    for path, image in images:
        named = _text(image, "repository")
        if named and named not in repository_by_name:
            problems.add(
                f"{path}.repository",
                shown(named),
                f"must name one of repositories: {sorted(repository_by_name)}",
            )
    for path, consumer in consumers:
        _cross_check_consumer(
            problems, path, consumer, image_account, image_region, image_by_name, repository_by_name
        )
    cross_check_org_wide(problems, document, repository_by_name, image_by_name, image_region)
    pipeline = document.get("pipeline")
    if isinstance(pipeline, Mapping):
        numbers = {c.get("wave", 1) for _, c in consumers}
        numbers |= {b.get("wave", 1) for _, b in _section(document, "orgWideFunctions")}
        for path, wave in _section(pipeline, "waves"):
            if isinstance(wave.get("wave"), int) and wave["wave"] not in numbers:
                problems.add(
                    f"pipeline.{path}.wave",
                    wave["wave"],
                    f"must be a wave of consumerAccounts or orgWideFunctions: {sorted(numbers)}",
                )
    for path, repository in repositories:
        listed = repository.get("regions")
        if isinstance(listed, list) and image_region in listed:
            problems.add(
                f"{path}.regions",
                image_region,
                "must list only Regions other than the"
                " image account's, where the repository is anyway",
            )
        _unique(
            problems,
            [
                (f"{path}.regions[{i}]", r)
                for i, r in enumerate(listed if isinstance(listed, list) else [])
                if isinstance(r, str)
            ],
            "Region",
        )
    account, region = _text(image_account, "account", AccountId), image_region
    if isinstance(pipeline, Mapping) and account and region:
        where = (_text(pipeline, "account", AccountId), _text(pipeline, "region", Region) or region)
        if where[0] and where != (account, region):
            problems.add(
                "pipeline.account",
                f"{where[0]}/{where[1]}",
                f"must be the image account and Region ({account}/{region}): the pipeline"
                " stack holds the image repositories so that they exist before the pipeline"
                " publishes images into them",
            )


def _cross_check_consumer(
    problems: Problems,
    path: str,
    consumer: Mapping[str, Any],
    image_account: Mapping[str, Any],
    image_region: str | None,
    image_by_name: Mapping[str, Mapping[str, Any]],
    repository_by_name: Mapping[str, Mapping[str, Any]],
) -> None:
    account = _text(consumer, "account", AccountId)
    if account and account == _text(image_account, "account", AccountId):
        problems.add(
            f"{path}.account",
            account,
            "must not be the image account: consumer accounts are the other accounts",
        )
    region = _text(consumer, "region", Region)
    name = _text(consumer, "name")
    defaults = consumer.get("functionDefaults")
    defaults = defaults if isinstance(defaults, Mapping) else {}
    if defaults:
        _cross_check_rollout(problems, f"{path}.functionDefaults", defaults, {})
    functions = _section(consumer, "functions")
    _unique(
        problems,
        [(f"{path}.{p}.name", _text(f, "name")) for p, f in functions],
        "function name",
    )
    for function_path, function in functions:
        image_name = _text(function, "image")
        if image_name is None:
            continue
        where = f"{path}.{function_path}.image"
        image = image_by_name.get(image_name)
        if image is None:
            problems.add(
                where, shown(image_name), f"must name one of images: {sorted(image_by_name)}"
            )
            continue
        holder = repository_by_name.get(_text(image, "repository") or "")
        _cross_check_rollout(problems, f"{path}.{function_path}", function, defaults)
        regions = holder.get("regions") if holder is not None else None
        available = {image_region, *(regions if isinstance(regions, list) else [])}
        if region and image_region and region not in available:
            problems.add(
                f"{path}.region",
                shown(region),
                f"must be a Region its images are published in ({sorted(map(str, available))}):"
                f" Lambda only pulls images from ECR in its own Region; add {region} to the"
                f" regions of repository {holder.get('name') if holder else '?'!r}",
            )
        if holder is None or holder.get("organizationId") is not None:
            continue
        listed = holder.get("consumers")
        if not (isinstance(listed, list) and name in listed):
            problems.add(
                where,
                image_name,
                f"is in repository {holder.get('name')!r}, which does not list consumer account"
                f" {name!r} ({account}); add it to that repository's consumers",
            )


def _cross_check_rollout(
    problems: Problems, path: str, settings: Mapping[str, Any], defaults: Mapping[str, Any]
) -> None:
    """A function's rollout settings (or an account's defaults) as Lambda and CodeDeploy take
    them; a function's own settings win over the account's defaults, key by key."""

    def chosen(key: str) -> Any:
        return settings.get(key, defaults.get(key))

    deployment = settings.get("deployment")
    if isinstance(deployment, Mapping):
        kind = deployment.get("type")
        timed = [k for k in ("percent", "minutes") if k in deployment]
        if kind in ("canary", "linear"):
            for key in ("percent", "minutes"):
                if key not in deployment:
                    problems.add(
                        f"{path}.deployment.{key}", None, f"is required for a {kind} deployment"
                    )
        elif kind == "all-at-once" and timed:
            problems.add(
                f"{path}.deployment.{timed[0]}",
                deployment.get(timed[0]),
                "must be left out of an all-at-once deployment",
            )
    provisioned = chosen("provisionedConcurrency")
    reserved = settings.get("reservedConcurrentExecutions")
    if isinstance(provisioned, int) and isinstance(reserved, int) and provisioned > reserved:
        problems.add(
            f"{path}.provisionedConcurrency",
            provisioned,
            f"must be at most reservedConcurrentExecutions ({reserved}): Lambda refuses more",
        )
    if provisioned and chosen("snapStart") is True:
        problems.add(
            f"{path}.snapStart",
            True,
            "is refused by Lambda with provisioned concurrency; use one of them",
        )


# --- reading files ----------------------------------------------------------------------------


class _StrictLoader(yaml.SafeLoader):
    """Safe YAML that refuses a key given twice in one mapping (the first value was silently
    dropped) and collects those problems instead of raising on the first."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self.duplicates: list[tuple[str, int]] = []

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=True)
            if isinstance(key, str) and key in seen:
                self.duplicates.append((key, key_node.start_mark.line + 1))
            seen.add(key if isinstance(key, str) else id(key_node))
        return super().construct_mapping(node, deep=deep)


def _written_size(root: yaml.Node) -> int:
    """How many values the document holds as written (each node once)."""
    seen: set[int] = set()
    pending = [root]
    while pending:
        node = pending.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, yaml.SequenceNode):
            pending.extend(node.value)
        elif isinstance(node, yaml.MappingNode):
            pending.extend(n for pair in node.value for n in pair)
    return len(seen)


def _expanded_size(node: yaml.Node, cap: int, sizes: dict[int, int], open_nodes: set[int]) -> int:
    """How many values ``node`` holds once every alias is expanded, counting no further than
    ``cap`` (memoised per node, so nested anchors are measured without expanding them)."""
    key = id(node)
    if key in sizes:
        return sizes[key]
    if key in open_nodes:  # an anchor that contains itself never ends
        return cap + 1
    open_nodes.add(key)
    size = 1
    children: list[yaml.Node] = []
    if isinstance(node, yaml.SequenceNode):
        children = node.value
    elif isinstance(node, yaml.MappingNode):
        children = [n for pair in node.value for n in pair]
    for child in children:
        size += _expanded_size(child, cap, sizes, open_nodes)
        if size > cap:
            break
    open_nodes.discard(key)
    sizes[key] = size
    return size


def read_yaml(text: str, problems: Problems) -> Any:
    """A YAML document's content; duplicate keys and oversized alias expansion go to
    ``problems`` (and the document is then not built)."""
    loader = _StrictLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        cap = _written_size(node) + MAX_YAML_ALIAS_EXPANSION
        if _expanded_size(node, cap, {}, set()) > cap:
            problems.add(
                "(YAML aliases)",
                f"more than {MAX_YAML_ALIAS_EXPANSION:,} values added",
                f"must add at most {MAX_YAML_ALIAS_EXPANSION:,} values once expanded: nested"
                " anchors (&name, *name) multiply; write the repeated parts out",
            )
            return None
        document = loader.construct_document(node)
    finally:
        loader.dispose()
    for key, line in loader.duplicates:
        problems.add(
            f"{shown(key)} (line {line})",
            shown(key),
            "is a key given twice in one mapping, where YAML silently keeps only the last"
            " value; give it once",
        )
    return None if problems else document


def _refuse_duplicate_json_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise ValueError(f"the key {key!r} is given twice in one object")
        result[key] = value
    return result


def read_document(path: str, problems: Problems | None = None) -> Any:
    """A YAML or JSON configuration file's content."""
    problems = problems if problems is not None else Problems()
    text = Path(path).read_text()
    if path.endswith(".json"):
        return json.loads(text, object_pairs_hook=_refuse_duplicate_json_keys)
    document = read_yaml(text, problems)
    problems.raise_if_any(f"configuration {path}")
    return document


def load_from_context(try_get_context: Callable[[str], Any]) -> AppConfig:
    """The configuration an app runs with: the file named by ``-c config=path`` if given, else
    the ``lambda-image-constructs`` block of cdk.json."""
    problems = Problems()
    path = try_get_context(CONFIG_FILE_CONTEXT_KEY)
    if path:
        try:
            document = read_document(str(path))
        except LambdaImageValidationError:
            raise
        except (OSError, ValueError, RecursionError, yaml.YAMLError) as error:
            # RecursionError: a document nested deeper than the readers recurse.
            problems.add("config", path, f"must be a readable YAML or JSON file ({error})")
            problems.raise_if_any(f"configuration {path}")
        return parse_config(document, str(path))
    document = try_get_context(CONTEXT_KEY)
    if document is None:
        problems.add(CONTEXT_KEY, None, "must be set in cdk.json context, or pass -c config=path")
        problems.raise_if_any("configuration cdk.json")
    return parse_config(document, f"cdk.json context {CONTEXT_KEY!r}")
