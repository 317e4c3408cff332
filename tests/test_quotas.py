"""AWS quotas checked on the synthesized templates (issue 25): a stack past each quota fails
synth with our message (the figure, the quota, the fix), whether the library made the stack or
the user did; the organisation pipeline splits over chained pipelines; org-wide functions
deploy through a service-managed StackSet."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from aws_cdk import App, CfnOutput, CfnParameter, CfnResource, Stack, Stage
from aws_cdk import aws_iam as iam

from lambda_image_constructs import LambdaImageRepository
from lambda_image_constructs import limits as q
from lambda_image_constructs.errors import LambdaImageValidationError
from lambda_image_constructs.org import parse_config
from lambda_image_constructs.org.pipeline_stack import pipeline_number
from lambda_image_constructs.quotas import (
    check_cloud_assembly,
    policy_chars,
    pseudo_parameters,
    template_problems,
)
from stacks.generate import org_config

from .cdk_harness import resources_of_type
from .test_org import synthesized

UNIT = "o-a1b2c3d4e5/r-ab12/ou-ab12-11111111/"
CONNECTION = "arn:aws:codeconnections:us-east-1:111111111111:connection/abc"


def _statements(count: int, prefix: str) -> list[dict[str, Any]]:
    return [
        {
            "Effect": "Allow",
            "Action": "s3:GetObject",
            "Resource": f"arn:aws:s3:::{prefix}-bucket-with-a-long-name-{n:04d}/*",
        }
        for n in range(count)
    ]


def _pipeline(stages: int, actions: int) -> dict[str, Any]:
    action = {"Name": "a", "ActionTypeId": {"Category": "Approval"}}
    return {
        "Type": "AWS::CodePipeline::Pipeline",
        "Properties": {
            "Stages": [{"Name": f"S{n}", "Actions": [action] * actions} for n in range(stages)]
        },
    }


@pytest.mark.parametrize(
    ("template", "size", "what", "limit"),
    [
        ({}, q.TEMPLATE_BYTES + 1, "template size (bytes)", q.TEMPLATE_BYTES),
        ({"Resources": {f"R{n}": {"Type": "AWS::SNS::Topic"} for n in range(501)}}, 0,
         "resources", q.STACK_RESOURCES),
        ({"Outputs": {f"O{n}": {"Value": "x"} for n in range(201)}}, 0, "outputs",
         q.STACK_OUTPUTS),
        ({"Parameters": {f"P{n}": {"Type": "String"} for n in range(201)}}, 0, "parameters",
         q.STACK_PARAMETERS),
        ({"Resources": {"P": _pipeline(51, 1)}}, 0, "pipeline stages", q.PIPELINE_STAGES),
        ({"Resources": {"P": _pipeline(1, 51)}}, 0, "actions in stage S0", q.STAGE_ACTIONS),
        ({"Resources": {"M": {"Type": "AWS::IAM::ManagedPolicy", "Properties": {
            "PolicyDocument": {"Version": "2012-10-17", "Statement": _statements(80, "m")}}}}},
         0, "managed policy size (characters)", q.MANAGED_POLICY_CHARS),
        ({"Resources": {
            "Role": {"Type": "AWS::IAM::Role", "Properties": {"Policies": [{
                "PolicyName": "a", "PolicyDocument": {"Statement": _statements(70, "a")}}]}},
            "More": {"Type": "AWS::IAM::Policy", "Properties": {"Roles": [{"Ref": "Role"}],
                "PolicyDocument": {"Statement": _statements(70, "b")}}}}},
         0, "inline policies of the role (characters)", q.ROLE_INLINE_POLICIES_CHARS),
        ({"Resources": {"Role": {"Type": "AWS::IAM::Role", "Properties": {
            "AssumeRolePolicyDocument": {"Statement": [{"Effect": "Allow", "Action":
                "sts:AssumeRole", "Principal": {"AWS": [f"arn:aws:iam::{n:012d}:root"
                                                        for n in range(100)]}}]}}}}},
         0, "trust policy size (characters)", q.ROLE_TRUST_POLICY_CHARS),
        ({"Resources": {"B": {"Type": "AWS::S3::BucketPolicy", "Properties": {
            "PolicyDocument": {"Statement": _statements(240, "b")}}}}},
         0, "bucket policy size (bytes)", q.BUCKET_POLICY_BYTES),
        ({"Resources": {"K": {"Type": "AWS::KMS::Key", "Properties": {
            "KeyPolicy": {"Statement": _statements(380, "k")}}}}},
         0, "key policy size (bytes)", q.KEY_POLICY_BYTES),
        ({"Resources": {"Role": {"Type": "AWS::IAM::Role", "Properties": {
            "ManagedPolicyArns": [f"arn:aws:iam::aws:policy/P{n}" for n in range(11)]}}}},
         0, "managed policies attached to the role", q.ROLE_MANAGED_POLICIES),
    ],
)  # fmt: skip
def test_each_quota_is_named_with_its_figure_and_limit(
    template: dict[str, Any], size: int, what: str, limit: int
) -> None:
    [problem] = template_problems("Stack", template, size)
    assert (problem.what, problem.limit) == (what, limit)
    assert problem.figure > limit
    assert f"past the quota of {limit:,}" in problem.message
    assert problem.fix in problem.message


def test_at_each_quota_nothing_is_reported() -> None:
    template = {
        "Resources": {f"R{n}": {"Type": "AWS::SNS::Topic"} for n in range(499)}
        | {"P": _pipeline(50, 50)},
        "Outputs": {f"O{n}": {"Value": "x"} for n in range(200)},
    }
    assert template_problems("Stack", template, q.TEMPLATE_BYTES) == []


def test_a_known_region_gives_its_partition() -> None:
    arn = {"Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}, ":s3:::b"]]}
    assert policy_chars(arn, pseudo_parameters("eu-west-1")) == len('"arn:aws:s3:::b"')
    assert policy_chars(arn, pseudo_parameters("cn-north-1")) == len('"arn:aws-cn:s3:::b"')


def test_policies_are_measured_as_deployed_not_as_written() -> None:
    written = {
        "Fn::Join": [
            "",
            ["arn:", {"Ref": "AWS::Partition"}, ":iam::", {"Ref": "AWS::AccountId"}, ":root"],
        ]
    }
    # arn:aws-us-gov:iam::123456789012:root, quoted: the longest partition
    assert policy_chars(written) == len('"arn:aws-us-gov:iam::123456789012:root"')
    assert policy_chars({"Fn::GetAtt": ["Role", "Arn"]}) == 66


@pytest.fixture(scope="module")
def user_app_error() -> str:
    """One app whose user stacks each pass one quota (one synth), in a nested Stage too, with
    one construct of the library in it: the library's plugin checks the whole app."""
    app = App(context={"@aws-cdk/core:stackResourceLimit": 0})  # CDK's own 500 check off
    stage = Stage(app, "Prod")
    outputs = Stack(stage, "Outputs")
    for n in range(q.STACK_OUTPUTS + 1):
        CfnOutput(outputs, f"O{n}", value="x")
    parameters = Stack(app, "Parameters")
    for n in range(q.STACK_PARAMETERS + 1):
        CfnParameter(parameters, f"P{n}", default="x")
    CfnResource(parameters, "Topic", type="AWS::SNS::Topic")
    resources = Stack(app, "Resources")
    for n in range(q.STACK_RESOURCES + 1):
        CfnResource(resources, f"T{n}", type="AWS::SNS::Topic")
    big = Stack(app, "Big")
    CfnResource(big, "Doc", type="AWS::SSM::Parameter",
                properties={"Type": "String", "Value": "x" * (q.TEMPLATE_BYTES + 10)})  # fmt: skip
    iam_stack = Stack(app, "Iam")
    iam.CfnRole(
        iam_stack,
        "Role",
        assume_role_policy_document={"Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
            "Principal": {"Service": "lambda.amazonaws.com"}}]},
        policies=[iam.CfnRole.PolicyProperty(policy_name="read", policy_document={
            "Version": "2012-10-17", "Statement": _statements(140, "user")})],
    )  # fmt: skip
    iam.ManagedPolicy(
        iam_stack,
        "Managed",
        statements=[iam.PolicyStatement.from_json(s) for s in _statements(80, "m")],
    )
    LambdaImageRepository(Stack(app, "Images"), "Repository", repository_name="images")
    with pytest.raises(RuntimeError) as error:
        app.synth()
    return str(error.value)


