"""Dockerfile checks: each fixture with its expected base kind and verdict (pure Python)."""

from __future__ import annotations

import json
import subprocess
from datetime import date
from pathlib import Path

import pytest

from lambda_image_constructs import dockerfile_checks as checks
from lambda_image_constructs.dockerfile_checks import BaseKind, check_dockerfile
from tests.test_validators import TOOLS, needs_tools

FIXTURES = Path(__file__).parent / "fixtures" / "dockerfiles"
TODAY = date(2026, 11, 27)

# fixture -> (base kind, runtime, {check ID: words the message must contain})
EXPECTED: dict[str, tuple[BaseKind, str | None, dict[str, str]]] = {
    "good-aws-base-python": (BaseKind.AWS_BASE, "python3.12", {}),
    "good-os-only-bootstrap": (BaseKind.AWS_OS_ONLY, "provided.al2023", {}),
    "good-os-only-ric": (BaseKind.AWS_OS_ONLY, "provided.al2023", {}),
    "good-other-base-ric": (BaseKind.OTHER, None, {}),
    "good-multistage-go": (BaseKind.AWS_OS_ONLY, "provided.al2023", {}),
    "good-arg-base": (BaseKind.AWS_BASE, "nodejs22.x", {}),
    "bad-os-only-missing-ric": (
        BaseKind.AWS_OS_ONLY,
        "provided.al2023",
        {checks.RUNTIME_INTERFACE: "or a bootstrap executable in /var/runtime; it adds neither"},
    ),
    "bad-other-base-no-ric": (
        BaseKind.OTHER,
        None,
        {checks.RUNTIME_INTERFACE: "must add a runtime interface client (one of awslambdaric"},
    ),
    "bad-cmd-shell-form": (
        BaseKind.AWS_BASE,
        "python3.12",
        {checks.EXEC_FORM: "must be in exec form, a JSON array"},
    ),
    "bad-relative-entrypoint": (
        BaseKind.OTHER,
        None,
        {checks.ABSOLUTE_EXECUTABLE: "by absolute path, not 'python'"},
    ),
    "bad-entrypoint-shell-form": (
        BaseKind.OTHER,
        None,
        {checks.EXEC_FORM: "Lambda runs it without a shell"},
    ),
    "bad-deprecated-amazon-linux-1": (
        BaseKind.AWS_OS_ONLY,
        "provided",
        {checks.DEPRECATED_BASE: "deprecated on 2024-01-08"},
    ),
    "bad-deprecated-python38": (
        BaseKind.AWS_BASE,
        "python3.8",
        {checks.DEPRECATED_BASE: "python3.8 base image, deprecated on 2024-10-14"},
    ),
    "bad-windows-base": (
        BaseKind.OTHER,
        None,
        {
            checks.LINUX_ONLY: "Lambda runs Linux only",
            checks.RUNTIME_INTERFACE: "none is installed or declared",
            checks.ABSOLUTE_EXECUTABLE: "'C:/app/app.exe'",
        },
    ),
    "bad-no-from": (BaseKind.OTHER, None, {checks.PARSE: "has no FROM instruction"}),
    "bad-pinned-amd64-platform": (
        BaseKind.AWS_OS_ONLY,
        "provided.al2023",
        {checks.PLATFORM: "pins the platform 'linux/amd64', but the image is built for"},
    ),
}


def test_every_fixture_has_an_expectation() -> None:
    assert sorted(p.stem for p in FIXTURES.glob("*.Dockerfile")) == sorted(EXPECTED)
    assert len(EXPECTED) >= 12


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_fixture_verdict(name: str) -> None:
    kind, runtime, expected = EXPECTED[name]
    report = check_dockerfile(
        (FIXTURES / f"{name}.Dockerfile").read_text(), today=TODAY, platform="linux/arm64"
    )
    assert report.base_kind is kind
    assert report.runtime == runtime
    found = {f.check_id: f.message for f in report.findings}
    assert sorted(found) == sorted(expected)
    for check_id, words in expected.items():
        assert words in found[check_id]


def test_findings_name_the_line() -> None:
    report = check_dockerfile((FIXTURES / "bad-cmd-shell-form.Dockerfile").read_text())
    [finding] = report.findings
    assert (finding.line, finding.instruction) == (3, "CMD app.handler")


