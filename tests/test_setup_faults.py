"""Set-up and synth survive what people do to them: an interrupted first run, two runs at once,
a deleted package, a bad configuration.

The set-up tests run scripts/setup_venv.sh on a tiny environment (only pip, pinned), not the
project's, through an interpreter whose `-m venv` copies pip from the test's own environment
(ensurepip would take 3 to 10 s an environment here). The synth tests
run `make synth` on a copy of the Makefile with a stand-in `cdk`, so no app is synthesized."""

from __future__ import annotations

import importlib.metadata as metadata
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


@pytest.fixture(scope="module")
def python(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An interpreter for setup_venv.sh whose ``-m venv DIR`` makes an environment without pip
    (fast) and copies pip into it from the environment running the tests; with $SLOW_VENV it
    stops half-way, before pip is in, as an interrupted `python -m venv` does."""
    [site] = [Path(p) for p in sys.path if p.endswith("site-packages") and p.startswith(sys.prefix)]
    packages = " ".join(str(p) for p in [site / "pip", *site.glob("pip-*.dist-info")])
    scripts = " ".join(str(p) for p in Path(sys.prefix, "bin").glob("pip*"))
    wrapper = tmp_path_factory.mktemp("python") / "python"
    wrapper.write_text(
        "#!/bin/sh\n"
        'if [ "$1" = -m ] && [ "$2" = venv ]; then\n'
        f'  "{BASE_PYTHON}" -m venv --without-pip "$3" || exit 1\n'
        '  [ -n "${SLOW_VENV:-}" ] && sleep 60\n'
        f'  cp -a {packages} "$3/{site.relative_to(sys.prefix)}/" || exit 1\n'
        f'  exec cp -a {scripts} "$3/bin/"\n'
        "fi\n"
        f'exec "{BASE_PYTHON}" "$@"\n'
    )
    wrapper.chmod(0o755)
    return wrapper


def setup_venv(folder: Path, python: Path, **environment: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        # No pip install arguments: pip is already in (the pin is still checked), and pip
        # install itself is what `make setup` runs every day.
        [str(SCRIPTS / "setup_venv.sh"), ".venv", str(python), "requirements.txt"],
        cwd=folder,
        env={**os.environ, **environment},
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
    (tmp_path / "requirements.txt").write_text(f"pip=={metadata.version('pip')}\n")
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


def test_a_broken_or_damaged_environment_is_noticed_and_rebuilt(
    project: Path, python: Path
) -> None:
    # GIVEN an environment set up once; a second set-up leaves it as it is
    finished(setup_venv(project, python))
    assert whole(project)
    first = (project / ".venv").resolve()
    assert finished(setup_venv(project, python)) == ""
    assert (project / ".venv").resolve() == first
    # WHEN pip's vendored packages are gone (what an interrupted `python -m venv` leaves:
    # "ImportError ... pip._vendor"), THEN the next set-up says so and builds it again
    shutil.rmtree(site_packages(project) / "pip" / "_vendor")
    assert not whole(project)
    assert "building it again" in finished(setup_venv(project, python))
    assert whole(project)
    assert (project / ".venv").resolve() != first and not first.exists()
    # WHEN one file of an installed package is deleted, THEN the same check notices it
    (site_packages(project) / "pip" / "__main__.py").unlink()
    assert not whole(project)


def test_an_interrupted_first_setup_leaves_nothing_half_made(project: Path, python: Path) -> None:
    # GIVEN a first set-up killed while `python -m venv` is at work
    process = setup_venv(project, python, SLOW_VENV="1")
    deadline = time.monotonic() + 60
    while not list(project.glob(".venv.d/*/bin/python")):
        assert time.monotonic() < deadline and process.poll() is None
        time.sleep(0.05)
    os.killpg(process.pid, signal.SIGKILL)
    process.communicate()
    # THEN there is no .venv to be taken for a good one
    assert not (project / ".venv").exists()
    # WHEN two set-ups start at once, THEN both succeed, with one whole environment: the
    # half-made one is removed, and the second waited for the first
    first, second = setup_venv(project, python), setup_venv(project, python)
    finished(first)
    finished(second)
    assert whole(project)
    assert environments(project) == [(project / ".venv").resolve().name]


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
