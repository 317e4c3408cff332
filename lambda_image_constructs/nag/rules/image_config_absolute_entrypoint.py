from __future__ import annotations

from .common import Compliance, Resource, RuleContext, properties


def image_config_absolute_entrypoint(resource: Resource, context: RuleContext) -> Compliance:
    """An ImageConfig EntryPoint names its executable by absolute path."""
    if resource.get("Type") != "AWS::Lambda::Function":
        return Compliance.NOT_APPLICABLE
    entrypoint = (properties(resource).get("ImageConfig") or {}).get("EntryPoint")
    if not entrypoint:
        return Compliance.NOT_APPLICABLE
    if not isinstance(entrypoint, list):
        raise ValueError(f"EntryPoint is not a list, so it cannot be checked: {entrypoint!r}")
    first = entrypoint[0]
    if isinstance(first, str) and first.startswith("/"):
        return Compliance.COMPLIANT
    return Compliance.NON_COMPLIANT
