"""lambda-images graph: who can pull what, read from a synthesized cloud assembly."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from aws_cdk import App, Environment, Stack

from app import build_app
from lambda_image_constructs import ImageFunction, ImageSource, LambdaImageRepository
from lambda_image_constructs.graph import GraphError, read_graph, to_mermaid

from .cdk_harness import CONSUMER_A, CONSUMER_B, DIGEST, IMAGE_ACCOUNT, PROJECT_ROOT, new_app

CONSUMER_C = "444444444444"


@pytest.fixture(scope="module")
def default_assembly() -> Path:
    app: App = build_app(new_app())
    return Path(app.synth().directory)


def test_the_default_app_graph(default_assembly: Path) -> None:
    graph = read_graph(default_assembly)
    assert sorted((r.account, r.region, r.name) for r in graph.repositories) == [
        (IMAGE_ACCOUNT, "eu-west-1", "platform/lambda-images"),
        (IMAGE_ACCOUNT, "us-east-1", "platform/lambda-images"),
    ]
    # least access: each Region's copy grants the accounts whose functions run there
    granted = {
        r.region: {g.principal for g in r.grants if g.kind == "account"} for r in graph.repositories
    }
    assert granted == {
        "us-east-1": {IMAGE_ACCOUNT, CONSUMER_A, CONSUMER_B},
        "eu-west-1": {IMAGE_ACCOUNT, CONSUMER_C},
    }
    assert {(i.name, i.platform) for i in graph.images} == {("python-service", "linux/arm64")}
    assert sorted((f.account, f.region, f.name, f.allowed) for f in graph.functions) == [
        (CONSUMER_A, "us-east-1", "describer", True),
        (CONSUMER_A, "us-east-1", "greeter", True),
        (CONSUMER_B, "us-east-1", "describer-verbose", True),
        (CONSUMER_C, "eu-west-1", "greeter-eu", True),
    ]
    mermaid = to_mermaid(graph)
    assert mermaid.startswith("flowchart LR\n")
    assert f'["account {CONSUMER_A} (Consumer-workload-a)"]' in mermaid
    assert '["2 functions: describer, greeter"]' in mermaid
    assert mermaid.count('-- "pulls" -->') == 3
    assert json.loads(graph.to_json())["repositories"][0]["stack"].startswith("ImageAccount/")


@pytest.mark.pull_rule_exempt("the function is refused on purpose, to be drawn so")
def test_a_function_the_policy_does_not_let_pull_is_drawn_as_refused(tmp_path: Path) -> None:
    app = App(outdir=str(tmp_path))
    images = Stack(app, "Images", env=Environment(account=IMAGE_ACCOUNT, region="us-east-1"))
    repository = LambdaImageRepository(
        images,
        "Repository",
        repository_name="team/images",
        consumer_accounts=[CONSUMER_A],
    )
    functions = Stack(app, "Functions", env=Environment(account=CONSUMER_B, region="us-east-1"))
    uri = f"{IMAGE_ACCOUNT}.dkr.ecr.us-east-1.amazonaws.com/team/images@{DIGEST}"
    # an image by URI is not checked against the repository at synth; the picture shows it
    ImageFunction(functions, "Fn", image=ImageSource.from_image_uri(uri), architecture="arm64")
    assert repository.allows_pulls_from(CONSUMER_B) is False
    graph = read_graph(Path(app.synth().directory))
    [function] = graph.functions
    assert (function.repository, function.allowed) == (
        f"{IMAGE_ACCOUNT}/us-east-1/team/images",
        False,
    )
    assert '-. "pull refused for 1" .->' in to_mermaid(graph)


def test_organisation_grants_and_name_patterns(tmp_path: Path) -> None:
    app = App(outdir=str(tmp_path))
    images = Stack(app, "Images", env=Environment(account=IMAGE_ACCOUNT, region="us-east-1"))
    LambdaImageRepository(
        images, "Org", repository_name="org/images", organization_id="o-abcdefghij"
    )
    from lambda_image_constructs import ConsumerAccount

    LambdaImageRepository(
        images,
        "Narrow",
        repository_name="team/narrow",
        consumer_accounts=[ConsumerAccount(CONSUMER_A, "payments-*")],
    )
    graph = read_graph(Path(app.synth().directory))
    grants = {r.name: r.grants for r in graph.repositories}
    assert [(g.kind, g.principal) for g in grants["org/images"] if g.kind != "account"] == [
        ("organization", "o-abcdefghij")
    ]
    narrow = {g.principal: g.function_patterns for g in grants["team/narrow"]}
    assert narrow[CONSUMER_A] == ["payments-*"]


def test_an_unreadable_assembly_is_one_clear_error(tmp_path: Path) -> None:
    (tmp_path / "manifest.json").write_text("{not json")
    with pytest.raises(GraphError, match=r"manifest.json is not valid JSON"):
        read_graph(tmp_path)


def test_the_docs_show_the_example_apps_graph_as_the_cli_draws_it(
    default_assembly: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from lambda_image_constructs.local.cli import main

    assert main(["--assembly", str(default_assembly), "graph"]) == 0
    drawn = capsys.readouterr().out
    readme = (PROJECT_ROOT / "docs" / "access.md").read_text()
    start = readme.index("<!-- graph:start")
    shown = readme[readme.index("\n", start) + 1 : readme.index("<!-- graph:end -->")]
    assert shown == drawn, "docs/access.md's graph is stale: lambda-images graph > ... and paste it"


def test_the_cli_writes_json_and_reports_a_bad_output_in_one_line(
    default_assembly: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from lambda_image_constructs.local.cli import main

    target = tmp_path / "graph.json"
    assert main(["--assembly", str(default_assembly), "graph", "--format", "json",
                 "--output", str(target)]) == 0  # fmt: skip
    assert len(json.loads(target.read_text())["functions"]) == 4
    assert main(["--assembly", str(default_assembly), "graph", "--output",
                 str(tmp_path / "missing" / "graph.md")]) == 2  # fmt: skip
    [line] = capsys.readouterr().err.splitlines()
    assert "--output" in line and "missing" in line


def test_handlers_are_left_out_and_an_image_elsewhere_has_a_node_of_its_own(
    tmp_path: Path,
) -> None:
    from aws_cdk import custom_resources as cr

    # GIVEN a function whose image is in no repository of the assembly, and aws-cdk-lib's own
    # custom-resource handler (a .zip function) beside it
    app = App(outdir=str(tmp_path))
    stack = Stack(app, "Functions", env=Environment(account=CONSUMER_A, region="us-east-1"))
    uri = f"{IMAGE_ACCOUNT}.dkr.ecr.us-east-1.amazonaws.com/team/images@{DIGEST}"
    ImageFunction(stack, "Fn", image=ImageSource.from_image_uri(uri), architecture="arm64")
    cr.AwsCustomResource(
        stack, "Lookup",
        on_create=cr.AwsSdkCall(service="STS", action="GetCallerIdentity",
                                physical_resource_id=cr.PhysicalResourceId.of("id")),
        policy=cr.AwsCustomResourcePolicy.from_sdk_calls(
            resources=cr.AwsCustomResourcePolicy.ANY_RESOURCE
        ),
    )  # fmt: skip
    outdir = Path(app.synth().directory)
    template = json.loads((outdir / "Functions.template.json").read_text())
    kinds = [r["Type"] for r in template["Resources"].values()]
    assert kinds.count("AWS::Lambda::Function") == 2
    # WHEN it is drawn THEN only the image function is, with an ID that says where it pulls from
    graph = read_graph(outdir)
    assert [(f.logical_id.startswith("Fn"), f.repository, f.allowed) for f in graph.functions] == [
        (True, None, None)
    ]
    mermaid = to_mermaid(graph)
    assert "None" not in mermaid
    assert f"fns_{CONSUMER_A}_us_east_1_elsewhere" in mermaid
    assert "image outside this assembly" in mermaid
