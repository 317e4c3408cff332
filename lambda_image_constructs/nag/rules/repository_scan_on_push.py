from __future__ import annotations

import fnmatch

from .common import Compliance, Resource, RuleContext, as_list, properties

SCANNING = {"SCAN_ON_PUSH", "CONTINUOUS_SCAN"}


def repository_scan_on_push(resource: Resource, context: RuleContext) -> Compliance:
    """Images are scanned for vulnerabilities when pushed: by the repository's own
    ``scanOnPush``, or by its registry's scanning configuration (in the same app) when one of
    its rules scans on push or continuously and its filters match the repository's name."""
    if resource.get("Type") != "AWS::ECR::Repository":
        return Compliance.NOT_APPLICABLE
    scanning = properties(resource).get("ImageScanningConfiguration") or {}
    if scanning.get("ScanOnPush") is True:
        return Compliance.COMPLIANT
    name = properties(resource).get("RepositoryName")
    for rule in context.registry_scanning:
        if rule.get("ScanFrequency") not in SCANNING:
            continue
        for entry in as_list(rule.get("RepositoryFilters")):
            pattern = entry.get("Filter") if isinstance(entry, dict) else None
            if pattern == "*" or (
                isinstance(name, str)
                and isinstance(pattern, str)
                and fnmatch.fnmatchcase(name, pattern)
            ):
                return Compliance.COMPLIANT
    return Compliance.NON_COMPLIANT
