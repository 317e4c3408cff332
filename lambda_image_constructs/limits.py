"""Every AWS limit and name pattern the library checks, written once.

The constructs, the configuration model (``org/config``), its JSON Schema and the nag rules
all read them from here; ``tests/test_limits.py`` fails when a number or pattern of this
module is written anywhere else in the package. Each value cites where AWS states it. Pure
Python, no jsii.

Bounds are ``(low, high)`` tuples, both included.
"""

from __future__ import annotations

import re

# --- accounts, Regions, partitions ------------------------------------------------------------

# [0-9], not \d: \d also matches other scripts' digits, which AWS never uses.
ACCOUNT_ID = re.compile(r"[0-9]{12}")
# Region names as every partition spells them (eu-west-1, us-gov-west-1, cn-north-1, ...).
REGION = re.compile(r"[a-z]{2}(-[a-z]+)+-[0-9]")
# AWS Organizations: https://docs.aws.amazon.com/organizations/latest/APIReference/API_Organization.html
ORGANIZATION_ID = re.compile(r"o-[a-z0-9]{10,32}")
# An Organizations path, as aws:PrincipalOrgPaths takes it: o-<org>/r-<root>/ then
# organisational units, each followed by '/' (AWS Organizations' Root and OrganizationalUnit Ids).
_ROOT = "r-[0-9a-z]{4,32}"
_UNIT = "ou-[0-9a-z]{4,32}-[a-z0-9]{8,32}"
ORGANIZATION_PATH = re.compile(rf"{ORGANIZATION_ID.pattern}/{_ROOT}/({_UNIT}/)*")
# The path of an organisational unit: an Organizations path with at least one unit.
ORGANIZATIONAL_UNIT_PATH = re.compile(rf"{ORGANIZATION_ID.pattern}/{_ROOT}/({_UNIT}/)+")

# Each partition: the prefix of its Regions' names, its name in ARNs and its endpoints' domain.
# A Region matching no prefix is in the standard partition.
PARTITIONS: tuple[tuple[str, str, str], ...] = (
    ("cn-", "aws-cn", "amazonaws.com.cn"),
    ("us-gov-", "aws-us-gov", "amazonaws.com"),
    ("us-isob-", "aws-iso-b", "sc2s.sgov.gov"),
    ("us-isof-", "aws-iso-f", "csp.hci.ic.gov"),
    ("us-iso-", "aws-iso", "c2s.ic.gov"),
    ("eu-isoe-", "aws-iso-e", "cloud.adc-e.uk"),
    ("eusc-", "aws-eusc", "amazonaws.eu"),
)
STANDARD_PARTITION = ("", "aws", "amazonaws.com")


def partition_of(region: str) -> tuple[str, str]:
    """``(partition, endpoint domain)`` of ``region``: ``("aws-cn", "amazonaws.com.cn")``."""
    _, name, domain = next((p for p in PARTITIONS if region.startswith(p[0])), STANDARD_PARTITION)
    return name, domain


def partition_domain(region: str) -> str:
    """The endpoint domain of ``region``'s partition (an ECR image URI must use it)."""
    return partition_of(region)[1]


# The partition that spells ARNs longest, and the longest Region name: policy sizes are measured
# with them when the real ones are only known at deploy time.
LONGEST_PARTITION = "aws-us-gov"
LONGEST_REGION = "ap-southeast-7"

# --- ECR -------------------------------------------------------------------------------------

