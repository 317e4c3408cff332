"""Synth-time checks of a Lambda image's Dockerfile, in pure Python (no jsii, no Docker).

The AWS guide allows three kinds of base for the stage Lambda runs (the final stage, or the
``target``):

* an **AWS base image** (``public.ecr.aws/lambda/<runtime>``): runtime and runtime interface
  client included;
* an **AWS OS-only base** (``public.ecr.aws/lambda/provided:al2023`` / ``:al2``): the image must
  add a runtime interface client or a ``bootstrap`` executable;
* **any other base**: the image must add a runtime interface client.

And for every kind: ENTRYPOINT and CMD in exec form (JSON arrays, since Lambda passes them on
without a shell), an absolute path for the executable, a Linux base, and no deprecated base.

Each finding has a stable check ID so that one image can acknowledge it with a reason.
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from enum import Enum
from importlib import resources
from pathlib import Path

from dockerfile_parse import DockerfileParser

from .errors import Problems, shown


class BaseKind(Enum):
    AWS_BASE = "AWS base image"
    AWS_OS_ONLY = "AWS OS-only base image"
    OTHER = "non-AWS base image"


# Check IDs: the names users acknowledge findings by.
DEPRECATED_BASE = "LambdaImage-DeprecatedBase"
RUNTIME_INTERFACE = "LambdaImage-RuntimeInterfaceClient"
EXEC_FORM = "LambdaImage-ExecForm"
ABSOLUTE_EXECUTABLE = "LambdaImage-AbsoluteExecutable"
LINUX_ONLY = "LambdaImage-LinuxOnly"
PLATFORM = "LambdaImage-Platform"
PARSE = "LambdaImage-Dockerfile"
CHECK_IDS = (
    DEPRECATED_BASE,
    RUNTIME_INTERFACE,
    EXEC_FORM,
    ABSOLUTE_EXECUTABLE,
    LINUX_ONLY,
    PLATFORM,
)

AWS_BASE_REPOSITORY_PREFIXES = ("public.ecr.aws/lambda/", "amazon/aws-lambda-")
OS_ONLY_TAGS = {"al2023": "provided.al2023", "al2": "provided.al2", "alami": "provided"}


@dataclass(frozen=True)
class RuntimeLifecycle:
    deprecated: date
    create_blocked: date | None
    successor: str | None


def _lifecycle() -> Mapping[str, RuntimeLifecycle]:
    """Lambda's runtime lifecycle dates, as cfn-lint ships them (copied into the package by
    scripts/update_runtime_lifecycle.py; a test keeps the copy equal to cfn-lint's)."""
    text = resources.files("lambda_image_constructs").joinpath("data/runtime_lifecycle.json")
    data = json.loads(text.read_text())
    return {
        runtime: RuntimeLifecycle(
            date.fromisoformat(dates["deprecated"]),
            date.fromisoformat(dates["create-block"]) if dates.get("create-block") else None,
            dates.get("successor"),
        )
        for runtime, dates in data.items()
        if dates.get("deprecated")
    }


RUNTIME_LIFECYCLE = _lifecycle()

# Package names of the AWS runtime interface clients, as they appear in install commands or
# dependency manifests.
RUNTIME_INTERFACE_CLIENTS = (
    "awslambdaric",
    "aws-lambda-ric",
    "aws_lambda_ric",
    "aws-lambda-java-runtime-interface-client",
    "Amazon.Lambda.RuntimeSupport",
    "aws-lambda-cpp",
    "aws-lambda-go",
    "lambda_runtime",
)
# Files in the build context whose text may name a runtime interface client.
DEPENDENCY_MANIFEST = re.compile(
    r"(^|/)(requirements[^/]*\.txt|pyproject\.toml|package\.json|Gemfile|pom\.xml|"
    r"build\.gradle|[^/]+\.csproj|go\.mod|Cargo\.toml)$"
)
LAMBDA_RUNTIME_DIR = "/var/runtime"
WINDOWS_BASES = re.compile(r"(^|/)(windows|nanoserver|servercore)|mcr\.microsoft\.com/windows")


