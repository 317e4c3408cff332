"""The app's configuration: one document (cdk.json context, or a YAML/JSON file given with
``-c config=path``), validated all at once, every problem naming the source and the key path.

Pure Python: loading and checking a configuration of 40 accounts takes milliseconds and no jsii.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from lambda_image_constructs import function_validation as limits
from lambda_image_constructs import validation
from lambda_image_constructs.architecture import parse_architecture
from lambda_image_constructs.errors import Problems

CONTEXT_KEY = "lambda-image-constructs"
CONFIG_FILE_CONTEXT_KEY = "config"
REGION = re.compile(r"[a-z]{2}(-[a-z]+)+-\d")
NAME = re.compile(r"[a-z][a-z0-9-]{0,62}")
CONNECTION_ARN = re.compile(
    r"arn:aws[a-z-]*:(codestar-connections|codeconnections):[a-z0-9-]+:\d{12}:connection/[\w-]+"
)


@dataclass(frozen=True)
class Environment:
    account: str
    region: str


@dataclass(frozen=True)
class RepositorySpec:
    name: str
    consumers: tuple[str, ...]  # consumer account names
    organization_id: str | None = None


@dataclass(frozen=True)
class ImageSpec:
    name: str
    repository: str
    directory: str
    architecture: str
    file: str | None = None
    target: str | None = None
    build_args: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class FunctionSpec:
    name: str
    image: str
    command: tuple[str, ...] | None = None
    entrypoint: tuple[str, ...] | None = None
    working_directory: str | None = None
    environment: Mapping[str, str] = field(default_factory=dict)
    memory_size: int | None = None
    ephemeral_storage_size: int | None = None
    timeout_seconds: int | None = None
    reserved_concurrent_executions: int | None = None


@dataclass(frozen=True)
class ConsumerAccountSpec:
    name: str
    environment: Environment
    wave: int
    functions: tuple[FunctionSpec, ...]


@dataclass(frozen=True)
class PipelineSpec:
    environment: Environment
    connection_arn: str
    repository: str
    branch: str


@dataclass(frozen=True)
class AppConfig:
    source: str
    image_account: Environment
    repositories: tuple[RepositorySpec, ...]
    images: tuple[ImageSpec, ...]
    consumer_accounts: tuple[ConsumerAccountSpec, ...]
    pipeline: PipelineSpec | None

    def image(self, name: str) -> ImageSpec:
        return next(i for i in self.images if i.name == name)

    def repository(self, name: str) -> RepositorySpec:
        return next(r for r in self.repositories if r.name == name)

    def waves(self) -> list[tuple[int, list[ConsumerAccountSpec]]]:
        numbers = sorted({c.wave for c in self.consumer_accounts})
        return [(n, [c for c in self.consumer_accounts if c.wave == n]) for n in numbers]


class _Reader:
    """Reads one document, collecting problems under their key paths."""

    def __init__(self, problems: Problems) -> None:
        self.problems = problems

    def object(
        self, value: Any, path: str, required: Sequence[str], optional: Sequence[str]
    ) -> dict[str, Any] | None:
        if not isinstance(value, Mapping):
            self.problems.add(path or "(top level)", value, "must be a mapping of keys to values")
            return None
        allowed = [*required, *optional]
        for key in value:
            if key not in allowed:
                self.problems.add(
                    _join(path, str(key)), value[key], f"is not a known key; known: {allowed}"
                )
        for key in required:
            if key not in value:
                self.problems.add(_join(path, key), None, "is required")
        return dict(value)

    def string(self, value: Any, path: str, pattern: re.Pattern[str] | None, accepted: str) -> str:
        if not isinstance(value, str) or (pattern is not None and not pattern.fullmatch(value)):
            self.problems.add(path, value, accepted)
            return ""
        return value

    def account(self, value: Any, path: str) -> str:
        before = len(self.problems)
        validation.check_account_id(self.problems, path, value)
        return str(value) if len(self.problems) == before else ""

    def region(self, value: Any, path: str) -> str:
        return self.string(value, path, REGION, "must be an AWS Region such as 'eu-west-1'")

    def name(self, value: Any, path: str) -> str:
        return self.string(
            value, path, NAME, "must be a name of lowercase letters, digits and '-' (1 to 63)"
        )

    def strings(self, value: Any, path: str) -> tuple[str, ...] | None:
        if value is None:
            return None
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            self.problems.add(path, value, "must be a list of strings")
            return None
        return tuple(value)

    def string_map(self, value: Any, path: str) -> dict[str, str]:
        if value is None:
            return {}
        if not isinstance(value, Mapping) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in value.items()
        ):
            self.problems.add(path, value, "must map strings to strings")
            return {}
        return dict(value)

    def integer(self, value: Any, path: str, low: int, high: int) -> int | None:
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            self.problems.add(path, value, f"must be a whole number from {low:,} to {high:,}")
            return None
        return value

    def items(self, value: Any, path: str) -> list[tuple[str, Any]]:
        if not isinstance(value, list):
            self.problems.add(path, value, "must be a list")
            return []
        return [(f"{path}[{index}]", item) for index, item in enumerate(value)]

    def unique(self, names: list[tuple[str, str]], what: str) -> None:
        seen: dict[str, str] = {}
        for path, name in names:
            if name and name in seen:
                self.problems.add(path, name, f"must be a unique {what}; {seen[name]} has it too")
            seen.setdefault(name, path)


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def parse_config(document: Any, source: str) -> AppConfig:
    """Validate ``document`` and return it as an ``AppConfig``; raise one
    ``LambdaImageValidationError`` naming ``source`` and every problem's key path."""
    problems = Problems()
    read = _Reader(problems)
    top = read.object(
        document,
        "",
        required=["imageAccount", "repositories", "images", "consumerAccounts"],
        optional=["pipeline"],
    )
    if top is None:
        problems.raise_if_any(f"configuration {source}")
        raise AssertionError("unreachable")

    image_account = _environment(read, top.get("imageAccount"), "imageAccount", None)
    repositories = [
        _repository(read, item, path)
        for path, item in read.items(top.get("repositories"), "repositories")
    ]
    images = [_image(read, item, path) for path, item in read.items(top.get("images"), "images")]
    consumers = [
        _consumer(read, item, path, image_account.region)
        for path, item in read.items(top.get("consumerAccounts"), "consumerAccounts")
    ]
    pipeline = (
        _pipeline(read, top["pipeline"], "pipeline", image_account.region)
        if top.get("pipeline") is not None
        else None
    )
    _cross_check(read, image_account, repositories, images, consumers, pipeline)
    problems.raise_if_any(f"configuration {source}")
    return AppConfig(
        source=source,
        image_account=image_account,
        repositories=tuple(r for r, _ in repositories),
        images=tuple(i for i, _ in images),
        consumer_accounts=tuple(c for c, _ in consumers),
        pipeline=pipeline,
    )