@pytest.mark.parametrize(
    "expected",
    [
        "Prod/Outputs: outputs is 201, past the quota of 200",
        "Parameters: parameters is 202, past the quota of 200",  # and BootstrapVersion
        "Resources: resources is 501, past the quota of 500",
        "Big: template size (bytes) is 1,00",
        "Iam (Managed658ACE2E): managed policy size (characters) is",
        "Iam (Role): inline policies of the role (characters) is",
    ],
)
def test_a_user_stack_past_a_quota_fails_synth_with_our_message(
    user_app_error: str, expected: str
) -> None:
    assert expected in user_app_error
    assert "the deploy would fail" in user_app_error


def test_a_library_stack_past_a_quota_fails_synth(tmp_path: Path) -> None:
    # GIVEN 60 waves of one account, all in one pipeline: 64 CodePipeline stages
    config = org_config(60, 1)
    for index, consumer in enumerate(config["consumerAccounts"]):
        consumer["wave"] = index + 1
    config["pipeline"] = {
        "account": "111111111111",
        "connectionArn": CONNECTION,
        "repository": "example-org/lambda-platform",
        "wavesPerPipeline": 100,
    }
    with pytest.raises(RuntimeError) as error:
        synthesized(config, tmp_path, pipeline="true")
    message = str(error.value)
    # source, build, self-mutation, assets, the image account, then the 60 waves
    assert "LambdaImagePipeline (Pipeline" in message
    assert "pipeline stages is 65, past the quota of 50" in message
    assert "lower pipeline.wavesPerPipeline" in message


