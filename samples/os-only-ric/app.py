"""Handler of the OS-only-base sample."""

from __future__ import annotations

import platform
from typing import Any


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return {
        "message": f"Hello, {event.get('name', 'world')}!",
        "image": "os-only-ric",
        "python": platform.python_version(),
    }
