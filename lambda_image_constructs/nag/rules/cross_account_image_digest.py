from __future__ import annotations

import re

from .common import Compliance, Resource, RuleContext, properties

ECR_IMAGE = re.compile(r"^(\d{12})\.dkr\.ecr\.[^/]+/[^@:]+(?P<reference>[@:].+)$")


def cross_account_image_digest(resource: Resource, context: RuleContext) -> Compliance:
    """A function running an image of another account's repository names it by digest."""
    if resource.get("Type") != "AWS::Lambda::Function":
        return Compliance.NOT_APPLICABLE
    uri = (properties(resource).get("Code") or {}).get("ImageUri")
    match = ECR_IMAGE.match(uri) if isinstance(uri, str) else None
    if match is None or context.account is None or match.group(1) == context.account:
        return Compliance.NOT_APPLICABLE
    if match["reference"].startswith("@sha256:"):
        return Compliance.COMPLIANT
    return Compliance.NON_COMPLIANT
