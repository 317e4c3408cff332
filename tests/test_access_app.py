"""Who can pull, over synthesized apps: the example app and generated organisations. Every
function of an app can pull its image and nobody else can: other accounts, their functions,
the Lambda service for a function outside the consumers, and any account at all. The
evaluator, ``lambda-images can-pull`` and ``lambda-images graph`` agree."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pytest
from aws_cdk import App
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from app import build_app
from lambda_image_constructs.access import NO_ORGANIZATION, RepositoryRecord, can_pull
from lambda_image_constructs.access.audit import pull_problems
from lambda_image_constructs.access.pull import Principal, direct_pull, lambda_pull
from lambda_image_constructs.access.templates import AssemblyContents, read_contents
from lambda_image_constructs.graph import read_graph
from lambda_image_constructs.local.cli import main
from lambda_image_constructs.org import ConsumerAccountStage, ImageAccountStage
from lambda_image_constructs.org.config import parse_config

from .cdk_harness import (
    CONSUMER_A,
    CONSUMER_B,
    IMAGE_ACCOUNT,
    PROJECT_ROOT,
    cdk_json_context,
    new_app,
)

CONSUMER_C = "444444444444"
OUTSIDER = "999999999999"
SAMPLE = str(PROJECT_ROOT / "samples" / "debian-ric")


@pytest.fixture(scope="module")
def example() -> Path:
    app: App = build_app(new_app())
    return Path(app.synth().directory)


def account(number: str) -> Principal:
    return Principal("account", number, number, None)


def function(repository: RepositoryRecord, owner: str, name: str = "probe") -> Principal:
    arn = f"arn:{repository.partition}:lambda:{repository.region}:{owner}:function:{name}"
    return Principal("function", arn, owner, repository.partition, repository.region)


def expected_consumers(config: dict[str, Any], repository: RepositoryRecord) -> set[str]:
    """From the configuration alone: the accounts with a function in the repository's Region
    running one of its images (least access)."""
    home = config["imageAccount"]["region"]
    images = {i["name"] for i in config["images"] if i["repository"] == repository.name}
    return {
        c["account"]
        for c in config["consumerAccounts"]
        if c.get("region", home) == repository.region
        and any(f["image"] in images for f in c["functions"])
    }


def assert_only_consumers_pull(
    outdir: Path, config: dict[str, Any], organization_id: str | None = None
) -> AssemblyContents:
    """Every function of the assembly can pull its image; per repository, exactly the
    expected consumers (and the owner's functions) can, nobody else."""
    contents = read_contents(outdir)
    assert contents.functions and contents.repositories
    assert pull_problems(outdir, organization_id) == []
    org = organization_id or NO_ORGANIZATION
    everyone = {c["account"] for c in config["consumerAccounts"]} | {OUTSIDER}
    for repository in contents.repositories:
        consumers = expected_consumers(config, repository)
        shared_by_org = any(
            r.get("organizationId") for r in config["repositories"] if r["name"] == repository.name
        )
        for who in sorted(everyone):
            # an account outside the app is in no organisation
            membership = NO_ORGANIZATION if who == OUTSIDER else org
            may = who in consumers or (shared_by_org and membership != NO_ORGANIZATION)
            pulled = can_pull(repository, function(repository, who), membership).allowed
            assert pulled is may, (repository.id, who)
            assert direct_pull(repository, account(who), membership).allowed is may
            if not may:  # not even the Lambda half alone
                alone = lambda_pull(repository, function(repository, who), membership)
                assert alone.allowed is False, (repository.id, who)
        owner = function(repository, repository.account)
        assert can_pull(repository, owner, NO_ORGANIZATION).allowed is True
    return contents


def assert_graph_agrees(outdir: Path, organization_id: str | None = None) -> None:
    graph = read_graph(outdir, organization_id=organization_id)
    contents = read_contents(outdir)
    assert {(f.account, f.logical_id) for f in graph.functions} == {
        (f.account, f.logical_id) for f in contents.functions if f.image_uri
    }
    assert all(f.allowed is True for f in graph.functions)
    org = organization_id or NO_ORGANIZATION
    by_id = {r.id: r for r in contents.repositories}
    for drawn in graph.repositories:
        repository = by_id[drawn.id]
        for grant in drawn.grants:
            if grant.kind == "account":
                assert grant.direct is (
                    direct_pull(repository, account(grant.principal), org).allowed is True
                )
                for pattern in grant.function_patterns:
                    probe = function(repository, grant.principal, pattern.replace("*", "x"))
                    assert lambda_pull(repository, probe, org).allowed is True
        assert all(g.kind != "anyone" for g in drawn.grants)


# --- the example app -------------------------------------------------------------------------


def example_config() -> dict[str, Any]:
    import json

    config: dict[str, Any] = json.loads((PROJECT_ROOT / "cdk.json").read_text())["context"][
        "lambda-image-constructs"
    ]
    return config


def test_the_example_app_lets_its_functions_pull_and_nobody_else(example: Path) -> None:
    contents = assert_only_consumers_pull(example, example_config())
    consumers = {
        r.region: {a for a in (CONSUMER_A, CONSUMER_B, CONSUMER_C, OUTSIDER)
                   if direct_pull(r, account(a), NO_ORGANIZATION).allowed}
        for r in contents.repositories
    }  # fmt: skip
    # least access: workload-c's only function runs in eu-west-1, so only the copy there
    assert consumers == {"us-east-1": {CONSUMER_A, CONSUMER_B}, "eu-west-1": {CONSUMER_C}}
    assert_graph_agrees(example)


def can_pull_cli(*arguments: str) -> int:
    return main(["can-pull", *arguments])


def test_can_pull_says_who_and_which_statements_decided(
    example: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    home = f"arn:aws:ecr:us-east-1:{IMAGE_ACCOUNT}:repository/platform/lambda-images"
    greeter = f"arn:aws:lambda:us-east-1:{CONSUMER_A}:function:greeter"
    assert can_pull_cli(str(example), home, "--principal", greeter) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"allowed: {greeter} pulling from {home}\n")
    assert "LambdaECRImageCrossAccountRetrievalPolicy (Allow)" in out
    assert "CrossAccountPermission (Allow)" in out
    role = f"arn:aws:iam::{CONSUMER_B}:role/deployer"
    assert can_pull_cli(str(example), home, "--principal", role) == 0
    capsys.readouterr()
    # the eu-west-1 consumer's account is not let into the us-east-1 repository
    assert can_pull_cli(str(example), home, "--principal", CONSUMER_C) == 1
    out = capsys.readouterr().out
    assert out.startswith("denied: ") and "no statement allows it" in out
    assert f"does not take in arn:aws:iam::{CONSUMER_C}:root" in out
    eu = f"arn:aws:lambda:eu-west-1:{CONSUMER_C}:function:greeter-eu"
    assert can_pull_cli(str(example), home, "--principal", eu) == 1
    assert "Lambda pulls only from a repository in the function's own Region" in (
        capsys.readouterr().out
    )
    copy = home.replace("us-east-1", "eu-west-1")
    assert can_pull_cli(str(example), copy, "--principal", eu) == 0
    assert (
        can_pull_cli(str(example), copy, "--principal", greeter.replace("us-east-1", "eu-west-1"))
        == 1
    )


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["platform/lambda-images", "--principal", CONSUMER_A], "is ambiguous: 2 repositories"),
        (["team/none", "--principal", CONSUMER_A], "is not in the assembly; its repositories:"),
        (["platform/lambda-images", "--principal", "someone"], "--principal must be"),
    ],
)
def test_can_pull_usage_errors_are_one_line_and_exit_2(
    example: Path, capsys: pytest.CaptureFixture[str], arguments: list[str], message: str
) -> None:
    assert can_pull_cli(str(example), *arguments) == 2
    [line] = capsys.readouterr().err.splitlines()
    assert line.startswith("lambda-images: ") and message in line


