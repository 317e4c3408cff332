"""The ``Condition`` element of an IAM policy statement, decided against a request context as
IAM decides it (IAM User Guide, "Condition operators" and "Multivalued context keys").

Three answers: ``True``, ``False`` and ``None`` for "cannot tell", which is given for an
operator, key or value this module does not understand, never a guess:

* condition keys are case-insensitive, values case-sensitive unless the operator says
  ``IgnoreCase``; ``StringLike``/``ArnLike`` take ``*`` and ``?``, ``ArnEquals`` too, per ARN part;
* a key missing from the request makes a positive operator false and a negated one
  (``StringNotEquals``, ``ArnNotLike``, ...) true; ``...IfExists`` is true without the key;
  ``Null`` tests the key's presence; ``ForAnyValue`` is false and ``ForAllValues`` true
  without it;
* every operator of a block, every key of an operator must hold (AND); the values listed for
  one key are alternatives (OR), and for a negated operator none may match.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import Any

Answer = bool | None
"""True, False, or None: cannot tell."""

_STRING_OPERATORS = {
    "StringEquals": (False, False, False),  # (negated, ignore case, wildcards)
    "StringNotEquals": (True, False, False),
    "StringEqualsIgnoreCase": (False, True, False),
    "StringNotEqualsIgnoreCase": (True, True, False),
    "StringLike": (False, False, True),
    "StringNotLike": (True, False, True),
}
_ARN_OPERATORS = {"ArnEquals": False, "ArnLike": False, "ArnNotEquals": True, "ArnNotLike": True}


@dataclass(frozen=True)
class Context:
    """What IAM knows of a request: each key present with its values, the keys known to be
    absent; any other key is unknown to us. Keys are compared in lower case."""

    values: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    absent: frozenset[str] = frozenset()

    def lookup(self, key: str) -> tuple[str, ...] | None:
        """The key's values, None when it is absent; raises ``KeyError`` when unknown."""
        lowered = key.lower()
        for known, values in self.values.items():
            if known.lower() == lowered:
                return values
        if lowered in {k.lower() for k in self.absent}:
            return None
        raise KeyError(key)


@dataclass(frozen=True)
class Verdict:
    """A condition's answer and, when it is not True, why."""

    answer: Answer
    reason: str = ""


@cache
def _glob(pattern: str, ignore_case: bool = False) -> re.Pattern[str]:
    regex = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.compile(regex, re.IGNORECASE | re.DOTALL if ignore_case else re.DOTALL)


def glob_match(pattern: str, value: str, *, ignore_case: bool = False) -> bool:
    """IAM's wildcard match: ``*`` any run of characters, ``?`` one character."""
    return _glob(pattern, ignore_case).fullmatch(value) is not None


def _arn_match(pattern: str, value: str) -> bool:
    # Each of the six colon-separated parts is matched on its own; the last may hold colons.
    wanted, given = pattern.split(":", 5), value.split(":", 5)
    if len(wanted) != 6 or len(given) != 6:
        return False
    return all(glob_match(w, g) for w, g in zip(wanted, given, strict=True))


def _policy_values(raw: Any) -> list[str] | None:
    """The values a policy lists for a key, as strings; None when one is not understood
    (an unresolved intrinsic function, or a policy variable such as ``${aws:username}``)."""
    items = raw if isinstance(raw, list) else [raw]
    values = []
    for item in items:
        if isinstance(item, bool):
            values.append("true" if item else "false")
        elif isinstance(item, int | float):
            values.append(str(item))
        elif isinstance(item, str) and "${" not in item:
            values.append(item)
        else:
            return None
    return values


def _matcher(base: str) -> tuple[bool, Any] | None:
    """(negated, match(policy value, request value)) of an operator without its prefixes."""
    if base in _STRING_OPERATORS:
        negated, ignore_case, wildcards = _STRING_OPERATORS[base]
        if wildcards:
            return negated, lambda p, v: glob_match(p, v, ignore_case=ignore_case)
        if ignore_case:
            return negated, lambda p, v: p.casefold() == v.casefold()
        return negated, lambda p, v: p == v
    if base in _ARN_OPERATORS:
        return _ARN_OPERATORS[base], _arn_match
    if base == "Bool":
        return False, lambda p, v: p.lower() in ("true", "false") and p.lower() == v.lower()
    return None


def _split(operator: str) -> tuple[str | None, str, bool]:
    qualifier, _, base = operator.rpartition(":")
    if_exists = base.endswith("IfExists")
    return qualifier or None, base.removesuffix("IfExists") if if_exists else base, if_exists


def _null(key: str, wanted: list[str], present: tuple[str, ...] | None) -> Verdict:
    checks = [w.lower() for w in wanted]
    if any(c not in ("true", "false") for c in checks):
        return Verdict(None, f"Null takes 'true' or 'false' for {key}, got {wanted}")
    is_absent = present is None
    if any((c == "true") == is_absent for c in checks):
        return Verdict(True)
    return Verdict(False, f"{key} is {'absent' if is_absent else 'present'}")


def _decide(operator: str, key: str, raw: Any, present: tuple[str, ...] | None) -> Verdict:
    """One key of one operator, given the key's values (None: absent from the request)."""
    qualifier, base, if_exists = _split(operator)
    wanted = _policy_values(raw)
    if wanted is None:
        return Verdict(None, f"{operator} {key}: value {raw!r} is not understood")
    if base == "Null" and qualifier is None and not if_exists:
        return _null(key, wanted, present)
    found = _matcher(base)
    if found is None or qualifier not in (None, "ForAnyValue", "ForAllValues"):
        return Verdict(None, f"condition operator {operator} is not understood")
    negated, match = found
    if present is None:
        if if_exists:
            return Verdict(True)
        answer = qualifier == "ForAllValues" or (qualifier is None and negated)
        return Verdict(answer, "" if answer else f"{key} is absent from the request")
    if qualifier is None and len(present) != 1:
        return Verdict(None, f"{operator} on {key}, which holds {len(present)} values")
    hits = [any(match(w, value) for w in wanted) for value in present]
    per_value = [not hit for hit in hits] if negated else hits
    answer = all(per_value) if qualifier == "ForAllValues" else any(per_value)
    shown = present[0] if len(present) == 1 else list(present)
    return Verdict(answer, "" if answer else f"{operator} {key} {wanted}: {shown!r} does not hold")


def evaluate_condition(block: Any, context: Context) -> Verdict:
    """A statement's whole ``Condition`` element (None or {} holds)."""
    if block is None:
        return Verdict(True)
    if not isinstance(block, Mapping):
        return Verdict(None, f"Condition {block!r} is not an object")
    unknown: list[str] = []
    for operator, keys in block.items():
        if not isinstance(keys, Mapping):
            unknown.append(f"{operator}: {keys!r} is not an object of keys")
            continue
        for key, raw in keys.items():
            try:
                present = context.lookup(key) if isinstance(key, str) else None
            except KeyError:
                unknown.append(f"{key} is not known for this request")
                continue
            verdict = _decide(str(operator), str(key), raw, present)
            if verdict.answer is False:
                return verdict
            if verdict.answer is None:
                unknown.append(verdict.reason)
    return Verdict(None, "; ".join(unknown)) if unknown else Verdict(True)
