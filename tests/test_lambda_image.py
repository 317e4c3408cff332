"""LambdaImage: platform from the architecture, publishing target, stable hashes, checks."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from aws_cdk import Acknowledgment, App, CfnWaitConditionHandle, Environment, Stack
from aws_cdk import aws_lambda as lambda_

from lambda_image_constructs import (
    ImageFunction,
    ImageSource,
    LambdaImage,
    LambdaImageRepository,
    LambdaImageValidationError,
    image_publishing_synthesizer,
)

from .cdk_harness import IMAGE_ACCOUNT, PROJECT_ROOT, new_app

SAMPLES = PROJECT_ROOT / "samples"
FIXTURES = Path(__file__).parent / "fixtures" / "dockerfiles"
ENV = Environment(account=IMAGE_ACCOUNT, region="us-east-1")
REPOSITORY_NAME = "platform/lambda-images"


def docker_images_in_manifest(app: App, stack: Stack) -> dict[str, Any]:
    assembly = app.synth()
    manifest = Path(assembly.directory) / f"{stack.artifact_id}.assets.json"
    return json.loads(manifest.read_text())["dockerImages"]  # type: ignore[no-any-return]


def image_stack(app: App, repository_stack: Stack | None = None) -> Stack:
    synthesizer = image_publishing_synthesizer(REPOSITORY_NAME) if repository_stack else None
    stack = Stack(app, "Images", env=ENV, synthesizer=synthesizer)
    # CloudFormation validation (cdk.json) refuses a template without resources; an image
    # alone is an asset, not a resource.
    CfnWaitConditionHandle(stack, "Placeholder")
    return stack


@pytest.mark.parametrize(
    ("architecture", "platform"),
    [("arm64", "linux/arm64"), (lambda_.Architecture.X86_64, "linux/amd64")],
)
def test_build_platform_comes_from_the_architecture(architecture: Any, platform: str) -> None:
    app = new_app()
    stack = image_stack(app)
    image = LambdaImage(
        stack, "Image", directory=SAMPLES / "python-aws-base", architecture=architecture
    )
    [entry] = docker_images_in_manifest(app, stack).values()
    assert entry["source"]["platform"] == platform
    assert image.platform == platform
    assert image.architecture.name == ("arm64" if platform == "linux/arm64" else "x86_64")
    # without a repository, the CDK bootstrap repository of the image's own account
    [destination] = entry["destinations"].values()
    assert destination["repositoryName"] == "cdk-hnb659fds-container-assets-111111111111-us-east-1"


@pytest.fixture(scope="module")
def published() -> dict[str, Any]:
    """One app: a repository stack and an image stack publishing into it (read-only)."""
    app = new_app()
    repository_stack = Stack(app, "Repository", env=ENV)
    repository = LambdaImageRepository(
        repository_stack,
        "LambdaImages",
        repository_name=REPOSITORY_NAME,
        consumer_accounts=["222222222222"],
    )
    role_arn = repository.allow_cdk_asset_publishing()
    stack = image_stack(app, repository_stack)
    image = LambdaImage(
        stack,
        "Image",
        directory=SAMPLES / "debian-ric",
        architecture="arm64",
        repository=repository,
    )
    assembly = app.synth()
    manifest = json.loads((Path(assembly.directory) / "Images.assets.json").read_text())[
        "dockerImages"
    ]
    return {
        "image": image,
        "manifest": manifest,
        "role_arn": role_arn,
        "repository_template": assembly.get_stack_by_name("Repository").template,
        "dependencies": [d.id for d in assembly.get_stack_by_name("Images").dependencies],
    }


def test_image_is_published_into_the_owned_repository_under_its_content_hash(
    published: dict[str, Any],
) -> None:
    image: LambdaImage = published["image"]
    [entry] = published["manifest"].values()
    [destination] = entry["destinations"].values()
    assert destination["repositoryName"] == REPOSITORY_NAME
    assert destination["imageTag"] == image.asset.asset_hash == image.image_tag
    assert entry["source"]["platform"] == "linux/arm64"
    assert image.image_uri == (
        f"{IMAGE_ACCOUNT}.dkr.ecr.us-east-1.amazonaws.com/{REPOSITORY_NAME}:{image.image_tag}"
    )
    assert image.repository_name == REPOSITORY_NAME


def test_repository_stack_deploys_before_the_images_are_published(
    published: dict[str, Any],
) -> None:
    assert "Repository" in published["dependencies"]


def test_repository_lets_the_publishing_role_push(published: dict[str, Any]) -> None:
    [repository] = published["repository_template"]["Resources"].values()
    statements = repository["Properties"]["RepositoryPolicyText"]["Statement"]
    publishing = next(s for s in statements if s.get("Sid") == "CdkImageAssetPublishing")
    assert publishing["Principal"] == {"AWS": published["role_arn"]}
    assert published["role_arn"] == (
        "arn:aws:iam::111111111111:role/cdk-hnb659fds-image-publishing-role-111111111111-us-east-1"
    )
    assert {"ecr:PutImage", "ecr:DescribeImages"} <= set(publishing["Action"])


def test_repository_must_match_the_stack_synthesizer() -> None:
    app = new_app()
    repository_stack = Stack(app, "Repository", env=ENV)
    repository = LambdaImageRepository(repository_stack, "Repo", repository_name=REPOSITORY_NAME)
    with pytest.raises(LambdaImageValidationError, match="image_publishing_synthesizer"):
        LambdaImage(
            image_stack(app),
            "Image",
            directory=SAMPLES / "python-aws-base",
            architecture="x86_64",
            repository=repository,
        )


def test_repository_in_the_same_stack_is_refused() -> None:
    app = new_app()
    stack = Stack(app, "Both", env=ENV, synthesizer=image_publishing_synthesizer(REPOSITORY_NAME))
    repository = LambdaImageRepository(stack, "Repo", repository_name=REPOSITORY_NAME)
    with pytest.raises(LambdaImageValidationError, match="published before the stack is deployed"):
        LambdaImage(
            stack,
            "Image",
            directory=SAMPLES / "python-aws-base",
            architecture="x86_64",
            repository=repository,
        )


@pytest.mark.parametrize(
    "architecture", ["x86_64,arm64", ["x86_64", "arm64"], "linux/amd64,linux/arm64", "ppc64le"]
)
def test_more_than_one_platform_is_refused(architecture: Any) -> None:
    with pytest.raises(LambdaImageValidationError) as raised:
        LambdaImage(
            image_stack(new_app()),
            "Image",
            directory=SAMPLES / "python-aws-base",
            architecture=architecture,
        )
    [problem] = raised.value.problems
    assert problem.field == "architecture"
    assert "exactly one Lambda architecture" in str(problem)


def context_with(tmp_path: Path, dockerfile: str) -> Path:
    context = tmp_path / "context"
    context.mkdir()
    shutil.copy(FIXTURES / dockerfile, context / "Dockerfile")
    (context / "app.py").write_text("def handler(event, context):\n    return event\n")
    return context


def test_deprecated_base_is_refused_with_its_date(tmp_path: Path) -> None:
    with pytest.raises(LambdaImageValidationError) as raised:
        LambdaImage(
            image_stack(new_app()),
            "Image",
            directory=context_with(tmp_path, "bad-deprecated-amazon-linux-1.Dockerfile"),
            architecture="x86_64",
        )
    message = str(raised.value)
    assert "Dockerfile line 1 [LambdaImage-DeprecatedBase]" in message
    assert "deprecated on 2024-01-08" in message
    assert "Acknowledgment(id=<check ID>, reason=...)" in message


def test_all_findings_are_reported_at_once(tmp_path: Path) -> None:
    with pytest.raises(LambdaImageValidationError) as raised:
        LambdaImage(
            image_stack(new_app()),
            "Image",
            directory=context_with(tmp_path, "bad-windows-base.Dockerfile"),
            architecture="x86_64",
        )
    assert len(raised.value.problems) == 3


def test_a_finding_can_be_acknowledged_per_image_with_a_reason(tmp_path: Path) -> None:
    app = new_app()
    stack = image_stack(app)
    reason = "The handler name is a single word without spaces, so the shell form is harmless."
    image = LambdaImage(
        stack,
        "Image",
        directory=context_with(tmp_path, "bad-cmd-shell-form.Dockerfile"),
        architecture="x86_64",
        acknowledgements=[Acknowledgment(id="LambdaImage-ExecForm", reason=reason)],
    )
    assert [f.check_id for f in image.dockerfile_report.findings] == ["LambdaImage-ExecForm"]
    metadata = [
        m
        for m in image.node.metadata
        if m.type == "lambda-image-constructs:acknowledged-dockerfile-checks"
    ]
    assert metadata[0].data == [{"id": "LambdaImage-ExecForm", "reason": reason}]


def test_acknowledgements_need_a_known_id_and_a_reason(tmp_path: Path) -> None:
    with pytest.raises(LambdaImageValidationError) as raised:
        LambdaImage(
            image_stack(new_app()),
            "Image",
            directory=SAMPLES / "python-aws-base",
            architecture="x86_64",
            acknowledgements=[
                Acknowledgment(id="LambdaImage-Nope", reason="x"),
                Acknowledgment(id="LambdaImage-ExecForm", reason="ok"),
            ],
        )
    assert [p.field for p in raised.value.problems] == [
        "acknowledgements[0].id",
        "acknowledgements[0].reason",
        "acknowledgements[1].reason",
    ]


def test_missing_directory_and_dockerfile_are_input_errors(tmp_path: Path) -> None:
    with pytest.raises(LambdaImageValidationError, match="directory must be an existing"):
        LambdaImage(
            image_stack(new_app()), "Image", directory=tmp_path / "absent", architecture="arm64"
        )
    with pytest.raises(LambdaImageValidationError, match="file must be a Dockerfile"):
        LambdaImage(image_stack(new_app()), "Image", directory=tmp_path, architecture="arm64")


def asset_hash(directory: Path) -> str:
    image = LambdaImage(image_stack(new_app()), "Image", directory=directory, architecture="x86_64")
    return image.asset.asset_hash


def test_caches_and_local_environments_never_change_the_hash(tmp_path: Path) -> None:
    context = tmp_path / "image"
    shutil.copytree(SAMPLES / "python-aws-base", context)
    before = asset_hash(context)
    for junk in [
        "__pycache__/app.cpython-311.pyc",
        ".venv/bin/python",
        ".git/HEAD",
        "cdk.out/manifest.json",
        "sub/__pycache__/x.pyc",
        ".mypy_cache/x",
    ]:
        (context / junk).parent.mkdir(parents=True, exist_ok=True)
        (context / junk).write_text("machine-specific")
    assert asset_hash(context) == before
    (context / "app.py").write_text("# changed\n")
    assert asset_hash(context) != before


def test_dockerignore_is_honoured(tmp_path: Path) -> None:
    context = tmp_path / "image"
    shutil.copytree(SAMPLES / "python-aws-base", context)
    (context / ".dockerignore").write_text("notes/\n")
    before = asset_hash(context)
    (context / "notes").mkdir()
    (context / "notes" / "todo.txt").write_text("not part of the image")
    assert asset_hash(context) == before


def test_hash_is_the_same_from_two_checkout_folders(tmp_path: Path) -> None:
    hashes = set()
    for folder in ("one/samples", "elsewhere/deeper/samples"):
        copy = tmp_path / folder / "debian-ric"
        shutil.copytree(SAMPLES / "debian-ric", copy)
        hashes.add(asset_hash(copy))
    assert hashes == {asset_hash(SAMPLES / "debian-ric")}


def test_the_three_samples_synthesize() -> None:
    app = new_app()
    stack = image_stack(app)
    images = {
        name: LambdaImage(stack, name, directory=SAMPLES / name, architecture="x86_64")
        for name in ("python-aws-base", "os-only-ric", "debian-ric")
    }
    kinds = {name: image.dockerfile_report.base_kind.name for name, image in images.items()}
    assert kinds == {
        "python-aws-base": "AWS_BASE",
        "os-only-ric": "AWS_OS_ONLY",
        "debian-ric": "OTHER",
    }
    assert len(docker_images_in_manifest(app, stack)) == 3


@pytest.mark.parametrize(
    ("written", "lambda_name"),
    [("amd64", "x86_64"), ("aarch64", "arm64"), ("linux/arm64", "arm64"), ("ARM64", "arm64")],
)
def test_other_names_of_an_architecture_are_refused_with_lambdas_name(
    written: str, lambda_name: str
) -> None:
    """One spelling everywhere: Lambda's, as ImageFunction and the configuration take it."""
    with pytest.raises(LambdaImageValidationError) as raised:
        LambdaImage(
            image_stack(new_app()),
            "Image",
            directory=SAMPLES / "python-aws-base",
            architecture=written,  # type: ignore[arg-type]
        )
    (problem,) = raised.value.problems
    assert problem.field == "architecture"
    assert f"write {lambda_name!r}" in str(problem) and repr(written) in str(problem)


