"""The configuration's values: each an annotated type carrying its rule and its JSON Schema
keywords, held to the library's own checks and limits (``lambda_image_constructs.limits``) so
that a configuration value and a construct argument obey the same rule in the same words."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, Field, StrictInt, StrictStr
from pydantic_core import PydanticCustomError

from lambda_image_constructs import limits, validation
from lambda_image_constructs.errors import Problems


def checked(check: Callable[[Problems, str, Any], None], head: str = "") -> AfterValidator:
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

    return checked(check)


def _from(low: int, high: int, unit: str = "") -> AfterValidator:
    """The construct's range check (``validation.check_range``), its words too."""

    def check(problems: Problems, field: str, value: Any) -> None:
        validation.check_range(problems, field, value, (low, high), unit)

    return checked(check)


def _bounds(low: int, high: int) -> Any:
    # For the schema only: the check above gives the error its words.
    return Field(json_schema_extra={"minimum": low, "maximum": high})


def _schema_pattern(regex: str) -> Any:
    # For the schema only: _pattern gives the error its words.
    return Field(json_schema_extra={"pattern": f"^{regex}$"})


def stack_id(name: str) -> str:
    """A construct/stack ID from a repository or account name (``platform/x`` -> ``platform-x``)."""
    return re.sub(r"[^A-Za-z0-9-]+", "-", name).strip("-")


ACCOUNT_ID = limits.ACCOUNT_ID.pattern
REGION = limits.REGION.pattern
NAME = "[a-z][a-z0-9-]{0,62}"


def check_directory(problems: Problems, field: str, value: Any) -> None:
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
    checked(validation.check_repository_name),
    Field(
        min_length=limits.REPOSITORY_NAME_LENGTH[0],
        max_length=limits.REPOSITORY_NAME_LENGTH[1],
        json_schema_extra={"pattern": "^[a-z0-9._/-]+$"},
    ),
]
OrganizationId = Annotated[
    StrictStr,
    checked(validation.check_organization_id),
    _schema_pattern(limits.ORGANIZATION_ID.pattern),
]
NonEmpty = Annotated[StrictStr, Field(min_length=1)]
OrganizationPath = Annotated[
    StrictStr,
    _pattern(
        limits.ORGANIZATION_PATH.pattern,
        "must be an AWS Organizations path such as 'o-a1b2c3d4e5/r-ab12/ou-ab12-11111111/'"
        " (the organisation, its root, then organisational units, each followed by '/')",
    ),
    _schema_pattern(limits.ORGANIZATION_PATH.pattern),
]
OrganizationalUnitPath = Annotated[
    StrictStr,
    _pattern(
        limits.ORGANIZATIONAL_UNIT_PATH.pattern,
        "must be the path of an organisational unit such as"
        " 'o-a1b2c3d4e5/r-ab12/ou-ab12-11111111/' (ending in the unit's ID and '/')",
    ),
    _schema_pattern(limits.ORGANIZATIONAL_UNIT_PATH.pattern),
]
MemorySize = Annotated[StrictInt, _from(*limits.MEMORY_MB, "MB"), _bounds(*limits.MEMORY_MB)]
EphemeralStorageSize = Annotated[
    StrictInt, _from(*limits.EPHEMERAL_STORAGE_MB, "MB"), _bounds(*limits.EPHEMERAL_STORAGE_MB)
]
TimeoutSeconds = Annotated[
    StrictInt, _from(*limits.TIMEOUT_SECONDS, "seconds"), _bounds(*limits.TIMEOUT_SECONDS)
]
ReservedConcurrency = Annotated[
    StrictInt, _from(*limits.RESERVED_CONCURRENCY), _bounds(*limits.RESERVED_CONCURRENCY)
]
Wave = Annotated[StrictInt, _from(1, 100), _bounds(1, 100)]
Percent = Annotated[
    StrictInt, _from(*limits.DEPLOYMENT_PERCENT, "percent"), _bounds(*limits.DEPLOYMENT_PERCENT)
]
Minutes = Annotated[
    StrictInt,
    _from(*limits.DEPLOYMENT_INTERVAL_MINUTES, "minutes"),
    _bounds(*limits.DEPLOYMENT_INTERVAL_MINUTES),
]
ProvisionedConcurrency = Annotated[
    StrictInt, _from(*limits.PROVISIONED_CONCURRENCY), _bounds(*limits.PROVISIONED_CONCURRENCY)
]
FunctionStacks = Annotated[StrictInt, _from(1, 50), _bounds(1, 50)]
WavesPerPipeline = Annotated[StrictInt, _from(1, 100), _bounds(1, 100)]
_CONCURRENT = limits.STACK_SET_MAX_CONCURRENT_PERCENT
_TOLERANCE = limits.STACK_SET_FAILURE_TOLERANCE_PERCENT
ConcurrentPercent = Annotated[StrictInt, _from(*_CONCURRENT), _bounds(*_CONCURRENT)]
TolerancePercent = Annotated[StrictInt, _from(*_TOLERANCE), _bounds(*_TOLERANCE)]
ALIAS = limits.ALIAS_NAME.pattern
ALARM_NAME = limits.ALARM_NAME.pattern
DeploymentType = Literal["canary", "linear", "all-at-once"]
Architecture = Literal["x86_64", "arm64"]
CONNECTION_ARN = limits.CONNECTION_ARN.pattern
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


def check_command(problems: Problems, field: str, value: Any) -> None:
    validation.check_image_config(problems, entrypoint=None, command=value, working_directory=None)


def check_entrypoint(problems: Problems, field: str, value: Any) -> None:
    validation.check_image_config(problems, entrypoint=value, command=None, working_directory=None)


def check_working_directory(problems: Problems, field: str, value: Any) -> None:
    validation.check_image_config(problems, entrypoint=None, command=None, working_directory=value)


def check_environment(problems: Problems, field: str, value: Any) -> None:
    validation.check_environment(problems, value)
