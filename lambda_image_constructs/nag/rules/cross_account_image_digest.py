from __future__ import annotations

import re

from ...limits import ACCOUNT_ID
from .common import Compliance, Resource, RuleContext, image_uri_text, properties

ECR_IMAGE = re.compile(rf"^({ACCOUNT_ID.pattern})\.dkr\.ecr\.[^/]+/[^@:]+(?P<reference>[@:].+)$")


def cross_account_image_digest(resource: Resource, context: RuleContext) -> Compliance:
    """A function running an image of another account's repository names it by digest."""
    if resource.get("Type") != "AWS::Lambda::Function":
        return Compliance.NOT_APPLICABLE
    uri = image_uri_text((properties(resource).get("Code") or {}).get("ImageUri"), context.account)
    match = ECR_IMAGE.match(uri) if uri is not None else None
    if match is None or context.account is None or match.group(1) == context.account:
        return Compliance.NOT_APPLICABLE
    if match["reference"].startswith("@sha256:"):
        return Compliance.COMPLIANT
    return Compliance.NON_COMPLIANT
