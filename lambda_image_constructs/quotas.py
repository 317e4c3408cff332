"""Service quotas checked on the synthesized templates: every stack of an app that uses the
library, the user's own stacks included, is held to the CloudFormation, CodePipeline and IAM
quotas that would otherwise fail its deploy (numbers in ``limits.py``).

``QuotaChecks`` is an aws-cdk-lib validation plugin: it reads the written templates (no
construct tree, no jsii round trip per resource) and reports each quota passed as a fatal
violation naming the stack, the figure, the quota and the fix; CDK then fails synth with that
report, as it does for cdk-nag's packs. Fatal: a quota cannot be acknowledged away.
``register_quota_checks`` adds it to an app once; the library's constructs and stages call it,
so any app with one of them is checked whole. ``check_cloud_assembly`` runs the same checks
over a ``cdk.out`` folder and raises our ``LambdaImageValidationError``.

Pure Python apart from the plugin's shell.
"""

from __future__ import annotations

import json
import weakref
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jsii
from aws_cdk import (
    IPolicyValidationContext,
    IPolicyValidationPlugin,
    PolicyValidationPluginReport,
    PolicyViolatingResource,
    PolicyViolation,
    Stage,
    Validations,
)
from constructs import IConstruct

from . import limits as q
from .errors import Problems
from .tree import root_of

PLUGIN_NAME = "LambdaImageQuotas"
# An unresolved reference (Ref, Fn::GetAtt, Fn::ImportValue, ...) counts as this many
# characters in a policy: about an ARN's length, so a policy is judged as deployed, not as
# its template writes it.
REFERENCE_CHARS = 64
# What the pseudo parameters resolve to where the Region is not known: their longest.
PSEUDO = {
    "AWS::Partition": q.LONGEST_PARTITION,
    "AWS::AccountId": "123456789012",
    "AWS::Region": q.LONGEST_REGION,
    "AWS::URLSuffix": "amazonaws.com.cn",
}


@dataclass(frozen=True)
class QuotaProblem:
    """One quota a template passes: where, the figure, the quota and what to do."""

    stack: str
    what: str
    figure: int
    limit: int
    fix: str
    resource: str | None = None

    @property
    def rule(self) -> str:
        return f"{PLUGIN_NAME}-{self.what.split(' (')[0].title().replace(' ', '')}"

    @property
    def message(self) -> str:
        at = f" ({self.resource})" if self.resource else ""
        return (
            f"{self.stack}{at}: {self.what} is {self.figure:,}, past the quota of {self.limit:,};"
            f" the deploy would fail. {self.fix}"
        )


# --- measuring ----------------------------------------------------------------------------------


def pseudo_parameters(region: str | None) -> dict[str, str]:
    """The pseudo parameters of a stack in ``region``, or their longest if it is not known."""
    if not region:
        return PSEUDO
    partition = (
        "aws-cn"
        if region.startswith("cn-")
        else "aws-us-gov"
        if region.startswith("us-gov-")
        else "aws"
    )
    suffix = "amazonaws.com.cn" if partition == "aws-cn" else "amazonaws.com"
    return {**PSEUDO, "AWS::Partition": partition, "AWS::Region": region, "AWS::URLSuffix": suffix}


def resolved(value: Any, pseudo: Mapping[str, str] = PSEUDO) -> Any:
    """``value`` with its intrinsics replaced by strings of about their deployed length."""
    if isinstance(value, list):
        return [resolved(v, pseudo) for v in value]
    if not isinstance(value, dict):
        return value
    if len(value) == 1:
        ((key, argument),) = value.items()
        if key == "Ref":
            return pseudo.get(str(argument), "x" * REFERENCE_CHARS)
        if key == "Fn::Join" and isinstance(argument, list) and len(argument) == 2:
            separator, parts = argument
            if isinstance(separator, str) and isinstance(parts, list):
                return separator.join(str(resolved(part, pseudo)) for part in parts)
        if key.startswith("Fn::") or key == "Condition":
            return "x" * REFERENCE_CHARS
    return {k: resolved(v, pseudo) for k, v in value.items()}


