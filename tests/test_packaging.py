"""What a user installs: dependency ranges, version and licence (pure Python, no build)."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import lambda_image_constructs

ROOT = Path(__file__).resolve().parent.parent
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]


def test_dependencies_are_compatible_ranges_not_pins() -> None:
    # An exact pin here made `pip install lambda-image-constructs aws-cdk-lib==<other 2.x>`
    # fail with ResolutionImpossible; exact pins belong in requirements.txt.
    for requirement in PROJECT["dependencies"]:
        assert "==" not in requirement, requirement
        assert re.search(r">=[\d.]+", requirement), f"{requirement} has no lower bound"
        assert re.search(r",<\d+$", requirement), f"{requirement} has no major-version ceiling"


def test_pinned_versions_fall_inside_the_declared_ranges() -> None:
    from packaging.requirements import Requirement

    pins = {}
    for line in (ROOT / "requirements.txt").read_text().splitlines():
        if "==" in line and not line.startswith("#"):
            name, version = line.split("==")
            pins[name.strip().lower()] = version.strip()
    for text in PROJECT["dependencies"]:
        requirement = Requirement(text)
        pinned = pins[requirement.name.lower()]
        assert requirement.specifier.contains(pinned), f"{pinned} outside {text}"


def test_version_comes_from_the_package_metadata() -> None:
    assert lambda_image_constructs.__version__ == PROJECT["version"]


def test_license_file_is_the_declared_licence() -> None:
    assert PROJECT["license"] == "Apache-2.0"
    assert PROJECT["license-files"] == ["LICENSE"]
    text = (ROOT / "LICENSE").read_text()
    assert "Apache License" in text and "Version 2.0, January 2004" in text
    assert "END OF TERMS AND CONDITIONS" in text
