"""The organisation's configuration: one document (cdk.json context, or a YAML/JSON file given
with ``-c config=path``), described once as pydantic models, validated all at once, every
problem naming the source and the key path.

- ``values``: each value's type and rule (the library's own limits and checks);
- ``models``: the document's sections, and its JSON Schema (``schema/org-config.schema.json``);
- ``cross_checks``: what relates one part to another (names referenced, unique, the same
  account and Region), checked on the document as given so both kinds of problem come together;
- ``documents``: reading YAML and JSON files strictly and within bounds;
- ``parsing``: from a document to an ``AppConfig``, problems in the document's own words.

Pure Python: loading and checking a configuration of 40 accounts takes milliseconds and no jsii.
"""

from .documents import MAX_YAML_ALIAS_EXPANSION, read_document, read_yaml
from .models import (
    SCHEMA_ID,
    AccountEnvironment,
    AppConfig,
    ConsumerAccountSpec,
    DeploymentSpec,
    Environment,
    FunctionSpec,
    ImageSpec,
    OrgWideFunctionsSpec,
    PipelineSpec,
    RepositorySpec,
    RolloutSettings,
    WaveSpec,
    json_schema,
)
from .parsing import CONFIG_FILE_CONTEXT_KEY, CONTEXT_KEY, load_from_context, parse_config

__all__ = [
    "CONFIG_FILE_CONTEXT_KEY",
    "CONTEXT_KEY",
    "MAX_YAML_ALIAS_EXPANSION",
    "SCHEMA_ID",
    "AccountEnvironment",
    "AppConfig",
    "ConsumerAccountSpec",
    "DeploymentSpec",
    "Environment",
    "FunctionSpec",
    "ImageSpec",
    "OrgWideFunctionsSpec",
    "PipelineSpec",
    "RepositorySpec",
    "RolloutSettings",
    "WaveSpec",
    "json_schema",
    "load_from_context",
    "parse_config",
    "read_document",
    "read_yaml",
]
