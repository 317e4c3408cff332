"""Bad input to ``lambda-images``, one row each: a damaged cloud assembly, values a template must
not hold, a bad --event, a bad engine set-up. Every row must end in exit status 2 with one line
on standard error that names the field (or file) and the value, and no traceback.

The assembly is written by hand (no synth, no jsii) and the engine is a stand-in ``podman`` that
knows no images, so that the table runs in a second or two and needs no container engine."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from lambda_image_constructs.local.assembly import QUOTE_LIMIT
from lambda_image_constructs.local.cli import main as lambda_images

TAG = "0" * 64
IMAGE_URI = f"111111111111.dkr.ecr.us-east-1.amazonaws.com/platform/lambda-images:{TAG}"


def valid_assembly() -> dict[str, Any]:
    """File name -> JSON document of a small, valid cloud assembly: one stack with one image
    function, its asset manifest, and a nested (Stage) assembly with another function."""
    function = {
        "Type": "AWS::Lambda::Function",
        "Properties": {
            "Code": {"ImageUri": IMAGE_URI},
            "PackageType": "Image",
            "MemorySize": 512,
            "Timeout": 30,
            "EphemeralStorage": {"Size": 512},
            "Architectures": ["x86_64"],
            "ImageConfig": {"Command": ["app.handler"], "WorkingDirectory": "/function"},
            "Environment": {"Variables": {"GREETING": "hello"}},
        },
        "Metadata": {"aws:cdk:path": "Stack/Fn/Resource"},
    }
    return {
        "manifest.json": {
            "version": "36.0.0",
            "artifacts": {
                "Stack.assets": {
                    "type": "cdk:asset-manifest",
                    "properties": {"file": "Stack.assets.json"},
                },
                "Stack": {
                    "type": "aws:cloudformation:stack",
                    "displayName": "Stack",
                    "properties": {"templateFile": "Stack.template.json"},
                },
                "assembly-Stage": {
                    "type": "cdk:cloud-assembly",
                    "properties": {"directoryName": "assembly-Stage"},
                },
            },
        },
        "Stack.template.json": {"Resources": {"Fn": function}},
        "Stack.assets.json": {
            "version": "36.0.0",
            "dockerImages": {
                TAG: {
                    "source": {"directory": f"asset.{TAG}", "platform": "linux/amd64"},
                    "destinations": {"d": {"imageTag": TAG, "repositoryName": "r"}},
                }
            },
        },
        "assembly-Stage/manifest.json": {
            "version": "36.0.0",
            "artifacts": {
                "StageStack": {
                    "type": "aws:cloudformation:stack",
                    "displayName": "Stage/StageStack",
                    "properties": {"templateFile": "StageStack.template.json"},
                }
            },
        },
        "assembly-Stage/StageStack.template.json": {
            "Resources": {
                "StageFn": {
                    **function,
                    "Metadata": {"aws:cdk:path": "Stage/StageStack/StageFn/Resource"},
                }
            }
        },
    }


Files = dict[str, Any]


def fn(files: Files) -> dict[str, Any]:
    """The properties of the top stack's function."""
    return files["Stack.template.json"]["Resources"]["Fn"]["Properties"]  # type: ignore[no-any-return]


def artifacts(files: Files) -> dict[str, Any]:
    return files["manifest.json"]["artifacts"]  # type: ignore[no-any-return]


def image(files: Files) -> dict[str, Any]:
    return files["Stack.assets.json"]["dockerImages"][TAG]  # type: ignore[no-any-return]


RAW = object()  # a value written as it is, not as JSON


@dataclass(frozen=True)
class Case:
    id: str
    change: Callable[[Files], None]  # applied to valid_assembly() before it is written
    argv: tuple[str, ...]  # after --assembly/--state; "{event}" is the event file
    says: tuple[str, ...]  # each must be in the message: the field or file, and the value
    event: str | bytes = '{"name": "x"}'
    environment: tuple[tuple[str, str], ...] = ()


def set_in(
    getter: Callable[[Files], dict[str, Any]], key: str, value: Any
) -> Callable[[Files], None]:
    def change(files: Files) -> None:
        getter(files)[key] = value

    return change


def replace_file(name: str, content: Any) -> Callable[[Files], None]:
    def change(files: Files) -> None:
        files[name] = content

    return change


def remove_file(name: str) -> Callable[[Files], None]:
    def change(files: Files) -> None:
        del files[name]

    return change


def nothing(files: Files) -> None:
    pass


INVOKE = ("invoke", "Fn", "--event", "{event}")
BUILD = ("build",)
LONG = "x" * 5_000

