"""The function's handler: Lambda calls ``handler(event, context)`` for each event."""

from typing import Any


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    name = event.get("name", "world")
    return {"message": f"Hello, {name}!"}
