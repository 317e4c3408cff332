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

from .limits import ACCOUNT_ID
from .local.assembly import AssemblyError, _manifests, read_json

LAMBDA_SERVICE = "lambda.amazonaws.com"
_ENVIRONMENT = re.compile(r"aws://(?P<account>[^/]+)/(?P<region>.+)")
_IMAGE_URI = re.compile(
    rf"(?P<account>{ACCOUNT_ID.pattern})\.dkr\.ecr\.(?P<region>[a-z0-9-]+)\.[a-z0-9.-]+/"
    r"(?P<repository>[a-z0-9._/-]+?)(?::(?P<tag>[^@:/]+)|@(?P<digest>sha256:[a-f0-9]+))$"
)
_ACCOUNT_ROOT = re.compile(rf"arn:[^:]+:iam::(?P<account>{ACCOUNT_ID.pattern}):root")
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


def _read_json(path: Path) -> Any:
    return read_json(path, "file")


def _stacks(outdir: Path) -> Iterator[tuple[Path, dict[str, Any]]]:
    """Every stack artifact of the assembly and its nested assemblies (Stages), each once."""
    for folder, manifest in _manifests(outdir):
        for artifact in (manifest.get("artifacts") or {}).values():
            if isinstance(artifact, dict) and artifact.get("type") == "aws:cloudformation:stack":
                yield folder, artifact


def _resolve(value: Any, account: str, region: str) -> Any:
    """Pseudo parameters, ``Fn::Join`` and ``Fn::Sub`` of them, as CloudFormation would."""
    pseudo = {
        "AWS::AccountId": account,
        "AWS::Region": region,
        "AWS::Partition": "aws-cn" if region.startswith("cn-") else
                          "aws-us-gov" if region.startswith("us-gov-") else "aws",
        "AWS::URLSuffix": "amazonaws.com.cn" if region.startswith("cn-") else "amazonaws.com",
    }  # fmt: skip
    if isinstance(value, list):
        return [_resolve(v, account, region) for v in value]
    if isinstance(value, Mapping):
        if set(value) == {"Ref"} and value["Ref"] in pseudo:
            return pseudo[value["Ref"]]
        if set(value) == {"Fn::Join"}:
            separator, parts = value["Fn::Join"]
            resolved = [_resolve(p, account, region) for p in parts]
            if all(isinstance(p, str) for p in resolved):
                return separator.join(resolved)
        if set(value) == {"Fn::Sub"} and isinstance(value["Fn::Sub"], str):
            return re.sub(r"\$\{([^}]+)\}", lambda m: pseudo.get(m[1], m[0]), value["Fn::Sub"])
        return {k: _resolve(v, account, region) for k, v in value.items()}
    return value


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [] if value is None else [value]


def _grants(policy: Any, owner: str) -> list[Grant]:
    """The pulls a repository policy allows, by account or organisation."""
    by_account: dict[str, set[str]] = {}
    roots: set[str] = set()
    grants: list[Grant] = []
    for statement in _as_list(policy.get("Statement") if isinstance(policy, Mapping) else None):
        if not isinstance(statement, Mapping) or statement.get("Effect", "Allow") != "Allow":
            continue
        principal = statement.get("Principal")
        condition = statement.get("Condition") or {}
        services = _as_list(principal.get("Service")) if isinstance(principal, Mapping) else []
        aws = (
            ["*"] if principal == "*" else
            _as_list(principal.get("AWS")) if isinstance(principal, Mapping) else []
        )  # fmt: skip
        organization = next(
            (v for block in condition.values() if isinstance(block, Mapping)
             for k, v in block.items() if k.lower() == "aws:principalorgid"),
            None,
        )  # fmt: skip
        if LAMBDA_SERVICE in services:
            arns = [
                a for block in condition.values() if isinstance(block, Mapping)
                for k, v in block.items() if k.lower() == "aws:sourcearn" for a in _as_list(v)
            ]  # fmt: skip
            if not arns and not organization:
                by_account.setdefault(owner, set()).add("*")
            for arn in arns:
                if isinstance(arn, str) and (match := _FUNCTION_ARN.fullmatch(arn)):
                    account = owner if match["account"] == "*" else match["account"]
                    by_account.setdefault(account, set()).add(match["name"])
        for entry in aws:
            if entry == "*":
                kind, who = ("organization", str(organization)) if organization else ("anyone", "*")
                if not any(g.kind == kind and g.principal == who for g in grants):
                    grants.append(Grant(kind, who))
            elif isinstance(entry, str) and (match := _ACCOUNT_ROOT.fullmatch(entry)):
                roots.add(match["account"])
    # Another account's functions need both halves: the account may read the image (its root)
    # and the Lambda service may pull for its functions (aws:sourceARN).
    for account, patterns in sorted(by_account.items()):
        if account == owner or account in roots:
            grants.append(Grant("account", account, sorted(patterns)))
    return grants


