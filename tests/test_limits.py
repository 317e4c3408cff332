"""Each AWS limit and pattern is written once, in ``lambda_image_constructs/limits.py``.

The package's source is read as Python (not as text), so docstrings, which rightly state the
limits to a reader, are left out, and everything else is looked at: numbers, strings, the
literal parts of f-strings.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from lambda_image_constructs import limits

PACKAGE = Path(limits.__file__).parent
# Numbers below this mean too many other things (seconds per minute, 5 retries, 10 percent) to
# be told apart from a limit by their value; the limits under it are still only written in
# limits.py, which review and the pattern checks below keep so.
SMALLEST_DISTINCT = 100
# 1,000 is also milliseconds per second, which the Duration conversions use; 128 is also where
# a killed process's exit status starts (128 + signal); 100 is also the whole of a percentage
# (StackSets' percent bounds) and the library's own wave bounds; 200 and 500 are also how many
# characters of a tool's error message are shown; 1,000,000 is also the library's own cap on the
# bytes of a manifest it reads and on YAML alias expansion (the quotas STACK_OUTPUTS,
# STACK_RESOURCES and TEMPLATE_BYTES, ECR signing's filters a rule and profile ARN length
# share these values). Their limits are still only written in limits.py.
NOT_DISTINCT = frozenset({100, 128, 200, 500, 1_000, 1_000_000})


def _patterns() -> dict[str, str]:
    return {
        name: value.pattern
        for name, value in vars(limits).items()
        if isinstance(value, re.Pattern) and not name.startswith("_")
    }


def _numbers() -> dict[int, list[str]]:
    found: dict[int, list[str]] = {}
    for name, value in vars(limits).items():
        values = value if isinstance(value, tuple) else (value,)
        for item in values:
            if type(item) is int and item >= SMALLEST_DISTINCT and item not in NOT_DISTINCT:
                found.setdefault(item, []).append(name)
    return found


def _docstrings(tree: ast.AST) -> set[int]:
    """Strings standing alone as statements: docstrings of modules, classes, functions and
    attributes."""
    ids = set()
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        for statement in body if isinstance(body, list) else []:
            if isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Constant):
                ids.add(id(statement.value))
    return ids


def _defaults(tree: ast.AST) -> set[int]:
    """Numbers assigned to a DEFAULT_* name: a library default may equal a limit."""
    ids = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            if any(isinstance(t, ast.Name) and t.id.startswith("DEFAULT_") for t in targets):
                ids.update(id(n) for n in ast.walk(node.value))
    return ids


def _slice_bounds(tree: ast.AST) -> set[int]:
    """Numbers bounding a slice (``text[-500:]``): how much of a text is shown, not a limit."""
    ids = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Slice):
            for bound in (node.lower, node.upper, node.step):
                if bound is not None:
                    ids.update(id(n) for n in ast.walk(bound))
    return ids


def _constants() -> Iterator[tuple[str, int, object]]:
    """(file, line, value) of every literal of the package outside limits.py and docstrings."""
    for path in sorted(PACKAGE.rglob("*.py")):
        if path == PACKAGE / "limits.py":
            continue
        tree = ast.parse(path.read_text(), str(path))
        skipped = _docstrings(tree) | _defaults(tree) | _slice_bounds(tree)
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and id(node) not in skipped:
                yield str(path.relative_to(PACKAGE)), node.lineno, node.value


CONSTANTS = list(_constants())


@pytest.mark.parametrize("name", sorted(_patterns()))
def test_each_pattern_is_written_only_in_limits(name: str) -> None:
    pattern = _patterns()[name]
    written = [
        f"{file}:{line}"
        for file, line, value in CONSTANTS
        if isinstance(value, str) and pattern in value
    ]
    assert written == [], f"limits.{name} ({pattern!r}) is written again at {written}"


@pytest.mark.parametrize("number", sorted(_numbers()))
def test_each_number_is_written_only_in_limits(number: int) -> None:
    spellings = {str(number), f"{number:,}", f"{number:_}"}
    as_text = re.compile(
        r"(?<![\w.,])(" + "|".join(re.escape(s) for s in spellings) + r")(?![\w,])"
    )
    written = [
        f"{file}:{line}"
        for file, line, value in CONSTANTS
        if (value == number and type(value) is int)
        or (isinstance(value, str) and as_text.search(value))
    ]
    names = ", ".join(_numbers()[number])
    assert written == [], f"{number} (limits.{names}) is written again at {written}"


def test_the_scan_sees_what_it_looks_for(tmp_path: Path) -> None:
    """The scan finds a limit written again as a number, in a message and as a pattern."""
    source = (
        'MAX = 10_240\nTEXT = f"from 128 to {x} MB, at most 10,240"\n'
        'ACCOUNT = re.compile(r"[0-9]{12}")\n'
        'def f():\n    """Docstrings may say 10,240."""\n'
    )
    tree = ast.parse(source)
    skipped = _docstrings(tree)
    values = [
        n.value for n in ast.walk(tree) if isinstance(n, ast.Constant) and id(n) not in skipped
    ]
    assert 10_240 in values
    assert any(isinstance(v, str) and "10,240" in v for v in values)
    assert any(isinstance(v, str) and limits.ACCOUNT_ID.pattern in v for v in values)
    assert not any(isinstance(v, str) and "Docstrings" in v for v in values)


def test_partitions_and_domains() -> None:
    assert limits.partition_of("eu-west-1") == ("aws", "amazonaws.com")
    assert limits.partition_of("cn-north-1") == ("aws-cn", "amazonaws.com.cn")
    assert limits.partition_of("us-gov-west-1") == ("aws-us-gov", "amazonaws.com")
    assert limits.partition_domain("us-iso-east-1") == "c2s.ic.gov"
    uri = "123456789012.dkr.ecr.cn-north-1.amazonaws.com.cn/platform/api@sha256:" + "a" * 64
    match = limits.IMAGE_URI.fullmatch(uri)
    assert match is not None and match["suffix"] == "amazonaws.com.cn"
    assert limits.IMAGE_URI.fullmatch(uri.replace(".cn/", ".example/")) is None


def test_reserved_concurrency_is_the_lambda_api_bound() -> None:
    """ReservedConcurrentExecutions is a 32-bit integer of at least 0 in the Lambda API; the
    account quota (raised on request) is what caps it, and is unknown at synth."""
    assert limits.RESERVED_CONCURRENCY == (0, 2**31 - 1)
    assert limits.PROVISIONED_CONCURRENCY == (1, 2**31 - 1)
