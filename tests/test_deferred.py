"""Every construct's problems in one synth (``lambda_image_constructs.deferred``): an app whose
context sets ``REPORT_ALL_PROBLEMS`` (``run`` sets it) builds on past a wrong construct and
reports every construct's problems when it is synthesized; without it, a construct raises."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from aws_cdk import App, Environment, Stack, Stage
from constructs import Construct

from lambda_image_constructs import (
    ImageFunction,
    ImageSource,
    LambdaImage,
    LambdaImageRepository,
    LambdaImageValidationError,
)
from lambda_image_constructs.deferred import REPORT_ALL_PROBLEMS, reported_errors
from lambda_image_constructs.errors import MAX_LISTED
from lambda_image_constructs.user_app import synthesize

from . import test_bad_inputs, test_invariants
from .cdk_harness import CONSUMER_ENV, IMAGE_URI, PROJECT_ROOT, SAMPLE

PYTHON_BASE = "public.ecr.aws/lambda/python:3.12"


def functions_stack(app: Construct) -> Stack:
    return Stack(app, "Functions", env=CONSUMER_ENV)


def image_function(stack: Stack, id: str, **options: Any) -> ImageFunction:
    given = {"image": ImageSource.from_image_uri(IMAGE_URI), "architecture": "arm64", **options}
    return ImageFunction(stack, id, **given)


def three_wrong_functions_and_a_wrong_repository(app: App) -> None:
    stack = functions_stack(app)
    image_function(stack, "Orders", memory_size=20_000)
    image_function(stack, "Payments", timeout=float("-inf"))
    image_function(stack, "Reports", image="orders:latest")
    image_function(stack, "Fine")
    LambdaImageRepository(Stack(app, "Images"), "Repo", repository_name="Bad Name")


def synthesized(build: Callable[[App], object]) -> tuple[int, str]:
    stream = io.StringIO()
    return synthesize(build, stream=stream), stream.getvalue()


def test_one_synth_reports_every_wrong_construct_and_our_message_alone() -> None:
    # GIVEN an app with three wrong functions, a right one and a wrong repository
    # WHEN run's synthesize makes and synthesizes it
    status, printed = synthesized(three_wrong_functions_and_a_wrong_repository)
    # THEN the status is 1, and each wrong construct is reported, under its path
    assert status == 1
    headers = [line for line in printed.splitlines() if not line.startswith("  - ")]
    assert headers == [
        "ImageFunction Functions/Orders: 1 invalid input",
        "ImageFunction Functions/Payments: 1 invalid input",
        "ImageFunction Functions/Reports: 1 invalid input",
        "LambdaImageRepository Images/Repo: 1 invalid input",
    ], printed
    # AND nothing but our message, as docs/bad-input.md shows it: no traceback, no CDK wrapper
    page = (PROJECT_ROOT / "docs" / "bad-input.md").read_text()
    start = page.index("```\n", page.index("<!-- all-problems:start")) + 4
    assert printed == page[start : page.index("```\n<!-- all-problems:end -->")]


def test_without_the_context_key_a_construct_raises_where_it_is_made() -> None:
    # GIVEN an app without REPORT_ALL_PROBLEMS (an app.py that makes its own App)
    stack = functions_stack(App())
    # WHEN a function is given a wrong option, THEN its constructor raises, as always
    with pytest.raises(LambdaImageValidationError, match="ImageFunction Functions/Orders"):
        image_function(stack, "Orders", memory_size=20_000)


def test_in_the_mode_the_constructor_goes_on_and_synth_fails() -> None:
    # GIVEN an app that reports every problem at synth
    app = App(context={REPORT_ALL_PROBLEMS: True})
    stack = functions_stack(app)
    # WHEN a function is given a wrong option
    function = image_function(stack, "Orders", memory_size=20_000)
    # THEN it is made (without the option), its problem waits for synth, which fails
    assert function.node.path == "Functions/Orders"
    assert [e.subject for e in reported_errors(app)] == ["ImageFunction Functions/Orders"]
    with pytest.raises(RuntimeError, match="memory_size must be between"):
        app.synth()


def test_a_minus_infinite_option_is_our_message_not_a_jsii_crash() -> None:
    # GIVEN a function whose memory is -inf (jsii cannot carry it to Node)
    def build(app: App) -> None:
        image_function(functions_stack(app), "Orders", memory_size=float("-inf"))

    # WHEN the app is synthesized through run's synthesize
    status, printed = synthesized(build)
    # THEN it ends in our message: the option was left out, never handed to jsii
    assert status == 1
    assert printed.startswith("ImageFunction Functions/Orders: 1 invalid input\n"), printed
    assert "memory_size" in printed and "-inf" in printed
    assert "Traceback" not in printed and "jsii" not in printed


def test_a_problem_caused_by_a_stand_in_is_not_reported() -> None:
    # GIVEN a function given no image and no architecture: the placeholder image it is built
    # with has no known architecture, so the function gets Lambda's default
    def build(app: App) -> None:
        ImageFunction(functions_stack(app), "Orders", command=["app.handler"])  # type: ignore[call-arg]

    status, printed = synthesized(build)
    # THEN the user's problem alone: the missing image, not an architecture of ours
    assert status == 1
    assert printed.splitlines()[0] == "ImageFunction Functions/Orders: 1 invalid input", printed
    assert "image must be given" in printed


def test_a_construct_that_cannot_go_on_still_raises_with_every_problem(tmp_path: Path) -> None:
    # GIVEN a scope that already holds the name of the function's role (no way to go on)
    app = App(context={REPORT_ALL_PROBLEMS: True})
    stack = functions_stack(app)
    Stack(stack, "OrdersExecutionRole")
    # WHEN the function is also given a wrong option
    with pytest.raises(LambdaImageValidationError) as raised:
        image_function(stack, "Orders", memory_size=20_000)
    # THEN it raises: the option's problem and the name's, together
    assert {p.field for p in raised.value.problems} == {"memory_size", "id"}
    assert reported_errors(app) == []  # raised, so not reported twice


def test_images_with_a_dockerfile_finding_or_a_wrong_option_are_all_reported(
    tmp_path: Path,
) -> None:
    # GIVEN an image whose Dockerfile has a finding, one with a wrong architecture, and a
    # function running the first
    (tmp_path / "Dockerfile").write_text(f"FROM {PYTHON_BASE}\nCMD app.h\n")

    def build(app: App) -> None:
        stack = Stack(app, "Images", env=CONSUMER_ENV)
        shell = LambdaImage(stack, "Shell", directory=tmp_path, architecture="arm64")
        LambdaImage(stack, "Sparc", directory=SAMPLE, architecture="sparc")  # type: ignore[arg-type]
        ImageFunction(functions_stack(app), "Runs", image=ImageSource.from_asset(shell))

    status, printed = synthesized(build)
    # THEN both images are reported; the function, built on the placeholder image, is fine
    assert status == 1
    assert printed.startswith(f"LambdaImage Images/Shell ({tmp_path / 'Dockerfile'}); ")
    assert "[LambdaImage-ExecForm]" in printed
    assert "LambdaImage Images/Sparc: 1 invalid input\n  - architecture" in printed
    assert "ImageFunction" not in printed and "directory" not in printed


def test_nested_stages_are_all_reported() -> None:
    # GIVEN wrong functions in two Stages (aws-cdk-lib stops at the first Stage's failure)
    def build(app: App) -> None:
        for name in ("Dev", "Prod"):
            image_function(functions_stack(Stage(app, name)), "Orders", timeout=0)

    status, printed = synthesized(build)
    # THEN both are printed
    assert status == 1
    assert "ImageFunction Dev/Functions/Orders" in printed
    assert "ImageFunction Prod/Functions/Orders" in printed


def test_the_message_stays_bounded_however_many_constructs_are_wrong() -> None:
    # GIVEN 70 wrong functions, two problems each
    def build(app: App) -> None:
        stack = functions_stack(app)
        for index in range(70):
            image_function(stack, f"F{index}", memory_size=1, timeout=0)

    status, printed = synthesized(build)
    # THEN at most MAX_LISTED problems and subjects are listed, then how many more
    lines = printed.splitlines()
    assert status == 1
    assert sum(line.startswith("  - ") for line in lines) == MAX_LISTED
    assert sum(line.startswith("ImageFunction Functions/F") for line in lines) == MAX_LISTED
    assert lines[-1] == "... and 40 more invalid inputs of 20 more subjects", lines[-3:]
    assert len(lines) == 2 * MAX_LISTED + 1


def test_a_config_apps_constructs_speak_in_its_keys(tmp_path: Path) -> None:
    # GIVEN an organisation's configuration whose two images have a Dockerfile finding each
    from lambda_image_constructs.org import ImageAccountStage, load_from_context

    for name in ("one", "two"):
        (tmp_path / name).mkdir()
        (tmp_path / name / "Dockerfile").write_text(f"FROM {PYTHON_BASE}\nCMD app.handler\n")
    path = tmp_path / "org.yaml"
    path.write_text(
        "imageAccount: {account: '111111111111', region: us-east-1}\n"
        "repositories: [{name: platform/lambda-images, consumers: [a]}]\n"
        "images:\n"
        f"  - {{name: one, repository: platform/lambda-images, directory: {tmp_path / 'one'},"
        " architecture: arm64}\n"
        f"  - {{name: two, repository: platform/lambda-images, directory: {tmp_path / 'two'},"
        " architecture: arm64}\n"
        "consumerAccounts: [{name: a, account: '222222222222',"
        " functions: [{name: fn, image: one, command: [app.handler]}]}]\n"
    )

    def build(app: App) -> None:
        ImageAccountStage(app, "Images", config=load_from_context({"config": str(path)}.get))

    # WHEN the app is synthesized through run's synthesize
    status, printed = synthesized(build)
    # THEN both findings, told as problems of the file and its keys, in one message
    assert status == 1
    assert printed.startswith(f"configuration {path}: 2 invalid inputs\n"), printed
    assert "  - images[0] Dockerfile line 2 [LambdaImage-ExecForm]" in printed
    assert "  - images[1] Dockerfile line 2 [LambdaImage-ExecForm]" in printed


# Every bad input of the constructs' tables: (id, builder, field, value shown, environment).
BAD_INPUTS = [
    *((name, build, field, shown, CONSUMER_ENV)
      for name, build, field, shown in test_bad_inputs.API),
    *((name, build, field, shown, test_invariants.ENV)
      for name, build, field, shown in test_invariants.INVARIANTS),
    *((name, build, field, "", test_invariants.ENV)
      for name, build, field in test_invariants.EVERY_OPTION),
]  # fmt: skip


@pytest.mark.parametrize(
    ("build", "field", "shown", "env"),
    [case[1:] for case in BAD_INPUTS],
    ids=[case[0] for case in BAD_INPUTS],
)
def test_every_bad_input_ends_in_our_message_in_the_mode(
    build: Callable[[Stack], Any], field: str, shown: str, env: Environment
) -> None:
    # GIVEN each bad input of the tables, in an app that reports every problem at synth
    # WHEN it is built and synthesized through run's synthesize
    status, printed = synthesized(lambda app: build(Stack(app, "Bad", env=env)))
    # THEN it ends in our message (raised or reported at synth), naming the field and value:
    # the option left out, never handed to jsii
    assert status == 1
    assert f"  - {field} " in printed and shown in printed, printed
    assert "Traceback" not in printed and "Validation failed" not in printed, printed


def test_the_documented_way_is_the_apps_default_and_can_be_switched_off() -> None:
    # GIVEN run's app with the key set false by the user's context
    def build(app: App) -> None:
        image_function(functions_stack(app), "Orders", memory_size=20_000)
        raise AssertionError("not reached: the constructor raised")

    stream = io.StringIO()
    # WHEN it is synthesized, THEN the constructor raised (and run printed its message)
    assert synthesize(build, context={REPORT_ALL_PROBLEMS: False}, stream=stream) == 1
    assert stream.getvalue().startswith("ImageFunction Functions/Orders: 1 invalid input")