def _environment(read: _Reader, value: Any, path: str, default_region: str | None) -> Environment:
    obj = read.object(value, path, required=["account"], optional=["region"]) or {}
    if default_region is None and "region" not in obj and isinstance(value, Mapping):
        read.problems.add(_join(path, "region"), None, "is required")
    account = read.account(obj.get("account"), _join(path, "account")) if "account" in obj else ""
    region = (
        read.region(obj["region"], _join(path, "region")) if "region" in obj else default_region
    )
    return Environment(account, region or "")


def _repository(read: _Reader, value: Any, path: str) -> tuple[RepositorySpec, str]:
    obj = read.object(value, path, required=["name"], optional=["consumers", "organizationId"])
    obj = obj or {}
    name = obj.get("name", "")
    validation.check_repository_name(read.problems, _join(path, "name"), name)
    organization = obj.get("organizationId")
    if organization is not None:
        validation.check_organization_id(read.problems, _join(path, "organizationId"), organization)
    consumers = read.strings(obj.get("consumers", []), _join(path, "consumers")) or ()
    return RepositorySpec(str(name), consumers, organization), path


def _image(read: _Reader, value: Any, path: str) -> tuple[ImageSpec, str]:
    obj = (
        read.object(
            value,
            path,
            required=["name", "repository", "directory", "architecture"],
            optional=["file", "target", "buildArgs"],
        )
        or {}
    )
    name = read.name(obj.get("name"), _join(path, "name")) if "name" in obj else ""
    if "architecture" in obj:
        parse_architecture(read.problems, _join(path, "architecture"), obj["architecture"])
    directory = obj.get("directory", "")
    if "directory" in obj and not (isinstance(directory, str) and Path(directory).is_dir()):
        read.problems.add(
            _join(path, "directory"), directory, "must be a folder holding the image's Dockerfile"
        )
    spec = ImageSpec(
        name=name,
        repository=str(obj.get("repository", "")),
        directory=str(directory),
        architecture=str(obj.get("architecture", "")),
        file=obj.get("file"),
        target=obj.get("target"),
        build_args=read.string_map(obj.get("buildArgs"), _join(path, "buildArgs")),
    )
    return spec, path