@dataclass(frozen=True)
class Finding:
    check_id: str
    line: int  # 1-based line of the Dockerfile
    instruction: str
    message: str


@dataclass(frozen=True)
class DockerfileReport:
    base_image: str
    base_kind: BaseKind
    runtime: str | None
    findings: tuple[Finding, ...] = field(default=())


@dataclass
class _Stage:
    name: str | None
    base: str
    line: int
    platform: str | None
    instructions: list[Mapping[str, object]] = field(default_factory=list)


def _split_from(value: str) -> tuple[str, str | None, str | None]:
    """(image, stage alias, --platform value) of a FROM instruction."""
    flags = [w for w in value.split() if w.startswith("--")]
    words = [w for w in value.split() if not w.startswith("--")]
    image = words[0] if words else ""
    alias = words[2] if len(words) >= 3 and words[1].lower() == "as" else None
    platform = next((f.split("=", 1)[1] for f in flags if f.startswith("--platform=")), None)
    return image, alias, platform


def _stages(parser: DockerfileParser) -> list[_Stage]:
    resolved_bases = list(parser.parent_images)  # FROM images with ARG defaults substituted
    stages: list[_Stage] = []
    for instruction in parser.structure:
        if instruction["instruction"] == "FROM":
            _, alias, platform = _split_from(str(instruction["value"]))
            base = resolved_bases[len(stages)] if len(stages) < len(resolved_bases) else ""
            stages.append(_Stage(alias, base, int(instruction["startline"]) + 1, platform))
        elif stages:
            stages[-1].instructions.append(instruction)
    return stages


def _chain(stages: list[_Stage], index: int) -> list[_Stage]:
    """The stage and the stages it is built FROM, nearest first."""
    chain = [stages[index]]
    names = {s.name.lower(): i for i, s in enumerate(stages[:index]) if s.name}
    while (parent := names.get(chain[-1].base.lower())) is not None:
        chain.append(stages[parent])
        names = {s.name.lower(): i for i, s in enumerate(stages[:parent]) if s.name}
    return chain


def stage_chain(parser: DockerfileParser, target: str | None = None) -> list[_Stage]:
    """The stage Lambda runs (the final one, or ``target``) and the stages it is built FROM,
    nearest first; empty when there is no such stage."""
    stages = _stages(parser)
    names = [
        i
        for i, s in enumerate(stages)
        if target is None or (s.name or "").lower() == target.lower()
    ]
    return _chain(stages, names[-1 if target is None else 0]) if names else []


DOCKER_HUB = "registry-1.docker.io"


def through_pull_through_cache(image: str, caches: Mapping[str, str]) -> str | None:
    """``image``'s name through a pull-through cache of its registry (``caches``: upstream
    registry URL -> the account's ``<registry>/<prefix>``), or None when none caches it.
    Docker Hub's short names (``python:3.12``) are ``library/`` images of registry-1.docker.io."""
    first, _, rest = image.partition("/")
    if rest and ("." in first or ":" in first or first == "localhost"):
        registry, path = ("registry-1.docker.io" if first == "docker.io" else first), rest
    else:
        registry, path = DOCKER_HUB, image if rest else f"library/{image}"
    prefix = caches.get(registry)
    return f"{prefix}/{path}" if prefix else None


def _image_repository_and_tag(image: str) -> tuple[str, str | None]:
    name = image.split("@", 1)[0]
    last = name.rsplit("/", 1)[-1]
    if ":" in last:
        repository, tag = name.rsplit(":", 1)
        return repository, tag
    return name, None


def classify_base(image: str) -> tuple[BaseKind, str | None]:
    """The kind of base, and the Lambda runtime it provides when that can be told."""
    repository, tag = _image_repository_and_tag(image)
    for prefix in AWS_BASE_REPOSITORY_PREFIXES:
        if repository.startswith(prefix):
            language = repository[len(prefix) :]
            if language == "provided":
                return BaseKind.AWS_OS_ONLY, OS_ONLY_TAGS.get(tag or "")
            return BaseKind.AWS_BASE, _runtime_of(language, tag)
    return BaseKind.OTHER, None


