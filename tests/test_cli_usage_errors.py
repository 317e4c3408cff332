"""``lambda-images`` on input no command foresees: NUL bytes, oversized arguments, a FIFO or a
device as the event, an output folder that cannot be written, a damaged assembly given to
``graph``. Each row ends in exit status 2 and one line on standard error, never a traceback, and
nothing blocks (a FIFO is refused before it is opened)."""

from __future__ import annotations

import errno
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from lambda_image_constructs.local.cli import main as lambda_images
from lambda_image_constructs.local.usage import MAX_ARGUMENT_CHARS, describe

from .test_local_cli_bad_inputs import Files, artifacts, valid_assembly, write


def _fifo(project: Path) -> None:
    os.mkfifo(project / "pipe")


def _socket_file(project: Path) -> None:
    import socket

    with socket.socket(socket.AF_UNIX) as server:
        server.bind(str(project / "sock"))


def _file_named(name: str) -> Callable[[Path], None]:
    return lambda project: (project / name).write_text("x")


def _nothing(project: Path) -> None:
    pass


@dataclass(frozen=True)
class Case:
    id: str
    argv: tuple[str, ...]
    says: tuple[str, ...]
    prepare: Callable[[Path], None] = _nothing
    damage: Callable[[Files], None] | None = None


LONG = "x" * (MAX_ARGUMENT_CHARS + 1)
GRAPH = ("graph",)

CASES = [
    Case("nul-in-function", ("invoke", "a\x00b", "--event", "e.json"), ("holds a NUL byte",)),
    Case("nul-in-event", ("invoke", "Fn", "--event", "e\x00.json"), ("holds a NUL byte",)),
    Case("nul-in-assembly", ("--assembly", "cdk\x00.out", "graph"), ("holds a NUL byte",)),
    Case("nul-in-output", ("graph", "--output", "o\x00.md"), ("holds a NUL byte",)),
    Case("nul-in-state", ("--state", "\x00", "build"), ("holds a NUL byte",)),
    Case("oversized-assembly", ("--assembly", LONG, "graph"), ("65,537 characters",)),
    Case("path-past-path-max", ("--assembly", "x" * 5_000, "graph"), ("File name too long",)),
    Case("event-past-path-max", ("invoke", "Fn", "--event", "y" * 5_000),
         ("File name too long",)),
    Case("oversized-function", ("invoke", LONG, "--event", "e.json"), ("characters", "…")),
    Case("oversized-output", ("graph", "--output", LONG), ("characters",)),
    Case("too-many-arguments", ("graph",) * 100, ("at most 64 arguments", "got 102")),
    Case("event-a-fifo", ("invoke", "Fn", "--event", "pipe"), ("--event", "FIFO"), _fifo),
    Case("event-a-char-device", ("invoke", "Fn", "--event", "/dev/zero"),
         ("--event", "character device")),
    Case("event-dev-null", ("invoke", "Fn", "--event", "/dev/null"),
         ("--event", "character device")),
    Case("event-a-socket", ("invoke", "Fn", "--event", "sock"), ("--event", "socket"),
         _socket_file),
    Case("output-under-a-file", ("graph", "--output", "file/graph.md"),
         ("--output", "Not a directory"), _file_named("file")),
    Case("output-a-folder", ("graph", "--output", "."), ("--output", "Is a directory")),
    Case("assembly-a-file", ("--assembly", "file", "graph"), ("file", "not a cloud assembly"),
         _file_named("file")),
    Case("graph-manifest-a-list", GRAPH, ("manifest.json",),
         damage=lambda f: f.update({"manifest.json": [1]})),
    Case("graph-artifacts-a-string", GRAPH, ("run cdk synth again",),
         damage=lambda f: f["manifest.json"].update(artifacts="x")),
    Case("graph-template-missing", GRAPH, ("Stack.template.json",),
         damage=lambda f: f.pop("Stack.template.json")),
    Case("graph-properties-a-list", GRAPH, ("lambda-images: ",),
         damage=lambda f: f["Stack.template.json"]["Resources"]["Fn"].update(Properties=[1])),
    Case("graph-stack-properties-a-number", GRAPH, ("lambda-images: ",),
         damage=lambda f: artifacts(f)["Stack"].update(properties=5)),
]  # fmt: skip


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.id)
def test_unforeseen_bad_input_is_one_usage_line(
    case: Case,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # GIVEN a project with a valid (or damaged) assembly and whatever the row prepares
    files = valid_assembly()
    if case.damage is not None:
        case.damage(files)
    write(tmp_path / "cdk.out", files)
    (tmp_path / "e.json").write_text("{}")
    case.prepare(tmp_path)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("PATH", "/nonexistent")  # no engine: nothing may get that far
    # WHEN lambda-images runs
    code = lambda_images(["--state", str(tmp_path / "state"), *case.argv])
    # THEN a usage error in one bounded line, without a traceback
    captured = capsys.readouterr()
    lines = captured.err.splitlines()
    assert code == 2, captured
    assert len(lines) == 1, captured.err
    assert lines[0].startswith("lambda-images: ")
    assert "Traceback" not in captured.err
    assert len(lines[0]) < 600, lines[0]
    for expected in case.says:
        assert expected in lines[0], (expected, lines[0])


def test_a_read_only_output_folder_is_a_usage_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # Tests may run as root, who writes anywhere: the refusal is the file system's, stood in.
    write(tmp_path / "cdk.out", valid_assembly())
    monkeypatch.chdir(tmp_path)

    def refuse(self: Path, *args: Any, **kwargs: Any) -> int:
        raise OSError(errno.EROFS, "Read-only file system", str(self))

    monkeypatch.setattr(Path, "write_text", refuse)
    assert lambda_images(["graph", "--output", "ro/graph.md"]) == 2
    assert "Read-only file system" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("error", "says"),
    [
        (PermissionError(errno.EACCES, "Permission denied", "build/x"), "choose a folder"),
        (OSError(errno.EROFS, "Read-only file system", "out"), "writable file system"),
        (NotADirectoryError(errno.ENOTDIR, "Not a directory", "a/b"), "a file stands where"),
        (OSError(errno.ENOSPC, "No space left on device", "x"), "free some space"),
        (RecursionError(), "nested too deeply"),
        (UnicodeDecodeError("utf-8", b"\xff", 0, 1, "invalid start byte"), "not valid text"),
        (KeyError("Properties"), "run cdk synth again"),
        (TypeError("x" * 10_000), "…"),
    ],
    ids=lambda value: type(value).__name__ if isinstance(value, BaseException) else value,
)
def test_each_unforeseen_error_is_said_in_one_bounded_line(error: Exception, says: str) -> None:
    line = describe(error)
    assert says in line
    assert "\n" not in line
    assert len(line) < 300
