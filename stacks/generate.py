"""Generated organisation configurations, for scale tests and benchmarks."""

from __future__ import annotations

from typing import Any

SAMPLE_DIRECTORY = "samples/debian-ric"


def org_config(consumer_accounts: int, functions_per_account: int) -> dict[str, Any]:
    """One image account, ``consumer_accounts`` consumer accounts in waves of ten, each with
    ``functions_per_account`` functions running the one shared image differently."""
    consumers = []
    for index in range(consumer_accounts):
        name = f"workload-{index:03d}"
        consumers.append(
            {
                "name": name,
                "account": f"{200000000000 + index:012d}",
                "wave": index // 10 + 1,
                "functions": [
                    {
                        "name": f"fn-{index:03d}-{n:03d}",
                        "image": "service",
                        "command": ["app.handler" if n % 2 == 0 else "app.describe"],
                        "environment": {"GREETING": f"hello from {n}"},
                    }
                    for n in range(functions_per_account)
                ],
            }
        )
    return {
        "imageAccount": {"account": "111111111111", "region": "us-east-1"},
        "repositories": [
            {"name": "platform/lambda-images", "consumers": [c["name"] for c in consumers]}
        ],
        "images": [
            {
                "name": "service",
                "repository": "platform/lambda-images",
                "directory": SAMPLE_DIRECTORY,
                "architecture": "arm64",
            }
        ],
        "consumerAccounts": consumers,
    }
