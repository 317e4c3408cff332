"""``LambdaImage``: a Docker image asset built for exactly one Lambda architecture, checked at
synth, and published into a ``LambdaImageRepository`` that other accounts can pull from."""

from __future__ import annotations

import os
import weakref
from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import date
from functools import partial
from pathlib import Path
from typing import Required, TypedDict, cast

import jsii
from aws_cdk import (
    Acknowledgment,
    Aspects,
    CfnResource,
    CfnWaitConditionHandle,
    DefaultStackSynthesizer,
    Environment,
    IAspect,
    Stack,
    Stage,
)
from aws_cdk import aws_ecr_assets as ecr_assets
from aws_cdk import aws_lambda as lambda_
from aws_cdk.region_info import RegionInfo
from constructs import Construct, IConstruct
from typing_extensions import Unpack

from . import deferred, dockerfile_checks
from .architecture import ImageArchitecture, LambdaArchitecture, parse_architecture
from .errors import Problems
from .option_types import check_options
from .quotas import register_quota_checks
from .repository import LambdaImageRepository
from .snapstart import snap_start_ready
from .tokens import is_unresolved
from .validation import check_qualifier, check_repository_name

# Never part of an image's build context or asset hash: caches and local environments that
# differ between machines and checkouts (Docker ignore syntax).
ALWAYS_EXCLUDED = (
    ".git",
    "**/.git",
    "**/__pycache__",
    "**/*.pyc",
    "**/.pytest_cache",
    "**/.mypy_cache",
    "**/.ruff_cache",
    ".venv",
    "**/.venv",
    "venv",
    "cdk.out",
    "**/cdk.out",
)
_PRUNED_DIRECTORIES = {".git", "__pycache__", ".venv", "venv", "node_modules", "cdk.out"}
_MAX_MANIFEST_BYTES = 1_000_000
ACKNOWLEDGED_METADATA_KEY = "lambda-image-constructs:acknowledged-dockerfile-checks"


def image_publishing_synthesizer(
    repository_name: str, *, qualifier: str | None = None
) -> DefaultStackSynthesizer:
    """A stack synthesizer that publishes the stack's Docker image assets into
    ``repository_name`` (a ``LambdaImageRepository`` of the same account and Region) instead of
    the CDK bootstrap repository, tagged with their content hash.

    The repository must exist before the assets are published: keep it in another stack that is
    deployed first (``LambdaImage`` adds that stack dependency), and let the CDK publishing role
    push with ``LambdaImageRepository.allow_cdk_asset_publishing``.
    """
    problems = Problems()
    check_repository_name(problems, "repository_name", repository_name)
    check_qualifier(problems, qualifier)
    problems.raise_if_any("image_publishing_synthesizer")
    return DefaultStackSynthesizer(
        image_assets_repository_name=repository_name, qualifier=qualifier
    )


# The construct ID of the resource an image-only stack is given (see _ResourceForImageOnlyStack).
IMAGE_ONLY_STACK_RESOURCE_ID = "ImageOnlyStackResource"


@jsii.implements(IAspect)
class _ResourceForImageOnlyStack:
    """Gives a stack that holds nothing but image assets one resource at synth.

    An image is an asset, not a resource, so such a stack's template has no ``Resources``:
    CloudFormation refuses that template (``At least one Resources member must be defined``)
    and so does aws-cdk-lib's CloudFormation validation under ``cdk init``'s feature flags, in
    ``cdk synth`` and in ``Template.from_stack`` alike. A ``WaitConditionHandle`` costs nothing,
    needs no permission and does nothing; the stack gets it only while it has no other
    resource, so adding one later deletes it again, harmlessly.
    """

    def __init__(self, stack: Stack) -> None:
        self._stack_path = stack.node.path

    def visit(self, node: IConstruct) -> None:
        if not (isinstance(node, Stack) and node.node.path == self._stack_path):
            return
        stack = node
        if stack.node.try_find_child(IMAGE_ONLY_STACK_RESOURCE_ID) is not None:
            return
        for construct in stack.node.find_all():
            if CfnResource.is_cfn_resource(construct) and Stack.of(construct) is stack:
                return
        CfnWaitConditionHandle(stack, IMAGE_ONLY_STACK_RESOURCE_ID)


