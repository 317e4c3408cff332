"""Set-up and synth survive what people do to them: an interrupted first run, two runs at once,
a deleted package, a bad configuration.

The set-up tests run scripts/setup_venv.sh on a tiny environment (only pip, pinned, installed
with --no-index), not the project's: each still builds real virtual environments (about 3 s
each with ensurepip), which is what makes this module take about 20 s. The synth tests run
`make synth` on a copy of the Makefile with a stand-in `cdk`, so no app is synthesized."""

from __future__ import annotations

import ensurepip
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from .cdk_harness import PROJECT_ROOT

SCRIPTS = PROJECT_ROOT / "scripts"
BASE_PYTHON = getattr(sys, "_base_executable", sys.executable)


def setup_venv(folder: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [str(SCRIPTS / "setup_venv.sh"), ".venv", BASE_PYTHON, "requirements.txt",
         "--", "--no-index", "-r", "requirements.txt"],
        cwd=folder,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,  # so that a test can kill it with its children
    )  # fmt: skip


def finished(process: subprocess.Popen[str]) -> str:
    out, _ = process.communicate(timeout=300)
    assert process.returncode == 0, out
    return out


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "requirements.txt").write_text(f"pip=={ensurepip.version()}\n")
    return tmp_path


def whole(folder: Path) -> bool:
    venv = folder / ".venv"
    checked = subprocess.run(
        [str(venv / "bin" / "python"), str(SCRIPTS / "check_venv.py"), "requirements.txt"],
        cwd=folder,
        capture_output=True,
        check=False,
    )
    return venv.is_symlink() and checked.returncode == 0


def environments(folder: Path) -> list[str]:
    return sorted(p.name for p in (folder / ".venv.d").iterdir() if p.is_dir())


def site_packages(folder: Path) -> Path:
    [found] = (folder / ".venv").resolve().glob("lib/python*/site-packages")
    return found


def test_a_broken_or_damaged_environment_is_noticed_and_rebuilt(project: Path) -> None:
    # GIVEN an environment set up once; a second set-up leaves it as it is
    finished(setup_venv(project))
    assert whole(project)
    first = (project / ".venv").resolve()
    assert finished(setup_venv(project)) == ""
    assert (project / ".venv").resolve() == first
    # WHEN pip's vendored packages are gone (what an interrupted `python -m venv` leaves:
    # "ImportError ... pip._vendor"), THEN the next set-up says so and builds it again
    shutil.rmtree(site_packages(project) / "pip" / "_vendor")
    assert "building it again" in finished(setup_venv(project))
    assert whole(project)
    second = (project / ".venv").resolve()
    assert second != first and not first.exists()
    # WHEN one file of an installed package is deleted, THEN that is noticed too
    (site_packages(project) / "pip" / "__main__.py").unlink()
    assert not whole(project)
    assert "building it again" in finished(setup_venv(project))
    assert whole(project)
    assert (project / ".venv").resolve() != second


def test_an_interrupted_first_setup_leaves_nothing_half_made(project: Path) -> None:
    # GIVEN a first set-up killed while `python -m venv` is at work
    process = setup_venv(project)
    deadline = time.monotonic() + 60
    while not list(project.glob(".venv.d/*/bin/python")):
        assert time.monotonic() < deadline and process.poll() is None
        time.sleep(0.05)
    os.killpg(process.pid, signal.SIGKILL)
    process.communicate()
    # THEN there is no .venv to be taken for a good one
    assert not (project / ".venv").exists()
    # WHEN set-up runs again, THEN it builds a whole environment and removes the half one
    finished(setup_venv(project))
    assert whole(project)
    assert environments(project) == [(project / ".venv").resolve().name]


def test_two_cold_setups_at_once_both_succeed_with_one_environment(project: Path) -> None:
    first, second = setup_venv(project), setup_venv(project)
    finished(first)
    finished(second)
    assert whole(project)
    assert len(environments(project)) == 1


# A stand-in for `cdk synth --output DIR`: writes the manifest, works a little, then fails the
# way cdk does (ENOENT) if its output was taken away meanwhile; or refuses the configuration.
FAKE_CDK = """#!/bin/sh
out=cdk.out
while [ "$#" -gt 0 ]; do [ "$1" = --output ] && out=$2; shift; done
if [ -n "${FAKE_CDK_FAIL:-}" ]; then echo "configuration org.yaml: 1 invalid input" >&2; exit 1; fi
mkdir -p "$out" && echo "$$" > "$out/manifest.json"
sleep 1
[ "$(cat "$out/manifest.json" 2>/dev/null)" = "$$" ] \\
  || { echo "ENOENT: $out/manifest.json" >&2; exit 1; }
echo done > "$out/tree.json"
"""


@pytest.fixture
def synth_project(tmp_path: Path) -> Path:
    shutil.copy(PROJECT_ROOT / "Makefile", tmp_path)
    (tmp_path / "scripts").mkdir()
    shutil.copy(SCRIPTS / "synth.sh", tmp_path / "scripts")
    cdk = tmp_path / "node_modules" / ".bin" / "cdk"
    cdk.parent.mkdir(parents=True)
    cdk.write_text(FAKE_CDK)
    cdk.chmod(0o755)
    (tmp_path / "cdk.out").mkdir()
    (tmp_path / "cdk.out" / "manifest.json").write_text("the last good synth")
    return tmp_path


def make_synth(folder: Path, **environment: str) -> subprocess.Popen[str]:
    # -o setup: the set-up is not what these tests are about (the tests above are).
    return subprocess.Popen(
        ["make", "--no-print-directory", "-o", "setup", "synth", "PY=true"],
        cwd=folder,
        env={**os.environ, **environment},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def test_a_refused_configuration_keeps_the_last_good_cdk_out(synth_project: Path) -> None:
    process = make_synth(synth_project, FAKE_CDK_FAIL="1")
    out, _ = process.communicate(timeout=60)
    assert process.returncode != 0
    assert "1 invalid input" in out
    assert (synth_project / "cdk.out" / "manifest.json").read_text() == "the last good synth"
    assert sorted(p.name for p in synth_project.glob("cdk.out*")) == ["cdk.out", "cdk.out.lock"]


def test_two_synths_at_once_both_succeed_and_leave_one_whole_cdk_out(
    synth_project: Path,
) -> None:
    first = make_synth(synth_project)
    time.sleep(0.3)  # the second starts while the first writes
    second = make_synth(synth_project)
    for process in (first, second):
        out, _ = process.communicate(timeout=60)
        assert process.returncode == 0, out
    assert (synth_project / "cdk.out" / "tree.json").read_text() == "done\n"
    assert sorted(p.name for p in synth_project.glob("cdk.out*")) == ["cdk.out", "cdk.out.lock"]
