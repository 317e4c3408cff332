from __future__ import annotations

from .common import Compliance, Resource, RuleContext, properties


def repository_scan_on_push(resource: Resource, context: RuleContext) -> Compliance:
    """Images are scanned for vulnerabilities when pushed."""
    if resource.get("Type") != "AWS::ECR::Repository":
        return Compliance.NOT_APPLICABLE
    scanning = properties(resource).get("ImageScanningConfiguration") or {}
    if scanning.get("ScanOnPush") is True:
        return Compliance.COMPLIANT
    return Compliance.NON_COMPLIANT
