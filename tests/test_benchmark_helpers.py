"""The helpers of benchmarks/ that decide whether a benchmark compares like with like."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
from compare_templates import describe, resource_counts

from stacks.generate import org_config


def test_resource_counts_give_each_function_the_resources_named_after_it() -> None:
    config = org_config(1, 2)  # fn-000-000 and fn-000-001 in Consumer-workload-000/Functions
    resources: dict[str, dict[str, object]] = {
        "FunctionsKeyC337A2C1": {},
        "ImageFunctionTracingPolicy3987F97A": {},
        "fn00000099685F04": {},
        "fn000000LogGroup20A4DF78": {},
        "fn000000ExecutionRoleExecutionPolicy609BD4F9": {},
        "fn0000016C137E44": {},
    }
    templates = {"Consumer-workload-000/Functions": {"Resources": resources}}

    counts = resource_counts(templates, config)

    assert counts == {
        "Consumer-workload-000/Functions": (2, {"fn-000-000": 3, "fn-000-001": 1}),
    }
    assert describe(*counts["Consumer-workload-000/Functions"]) == (
        "6 resources (2 of the stack, 1 for each of 1 functions, 3 for each of 1 functions)"
    )
