"""``lambda-images init [DIR]``: a new platform app that synthesizes at once, offline.

The files come from ``data/new_app/`` of this package: ``app.py`` (the configuration-driven app
of :mod:`lambda_image_constructs.org`), ``platform.yaml`` (its configuration: an image account,
a repository, an image and a workload account running it), ``image/`` (a Dockerfile and its
handler), ``.gitignore``, plus two written here: ``cdk.json`` with the feature flags ``cdk init``
writes for the installed aws-cdk-lib, and ``requirements.txt`` pinning what is installed.

It imports nothing of aws_cdk (whose import starts Node): the flags are read from the
installed aws-cdk-lib's own ``recommended-feature-flags.json``, the file ``cdk init`` reads.
"""

from __future__ import annotations

import importlib.util
import json
import tarfile
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

TEMPLATE = Path(__file__).parent / "data" / "new_app"
# A package cannot ship a file named .gitignore reliably (build tools skip dot files).
RENAMED = {"gitignore": ".gitignore"}
PINNED = ("lambda-image-constructs", "aws-cdk-lib", "constructs", "cdk-nag")
FLAGS_FILE = "package/recommended-feature-flags.json"


class InitError(ValueError):
    """The new app cannot be written; the message says why."""


def recommended_feature_flags() -> dict[str, Any]:
    """The feature flags aws-cdk-lib recommends for a new project (what ``cdk init`` writes),
    read from the jsii bundle inside the installed aws_cdk package."""
    spec = importlib.util.find_spec("aws_cdk")
    if spec is None or spec.origin is None:
        raise InitError("aws-cdk-lib is not installed: pip install lambda-image-constructs")
    bundles = sorted((Path(spec.origin).parent / "_jsii").glob("aws-cdk-lib@*.jsii.tgz"))
    if not bundles:
        raise InitError(f"aws-cdk-lib at {Path(spec.origin).parent} holds no jsii bundle")
    with tarfile.open(bundles[-1], "r|gz") as bundle:  # read as a stream: the file comes early
        for member in bundle:
            if member.name == FLAGS_FILE:
                extracted = bundle.extractfile(member)
                if extracted is not None:
                    flags: dict[str, Any] = json.load(extracted)
                    return flags
    raise InitError(f"{bundles[-1].name} holds no {FLAGS_FILE}")


def _installed(name: str) -> str:
    try:
        return f"{name}=={version(name)}"
    except PackageNotFoundError:
        return name


def new_app_files() -> dict[str, str]:
    """Each file of a new app (a path relative to the app's folder) and its text."""
    files = {
        RENAMED.get(path.name, path.relative_to(TEMPLATE).as_posix()): path.read_text()
        for path in sorted(TEMPLATE.rglob("*"))
        if path.is_file() and "__pycache__" not in path.parts
    }
    cdk_json = json.loads(files["cdk.json"])
    cdk_json["context"] = {**cdk_json["context"], **recommended_feature_flags()}
    files["cdk.json"] = json.dumps(cdk_json, indent=2) + "\n"
    files["requirements.txt"] = "\n".join(_installed(name) for name in PINNED) + "\n"
    return files


def create(directory: Path) -> list[str]:
    """Write a new app into ``directory`` (made if missing, else it must be empty); the
    paths written, relative to it."""
    if directory.exists() and not directory.is_dir():
        raise InitError(f"{directory} is a file: init writes a new app into a new or empty folder")
    if directory.is_dir() and any(directory.iterdir()):
        raise InitError(
            f"{directory} is not empty: init writes a new app into a new or empty folder,"
            " so that it never overwrites a file"
        )
    files = new_app_files()
    for relative, text in files.items():
        target = directory / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text)
    return sorted(files)
