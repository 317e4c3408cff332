"""Every ```python block of README.md and docs/ runs, so none can go stale.

Each block runs in a fresh namespace with the repository root as the working folder (snippets
name samples/ and docs/examples/ relative to it). A block whose preceding line is

    <!-- snippet: continues -->

runs after the blocks it continues, in their namespace (they run again first, in a fresh
namespace of their own, so every block is a test of its own). A block that cannot run yet says
why and is a strict expected failure, so it fails the day it starts to work and the marker is
removed:

    <!-- snippet: continues; xfail: <why> -->

A block marked ``<!-- snippet: in-new-app -->`` (and the blocks continuing it) runs as a script
of its own in a new folder that ``lambda-images init`` wrote, as a user runs it after the
README's first steps (a process of its own: jsii's Node resolves relative paths from the folder
it started in). A block may end the process as an app does (``run(build)``): exit 0 passes.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from lambda_image_constructs.new_app import create

from .cdk_harness import PROJECT_ROOT

PAGES = [PROJECT_ROOT / "README.md", *sorted((PROJECT_ROOT / "docs").glob("*.md"))]
BLOCK = re.compile(r"^```python\n(.*?)^```$", re.S | re.M)
MARKER = re.compile(r"<!-- snippet: (?P<directives>.*?) -->\s*$")


@dataclass(frozen=True)
class Snippet:
    where: str
    code: str
    line: int
    continues: Snippet | None
    xfail: str | None
    in_new_app: bool = False

    def chain(self) -> list[Snippet]:
        return [*(self.continues.chain() if self.continues else []), self]


def snippets(page: Path) -> list[Snippet]:
    text = page.read_text()
    found: list[Snippet] = []
    for match in BLOCK.finditer(text):
        line = text.count("\n", 0, match.start()) + 1
        before = text[: match.start()].rstrip("\n").rsplit("\n", 1)[-1]
        marker = MARKER.match(before.strip())
        directives = [d.strip() for d in marker["directives"].split(";")] if marker else []
        unknown = [
            d
            for d in directives
            if d not in ("continues", "in-new-app") and not d.startswith("xfail:")
        ]
        assert not unknown, f"{page.name}:{line}: unknown snippet directives {unknown}"
        continues = "continues" in directives
        assert not continues or found, f"{page.name}:{line} continues nothing"
        xfail = next((d.removeprefix("xfail:").strip() for d in directives if "xfail" in d), None)
        found.append(
            Snippet(
                where=f"{page.relative_to(PROJECT_ROOT)}:{line}",
                code=match[1],
                line=line,
                continues=found[-1] if continues else None,
                xfail=xfail,
                in_new_app="in-new-app" in directives,
            )
        )
    return found


ALL = [snippet for page in PAGES for snippet in snippets(page)]


def test_the_pages_hold_snippets() -> None:
    # The README's first app; the docs' compliance, configuration-driven app and constructs.
    assert [s.in_new_app for s in ALL if s.where.startswith("README.md")] == [True]
    assert len(ALL) >= 13


@pytest.mark.parametrize("snippet", ALL, ids=[s.where for s in ALL])
def test_snippet_runs(
    snippet: Snippet,
    monkeypatch: pytest.MonkeyPatch,
    request: pytest.FixtureRequest,
    tmp_path: Path,
) -> None:
    chain = snippet.chain()
    if any(part.in_new_app for part in chain):
        run_in_new_app(chain, tmp_path, request)
        return
    monkeypatch.chdir(PROJECT_ROOT)
    monkeypatch.delenv("CDK_CONTEXT_JSON", raising=False)
    namespace: dict[str, object] = {"__name__": "__snippet__"}
    *earlier, last = chain
    for part in earlier:
        run_code(part.code, part.where, namespace)
    if last.xfail:
        request.applymarker(pytest.mark.xfail(reason=last.xfail, strict=True))
    # Line numbers in a traceback are the page's.
    run_code("\n" * last.line + last.code, last.where.rsplit(":", 1)[0], namespace)


def run_in_new_app(chain: list[Snippet], tmp_path: Path, request: pytest.FixtureRequest) -> None:
    app = tmp_path / "my-platform"
    create(app)
    (app / "snippet.py").write_text("\n".join(part.code for part in chain))
    environment = {k: v for k, v in os.environ.items() if k != "CDK_CONTEXT_JSON"}
    if chain[-1].xfail:
        request.applymarker(pytest.mark.xfail(reason=chain[-1].xfail, strict=True))
    result = subprocess.run(
        [sys.executable, "snippet.py"],
        cwd=app,
        env={**environment, "CDK_OUTDIR": str(tmp_path / "cdk.out")},
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, f"{chain[-1].where}:\n{result.stderr[-3000:]}"


def run_code(code: str, where: str, namespace: dict[str, object]) -> None:
    try:
        exec(compile(code, where, "exec"), namespace)
    except SystemExit as exit:  # an app's last line, run(build), exits
        assert exit.code in (0, None), f"{where} exited with status {exit.code}"