# https://docs.aws.amazon.com/AmazonECR/latest/APIReference/API_CreateRepository.html
REPOSITORY_NAME = re.compile(r"(?:[a-z0-9]+(?:[._-][a-z0-9]+)*/)*[a-z0-9]+(?:[._-][a-z0-9]+)*")
REPOSITORY_NAME_LENGTH = (2, 256)
# A registry scanning filter: a repository name in which '*' stands for any characters.
# https://docs.aws.amazon.com/AmazonECR/latest/APIReference/API_ScanningRepositoryFilter.html
REPOSITORY_FILTER = re.compile(r"[a-z0-9*](?:[._/-]?[a-z0-9*]+)*")
REPOSITORY_FILTER_MAX_CHARS = REPOSITORY_NAME_LENGTH[1]
# Tag-mutability exclusion filters: one to five wildcard patterns.
TAG_EXCLUSION_FILTER = re.compile(r"[0-9A-Za-z._*-]{1,128}")
MAX_TAG_EXCLUSIONS = 5
# https://docs.docker.com/reference/cli/docker/image/tag/ (ECR takes the same tags)
IMAGE_TAG = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}")
IMAGE_DIGEST = re.compile(r"sha256:[a-f0-9]{64}")
_DOMAINS = "|".join(sorted({re.escape(d) for *_, d in (*PARTITIONS, STANDARD_PARTITION)}))
# <account>.dkr.ecr.<region>.<partition domain>/<repository>(:<tag>|@<algorithm>:<digest>)
IMAGE_URI = re.compile(
    rf"(?P<account>{ACCOUNT_ID.pattern})\.dkr\.ecr\.(?P<region>{REGION.pattern})"
    rf"\.(?P<suffix>{_DOMAINS})"
    rf"/(?P<repository>{REPOSITORY_NAME.pattern})"
    r"(?::(?P<tag>[^@:/]+)|@(?P<digest>[^@:/]+:[^@/]+))"
)
# ECR's quotas: https://docs.aws.amazon.com/AmazonECR/latest/userguide/service-quotas.html
REPOSITORY_POLICY_MAX_CHARS = 10_240
# Days before an untagged image expires or an unpulled one is archived (lifecycle countNumber);
# ECR states no upper bound, a century is ours.
LIFECYCLE_DAYS = (1, 36_500)

# --- Lambda functions ------------------------------------------------------------------------
# https://docs.aws.amazon.com/lambda/latest/api/API_CreateFunction.html and
# https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html

FUNCTION_NAME = re.compile(r"[a-zA-Z0-9_-]{1,64}")
# A function name in which IAM's StringLike wildcards * and ? may stand for parts of the name.
FUNCTION_NAME_PATTERN = re.compile(r"[A-Za-z0-9_\-*?]{1,64}")
# https://docs.aws.amazon.com/lambda/latest/api/API_CreateAlias.html: not only digits.
ALIAS_NAME = re.compile(r"(?![0-9]+$)[a-zA-Z0-9_-]{1,128}")
DESCRIPTION_MAX_CHARS = 256
MEMORY_MB = (128, 10_240)
EPHEMERAL_STORAGE_MB = (512, 10_240)
TIMEOUT_SECONDS = (1, 900)
# What Lambda sets when a function leaves them out.
LAMBDA_DEFAULT_MEMORY_MB = MEMORY_MB[0]
LAMBDA_DEFAULT_EPHEMERAL_STORAGE_MB = EPHEMERAL_STORAGE_MB[0]
LAMBDA_DEFAULT_TIMEOUT_SECONDS = 3
# SnapStart refuses a function with more /tmp than this (snapstart-limitations).
SNAP_START_MAX_EPHEMERAL_STORAGE_MB = EPHEMERAL_STORAGE_MB[0]
# ReservedConcurrentExecutions is an Integer (32 bits) of at least 0 in the Lambda API
# (API_PutFunctionConcurrency, API_Concurrency: "Valid Range: Minimum value of 0"); the
# account's concurrency quota, only known at deploy time, caps it further.
RESERVED_CONCURRENCY = (0, 2**31 - 1)
# ProvisionedConcurrentExecutions: "Minimum value of 1" (API_PutProvisionedConcurrencyConfig),
# at most the function's reserved concurrency when it has one.
PROVISIONED_CONCURRENCY = (1, RESERVED_CONCURRENCY[1])
# Application Auto Scaling's target utilisation of provisioned concurrency, as aws-cdk-lib
# accepts it (Alias.autoScaleProvisionedConcurrency ... scaleOnUtilization).
UTILIZATION_TARGET = (0.1, 0.9)
# Asynchronous invocation (API_PutFunctionEventInvokeConfig).
MAX_EVENT_AGE_SECONDS = (60, 21_600)
RETRY_ATTEMPTS = (0, 2)
# ImageConfig (API_ImageConfig): EntryPoint and Command items; WorkingDirectory characters.
IMAGE_CONFIG_MAX_ITEMS = 1_500
WORKING_DIRECTORY_MAX_CHARS = 1_000
# Environment (API_Environment, configuration-envvars): keys and values together.
ENVIRONMENT_MAX_BYTES = 4 * 1024
ENVIRONMENT_KEY = re.compile(r"[a-zA-Z]([a-zA-Z0-9_])+")
RESERVED_ENVIRONMENT_KEYS = frozenset(
    {
        "_HANDLER",
        "_X_AMZN_TRACE_ID",
        "AWS_REGION",
        "AWS_DEFAULT_REGION",
        "AWS_EXECUTION_ENV",
        "AWS_LAMBDA_FUNCTION_NAME",
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
        "AWS_LAMBDA_FUNCTION_VERSION",
        "AWS_LAMBDA_INITIALIZATION_TYPE",
        "AWS_LAMBDA_LOG_GROUP_NAME",
        "AWS_LAMBDA_LOG_STREAM_NAME",
        "AWS_ACCESS_KEY",
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
        "AWS_LAMBDA_RUNTIME_API",
        "LAMBDA_TASK_ROOT",
        "LAMBDA_RUNTIME_DIR",
    }
)

