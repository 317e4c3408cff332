"""One rule per file: a pure function of one resolved CloudFormation resource
(``{"Type", "Properties", "DeletionPolicy", "Metadata"}``) and its stack's account, named after
its file. ``LambdaContainerImageChecks`` gives each its wording and level."""

from .common import Compliance, RuleContext
from .cross_account_image_digest import cross_account_image_digest
from .cross_account_image_signed import (
    collect_registry_signing,
    cross_account_image_signed,
    signing_rules,
)
from .function_architecture_matches_image import function_architecture_matches_image
from .image_config_absolute_entrypoint import image_config_absolute_entrypoint
from .lambda_pull_source_condition import lambda_pull_source_condition
from .repository_immutable_tags import repository_immutable_tags
from .repository_no_open_principal import repository_no_open_principal
from .repository_retained import repository_retained
from .repository_scan_on_push import repository_scan_on_push
from .service_principal_wildcard_action import service_principal_wildcard_action

__all__ = [
    "Compliance",
    "RuleContext",
    "collect_registry_signing",
    "cross_account_image_digest",
    "cross_account_image_signed",
    "function_architecture_matches_image",
    "image_config_absolute_entrypoint",
    "lambda_pull_source_condition",
    "repository_immutable_tags",
    "repository_no_open_principal",
    "repository_retained",
    "repository_scan_on_push",
    "service_principal_wildcard_action",
    "signing_rules",
]