@pytest.mark.parametrize(
    ("today", "deprecated"), [(date(2025, 12, 14), False), (date(2025, 12, 15), True)]
)
def test_deprecation_starts_on_its_date(today: date, deprecated: bool) -> None:
    report = check_dockerfile('FROM public.ecr.aws/lambda/python:3.9\nCMD ["a.b"]\n', today=today)
    assert any(f.check_id == checks.DEPRECATED_BASE for f in report.findings) is deprecated


def test_build_args_resolve_the_base() -> None:
    text = (FIXTURES / "good-arg-base.Dockerfile").read_text()
    report = check_dockerfile(
        text, build_args={"BASE": "public.ecr.aws/lambda/nodejs:16"}, today=TODAY
    )
    assert report.runtime == "nodejs16.x"
    assert [f.check_id for f in report.findings] == [checks.DEPRECATED_BASE]


def test_target_selects_the_checked_stage() -> None:
    text = (FIXTURES / "good-multistage-go.Dockerfile").read_text()
    build_stage = check_dockerfile(text, target="build")
    assert build_stage.base_image == "docker.io/library/golang:1.23"
    assert [f.check_id for f in build_stage.findings] == [checks.RUNTIME_INTERFACE]
    missing = check_dockerfile(text, target="nope")
    assert "has no stage named 'nope'" in missing.findings[0].message


def test_runtime_interface_client_declared_in_a_dependency_manifest() -> None:
    text = 'FROM docker.io/library/debian:bookworm-slim\nENTRYPOINT ["/usr/bin/python3"]\n'
    without = check_dockerfile(text, context_files={"requirements.txt": "requests==2.32.0\n"})
    declared = check_dockerfile(text, context_files={"requirements.txt": "awslambdaric==4.2.2\n"})
    assert [f.check_id for f in without.findings] == [checks.RUNTIME_INTERFACE]
    assert declared.findings == ()


def test_a_later_stage_inherits_entrypoint_from_its_parent_stage() -> None:
    text = (
        "FROM docker.io/library/python:3.12-slim AS base\n"
        "RUN pip install awslambdaric\n"
        'ENTRYPOINT ["python", "-m", "awslambdaric"]\n'
        "FROM base\n"
        'CMD ["app.handler"]\n'
    )
    report = check_dockerfile(text)
    assert [(f.check_id, f.line) for f in report.findings] == [(checks.ABSOLUTE_EXECUTABLE, 3)]


@needs_tools
def test_runtime_lifecycle_dates_are_cfn_lints() -> None:
    # the package's copy (scripts/update_runtime_lifecycle.py) against the pinned cfn-lint
    script = Path(__file__).parent.parent / "scripts" / "update_runtime_lifecycle.py"
    printed = subprocess.run(
        [str(TOOLS / "python"), str(script), "--print"], capture_output=True, text=True, check=True
    ).stdout
    theirs = json.loads(printed)
    ours = json.loads(
        (Path(checks.__file__).parent / "data" / "runtime_lifecycle.json").read_text()
    )
    assert ours == theirs, "run .venv-validators/bin/python scripts/update_runtime_lifecycle.py"


@pytest.mark.parametrize(
    ("base", "words"),
    [
        # behind in the hand-kept table this replaced
        ("public.ecr.aws/lambda/provided:al2", "provided.al2 base image, deprecated on 2026-07-31"
         "; Lambda blocks creating functions with it from 2027-02-01; use the provided.al2023"),
        ("public.ecr.aws/lambda/python:3.10", "python3.10 base image, deprecated on 2026-10-31"),
        ("public.ecr.aws/lambda/dotnet:8", "dotnet8 base image, deprecated on 2026-11-10"),
    ],
)  # fmt: skip
def test_bases_deprecated_by_lambdas_dates(base: str, words: str) -> None:
    report = check_dockerfile(f'FROM {base}\nCMD ["a.b"]\n', today=TODAY)
    [finding] = [f for f in report.findings if f.check_id == checks.DEPRECATED_BASE]
    assert words in finding.message


def test_a_supported_base_is_not_deprecated() -> None:
    report = check_dockerfile('FROM public.ecr.aws/lambda/python:3.13\nCMD ["a.b"]\n', today=TODAY)
    assert report.findings == ()
