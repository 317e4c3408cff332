"""What a synthesized cloud assembly (``cdk.out``) says about images and functions: pure
Python over its manifests and templates.

Every file of the assembly is read through :func:`read_json`, and every value taken from it
through a checked accessor, so that a damaged or hand-edited assembly is one
:class:`AssemblyError` naming the file, the field and the value, never a traceback."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..architecture import LambdaArchitecture

# Lambda's limits and defaults: what a template may hold for a function to run.
from ..limits import (
    EPHEMERAL_STORAGE_MB,
    LAMBDA_DEFAULT_EPHEMERAL_STORAGE_MB,
    LAMBDA_DEFAULT_MEMORY_MB,
    LAMBDA_DEFAULT_TIMEOUT_SECONDS,
    MEMORY_MB,
    TIMEOUT_SECONDS,
)

LOCAL_IMAGE_REPOSITORY = "localhost/lambda-images"
ARCHITECTURES = tuple(a.lambda_name for a in LambdaArchitecture)
# A quoted value is cut to this many characters: a huge value must not flood the message.
QUOTE_LIMIT = 80
_DIGITS = re.compile(r"[0-9]+")


class AssemblyError(ValueError):
    """The assembly does not hold what was asked for; the message says what it holds."""


def quote(value: object, limit: int = QUOTE_LIMIT) -> str:
    """``repr(value)``, cut to ``limit`` characters with an ellipsis."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def read_json(path: Path, what: str, error: type[Exception] = AssemblyError) -> Any:
    """The JSON document at ``path``; ``what`` says which file it is in an ``error``."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise error(f"{what} {path} does not exist") from None
    except IsADirectoryError:
        raise error(f"{what} {path} is a folder, not a file") from None
    except OSError as failure:
        raise error(f"{what} {path} cannot be read: {failure.strerror}") from None
    except UnicodeDecodeError as failure:
        raise error(f"{what} {path} is not UTF-8 text: {failure.reason}") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as failure:
        raise error(
            f"{what} {path} is not valid JSON: {failure.msg} at line {failure.lineno}"
            f" column {failure.colno}"
        ) from None
    except RecursionError:
        raise error(f"{what} {path} is nested too deeply to read") from None


def _object(value: Any, where: str) -> Mapping[str, Any]:
    if not isinstance(value, dict):
        raise AssemblyError(f"{where} must be a JSON object, got {quote(value)}")
    return value


def _optional_object(value: Any, where: str) -> Mapping[str, Any]:
    return {} if value is None else _object(value, where)


def _string(value: Any, where: str) -> str:
    if not isinstance(value, str) or not value:
        raise AssemblyError(f"{where} must be a non-empty string, got {quote(value)}")
    return value


def _optional_string(value: Any, where: str) -> str | None:
    return None if value is None else _string(value, where)


def _strings(value: Any, where: str) -> list[str] | None:
    if value is None:
        return None
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise AssemblyError(f"{where} must be a list of strings, got {quote(value)}")
    return value


def _whole_number(value: Any, where: str, default: int, bounds: tuple[int, int], unit: str) -> int:
    """A whole number within ``bounds``; CloudFormation also takes one written as a string."""
    if value is None:
        return default
    number: int | None = None
    if isinstance(value, int) and not isinstance(value, bool):
        number = value
    elif isinstance(value, str) and _DIGITS.fullmatch(value):
        number = int(value)
    low, high = bounds
    if number is None or not low <= number <= high:
        raise AssemblyError(
            f"{where} must be a whole number of {unit} from {low} to {high}, got {quote(value)}"
        )
    return number


def _inside(child: Path, parent: Path) -> bool:
    return child == parent or parent in child.parents


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
    memory_size: int = LAMBDA_DEFAULT_MEMORY_MB
    ephemeral_storage: int = LAMBDA_DEFAULT_EPHEMERAL_STORAGE_MB
    timeout: int = LAMBDA_DEFAULT_TIMEOUT_SECONDS
    architectures: tuple[str, ...] = ("x86_64",)

    @property
    def image_tag(self) -> str:
        if "@" in self.image_uri:
            raise AssemblyError(
                f"{self.logical_id} runs {quote(self.image_uri)}, an image by digest: only"
                " images built from this assembly's assets can run locally"
            )
        repository, _, tag = self.image_uri.rpartition(":")
        if not repository or "/" in tag:
            raise AssemblyError(
                f"{self.logical_id} runs {quote(self.image_uri)}, which has no tag: only images"
                " built from this assembly's assets (tagged with their hash) can run locally"
            )
        return tag

    @property
    def names(self) -> set[str]:
        return _names(self.stack, self.logical_id, self.construct_path, self.function_name)


def _names(
    stack: str, logical_id: str, construct_path: str | None, function_name: str | None
) -> set[str]:
    names = {logical_id, f"{stack}/{logical_id}"}
    if function_name:
        names.add(function_name)
    if construct_path:
        names.add(_construct(construct_path))
        names.add(construct_path)
    return names


def _construct(construct_path: str) -> str:
    """The construct of a CfnFunction's path, which ends in /Resource/Resource under an
    ImageFunction and in /Resource under a plain Function: accept the construct's path too."""
    parts = construct_path.split("/")
    while len(parts) > 1 and parts[-1] == "Resource":
        parts.pop()
    return "/".join(parts)


