"""What relates one part of the document to another: names referenced and unique, the same
account and Region, rollout settings that only work together. Checked on the document as
given (not on the models), so that these problems are reported with the models' own."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import TypeAdapter, ValidationError

from lambda_image_constructs.errors import Problems
from lambda_image_constructs.limits import partition_of

from .keys import told_at
from .models import FunctionSpec, with_defaults
from .org_wide import cross_check_org_wide, named_image
from .values import AccountId, NonEmpty, Region, stack_id


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
            problems.add(path, name, f"must be a unique {what}; {seen[name]} has it too")
        seen.setdefault(name, path)


Section = list[tuple[str, Mapping[str, Any]]]


def cross_check(problems: Problems, document: Mapping[str, Any]) -> None:
    """Every problem of how the document's parts relate, added to ``problems``."""
    repositories = _section(document, "repositories")
    images = _section(document, "images")
    consumers = _section(document, "consumerAccounts")
    image_account = document.get("imageAccount")
    image_account = image_account if isinstance(image_account, Mapping) else {}
    image_region = _text(image_account, "region", Region)
    _cross_check_names(problems, repositories, images, consumers)
    repository_by_name = {n: r for _, r in repositories if (n := _text(r, "name"))}
    image_by_name = {n: i for _, i in images if (n := _text(i, "name"))}
    for path, consumer in consumers:
        _cross_check_consumer(
            problems, path, consumer, image_account, image_region, image_by_name, repository_by_name
        )
    cross_check_org_wide(problems, document, repository_by_name, image_by_name, image_region)
    for path, block in _section(document, "orgWideFunctions"):
        _cross_check_functions(problems, path, block)
    pipeline = document.get("pipeline")
    if isinstance(pipeline, Mapping):
        waves = [*consumers, *_section(document, "orgWideFunctions")]
        _cross_check_pipeline(problems, pipeline, waves, image_account, image_region)
    _cross_check_regions(problems, repositories, image_region)
    # The supply-chain settings' module builds on these models: imported when first used.
    from ..supply_chain_config import cross_check_supply_chain

    cross_check_supply_chain(problems, document)


def _cross_check_names(
    problems: Problems, repositories: Section, images: Section, consumers: Section
) -> None:
    """Names are unique, and every name used is one given."""
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
    repository_names = sorted(n for _, r in repositories if (n := _text(r, "name")))
    first_path: dict[str, str] = {}  # each name once: a name given twice is reported above
    for path, repository in repositories:
        if (name := _text(repository, "name")) and name not in first_path:
            first_path[name] = f"{path}.name"
    _unique(
        problems,
        [(path, stack_id(name)) for name, path in first_path.items()],
        "stack ID once each run of characters other than letters, digits and '-' is a '-'"
        " (another repository's name differs only in those)",
    )
    consumer_names = sorted(n for _, c in consumers if (n := _text(c, "name")))
    for path, repository in repositories:
        listed = repository.get("consumers")
        for index, name in enumerate(listed if isinstance(listed, list) else []):
            if isinstance(name, str) and name not in consumer_names:
                problems.add(
                    f"{path}.consumers[{index}]",
                    name,
                    f"must name one of consumerAccounts: {consumer_names}",
                )
    for path, image in images:
        named = _text(image, "repository")
        if named and named not in repository_names:
            problems.add(
                f"{path}.repository", named, f"must name one of repositories: {repository_names}"
            )


