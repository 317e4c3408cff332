"""The configuration of organisation-wide functions: functions that run in every account of one
or more organisational units, deployed by a service-managed CloudFormation StackSet
(``orgWideFunctions``), and the organisation paths a repository is shared with.

Kept beside ``config.py`` (which imports it for ``AppConfig``) so that the StackSet settings
are read in one place; the cross-checks that relate them to the rest of the document are
``cross_check_org_wide``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any, Literal

from pydantic import Field, StrictInt, StrictStr

from lambda_image_constructs import quota_limits
from lambda_image_constructs.errors import Problems

# config.py imports this module once it has defined these, just before AppConfig.
from .config import (
    FunctionSpec,
    Name,
    Region,
    RolloutSettings,
    Wave,
    _bounds,
    _from,
    _pattern,
    _schema_pattern,
    _Section,
)

# The path of an organisational unit: ORG_PATH with at least one unit.
OU_PATH = "o-[a-z0-9]{10,32}/r-[0-9a-z]{4,32}/(ou-[0-9a-z]{4,32}-[a-z0-9]{8,32}/)+"
OrganizationalUnitPath = Annotated[
    StrictStr,
    _pattern(
        OU_PATH,
        "must be the path of an organisational unit such as"
        " 'o-a1b2c3d4e5/r-ab12/ou-ab12-11111111/' (ending in the unit's ID and '/')",
    ),
    _schema_pattern(OU_PATH),
]
_CONCURRENT = quota_limits.STACK_SET_MAX_CONCURRENT_PERCENT
_TOLERANCE = quota_limits.STACK_SET_FAILURE_TOLERANCE_PERCENT
ConcurrentPercent = Annotated[StrictInt, _from(*_CONCURRENT), _bounds(*_CONCURRENT)]
TolerancePercent = Annotated[StrictInt, _from(*_TOLERANCE), _bounds(*_TOLERANCE)]


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


def organizational_unit_id(path: str) -> str:
    """The last unit of an Organizations path: 'o-x/r-y/ou-y-1/ou-y-2/' -> 'ou-y-2'."""
    return path.rstrip("/").rsplit("/", 1)[1]


def cross_check_org_wide(
    problems: Problems,
    document: Mapping[str, Any],
    repository_by_name: Mapping[str, Mapping[str, Any]],
    image_by_name: Mapping[str, Mapping[str, Any]],
    image_region: str | None,
) -> None:
    """What relates ``orgWideFunctions`` to the rest: their images exist, are published in
    each of their Regions, and sit in repositories shared with their units."""
    blocks = document.get("orgWideFunctions")
    if not isinstance(blocks, list):
        return
    names: dict[str, str] = {}
    for index, block in enumerate(blocks):
        if not isinstance(block, Mapping):
            continue
        path = f"orgWideFunctions[{index}]"
        name = block.get("name")
        if isinstance(name, str):
            if name in names:
                problems.add(f"{path}.name", name, f"must be unique; {names[name]} has it too")
            names.setdefault(name, path)
        units = [u for u in block.get("organizationalUnits") or [] if isinstance(u, str)]
        regions = [r for r in block.get("regions") or [] if isinstance(r, str)]
        functions = block.get("functions")
        for f_index, function in enumerate(functions if isinstance(functions, list) else []):
            image_name = function.get("image") if isinstance(function, Mapping) else None
            if not isinstance(image_name, str):
                continue
            where = f"{path}.functions[{f_index}].image"
            image = image_by_name.get(image_name)
            if image is None:
                problems.add(where, image_name, f"must name one of images: {sorted(image_by_name)}")
                continue
            repository = repository_by_name.get(str(image.get("repository")))
            if repository is None:
                continue
            _check_shared(problems, where, image_name, repository, units)
            published = {image_region, *(repository.get("regions") or [])}
            for region in regions:
                if region not in published:
                    problems.add(
                        f"{path}.regions",
                        region,
                        f"must be a Region image {image_name!r} is published in"
                        f" ({sorted(map(str, published))}): add it to the regions of"
                        f" repository {repository.get('name')!r}",
                    )


def _check_shared(
    problems: Problems,
    where: str,
    image_name: str,
    repository: Mapping[str, Any],
    units: list[str],
) -> None:
    if repository.get("organizationId") is not None:
        return
    shared = [p for p in repository.get("organizationPaths") or [] if isinstance(p, str)]
    for unit in units:
        if not any(unit.startswith(path) for path in shared):
            problems.add(
                where,
                image_name,
                f"is in repository {repository.get('name')!r}, which is not shared with"
                f" {unit}: add that path (or one above it) to the repository's"
                " organizationPaths, or share it with the organizationId",
            )