def policy_text(document: Any, pseudo: Mapping[str, str] = PSEUDO) -> str:
    """A policy as deployed: its JSON without white space, intrinsics resolved."""
    return json.dumps(resolved(document, pseudo), separators=(",", ":"), ensure_ascii=False)


def policy_chars(document: Any, pseudo: Mapping[str, str] = PSEUDO) -> int:
    """A policy's length as IAM counts it: its JSON without white space."""
    return len(policy_text(document, pseudo))


def _logical_ids(value: Any) -> list[str]:
    """The roles, users or groups a policy names: ``Ref``s by logical ID, names as written."""
    items = value if isinstance(value, list) else []
    return [
        str(item["Ref"]) if isinstance(item, dict) and "Ref" in item else json.dumps(item)
        for item in items
    ]


# --- the checks -------------------------------------------------------------------------------

SPLIT_STACK = (
    "Move resources into another stack (for a consumer account's functions: raise its"
    " functionStacks; for the organisation pipeline: lower pipeline.wavesPerPipeline)."
)


def template_problems(
    stack: str, template: Mapping[str, Any], size: int, region: str | None = None
) -> list[QuotaProblem]:
    """Every quota ``template`` (``size`` bytes as written) of a stack in ``region`` passes."""
    pseudo = pseudo_parameters(region)
    found: list[QuotaProblem] = []
    resources: Mapping[str, Any] = template.get("Resources") or {}
    counted = (
        ("template size (bytes)", size, q.TEMPLATE_BYTES, SPLIT_STACK),
        ("resources", len(resources), q.STACK_RESOURCES, SPLIT_STACK),
        (
            "outputs",
            len(template.get("Outputs") or {}),
            q.STACK_OUTPUTS,
            "Export fewer values from the stack, or split it.",
        ),
        (
            "parameters",
            len(template.get("Parameters") or {}),
            q.STACK_PARAMETERS,
            "Pass fewer parameters (assets each add some with a legacy synthesizer), or split"
            " the stack.",
        ),
    )
    for what, figure, limit, fix in counted:
        if figure > limit:
            found.append(QuotaProblem(stack, what, figure, limit, fix))
    for logical_id, resource in resources.items():
        if isinstance(resource, dict):
            found.extend(_resource_problems(stack, logical_id, resource, pseudo))
    found.extend(_inline_policy_problems(stack, resources, pseudo))
    return found


def _resource_problems(
    stack: str, logical_id: str, resource: Mapping[str, Any], pseudo: Mapping[str, str]
) -> Iterator[QuotaProblem]:
    kind, properties = resource.get("Type"), resource.get("Properties") or {}
    if kind == "AWS::CodePipeline::Pipeline" and isinstance(properties.get("Stages"), list):
        stages = properties["Stages"]
        split = "Split the pipeline (the organisation pipeline: lower pipeline.wavesPerPipeline)."
        if len(stages) > q.PIPELINE_STAGES:
            yield QuotaProblem(
                stack, "pipeline stages", len(stages), q.PIPELINE_STAGES, split, logical_id
            )
        for stage in stages:
            actions = stage.get("Actions") if isinstance(stage, dict) else None
            if isinstance(actions, list) and len(actions) > q.STAGE_ACTIONS:
                yield QuotaProblem(
                    stack,
                    f"actions in stage {stage.get('Name')}",
                    len(actions),
                    q.STAGE_ACTIONS,
                    "Spread the stage's actions over more stages.",
                    logical_id,
                )
    elif kind == "AWS::IAM::ManagedPolicy" and "PolicyDocument" in properties:
        chars = policy_chars(properties["PolicyDocument"], pseudo)
        if chars > q.MANAGED_POLICY_CHARS:
            yield QuotaProblem(
                stack,
                "managed policy size (characters)",
                chars,
                q.MANAGED_POLICY_CHARS,
                "Split its statements over more managed policies.",
                logical_id,
            )
    elif kind in _RESOURCE_POLICIES and _RESOURCE_POLICIES[kind][0] in properties:
        key, what, limit = _RESOURCE_POLICIES[kind]
        size = len(policy_text(properties[key], pseudo).encode())
        if size > limit:
            yield QuotaProblem(
                stack,
                what,
                size,
                limit,
                "Grant fewer principals in it (an organisation condition instead of a list of"
                " accounts), or split what it guards.",
                logical_id,
            )
    elif kind == "AWS::IAM::Role" and "AssumeRolePolicyDocument" in properties:
        chars = policy_chars(properties["AssumeRolePolicyDocument"], pseudo)
        if chars > q.ROLE_TRUST_POLICY_CHARS:
            yield QuotaProblem(
                stack,
                "trust policy size (characters)",
                chars,
                q.ROLE_TRUST_POLICY_CHARS,
                "Trust fewer principals (an organisation condition instead of a list of"
                " accounts), or ask AWS to raise the quota to"
                f" {q.ROLE_TRUST_POLICY_RAISED_CHARS:,}.",
                logical_id,
            )