def test_image_function_refuses_other_architecture_names_the_same_way() -> None:
    env = Environment(account=IMAGE_ACCOUNT, region="us-east-1")
    stack = Stack(new_app(), "Functions", env=env)
    uri = f"{IMAGE_ACCOUNT}.dkr.ecr.us-east-1.amazonaws.com/platform/api@sha256:{'a' * 64}"
    with pytest.raises(LambdaImageValidationError) as raised:
        ImageFunction(
            stack,
            "Fn",
            image=ImageSource.from_image_uri(uri),
            architecture="aarch64",  # type: ignore[arg-type]
        )
    (problem,) = raised.value.problems
    assert problem.field == "architecture" and "write 'arm64'" in str(problem)


def test_a_misspelt_option_is_refused_with_the_closest_one() -> None:
    with pytest.raises(LambdaImageValidationError) as raised:
        LambdaImage(
            image_stack(new_app()),
            "Image",
            directory=SAMPLES / "python-aws-base",
            architecture="arm64",
            build_arg={"X": "1"},  # type: ignore[typeddict-unknown-key]
        )
    (problem,) = raised.value.problems
    assert problem.field == "build_arg" and "did you mean 'build_args'?" in str(problem)


def test_a_dockerfile_with_a_byte_order_mark_is_read(tmp_path: Path) -> None:
    source = SAMPLES / "python-aws-base"
    shutil.copytree(source, tmp_path / "image")
    dockerfile = tmp_path / "image" / "Dockerfile"
    dockerfile.write_bytes(b"\xef\xbb\xbf" + dockerfile.read_bytes())
    image = LambdaImage(
        image_stack(new_app()), "Image", directory=tmp_path / "image", architecture="arm64"
    )
    assert image.dockerfile_report.findings == ()


def test_a_missing_directory_option_is_our_error() -> None:
    with pytest.raises(LambdaImageValidationError) as raised:
        LambdaImage(image_stack(new_app()), "Image", architecture="arm64")  # type: ignore[call-arg]
    assert [p.field for p in raised.value.problems] == ["directory"]
