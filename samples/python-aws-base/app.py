"""Handler of the AWS-base-image sample."""

from __future__ import annotations

from typing import Any


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    name = event.get("name", "world")
    return {"message": f"Hello, {name}!", "image": "python-aws-base"}
