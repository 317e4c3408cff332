"""What every test uses to build and read apps: the context of cdk.json, so tests and
`cdk synth` run with the same feature flags, and small readers of synthesized templates."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from functools import cache
from pathlib import Path
from typing import Any

from aws_cdk import App, Environment, Stack

from lambda_image_constructs.access.audit import PullProblem, pull_problems
from lambda_image_constructs.access.templates import RepositoryRecord, read_contents
from lambda_image_constructs.compliance import acknowledgements as list_acknowledgements
from lambda_image_constructs.compliance import register_compliance_packs

PROJECT_ROOT = Path(__file__).resolve().parent.parent
# The image every test that builds one uses: Debian with the runtime interface client.
SAMPLE = PROJECT_ROOT / "samples" / "debian-ric"
IMAGE_ACCOUNT = "111111111111"
CONSUMER_A = "222222222222"
CONSUMER_B = "333333333333"
DIGEST = "sha256:" + "0123456789abcdef" * 4
IMAGE_URI = f"{IMAGE_ACCOUNT}.dkr.ecr.us-east-1.amazonaws.com/platform/lambda-images@{DIGEST}"
"""An image of the image account by digest, for functions of a consumer account."""
CONSUMER_ENV = Environment(account=CONSUMER_A, region="us-east-1")


@cache
def cdk_json_context() -> Mapping[str, Any]:
    """The ``context`` block of cdk.json, exactly as the CDK CLI passes it to app.py."""
    return json.loads((PROJECT_ROOT / "cdk.json").read_text())["context"]


def new_app(**extra_context: Any) -> App:
    """An app with cdk.json's context and the project's cdk-nag packs, as app.py builds it."""
    app = App(context={**cdk_json_context(), **extra_context})
    register_compliance_packs(app)
    return app


def new_stack(
    account: str | None = IMAGE_ACCOUNT, region: str | None = "us-east-1", app: App | None = None
) -> Stack:
    """A fresh stack in a fresh app; ``account=None, region=None`` is environment-agnostic."""
    env = Environment(account=account, region=region) if account or region else None
    return Stack(app or new_app(), "TestStack", env=env)


def template_of(stack: Stack) -> dict[str, Any]:
    app = stack.node.root
    assert isinstance(app, App)
    return app.synth().get_stack_by_name(stack.stack_name).template  # type: ignore[no-any-return]


def resources_of_type(template: Mapping[str, Any], cfn_type: str) -> dict[str, dict[str, Any]]:
    return {
        logical_id: resource
        for logical_id, resource in template.get("Resources", {}).items()
        if resource["Type"] == cfn_type
    }


def only_resource_of_type(template: Mapping[str, Any], cfn_type: str) -> dict[str, Any]:
    found = resources_of_type(template, cfn_type)
    assert len(found) == 1, f"expected one {cfn_type}, found {sorted(found)}"
    return next(iter(found.values()))


def walk_strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, Mapping):
        for item in value.values():
            yield from walk_strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from walk_strings(item)


_PSEUDO_PARAMETERS = re.compile(r"^AWS::(Partition|Region|AccountId|URLSuffix)$")


def resolve_intrinsics(value: Any, pseudo: Mapping[str, str]) -> Any:
    """Resolve ``Fn::Join`` and ``Ref`` of pseudo parameters, as CloudFormation would for the
    given values (for example ``{"AWS::Partition": "aws"}``)."""
    if isinstance(value, list):
        return [resolve_intrinsics(v, pseudo) for v in value]
    if isinstance(value, Mapping):
        if set(value) == {"Ref"} and _PSEUDO_PARAMETERS.match(str(value["Ref"])):
            return pseudo[value["Ref"]]
        if set(value) == {"Fn::Join"}:
            separator, parts = value["Fn::Join"]
            return separator.join(str(resolve_intrinsics(p, pseudo)) for p in parts)
        return {k: resolve_intrinsics(v, pseudo) for k, v in value.items()}
    return value


def nag_findings(app: App, *packs: Any) -> list[tuple[str, str]]:
    """(rule, construct path) of every unacknowledged finding of the given cdk-nag packs."""
    found = []
    for pack in packs:
        for violation in pack.validate_scope(app).violations:
            for resource in violation.violating_resources:
                found.append((violation.rule_name, resource.construct_path))
    return sorted(found)


def acknowledgements(app: App) -> dict[str, str]:
    """Every acknowledged finding in the app: ``'<construct path> <rule id>' -> reason``."""
    return {f"{a.construct_path} {a.rule}": a.reason for a in list_acknowledgements(app)}


def assembly_templates(outdir: str | Path) -> dict[str, dict[str, Any]]:
    """Every stack template of a cloud assembly, Stage assemblies included, by display name."""
    root = Path(outdir)
    manifest = json.loads((root / "manifest.json").read_text())
    found: dict[str, dict[str, Any]] = {}
    for name, artifact in sorted(manifest.get("artifacts", {}).items()):
        properties = artifact.get("properties", {})
        if artifact.get("type") == "cdk:cloud-assembly":
            found.update(assembly_templates(root / properties["directoryName"]))
        elif artifact.get("type") == "aws:cloudformation:stack":
            template = json.loads((root / properties["templateFile"]).read_text())
            found[artifact.get("displayName", name)] = template
    return found


def repository_records(stack: Stack) -> dict[str, RepositoryRecord]:
    """The repositories of a stack's app as the evaluator reads them from the assembly, by
    repository ID (``account/Region/name``)."""
    app = stack.node.root
    assert isinstance(app, App)
    records = read_contents(Path(app.synth().directory)).repositories
    return {r.id: r for r in records if r.stack == stack.stack_name or r.stack == stack.node.path}


PULL_RULE_MARKER = "pull_rule_exempt"
"""Marks a test that synthesizes a function refused by its repository on purpose (say why)."""
_checked_assemblies: dict[tuple[str, float], list[PullProblem]] = {}


def check_pull_rule(outdir: str | Path, *, exempt: bool = False) -> None:
    """The library's access rule over a synthesized assembly (every function can pull its
    image; no outside account or its functions can pull), decided by the evaluator; each
    assembly is read once. A function refused is allowed only in an ``exempt`` test. An
    outsider the evaluator cannot decide about (the tokens of an environment-agnostic stack)
    is not a proven breach: only a certain "allowed" counts."""
    root = Path(outdir)
    key = (str(root), (root / "manifest.json").stat().st_mtime)
    if key not in _checked_assemblies:
        _checked_assemblies[key] = pull_problems(root)
    problems = [
        p
        for p in _checked_assemblies[key]
        if (p.kind == "refused" and not exempt) or (p.kind == "outsider" and p.allowed is True)
    ]
    assert not problems, "the access rule does not hold:\n" + "\n".join(map(str, problems))