_STACKS_WITH_ASPECT: weakref.WeakSet[Stack] = weakref.WeakSet()


def _give_image_only_stack_a_resource(stack: Stack) -> None:
    if stack not in _STACKS_WITH_ASPECT:  # once per stack, however many images it holds
        _STACKS_WITH_ASPECT.add(stack)
        Aspects.of(stack).add(_ResourceForImageOnlyStack(stack))


def _copy_stack(stack: Stack, region: str, repository: LambdaImageRepository) -> Stack:
    """The stack beside ``stack`` that publishes its images into ``repository`` (a regional
    copy), made by the first image that needs it."""
    holder = cast(Construct, stack.node.scope)
    name = f"{stack.node.id}-{region}"
    found = holder.node.try_find_child(name)
    if isinstance(found, Stack):
        return found
    account = stack.account
    return Stack(
        holder,
        name,
        env=Environment(account=None if is_unresolved(account) else account, region=region),
        synthesizer=image_publishing_synthesizer(repository.repository_name),
        description=f"Copy in {region} of the images of {stack.node.path}",
    )


def _stage_path(scope: Construct) -> str | None:
    stage = Stage.of(scope)
    return stage.node.path if stage is not None else None


def _dependency_manifests(directory: Path) -> dict[str, str]:
    found: dict[str, str] = {}
    for root, dirs, files in os.walk(directory):
        dirs[:] = sorted(d for d in dirs if d not in _PRUNED_DIRECTORIES)
        for name in sorted(files):
            path = Path(root) / name
            relative = path.relative_to(directory).as_posix()
            manifest = dockerfile_checks.DEPENDENCY_MANIFEST.search(relative)
            if manifest and path.stat().st_size <= _MAX_MANIFEST_BYTES:
                found[relative] = path.read_text(errors="replace")
    return found


class LambdaImageOptions(TypedDict, total=False):
    """The options of ``LambdaImage``, each declared once; ``directory`` and ``architecture``
    are required."""

    directory: Required[str | os.PathLike[str]]
    """The build context: the folder holding the Dockerfile."""
    architecture: Required[ImageArchitecture]
    """The Lambda architecture the image runs on: ``'x86_64'`` or ``'arm64'``,
    ``aws_lambda.Architecture`` or ``LambdaArchitecture``. Required, so the image never depends
    on the CPU of the machine that builds it."""
    repository: LambdaImageRepository | None
    """Publish into this ``LambdaImageRepository``; the stack must use
    ``image_publishing_synthesizer(repository.repository_name)``. Default: the CDK bootstrap
    repository, which only functions of this account can pull from."""
    file: str | None
    """Dockerfile path relative to ``directory``. Default: ``Dockerfile``."""
    build_args: Mapping[str, str] | None
    """``--build-arg`` values (also used to resolve ``ARG`` in ``FROM`` for the checks).
    Default: none."""
    build_secrets: Mapping[str, str] | None
    """``--secret`` values. Default: none."""
    build_ssh: str | None
    """``--ssh`` value. Default: none."""
    build_contexts: Mapping[str, str] | None
    """``--build-context`` values. Default: none."""
    target: str | None
    """The stage to build, which is the stage checked. Default: the last."""
    exclude: Sequence[str]
    """More Docker-ignore patterns, on top of ``.dockerignore`` and the caches that are always
    excluded. Default: none."""
    network_mode: ecr_assets.NetworkMode | None
    """Network mode during the build. Default: Docker's."""
    cache_from: Sequence[ecr_assets.DockerCacheOption] | None
    """Build cache sources. Default: none."""
    cache_to: ecr_assets.DockerCacheOption | None
    """Build cache destination. Default: none."""
    cache_disabled: bool | None
    """Build without cache. Default: Docker's."""
    extra_hash: str | None
    """Extra data for the asset hash. Default: none."""
    display_name: str | None
    """Name shown while publishing. Default: the construct path."""
    acknowledgements: Sequence[Acknowledgment]
    """Dockerfile findings this image accepts, each ``Acknowledgment(id=<check ID>,
    reason=...)``. Default: none."""
    today: date | None
    """The date deprecations are judged on. Default: today."""