# --- CodeDeploy, CloudWatch, CloudFormation, IAM ----------------------------------------------

# Lambda deployment configurations: the share of traffic shifted at a time and the minutes
# between shifts (API_TimeBasedCanary, API_TimeBasedLinear).
DEPLOYMENT_PERCENT = (1, 99)
DEPLOYMENT_INTERVAL_MINUTES = (1, 2_880)
# A deployment group's alarm configuration holds at most 10 alarms (API_AlarmConfiguration).
DEPLOYMENT_MAX_ALARMS = 10
# https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutMetricAlarm.html
ALARM_NAME = re.compile(r"[^:]{1,255}")
# CodeConnections (CodeStar Connections) connection ARNs.
CONNECTION_ARN = re.compile(
    r"arn:aws[a-z-]*:(codestar-connections|codeconnections):[a-z0-9-]+:"
    rf"{ACCOUNT_ID.pattern}:connection/[A-Za-z0-9_-]+"
)
# ECR managed signing (AWS::ECR::SigningConfiguration), as the CloudFormation reference gives it:
# a rule's Signer profile ARN, and at most 100 repository filters a rule (WILDCARD_MATCH).
SIGNING_PROFILE_ARN = re.compile(
    rf"arn:aws(-[a-z]+)*:signer:[a-z0-9-]+:{ACCOUNT_ID.pattern}:/signing-profiles/[a-zA-Z0-9_]{{2,}}"
)
SIGNING_PROFILE_ARN_MAX = 200
SIGNING_REPOSITORY_FILTERS_PER_RULE = 100
# Registry scanning (PutRegistryScanningConfiguration): at most 100 repository filters a rule.
SCANNING_FILTERS_PER_RULE = 100

# ECR pull-through cache rules (AWS::ECR::PullThroughCacheRule): the prefix is a repository
# name's shape, 2 to 30 characters; credentials live in a Secrets Manager secret named so.
PULL_THROUGH_CACHE_PREFIX = REPOSITORY_NAME
PULL_THROUGH_CACHE_PREFIX_LENGTH = (2, 30)
PULL_THROUGH_CACHE_CREDENTIAL_ARN = re.compile(
    r"arn:aws(-[a-z]+)*:secretsmanager:[a-zA-Z0-9-:]+:secret:ecr-pullthroughcache/[a-zA-Z0-9/_+=.@-]+"
)
# The CDK bootstrap qualifier: part of the bootstrap bucket's name, so lowercase (CDK: at most
# 10 alphanumeric characters).
BOOTSTRAP_QUALIFIER = re.compile(r"[a-z0-9]{1,10}")

# --- Quotas the synthesized templates are checked against (quotas.py) -------------------------
# The CloudFormation, CodePipeline and IAM quota pages of the AWS documentation (default
# quotas).

# CloudFormation, per stack. A template larger than 51,200 bytes is deployed from S3 (the CDK
# CLI and CDK Pipelines always do), where CloudFormation refuses one past 1,000,000 bytes.
TEMPLATE_BYTES = 1_000_000
# A template given inline (TemplateBody, as a StackSet's is here) is taken up to this size.
TEMPLATE_BODY_BYTES = 51_200
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
ROLE_TRUST_POLICY_RAISED_CHARS = 4_096  # what AWS raises it to on request
ROLE_MANAGED_POLICIES = 10  # attached to one role

# Resource policies, in bytes of their JSON.
BUCKET_POLICY_BYTES = 20_480  # S3: 20 KB
KEY_POLICY_BYTES = 32_768  # KMS: 32 KB

# CloudFormation StackSets, per operation (API_StackSetOperationPreferences).
STACK_SET_MAX_CONCURRENT_PERCENT = (1, 100)
STACK_SET_FAILURE_TOLERANCE_PERCENT = (0, 100)

# Below these shares of a quota a stack the library plans is "comfortably inside" it: the
# organisation pipeline is split so that each of its templates stays below them.
COMFORT_SHARE = 0.8
