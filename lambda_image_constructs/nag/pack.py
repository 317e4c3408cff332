"""``LambdaContainerImageChecks``: lists the rules of ``rules/`` with their wording and level,
and runs them as a cdk-nag 3 pack (a CDK validation plugin)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, cast

import jsii
from aws_cdk import CfnResource, Stack
from aws_cdk import aws_ecr as ecr
from aws_cdk import aws_lambda as lambda_
from cdk_nag import IApplyRule, NagMessageLevel, NagPack, NagRuleCompliance
from constructs import IConstruct

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
        "The repository is shared with other accounts but no lambda.amazonaws.com statement"
        " carries an aws:sourceARN or aws:SourceAccount condition.",
        "Without it the Lambda service may pull the images for functions of any account that"
        " can name them; the guide's LambdaECRImageCrossAccountRetrievalPolicy names them.",
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
_DELETION_POLICIES = {
    "RETAIN": "Retain",
    "DELETE": "Delete",
    "SNAPSHOT": "Snapshot",
    "RETAIN_EXCEPT_ON_CREATE": "RetainExceptOnCreate",
}
_COMPLIANCE = {
    Compliance.COMPLIANT: NagRuleCompliance.COMPLIANT,
    Compliance.NON_COMPLIANT: NagRuleCompliance.NON_COMPLIANT,
    Compliance.NOT_APPLICABLE: NagRuleCompliance.NOT_APPLICABLE,
}


@jsii.implements(IApplyRule)
class _AppliedRule:
    """One rule's verdict on one resource, in the shape cdk-nag's applyRule reads (properties:
    plain attributes would arrive undefined on the JavaScript side)."""

    def __init__(self, spec: RuleSpec, node: CfnResource, verdict: Compliance) -> None:
        self._spec, self._node, self._verdict = spec, node, verdict

    @property
    def rule_suffix_override(self) -> str:
        return self._spec.suffix

    @property
    def info(self) -> str:
        return self._spec.info

    @property
    def explanation(self) -> str:
        return self._spec.explanation

    @property
    def level(self) -> NagMessageLevel:
        return self._spec.level

    @property
    def node(self) -> CfnResource:
        return self._node

    def rule(self, node: CfnResource) -> NagRuleCompliance:
        return _COMPLIANCE[self._verdict]


class LambdaContainerImageChecks(NagPack):
    """Checks that Lambda container image repositories and functions follow the AWS guide.

    Register it like the other packs:
    ``Validations.of(app).add_plugins(LambdaContainerImageChecks())``.
    """

    def __init__(self, scope: IConstruct | None = None) -> None:
        super().__init__(scope)
        self._pack_name = PACK_NAME

    @property
    def name(self) -> str:
        return PACK_NAME

    def _check_resource(self, node: CfnResource) -> None:
        # cdk-nag calls this for every resource of the app; the Python class of the jsii proxy
        # tells the type without another round trip to Node.
        if not isinstance(node, CHECKED_CLASSES):
            return
        stack = Stack.of(node)
        # The resource as CloudFormation will see it (property overrides aside), then pure
        # Python rules.
        deletion = node.cfn_options.deletion_policy
        resource = {
            "Type": node.cfn_resource_type,
            "Properties": stack.resolve(node._render_properties(node._cfn_properties)),
            "DeletionPolicy": _DELETION_POLICIES.get(deletion.name) if deletion else None,
            "Metadata": {IMAGE_PLATFORM_METADATA: node.get_metadata(IMAGE_PLATFORM_METADATA)},
        }
        account = stack.account
        context = RuleContext(None if is_unresolved(account) else account)
        for spec in RULES:
            verdict = spec.check(resource, context)
            if verdict is not Compliance.NOT_APPLICABLE:
                self._apply_rule(cast(IApplyRule, _AppliedRule(spec, node, verdict)))
