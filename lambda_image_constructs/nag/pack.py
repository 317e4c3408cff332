"""``LambdaContainerImageChecks``: lists the rules of ``rules/`` with their wording and level,
and runs them as a cdk-nag 3 pack (a CDK validation plugin)."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, cast

from aws_cdk import (
    CfnResource,
    IPolicyValidationContext,
    NestedStack,
    PolicyValidationPluginReport,
    PolicyViolatingResource,
    PolicyViolation,
    Stack,
    Validations,
)
from aws_cdk import aws_ecr as ecr
from aws_cdk import aws_lambda as lambda_
from cdk_nag import NagMessageLevel, NagPack
from constructs import IConstruct

from ..limits import ACCOUNT_ID
from ..tokens import is_unresolved
from . import rules
from .rules import Compliance, RuleContext
from .rules.common import IMAGE_PLATFORM_METADATA

PACK_NAME = "LambdaContainerImage"


@dataclass(frozen=True)
class RuleSpec:
    check: Callable[[Any, RuleContext], Compliance]
    level: NagMessageLevel
    info: str
    explanation: str

    @property
    def suffix(self) -> str:
        return "".join(word.capitalize() for word in self.check.__name__.split("_"))

    @property
    def rule_id(self) -> str:
        return f"{PACK_NAME}-{self.suffix}"


RULES = (
    RuleSpec(
        rules.lambda_pull_source_condition,
        NagMessageLevel.ERROR,
        "The repository is shared with other accounts but a lambda.amazonaws.com statement"
        " carries no aws:sourceARN, aws:SourceAccount or aws:SourceOrgID condition.",
        "Without it the Lambda service may pull the images for functions of any account that"
        " can name them; the guide's LambdaECRImageCrossAccountRetrievalPolicy names them.",
    ),
    RuleSpec(
        rules.service_principal_wildcard_action,
        NagMessageLevel.ERROR,
        "The repository policy grants an AWS service wildcard actions (or NotAction).",
        "The service could push, delete images or change the policy as well as pull; grant"
        " lambda.amazonaws.com ecr:BatchGetImage and ecr:GetDownloadUrlForLayer only.",
    ),
    RuleSpec(
        rules.repository_no_open_principal,
        NagMessageLevel.ERROR,
        "The repository policy grants Principal '*' without an organisation condition.",
        "Anyone in any account could pull the images; narrow '*' with aws:PrincipalOrgID.",
    ),
    RuleSpec(
        rules.repository_immutable_tags,
        NagMessageLevel.ERROR,
        "The repository's image tags are mutable.",
        "A function that runs a tag would silently run another image once the tag moves.",
    ),
    RuleSpec(
        rules.repository_scan_on_push,
        NagMessageLevel.ERROR,
        "The repository does not scan images on push.",
        "Vulnerabilities in a pushed image go unnoticed until someone scans by hand.",
    ),
    RuleSpec(
        rules.repository_retained,
        NagMessageLevel.ERROR,
        "The repository is not retained when its stack is deleted.",
        "Deleting the stack would delete the images that running functions need.",
    ),
    RuleSpec(
        rules.cross_account_image_digest,
        NagMessageLevel.WARN,
        "The function runs another account's image by tag, not by digest.",
        "The other account can move the tag; a digest always names the same image.",
    ),
    RuleSpec(
        rules.function_architecture_matches_image,
        NagMessageLevel.ERROR,
        "The function's architecture is not the platform its image was built for.",
        "The function would fail at start with 'exec format error'.",
    ),
    RuleSpec(
        rules.image_config_absolute_entrypoint,
        NagMessageLevel.ERROR,
        "The ImageConfig EntryPoint does not name its executable by absolute path.",
        "Lambda does not search PATH for the entry point.",
    ),
)
CHECKED_CLASSES = (ecr.CfnRepository, lambda_.CfnFunction)
CHECKED_TYPES = frozenset({"AWS::ECR::Repository", "AWS::Lambda::Function"})
REGISTRY_SCANNING = "AWS::ECR::RegistryScanningConfiguration"
_DELETION_POLICIES = {
    "RETAIN": "Retain",
    "DELETE": "Delete",
    "SNAPSHOT": "Snapshot",
    "RETAIN_EXCEPT_ON_CREATE": "RetainExceptOnCreate",
}
_ACKNOWLEDGED_PREFIX = re.compile(r"^annotation::", re.IGNORECASE)


def _suppressed(resource: dict[str, Any]) -> frozenset[str]:
    """The rule IDs the template says are acknowledged on a resource (cdk-nag's
    ``WriteNagSuppressionsToCloudFormationAspect``, which ``register_compliance_packs`` adds,
    writes every acknowledgement of the resource and its ancestors there)."""
    metadata = resource.get("Metadata")
    nag = metadata.get("cdk_nag") if isinstance(metadata, dict) else None
    rules = nag.get("rules_to_suppress") if isinstance(nag, dict) else None
    if not isinstance(rules, list):
        return frozenset()
    return frozenset(r["id"] for r in rules if isinstance(r, dict) and isinstance(r.get("id"), str))


def _collect_registry_scanning(template: dict[str, Any], into: list[Any]) -> None:
    """The scanning rules of a template's registry scanning configurations, added to ``into``."""
    for resource in (template.get("Resources") or {}).values():
        if isinstance(resource, dict) and resource.get("Type") == REGISTRY_SCANNING:
            rules = (resource.get("Properties") or {}).get("Rules") or []
            into.extend(r for r in rules if isinstance(r, dict))


