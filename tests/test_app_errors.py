"""app.py as the CDK CLI runs it: invalid input is one clear message, a bug keeps its traceback."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import app

from .cdk_harness import PROJECT_ROOT, cdk_json_context


def run_app(tmp_path: Path, **context: str) -> subprocess.CompletedProcess[str]:
    # What the CDK CLI passes to `python3 app.py`: the context and the output folder.
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("AWS_")},
        "CDK_OUTDIR": str(tmp_path / "cdk.out"),
        "CDK_CONTEXT_JSON": json.dumps({**cdk_json_context(), **context}),
    }
    return subprocess.run(
        [sys.executable, "app.py"],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_invalid_configuration_prints_the_message_alone_and_exits_1(tmp_path: Path) -> None:
    config = tmp_path / "org.yaml"
    config.write_text(
        "imageAccount: {account: '1111', region: us-east-1}\n"
        "repositories: []\nimages: []\nconsumerAccounts: []\n"
    )
    result = run_app(tmp_path, config=str(config))
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert f"configuration {config}: 1 invalid input\n" in result.stderr
    assert "imageAccount.account must be a 12-digit AWS account ID" in result.stderr


def test_a_bug_keeps_its_traceback(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(_: object) -> object:
        raise KeyError("a bug, not invalid input")

    monkeypatch.setattr(app, "build_app", broken)
    with pytest.raises(KeyError, match="a bug"):
        app.main()