def local_image_for_tag(tag: str) -> str:
    return f"{LOCAL_IMAGE_REPOSITORY}:{tag}"


def _manifests(outdir: Path) -> Iterator[tuple[Path, Mapping[str, Any]]]:
    """The assembly's manifest and those of its nested (Stage) assemblies, each once."""
    top = outdir.resolve()
    if not top.is_dir():
        raise AssemblyError(f"{outdir} is not a cloud assembly (no such folder): run cdk synth")
    if not (top / "manifest.json").exists():
        raise AssemblyError(f"{outdir} is not a cloud assembly (no manifest.json): run cdk synth")
    reading: list[Path] = []

    def walk(directory: Path) -> Iterator[tuple[Path, Mapping[str, Any]]]:
        manifest_path = directory / "manifest.json"
        manifest = _object(read_json(manifest_path, "manifest"), f"manifest {manifest_path}")
        reading.append(directory)
        yield directory, manifest
        for name, artifact in _artifacts(manifest, manifest_path):
            if artifact.get("type") != "cdk:cloud-assembly":
                continue
            where = f"manifest {manifest_path}: artifacts.{name}.properties.directoryName"
            directory_name = _artifact_property(manifest_path, name, artifact, "directoryName")
            nested = (directory / directory_name).resolve()
            if nested in reading:
                raise AssemblyError(
                    f"{where} is {quote(directory_name)}, the assembly that holds it: nested"
                    " assemblies must not form a cycle"
                )
            if not _inside(nested, top):
                raise AssemblyError(
                    f"{where} is {quote(directory_name)}, outside the assembly {outdir}: a"
                    " nested assembly is a folder inside it"
                )
            yield from walk(nested)
        reading.pop()

    yield from walk(top)


def _artifacts(manifest: Mapping[str, Any], path: Path) -> Iterator[tuple[str, Mapping[str, Any]]]:
    artifacts = _optional_object(manifest.get("artifacts"), f"manifest {path}: artifacts")
    for name, artifact in artifacts.items():
        yield name, _object(artifact, f"manifest {path}: artifacts.{name}")


def _artifact_property(
    manifest_path: Path, name: str, artifact: Mapping[str, Any], key: str
) -> str:
    where = f"manifest {manifest_path}: artifacts.{name}.properties"
    properties = _object(artifact.get("properties"), where)
    return _string(properties.get(key), f"{where}.{key}")


