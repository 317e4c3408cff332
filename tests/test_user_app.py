"""``lambda_image_constructs.run``: a user's app shows our message alone for invalid input and
exits 1, keeps the traceback of a bug, and exits 0 when it synthesizes."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from aws_cdk import App, Stack
from aws_cdk import aws_s3 as s3

from lambda_image_constructs import LambdaImageRepository
from lambda_image_constructs.compliance import register_compliance_packs
from lambda_image_constructs.user_app import synthesize

BAD_REPOSITORY = "LambdaImageRepository Images/Repo: 2 invalid inputs"


def bad_repository(app: App) -> None:
    stack = Stack(app, "Images")
    LambdaImageRepository(
        stack, "Repo", repository_name="Platform/Images", consumer_accounts=["12345"]
    )


def test_our_error_is_printed_alone_and_the_status_is_1() -> None:
    stream = io.StringIO()
    assert synthesize(bad_repository, stream=stream) == 1
    printed = stream.getvalue()
    assert printed.startswith(BAD_REPOSITORY + "\n"), printed
    assert "consumer_accounts[0]" in printed and "repository_name" in printed
    assert "Traceback" not in printed


def test_a_compliance_finding_ends_the_app_with_cdks_message_alone() -> None:
    # GIVEN an app with the packs and a bucket none of them accepts
    def build(app: App) -> None:
        register_compliance_packs(app, packs=["AwsSolutions"])
        s3.Bucket(Stack(app, "Reports"), "Reports")

    stream = io.StringIO()
    # WHEN it is synthesized through run's synthesize
    status = synthesize(build, stream=stream)
    # THEN the report alone (CDK printed it, or hands it over in its error), without a traceback
    printed = stream.getvalue()
    assert status == 1
    assert "Validation failed" in printed or "AwsSolutions-S1" in printed, printed
    assert "Traceback" not in printed and "ValidationFailed:" not in printed
    assert "at Kernel" not in printed  # no JavaScript stack either


def test_a_bug_keeps_its_traceback() -> None:
    def broken(app: App) -> None:
        raise KeyError("a bug, not invalid input")

    with pytest.raises(KeyError, match="a bug"):
        synthesize(broken, stream=io.StringIO())


def run_as_the_cdk_cli(folder: Path, app: str, **context: str) -> subprocess.CompletedProcess[str]:
    """``python3 app.py`` as the CDK CLI runs it: an output folder, and the context of cdk.json
    and ``-c`` in the environment (read when jsii's Node process starts)."""
    (folder / "app.py").write_text(textwrap.dedent(app))
    return subprocess.run(
        [sys.executable, "app.py"],
        cwd=folder,
        env={
            **os.environ,
            "CDK_OUTDIR": str(folder / "cdk.out"),
            "CDK_CONTEXT_JSON": json.dumps(context),
        },
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_the_default_context_is_the_apps_and_cdk_json_or_c_overrides_it(tmp_path: Path) -> None:
    result = run_as_the_cdk_cli(
        tmp_path,
        """
        from aws_cdk import App

        from lambda_image_constructs import run


        def build(app: App) -> None:
            print(app.node.try_get_context("a"), app.node.try_get_context("config"))


        run(build, context={"a": "default", "config": "platform.yaml"})
        """,
        config="other.yaml",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["default", "other.yaml"]


def test_a_users_app_run_as_the_cdk_cli_runs_it_prints_the_message_alone(
    tmp_path: Path,
) -> None:
    # GIVEN a user's app.py whose last line is run(build), with a bad repository name
    # WHEN the CDK CLI runs it
    result = run_as_the_cdk_cli(
        tmp_path,
        """
        from aws_cdk import App, Stack

        from lambda_image_constructs import LambdaImageRepository, run


        def build(app: App) -> None:
            LambdaImageRepository(Stack(app, "Images"), "Repo", repository_name="Bad Name")


        run(build)
        """,
    )
    # THEN standard error holds our message and nothing else, and the status is 1
    assert result.returncode == 1, result.stderr
    header, *problems = result.stderr.splitlines()
    assert header.startswith("LambdaImageRepository Images/Repo: "), result.stderr
    assert problems and all(line.startswith("  - ") for line in problems), result.stderr
    assert "repository_name" in result.stderr


def test_every_wrong_construct_of_a_users_app_is_reported_in_one_run(tmp_path: Path) -> None:
    # GIVEN a user's app.py with three wrong functions and a wrong repository, run(build) last
    # WHEN the CDK CLI runs it
    result = run_as_the_cdk_cli(
        tmp_path,
        """
        from aws_cdk import App, Environment, Stack

        from lambda_image_constructs import ImageFunction, ImageSource, LambdaImageRepository, run

        URI = "111111111111.dkr.ecr.eu-west-1.amazonaws.com/x@sha256:" + "0" * 64


        def build(app: App) -> None:
            env = Environment(account="111111111111", region="eu-west-1")
            stack = Stack(app, "Functions", env=env)
            image = ImageSource.from_image_uri(URI, architecture="arm64")
            ImageFunction(stack, "Orders", image=image, memory_size=20_000)
            ImageFunction(stack, "Payments", image=image, timeout=float("-inf"))
            ImageFunction(stack, "Reports", image="orders:latest")
            LambdaImageRepository(Stack(app, "Images"), "Repo", repository_name="Bad Name")


        run(build)
        """,
    )
    # THEN one run reports all four, our message alone on standard error, and the status is 1
    assert result.returncode == 1, result.stderr
    headers = [line for line in result.stderr.splitlines() if not line.startswith("  - ")]
    assert headers == [
        "ImageFunction Functions/Orders: 1 invalid input",
        "ImageFunction Functions/Payments: 1 invalid input",
        "ImageFunction Functions/Reports: 1 invalid input",
        "LambdaImageRepository Images/Repo: 1 invalid input",
    ], result.stderr
    assert "Traceback" not in result.stderr and "-inf" in result.stderr
