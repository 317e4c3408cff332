from __future__ import annotations

import re
from typing import Any

from ...limits import ACCOUNT_ID
from .common import Compliance, Resource, RuleContext, properties

ECR_IMAGE = re.compile(rf"^({ACCOUNT_ID.pattern})\.dkr\.ecr\.[^/]+/[^@:]+(?P<reference>[@:].+)$")
UNKNOWN = "\0"  # a part only CloudFormation knows (a parameter, an import)
_SUB = re.compile(r"\$\{([^}]+)\}")


def _uri_text(value: Any, account: str | None) -> str | None:
    """An ImageUri as text: literal, or ``Fn::Join`` / ``Fn::Sub`` of literals and pseudo
    parameters (the stack's account where known), other parts marked unknown."""
    pseudo = {"AWS::AccountId": account or UNKNOWN}
    if isinstance(value, str):
        return value
    if isinstance(value, dict) and set(value) == {"Ref"}:
        return pseudo.get(str(value["Ref"]), UNKNOWN)
    if isinstance(value, dict) and set(value) == {"Fn::Join"}:
        separator, parts = value["Fn::Join"]
        texts = [_uri_text(p, account) for p in parts] if isinstance(parts, list) else [None]
        return str(separator).join(t if t is not None else UNKNOWN for t in texts)
    if isinstance(value, dict) and set(value) == {"Fn::Sub"}:
        template = value["Fn::Sub"]
        if isinstance(template, list):
            template = template[0]
        if isinstance(template, str):
            return _SUB.sub(lambda m: pseudo.get(m[1], UNKNOWN), template)
    return None


def cross_account_image_digest(resource: Resource, context: RuleContext) -> Compliance:
    """A function running an image of another account's repository names it by digest."""
    if resource.get("Type") != "AWS::Lambda::Function":
        return Compliance.NOT_APPLICABLE
    uri = _uri_text((properties(resource).get("Code") or {}).get("ImageUri"), context.account)
    match = ECR_IMAGE.match(uri) if uri is not None else None
    if match is None or context.account is None or match.group(1) == context.account:
        return Compliance.NOT_APPLICABLE
    if match["reference"].startswith("@sha256:"):
        return Compliance.COMPLIANT
    return Compliance.NON_COMPLIANT