def _runtime_of(language: str, tag: str | None) -> str | None:
    if not tag or tag == "latest":
        return None
    version = re.match(r"[0-9]+(\.[0-9]+)?", tag)
    if not version:
        return None
    major = version.group(0).split(".")[0]
    al2 = ".al2" if ".al2" in tag and not tag.startswith(f"{major}.al2023") else ""
    match language:
        case "python" | "ruby":
            return f"{language}{version.group(0)}"
        case "nodejs":
            return f"nodejs{major}.x"
        case "java":
            return f"java{major}{al2}"
        case "go":
            return "go1.x"
        case "dotnet":
            return f"dotnet{major}"
    return f"{language}{version.group(0)}"


def _exec_form(value: str) -> list[str] | None:
    try:
        parsed = json.loads(value)
    except json.JSONDecodeError:
        return None
    if isinstance(parsed, list) and all(isinstance(item, str) for item in parsed):
        return parsed
    return None


def _last(chain: list[_Stage], name: str) -> tuple[Mapping[str, object], _Stage] | None:
    for stage in chain:
        for instruction in reversed(stage.instructions):
            if instruction["instruction"] == name:
                return instruction, stage
    return None


def _ships_bootstrap(chain: list[_Stage]) -> bool:
    for stage in chain:
        for instruction in stage.instructions:
            kind = instruction["instruction"]
            value = str(instruction["value"])
            if kind in ("COPY", "ADD"):
                words = _exec_form(value) or [w for w in value.split() if not w.startswith("--")]
                if len(words) < 2:
                    continue
                destination = words[-1].rstrip("/")
                destination = destination.replace("${LAMBDA_RUNTIME_DIR}", LAMBDA_RUNTIME_DIR)
                destination = destination.replace("$LAMBDA_RUNTIME_DIR", LAMBDA_RUNTIME_DIR)
                sources = [s.rstrip("/").rsplit("/", 1)[-1] for s in words[:-1]]
                if destination.endswith("/bootstrap") or (
                    destination == LAMBDA_RUNTIME_DIR and "bootstrap" in sources
                ):
                    return True
            elif kind == "RUN" and f"{LAMBDA_RUNTIME_DIR}/bootstrap" in value:
                return True
    return False


def _mentions_runtime_interface_client(text: str) -> bool:
    return any(client in text for client in RUNTIME_INTERFACE_CLIENTS)


def _installs_or_runs_client(instruction: Mapping[str, object]) -> bool:
    """An instruction that installs, copies or runs a runtime interface client: a command of a
    RUN that names one (not one that only prints its name), or COPY, ADD, ENTRYPOINT, CMD."""
    kind, value = instruction["instruction"], str(instruction["value"])
    if kind in ("COPY", "ADD", "ENTRYPOINT", "CMD"):
        return _mentions_runtime_interface_client(value)
    if kind != "RUN":
        return False
    commands = _SHELL_SEPARATORS.split(value)
    return any(
        _mentions_runtime_interface_client(command) and command.split()[0] not in _PRINTING_COMMANDS
        for command in commands
        if command.split()
    )


def _platform_findings(chain: list[_Stage], platform: str | None) -> list[Finding]:
    """Stages Lambda runs that pin another platform, build for the build machine's
    ($BUILDPLATFORM), or start from a base whose tag names the other architecture."""
    found: list[Finding] = []
    other = _OTHER_ARCHITECTURE_TAG.get(platform or "")
    for stage in chain if platform else ():
        pinned, line = stage.platform, f"FROM {stage.base}"
        if pinned and "BUILDPLATFORM" in pinned:
            why = "builds for the machine that runs the build ($BUILDPLATFORM), not the function"
            found.append(Finding(PLATFORM, stage.line, f"FROM --platform={pinned}", why))
        elif pinned and "$" not in pinned and pinned != platform:
            found.append(Finding(PLATFORM, stage.line, f"FROM --platform={pinned} {stage.base}",
                                 f"pins the platform {pinned!r}, but the image is built for"
                                 f" {platform!r}; the stage Lambda runs must match the"
                                 " function's architecture"))  # fmt: skip
        tag = _image_repository_and_tag(stage.base)[1] or ""
        if other is not None and other.search(tag):
            found.append(Finding(PLATFORM, stage.line, line,
                                 f"is a base built for another architecture (its tag {tag!r}),"
                                 f" but the image is built for {platform!r}"))  # fmt: skip
    return found


