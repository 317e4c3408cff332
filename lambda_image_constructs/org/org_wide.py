"""Organisation-wide functions: one service-managed CloudFormation StackSet per
``orgWideFunctions`` block, deploying the block's functions to every account of its
organisational units (and each account that joins them later) in the listed Regions.

Why ``CfnStackSet`` and not cdklabs' cdk-stacksets: the StackSet's template here is a plain
functions template whose one outside reference is the image, and the image is not an asset of
the template (it was published by the image account's stage, in every Region it is used);
cdk-stacksets exists to carry assets (Lambda code zips) into StackSet templates through
per-Region asset buckets, which these functions do not need, and it is an experimental (0.x)
package with its own CDK pin. The template is made with the library's own constructs in a
separate ``App`` (so it is checked by the same packs and quotas) and handed over whole.

In each member account and Region the functions pull their image from the image account's
repository of that Region, by ``${AWS::Region}``: the image is published there under the same
tag (its asset hash), and the repository's policy lets the accounts under the units' paths
(``aws:PrincipalOrgPaths``) and the Lambda service on their behalf (``aws:SourceOrgPaths``)
pull it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from aws_cdk import App, DefaultStackSynthesizer, Environment, Fn, Stack, Stage
from aws_cdk import aws_cloudformation as cloudformation
from constructs import Construct

from lambda_image_constructs import ImageSource, LambdaImage
from lambda_image_constructs.compliance import (
    compliance_packs_registered,
    register_compliance_packs,
    write_acknowledgements_into_templates,
)
from lambda_image_constructs.errors import Problems
from lambda_image_constructs.limits import TEMPLATE_BODY_BYTES
from lambda_image_constructs.option_types import check_construct, child_path
from lambda_image_constructs.quotas import register_quota_checks

from .config import AppConfig, OrgWideFunctionsSpec
from .image_function_stack import ImageFunctionStack, check_images_given

STACK_SET_PREFIX = "lambda-images-"


def stack_set_name(block: OrgWideFunctionsSpec) -> str:
    return f"{STACK_SET_PREFIX}{block.name}"


def organizational_unit_id(path: str) -> str:
    """The last unit of an Organizations path: 'o-x/r-y/ou-y-1/ou-y-2/' -> 'ou-y-2'."""
    return path.rstrip("/").rsplit("/", 1)[1]


def regional_image_uri(images: Sequence[LambdaImage], problems: Problems, where: str) -> str:
    """The image's URI in whichever Region the template is deployed to (``${AWS::Region}``):
    every Region's copy has the same tag, in the same-named repository of the image account."""
    first = images[0]
    for copy in images[1:]:
        if copy.image_tag != first.image_tag or copy.repository_name != first.repository_name:
            problems.add(
                where,
                first.construct_path,
                "must be published under one tag and repository name in every Region",
            )
    return Fn.sub(
        f"{first.account}.dkr.ecr.${{AWS::Region}}.${{AWS::URLSuffix}}"
        f"/{first.repository_name}:{first.image_tag}"
    )


def functions_template(
    block: OrgWideFunctionsSpec,
    images: Mapping[str, Sequence[LambdaImage]],
    outdir: Path,
    checked: bool,
) -> dict[str, Any]:
    """The StackSet's template: the block's functions, made in an App of their own (written to
    ``outdir``, where the validators read it too) with the library's checks."""
    problems = Problems()
    sources = {
        name: ImageSource.from_image_uri(
            regional_image_uri(images[name], problems, f"orgWideFunctions[{block.name}]"),
            architecture=images[name][0].architecture_name,
        )
        for name in {f.image for f in block.functions}
    }
    problems.raise_if_any(f"orgWideFunctions[{block.name}]")
    app = App(outdir=str(outdir))
    if checked:
        register_compliance_packs(app)
    ImageFunctionStack(
        app,
        "Functions",
        functions=block.functions,
        images=sources,
        where=f"orgWideFunctions[{block.name}]",
        description=f"Lambda functions of every account of {stack_set_name(block)}",
        # Member accounts need not be CDK-bootstrapped: no bootstrap version check.
        synthesizer=DefaultStackSynthesizer(generate_bootstrap_version_rule=False),
    )
    assembly = app.synth()
    return dict(assembly.get_stack_by_name("Functions").template)