@dataclass(frozen=True)
class _Finding:
    spec: RuleSpec
    construct_path: str
    error: str | None = None  # the rule could not read the resource


def _checked(construct: IConstruct) -> bool:
    """Whether a rule of this pack may apply: told from the Python class of the jsii proxy (no
    round trip) for aws-cdk-lib's typed L1s, asked of Node for any other ``CfnResource``."""
    if isinstance(construct, CHECKED_CLASSES):
        return True
    if not isinstance(construct, CfnResource):
        return False
    cls = type(construct)
    if cls is not CfnResource and cls.__module__.startswith("aws_cdk."):
        return False  # another of aws-cdk-lib's typed L1s: its class is its type
    return construct.cfn_resource_type in CHECKED_TYPES


def _violated(resource: dict[str, Any], context: RuleContext) -> list[tuple[RuleSpec, str | None]]:
    """The rules the resource breaks; a rule that fails to read it counts as broken, with why
    (as cdk-nag does), so that it is seen or acknowledged rather than skipped."""
    found: list[tuple[RuleSpec, str | None]] = []
    for spec in RULES:
        try:
            if spec.check(resource, context) is Compliance.NON_COMPLIANT:
                found.append((spec, None))
        except Exception as error:  # any failure of a rule is reported, as cdk-nag does
            found.append((spec, f"{type(error).__name__}: {error}"))
    return found


def _checked_by_logical_id(app: IConstruct) -> dict[tuple[str, str], IConstruct]:
    """Every resource a rule may apply to, by (stack path, logical ID): a few round trips
    each, so only asked for when a finding needs its construct."""
    found: dict[tuple[str, str], IConstruct] = {}
    stack_paths: dict[Stack, str] = {}
    for construct in app.node.find_all():
        if _checked(construct):
            stack = Stack.of(construct)
            if stack not in stack_paths:
                stack_paths[stack] = stack.node.path
            resource = cast(CfnResource, construct)
            # resolved rather than get_logical_id, which misses override_logical_id
            found[(stack_paths[stack], str(stack.resolve(resource.logical_id)))] = construct
    return found


def _nested_stacks(app: IConstruct) -> list[tuple[str, str, str]]:
    """(construct path, template file, path of its top stack) of every nested stack."""
    found = []
    for construct in app.node.find_all():
        if isinstance(construct, NestedStack):
            top: Stack = construct
            while top.nested:
                top = cast(Stack, top.nested_stack_parent)
            found.append((construct.node.path, construct.template_file, top.node.path))
    return found


@cache
def _acknowledged_rules_key() -> str:
    return Validations.ACKNOWLEDGED_RULES_METADATA_KEY