_RESOURCE_POLICIES = {
    "AWS::S3::BucketPolicy": (
        "PolicyDocument",
        "bucket policy size (bytes)",
        q.BUCKET_POLICY_BYTES,
    ),
    "AWS::KMS::Key": ("KeyPolicy", "key policy size (bytes)", q.KEY_POLICY_BYTES),
}

_INLINE = {
    "Roles": ("role", q.ROLE_INLINE_POLICIES_CHARS),
    "Users": ("user", q.USER_INLINE_POLICIES_CHARS),
    "Groups": ("group", q.GROUP_INLINE_POLICIES_CHARS),
}


def _inline_policy_problems(
    stack: str, resources: Mapping[str, Any], pseudo: Mapping[str, str]
) -> Iterator[QuotaProblem]:
    """The inline policies of each role, user and group of the template, added up."""
    totals: dict[tuple[str, str], int] = {}
    for logical_id, resource in resources.items():
        if not isinstance(resource, dict):
            continue
        kind, properties = resource.get("Type"), resource.get("Properties") or {}
        if kind == "AWS::IAM::Policy":
            chars = policy_chars(properties.get("PolicyDocument"), pseudo)
            for key in _INLINE:
                for holder in _logical_ids(properties.get(key)):
                    totals[key, holder] = totals.get((key, holder), 0) + chars
        elif kind in ("AWS::IAM::Role", "AWS::IAM::User", "AWS::IAM::Group"):
            key = f"{kind.rsplit('::', 1)[1]}s"
            inline = properties.get("Policies")
            for policy in inline if isinstance(inline, list) else []:
                chars = policy_chars(
                    policy.get("PolicyDocument") if isinstance(policy, dict) else 0
                )
                totals[key, logical_id] = totals.get((key, logical_id), 0) + chars
    attached: dict[str, int] = {}
    for resource in resources.values():
        if isinstance(resource, dict) and resource.get("Type") == "AWS::IAM::ManagedPolicy":
            for holder in _logical_ids((resource.get("Properties") or {}).get("Roles")):
                attached[holder] = attached.get(holder, 0) + 1
    for logical_id, resource in resources.items():
        if isinstance(resource, dict) and resource.get("Type") == "AWS::IAM::Role":
            arns = (resource.get("Properties") or {}).get("ManagedPolicyArns")
            count = attached.get(logical_id, 0) + (len(arns) if isinstance(arns, list) else 0)
            if count > q.ROLE_MANAGED_POLICIES:
                yield QuotaProblem(
                    stack,
                    "managed policies attached to the role",
                    count,
                    q.ROLE_MANAGED_POLICIES,
                    "Merge managed policies, or ask AWS to raise the quota (at most 20).",
                    logical_id,
                )
    for (key, holder), chars in sorted(totals.items()):
        kind, limit = _INLINE[key]
        if chars > limit:
            yield QuotaProblem(
                stack,
                f"inline policies of the {kind} (characters)",
                chars,
                limit,
                "Grant less (fewer resources or a wildcard narrowed by a condition), or move"
                f" statements into customer managed policies ({q.MANAGED_POLICY_CHARS:,} characters"
                " each).",
                holder,
            )


# --- over a cloud assembly ----------------------------------------------------------------------


Listed = tuple[str, Path, str | None]  # a stack, its template file, its Region if known


