"""The one syrupy matcher for CloudFormation templates.

It masks only what legitimately differs between machines or CDK bootstrap setups, so a
snapshot diff always means a change of behaviour:

* 64-hex asset hashes inside ``ImageUri`` and ``S3Key`` values, and in any other value that is
  an ECR image URI tagged with one (an SSM parameter holding an image's URI): they change with
  every edit of an image's build context, which its own tests cover;
* the ``BootstrapVersion`` parameter and the ``CheckBootstrapVersion`` rule, which belong to the
  CDK bootstrap contract, not to this project.
"""

from __future__ import annotations

import re
from typing import Any

ASSET_HASH = re.compile(r"\b[0-9a-f]{64}\b")
ECR_IMAGE_BY_HASH = re.compile(r"\.dkr\.ecr\.[^/]+/[^:@]+:[0-9a-f]{64}$")
MASKED_ASSET_HASH = "<asset-hash>"
MASKED_BOOTSTRAP = "<cdk-bootstrap>"
_ASSET_KEYS = {"ImageUri", "S3Key"}


def _keys(path: Any) -> list[Any]:
    return [part[0] for part in path]


def template_matcher(*, data: Any, path: Any) -> Any:
    keys = _keys(path)
    if keys[:2] in (["Parameters", "BootstrapVersion"], ["Rules", "CheckBootstrapVersion"]):
        return MASKED_BOOTSTRAP if len(keys) == 2 else data
    if isinstance(data, str) and (
        _ASSET_KEYS.intersection(map(str, keys)) or ECR_IMAGE_BY_HASH.search(data)
    ):
        return ASSET_HASH.sub(MASKED_ASSET_HASH, data)
    return data
