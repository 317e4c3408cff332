"""Where a function is: its stack, that stack's account and Region, its construct path.

Each answer is a jsii round trip, and every function of a stack asks the same questions of the
same scope and stack, so they are asked once per scope, stack or image and kept beside it (weak
keys: gone with the app). round_trips.py: without these, 6 more round trips per function.
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass

from aws_cdk import Stack
from constructs import Construct

from ..image import _stage_path
from ..tokens import is_unresolved
from ..tree import remembered


def known(value: str) -> str | None:
    """``value``, or None when it is a token (only known at deploy time)."""
    return None if is_unresolved(value) else value


@dataclass(frozen=True)
class Place:
    """What every function in one scope shares: the stack, its known account and Region, and
    the scope's construct path."""

    stack: Stack
    account: str | None
    region: str | None
    path: str

    def child_path(self, id: str) -> str:
        """The construct path of a child ``id`` of the scope (constructs turns '/' into '--')."""
        node_id = id.replace("/", "--")
        return f"{self.path}/{node_id}" if self.path else node_id


_PLACES: weakref.WeakKeyDictionary[Construct, Place] = weakref.WeakKeyDictionary()
_STACKS: weakref.WeakKeyDictionary[Construct, Stack] = weakref.WeakKeyDictionary()
_STAGES: weakref.WeakKeyDictionary[Stack, str | None] = weakref.WeakKeyDictionary()


def place_of(scope: Construct) -> Place:
    """The ``Place`` of a function created in ``scope``."""

    def make() -> Place:
        stack = Stack.of(scope)
        return Place(stack, known(stack.account), known(stack.region), scope.node.path)

    return remembered(_PLACES, scope, make)


def stack_of(construct: Construct) -> Stack:
    """``Stack.of``, asked once per construct (every function of an image asks it)."""
    return remembered(_STACKS, construct, lambda: Stack.of(construct))


def stage_of(stack: Stack) -> str | None:
    """The path of the stack's Stage, asked once per stack."""
    return remembered(_STAGES, stack, lambda: _stage_path(stack))
