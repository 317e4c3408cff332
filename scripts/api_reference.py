"""The API reference, built from the docstrings with pdoc, strictly: every warning pdoc gives
(a module that does not import, an annotation it cannot resolve, a docstring directive it
cannot read) fails the build, so the reference never silently loses a page.

    python scripts/api_reference.py [OUTPUT]      (default: build/api; make check runs it)

Docstrings are reStructuredText: ``literals``, :class:`roles` and ``::`` blocks.
"""

from __future__ import annotations

import functools
import importlib
import inspect
import pkgutil
import re
import sys
import warnings
from pathlib import Path
from typing import Any

import pdoc
import pdoc.doc_ast
import pdoc.render

PACKAGE = "lambda_image_constructs"
DEFAULT_OUTPUT = Path("build/api")


def modules_of(package: str) -> list[str]:
    """The module names that give pdoc the package and every module under it once: pdoc adds
    a package's submodules itself, except those its ``__all__`` leaves out (ours lists the
    public names), so those are named here and the others left to pdoc."""
    path = importlib.import_module(package).__path__
    names = [package, *sorted(m.name for m in pkgutil.walk_packages(path, f"{package}."))]

    def added_by_pdoc(name: str) -> bool:
        parent, _, child = name.rpartition(".")
        if parent not in names:
            return False
        listed = getattr(importlib.import_module(parent), "__all__", None)
        return listed is None or child in listed

    return [name for name in names if not added_by_pdoc(name)]


# A TypedDict flattens the keys of its bases into its own annotations, so pdoc cannot tell which
# base declared an option of ImageFunctionOptions; it documents each on the class a reader
# looks at, which is what the reference should show. Only that warning is let through.
_TYPEDDICT_KEY = re.compile(r"Cannot determine where \S*Options\.\w+ is taken from")


def evaluate_quoted_aliases() -> None:
    """pdoc reads annotations at run time, in the module that uses them: the library's quoted
    ``ImageArchitecture`` (quoted so that importing the package loads no jsii module) is
    given to every module that imported it, evaluated."""
    from lambda_image_constructs import architecture

    quoted, evaluated = architecture.ImageArchitecture, architecture.image_architecture_type()
    for name in modules_of(PACKAGE):
        module = importlib.import_module(name)
        if module is not architecture and vars(module).get("ImageArchitecture") is quoted:
            module.ImageArchitecture = evaluated  # type: ignore[attr-defined]


def _source(obj: Any) -> str:
    """pdoc's source of an object, except a class of another package: pdoc reads the source of
    every class ours inherit from, to find attribute docstrings that aws-cdk-lib's generated
    classes do not have, and Python parses the whole module again for each class (modules of
    several megabytes: most of the build's time, 18 s against 6 s). Modules are still read
    whole: their ``TYPE_CHECKING`` imports resolve the inherited members' annotations."""
    if inspect.isclass(obj) and not obj.__module__.startswith(f"{PACKAGE}."):
        return ""
    return _PDOC_SOURCE(obj)


_PDOC_SOURCE = pdoc.doc_ast._get_source.__wrapped__


def build(output: Path, modules: list[str] | None = None) -> list[str]:
    """Render the reference of ``modules`` (default: the package and every module under it)
    into ``output``; the warnings pdoc gave, each as one line (none: the build is good)."""
    evaluate_quoted_aliases()
    pdoc.doc_ast._get_source = functools.cache(_source)
    pdoc.render.configure(docformat="restructuredtext", show_source=False)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        pdoc.pdoc(*(modules or modules_of(PACKAGE)), output_directory=output)
    return [
        f"{warning.category.__name__}: {str(warning.message).strip()}"
        for warning in caught
        if Path(warning.filename).is_relative_to(Path(pdoc.__file__).parent)
        and not _TYPEDDICT_KEY.search(str(warning.message))
    ]


def main(argv: list[str]) -> int:
    output = Path(argv[0]) if argv else DEFAULT_OUTPUT
    problems = build(output)
    for problem in problems:
        print(f"api reference: {problem}", file=sys.stderr)
    if problems:
        print(f"api reference: {len(problems)} warnings: fix them (strict build)", file=sys.stderr)
        return 1
    print(f"api reference: {output}/index.html")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