class OrgWideFunctionsStack(Stack):
    """A service-managed StackSet of one ``orgWideFunctions`` block, administered from the
    image account as the organisation's delegated StackSet administrator."""

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        block: OrgWideFunctionsSpec,
        images: Mapping[str, Sequence[LambdaImage]],
        **kwargs: Any,
    ) -> None:
        check_construct(
            OrgWideFunctionsStack, scope, id, {"block": block, "images": images, **kwargs}
        )
        check_images_given(
            f"OrgWideFunctionsStack {child_path(scope, id)}", block.functions, images
        )
        super().__init__(scope, id, **kwargs)
        register_quota_checks(self)
        stage = Stage.of(self)
        outdir = Path(stage.outdir if stage else ".") / f"stackset.{block.name}"
        checked = compliance_packs_registered(self)
        template = functions_template(block, images, outdir, checked)
        body = json.dumps(template, separators=(",", ":"))
        if len(body.encode()) > TEMPLATE_BODY_BYTES:
            problems = Problems()
            problems.add(
                f"orgWideFunctions[{block.name}].functions",
                f"{len(body.encode()):,} bytes of template",
                f"must fit CloudFormation's {TEMPLATE_BODY_BYTES:,} bytes of a StackSet"
                " template given inline: spread the functions over more orgWideFunctions blocks",
            )
            problems.raise_if_any(f"stack {self.node.path}")
        named_iam = any(
            r.get("Type", "").startswith("AWS::IAM::")
            and any(k.endswith("Name") for k in r.get("Properties", {}))
            for r in template.get("Resources", {}).values()
        )
        self.stack_set = cloudformation.CfnStackSet(
            self,
            "StackSet",
            stack_set_name=stack_set_name(block),
            description=f"Lambda functions in every account of {len(block.organizational_units)}"
            " organisational unit(s) (lambda-image-constructs)",
            permission_model="SERVICE_MANAGED",
            call_as="DELEGATED_ADMIN",
            auto_deployment=cloudformation.CfnStackSet.AutoDeploymentProperty(
                enabled=True,
                retain_stacks_on_account_removal=block.retain_stacks_on_account_removal,
            ),
            managed_execution={"Active": True},
            capabilities=["CAPABILITY_NAMED_IAM" if named_iam else "CAPABILITY_IAM"],
            operation_preferences=cloudformation.CfnStackSet.OperationPreferencesProperty(
                max_concurrent_percentage=block.max_concurrent_percent,
                failure_tolerance_percentage=block.failure_tolerance_percent,
                region_concurrency_type=block.region_concurrency.upper(),
                region_order=list(block.regions),
            ),
            stack_instances_group=[
                cloudformation.CfnStackSet.StackInstancesProperty(
                    deployment_targets=cloudformation.CfnStackSet.DeploymentTargetsProperty(
                        organizational_unit_ids=[
                            organizational_unit_id(u) for u in block.organizational_units
                        ]
                    ),
                    regions=list(block.regions),
                )
            ],
            template_body=body,
        )


class OrgWideFunctionsStage(Stage):
    """The image account's stage of one ``orgWideFunctions`` block (its StackSet), deployed in
    the block's wave."""

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        config: AppConfig,
        block: OrgWideFunctionsSpec,
        images: Mapping[str, Sequence[LambdaImage]],
        **kwargs: Any,
    ) -> None:
        given = {"config": config, "block": block, "images": images, **kwargs}
        check_construct(OrgWideFunctionsStage, scope, id, given, set_here=("env",))
        env = Environment(account=config.image_account.account, region=config.image_account.region)
        super().__init__(scope, id, env=env, **kwargs)
        write_acknowledgements_into_templates(self)
        self.stack = OrgWideFunctionsStack(
            self,
            "StackSet",
            env=env,
            block=block,
            images=images,
            description=f"The StackSet {stack_set_name(block)} (lambda-image-constructs)",
        )
