from __future__ import annotations

import fnmatch
import re
from collections.abc import Mapping
from typing import Any

from ...limits import ACCOUNT_ID
from .common import Compliance, Resource, RuleContext, as_list, image_uri_text, properties

SIGNING_CONFIGURATION = "AWS::ECR::SigningConfiguration"
# <account>.dkr.ecr.<region>.<suffix>/<repository>[:tag | @digest]
ECR_IMAGE = re.compile(rf"^({ACCOUNT_ID.pattern})\.dkr\.ecr\.([a-z0-9-]+)\.[^/]+/([^@:]+)[@:]")


def signing_rules(signing_configuration: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """The rules of one ``AWS::ECR::SigningConfiguration``'s properties."""
    return [r for r in as_list(signing_configuration.get("Rules")) if isinstance(r, Mapping)]


def collect_registry_signing(template: Mapping[str, Any], into: list[Any]) -> None:
    """The signing rules of a template's registry signing configurations, added to ``into``."""
    for resource in (template.get("Resources") or {}).values():
        if isinstance(resource, Mapping) and resource.get("Type") == SIGNING_CONFIGURATION:
            into.extend(signing_rules(resource.get("Properties") or {}))


def _signs(rule: Mapping[str, Any], repository: str) -> bool:
    filters = [f for f in as_list(rule.get("RepositoryFilters")) if isinstance(f, Mapping)]
    if not filters:  # a rule without filters signs every image of the registry
        return True
    return any(
        isinstance(f.get("Filter"), str) and fnmatch.fnmatchcase(repository, f["Filter"])
        for f in filters
    )


def cross_account_image_signed(resource: Resource, context: RuleContext) -> Compliance:
    """A function running an image of another account's registry, where that registry is in the
    same app, runs it from a repository the registry's ECR managed signing configuration signs
    (``RegistrySigning``). A registry the app does not hold cannot be told: not applicable."""
    if resource.get("Type") != "AWS::Lambda::Function" or context.registry_signing is None:
        return Compliance.NOT_APPLICABLE
    uri = image_uri_text((properties(resource).get("Code") or {}).get("ImageUri"), context.account)
    match = ECR_IMAGE.match(uri) if uri is not None else None
    if match is None or context.account is None or match.group(1) == context.account:
        return Compliance.NOT_APPLICABLE
    account, region, repository = match.groups()
    rules = context.registry_signing.get((account, region))
    if rules is None:
        return Compliance.NOT_APPLICABLE
    if any(_signs(rule, repository) for rule in rules):
        return Compliance.COMPLIANT
    return Compliance.NON_COMPLIANT
