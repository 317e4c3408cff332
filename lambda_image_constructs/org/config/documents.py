"""Reading a configuration file: YAML or JSON, strictly and within bounds.

Only a regular file is read (a FIFO or a device would block or never end), at most
``MAX_FILE_BYTES`` of it; a UTF-8 byte-order mark is accepted. YAML: no key given twice,
merge keys (``<<``) as YAML defines them, alias expansion bounded in values and in characters,
and an unquoted account ID (which YAML reads as a number, in octal after a leading zero) is
refused with what was written.
"""

from __future__ import annotations

import json
import os
import stat
from typing import Any

import yaml

from lambda_image_constructs.errors import Problems

# A configuration of 40 accounts of 50 functions each takes about 200 KB.
MAX_FILE_BYTES = 5 * 1024 * 1024
# A YAML document whose aliases (*name) add more than this many values once expanded is refused
# before it is built: nested anchors ("billion laughs") multiply, and 1.5 KB once exhausted 4 GB
# here. Only what aliases add counts, so a large document written out in full is never refused.
MAX_YAML_ALIAS_EXPANSION = 100_000
# The same for characters: one long value aliased hundreds of times stays within the count of
# values, not within memory.
MAX_YAML_ALIAS_CHARACTERS = 1_000_000
# Keys whose value is an account ID, which YAML must not read as a number.
_ACCOUNT_KEYS = frozenset({"account"})
_NUMBER_TAGS = frozenset({"tag:yaml.org,2002:int", "tag:yaml.org,2002:float"})
_MERGE_TAG = "tag:yaml.org,2002:merge"


# libyaml's parser where PyYAML was built with it: ten times faster on a large document.
_SafeLoader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _StrictLoader(_SafeLoader):  # type: ignore[valid-type,misc]
    """Safe YAML that collects what it refuses instead of raising on the first: a key given
    twice in one mapping (YAML silently drops the first value), and an account ID written as a
    number. A key given by a merge (``<<``) and again in the mapping is YAML's override, not a
    repeat."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self.problems = Problems()

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[Any] = set()
        for key_node, value_node in node.value:
            if key_node.tag == _MERGE_TAG:
                continue
            key = self.construct_object(key_node, deep=True)
            line = key_node.start_mark.line + 1
            if isinstance(key, str) and key in seen:
                self.problems.add(
                    f"{key} (line {line})",
                    key,
                    "is a key given twice in one mapping, where YAML silently keeps only the"
                    " last value; give it once",
                )
            seen.add(key if isinstance(key, str) else id(key_node))
            if isinstance(key, str) and key in _ACCOUNT_KEYS and value_node.tag in _NUMBER_TAGS:
                number = self.construct_object(value_node)
                self.problems.add(
                    f"{key} (line {line})",
                    value_node.value,
                    f"must be quoted ({key}: '{value_node.value}'): YAML reads it unquoted as"
                    f" the number {number!r}",
                )
        mapping: dict[Any, Any] = super().construct_mapping(node, deep=deep)
        return mapping


def _weight(node: yaml.Node, characters: bool) -> int:
    return len(node.value) if characters and isinstance(node, yaml.ScalarNode) else 1


def _written_size(root: yaml.Node, characters: bool = False) -> int:
    """How many values (or characters) the document holds as written (each node once)."""
    seen: dict[int, yaml.Node] = {}
    pending = [root]
    while pending:
        node = pending.pop()
        if id(node) in seen:
            continue
        seen[id(node)] = node
        if isinstance(node, yaml.SequenceNode):
            pending.extend(node.value)
        elif isinstance(node, yaml.MappingNode):
            pending.extend(n for pair in node.value for n in pair)
    return sum(_weight(node, characters) for node in seen.values())


def _expanded_size(
    node: yaml.Node, cap: int, sizes: dict[int, int], open_nodes: set[int], characters: bool
) -> int:
    """How many values (or characters) ``node`` holds once every alias is expanded, counting
    no further than ``cap`` (memoised per node, so nested anchors are measured without
    expanding them)."""
    key = id(node)
    if key in sizes:
        return sizes[key]
    if key in open_nodes:  # an anchor that contains itself never ends
        return cap + 1
    open_nodes.add(key)
    size = _weight(node, characters)
    children: list[yaml.Node] = []
    if isinstance(node, yaml.SequenceNode):
        children = node.value
    elif isinstance(node, yaml.MappingNode):
        children = [n for pair in node.value for n in pair]
    for child in children:
        size += _expanded_size(child, cap, sizes, open_nodes, characters)
        if size > cap:
            break
    open_nodes.discard(key)
    sizes[key] = size
    return size


def _expands_too_far(node: yaml.Node, problems: Problems) -> bool:
    for characters, limit, unit in (
        (False, MAX_YAML_ALIAS_EXPANSION, "values"),
        (True, MAX_YAML_ALIAS_CHARACTERS, "characters"),
    ):
        cap = _written_size(node, characters) + limit
        if _expanded_size(node, cap, {}, set(), characters) > cap:
            problems.add(
                "(YAML aliases)",
                f"more than {limit:,} {unit} added",
                f"must add at most {limit:,} {unit} once expanded: anchors (&name, *name)"
                " repeat what they name; write the repeated parts out",
            )
            return True
    return False


def read_yaml(text: str, problems: Problems) -> Any:
    """A YAML document's content; what the loader refuses and oversized alias expansion go to
    ``problems`` (and the document is then not built)."""
    loader = _StrictLoader(text)
    try:
        node = loader.get_single_node()
        if node is None or _expands_too_far(node, problems):
            return None
        document = loader.construct_document(node)
    finally:
        loader.dispose()
    problems.extend(loader.problems)
    return None if problems else document


def _refuse_duplicate_json_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise ValueError(f"the key {key!r} is given twice in one object")
        result[key] = value
    return result


def read_text(path: str) -> str:
    """A configuration file's text: a regular file of at most ``MAX_FILE_BYTES``, UTF-8 with
    or without a byte-order mark. Raises ``ValueError`` (or ``OSError``) saying what is wrong."""
    # O_NONBLOCK: opening a FIFO nobody writes to would wait forever; fstat then refuses it.
    descriptor = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    try:
        mode = os.fstat(descriptor).st_mode
        if not stat.S_ISREG(mode):
            kind = "a folder" if stat.S_ISDIR(mode) else "not a regular file (a FIFO or device)"
            raise ValueError(f"is {kind}")
        file = os.fdopen(descriptor, "rb")
    except BaseException:
        os.close(descriptor)
        raise
    with file:
        data = file.read(MAX_FILE_BYTES + 1)
    if len(data) > MAX_FILE_BYTES:
        raise ValueError(f"is larger than {MAX_FILE_BYTES:,} bytes")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ValueError(f"is not UTF-8 text (byte {error.start:,})") from None


def read_document(path: str, problems: Problems | None = None) -> Any:
    """A YAML or JSON configuration file's content."""
    problems = problems if problems is not None else Problems()
    text = read_text(path)
    if path.endswith(".json"):
        return json.loads(text, object_pairs_hook=_refuse_duplicate_json_keys)
    document = read_yaml(text, problems)
    problems.raise_if_any(f"configuration {path}")
    return document
