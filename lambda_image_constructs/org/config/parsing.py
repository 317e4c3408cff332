"""From a document to an ``AppConfig``: the models' errors in the document's own words (key
paths, camelCase keys), the cross-checks, and where the document comes from (cdk.json context
or a file named with ``-c config=path``)."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from lambda_image_constructs.errors import LambdaImageValidationError, Problems

from .cross_checks import cross_check
from .documents import read_document
from .models import AppConfig

CONTEXT_KEY = "lambda-image-constructs"
CONFIG_FILE_CONTEXT_KEY = "config"


def _path(location: tuple[int | str, ...]) -> str:
    text = ""
    for part in location:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else part)
    return text or "(top level)"


def _known_keys(location: tuple[int | str, ...]) -> list[str]:
    """The keys the section at ``location`` accepts, for an error about an unknown key."""
    model: Any = AppConfig
    for part in location:
        if isinstance(part, int):
            continue
        field = next((f for f in model.model_fields.values() if f.alias == part), None)
        if field is None:
            return []
        model = next(iter(_models_in(field.annotation)), None)
        if model is None:
            return []
    return [str(f.alias) for f in model.model_fields.values()]


def _models_in(annotation: Any) -> Iterator[type[BaseModel]]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        yield annotation
    for argument in getattr(annotation, "__args__", ()):
        yield from _models_in(argument)


_ACCEPTED = {
    "missing": "is required",
    "string_type": "must be a string",
    "int_type": "must be a whole number",
    "bool_type": "must be true or false",
    "list_type": "must be a list",
    "tuple_type": "must be a list",
    "dict_type": "must be a mapping of keys to values",
    "model_type": "must be a mapping of keys to values",
    "model_attributes_type": "must be a mapping of keys to values",
    "string_too_short": "must not be empty",
}


def _problems_of(error: ErrorDetails, problems: Problems) -> None:
    location = error["loc"]
    kind = error["type"]
    value = None if kind == "missing" else error["input"]
    if kind == "lambda_image":
        for suffix, found, accepted in error["ctx"]["problems"]:
            problems.add(_path(location) + suffix, found, accepted)
    elif kind == "extra_forbidden":
        known = _known_keys(location[:-1])
        problems.add(_path(location), value, f"is not a known key; known: {known}")
    elif kind == "literal_error":
        problems.add(_path(location), value, f"must be one of {error['ctx']['expected']}")
    elif kind == "too_long":
        count = error["ctx"]["max_length"]
        problems.add(_path(location), value, f"must hold at most {count:,} items")
    elif kind == "string_type" and location[-1:] == ("account",) and isinstance(value, int):
        problems.add(
            _path(location),
            value,
            "must be a 12-digit account ID in quotes, such as '012345678901': as a number it"
            " loses its leading zeros",
        )
    else:
        accepted = _ACCEPTED.get(kind, error["msg"])
        problems.add(_path(location), value, accepted)


def parse_config(document: Any, source: str) -> AppConfig:
    """Validate ``document`` and return it as an ``AppConfig``; raise one
    ``LambdaImageValidationError`` naming ``source`` and every problem's key path."""
    problems = Problems()
    config: AppConfig | None = None
    try:
        config = AppConfig.model_validate(document, by_alias=True, by_name=False)
    except ValidationError as error:
        for details in error.errors(include_url=False):
            _problems_of(details, problems)
    if isinstance(document, Mapping):
        cross_check(problems, document)
    problems.raise_if_any(f"configuration {source}")
    assert config is not None
    return _completed(config, source)


def _completed(config: AppConfig, source: str) -> AppConfig:
    """``config`` as the app uses it: every Region filled with the image account's where left
    out, every function merged with its account's (or orgWideFunctions block's)
    ``functionDefaults``, and every section noting where it is in ``source``."""
    region = config.image_account.region
    config = config.model_copy(
        update={
            "consumer_accounts": tuple(
                c.model_copy(
                    update={
                        "region": c.region or region,
                        "functions": tuple(
                            f.with_defaults(c.function_defaults) for f in c.functions
                        ),
                    }
                )
                for c in config.consumer_accounts
            ),
            "org_wide_functions": tuple(
                b.model_copy(
                    update={
                        "functions": tuple(
                            f.with_defaults(b.function_defaults) for f in b.functions
                        )
                    }
                )
                for b in config.org_wide_functions
            ),
            "pipeline": (
                config.pipeline.model_copy(update={"region": config.pipeline.region or region})
                if config.pipeline
                else None
            ),
        }
    )
    config.located(source, "")
    for index, repository in enumerate(config.repositories):
        repository.located(source, f"repositories[{index}]")
    for index, image in enumerate(config.images):
        image.located(source, f"images[{index}]")
    for index, consumer in enumerate(config.consumer_accounts):
        consumer.located(source, f"consumerAccounts[{index}]")
        for number, function in enumerate(consumer.functions):
            function.located(source, f"consumerAccounts[{index}].functions[{number}]")
    for index, block in enumerate(config.org_wide_functions):
        block.located(source, f"orgWideFunctions[{index}]")
        for number, function in enumerate(block.functions):
            function.located(source, f"orgWideFunctions[{index}].functions[{number}]")
    return config


def load_from_context(try_get_context: Callable[[str], Any]) -> AppConfig:
    """The configuration an app runs with: the file named by ``-c config=path`` if given, else
    the ``lambda-image-constructs`` block of cdk.json."""
    problems = Problems()
    path = try_get_context(CONFIG_FILE_CONTEXT_KEY)
    if path:
        try:
            document = read_document(str(path))
        except LambdaImageValidationError:
            raise
        except (OSError, ValueError, RecursionError, yaml.YAMLError) as error:
            # RecursionError: a document nested deeper than the readers recurse.
            problems.add("config", path, f"must be a readable YAML or JSON file ({error})")
            problems.raise_if_any(f"configuration {path}")
        return parse_config(document, str(path))
    document = try_get_context(CONTEXT_KEY)
    if document is None:
        problems.add(CONTEXT_KEY, None, "must be set in cdk.json context, or pass -c config=path")
        problems.raise_if_any("configuration cdk.json")
    return parse_config(document, f"cdk.json context {CONTEXT_KEY!r}")
