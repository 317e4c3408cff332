"""Reading a configuration file: YAML or JSON, strictly (no key given twice, bounded alias
expansion)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml

from lambda_image_constructs.errors import Problems

# A YAML document whose aliases (*name) add more than this many values once expanded is refused
# before it is built: nested anchors ("billion laughs") multiply, and 1.5 KB once exhausted 4 GB
# here. Only what aliases add counts, so a large document written out in full is never refused.
MAX_YAML_ALIAS_EXPANSION = 100_000


class _StrictLoader(yaml.SafeLoader):
    """Safe YAML that refuses a key given twice in one mapping (the first value was silently
    dropped) and collects those problems instead of raising on the first."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self.duplicates: list[tuple[str, int]] = []

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=True)
            if isinstance(key, str) and key in seen:
                self.duplicates.append((key, key_node.start_mark.line + 1))
            seen.add(key if isinstance(key, str) else id(key_node))
        return super().construct_mapping(node, deep=deep)


def _written_size(root: yaml.Node) -> int:
    """How many values the document holds as written (each node once)."""
    seen: set[int] = set()
    pending = [root]
    while pending:
        node = pending.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, yaml.SequenceNode):
            pending.extend(node.value)
        elif isinstance(node, yaml.MappingNode):
            pending.extend(n for pair in node.value for n in pair)
    return len(seen)


def _expanded_size(node: yaml.Node, cap: int, sizes: dict[int, int], open_nodes: set[int]) -> int:
    """How many values ``node`` holds once every alias is expanded, counting no further than
    ``cap`` (memoised per node, so nested anchors are measured without expanding them)."""
    key = id(node)
    if key in sizes:
        return sizes[key]
    if key in open_nodes:  # an anchor that contains itself never ends
        return cap + 1
    open_nodes.add(key)
    size = 1
    children: list[yaml.Node] = []
    if isinstance(node, yaml.SequenceNode):
        children = node.value
    elif isinstance(node, yaml.MappingNode):
        children = [n for pair in node.value for n in pair]
    for child in children:
        size += _expanded_size(child, cap, sizes, open_nodes)
        if size > cap:
            break
    open_nodes.discard(key)
    sizes[key] = size
    return size


def read_yaml(text: str, problems: Problems) -> Any:
    """A YAML document's content; duplicate keys and oversized alias expansion go to
    ``problems`` (and the document is then not built)."""
    loader = _StrictLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        cap = _written_size(node) + MAX_YAML_ALIAS_EXPANSION
        if _expanded_size(node, cap, {}, set()) > cap:
            problems.add(
                "(YAML aliases)",
                f"more than {MAX_YAML_ALIAS_EXPANSION:,} values added",
                f"must add at most {MAX_YAML_ALIAS_EXPANSION:,} values once expanded: nested"
                " anchors (&name, *name) multiply; write the repeated parts out",
            )
            return None
        document = loader.construct_document(node)
    finally:
        loader.dispose()
    for key, line in loader.duplicates:
        problems.add(
            f"{key} (line {line})",
            key,
            "is a key given twice in one mapping, where YAML silently keeps only the last"
            " value; give it once",
        )
    return None if problems else document


def _refuse_duplicate_json_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise ValueError(f"the key {key!r} is given twice in one object")
        result[key] = value
    return result


def read_document(path: str, problems: Problems | None = None) -> Any:
    """A YAML or JSON configuration file's content."""
    problems = problems if problems is not None else Problems()
    text = Path(path).read_text()
    if path.endswith(".json"):
        return json.loads(text, object_pairs_hook=_refuse_duplicate_json_keys)
    document = read_yaml(text, problems)
    problems.raise_if_any(f"configuration {path}")
    return document
