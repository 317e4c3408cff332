"""Logical IDs as aws-cdk-lib computes them, in Python: for looking resources up in
synthesized templates without asking Node for each one."""

from __future__ import annotations

import hashlib
import re

_NOT_ALPHANUMERIC = re.compile(r"[^A-Za-z0-9]")


def logical_id(*components: str) -> str:
    """aws-cdk-lib's ``makeUniqueId`` of a path below a stack: its words without 'Default',
    'Resource' and repeats, then the first 8 hex digits of the MD5 of the path, upper case.
    (A stack may allocate IDs its own way; use the result as a guess to confirm.)"""
    path = [c for c in components if c != "Default"]
    if not path:
        raise ValueError("a logical ID needs at least one path component")
    if len(path) == 1:
        single = _NOT_ALPHANUMERIC.sub("", path[0])
        if len(single) <= 255:
            return single
    digest = hashlib.md5("/".join(path).encode(), usedforsecurity=False).hexdigest()
    words: list[str] = []
    for component in path:
        if not words or not words[-1].endswith(component):
            words.append(component)
    human = "".join(_NOT_ALPHANUMERIC.sub("", w) for w in words if w != "Resource")
    return human[:240] + digest[:8].upper()