def test_can_pull_reading_errors_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert can_pull_cli(str(tmp_path / "missing"), "x", "--principal", CONSUMER_A) == 2
    assert "is not a cloud assembly" in capsys.readouterr().err
    with pytest.raises(SystemExit) as usage:
        can_pull_cli(str(tmp_path))  # no repository, no --principal
    assert usage.value.code == 2


# --- generated organisations --------------------------------------------------------------------

REGIONS = ("us-east-1", "eu-west-1", "ap-southeast-2")
FUNCTION_NAME = st.from_regex(r"[a-z][a-z0-9-]{0,10}", fullmatch=True)


@st.composite
def organisations(draw: st.DrawFn) -> dict[str, Any]:
    """A configuration: 1 to 3 consumer accounts in the image Region or a Regional copy's,
    one or two repositories shared by listing every consumer (the library must narrow) or
    by an organisation, and one or two functions per account."""
    home = draw(st.sampled_from(REGIONS))
    more = draw(st.lists(st.sampled_from([r for r in REGIONS if r != home]), max_size=1))
    numbers = draw(st.lists(st.integers(10**11, 10**12 - 2), min_size=2, max_size=4, unique=True))
    image_account, *accounts = [f"{n:012d}" for n in numbers]
    names = [f"workload-{i}" for i in range(len(accounts))]
    repositories, images = [], []
    for index in range(draw(st.integers(1, 2))):
        repository: dict[str, Any] = {"name": f"team{index}/images", "regions": more}
        if draw(st.booleans()):
            repository["organizationId"] = "o-" + draw(
                st.from_regex(r"[a-z0-9]{10}", fullmatch=True)
            )
        else:
            repository["consumers"] = names
        repositories.append(repository)
        images.append({"name": f"image-{index}", "repository": repository["name"],
                       "directory": SAMPLE, "architecture": "arm64"})  # fmt: skip
    consumers = []
    for name, number in zip(names, accounts, strict=True):
        functions = draw(st.lists(FUNCTION_NAME, min_size=1, max_size=2, unique=True))
        consumers.append({
            "name": name, "account": number, "region": draw(st.sampled_from([home, *more])),
            "functions": [{"name": f, "image": draw(st.sampled_from(images))["name"]}
                          for f in functions],
        })  # fmt: skip
    return {
        "imageAccount": {"account": image_account, "region": home},
        "repositories": repositories,
        "images": images,
        "consumerAccounts": consumers,
    }