# A tag naming an architecture, by the platform it is not for.
_OTHER_ARCHITECTURE_TAG = {
    "linux/arm64": re.compile(r"(^|[-_.])(x86_64|x86-64|amd64)($|[-_.])", re.IGNORECASE),
    "linux/amd64": re.compile(r"(^|[-_.])(arm64|aarch64|arm64v8)($|[-_.])", re.IGNORECASE),
}
_SHELL_SEPARATORS = re.compile(r"&&|\|\||;|\||\n")
_PRINTING_COMMANDS = frozenset({"echo", "printf", "true", ":", "#"})
# Linux's MAX_ARG_STRLEN: one --build-arg KEY=VALUE is one argument of the build command.
BUILD_ARG_MAX_BYTES = 131_072
BUILD_ARGS_MAX_BYTES = 1_048_576


def inside(path: Path, folder: Path) -> bool:
    """Whether ``path`` (symbolic links followed) lies within ``folder``."""
    return path.resolve().is_relative_to(folder.resolve())


def check_build_args(problems: Problems, build_args: Mapping[str, str] | None) -> None:
    """Each ``--build-arg`` fits one command-line argument, and all of them the command line."""
    total = 0
    for key, value in (build_args or {}).items():
        size = len(f"{key}={value}".encode())
        total += size
        if size > BUILD_ARG_MAX_BYTES:
            problems.add(f"build_args[{shown(key)}]", f"{size:,} bytes",
                         f"must be at most {BUILD_ARG_MAX_BYTES:,} bytes as KEY=VALUE, one"
                         " command-line argument of the build")  # fmt: skip
    if total > BUILD_ARGS_MAX_BYTES:
        problems.add("build_args", f"{total:,} bytes",
                     f"must be at most {BUILD_ARGS_MAX_BYTES:,} bytes together")  # fmt: skip


def _ships_runtime_interface_client(chain: list[_Stage], context_files: Mapping[str, str]) -> bool:
    for stage in chain:
        for instruction in stage.instructions:
            if _installs_or_runs_client(instruction):
                return True
    return any(
        DEPENDENCY_MANIFEST.search(path) and _mentions_runtime_interface_client(text)
        for path, text in context_files.items()
    )


def check_dockerfile(
    text: str,
    *,
    build_args: Mapping[str, str] | None = None,
    target: str | None = None,
    context_files: Mapping[str, str] | None = None,
    today: date | None = None,
    platform: str | None = None,
) -> DockerfileReport:
    """Check the stage Lambda will run. ``context_files`` maps build-context paths to the text
    of dependency manifests (requirements.txt, package.json, ...), where a runtime interface
    client may be declared instead of in the Dockerfile. ``platform`` is the one platform the
    image is built for; a stage Lambda runs must not pin another."""
    parser = DockerfileParser(fileobj=io.StringIO(text), build_args=dict(build_args or {}))
    stages = _stages(parser)
    if not stages:
        return DockerfileReport(
            "", BaseKind.OTHER, None, (Finding(PARSE, 1, "", "has no FROM instruction"),)
        )
    index = len(stages) - 1
    findings: list[Finding] = []
    if target is not None:
        matches = [i for i, s in enumerate(stages) if s.name and s.name.lower() == target.lower()]
        if not matches:
            names = [s.name for s in stages if s.name]
            return DockerfileReport(
                "",
                BaseKind.OTHER,
                None,
                (Finding(PARSE, 1, "", f"has no stage named {target!r}; stages: {names}"),),
            )
        index = matches[0]
    chain = _chain(stages, index)
    base = chain[-1].base
    kind, runtime = classify_base(base)
    findings += _base_findings(chain, kind, runtime, platform, today)
    findings += _runtime_interface_findings(chain, kind, context_files or {})
    findings += _command_findings(chain, kind)
    return DockerfileReport(base, kind, runtime, tuple(findings))