_FUNCTION_KEYS = {
    "command": "command",
    "entrypoint": "entrypoint",
    "workingDirectory": "working_directory",
    "environment": "environment",
    "memorySize": "memory_size",
    "ephemeralStorageSize": "ephemeral_storage_size",
    "timeoutSeconds": "timeout",
    "reservedConcurrentExecutions": "reserved_concurrent_executions",
}


def _function(read: _Reader, value: Any, path: str) -> FunctionSpec:
    obj = read.object(value, path, required=["name", "image"], optional=list(_FUNCTION_KEYS))
    obj = obj or {}
    local = Problems()
    command = read.strings(obj.get("command"), _join(path, "command"))
    entrypoint = read.strings(obj.get("entrypoint"), _join(path, "entrypoint"))
    environment = read.string_map(obj.get("environment"), _join(path, "environment"))
    # The function's own limits, checked here too so the error names the configuration key.
    limits.check_image_config(
        local,
        entrypoint=entrypoint,
        command=command,
        working_directory=obj.get("workingDirectory"),
    )
    limits.check_environment(local, environment)
    integers = {
        key: read.integer(obj.get(key), _join(path, key), low, high)
        for key, (low, high) in {
            "memorySize": limits.MEMORY_MB,
            "ephemeralStorageSize": limits.EPHEMERAL_STORAGE_MB,
            "timeoutSeconds": limits.TIMEOUT_SECONDS,
            "reservedConcurrentExecutions": (0, 1_000_000),
        }.items()
    }
    reverse = {v: k for k, v in _FUNCTION_KEYS.items()}
    for problem in local:
        head, _, rest = problem.field.partition("[")
        key = reverse.get(head, head) + (f"[{rest}" if rest else "")
        read.problems.add(_join(path, key), problem.value, problem.accepted)
    return FunctionSpec(
        name=read.name(obj.get("name"), _join(path, "name")) if "name" in obj else "",
        image=str(obj.get("image", "")),
        command=command,
        entrypoint=entrypoint,
        working_directory=obj.get("workingDirectory"),
        environment=environment,
        memory_size=integers["memorySize"],
        ephemeral_storage_size=integers["ephemeralStorageSize"],
        timeout_seconds=integers["timeoutSeconds"],
        reserved_concurrent_executions=integers["reservedConcurrentExecutions"],
    )


def _consumer(
    read: _Reader, value: Any, path: str, default_region: str
) -> tuple[ConsumerAccountSpec, str]:
    obj = (
        read.object(
            value, path, required=["name", "account", "functions"], optional=["region", "wave"]
        )
        or {}
    )
    environment = _environment(
        read,
        {k: obj[k] for k in ("account", "region") if k in obj},
        path,
        default_region,
    )
    functions = [
        _function(read, item, item_path)
        for item_path, item in read.items(obj.get("functions", []), _join(path, "functions"))
    ]
    read.unique(
        [(f"{path}.functions[{i}].name", f.name) for i, f in enumerate(functions)], "function name"
    )
    wave = read.integer(obj.get("wave", 1), _join(path, "wave"), 1, 100) or 1
    name = read.name(obj.get("name"), _join(path, "name")) if "name" in obj else ""
    return ConsumerAccountSpec(name, environment, wave, tuple(functions)), path


def _pipeline(read: _Reader, value: Any, path: str, default_region: str) -> PipelineSpec:
    obj = (
        read.object(
            value,
            path,
            required=["account", "connectionArn", "repository"],
            optional=["region", "branch"],
        )
        or {}
    )
    environment = _environment(
        read, {k: obj[k] for k in ("account", "region") if k in obj}, path, default_region
    )
    connection = (
        read.string(
            obj["connectionArn"],
            _join(path, "connectionArn"),
            CONNECTION_ARN,
            "must be a CodeConnections connection ARN"
            " ('arn:aws:codeconnections:<region>:<account>:connection/<id>')",
        )
        if "connectionArn" in obj
        else ""
    )
    repository = (
        read.string(
            obj["repository"],
            _join(path, "repository"),
            re.compile(r"[\w.-]+/[\w.-]+"),
            "must be '<owner>/<repository>' of the source repository",
        )
        if "repository" in obj
        else ""
    )
    branch = read.string(obj.get("branch", "main"), _join(path, "branch"), None, "must be a string")
    return PipelineSpec(environment, connection, repository, branch)


