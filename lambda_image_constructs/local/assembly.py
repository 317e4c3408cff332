"""What a synthesized cloud assembly (``cdk.out``) says about images and functions: pure
Python over its manifests and templates."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

LOCAL_IMAGE_REPOSITORY = "localhost/lambda-images"


class AssemblyError(ValueError):
    """The assembly does not hold what was asked for; the message says what it holds."""


@dataclass(frozen=True)
class ImageAsset:
    """A Docker image asset, as cdk-assets would build it."""

    asset_id: str
    directory: Path
    dockerfile: str
    platform: str | None
    build_args: Mapping[str, str]
    target: str | None
    image_tag: str

    @property
    def local_image(self) -> str:
        return local_image_for_tag(self.image_tag)

    def build_arguments(self) -> list[str]:
        """The arguments of ``<engine> build`` that cdk-assets passes for this asset."""
        arguments = ["build", "--tag", self.local_image, "--file", self.dockerfile]
        if self.platform:
            arguments += ["--platform", self.platform]
        for key, value in sorted(self.build_args.items()):
            arguments += ["--build-arg", f"{key}={value}"]
        if self.target:
            arguments += ["--target", self.target]
        return [*arguments, str(self.directory)]


@dataclass(frozen=True)
class FunctionSpec:
    """A Lambda function of a template: what a local run needs from it."""

    stack: str
    logical_id: str
    construct_path: str | None
    function_name: str | None
    image_uri: str
    entrypoint: list[str] | None
    command: list[str] | None
    working_directory: str | None
    environment: Mapping[str, str] = field(default_factory=dict)
    memory_size: int = 128
    ephemeral_storage: int = 512
    timeout: int = 3
    architectures: tuple[str, ...] = ("x86_64",)

    @property
    def image_tag(self) -> str:
        if "@" in self.image_uri:
            raise AssemblyError(
                f"{self.logical_id} runs {self.image_uri}, an image by digest: only images"
                " built from this assembly's assets can run locally"
            )
        return self.image_uri.rsplit(":", 1)[1]

    @property
    def names(self) -> set[str]:
        names = {self.logical_id, f"{self.stack}/{self.logical_id}"}
        if self.function_name:
            names.add(self.function_name)
        if self.construct_path:
            # The CfnFunction's path ends in /Resource/Resource under an ImageFunction, or in
            # /Resource under a plain Function: accept every construct above it too.
            parts = self.construct_path.split("/")
            while parts and parts[-1] == "Resource":
                parts.pop()
            names.add("/".join(parts))
            names.add(self.construct_path)
        return names


def local_image_for_tag(tag: str) -> str:
    return f"{LOCAL_IMAGE_REPOSITORY}:{tag}"


def _manifests(outdir: Path) -> Iterator[tuple[Path, dict[str, Any]]]:
    manifest_path = outdir / "manifest.json"
    if not manifest_path.is_file():
        raise AssemblyError(f"{outdir} is not a cloud assembly (no manifest.json): run cdk synth")
    manifest = json.loads(manifest_path.read_text())
    yield outdir, manifest
    for artifact in manifest.get("artifacts", {}).values():
        if artifact.get("type") == "cdk:cloud-assembly":
            yield from _manifests(outdir / artifact["properties"]["directoryName"])


def image_assets(outdir: Path) -> list[ImageAsset]:
    """Every Docker image asset of the assembly and its Stage assemblies, once each."""
    found: dict[str, ImageAsset] = {}
    for directory, manifest in _manifests(outdir):
        for artifact in manifest.get("artifacts", {}).values():
            if artifact.get("type") != "cdk:asset-manifest":
                continue
            assets = json.loads((directory / artifact["properties"]["file"]).read_text())
            for asset_id, asset in assets.get("dockerImages", {}).items():
                source = asset["source"]
                tags = {d["imageTag"] for d in asset.get("destinations", {}).values()}
                for tag in sorted(tags):
                    found[tag] = ImageAsset(
                        asset_id=asset_id,
                        directory=(directory / source["directory"]).resolve(),
                        dockerfile=source.get("dockerFile", "Dockerfile"),
                        platform=source.get("platform"),
                        build_args=source.get("dockerBuildArgs", {}),
                        target=source.get("dockerBuildTarget"),
                        image_tag=tag,
                    )
    return list(found.values())


def _functions_of(stack: str, template: Mapping[str, Any]) -> Iterator[FunctionSpec]:
    for logical_id, resource in template.get("Resources", {}).items():
        if resource.get("Type") != "AWS::Lambda::Function":
            continue
        properties = resource.get("Properties", {})
        image_uri = (properties.get("Code") or {}).get("ImageUri")
        if not isinstance(image_uri, str):
            continue
        config = properties.get("ImageConfig") or {}
        variables = (properties.get("Environment") or {}).get("Variables") or {}
        name = properties.get("FunctionName")
        yield FunctionSpec(
            stack=stack,
            logical_id=logical_id,
            construct_path=(resource.get("Metadata") or {}).get("aws:cdk:path"),
            function_name=name if isinstance(name, str) else None,
            image_uri=image_uri,
            entrypoint=config.get("EntryPoint"),
            command=config.get("Command"),
            working_directory=config.get("WorkingDirectory"),
            environment={k: v for k, v in variables.items() if isinstance(v, str)},
            memory_size=int(properties.get("MemorySize", 128)),
            ephemeral_storage=int((properties.get("EphemeralStorage") or {}).get("Size", 512)),
            timeout=int(properties.get("Timeout", 3)),
            architectures=tuple(properties.get("Architectures", ["x86_64"])),
        )


def functions(outdir: Path) -> list[FunctionSpec]:
    """Every image-backed function of the assembly's templates."""
    found: list[FunctionSpec] = []
    for directory, manifest in _manifests(outdir):
        for name, artifact in manifest.get("artifacts", {}).items():
            if artifact.get("type") != "aws:cloudformation:stack":
                continue
            template = json.loads((directory / artifact["properties"]["templateFile"]).read_text())
            found.extend(_functions_of(artifact.get("displayName", name), template))
    return found


def find_function(outdir: Path, name: str) -> FunctionSpec:
    """The function named by construct path, logical ID or function name."""
    candidates = functions(outdir)
    matches = [f for f in candidates if name in f.names]
    if len(matches) == 1:
        return matches[0]
    known = sorted(f.construct_path or f"{f.stack}/{f.logical_id}" for f in candidates)
    if not matches:
        raise AssemblyError(
            f"no function {name!r} in {outdir}; functions: {', '.join(known) or 'none'}"
        )
    raise AssemblyError(
        f"{name!r} names {len(matches)} functions in {outdir}; use one of: "
        + ", ".join(sorted(f"{f.stack}/{f.logical_id}" for f in matches))
    )