def _acknowledged(construct: IConstruct, rule_id: str) -> bool:
    """Whether ``rule_id`` is acknowledged on the construct or an ancestor, the way cdk-nag reads
    ``Validations.of(x).acknowledge(...)``."""
    key = _acknowledged_rules_key()
    current: IConstruct | None = construct
    while current is not None:
        node = current.node
        for entry in node.metadata:
            if entry.type != key or not entry.data:
                continue
            if any(_ACKNOWLEDGED_PREFIX.sub("", key) == rule_id for key in entry.data):
                return True
        current = node.scope
    return False


class LambdaContainerImageChecks(NagPack):
    """Checks that Lambda container image repositories and functions follow the AWS guide.

    Register it like the other packs:
    ``Validations.of(app).add_plugins(LambdaContainerImageChecks())``.

    Unlike cdk-nag's own packs, this one does not let cdk-nag walk the tree: that walk calls
    back from Node into Python once for every resource of the app, while only ECR repositories
    and Lambda functions concern these rules (at 2,000 functions it cost more than the three
    JavaScript packs together; see benchmarks/README.md). At synth it reads the written
    templates; ``validate_scope`` walks the tree in one call. The report has cdk-nag's shape:
    one violation per rule, its resources by construct path, acknowledgements honoured on the
    resource and its ancestors.
    """

    def __init__(self, scope: IConstruct | None = None) -> None:
        super().__init__(scope)
        self._pack_name = PACK_NAME
        self._findings: list[_Finding] = []
        self._accounts: dict[Stack, str | None] = {}
        # every checked resource by (stack path, logical ID), made when a finding needs one
        self._constructs: dict[tuple[str, str], IConstruct] | None = None
        # registry scanning rules by (account, Region), for validate_scope
        self._scanning: dict[tuple[str, str], list[Any]] = {}

    @property
    def name(self) -> str:
        return PACK_NAME

    def validate(self, context: IPolicyValidationContext) -> PolicyValidationPluginReport:
        """What CDK calls at synth, once the templates are written: the rules read each
        repository and function as its template has it (overrides included) with no round
        trip to Node; only a finding the template does not say is acknowledged is looked up in
        the construct tree, for its path and its acknowledgements."""
        self._findings = []
        app = context.app_construct
        if app is None:
            raise ValueError(
                "LambdaContainerImageChecks needs the app on the validation context"
                " (aws-cdk-lib 2.275 or newer); call validate_scope(app) otherwise"
            )
        self._constructs = None
        has_nested_stacks = False
        stacks: dict[str, tuple[Path, str | None, str | None]] = {}
        read: list[tuple[str, dict[str, Any], str | None, str | None]] = []
        scanning: dict[tuple[str | None, str | None], list[Any]] = {}
        for stack in context.stack_templates:
            template_path, account = Path(stack.template_path), stack.account_id
            stacks[stack.stack_construct_path] = (template_path.parent, account, stack.region)
            template = json.loads(template_path.read_text())
            read.append((stack.stack_construct_path, template, account, stack.region))
            _collect_registry_scanning(template, scanning.setdefault((account, stack.region), []))
        for stack_path, template, account, region in read:
            has_nested_stacks |= self._check_template(
                app, stack_path, template, account, tuple(scanning.get((account, region), ()))
            )
        if has_nested_stacks:
            # Nested stacks' templates are not listed; they are written beside their top stack's.
            for nested_path, template_file, top in _nested_stacks(app):
                if top in stacks:
                    folder, account, region = stacks[top]
                    self._check_template(
                        app,
                        nested_path,
                        json.loads((folder / template_file).read_text()),
                        account,
                        tuple(scanning.get((account, region), ())),
                    )
        return self._report()

    def _check_template(
        self,
        app: IConstruct,
        stack_path: str,
        template: dict[str, Any],
        account: str | None,
        registry_scanning: tuple[Any, ...] = (),
    ) -> bool:
        """Check one stack's template; returns whether it holds nested stacks."""
        context = RuleContext(
            account if account and ACCOUNT_ID.fullmatch(account) else None, registry_scanning
        )
        has_nested_stacks = False
        for resource_id, resource in (template.get("Resources") or {}).items():
            cfn_type = resource.get("Type")
            has_nested_stacks |= cfn_type == "AWS::CloudFormation::Stack"
            if cfn_type not in CHECKED_TYPES:
                continue
            for spec, error in _violated(resource, context):
                if spec.rule_id in _suppressed(resource):
                    continue
                if self._constructs is None:
                    self._constructs = _checked_by_logical_id(app)
                construct = self._constructs.get((stack_path, resource_id))
                if construct is None:
                    self._findings.append(_Finding(spec, f"{stack_path}/{resource_id}", error))
                elif not _acknowledged(construct, spec.rule_id):
                    self._findings.append(_Finding(spec, construct.node.path, error))
        return has_nested_stacks

    def validate_scope(self, scope: IConstruct) -> PolicyValidationPluginReport:
        """Check every ECR repository and Lambda function under ``scope``, as the construct
        tree has them (for tests, and for a tree that was not synthesized)."""
        self._findings = []
        # The whole tree in one round trip; the class of each proxy says what it is.
        constructs = scope.node.find_all()
        self._scanning = {}
        for construct in constructs:
            if isinstance(construct, ecr.CfnRegistryScanningConfiguration):
                stack = Stack.of(construct)
                rendered = stack.resolve(construct._render_properties(construct._cfn_properties))
                found = self._scanning.setdefault((stack.account, stack.region), [])
                _collect_registry_scanning(
                    {"Resources": {"R": {"Type": REGISTRY_SCANNING, "Properties": rendered}}},
                    found,
                )
        for construct in constructs:
            if _checked(construct):
                self._check_resource(cast(CfnResource, construct))
        return self._report()

    def _report(self) -> PolicyValidationPluginReport:
        # one violation per rule (and per error a rule ran into), as cdk-nag reports them
        by_rule: dict[tuple[str, str | None], list[str]] = {}
        for finding in self._findings:
            key = (finding.spec.rule_id, finding.error)
            by_rule.setdefault(key, []).append(finding.construct_path)
        specs = {spec.rule_id: spec for spec in RULES}
        violations = [
            PolicyViolation(
                rule_name=rule_id,
                description=(
                    specs[rule_id].info
                    if error is None
                    else f"The rule could not read the resource ({error})."
                ),
                severity="error" if specs[rule_id].level is NagMessageLevel.ERROR else "warning",
                violating_resources=[
                    PolicyViolatingResource(construct_path=path, locations=["Properties"])
                    for path in paths
                ],
            )
            for (rule_id, error), paths in by_rule.items()
        ]
        return PolicyValidationPluginReport(success=not violations, violations=violations)

    def _check_resource(self, node: CfnResource) -> None:
        stack = Stack.of(node)
        if isinstance(node, lambda_.CfnFunction):
            cfn_type = "AWS::Lambda::Function"
        elif isinstance(node, ecr.CfnRepository):
            cfn_type = "AWS::ECR::Repository"
        else:
            cfn_type = node.cfn_resource_type
        function = cfn_type == "AWS::Lambda::Function"
        # The resource as CloudFormation will see it (property overrides aside), then pure
        # Python rules; only what the rules of its type read is asked of Node.
        resource: dict[str, Any] = {
            "Type": cfn_type,
            "Properties": stack.resolve(node._render_properties(node._cfn_properties)),
        }
        if function:
            resource["Metadata"] = {
                IMAGE_PLATFORM_METADATA: node.get_metadata(IMAGE_PLATFORM_METADATA)
            }
        else:
            deletion = node.cfn_options.deletion_policy
            resource["DeletionPolicy"] = _DELETION_POLICIES.get(deletion.name) if deletion else None
        scanning = tuple(self._scanning.get((stack.account, stack.region), ()))
        for spec, error in _violated(resource, RuleContext(self._account_of(stack), scanning)):
            if not _acknowledged(node, spec.rule_id):
                self._findings.append(_Finding(spec, node.node.path, error))

    def _account_of(self, stack: Stack) -> str | None:
        if stack not in self._accounts:
            account = stack.account
            self._accounts[stack] = None if is_unresolved(account) else account
        return self._accounts[stack]
