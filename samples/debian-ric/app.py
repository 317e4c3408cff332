"""Handlers of the non-AWS-base sample. One image, several functions: each function's
ImageConfig Command picks the handler (app.handler, app.describe, ...)."""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return {"message": f"Hello, {event.get('name', 'world')}!", "image": "debian-ric"}


def describe(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Report what the function was started with, so a test can see the ImageConfig at work."""
    return {
        "handler": "describe",
        "greeting": os.environ.get("GREETING", ""),
        "cwd": os.getcwd(),
        "event": event,
    }


def fail(event: dict[str, Any], context: Any) -> dict[str, Any]:
    raise ValueError(f"refusing event {event!r}")


def write_outside_tmp(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Lambda's root file system is read-only except /tmp: this fails there."""
    target = Path(event.get("path", "/function/state.txt"))
    target.write_text("state")
    return {"written": str(target)}


def sleep(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Sleeps ``seconds``: past the function's timeout, Lambda stops it."""
    seconds = float(event.get("seconds", 1))
    time.sleep(seconds)
    return {"slept": seconds}


def allocate(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Holds ``megabytes`` of memory: past the function's memory size, Lambda stops it."""
    megabytes = int(event.get("megabytes", 1))
    block = bytearray(megabytes * 1024 * 1024)
    return {"allocated": len(block) // (1024 * 1024)}
