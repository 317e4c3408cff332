"""The AWS quotas a deploy fails past, as the synthesized templates are checked against them
(``quotas.py``). Each number is written here once; until ``limits.py`` holds every AWS limit of
the project, these are its quota half.

Sources: the CloudFormation, CodePipeline and IAM quota pages of the AWS documentation
(default quotas; the IAM trust policy one can be raised to 4,096 characters).
"""

from __future__ import annotations

# CloudFormation, per stack. A template larger than 51,200 bytes is deployed from S3 (the CDK
# CLI and CDK Pipelines always do), where CloudFormation refuses one past 1,000,000 bytes.
TEMPLATE_BYTES = 1_000_000
STACK_RESOURCES = 500
STACK_OUTPUTS = 200
STACK_PARAMETERS = 200

# CodePipeline, per pipeline.
PIPELINE_STAGES = 50
STAGE_ACTIONS = 50

# IAM, in characters of the policy JSON without white space.
MANAGED_POLICY_CHARS = 6_144
ROLE_INLINE_POLICIES_CHARS = 10_240  # all of a role's inline policies together
USER_INLINE_POLICIES_CHARS = 2_048
GROUP_INLINE_POLICIES_CHARS = 5_120
ROLE_TRUST_POLICY_CHARS = 2_048
ROLE_MANAGED_POLICIES = 10  # attached to one role

# Resource policies, in bytes of their JSON.
BUCKET_POLICY_BYTES = 20_480  # S3: 20 KB
KEY_POLICY_BYTES = 32_768  # KMS: 32 KB

# CloudFormation StackSets, per operation.
STACK_SET_MAX_CONCURRENT_PERCENT = (1, 100)
STACK_SET_FAILURE_TOLERANCE_PERCENT = (0, 100)

# Below these shares of a quota a stack the library plans is "comfortably inside" it: the
# organisation pipeline is split so that each of its templates stays below them.
COMFORT_SHARE = 0.8
