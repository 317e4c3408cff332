"""Answers about the construct tree that cost a jsii round trip each, asked once per construct
and kept beside it (weak keys: gone with the app): many functions ask the same of one scope."""

from __future__ import annotations

import contextlib
import weakref
from collections.abc import Callable
from typing import TypeVar

from constructs import IConstruct

K = TypeVar("K")
V = TypeVar("V")


def remembered(cache: weakref.WeakKeyDictionary[K, V], key: K, make: Callable[[], V]) -> V:
    """``cache[key]``, made with ``make()`` the first time (every time for a key that takes no
    weak reference)."""
    try:
        return cache[key]
    except (KeyError, TypeError):  # TypeError: a key that takes no weak reference
        value = make()
    with contextlib.suppress(TypeError):
        cache[key] = value
    return value


_ROOTS: weakref.WeakKeyDictionary[IConstruct, IConstruct] = weakref.WeakKeyDictionary()


def root_of(construct: IConstruct) -> IConstruct:
    """``construct.node.root`` (two round trips), asked once per construct. round_trips.py:
    2 per function fewer for the name claims, and 2 for the quota checks' registration."""
    return remembered(_ROOTS, construct, lambda: construct.node.root)
