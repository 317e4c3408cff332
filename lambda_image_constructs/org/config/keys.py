"""Problems found by the library's checks and constructs, told in the configuration's words:
the file, the key path, and camelCase keys instead of Python option names."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager, nullcontext

from lambda_image_constructs.errors import LambdaImageValidationError, Problem, Problems

_SNAKE = re.compile(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b")


def camel(name: str) -> str:
    """``reserved_concurrent_executions`` -> ``reservedConcurrentExecutions``."""
    head, *rest = name.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


def key_of(field: str, renames: Mapping[str, str]) -> str:
    """A construct's field (``build_args['X']``, ``provisioned_concurrency``) as the key path
    the configuration gives it (``buildArgs['X']``)."""
    name = re.match(r"[a-z][a-z0-9_]*", field)
    if name is None:  # not an option (a Dockerfile line): said as it is
        return f" {field}"
    option = name.group()
    return "." + renames.get(option, camel(option)) + field[name.end() :]


def in_keys(text: str, options: Iterable[str], renames: Mapping[str, str]) -> str:
    """``text`` with the Python names among ``options`` written as configuration keys."""
    known = set(options) | set(renames)
    return _SNAKE.sub(lambda m: renames.get(m[0], camel(m[0])) if m[0] in known else m[0], text)


def told_at(
    problems: Iterable[Problem], path: str, options: Iterable[str], renames: Mapping[str, str]
) -> Problems:
    """``problems`` of options, as problems of the keys under ``path``."""
    options = tuple(options)
    told = Problems()
    for problem in problems:
        told.add(
            path + key_of(problem.field, renames),
            problem.value,
            in_keys(problem.accepted, options, renames),
        )
    return told


@contextmanager
def reported_at(
    source: str, path: str, options: Iterable[str], renames: Mapping[str, str]
) -> Iterator[None]:
    """Re-raise a construct's ``LambdaImageValidationError`` as a problem of the configuration
    ``source`` at ``path`` (a construct made from that part of the configuration); problems
    reported at synth instead (``lambda_image_constructs.deferred``) are told the same way."""
    from lambda_image_constructs import deferred  # here: parsing a configuration starts no jsii

    def teller(subject: str, problems: Problems) -> tuple[str, Problems]:
        return f"configuration {source}", told_at(problems, path, options, renames)

    try:
        with deferred.told_as(teller) if source else nullcontext():
            yield
    except LambdaImageValidationError as error:
        if not source:  # a section made in Python, not read from a document
            raise
        told = told_at(error.problems, path, options, renames)
        told.raise_if_any(f"configuration {source}")
        raise