def image_assets(outdir: Path) -> list[ImageAsset]:
    """Every Docker image asset of the assembly and its Stage assemblies, once each."""
    found: dict[str, ImageAsset] = {}
    for directory, manifest in _manifests(outdir):
        manifest_path = directory / "manifest.json"
        for name, artifact in _artifacts(manifest, manifest_path):
            if artifact.get("type") != "cdk:asset-manifest":
                continue
            path = directory / _artifact_property(manifest_path, name, artifact, "file")
            assets = _object(read_json(path, "asset manifest"), f"asset manifest {path}")
            images = _optional_object(assets.get("dockerImages"), f"{path}: dockerImages")
            for asset_id, asset in images.items():
                found.update(_image_asset(directory, path, asset_id, asset))
    return list(found.values())


def _image_asset(directory: Path, path: Path, asset_id: str, asset: Any) -> dict[str, ImageAsset]:
    where = f"asset manifest {path}: dockerImages.{asset_id}"
    asset = _object(asset, where)
    source = _object(asset.get("source"), f"{where}.source")
    build_args = _optional_object(source.get("dockerBuildArgs"), f"{where}.source.dockerBuildArgs")
    for key, value in build_args.items():
        _string(value, f"{where}.source.dockerBuildArgs.{key}")
    context = _string(source.get("directory"), f"{where}.source.directory")
    destinations = _optional_object(asset.get("destinations"), f"{where}.destinations")
    tags = {
        _string(
            _object(destination, f"{where}.destinations.{key}").get("imageTag"),
            f"{where}.destinations.{key}.imageTag",
        )
        for key, destination in destinations.items()
    }
    return {
        tag: ImageAsset(
            asset_id=asset_id,
            directory=(directory / context).resolve(),
            dockerfile=_optional_string(source.get("dockerFile"), f"{where}.source.dockerFile")
            or "Dockerfile",
            platform=_optional_string(source.get("platform"), f"{where}.source.platform"),
            build_args=dict(build_args),
            target=_optional_string(
                source.get("dockerBuildTarget"), f"{where}.source.dockerBuildTarget"
            ),
            image_tag=tag,
        )
        for tag in sorted(tags)
    }


@dataclass(frozen=True)
class _Candidate:
    """A function of a template, its names read leniently; ``spec()`` checks the rest."""

    stack: str
    logical_id: str
    construct_path: str | None
    function_name: str | None
    names: set[str]
    label: str
    resource: Mapping[str, Any]
    template: Path

    def spec(self) -> FunctionSpec:
        return _function_spec(self)


def _candidates(stack: str, template: Mapping[str, Any], path: Path) -> Iterator[_Candidate]:
    resources = _optional_object(template.get("Resources"), f"template {path}: Resources")
    for logical_id, resource in resources.items():
        if not isinstance(resource, dict) or resource.get("Type") != "AWS::Lambda::Function":
            continue
        properties = resource.get("Properties")
        code = properties.get("Code") if isinstance(properties, dict) else None
        if not isinstance(code, dict) or "ImageUri" not in code:
            continue  # a zip function: nothing to run from an image
        metadata = resource.get("Metadata")
        path_metadata = metadata.get("aws:cdk:path") if isinstance(metadata, dict) else None
        construct_path = path_metadata if isinstance(path_metadata, str) else None
        name = properties.get("FunctionName") if isinstance(properties, dict) else None
        function_name = name if isinstance(name, str) else None
        yield _Candidate(
            stack=stack,
            logical_id=logical_id,
            construct_path=construct_path,
            function_name=function_name,
            names=_names(stack, logical_id, construct_path, function_name),
            label=_construct(construct_path) if construct_path else f"{stack}/{logical_id}",
            resource=resource,
            template=path,
        )


