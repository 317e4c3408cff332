"""Pure-Python checks of an image-backed function's settings against Lambda's limits.

The limits are those of the Lambda API (see docs/reference and docs/constructs.md); CDK passes
most of them through to deploy time unchecked.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from .errors import Problems
from .invariants import whole_mebibytes
from .limits import (
    DESCRIPTION_MAX_CHARS,
    ENVIRONMENT_KEY,
    ENVIRONMENT_MAX_BYTES,
    FUNCTION_NAME,
    IMAGE_CONFIG_MAX_ITEMS,
    IMAGE_DIGEST,
    IMAGE_TAG,
    IMAGE_URI,
    RESERVED_ENVIRONMENT_KEYS,
    WORKING_DIRECTORY_MAX_CHARS,
    partition_domain,
)
from .tokens import is_unresolved


@dataclass(frozen=True)
class ImageUriParts:
    account: str
    region: str
    url_suffix: str
    repository: str
    tag: str | None
    digest: str | None


def check_tag_or_digest(problems: Problems, field: str, value: Any) -> None:
    if is_unresolved(value):
        return
    if isinstance(value, str) and value.startswith("sha256:"):
        if not IMAGE_DIGEST.fullmatch(value):
            problems.add(field, value, "must be a digest 'sha256:' followed by 64 hex digits")
    elif not isinstance(value, str) or not IMAGE_TAG.fullmatch(value):
        problems.add(
            field,
            value,
            "must be an image tag (1 to 128 letters, digits, '_', '.', '-', not starting with"
            " '.' or '-') or a digest 'sha256:<64 hex digits>'",
        )


def parse_image_uri(problems: Problems, field: str, value: Any) -> ImageUriParts | None:
    if isinstance(value, str) and (match := IMAGE_URI.fullmatch(value)):
        parts = ImageUriParts(
            match["account"],
            match["region"],
            match["suffix"],
            match["repository"],
            match["tag"],
            match["digest"],
        )
        check_tag_or_digest(problems, field, parts.digest or parts.tag)
        expected = partition_domain(parts.region)
        if parts.url_suffix != expected:
            problems.add(
                field,
                value,
                f"must use the domain {expected!r} of Region {parts.region}'s partition"
                f" (not {parts.url_suffix!r})",
            )
        return parts
    problems.add(
        field,
        value,
        "must be an ECR image URI '<account>.dkr.ecr.<region>.<url suffix>/<repository>"
        "@sha256:<64 hex digits>' (or ':<tag>')",
    )
    return None


def _check_list(problems: Problems, field: str, value: Sequence[str] | None) -> None:
    if value is None or is_unresolved(value):
        return
    if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
        problems.add(field, value, "must be a list of strings (exec form)")
        return
    if not value:
        problems.add(field, list(value), "must not be empty; leave it out to keep the image's")
    if len(value) > IMAGE_CONFIG_MAX_ITEMS:
        problems.add(
            field, f"{len(value)} items", f"must have at most {IMAGE_CONFIG_MAX_ITEMS:,} items"
        )
    seen: dict[str, int] = {}
    for index, item in enumerate(value):
        if item == "":
            problems.add(f"{field}[{index}]", item, "must not be an empty string")
        elif item in seen and not is_unresolved(item):
            problems.add(
                f"{field}[{index}]",
                item,
                f"must not repeat {field}[{seen[item]}]: CloudFormation's schema requires the"
                " items to be unique (pass a repeated argument inside one item, e.g."
                " '--opt=value', or set it in the image)",
            )
        seen.setdefault(item, index)


def check_image_config(
    problems: Problems,
    *,
    entrypoint: Sequence[str] | None,
    command: Sequence[str] | None,
    working_directory: str | None,
) -> None:
    _check_list(problems, "entrypoint", entrypoint)
    _check_list(problems, "command", command)
    if (
        entrypoint
        and isinstance(entrypoint, list | tuple)
        and isinstance(entrypoint[0], str)
        and entrypoint[0]
        and not is_unresolved(entrypoint[0])
        and not entrypoint[0].startswith("/")
    ):
        problems.add(
            "entrypoint[0]",
            entrypoint[0],
            "must be the executable's absolute path (Lambda does not search PATH); not a symlink",
        )
    if working_directory is not None and not is_unresolved(working_directory):
        if not isinstance(working_directory, str) or not working_directory.startswith("/"):
            problems.add("working_directory", working_directory, "must be an absolute path")
        elif len(working_directory) > WORKING_DIRECTORY_MAX_CHARS:
            problems.add(
                "working_directory",
                f"{len(working_directory)} characters",
                f"must be at most {WORKING_DIRECTORY_MAX_CHARS:,} characters",
            )


def check_environment(
    problems: Problems, environment: Mapping[str, str] | None, unchecked: list[str] | None = None
) -> None:
    """Lambda's key pattern, its reserved keys, and 4 KB for all variables; a key that is a
    token (known at deploy time) is noted in ``unchecked``, as aws-cdk-lib accepts it."""
    if environment is None:
        return
    if not isinstance(environment, Mapping):
        problems.add("environment", environment, "must be a mapping of names to text values")
        return
    size = 0
    for key, value in environment.items():
        field = f"environment[{key!r}]"
        if isinstance(key, str) and is_unresolved(key):
            if unchecked is not None:
                unchecked.append(f"{field} (a token)")
            continue
        if not isinstance(key, str) or not ENVIRONMENT_KEY.fullmatch(key):
            problems.add(
                field,
                key,
                f"key must match {ENVIRONMENT_KEY.pattern}: a letter, then at least one letter,"
                " digit or underscore",
            )
        elif key in RESERVED_ENVIRONMENT_KEYS:
            problems.add(field, key, "key is reserved by Lambda and cannot be set")
        if not isinstance(value, str):
            problems.add(field, value, "value must be a string")
            continue
        if not isinstance(key, str):
            continue
        size += len(key.encode())
        # An unresolved value's deployed length is unknown; only literal text is counted.
        if not is_unresolved(value):
            size += len(value.encode())
    if size > ENVIRONMENT_MAX_BYTES:
        problems.add(
            "environment",
            f"{size:,} bytes",
            f"keys and values must fit Lambda's {ENVIRONMENT_MAX_BYTES:,}-byte limit in total",
        )


def check_range(
    problems: Problems, field: str, value: Any, bounds: tuple[int, int], unit: str
) -> None:
    if value is None or is_unresolved(value):
        return
    low, high = bounds
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        problems.add(field, value, f"must be between {low:,} and {high:,} {unit}".rstrip())


def check_whole_number(
    problems: Problems,
    unchecked: list[str],
    field: str,
    value: Any,
    bounds: tuple[int, int],
    unit: str,
) -> None:
    """An optional whole number in ``bounds``; a token is noted in ``unchecked``."""
    if value is None:
        return
    if is_unresolved(value):
        unchecked.append(field)
        return
    check_range(problems, field, value, bounds, unit)


def size_in_mb(problems: Problems, unchecked: list[str], field: str, value: Any) -> Any:
    """MB of an ``aws_cdk.Size`` or a whole number of MB; None when it is not one, a token
    (noted in ``unchecked``) when only known at deploy time."""
    from aws_cdk import Size  # only when a Size can be given: the rest of this module is pure

    if isinstance(value, Size):
        if value.is_unresolved():
            unchecked.append(field)
            return None
        try:
            return whole_mebibytes(problems, field, value.to_mebibytes())
        except RuntimeError:
            problems.add(
                field,
                f"{value.to_kibibytes():,} KiB",
                "must be a whole number of MiB (Size.mebibytes(n))",
            )
            return None
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    problems.add(field, value, "must be an aws_cdk.Size or a whole number of MB")
    return None


def duration_in_seconds(problems: Problems, unchecked: list[str], field: str, value: Any) -> Any:
    """Seconds of an ``aws_cdk.Duration`` or a whole number of seconds; None when it is not
    one, or only known at deploy time (then noted in ``unchecked``)."""
    from aws_cdk import Duration

    if isinstance(value, Duration):
        if value.is_unresolved():
            unchecked.append(field)
            return None
        milliseconds = value.to_milliseconds()
        if milliseconds % 1000:
            problems.add(field, value.to_human_string(), "must be a whole number of seconds")
            return None
        return int(milliseconds // 1000)
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    problems.add(field, value, "must be an aws_cdk.Duration or a whole number of seconds")
    return None


def check_function_name(problems: Problems, value: Any) -> None:
    if value is None or is_unresolved(value):
        return
    if not isinstance(value, str) or not FUNCTION_NAME.fullmatch(value):
        problems.add("function_name", value, "must be 1 to 64 letters, digits, '-' and '_'")


def check_description(problems: Problems, value: Any) -> None:
    if value is None or is_unresolved(value):
        return
    if not isinstance(value, str) or len(value) > DESCRIPTION_MAX_CHARS:
        problems.add(
            "description", value, f"must be text of at most {DESCRIPTION_MAX_CHARS} characters"
        )