CASES = [
    # The assembly's manifest.
    Case("manifest-not-json", replace_file("manifest.json", (RAW, "{not json")), INVOKE,
         ("manifest.json", "is not valid JSON", "line 1 column 2")),
    Case("manifest-empty-file", replace_file("manifest.json", (RAW, "")), INVOKE,
         ("manifest.json", "is not valid JSON")),
    Case("manifest-not-utf8", replace_file("manifest.json", (RAW, b"\xff\xfe{}")), INVOKE,
         ("manifest.json", "is not UTF-8")),
    Case("manifest-a-list", replace_file("manifest.json", [1, 2]), INVOKE,
         ("manifest", "manifest.json", "must be a JSON object, got [1, 2]")),
    Case("manifest-missing", remove_file("manifest.json"), INVOKE,
         ("cdk.out", "no manifest.json")),
    Case("manifest-deeply-nested", replace_file("manifest.json", (RAW, "[" * 100_000)), INVOKE,
         ("manifest.json", "nested too deeply")),
    Case("artifacts-a-string", lambda f: f["manifest.json"].update(artifacts="x"), INVOKE,
         ("artifacts", "must be a JSON object, got 'x'")),
    Case("artifact-a-number", set_in(artifacts, "Stack", 7), INVOKE,
         ("artifacts.Stack", "got 7")),
    Case("stack-properties-missing", lambda f: artifacts(f)["Stack"].pop("properties"), INVOKE,
         ("artifacts.Stack.properties", "got None")),
    Case("template-file-not-a-string",
         lambda f: artifacts(f)["Stack"]["properties"].update(templateFile=5), INVOKE,
         ("artifacts.Stack.properties.templateFile", "got 5")),
    # A template.
    Case("template-missing", remove_file("Stack.template.json"), INVOKE,
         ("template", "Stack.template.json", "does not exist")),
    Case("template-not-json", replace_file("Stack.template.json", (RAW, '{"Resources": ')),
         INVOKE, ("template", "Stack.template.json", "is not valid JSON")),
    Case("template-a-folder", replace_file("Stack.template.json", (RAW, None)), INVOKE,
         ("template", "Stack.template.json", "is a folder")),
    Case("resources-a-list", replace_file("Stack.template.json", {"Resources": []}), INVOKE,
         ("Resources", "got []")),
    # The function's properties.
    Case("memory-zero", set_in(fn, "MemorySize", 0), INVOKE,
         ("Resources.Fn.Properties.MemorySize", "got 0", "from 128 to 10240")),
    Case("memory-not-a-number", set_in(fn, "MemorySize", "lots"), INVOKE,
         ("MemorySize", "got 'lots'")),
    Case("memory-a-boolean", set_in(fn, "MemorySize", True), INVOKE,
         ("MemorySize", "got True")),
    Case("memory-an-expression", set_in(fn, "MemorySize", {"Ref": "Memory"}), INVOKE,
         ("MemorySize", "got {'Ref': 'Memory'}")),
    Case("memory-too-large", set_in(fn, "MemorySize", 20_000), INVOKE,
         ("MemorySize", "got 20000")),
    Case("memory-non-ascii-digits", set_in(fn, "MemorySize", "\uff15\uff11\uff12"), INVOKE,
         ("MemorySize", "got '\uff15\uff11\uff12'")),
    Case("memory-huge-value", set_in(fn, "MemorySize", LONG), INVOKE,
         ("MemorySize", "got 'xxxxxxxx", "…")),
    Case("timeout-zero", set_in(fn, "Timeout", 0), INVOKE,
         ("Properties.Timeout", "got 0", "seconds from 1 to 900")),
    Case("timeout-fraction", set_in(fn, "Timeout", 1.5), INVOKE,
         ("Timeout", "got 1.5")),
    Case("ephemeral-storage-too-small", set_in(fn, "EphemeralStorage", {"Size": 100}), INVOKE,
         ("EphemeralStorage.Size", "got 100", "from 512 to 10240")),
    Case("ephemeral-storage-a-number", set_in(fn, "EphemeralStorage", 1024), INVOKE,
         ("EphemeralStorage", "got 1024")),
    Case("architecture-unknown", set_in(fn, "Architectures", ["sparc"]), INVOKE,
         ("Architectures", "got ['sparc']", "x86_64")),
    Case("architecture-two", set_in(fn, "Architectures", ["x86_64", "arm64"]), INVOKE,
         ("Architectures", "got ['x86_64', 'arm64']")),
    Case("command-a-string", set_in(fn, "ImageConfig", {"Command": "app.handler"}), INVOKE,
         ("ImageConfig.Command", "list of strings", "got 'app.handler'")),
    Case("entrypoint-a-number-item", set_in(fn, "ImageConfig", {"EntryPoint": [1]}), INVOKE,
         ("ImageConfig.EntryPoint", "got [1]")),
    Case("working-directory-a-number", set_in(fn, "ImageConfig", {"WorkingDirectory": 5}),
         INVOKE, ("ImageConfig.WorkingDirectory", "got 5")),
    Case("environment-variables-a-list",
         set_in(fn, "Environment", {"Variables": ["GREETING=hello"]}), INVOKE,
         ("Environment.Variables", "got ['GREETING=hello']")),
    Case("image-by-digest",
         set_in(fn, "Code", {"ImageUri": IMAGE_URI.split(":")[0] + "@sha256:" + "a" * 64}),
         INVOKE, ("Fn runs", "@sha256:aaa", "an image by digest")),
    Case("image-without-tag", set_in(fn, "Code", {"ImageUri": "platform/lambda-images"}),
         INVOKE, ("Fn runs", "'platform/lambda-images'", "no tag")),
    Case("image-an-expression",
         set_in(fn, "Code", {"ImageUri": {"Fn::Join": ["", ["a", ":b"]]}}), INVOKE,
         ("Code.ImageUri", "{'Fn::Join'", "CloudFormation expression")),
    # Nested assemblies.
    Case("nested-assembly-is-itself",
         lambda f: artifacts(f)["assembly-Stage"]["properties"].update(directoryName="."),
         INVOKE, ("artifacts.assembly-Stage.properties.directoryName", "'.'", "cycle")),
    Case("nested-assembly-cycle",
         lambda f: f["assembly-Stage/manifest.json"]["artifacts"].update(
             back={"type": "cdk:cloud-assembly", "properties": {"directoryName": ".."}}),
         INVOKE, ("artifacts.back.properties.directoryName", "'..'", "cycle")),
    Case("nested-assembly-outside",
         lambda f: artifacts(f)["assembly-Stage"]["properties"].update(directoryName="/etc"),
         INVOKE, ("directoryName", "'/etc'", "outside the assembly")),
    Case("nested-assembly-missing", remove_file("assembly-Stage/manifest.json"), INVOKE,
         ("manifest", "assembly-Stage/manifest.json", "does not exist")),
    Case("nested-assembly-no-directory",
         lambda f: artifacts(f)["assembly-Stage"]["properties"].pop("directoryName"), INVOKE,
         ("assembly-Stage.properties.directoryName", "got None")),
    # The command line.
    Case("event-missing", nothing, ("invoke", "Fn", "--event", "no-such-event.json"),
         ("--event", "no-such-event.json", "does not exist")),
    Case("event-not-json", nothing, INVOKE, ("--event", "event.json", "is not valid JSON"),
         event="{not json"),
    Case("event-not-utf8", nothing, INVOKE, ("--event", "event.json", "is not UTF-8"),
         event=b"\xff\xfe"),
    Case("event-a-folder", nothing, ("invoke", "Fn", "--event", "."),
         ("--event", "is a folder")),
    Case("event-deeply-nested", nothing, INVOKE, ("--event", "nested too deeply"),
         event="[" * 100_000),
    Case("function-unknown", nothing, ("invoke", "nope", "--event", "{event}"),
         ("no function 'nope'", "Stack/Fn", "Stage/StageStack/StageFn")),
    Case("function-name-huge", nothing, ("invoke", LONG, "--event", "{event}"),
         ("no function 'xxxx", "…")),
    Case("function-ambiguous", lambda f: f["assembly-Stage/StageStack.template.json"][
         "Resources"].update(Fn=f["Stack.template.json"]["Resources"]["Fn"]),
         ("invoke", "Fn", "--event", "{event}"), ("'Fn' names 2 functions", "Stack/Fn")),
    Case("assembly-folder-missing", nothing,
         ("--assembly", "no-such-folder", "invoke", "Fn", "--event", "{event}"),
         ("no-such-folder", "no such folder")),
    # Building: the asset manifest and the engine.
    Case("asset-manifest-missing", remove_file("Stack.assets.json"), BUILD,
         ("asset manifest", "Stack.assets.json", "does not exist")),
    Case("asset-source-missing", lambda f: image(f).pop("source"), BUILD,
         (f"dockerImages.{TAG}.source", "got None")),
    Case("asset-directory-a-list", lambda f: image(f)["source"].update(directory=["a"]), BUILD,
         ("source.directory", "got ['a']")),
    Case("asset-build-arg-a-number",
         lambda f: image(f)["source"].update(dockerBuildArgs={"BASE": 3}), BUILD,
         ("source.dockerBuildArgs.BASE", "got 3")),
    Case("asset-image-tag-missing", lambda f: image(f).update(destinations={"d": {}}), BUILD,
         ("destinations.d.imageTag", "got None")),
    Case("storage-driver-unknown", nothing, BUILD,
         ("LAMBDA_IMAGES_STORAGE_DRIVER", "'zfs'", "overlay"),
         environment=(("LAMBDA_IMAGES_STORAGE_DRIVER", "zfs"),)),
    Case("engine-docker-missing", nothing, ("--engine", "docker", "build"),
         ("docker is not installed",)),
    Case("state-is-a-file", nothing, ("--state", "event.json", "build"),
         ("engine state folder", "event.json", "cannot be used")),
    Case("base-image-archive-missing", nothing, ("build", "--base-image-archive", "base.tar"),
         ("--base-image-archive base.tar", "is not a file")),
    Case("base-image-archive-not-an-image", nothing,
         ("build", "--base-image-archive", "event.json"),
         ("--base-image-archive event.json", "cannot be loaded")),
    # A new app never overwrites a file.
    Case("init-into-a-folder-with-files", nothing, ("init", "."), (". is not empty",)),
    Case("init-into-a-file", nothing, ("init", "event.json"), ("event.json is a file",)),
]  # fmt: skip


