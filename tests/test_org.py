"""The configuration-driven organisation at scale: rollouts in the configuration, accounts with
many functions split over stacks, consumer accounts in other Regions, pipeline approvals."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from aws_cdk import App

from app import build_app
from lambda_image_constructs.errors import LambdaImageValidationError
from lambda_image_constructs.org import parse_config
from lambda_image_constructs.org.stages import stack_of
from stacks.generate import org_config

from .cdk_harness import assembly_templates, cdk_json_context, resources_of_type


def synthesized(config: dict[str, Any], tmp_path: Path, **context: Any) -> dict[str, Any]:
    tmp_path.mkdir(parents=True, exist_ok=True)
    path = tmp_path / "org.json"
    path.write_text(json.dumps(config))
    # the packs are checked on the default app elsewhere; here only what the app builds
    app = App(context={**cdk_json_context(), "config": str(path), **context})
    return assembly_templates(build_app_without_packs(app).synth().directory)


def build_app_without_packs(app: App) -> App:
    import app as application

    register = application.register_compliance_packs
    application.register_compliance_packs = lambda app: None  # type: ignore[assignment]
    try:
        return build_app(app)
    finally:
        application.register_compliance_packs = register


def refused(config: dict[str, Any]) -> list[tuple[str, str]]:
    with pytest.raises(LambdaImageValidationError) as error:
        parse_config(config, "org.json")
    return [(p.field, p.accepted) for p in error.value.problems]


def test_rollouts_from_the_configuration_with_account_defaults(tmp_path: Path) -> None:
    config = org_config(1, 3)
    account = config["consumerAccounts"][0]
    account["functionDefaults"] = {"alias": "live"}
    account["functions"][0]["deployment"] = {"type": "canary", "percent": 10, "minutes": 5}
    account["functions"][1]["provisionedConcurrency"] = 2
    templates = synthesized(config, tmp_path)
    functions = templates["Consumer-workload-000/Functions"]
    aliases = resources_of_type(functions, "AWS::Lambda::Alias").values()
    assert sorted(a["Properties"]["Name"] for a in aliases) == ["live"] * 3  # the default
    [group] = resources_of_type(functions, "AWS::CodeDeploy::DeploymentGroup").values()
    assert group["Properties"]["DeploymentConfigName"] == (
        "CodeDeployDefault.LambdaCanary10Percent5Minutes"
    )
    provisioned = [a for a in aliases if "ProvisionedConcurrencyConfig" in a["Properties"]]
    assert len(provisioned) == 1


@pytest.mark.parametrize(
    ("change", "field", "words"),
    [
        ({"deployment": {"type": "blue-green"}}, "consumerAccounts[0].functions[0].deployment.type",
         "canary"),
        ({"deployment": {"type": "canary", "percent": 0, "minutes": 5}},
         "consumerAccounts[0].functions[0].deployment.percent", "1"),
        ({"deployment": {"type": "linear", "percent": 100, "minutes": 5}},
         "consumerAccounts[0].functions[0].deployment.percent", "99"),
        ({"deployment": {"type": "canary", "percent": 10}},
         "consumerAccounts[0].functions[0].deployment.minutes", "required for a canary"),
        ({"deployment": {"type": "all-at-once", "percent": 10}},
         "consumerAccounts[0].functions[0].deployment.percent", "left out"),
        ({"provisionedConcurrency": 20, "reservedConcurrentExecutions": 10},
         "consumerAccounts[0].functions[0].provisionedConcurrency", "at most"),
        ({"provisionedConcurrency": 2, "snapStart": True},
         "consumerAccounts[0].functions[0].provisionedConcurrency", "with SnapStart (snapStart)"),
        ({"alias": "123"}, "consumerAccounts[0].functions[0].alias", "not only digits"),
        ({"deployment": {"type": "canary", "percent": 10, "minutes": 5, "alarms": ["a:b"]}},
         "consumerAccounts[0].functions[0].deployment.alarms[0]", "no ':'"),
    ],
)  # fmt: skip
def test_bad_rollout_values_name_the_file_and_key_path(
    change: dict[str, Any], field: str, words: str
) -> None:
    config = org_config(1, 1)
    config["consumerAccounts"][0]["functions"][0].update(change)
    problems = refused(config)
    assert any(f == field and words in accepted for f, accepted in problems), problems


def test_a_wave_approval_gates_that_wave(tmp_path: Path) -> None:
    config = org_config(12, 1)  # two waves of ten
    config["pipeline"] = {
        "account": "111111111111",
        "connectionArn": "arn:aws:codeconnections:us-east-1:111111111111:connection/abc",
        "repository": "example-org/lambda-platform",
        "waves": [{"wave": 2, "approval": True}],
    }
    templates = synthesized(config, tmp_path, pipeline="true")
    [pipeline] = resources_of_type(
        templates["LambdaImagePipeline"], "AWS::CodePipeline::Pipeline"
    ).values()
    actions = {
        stage["Name"]: [a["ActionTypeId"]["Category"] for a in stage["Actions"]]
        for stage in pipeline["Properties"]["Stages"]
    }
    assert "Approval" in actions["Wave2"]
    assert "Approval" not in actions["Wave1"]
    bad = copy.deepcopy(config)
    bad["pipeline"]["waves"] = [{"wave": 7, "approval": True}]
    assert refused(bad)[0][0] == "pipeline.waves[0].wave"


def test_functions_spread_over_stacks_and_adding_one_moves_no_other() -> None:
    config = parse_config(org_config(1, 90), "org.json")
    [account] = config.consumer_accounts
    before = {f.name: stack_of(f, 3) for f in account.functions}
    assert len(set(before.values())) == 3
    more = parse_config(org_config(1, 120), "org.json").consumer_accounts[0]
    after = {f.name: stack_of(f, 3) for f in more.functions}
    assert all(after[name] == stack for name, stack in before.items())


def test_an_account_too_big_for_one_stack_gets_our_error(tmp_path: Path) -> None:
    with pytest.raises(LambdaImageValidationError) as error:
        synthesized(org_config(1, 90), tmp_path)
    [problem] = error.value.problems
    assert problem.field == "consumerAccounts[workload-000].functionStacks"
    assert "500 resources per stack" in problem.accepted


def test_an_account_of_90_functions_over_two_stacks(tmp_path: Path) -> None:
    config = org_config(1, 90)
    config["consumerAccounts"][0]["functionStacks"] = 2
    config["consumerAccounts"][0]["functions"][0]["stack"] = "edge"
    templates = synthesized(config, tmp_path)
    names = sorted(n for n in templates if n.startswith("Consumer-workload-000/"))
    assert names == [
        "Consumer-workload-000/Functions",
        "Consumer-workload-000/Functions-2",
        "Consumer-workload-000/Functions-edge",
    ]
    counted = sum(len(resources_of_type(templates[n], "AWS::Lambda::Function")) for n in names)
    assert counted == 90


def test_a_consumer_in_another_region_runs_the_copy_published_there(tmp_path: Path) -> None:
    config = org_config(2, 1)
    config["repositories"][0]["regions"] = ["eu-west-1"]
    config["consumerAccounts"][1]["region"] = "eu-west-1"
    templates = synthesized(config, tmp_path)
    assert "ImageAccount/Repositories-eu-west-1" in templates
    assert "ImageAccount/Images-platform-lambda-images-eu-west-1" in templates
    [function] = resources_of_type(
        templates["Consumer-workload-001/Functions"], "AWS::Lambda::Function"
    ).values()
    assert (
        ".dkr.ecr.eu-west-1.amazonaws.com/platform/lambda-images:"
        in (function["Properties"]["Code"]["ImageUri"])
    )
    # and the pipeline deploys that Region's repositories before any image is published
    config["pipeline"] = {
        "account": "111111111111",
        "connectionArn": "arn:aws:codeconnections:us-east-1:111111111111:connection/abc",
        "repository": "example-org/lambda-platform",
    }
    piped = synthesized(config, tmp_path / "pipeline", pipeline="true")
    assert resources_of_type(
        piped["LambdaImagePipeline-Repositories-eu-west-1"], "AWS::ECR::Repository"
    )


def test_a_consumer_region_without_a_copy_says_how_to_add_one() -> None:
    config = org_config(1, 1)
    config["consumerAccounts"][0]["region"] = "ap-south-1"
    [(field, accepted)] = refused(config)
    assert field == "consumerAccounts[0].region"
    assert "add ap-south-1 to the regions of repository 'platform/lambda-images'" in accepted