def _base_findings(
    chain: list[_Stage],
    kind: BaseKind,
    runtime: str | None,
    platform: str | None,
    today: date | None,
) -> list[Finding]:
    """The base image's findings: Windows, a pinned other platform, a deprecated runtime."""
    root = chain[-1]
    from_line = f"FROM {root.base}"
    findings: list[Finding] = []
    if WINDOWS_BASES.search(root.base.lower()):
        findings.append(
            Finding(LINUX_ONLY, root.line, from_line, "is a Windows base; Lambda runs Linux only")
        )
    findings.extend(_platform_findings(chain, platform))
    lifecycle = RUNTIME_LIFECYCLE.get(runtime or "")
    if lifecycle and lifecycle.deprecated <= (today or date.today()):
        blocked = (
            f"; Lambda blocks creating functions with it from {lifecycle.create_blocked}"
            if lifecycle.create_blocked
            else ""
        )
        instead = f"the {lifecycle.successor}" if lifecycle.successor else "a supported runtime's"
        findings.append(
            Finding(
                DEPRECATED_BASE,
                root.line,
                from_line,
                f"is the {runtime} base image, deprecated on {lifecycle.deprecated}{blocked};"
                f" use {instead} base image",
            )
        )
    return findings


def _runtime_interface_findings(
    chain: list[_Stage], kind: BaseKind, context_files: Mapping[str, str]
) -> list[Finding]:
    """An image on an OS-only or non-AWS base must bring a runtime interface client."""
    root = chain[-1]
    from_line = f"FROM {root.base}"
    if kind is BaseKind.AWS_OS_ONLY and not (
        _ships_bootstrap(chain) or _ships_runtime_interface_client(chain, context_files)
    ):
        return [
            Finding(
                RUNTIME_INTERFACE,
                root.line,
                from_line,
                "is an AWS OS-only base, so the image must add a runtime interface client"
                f" (for example {RUNTIME_INTERFACE_CLIENTS[0]}) or a bootstrap executable in"
                f" {LAMBDA_RUNTIME_DIR}; it adds neither",
            )
        ]
    if kind is BaseKind.OTHER and not _ships_runtime_interface_client(chain, context_files):
        return [
            Finding(
                RUNTIME_INTERFACE,
                root.line,
                from_line,
                "is a non-AWS base, so the image must add a runtime interface client (one of "
                + ", ".join(RUNTIME_INTERFACE_CLIENTS)
                + "); none is installed or declared",
            )
        ]
    return []


def _command_findings(chain: list[_Stage], kind: BaseKind) -> list[Finding]:
    """ENTRYPOINT and CMD in exec form, the executable by absolute path."""
    findings: list[Finding] = []
    executable: tuple[str, int, str] | None = None
    for name in ("ENTRYPOINT", "CMD"):
        found = _last(chain, name)
        if found is None:
            continue
        instruction, _ = found
        line = int(str(instruction["startline"])) + 1
        content = str(instruction["content"]).strip()
        words = _exec_form(str(instruction["value"]))
        if words is None:
            findings.append(
                Finding(
                    EXEC_FORM,
                    line,
                    content,
                    f"must be in exec form, a JSON array such as {name} "
                    '["/usr/local/bin/python", "-m", "awslambdaric"]; Lambda runs it without a'
                    " shell",
                )
            )
            continue
        # The executable is ENTRYPOINT's first word; CMD's only where there is no ENTRYPOINT
        # and the base brings none (AWS base images run /lambda-entrypoint.sh, CMD the handler).
        if words and executable is None and (name == "ENTRYPOINT" or kind is BaseKind.OTHER):
            executable = (words[0], line, content)
    if executable and executable[0] and not executable[0].startswith("/"):
        findings.append(
            Finding(
                ABSOLUTE_EXECUTABLE,
                executable[1],
                executable[2],
                f"must name its executable by absolute path, not {executable[0]!r}",
            )
        )
    return findings