# What a required option becomes when an image is built without the user's, to report every
# problem at synth (lambda_image_constructs.deferred): the build context of the image
# `lambda-images init` writes, whose Dockerfile passes every check, and Lambda's default
# architecture.
_STAND_IN_CONTEXT = {
    "directory": str(Path(__file__).parent / "data" / "new_app" / "image"),
    "file": deferred.LEFT_OUT,
    "target": deferred.LEFT_OUT,
}
STAND_INS: dict[str, deferred.StandIn] = {
    "directory": lambda _: _STAND_IN_CONTEXT,
    "file": lambda _: _STAND_IN_CONTEXT,
    "architecture": lambda _: {"architecture": "x86_64"},
}


def _read_dockerfile(problems: Problems, options: LambdaImageOptions) -> tuple[Path, Path, str]:
    """The build context, the Dockerfile and its text ('' when it cannot be read)."""
    directory = options.get("directory")
    file = options.get("file") or "Dockerfile"
    path = Path(directory) if isinstance(directory, str | os.PathLike) else Path()
    dockerfile = path / file
    if not isinstance(directory, str | os.PathLike) or not path.is_dir():
        problems.add("directory", directory, "must be an existing build context folder")
    elif not dockerfile.is_file():
        problems.add("file", file, f"must be a Dockerfile inside {path}")
    elif not dockerfile_checks.inside(dockerfile, path):
        problems.add("file", file, f"must be a Dockerfile inside the build context {path}")
    else:
        try:
            return path, dockerfile, dockerfile.read_bytes().decode("utf-8-sig")
        except (OSError, UnicodeDecodeError) as error:
            problems.add(
                "file",
                file,
                f"must be a readable UTF-8 text file ({type(error).__name__}: {error})",
            )
    return path, dockerfile, ""


def _check_build_args(problems: Problems, options: LambdaImageOptions) -> None:
    target = options.get("target") or ""
    for key, value in {**(options.get("build_args") or {}), "target": target}.items():
        if is_unresolved(value) or is_unresolved(key):
            problems.add(f"build_args[{key!r}]", value, "must be known at synth, not a token")
    dockerfile_checks.check_build_args(problems, options.get("build_args"))