def _allowed(repository: Repository, account: str, name: str) -> bool:
    for grant in repository.grants:
        if grant.kind in ("organization", "anyone"):
            return True
        if grant.kind == "account" and grant.principal == account:
            patterns = grant.function_patterns or ["*"]
            return any(re.fullmatch(re.escape(p).replace(r"\*", ".*").replace(r"\?", "."), name)
                       for p in patterns)  # fmt: skip
    return False


def read_graph(outdir: Path) -> Graph:
    """The graph of the assembly in ``outdir`` (``cdk.out``)."""
    graph = Graph()
    by_place: dict[tuple[str, str, str], Repository] = {}
    functions: list[tuple[str, str, str, str, Mapping[str, Any]]] = []
    for folder, artifact in _stacks(outdir):
        match = _ENVIRONMENT.fullmatch(artifact.get("environment", ""))
        account, region = (match["account"], match["region"]) if match else ("unknown", "unknown")
        stack = artifact.get("displayName") or artifact["properties"].get("stackName", "?")
        template = _read_json(folder / artifact["properties"]["templateFile"])
        for logical_id, resource in (template.get("Resources") or {}).items():
            properties = _resolve(resource.get("Properties") or {}, account, region)
            if resource.get("Type") == "AWS::ECR::Repository":
                name = properties.get("RepositoryName", logical_id)
                repository = Repository(
                    f"{account}/{region}/{name}", account, region, name, stack,
                    _grants(properties.get("RepositoryPolicyText"), account),
                )  # fmt: skip
                by_place[(account, region, name)] = repository
                graph.repositories.append(repository)
            elif resource.get("Type") == "AWS::Lambda::Function":
                functions.append((account, region, stack, logical_id, properties))
        for dependency in artifact.get("dependencies", []):
            if dependency.endswith(".assets"):
                assets = _read_json(folder / f"{dependency}.json")
                for asset_id, image in (assets.get("dockerImages") or {}).items():
                    for destination in image.get("destinations", {}).values():
                        graph.images.append(
                            Image(
                                asset_id[:12],
                                str(image.get("displayName", asset_id[:12])).removesuffix("/Asset"),
                                image.get("source", {}).get("platform"),
                                f"{account}/{destination.get('region', region)}/"
                                f"{destination['repositoryName']}",
                                destination.get("imageTag", ""),
                            )
                        )
    for account, region, stack, logical_id, properties in functions:
        uri = (properties.get("Code") or {}).get("ImageUri")
        name = properties.get("FunctionName")
        name = name if isinstance(name, str) else logical_id
        parsed = _IMAGE_URI.fullmatch(uri) if isinstance(uri, str) else None
        pulled_from = (
            by_place.get((parsed["account"], parsed["region"], parsed["repository"]))
            if parsed
            else None
        )
        graph.functions.append(
            Function(
                account, region, stack, logical_id, name,
                uri if isinstance(uri, str) else json.dumps(uri),
                pulled_from.id if pulled_from else None,
                _allowed(pulled_from, account, name) if pulled_from else None,
            )
        )  # fmt: skip
    return graph


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
        add(account, region, f'{_node("fns", account, region, str(repository_id))}'
                             f'["{count}: {_label(shown)}"]')  # fmt: skip
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
        label = f"pull refused for {len(refused)}" if refused else "pulls"
        arrow = "-. " if refused else "-- "
        end = " .->" if refused else " -->"
        lines.append(f'  {_node("repo", repository_id)} {arrow}"{label}"{end} '
                     f'{_node("fns", account, region, str(repository_id))}')  # fmt: skip
    return "\n".join(lines) + "\n"


def to_markdown(graph: Graph) -> str:
    return f"```mermaid\n{to_mermaid(graph)}```\n"
