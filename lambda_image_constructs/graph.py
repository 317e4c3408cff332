"""Who can pull what: the accounts, Regions, repositories, images and functions of a
synthesized cloud assembly, with the grants between them, as JSON and as a Mermaid flowchart
(which GitHub and GitLab render in Markdown).

Read from ``cdk.out`` alone (templates, asset manifests, stack environments): nothing is
deployed or asked of AWS. Functions are grouped per account, Region and repository, so that
an organisation of 40 accounts stays readable.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from .access.audit import outsider
from .access.evaluate import PolicyError, statements_of
from .access.pull import (
    NO_ORGANIZATION,
    Principal,
    account_principal,
    can_pull,
    direct_pull,
    function_principal,
    lambda_pull,
)
from .access.templates import (
    AssemblyContents,
    RepositoryRecord,
    read_contents,
    stack_environment,
    stacks,
)
from .limits import ACCOUNT_ID, ORGANIZATION_ID
from .local.assembly import AssemblyError, read_json

_ACCOUNT_IN_ARN = re.compile(rf"arn:[^:]+:[a-z0-9-]+:[a-z0-9-]*:(?P<account>{ACCOUNT_ID.pattern}):")
_ORGANIZATION_ID = re.compile(rf"\b{ORGANIZATION_ID.pattern}\b")
_FUNCTION_ARN = re.compile(
    rf"arn:[^:]+:lambda:[^:]*:(?P<account>{ACCOUNT_ID.pattern}|\*):function:(?P<name>.+)"
)
MAX_NAMES = 4  # function names shown on a node before "+N more"


@dataclass
class Grant:
    """Who a repository's policy lets pull: an account (with the function name patterns its
    functions must match), an organisation, or anyone."""

    kind: str  # "account", "organization" or "anyone"
    principal: str
    function_patterns: list[str] = field(default_factory=list)
    direct: bool = False  # the account's principals may pull directly


@dataclass
class Repository:
    id: str
    account: str
    region: str
    name: str
    stack: str
    grants: list[Grant] = field(default_factory=list)


@dataclass
class Image:
    id: str
    name: str
    platform: str | None
    repository: str
    tag: str


@dataclass
class Function:
    account: str
    region: str
    stack: str
    logical_id: str
    name: str
    image_uri: str
    repository: str | None
    allowed: bool | None  # whether the repository's policy lets it pull (None: not ours)


@dataclass
class Graph:
    repositories: list[Repository] = field(default_factory=list)
    images: list[Image] = field(default_factory=list)
    functions: list[Function] = field(default_factory=list)

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2, sort_keys=True) + "\n"


GraphError = AssemblyError
"""The assembly cannot be read; the message says which file and why."""


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, Mapping):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def _sample(pattern: str) -> str:
    """A function name that a name pattern takes in."""
    return pattern.replace("*", "x").replace("?", "x") or "x"


def _grants(
    record: RepositoryRecord, contents: AssemblyContents, organization_id: str | None
) -> list[Grant]:
    """What the evaluator lets pull, asked for every account of the assembly and of the policy:
    an account's direct pulls and the function name patterns Lambda may pull for; then any
    account of an organisation the policy names, and any account at all."""
    text = list(_strings(_parsed(record.policy)))
    named = {m["account"] for t in text for m in _ACCOUNT_IN_ARN.finditer(t)}
    patterns = [m for t in text if (m := _FUNCTION_ARN.fullmatch(t))]
    grants: list[Grant] = []
    accounts = {r.account for r in contents.repositories} | {f.account for f in contents.functions}
    for account in sorted((accounts - {"unknown"}) | named):
        who = account_principal(account)
        direct = direct_pull(record, who, organization_id).allowed is True
        names = sorted({
            m["name"] for m in patterns if m["account"] in (account, "*")
            and lambda_pull(record, _function(record, account, _sample(m["name"])),
                            organization_id).allowed is True
        })  # fmt: skip
        if direct or names:
            grants.append(Grant("account", account, names, direct))
    stranger = account_principal(outsider(contents))
    for organization in sorted({m for t in text for m in _ORGANIZATION_ID.findall(t)}):
        if direct_pull(record, stranger, organization).allowed is True:
            grants.append(Grant("organization", organization, [], True))
    if direct_pull(record, stranger, NO_ORGANIZATION).allowed is True:
        grants.append(Grant("anyone", "*", [], True))
    return grants


def _parsed(policy: Any) -> Any:
    try:
        return statements_of(policy)
    except PolicyError:
        return []


def _function(record: RepositoryRecord, account: str, name: str) -> Principal:
    arn = f"arn:{record.partition}:lambda:{record.region}:{account}:function:{name}"
    return Principal("function", arn, account, record.partition, record.region)


def read_graph(outdir: Path, organization_id: str | None = None) -> Graph:
    """The graph of the assembly in ``outdir`` (``cdk.out``), its grants decided by the
    evaluator (:mod:`lambda_image_constructs.access`). ``organization_id``: the AWS
    Organization of the assembly's accounts (``""``: none; None: not known). Functions of a
    .zip package (aws-cdk-lib's custom-resource handlers, for example) are left out."""
    graph = Graph()
    contents = read_contents(outdir)
    by_place: dict[tuple[str, str, str], RepositoryRecord] = {}
    for record in contents.repositories:
        by_place[(record.account, record.region, record.name)] = record
        graph.repositories.append(
            Repository(
                record.id, record.account, record.region, record.name, record.stack,
                _grants(record, contents, organization_id),
            )
        )  # fmt: skip
    graph.images = _images(outdir)
    for function in contents.functions:
        if function.image_uri is None:
            continue
        pulled_from = by_place.get(function.image_place) if function.image_place else None
        allowed = (
            can_pull(pulled_from, function_principal(function), organization_id).allowed
            if pulled_from
            else None
        )
        graph.functions.append(
            Function(
                function.account, function.region, function.stack, function.logical_id,
                function.name or function.logical_id, function.image_uri,
                pulled_from.id if pulled_from else None, allowed,
            )
        )  # fmt: skip
    return graph


def _images(outdir: Path) -> list[Image]:
    images = []
    for folder, artifact in stacks(outdir):
        env = stack_environment(folder, artifact)
        account, region = env.account or "unknown", env.region or "unknown"
        for dependency in artifact.get("dependencies", []):
            if not dependency.endswith(".assets"):
                continue
            assets = read_json(folder / f"{dependency}.json", "file")
            for asset_id, image in (assets.get("dockerImages") or {}).items():
                for destination in image.get("destinations", {}).values():
                    images.append(
                        Image(
                            asset_id[:12],
                            str(image.get("displayName", asset_id[:12])).removesuffix("/Asset"),
                            image.get("source", {}).get("platform"),
                            f"{account}/{destination.get('region', region)}/"
                            f"{destination['repositoryName']}",
                            destination.get("imageTag", ""),
                        )
                    )
    return images


def _node(*parts: str) -> str:
    return re.sub(r"[^A-Za-z0-9_]", "_", "_".join(parts))


def _label(text: str) -> str:
    return text.replace('"', "'")


def to_mermaid(graph: Graph) -> str:
    """A Mermaid flowchart: a box per account, a box per Region in it, repositories, images
    and the account's functions grouped per repository; edges for publishing and pulling."""
    lines = ["flowchart LR"]
    places: dict[str, dict[str, list[str]]] = {}

    def add(account: str, region: str, line: str) -> None:
        places.setdefault(account, {}).setdefault(region, []).append(line)

    for repository in graph.repositories:
        add(repository.account, repository.region,
            f'{_node("repo", repository.id)}[("{_label(repository.name)}")]')  # fmt: skip
    seen_images = set()
    for image in graph.images:
        account, region, _ = image.repository.split("/", 2)
        if (image.name, image.repository) not in seen_images:
            seen_images.add((image.name, image.repository))
            platform = f" {image.platform}" if image.platform else ""
            add(account, region, f'{_node("image", image.name, image.repository)}'
                                 f'(["{_label(image.name)}{platform}"])')  # fmt: skip
    groups: dict[tuple[str, str, str | None], list[Function]] = {}
    for function in graph.functions:
        key = (function.account, function.region, function.repository)
        groups.setdefault(key, []).append(function)
    for (account, region, repository_id), members in sorted(
        groups.items(), key=lambda item: tuple(str(p) for p in item[0])
    ):
        names = sorted(f.name for f in members)
        shown = ", ".join(names[:MAX_NAMES]) + (
            f" +{len(names) - MAX_NAMES} more" if len(names) > MAX_NAMES else ""
        )
        count = f"{len(names)} function{'s' if len(names) != 1 else ''}"
        where = "" if repository_id else ", image outside this assembly"
        add(account, region, f'{_node("fns", account, region, repository_id or "elsewhere")}'
                             f'["{count}{where}: {_label(shown)}"]')  # fmt: skip
    stages: dict[str, set[str]] = {}
    for account, stack in [(r.account, r.stack) for r in graph.repositories] + [
        (f.account, f.stack) for f in graph.functions
    ]:
        stages.setdefault(account, set()).add(stack.split("/")[0])
    for account in sorted(places):
        named = ", ".join(sorted(stages.get(account, ())))
        title = f"account {account}" + (f" ({_label(named)})" if named else "")
        lines.append(f'  subgraph {_node("account", account)}["{title}"]')
        for region in sorted(places[account]):
            lines.append(f'    subgraph {_node("region", account, region)}["{region}"]')
            lines.extend(f"      {line}" for line in places[account][region])
            lines.append("    end")
        lines.append("  end")
    for image_name, repository_id in sorted({(i.name, i.repository) for i in graph.images}):
        lines.append(f'  {_node("image", image_name, repository_id)} -- "published to" --> '
                     f'{_node("repo", repository_id)}')  # fmt: skip
    for (account, region, repository_id), members in sorted(
        groups.items(), key=lambda item: tuple(str(p) for p in item[0])
    ):
        if repository_id is None:
            continue
        refused = [f for f in members if f.allowed is False]
        unknown = [f for f in members if f.allowed is None]
        label = (
            f"pull refused for {len(refused)}" if refused else
            f"pull not known for {len(unknown)}" if unknown else "pulls"
        )  # fmt: skip
        arrow, end = ("-. ", " .->") if refused or unknown else ("-- ", " -->")
        lines.append(f'  {_node("repo", repository_id)} {arrow}"{label}"{end} '
                     f'{_node("fns", account, region, repository_id)}')  # fmt: skip
    return "\n".join(lines) + "\n"


def to_markdown(graph: Graph) -> str:
    return f"```mermaid\n{to_mermaid(graph)}```\n"