class LambdaImage(Construct):
    """A Lambda container image built from a Dockerfile for one architecture.

    It wraps ``aws_ecr_assets.DockerImageAsset`` (``.asset``) and adds what Lambda needs:

    * the build platform comes from ``architecture`` (``linux/amd64`` for x86_64,
      ``linux/arm64`` for arm64), never from the host;
    * caches and virtual environments never enter the build context or the asset hash, and
      ``.dockerignore`` is honoured, so the hash is the same on every machine and checkout;
    * the Dockerfile is checked at synth (see ``dockerfile_checks``); a finding fails synth
      unless this image acknowledges it with a reason;
    * with ``repository``, the image is published into that ``LambdaImageRepository`` under
      its content hash, where the repository's consumer accounts can pull it.
    """

    def __init__(self, scope: Construct, id: str, **options: Unpack[LambdaImageOptions]) -> None:
        """See ``LambdaImageOptions`` for each option, its default and its use."""
        super().__init__(scope, id)
        self._build(id, **options)

    def _build(self, id: str, **options: Unpack[LambdaImageOptions]) -> None:
        """The constructor once the construct exists (again without the wrong options, when
        the app reports every problem at synth: ``deferred``)."""
        problems = Problems()
        check_options(problems, LambdaImageOptions, options)
        again, subject = partial(self._build, id), f"LambdaImage {self.node.path}"
        rebuild = deferred.Rebuild(subject, self, self, options, again, STAND_INS)
        if rebuild.without(problems):  # raised, or reported at synth: made without them
            return
        register_quota_checks(self)
        parsed = parse_architecture(problems, "architecture", options.get("architecture"))
        path, dockerfile, text = _read_dockerfile(problems, options)
        acknowledged = self._acknowledged(problems, options.get("acknowledgements", ()))
        _check_build_args(problems, options)
        if rebuild.without(problems):
            return
        assert parsed is not None
        self.architecture_name: LambdaArchitecture = parsed
        report = self._check_dockerfile(text, dockerfile, acknowledged, options, rebuild)
        if report is None:
            return
        self.dockerfile_report = report
        self.snap_start_ready: str | None = snap_start_ready(
            text, build_args=options.get("build_args"), target=options.get("target")
        )
        """Why Lambda may snapshot this image (SnapStart), or None when its Dockerfile shows
        neither way AWS documents."""
        self.asset = self._make_asset(path, options)
        """The ``DockerImageAsset``."""
        self.image_tag: str = self.asset.image_tag
        """The content-addressed tag the image is published under."""
        repository = options.get("repository")
        self.image_repository = repository
        self.construct_path: str = self.node.path
        """Read once here, not by every function that names the image in its errors."""
        # Where the image is published: read once here, not by every function that runs it.
        published_in = Stack.of(repository if repository is not None else self)
        self.account: str = published_in.account
        """The account the image is published in (a token when unknown at synth)."""
        self.region: str = published_in.region
        """The Region the image is published in (a token when unknown at synth)."""
        if repository is not None:
            self._check_publishing_target(repository)
            self.image_uri = self._repository_image_uri(published_in, repository)
            self.repository_name = repository.repository_name
        else:
            self.image_uri = self.asset.image_uri
            self.repository_name = self.asset.repository.repository_name
        _give_image_only_stack_a_resource(Stack.of(self))
        self.regional_copies: dict[str, LambdaImage] = {}
        """The same image published into each regional copy of its repository, by Region."""
        for region, copy in (repository.regional_copies if repository else {}).items():
            home = Stack.of(self)
            below = self.node.path[len(home.node.path) :].strip("/").replace("/", "-")
            copied: LambdaImageOptions = {**options, "repository": copy}
            self.regional_copies[region] = LambdaImage(
                _copy_stack(home, region, copy), below or id, **copied
            )

    def _check_dockerfile(
        self,
        text: str,
        dockerfile: Path,
        acknowledged: Mapping[str, str],
        options: LambdaImageOptions,
        rebuild: deferred.Rebuild,
    ) -> dockerfile_checks.DockerfileReport | None:
        """The Dockerfile's findings, raised unless acknowledged (then noted in metadata);
        ``None`` when they are reported at synth, the image made of a placeholder instead."""
        report = dockerfile_checks.check_dockerfile(
            text,
            build_args=options.get("build_args"),
            target=options.get("target"),
            context_files=_dependency_manifests(dockerfile.parent),
            today=options.get("today"),
            platform=self.architecture_name.docker_platform,
        )
        findings = Problems()
        for finding in report.findings:
            if finding.check_id not in acknowledged:
                findings.add(
                    f"{dockerfile.name} line {finding.line} [{finding.check_id}]",
                    finding.instruction,
                    finding.message,
                )
        subject = (
            f"LambdaImage {self.node.path} ({dockerfile}); acknowledge a finding you accept with"
            " Acknowledgment(id=<check ID>, reason=...)"
        )
        if replace(rebuild, subject=subject).without(findings, culprit="directory"):
            return None
        if acknowledged:
            self.node.add_metadata(
                ACKNOWLEDGED_METADATA_KEY,
                [{"id": check, "reason": reason} for check, reason in sorted(acknowledged.items())],
            )
        return report

    def _make_asset(self, path: Path, options: LambdaImageOptions) -> ecr_assets.DockerImageAsset:
        build_args, secrets = options.get("build_args"), options.get("build_secrets")
        contexts, cache_from = options.get("build_contexts"), options.get("cache_from")
        return ecr_assets.DockerImageAsset(
            self,
            "Asset",
            directory=str(path),
            file=options.get("file"),
            platform=(
                ecr_assets.Platform.LINUX_ARM64
                if self.architecture_name is LambdaArchitecture.ARM_64
                else ecr_assets.Platform.LINUX_AMD64
            ),
            build_args=dict(build_args) if build_args else None,
            build_secrets=dict(secrets) if secrets else None,
            build_ssh=options.get("build_ssh"),
            build_contexts=dict(contexts) if contexts else None,
            target=options.get("target"),
            exclude=[*ALWAYS_EXCLUDED, *options.get("exclude", ())],
            network_mode=options.get("network_mode"),
            cache_from=list(cache_from) if cache_from else None,
            cache_to=options.get("cache_to"),
            cache_disabled=options.get("cache_disabled"),
            extra_hash=options.get("extra_hash"),
            display_name=options.get("display_name"),
        )

    @property
    def architecture(self) -> lambda_.Architecture:
        """The Lambda architecture, for ``aws_lambda`` APIs."""
        if self.architecture_name is LambdaArchitecture.ARM_64:
            return lambda_.Architecture.ARM_64
        return lambda_.Architecture.X86_64

    @property
    def platform(self) -> str:
        """The Docker platform the image is built for."""
        return self.architecture_name.docker_platform

    @staticmethod
    def _acknowledged(
        problems: Problems, acknowledgements: Sequence[Acknowledgment]
    ) -> dict[str, str]:
        result: dict[str, str] = {}
        for index, acknowledgement in enumerate(acknowledgements):
            check, reason = acknowledgement.id, acknowledgement.reason
            if check not in dockerfile_checks.CHECK_IDS:
                problems.add(
                    f"acknowledgements[{index}].id",
                    check,
                    f"must be one of {', '.join(dockerfile_checks.CHECK_IDS)}",
                )
            if len(reason.strip()) < 10:
                problems.add(
                    f"acknowledgements[{index}].reason",
                    reason,
                    "must say why this image accepts the finding (at least 10 characters)",
                )
            result[check] = reason
        return result

    def _check_publishing_target(self, repository: LambdaImageRepository) -> None:
        problems = Problems()
        stack = Stack.of(self)
        repository_stack = Stack.of(repository)
        published_to = self.asset.repository.repository_name
        if published_to != repository.repository_name:
            problems.add(
                "repository",
                repository.node.path,
                "must be the repository the stack's image assets are published to; create the"
                f" stack {stack.stack_name!r} with synthesizer=image_publishing_synthesizer("
                f"{repository.repository_name!r}) (it publishes to {published_to!r})",
            )
        if repository_stack is stack:
            problems.add(
                "repository",
                repository.node.path,
                "must be in another stack than the image: a stack's assets are published before"
                " the stack is deployed, so the repository has to exist already",
            )
        if (stack.account, stack.region) != (repository_stack.account, repository_stack.region):
            problems.add(
                "repository",
                repository.node.path,
                "must be in the image stack's account and Region "
                f"({stack.account}/{stack.region}), since assets are published there",
            )
        if deferred.reported(problems, f"LambdaImage {self.node.path}", self):
            return  # reported at synth: goes on, its stack without the dependency
        # Within one Stage, `cdk deploy` then creates the repository before publishing. Across
        # Stages (CDK Pipelines) a dependency is not allowed; the pipeline orders them.
        if _stage_path(stack) == _stage_path(repository_stack):
            stack.add_stack_dependency(repository_stack, "images are published into its repository")

    def _repository_image_uri(self, stack: Stack, repository: LambdaImageRepository) -> str:
        # Literal account and Region where known, so functions in other accounts and stacks
        # reference the image account's registry, not their own.
        suffix = None
        if not is_unresolved(self.region):
            suffix = RegionInfo.get(self.region).domain_suffix
        return (
            f"{self.account}.dkr.ecr.{self.region}.{suffix or stack.url_suffix}"
            f"/{repository.repository_name}:{self.image_tag}"
        )