def write(folder: Path, files: Files) -> None:
    for name, content in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, tuple) and content[0] is RAW:
            raw = content[1]
            if raw is None:
                path.mkdir()
            elif isinstance(raw, bytes):
                path.write_bytes(raw)
            else:
                path.write_text(raw)
        else:
            path.write_text(json.dumps(content))


@pytest.fixture
def stand_in_engine(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """PATH holds a ``podman`` that answers ``info`` and knows no image or container, and no
    ``docker``: the table needs no real engine."""
    tools = tmp_path / "tools"
    tools.mkdir()
    podman = tools / "podman"
    podman.write_text('#!/bin/sh\ncase "$1" in info) echo overlay;; ps) ;; *) exit 1;; esac\n')
    podman.chmod(podman.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("PATH", str(tools))
    monkeypatch.delenv("LAMBDA_IMAGES_ENGINE", raising=False)


def test_the_table_holds_every_kind_of_bad_input() -> None:
    assert len(CASES) >= 50
    assert len({case.id for case in CASES}) == len(CASES)


@pytest.mark.usefixtures("stand_in_engine")
@pytest.mark.parametrize("case", CASES, ids=lambda case: case.id)
def test_bad_input_is_one_clear_line_and_exit_2(
    case: Case,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # GIVEN a project folder with an assembly damaged as the row says
    project = tmp_path / "project"
    files = valid_assembly()
    case.change(files)
    write(project / "cdk.out", files)
    event = project / "event.json"
    if isinstance(case.event, bytes):
        event.write_bytes(case.event)
    else:
        event.write_text(case.event)
    monkeypatch.chdir(project)
    for key, value in case.environment:
        monkeypatch.setenv(key, value)
    argv = [a.replace("{event}", "event.json") for a in case.argv]
    if "--state" not in argv:
        argv = ["--state", str(tmp_path / "state"), *argv]
    # WHEN lambda-images runs on it
    code = lambda_images(argv)
    # THEN exit 2 and one line naming the field and the value, with no traceback
    captured = capsys.readouterr()
    assert code == 2, captured
    assert captured.out == ""
    lines = captured.err.splitlines()
    assert len(lines) == 1, captured.err
    message = lines[0]
    assert message.startswith("lambda-images: ")
    assert "Traceback" not in captured.err
    for expected in case.says:
        assert expected in message, (expected, message)
    # A quoted value never floods the line, however long it is.
    assert len(message) < 2 * QUOTE_LIMIT + len(str(tmp_path)) + 250, message


def test_a_bad_input_through_the_installed_command_has_no_traceback(tmp_path: Path) -> None:
    """The same as a user sees it: the console script in a fresh process (no Node on PATH)."""
    files = valid_assembly()
    fn(files)["MemorySize"] = 0
    write(tmp_path / "cdk.out", files)
    (tmp_path / "event.json").write_text("{}")
    result = subprocess.run(
        [str(Path(sys.executable).parent / "lambda-images"), "invoke", "Fn", "--event",
         "event.json"],
        cwd=tmp_path,
        env={**os.environ, "PATH": "/nonexistent"},
        capture_output=True,
        text=True,
        check=False,
    )  # fmt: skip
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert "MemorySize must be a whole number of MB from 128 to 10240, got 0" in result.stderr
