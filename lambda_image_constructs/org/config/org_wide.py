"""The cross-checks of ``orgWideFunctions`` (functions in every account of organisational
units, deployed by a service-managed StackSet) against the rest of the document: their images
exist, are published in each of their Regions, and sit in repositories shared with their units
(``organizationPaths`` or ``organizationId``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from lambda_image_constructs.errors import Problems


def named_image(
    problems: Problems, where: str, name: str, image_by_name: Mapping[str, Mapping[str, Any]]
) -> Mapping[str, Any] | None:
    """The image a function names, or a problem at ``where`` listing the images there are."""
    image = image_by_name.get(name)
    if image is None:
        problems.add(where, name, f"must name one of images: {sorted(image_by_name)}")
    return image


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
            image = named_image(problems, where, image_name, image_by_name)
            if image is None:
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
