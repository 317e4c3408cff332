"""The app: the default configuration's stages, the pipeline, and synth from any folder."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from aws_cdk import App
from syrupy.assertion import SnapshotAssertion

from app import build_app, pinned_cli_version
from stacks.generate import org_config

from .cdk_harness import (
    PROJECT_ROOT,
    assembly_templates,
    cdk_json_context,
    new_app,
    resources_of_type,
)

# What a clone needs to synthesize the app (tests, docs and tooling are not part of it).
APP_SOURCES = ["app.py", "cdk.json", "package.json", "lambda_image_constructs", "stacks", "samples"]
DEFAULT_STACKS = [
    "Consumer-workload-a/Functions",
    "Consumer-workload-b/Functions",
    "Consumer-workload-c/Functions",
    "ImageAccount/Images-platform-lambda-images",
    "ImageAccount/Images-platform-lambda-images-eu-west-1",
    "ImageAccount/Repositories",
    "ImageAccount/Repositories-eu-west-1",
]


@pytest.fixture(scope="module")
def default_assembly() -> Path:
    """The default app synthesized here, in this repository's folder."""
    app: App = build_app(new_app())
    return Path(app.synth().directory)


@pytest.fixture(scope="module")
def default_templates(default_assembly: Path) -> dict[str, dict[str, Any]]:
    return assembly_templates(default_assembly)


def test_default_app_writes_one_stage_per_account(
    default_templates: dict[str, dict[str, Any]],
) -> None:
    assert sorted(default_templates) == DEFAULT_STACKS


def test_three_functions_run_the_same_image_differently(
    default_templates: dict[str, dict[str, Any]],
) -> None:
    functions = {}
    for name in ("Consumer-workload-a/Functions", "Consumer-workload-b/Functions"):
        for resource in resources_of_type(
            default_templates[name], "AWS::Lambda::Function"
        ).values():
            properties = resource["Properties"]
            functions[properties["FunctionName"]] = properties
    assert sorted(functions) == ["describer", "describer-verbose", "greeter"]
    assert len({f["Code"]["ImageUri"] for f in functions.values()}) == 1
    configs = {name: f.get("ImageConfig") for name, f in functions.items()}
    assert configs["greeter"] == {"Command": ["app.handler"]}
    assert configs["describer"] == {"Command": ["app.describe"], "WorkingDirectory": "/function"}
    assert configs["describer-verbose"]["EntryPoint"][:3] == ["/usr/bin/python3.11", "-X", "dev"]
    greetings = {name: f["Environment"]["Variables"]["GREETING"] for name, f in functions.items()}
    assert greetings == {
        "greeter": "hello",
        "describer": "described",
        "describer-verbose": "verbose",
    }


def test_the_home_repository_lists_the_consumers_with_functions_there(
    default_templates: dict[str, dict[str, Any]],
) -> None:
    [repository] = resources_of_type(
        default_templates["ImageAccount/Repositories"], "AWS::ECR::Repository"
    ).values()
    statements = {
        s["Sid"]: s for s in repository["Properties"]["RepositoryPolicyText"]["Statement"]
    }
    # workload-c's only function runs in eu-west-1: it is a consumer of the copy there only
    assert statements["CrossAccountPermission"]["Principal"]["AWS"] == [
        "arn:aws:iam::222222222222:root",
        "arn:aws:iam::333333333333:root",
    ]
    assert "CdkImageAssetPublishing" in statements


def test_the_eu_consumer_runs_the_copy_in_its_region(
    default_templates: dict[str, dict[str, Any]],
) -> None:
    [repository] = resources_of_type(
        default_templates["ImageAccount/Repositories-eu-west-1"], "AWS::ECR::Repository"
    ).values()
    policy = json.dumps(repository["Properties"]["RepositoryPolicyText"])
    assert "arn:aws:lambda:eu-west-1:444444444444:function:*" in policy
    [function] = resources_of_type(
        default_templates["Consumer-workload-c/Functions"], "AWS::Lambda::Function"
    ).values()
    uri = function["Properties"]["Code"]["ImageUri"]
    assert uri.startswith("111111111111.dkr.ecr.eu-west-1.amazonaws.com/platform/lambda-images:")


def test_the_greeter_rolls_out_with_a_canary(
    default_templates: dict[str, dict[str, Any]],
) -> None:
    functions = default_templates["Consumer-workload-a/Functions"]
    [group] = resources_of_type(functions, "AWS::CodeDeploy::DeploymentGroup").values()
    assert group["Properties"]["DeploymentConfigName"] == (
        "CodeDeployDefault.LambdaCanary10Percent5Minutes"
    )
    [alias] = resources_of_type(functions, "AWS::Lambda::Alias").values()
    assert alias["Properties"]["Name"] == "live"
    assert "CodeDeployLambdaAliasUpdate" in alias["UpdatePolicy"]


@pytest.mark.parametrize(
    "stack", DEFAULT_STACKS, ids=[s.replace("/", "--") for s in DEFAULT_STACKS]
)
def test_default_app_stack_snapshot(
    stack: str, default_templates: dict[str, dict[str, Any]], template_snapshot: SnapshotAssertion
) -> None:
    assert default_templates[stack] == template_snapshot


@pytest.fixture(scope="module")
def pipeline_template() -> dict[str, Any]:
    app: App = build_app(new_app(pipeline="true"))
    templates = assembly_templates(app.synth().directory)
    assert "LambdaImagePipeline" in templates
    return templates["LambdaImagePipeline"]