def templates_of(outdir: str | Path) -> Iterator[Listed]:
    """Every stack template of the cloud assembly at ``outdir``, nested assemblies (Stages) and
    nested stacks included."""
    folder = Path(outdir)
    manifest = json.loads((folder / "manifest.json").read_text())
    for artifact_id, artifact in (manifest.get("artifacts") or {}).items():
        properties = artifact.get("properties") or {}
        if artifact.get("type") == "aws:cloudformation:stack":
            path = folder / properties["templateFile"]
            region = str(artifact.get("environment", "")).rsplit("/", 1)[-1]
            known = region if region and not region.startswith("unknown") else None
            name = artifact.get("displayName") or artifact_id
            yield name, path, known
            yield from _nested_templates(name, path, known)
        elif artifact.get("type") == "cdk:cloud-assembly":
            yield from templates_of(folder / properties["directoryName"])


def _nested_templates(stack: str, path: Path, region: str | None) -> Iterator[Listed]:
    template = json.loads(path.read_text())
    for logical_id, resource in (template.get("Resources") or {}).items():
        asset = (resource.get("Metadata") or {}).get("aws:asset:path")
        if resource.get("Type") == "AWS::CloudFormation::Stack" and isinstance(asset, str):
            nested = path.parent / asset
            if nested.is_file():
                yield f"{stack}/{logical_id}", nested, region
                yield from _nested_templates(f"{stack}/{logical_id}", nested, region)


def problems_in(templates: Iterable[Listed]) -> list[QuotaProblem]:
    found: list[QuotaProblem] = []
    for stack, path, region in templates:
        text = path.read_bytes()
        found.extend(template_problems(stack, json.loads(text), len(text), region))
    return found


def check_cloud_assembly(outdir: str | Path) -> None:
    """Raise one ``LambdaImageValidationError`` naming every quota a stack of the synthesized
    app at ``outdir`` passes."""
    problems = Problems()
    for problem in problems_in(templates_of(outdir)):
        problems.add(
            f"{problem.stack}" + (f" {problem.resource}" if problem.resource else ""),
            problem.figure,
            f"has {problem.what} past the quota of {problem.limit:,}; {problem.fix}",
        )
    problems.raise_if_any(f"cloud assembly {outdir}")


# --- the validation plugin ----------------------------------------------------------------------


@jsii.implements(IPolicyValidationPlugin)
class QuotaChecks:
    """The quota checks as an aws-cdk-lib validation plugin; see the module's docstring."""

    @property
    def name(self) -> str:
        return PLUGIN_NAME

    @property
    def version(self) -> str | None:
        return None

    @property
    def rule_ids(self) -> list[str] | None:
        return None

    def validate(self, context: IPolicyValidationContext) -> PolicyValidationPluginReport:
        listed: list[Listed] = []
        for stack in context.stack_templates:
            path, region = Path(stack.template_path), stack.region
            listed.append((stack.stack_construct_path, path, region))
            listed.extend(_nested_templates(stack.stack_construct_path, path, region))
        found = problems_in(listed)
        violations = [
            PolicyViolation(
                rule_name=problem.rule,
                description=problem.message,
                severity="fatal",
                violating_resources=[
                    PolicyViolatingResource(
                        construct_path=problem.stack
                        + (f"/{problem.resource}" if problem.resource else ""),
                        locations=["Resources" if problem.resource else "(template)"],
                    )
                ],
            )
            for problem in found
        ]
        return PolicyValidationPluginReport(success=not violations, violations=violations)


_CHECKED: weakref.WeakKeyDictionary[IConstruct, QuotaChecks] = weakref.WeakKeyDictionary()


def register_quota_checks(scope: IConstruct) -> None:
    """Check every stack of ``scope``'s app against the quotas at synth (once per app).

    The plugin goes on the root stage (the ``App``): CDK gives a plugin there every stack of
    the app, those of nested ``Stage``s included. A tree without an ``App`` (a bare ``Stage``)
    registers on that root instead."""
    root = root_of(scope)
    if root in _CHECKED or not Stage.is_stage(root):
        return
    _CHECKED[root] = QuotaChecks()
    Validations.of(root).add_plugins(_CHECKED[root])