def _cross_check_pipeline(
    problems: Problems,
    pipeline: Mapping[str, Any],
    waves: Section,
    image_account: Mapping[str, Any],
    image_region: str | None,
) -> None:
    """``waves``: the consumer accounts and orgWideFunctions blocks, each in one wave."""
    numbers = {c.get("wave", 1) for _, c in waves}
    for path, wave in _section(pipeline, "waves"):
        if isinstance(wave.get("wave"), int) and wave["wave"] not in numbers:
            problems.add(
                f"pipeline.{path}.wave",
                wave["wave"],
                f"must be a wave of consumerAccounts or orgWideFunctions: {sorted(numbers)}",
            )
    account, region = _text(image_account, "account", AccountId), image_region
    if account and region:
        where = (_text(pipeline, "account", AccountId), _text(pipeline, "region", Region) or region)
        if where[0] and where != (account, region):
            problems.add(
                "pipeline.account",
                f"{where[0]}/{where[1]}",
                f"must be the image account and Region ({account}/{region}): the pipeline"
                " stack holds the image repositories so that they exist before the pipeline"
                " publishes images into them",
            )


def _cross_check_regions(
    problems: Problems, repositories: Section, image_region: str | None
) -> None:
    """A repository's more Regions: other than the image Region, each once, in its partition."""
    home_partition = partition_of(image_region)[0] if image_region else None
    for path, repository in repositories:
        listed = repository.get("regions")
        regions = [r for r in (listed if isinstance(listed, list) else []) if isinstance(r, str)]
        if image_region in regions:
            problems.add(
                f"{path}.regions",
                image_region,
                "must list only Regions other than the"
                " image account's, where the repository is anyway",
            )
        _unique(problems, [(f"{path}.regions[{i}]", r) for i, r in enumerate(regions)], "Region")
        for index, region in enumerate(regions):
            if home_partition and partition_of(region)[0] != home_partition:
                problems.add(
                    f"{path}.regions[{index}]",
                    region,
                    f"must be in the image Region's partition ({home_partition}): partitions"
                    " share no accounts",
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
    functions = _cross_check_functions(problems, path, consumer)
    for function_path, function in functions:
        image_name = _text(function, "image")
        if image_name is None:
            continue
        where = f"{path}.{function_path}.image"
        image = named_image(problems, where, image_name, image_by_name)
        if image is None:
            continue
        holder = repository_by_name.get(_text(image, "repository") or "")
        regions = holder.get("regions") if holder is not None else None
        available = {image_region, *(regions if isinstance(regions, list) else [])}
        if region and image_region and region not in available:
            problems.add(
                f"{path}.region",
                region,
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


def _cross_check_functions(problems: Problems, path: str, holder: Mapping[str, Any]) -> Section:
    """The functions of a consumer account or an orgWideFunctions block: names unique, and
    each one's rollout settings merged with the holder's ``functionDefaults``."""
    defaults = holder.get("functionDefaults")
    defaults = defaults if isinstance(defaults, Mapping) else {}
    if defaults:
        _cross_check_rollout(problems, f"{path}.functionDefaults", defaults, {})
    functions = _section(holder, "functions")
    _unique(
        problems,
        [(f"{path}.{p}.name", _text(f, "name")) for p, f in functions],
        "function name",
    )
    for function_path, function in functions:
        _cross_check_rollout(problems, f"{path}.{function_path}", function, defaults)
    return functions


def _cross_check_rollout(
    problems: Problems, path: str, settings: Mapping[str, Any], defaults: Mapping[str, Any]
) -> None:
    """A function's rollout settings (or an account's defaults) as Lambda and CodeDeploy take
    them, merged with the defaults as ``with_defaults`` merges them."""
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
    merged = with_defaults(settings, defaults)
    provisioned = merged.get("provisionedConcurrency")
    if not isinstance(provisioned, int) or provisioned < 1:
        return  # none, or the models report it
    reserved = merged.get("reservedConcurrentExecutions")
    # ImageFunction's own rule (it needs aws-cdk-lib, imported only when it applies).
    from lambda_image_constructs.rollout import check_provisioning

    found = Problems()
    check_provisioning(
        found,
        provisioned_concurrency=provisioned,
        scaling=None,
        reserved_concurrent_executions=reserved if isinstance(reserved, int) else None,
        snap_start=merged.get("snapStart") is True,
    )
    problems.extend(told_at(found, path, FunctionSpec.model_fields, {}))
