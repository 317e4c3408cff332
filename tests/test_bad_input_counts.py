"""docs/bad-input.md's count of bad inputs is the size of the test tables: this test says which
rows it must hold, so a table that grows or shrinks fails it until the page is updated."""

from __future__ import annotations

from . import (
    test_bad_inputs,
    test_cli_usage_errors,
    test_dockerfile_bad_inputs,
    test_invariants,
    test_local_cli_bad_inputs,
    test_option_types,
)
from .cdk_harness import PROJECT_ROOT

# Rows of tests/test_rollout.py, test_org.py and test_image_function_idioms.py, counted by hand
# when the page's row was written (their tests are not tables of bad inputs alone).
ROLLOUT_AND_REFUSED_OPTIONS = 42


def ways_in() -> list[tuple[str, int, str, str]]:
    """(way in, bad inputs, how each ends, where), as docs/bad-input.md's table lists them."""
    api = (
        len(test_bad_inputs.API)
        + len(test_option_types.WRONG)
        + len(test_invariants.INVARIANTS)
        + len(test_invariants.EVERY_OPTION)
        + len(test_dockerfile_bad_inputs.DOCKERFILES)
    )
    cli = len(test_local_cli_bad_inputs.CASES) + len(test_cli_usage_errors.CASES)
    return [
        ("constructs (API)", api, f"{api}",
         "`tests/test_bad_inputs.py`, `tests/test_option_types.py`, `tests/test_invariants.py`,"
         " `tests/test_dockerfile_bad_inputs.py`"),
        ("configuration file", len(test_bad_inputs.CONFIGURATION),
         f"{len(test_bad_inputs.CONFIGURATION)}", "`tests/test_bad_inputs.py`"),
        ("`lambda-images` CLI", cli, f"{cli} (one line, exit 2)",
         "`tests/test_local_cli_bad_inputs.py`, `tests/test_cli_usage_errors.py`"),
        ("rollout values and options Lambda refuses for images", ROLLOUT_AND_REFUSED_OPTIONS,
         f"{ROLLOUT_AND_REFUSED_OPTIONS}",
         "`tests/test_rollout.py`, `tests/test_org.py`, `tests/test_image_function_idioms.py`"),
    ]  # fmt: skip


def test_the_docs_count_the_bad_inputs_of_the_tables() -> None:
    readme = (PROJECT_ROOT / "docs" / "bad-input.md").read_text()
    rows = ways_in()
    total = sum(count for _, count, _, _ in rows)
    assert total >= 400
    assert f"The tests drive it with {total}\nbad inputs" in readme, total
    for way, count, ends, where in rows:
        assert f"| {way} | {count} | {ends} | 0 | {where} |" in readme, (way, count)