def test_pipeline_deploys_the_image_account_first_then_waves(
    pipeline_template: dict[str, Any],
) -> None:
    [pipeline] = resources_of_type(pipeline_template, "AWS::CodePipeline::Pipeline").values()
    stages = [s["Name"] for s in pipeline["Properties"]["Stages"]]
    # CodePipeline names a wave that holds a single stage after that stage
    assert stages == [
        "Source",
        "Build",
        "UpdatePipeline",
        "Assets",
        "ImageAccount",
        "Consumer-workload-a",
        "Wave2",
    ]
    # wave 2 (two accounts, one in eu-west-1) waits for a manual approval (approval: true)
    [wave2] = [s for s in pipeline["Properties"]["Stages"] if s["Name"] == "Wave2"]
    categories = [a["ActionTypeId"]["Category"] for a in wave2["Actions"]]
    assert categories[0] == "Approval" and categories.count("Deploy") >= 2
    # the repositories live in the pipeline stack, deployed by self-mutation before Assets
    assert len(resources_of_type(pipeline_template, "AWS::ECR::Repository")) == 1


def test_pipeline_uses_cross_account_keys_and_the_pinned_cli(
    pipeline_template: dict[str, Any],
) -> None:
    assert resources_of_type(pipeline_template, "AWS::KMS::Key")
    buildspecs = json.dumps(resources_of_type(pipeline_template, "AWS::CodeBuild::Project"))
    assert f"aws-cdk@{pinned_cli_version()}" in buildspecs
    assert (
        pinned_cli_version()
        == json.loads((PROJECT_ROOT / "package.json").read_text())["devDependencies"]["aws-cdk"]
    )


def test_pipeline_pins_cdk_assets_builds_without_attestations_and_keeps_its_keys(
    pipeline_template: dict[str, Any],
) -> None:
    from lambda_image_constructs.org.pipeline_stack import CDK_ASSETS_VERSION

    projects = resources_of_type(pipeline_template, "AWS::CodeBuild::Project").values()
    assets = [p for p in projects if "cdk-assets" in json.dumps(p["Properties"]["Source"])]
    assert assets
    for project in assets:
        assert f"cdk-assets@{CDK_ASSETS_VERSION}" in project["Properties"]["Source"]["BuildSpec"]
        assert "cdk-assets@latest" not in project["Properties"]["Source"]["BuildSpec"]
        variables = project["Properties"]["Environment"]["EnvironmentVariables"]
        assert {"Name": "BUILDX_NO_DEFAULT_ATTESTATIONS", "Type": "PLAINTEXT", "Value": "1"} in (
            variables
        )
    for key in resources_of_type(pipeline_template, "AWS::KMS::Key").values():
        assert key["DeletionPolicy"] == "Retain"


def test_generated_organisation_synthesizes(tmp_path: Path) -> None:
    config = tmp_path / "org.json"
    config.write_text(json.dumps(org_config(consumer_accounts=3, functions_per_account=4)))
    app: App = build_app(new_app(config=str(config)))
    templates = assembly_templates(app.synth().directory)
    functions = sum(len(resources_of_type(t, "AWS::Lambda::Function")) for t in templates.values())
    assert functions == 12
    assert len(templates) == 2 + 3


def synth_in_copy(destination: Path) -> dict[str, bytes]:
    for source in APP_SOURCES:
        path = PROJECT_ROOT / source
        if path.is_dir():
            shutil.copytree(
                path, destination / source, ignore=shutil.ignore_patterns("__pycache__")
            )
        else:
            shutil.copy2(path, destination / source)
    outdir = destination / "cdk.out"
    # The CDK CLI runs app.py with exactly these two variables; no credentials are set.
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("AWS_")},
        "CDK_OUTDIR": str(outdir),
        "CDK_CONTEXT_JSON": json.dumps(dict(cdk_json_context())),
        "PYTHONPATH": str(destination),
    }
    subprocess.run(
        [sys.executable, "app.py"],
        cwd=destination,
        env=env,
        check=True,
        capture_output=True,
        timeout=300,
    )
    return template_bytes(outdir)


def template_bytes(outdir: Path) -> dict[str, bytes]:
    return {
        p.relative_to(outdir).as_posix(): p.read_bytes()
        for p in sorted(outdir.rglob("*.template.json"))
    }


def test_templates_are_byte_identical_from_two_folders(
    default_assembly: Path, tmp_path: Path
) -> None:
    # GIVEN the app copied to another folder, synthesized there as the CDK CLI runs it
    copy = tmp_path / "elsewhere" / "clone"
    copy.mkdir(parents=True)
    templates = synth_in_copy(copy)
    # THEN its templates are byte for byte those of this repository's folder
    assert len(templates) == len(DEFAULT_STACKS)
    assert templates == template_bytes(default_assembly)


def test_acknowledgements_inside_stages_reach_the_templates(
    default_templates: dict[str, dict[str, Any]],
) -> None:
    # aws-cdk-lib stops an app's aspects at each Stage; the stages write their own.
    template = default_templates["Consumer-workload-a/Functions"]
    suppressed = {
        logical_id: sorted(
            rule["id"] for rule in resource["Metadata"]["cdk_nag"]["rules_to_suppress"]
        )
        for logical_id, resource in template["Resources"].items()
        if "cdk_nag" in resource.get("Metadata", {})
    }
    queue = next(
        k for k in resources_of_type(template, "AWS::SQS::Queue") if k.startswith("greeter")
    )
    assert suppressed[queue] == ["Serverless-SQSRedrivePolicy"]
    [tracing] = [k for k in suppressed if k.startswith("ImageFunctionTracingPolicy")]
    assert suppressed[tracing] == ["AwsSolutions-IAM5[Resource::*]"]