def test_check_cloud_assembly_raises_our_error(tmp_path: Path) -> None:
    app = App(outdir=str(tmp_path))
    stack = Stack(app, "Outputs")
    for n in range(q.STACK_OUTPUTS + 1):
        CfnOutput(stack, f"O{n}", value="x")
    app.synth()  # no library construct: not checked at synth
    with pytest.raises(LambdaImageValidationError) as error:
        check_cloud_assembly(tmp_path)
    [problem] = error.value.problems
    assert (problem.field, problem.value) == ("Outputs", 201)


# --- the pipelines ------------------------------------------------------------------------------


def test_an_accounts_pipeline_follows_from_its_wave_alone() -> None:
    assert [pipeline_number(w, 5) for w in (1, 5, 6, 10, 11, 100)] == [1, 1, 2, 2, 3, 20]


@pytest.fixture(scope="module")
def split_pipelines(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Three waves, two per pipeline; wave 2 holds 60 accounts (more than one stage holds)."""
    config = org_config(64, 1)
    for index, consumer in enumerate(config["consumerAccounts"]):
        consumer["wave"] = 1 if index < 2 else 2 if index < 62 else 3
    for repository in config["repositories"]:
        del repository["consumers"]
        repository["organizationId"] = "o-a1b2c3d4e5"
    config["pipeline"] = {
        "account": "111111111111",
        "connectionArn": CONNECTION,
        "repository": "example-org/lambda-platform",
        "wavesPerPipeline": 2,
        "waves": [{"wave": 2, "approval": True}],
    }
    return synthesized(config, tmp_path_factory.mktemp("split"), pipeline="true")


def _stages(template: dict[str, Any]) -> dict[str, list[str]]:
    [pipeline] = resources_of_type(template, "AWS::CodePipeline::Pipeline").values()
    return {s["Name"]: [a["Name"] for a in s["Actions"]] for s in pipeline["Properties"]["Stages"]}


def test_waves_split_over_chained_pipelines_in_order(split_pipelines: dict[str, Any]) -> None:
    first = _stages(split_pipelines["LambdaImagePipeline"])
    second = _stages(split_pipelines["LambdaImagePipeline-2"])
    assert [s for s in first if s.startswith("Wave")] == ["Wave1", "Wave2", "Wave2-2"]
    assert [s for s in second if s.startswith("Wave")] == ["Wave3"]
    # the approval comes once, before the wave's first stage; no stage passes 50 actions
    assert first["Wave2"][0] == "ApproveWave2"
    assert all(len(actions) <= q.STAGE_ACTIONS for actions in first.values())
    assert len(first["Wave2"]) + len(first["Wave2-2"]) == 61
    # the second starts on the first's success, never on a push
    [rule] = resources_of_type(
        split_pipelines["LambdaImagePipeline-2"], "AWS::Events::Rule"
    ).values()
    assert rule["Properties"]["EventPattern"]["detail"] == {
        "pipeline": ["LambdaImagePipeline"],
        "state": ["SUCCEEDED"],
    }
    [source] = [a for s in json.loads(json.dumps(split_pipelines["LambdaImagePipeline-2"]))[
        "Resources"].values() if s["Type"] == "AWS::CodePipeline::Pipeline"
        for a in s["Properties"]["Stages"][0]["Actions"]]  # fmt: skip
    assert source["Configuration"]["DetectChanges"] is False


# --- org-wide functions -------------------------------------------------------------------------


def _org_wide(**change: Any) -> dict[str, Any]:
    config = org_config(1, 1)
    config["repositories"][0]["organizationPaths"] = ["o-a1b2c3d4e5/r-ab12/"]
    config["repositories"][0]["regions"] = ["eu-west-1"]
    config["orgWideFunctions"] = [
        {
            "name": "guard",
            "organizationalUnits": [UNIT],
            "regions": ["us-east-1", "eu-west-1"],
            "functions": [{"name": "guard", "image": "service", "command": ["app.handler"]}],
            "maxConcurrentPercent": 20,
            "failureTolerancePercent": 5,
            **change,
        }
    ]
    return config


@pytest.fixture(scope="module")
def org_wide(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    return synthesized(_org_wide(), tmp_path_factory.mktemp("orgwide"))


def test_org_wide_functions_deploy_through_a_service_managed_stack_set(
    org_wide: dict[str, Any],
) -> None:
    [stack_set] = resources_of_type(
        org_wide["OrgWide-guard/StackSet"], "AWS::CloudFormation::StackSet"
    ).values()
    properties = stack_set["Properties"]
    assert properties["PermissionModel"] == "SERVICE_MANAGED"
    assert properties["AutoDeployment"] == {
        "Enabled": True,
        "RetainStacksOnAccountRemoval": False,
    }
    assert properties["OperationPreferences"]["MaxConcurrentPercentage"] == 20
    assert properties["OperationPreferences"]["FailureTolerancePercentage"] == 5
    [group] = properties["StackInstancesGroup"]
    assert group == {
        "DeploymentTargets": {"OrganizationalUnitIds": ["ou-ab12-11111111"]},
        "Regions": ["us-east-1", "eu-west-1"],
    }
    template = json.loads(properties["TemplateBody"])
    [function] = resources_of_type(template, "AWS::Lambda::Function").values()
    uri = function["Properties"]["Code"]["ImageUri"]["Fn::Sub"]
    assert uri.startswith("111111111111.dkr.ecr.${AWS::Region}.${AWS::URLSuffix}/")
    assert "BootstrapVersion" not in template.get("Parameters", {})


def test_the_repository_is_shared_by_organisation_path(org_wide: dict[str, Any]) -> None:
    for name in ("ImageAccount/Repositories", "ImageAccount/Repositories-eu-west-1"):
        [repository] = resources_of_type(org_wide[name], "AWS::ECR::Repository").values()
        statements = {
            s.get("Sid"): s for s in repository["Properties"]["RepositoryPolicyText"]["Statement"]
        }
        principals = statements["OrganizationPathsPermission"]["Condition"]
        assert principals == {"ForAnyValue:StringLike": {"aws:PrincipalOrgPaths": [
            "o-a1b2c3d4e5/r-ab12/*"]}}  # fmt: skip
        service = statements["LambdaECRImageOrganizationPathsRetrievalPolicy"]["Condition"]
        assert service["ForAnyValue:StringLike"] == {
            "aws:SourceOrgPaths": ["o-a1b2c3d4e5/r-ab12/*"]
        }


@pytest.mark.parametrize(
    ("change", "field", "words"),
    [
        ({"organizationalUnits": ["o-a1b2c3d4e5/r-ab12/"]},
         "orgWideFunctions[0].organizationalUnits[0]", "organisational unit"),
        ({"regions": ["ap-south-1"]}, "orgWideFunctions[0].regions", "add it to the regions"),
        ({"maxConcurrentPercent": 0},
         "orgWideFunctions[0].maxConcurrentPercent", "between 1 and 100"),
        ({"organizationalUnits": ["o-zzzzzzzzzz/r-ab12/ou-ab12-11111111/"]},
         "orgWideFunctions[0].functions[0].image", "organizationPaths"),
    ],
)  # fmt: skip
def test_bad_org_wide_settings_name_the_key(change: dict[str, Any], field: str, words: str) -> None:
    with pytest.raises(LambdaImageValidationError) as error:
        parse_config(_org_wide(**change), "org.json")
    found = [(p.field, p.accepted) for p in error.value.problems]
    assert any(f == field and words in accepted for f, accepted in found), found


def test_org_wide_functions_rollout_is_checked_as_a_consumer_account_s() -> None:
    """A block's functions and functionDefaults meet the rollout rules of an account's: a canary
    without its figures, and a duplicate function name, are refused at their keys."""
    functions = [
        {"name": "guard", "image": "service", "command": ["app.handler"]},
        {"name": "guard", "image": "service", "command": ["app.handler"]},
    ]
    change = {"functions": functions, "functionDefaults": {"deployment": {"type": "canary"}}}
    with pytest.raises(LambdaImageValidationError) as error:
        parse_config(_org_wide(**change), "org.json")
    fields = {p.field for p in error.value.problems}
    assert {
        "orgWideFunctions[0].functionDefaults.deployment.percent",
        "orgWideFunctions[0].functionDefaults.deployment.minutes",
        "orgWideFunctions[0].functions[1].name",
    } <= fields, fields


def test_org_wide_functions_take_their_block_s_defaults() -> None:
    """parse_config merges a block's functionDefaults into its functions, as an account's."""
    defaults = {"alias": "live", "deployment": {"type": "all-at-once"}}
    config = parse_config(_org_wide(functionDefaults=defaults), "org.json")
    [function] = config.org_wide_functions[0].functions
    assert function.alias == "live"
    assert function.deployment is not None and function.deployment.type == "all-at-once"


def test_an_org_wide_block_past_a_stack_sets_inline_template_is_refused(tmp_path: Path) -> None:
    # GIVEN one block with more functions than a StackSet's inline template of 51,200 bytes holds
    functions = [
        {"name": f"guard-{n:02d}", "image": "service", "command": ["app.handler"]}
        for n in range(60)
    ]
    # WHEN the app is synthesized THEN our error names the block, the figure and the limit
    with pytest.raises(LambdaImageValidationError) as error:
        synthesized(_org_wide(functions=functions), tmp_path)
    [problem] = error.value.problems
    assert problem.field == "orgWideFunctions[guard].functions"
    assert f"{q.TEMPLATE_BODY_BYTES:,} bytes" in problem.accepted
    assert "more orgWideFunctions blocks" in problem.accepted
    assert int(str(problem.value).split()[0].replace(",", "")) > q.TEMPLATE_BODY_BYTES


def test_an_org_wide_block_deploys_behind_its_waves_approval(tmp_path: Path) -> None:
    # GIVEN org-wide functions in wave 2, which needs an approval, in pipeline mode
    config = _org_wide(wave=2)
    config["pipeline"] = {
        "account": "111111111111",
        "connectionArn": CONNECTION,
        "repository": "example-org/lambda-platform",
        "waves": [{"wave": 2, "approval": True}],
    }
    templates = synthesized(config, tmp_path, pipeline="true")
    [pipeline] = resources_of_type(
        templates["LambdaImagePipeline"], "AWS::CodePipeline::Pipeline"
    ).values()
    # CDK Pipelines names a wave of one stage after the stage: read the actions in order
    actions = [
        (stage["Name"], action["Name"])
        for stage in pipeline["Properties"]["Stages"]
        for action in stage["Actions"]
    ]
    names = [name for _, name in actions]
    # THEN the StackSet's stack is deployed after wave 2's approval, in the same stage
    [(stage, _)] = [a for a in actions if a[1] == "ApproveWave2"]
    stack_set = [i for i, (_, name) in enumerate(actions) if name.startswith("StackSet")]
    assert stack_set, names
    assert all(actions[i][0] == stage for i in stack_set), actions
    assert min(stack_set) > names.index("ApproveWave2")