def synthesize(config: dict[str, Any]) -> Path:
    # cdk.json's context without the compliance packs, which the example app's tests run:
    # validating every generated app with them would only slow this test down
    app = App(context=dict(cdk_json_context()))
    parsed = parse_config(config, "generated")
    images = ImageAccountStage(app, "ImageAccount", config=parsed)
    for consumer in parsed.consumer_accounts:
        ConsumerAccountStage(app, consumer.name, consumer=consumer, images=images.regional_images)
    return Path(app.synth().directory)


ORGANISATION = "o-generated0"  # the organisation every account of a generated app is in


# Each example is a synth (seconds): few of them, always the same ones, and no shrinking (a
# failing example is printed whole; shrinking it would synthesize hundreds more).
@settings(
    max_examples=3,
    derandomize=True,
    deadline=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(organisations())
def test_generated_organisations_let_their_functions_pull_and_nobody_else(
    config: dict[str, Any],
) -> None:
    for repository in config["repositories"]:
        if "organizationId" in repository:
            repository["organizationId"] = ORGANISATION
    outdir = synthesize(config)
    assert_only_consumers_pull(outdir, config, ORGANISATION)
    assert_graph_agrees(outdir, ORGANISATION)
    outsiders: Iterable[str] = (OUTSIDER,)
    for repository in read_contents(outdir).repositories:
        for who in outsiders:  # another organisation's account, and its functions
            assert can_pull(repository, account(who), "o-elsewhere00").allowed is False
            assert can_pull(repository, function(repository, who), "o-elsewhere00").allowed is False


def test_the_docs_show_can_pull_as_it_answers(
    example: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    readme = (PROJECT_ROOT / "docs" / "access.md").read_text()
    start = readme.index("<!-- can-pull:start")
    block = readme[readme.index("```console\n", start) + 11 : readme.index("```\n", start + 30)]
    shown = block.split("$ ")[1:]
    assert len(shown) == 2
    statuses = []
    for command_and_output in shown:
        command, _, output = command_and_output.partition("\n")
        words = command.split()
        assert words[:3] == ["lambda-images", "can-pull", "cdk.out"]
        statuses.append(main(["can-pull", str(example), *words[3:]]))
        assert capsys.readouterr().out == output, "docs/access.md's can-pull block is stale"
    assert statuses == [0, 1]


def test_can_pull_cannot_tell_without_the_organisation_it_needs(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from aws_cdk import Environment, Stack

    from lambda_image_constructs import LambdaImageRepository

    app = App(outdir=str(tmp_path))
    stack = Stack(app, "Images", env=Environment(account=IMAGE_ACCOUNT, region="us-east-1"))
    LambdaImageRepository(
        stack, "Repo", repository_name="org/images", organization_id="o-abcdefghij"
    )
    outdir = str(app.synth().directory)
    member = f"arn:aws:lambda:us-east-1:{CONSUMER_A}:function:api"
    assert can_pull_cli(outdir, "org/images", "--principal", member) == 2
    out = capsys.readouterr().out
    assert out.startswith("cannot tell: ") and "aws:PrincipalOrgID is not known" in out
    assert can_pull_cli(outdir, "org/images", "--principal", member,
                        "--organization-id", "o-abcdefghij") == 0  # fmt: skip
    assert can_pull_cli(outdir, "org/images", "--principal", member,
                        "--organization-id", "none") == 1  # fmt: skip