def _function_spec(candidate: _Candidate) -> FunctionSpec:
    where = f"template {candidate.template}: Resources.{candidate.logical_id}.Properties"
    properties = _object(candidate.resource.get("Properties"), where)
    image_uri = properties["Code"]["ImageUri"]
    if not isinstance(image_uri, str):
        raise AssemblyError(
            f"{where}.Code.ImageUri is {quote(image_uri)}, a CloudFormation expression: only a"
            " literal image URI of this assembly's assets can run locally"
        )
    config = _optional_object(properties.get("ImageConfig"), f"{where}.ImageConfig")
    environment = _optional_object(properties.get("Environment"), f"{where}.Environment")
    variables = _optional_object(environment.get("Variables"), f"{where}.Environment.Variables")
    storage = _optional_object(properties.get("EphemeralStorage"), f"{where}.EphemeralStorage")
    architectures = properties.get("Architectures", ["x86_64"])
    if (
        not isinstance(architectures, list)
        or len(architectures) != 1
        or architectures[0] not in ARCHITECTURES
    ):
        raise AssemblyError(
            f"{where}.Architectures must be one of {list(ARCHITECTURES)} alone,"
            f" got {quote(architectures)}"
        )
    return FunctionSpec(
        stack=candidate.stack,
        logical_id=candidate.logical_id,
        construct_path=candidate.construct_path,
        function_name=candidate.function_name,
        image_uri=image_uri,
        entrypoint=_strings(config.get("EntryPoint"), f"{where}.ImageConfig.EntryPoint"),
        command=_strings(config.get("Command"), f"{where}.ImageConfig.Command"),
        working_directory=_optional_string(
            config.get("WorkingDirectory"), f"{where}.ImageConfig.WorkingDirectory"
        ),
        # A value that is a CloudFormation expression cannot be resolved here: left out.
        environment={k: v for k, v in variables.items() if isinstance(v, str)},
        memory_size=_whole_number(
            properties.get("MemorySize"),
            f"{where}.MemorySize",
            LAMBDA_DEFAULT_MEMORY_MB,
            MEMORY_MB,
            "MB",
        ),
        ephemeral_storage=_whole_number(
            storage.get("Size"),
            f"{where}.EphemeralStorage.Size",
            LAMBDA_DEFAULT_EPHEMERAL_STORAGE_MB,
            EPHEMERAL_STORAGE_MB,
            "MB",
        ),
        timeout=_whole_number(
            properties.get("Timeout"),
            f"{where}.Timeout",
            LAMBDA_DEFAULT_TIMEOUT_SECONDS,
            TIMEOUT_SECONDS,
            "seconds",
        ),
        architectures=(architectures[0],),
    )


def _all_candidates(outdir: Path) -> list[_Candidate]:
    found: list[_Candidate] = []
    for directory, manifest in _manifests(outdir):
        manifest_path = directory / "manifest.json"
        for name, artifact in _artifacts(manifest, manifest_path):
            if artifact.get("type") != "aws:cloudformation:stack":
                continue
            path = directory / _artifact_property(manifest_path, name, artifact, "templateFile")
            template = _object(read_json(path, "template"), f"template {path}")
            display = artifact.get("displayName")
            stack = display if isinstance(display, str) else name
            found.extend(_candidates(stack, template, path))
    return found


def functions(outdir: Path) -> list[FunctionSpec]:
    """Every image-backed function of the assembly's templates."""
    return [candidate.spec() for candidate in _all_candidates(outdir)]


def find_function(outdir: Path, name: str) -> FunctionSpec:
    """The function named by construct path, logical ID or function name. Only that function's
    properties are checked: another function's bad template does not stop this one."""
    candidates = _all_candidates(outdir)
    matches = [c for c in candidates if name in c.names]
    if len(matches) == 1:
        return matches[0].spec()
    if not matches:
        known = sorted(c.label for c in candidates)
        listed = ", ".join(known[:20]) + (f" and {len(known) - 20} more" if len(known) > 20 else "")
        raise AssemblyError(f"no function {quote(name)} in {outdir}; functions: {listed or 'none'}")
    raise AssemblyError(
        f"{quote(name)} names {len(matches)} functions in {outdir}; use one of: "
        + ", ".join(sorted(f"{c.stack}/{c.logical_id}" for c in matches))
    )
