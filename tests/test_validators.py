"""The external validators of `make check`: each fails on a deliberately non-compliant fixture,
and the policy extraction they rely on behaves (pure parts run without the tools)."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

import pytest

from .cdk_harness import PROJECT_ROOT

sys.path.insert(0, str(PROJECT_ROOT / "scripts"))
import validators

FIXTURES = Path(__file__).parent / "fixtures" / "validators"
TOOLS = Path(os.environ.get("LAMBDA_IMAGES_VALIDATORS", PROJECT_ROOT / ".venv-validators" / "bin"))
needs_tools = pytest.mark.skipif(
    not (TOOLS / "checkov").exists(),
    reason=f"validators not installed in {TOOLS}; `make test` installs them (.venv-validators)",
)


@needs_tools
def test_cfn_lint_finds_errors_in_a_bad_template() -> None:
    findings = validators.run_cfn_lint(TOOLS, [FIXTURES / "bad-cfn-lint.template.json"])
    assert any(":E3002:" in f for f in findings), findings  # unknown property
    assert any(":E3012:" in f for f in findings), findings  # wrong type


@needs_tools
def test_checkov_finds_an_open_repository() -> None:
    findings = validators.run_checkov(TOOLS, FIXTURES / "bad-checkov")
    assert any(f.startswith("CKV_AWS_32 ") for f in findings), findings  # public ECR policy


@needs_tools
def test_hadolint_finds_a_bad_dockerfile() -> None:
    findings = validators.run_hadolint(TOOLS, [FIXTURES / "bad.Dockerfile"])
    codes = {word for f in findings for word in f.split() if word.startswith("DL")}
    assert {"DL3006", "DL3003", "DL3025"} <= codes, findings


@needs_tools
def test_parliament_finds_an_unknown_action() -> None:
    document = json.loads((FIXTURES / "bad-parliament-policy.json").read_text())
    findings = validators.run_parliament(TOOLS, [("fixture--policy", document)])
    assert any(f.startswith("UNKNOWN_ACTION") for f in findings), findings


@needs_tools
def test_sample_dockerfiles_are_clean() -> None:
    dockerfiles = sorted((PROJECT_ROOT / "samples").glob("*/Dockerfile"))
    assert len(dockerfiles) == 3
    assert validators.run_hadolint(TOOLS, dockerfiles) == []


def test_repository_policy_gets_the_repository_arn_as_resource() -> None:
    template: dict[str, Any] = {
        "Resources": {
            "Repo": {
                "Type": "AWS::ECR::Repository",
                "Properties": {
                    "RepositoryName": "platform/images",
                    "RepositoryPolicyText": {
                        "Statement": [
                            {
                                "Effect": "Allow",
                                "Principal": {
                                    "AWS": {
                                        "Fn::Join": [
                                            "",
                                            [
                                                "arn:",
                                                {"Ref": "AWS::Partition"},
                                                ":iam::222222222222:root",
                                            ],
                                        ]
                                    }
                                },
                                "Action": ["ecr:BatchGetImage"],
                            }
                        ]
                    },
                },
            }
        }
    }
    [(name, document)] = list(validators.policies(template))
    [statement] = document["Statement"]
    assert name == "Repo (repository policy)"
    assert statement["Resource"] == "arn:aws:ecr:us-east-1:111111111111:repository/platform/images"
    assert statement["Principal"] == {"AWS": "arn:aws:iam::222222222222:root"}


def test_intrinsics_resolve_to_arns_of_the_named_resources() -> None:
    resources = {"Logs": {"Type": "AWS::Logs::LogGroup"}, "Queue": {"Type": "AWS::SQS::Queue"}}
    assert validators.resolve({"Fn::GetAtt": ["Logs", "Arn"]}, resources) == (
        "arn:aws:logs:us-east-1:111111111111:log-group:logs:*"
    )
    assert validators.resolve({"Fn::GetAtt": ["Queue", "Arn"]}, resources) == (
        "arn:aws:sqs:us-east-1:111111111111:queue"
    )


def test_parliament_ignores_match_the_whole_location() -> None:
    ignores = {"RESOURCE_STAR": [{"filepath": ".*--lambdaimagepipeline--pipeline.*"}]}
    pipeline = {
        "issue": "RESOURCE_STAR",
        "location": {"filepath": "/t/0001--LambdaImagePipeline--PipelineRole.json"},
    }
    ours = {
        "issue": "RESOURCE_STAR",
        "location": {"filepath": "/t/0002--Functions--greeterRole.json"},
    }
    other_issue = {**pipeline, "issue": "UNKNOWN_ACTION"}
    assert validators.ignored(pipeline, ignores)
    assert not validators.ignored(ours, ignores)
    assert not validators.ignored(other_issue, ignores)