def _cross_check(
    read: _Reader,
    image_account: Environment,
    repositories: list[tuple[RepositorySpec, str]],
    images: list[tuple[ImageSpec, str]],
    consumers: list[tuple[ConsumerAccountSpec, str]],
    pipeline: PipelineSpec | None,
) -> None:
    problems = read.problems
    read.unique([(f"{p}.name", r.name) for r, p in repositories], "repository name")
    read.unique([(f"{p}.name", i.name) for i, p in images], "image name")
    read.unique([(f"{p}.name", c.name) for c, p in consumers], "consumer account name")
    read.unique(
        [(f"{p}.account", c.environment.account) for c, p in consumers], "consumer account ID"
    )
    repository_by_name = {r.name: r for r, _ in repositories}
    image_by_name = {i.name: i for i, _ in images}
    consumer_names = {c.name for c, _ in consumers}
    for repository, path in repositories:
        for index, consumer_name in enumerate(repository.consumers):
            if consumer_name not in consumer_names:
                problems.add(
                    f"{path}.consumers[{index}]",
                    consumer_name,
                    f"must name one of consumerAccounts: {sorted(consumer_names)}",
                )
    for image_spec, path in images:
        if image_spec.repository and image_spec.repository not in repository_by_name:
            problems.add(
                f"{path}.repository",
                image_spec.repository,
                f"must name one of repositories: {sorted(repository_by_name)}",
            )
    for consumer, path in consumers:
        if consumer.environment.account and consumer.environment.account == image_account.account:
            problems.add(
                f"{path}.account",
                consumer.environment.account,
                "must not be the image account: consumer accounts are the other accounts",
            )
        if (
            consumer.environment.region
            and image_account.region
            and consumer.environment.region != image_account.region
        ):
            problems.add(
                f"{path}.region",
                consumer.environment.region,
                f"must be the image account's Region {image_account.region}: Lambda only pulls"
                " images from ECR in its own Region",
            )
        for index, function in enumerate(consumer.functions):
            function_path = f"{path}.functions[{index}].image"
            used = image_by_name.get(function.image)
            if used is None:
                problems.add(
                    function_path,
                    function.image,
                    f"must name one of images: {sorted(image_by_name)}",
                )
                continue
            holder = repository_by_name.get(used.repository)
            if (
                holder is not None
                and consumer.name not in holder.consumers
                and holder.organization_id is None
            ):
                problems.add(
                    function_path,
                    function.image,
                    f"is in repository {holder.name!r}, which does not list consumer account"
                    f" {consumer.name!r} ({consumer.environment.account}); add it to that"
                    " repository's consumers",
                )
    image_account_valid = bool(image_account.account and image_account.region)
    if pipeline and image_account_valid and pipeline.environment != image_account:
        problems.add(
            "pipeline.account",
            f"{pipeline.environment.account}/{pipeline.environment.region}",
            f"must be the image account and Region ({image_account.account}/"
            f"{image_account.region}): the pipeline stack holds the image repositories so"
            " that they exist before the pipeline publishes images into them",
        )


def read_document(path: str) -> Any:
    """A YAML or JSON configuration file's content."""
    text = Path(path).read_text()
    if path.endswith(".json"):
        return json.loads(text)
    return yaml.safe_load(text)


def load_from_context(try_get_context: Callable[[str], Any]) -> AppConfig:
    """The configuration an app runs with: the file named by ``-c config=path`` if given, else
    the ``lambda-image-constructs`` block of cdk.json."""
    problems = Problems()
    path = try_get_context(CONFIG_FILE_CONTEXT_KEY)
    if path:
        try:
            document = read_document(str(path))
        except (OSError, ValueError, yaml.YAMLError) as error:
            problems.add("config", path, f"must be a readable YAML or JSON file ({error})")
            problems.raise_if_any(f"configuration {path}")
        return parse_config(document, str(path))
    document = try_get_context(CONTEXT_KEY)
    if document is None:
        problems.add(CONTEXT_KEY, None, "must be set in cdk.json context, or pass -c config=path")
        problems.raise_if_any("configuration cdk.json")
    return parse_config(document, f"cdk.json context {CONTEXT_KEY!r}")
