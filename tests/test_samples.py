"""The sample images' handlers, run in-process (the images themselves are checked in
test_lambda_image.py)."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

import pytest

from .cdk_harness import PROJECT_ROOT

SAMPLES = PROJECT_ROOT / "samples"


def load_handler_module(sample: str) -> ModuleType:
    path = SAMPLES / sample / "app.py"
    spec = importlib.util.spec_from_file_location(f"sample_{sample.replace('-', '_')}", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("sample", ["python-aws-base", "os-only-ric", "debian-ric"])
def test_handler_greets_by_name(sample: str) -> None:
    response = load_handler_module(sample).handler({"name": "Ada"}, None)
    assert response["message"] == "Hello, Ada!"
    assert response["image"] == sample


def test_describe_reports_environment_and_event(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GREETING", "hi")
    response = load_handler_module("debian-ric").describe({"k": 1}, None)
    assert response == {
        "handler": "describe",
        "greeting": "hi",
        "cwd": str(Path.cwd()),
        "event": {"k": 1},
    }


def test_fail_raises_with_the_event() -> None:
    with pytest.raises(ValueError, match=r"refusing event \{'k': 1\}"):
        load_handler_module("debian-ric").fail({"k": 1}, None)


def test_write_outside_tmp_writes_where_told(tmp_path: Path) -> None:
    target = tmp_path / "state.txt"
    response = load_handler_module("debian-ric").write_outside_tmp({"path": str(target)}, None)
    assert response == {"written": str(target)} and target.read_text() == "state"


def test_sleep_and_allocate_report_what_they_did() -> None:
    module = load_handler_module("debian-ric")
    assert module.sleep({"seconds": 0.01}, None) == {"slept": 0.01}
    assert module.allocate({"megabytes": 3}, None) == {"allocated": 3}
