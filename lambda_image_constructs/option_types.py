"""Check the types of options against their declaration, before any construct is made.

One generic checker for every public constructor, factory and method: it reads the declaration
(a ``TypedDict`` of options, or a function's signature) with ``typing.get_type_hints`` and
reports each option of the wrong type as one problem naming the option, what is accepted in
words a CDK user knows, and what was given. It accepts what aws-cdk-lib accepts: unresolved
tokens (a number token for a whole number), whole numbers where a number goes, jsii interfaces
implemented by aws-cdk-lib's classes, by imported resources (``Role.from_role_arn``) and by
classes of your own (``@jsii.implements``), and a dict for a jsii struct. A string is never
taken for a list.

Pure Python: a jsii interface is recognised from what jsii's Python runtime records on classes
(``__jsii_ifaces__``, ``__jsii_proxy_class__``), without a call into Node.
"""

from __future__ import annotations

import collections.abc
import dataclasses
import difflib
import enum
import inspect
import types
import typing
from collections.abc import Collection, Iterator, Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any, Literal, Union, get_args, get_origin

from .errors import Problems
from .tokens import is_unresolved

# The values a CDK user reaches for first, shown as the example of what is accepted.
_EXAMPLES = {
    "aws_cdk.Duration": "Duration.seconds(30)",
    "aws_cdk.Size": "Size.mebibytes(1024)",
    "lambda_image_constructs.org.config.models.AppConfig": "load_from_context(...)",
}
_ITEMS_SHOWN = 5  # wrong items of one list reported one by one, then counted
_NONE_TYPE = type(None)
_DATA = (str, int, float, bytes, list, tuple, dict, set, frozenset)  # shown by their repr


class _Required:
    def __repr__(self) -> str:
        return "REQUIRED"


REQUIRED: Any = _Required()
"""The default of a parameter that must be given: left out, it is our error naming it, not
Python's ``TypeError`` (``def with_config(config: ... = REQUIRED)``)."""


@dataclass(frozen=True)
class Declared:
    """What a declaration says: each option's type and which options must be given."""

    hints: Mapping[str, Any]
    required: frozenset[str]
    name: str
    set_here: frozenset[str] = frozenset()
    """Options of the base class that the declaring constructor sets itself."""


@dataclass(frozen=True)
class PassedOn:
    """A constructor whose ``**kwargs`` go to its base class's constructor (a ``Stack``'s
    ``description``, ``env``, ...): its own keyword parameters and the base's, checked together;
    the base's options in ``set_here`` are the constructor's to set (``env`` from a
    configuration), so giving one is refused."""

    own: Any
    base: Any
    set_here: tuple[str, ...] = ()


@cache
def declared(declaration: Any) -> Declared:
    """The options of a ``TypedDict``, of a dataclass, of a function (its keyword parameters,
    without ``self``, ``scope`` and ``id``, and the keys of a ``**options: Unpack[...]``) or of
    a ``PassedOn``."""
    if isinstance(declaration, PassedOn):
        own, base = declared(declaration.own), declared(declaration.base)
        set_here = frozenset(declaration.set_here)
        hints = {k: v for k, v in base.hints.items() if k not in set_here}
        return Declared({**hints, **own.hints}, own.required, own.name, set_here)
    if typing.is_typeddict(declaration):
        return _typeddict_options(declaration)
    return _signature_options(declaration)


def _typeddict_options(declaration: Any) -> Declared:
    # Required/NotRequired are read from the hints: __required_keys__ is wrong for a TypedDict
    # of a module with postponed annotations (before Python 3.14).
    extras = _hints(declaration, include_extras=True)
    total = getattr(declaration, "__total__", True)
    required = frozenset(
        name
        for name, hint in extras.items()
        if get_origin(hint) is typing.Required
        or (total and get_origin(hint) is not typing.NotRequired)
    )
    return Declared(_hints(declaration), required, declaration.__name__)


def _signature_options(declaration: Any) -> Declared:
    signature = inspect.signature(declaration)
    all_hints = _hints(declaration)
    hints: dict[str, Any] = {}
    required: set[str] = set()
    for name, parameter in signature.parameters.items():
        if name in ("self", "cls", "scope", "id") or name not in all_hints:
            continue
        if parameter.kind is inspect.Parameter.VAR_KEYWORD:
            unpacked = get_args(all_hints[name])
            if unpacked and typing.is_typeddict(unpacked[0]):
                inner = declared(unpacked[0])
                hints.update(inner.hints)
                required |= inner.required
            continue
        if parameter.kind is inspect.Parameter.VAR_POSITIONAL:
            continue
        hints[name] = all_hints[name]
        if parameter.default is inspect.Parameter.empty or parameter.default is REQUIRED:
            required.add(name)
    qualified = getattr(declaration, "__qualname__", str(declaration)).removesuffix(".__init__")
    return Declared(hints, frozenset(required), qualified)


def _hints(declaration: Any, *, include_extras: bool = False) -> dict[str, Any]:
    """``typing.get_type_hints``; an annotation that cannot be evaluated (a name imported for
    type checkers only) accepts anything rather than failing the user's call."""
    try:
        return typing.get_type_hints(declaration, localns=_aliases(), include_extras=include_extras)
    except Exception:
        annotations = getattr(declaration, "__annotations__", {})
        module = inspect.getmodule(declaration)
        namespace = {**vars(module), **_aliases()} if module else dict(_aliases())
        hints = {}
        for name, annotation in annotations.items():
            try:
                hints[name] = (
                    eval(annotation, namespace) if isinstance(annotation, str) else annotation
                )
            except Exception:
                hints[name] = Any
        return hints


@cache
def _aliases() -> dict[str, Any]:
    """The library's type aliases written quoted (so that importing them loads no jsii
    module), evaluated: a quoted alias in a hint cannot be read otherwise."""
    from . import architecture

    return {"ImageArchitecture": architecture.image_architecture_type()}


# Options a construct parses itself from any value, with a message of its own (the Lambda name
# to write for Docker's 'amd64'): parse_architecture.
SELF_PARSED = frozenset({"architecture"})


def check_options(
    problems: Problems,
    declaration: Any,
    options: Mapping[str, Any],
    *,
    prefix: str = "",
    ignore: Collection[str] = SELF_PARSED,
) -> None:
    """Add a problem to ``problems`` for each option of ``options`` whose type ``declaration``
    does not accept, each unknown option and each required option left out. ``prefix`` goes
    before each option's name (``'image.'``); options in ``ignore`` are the caller's to
    check (options a construct refuses, with its reason)."""
    spec = declared(declaration)
    options = {name: value for name, value in options.items() if value is not REQUIRED}
    for name, value in options.items():
        if name in ignore:
            continue
        field = f"{prefix}{name}"
        hint = spec.hints.get(name)
        if name in spec.set_here:
            problems.add(field, _Given.of(value), f"is set by {spec.name} itself: leave it out")
        elif hint is None:
            close = difflib.get_close_matches(str(name), list(spec.hints), n=1)
            problems.add(
                field,
                _Given.of(value),
                f"is not an option of {spec.name}"
                + (f" (did you mean {close[0]!r}?)" if close else ""),
            )
        elif name in spec.required and value is None:
            problems.add(field, None, f"must be given: {describe(_without_none(hint))}")
        else:
            check_value(problems, field, value, hint)
    for name in sorted(spec.required - options.keys()):
        problems.add(
            f"{prefix}{name}", None, f"must be given: {describe(_without_none(spec.hints[name]))}"
        )


def check_arguments(
    subject: str,
    declaration: Any,
    options: Mapping[str, Any],
    *,
    ignore: Collection[str] = SELF_PARSED,
) -> None:
    """Raise one ``LambdaImageValidationError`` for ``subject`` when any option's type is wrong:
    for the first line of a constructor, before any value check relies on the types."""
    problems = Problems()
    check_options(problems, declaration, options, ignore=ignore)
    problems.raise_if_any(subject)


def check_fields(instance: Any) -> None:
    """``check_arguments`` for a dataclass of options, from its ``__post_init__``: its fields
    against their declared types (the dataclass is its own declaration)."""
    kind = type(instance)
    given = {f.name: getattr(instance, f.name) for f in dataclasses.fields(instance)}
    check_arguments(kind.__name__, kind, given)


def check_construct(
    kind: type, scope: Any, id: Any, options: Mapping[str, Any], *, set_here: tuple[str, ...] = ()
) -> None:
    """``check_arguments`` for a construct of ``kind`` whose ``**kwargs`` go to its base class
    (a ``Stack``'s or ``Stage``'s ``description``, ``env``, ...), before the base's constructor
    runs: its own options and the base's together, those in ``set_here`` refused."""
    subject = f"{kind.__name__} {child_path(scope, id)}"
    check_arguments(subject, construct_options(kind, set_here), options)


def construct_options(kind: type, set_here: tuple[str, ...] = ()) -> PassedOn:
    """The options of ``kind``'s constructor and of its base class's, which its ``**kwargs``
    go to; ``set_here``: the base's options it sets itself."""
    return PassedOn(kind.__init__, kind.__bases__[0].__init__, set_here)  # type: ignore[misc]


def child_path(scope: Any, id: Any) -> str:
    """The construct path a child ``id`` of ``scope`` gets (constructs turns '/' into '--'),
    for an error raised before the child exists: a constructor checks its options before its
    base class's constructor, which would refuse a wrong one with a ``TypeError`` of its own."""
    parent = _construct_path(scope) or ""
    node_id = str(id).replace("/", "--")
    return f"{parent}/{node_id}" if parent else node_id


def check_value(problems: Problems, field: str, value: Any, hint: Any) -> bool:
    """True when ``hint`` accepts ``value``; otherwise add its problems under ``field``: a
    list's or dict's wrong items under their index or key, anything else as a whole."""
    if accepts(hint, value):
        return True
    container = _container_of(hint, value)
    if container is not None:
        _check_items(problems, field, value, container)
    else:
        problems.add(field, _Given.of(value), f"must be {describe(hint)}")
    return False


def _check_items(problems: Problems, field: str, value: Any, hint: Any) -> None:
    origin, arguments = get_origin(hint), get_args(hint)
    if _is_mapping_type(origin):
        key_hint, value_hint = arguments or (Any, Any)
        items: Iterator[tuple[str, Any, Any]] = (
            (f"{field}[{key!r}]", item, key if not accepts(key_hint, key) else None)
            for key, item in value.items()
        )
        wrong = []
        for path, item, bad_key in items:
            if bad_key is not None:
                wrong.append((path, bad_key, f"must be a key that is {describe(key_hint)}"))
            elif not accepts(value_hint, item):
                wrong.append((path, item, f"must be {describe(value_hint)}"))
    else:
        item_hint = arguments[0] if arguments else Any
        wrong = [
            (f"{field}[{index}]", item, f"must be {describe(item_hint)}")
            for index, item in enumerate(value)
            if not accepts(item_hint, item)
        ]
    for path, item, accepted in wrong[:_ITEMS_SHOWN]:
        problems.add(path, _Given.of(item), accepted)
    if len(wrong) > _ITEMS_SHOWN:
        problems.add(
            field,
            f"{len(wrong)} wrong items",
            f"must be {describe(hint)}; {len(wrong) - _ITEMS_SHOWN} more items are wrong",
        )


def _container_of(hint: Any, value: Any) -> Any:
    """The one list or dict type of ``hint`` that ``value``'s shape fits, to report its items
    one by one; None when the value is not a list or dict, or more than one type fits."""
    members = _members(hint)
    if isinstance(value, list | tuple):
        fits = [m for m in members if _is_sequence_type(get_origin(m))]
    elif isinstance(value, Mapping):
        fits = [m for m in members if _is_mapping_type(get_origin(m))]
    else:
        return None
    return fits[0] if len(fits) == 1 else None


# -- what a type accepts --------------------------------------------------------------------


def accepts(hint: Any, value: Any) -> bool:
    """Whether aws-cdk-lib (and this library) would take ``value`` where ``hint`` is declared."""
    if hint is Any or hint is object:
        return True
    if hint is None or hint is _NONE_TYPE:
        return value is None
    origin = get_origin(hint)
    if origin is Union or origin is types.UnionType:
        return any(accepts(member, value) for member in _members(hint))
    if origin is Literal:
        choices = get_args(hint)
        if isinstance(value, str) and all(isinstance(c, str) for c in choices):
            return True  # the right type: which string is the construct's value check to say
        return any(type(value) is type(choice) and value == choice for choice in choices)
    if origin is typing.Annotated:
        return accepts(get_args(hint)[0], value)
    if _is_sequence_type(origin) or hint in (list, tuple, collections.abc.Sequence):
        return _accepts_sequence(hint, value)
    if _is_mapping_type(origin) or hint in (dict, collections.abc.Mapping):
        return _accepts_mapping(hint, value)
    if origin is type:
        return isinstance(value, type)
    if origin is collections.abc.Callable or hint is collections.abc.Callable:
        return callable(value)
    if isinstance(hint, typing.TypeVar | typing.ForwardRef) or origin is not None:
        return True  # a generic this checker does not model: left to the construct
    if not isinstance(hint, type):
        return True
    return _accepts_class(hint, value)


def _accepts_sequence(hint: Any, value: Any) -> bool:
    if not isinstance(value, list | tuple):
        return False  # a string is a sequence, but never a list of options
    arguments = get_args(hint)
    if not arguments or (arguments[-1] is Ellipsis and len(arguments) == 2):
        item = arguments[0] if arguments else Any
        return all(accepts(item, v) for v in value)
    if get_origin(hint) is tuple:  # tuple[A, B]: one type per position
        return len(value) == len(arguments) and all(map(accepts, arguments, value))
    return all(accepts(arguments[0], v) for v in value)


def _accepts_mapping(hint: Any, value: Any) -> bool:
    if not isinstance(value, Mapping):
        return False
    key_hint, value_hint = get_args(hint) or (Any, Any)
    return all(accepts(key_hint, k) and accepts(value_hint, v) for k, v in value.items())


def _accepts_class(hint: type, value: Any) -> bool:
    if hint is bool:
        return isinstance(value, bool)
    if hint is int:
        if isinstance(value, bool):
            return False
        return isinstance(value, int) or (isinstance(value, float) and is_unresolved(value))
    if hint is float:
        return isinstance(value, int | float) and not isinstance(value, bool)
    if hint is str:
        return isinstance(value, str)
    if typing.is_typeddict(hint):
        return isinstance(value, Mapping) and _accepts_options(hint, value)
    if _is_jsii_interface(hint):
        return implements(value, hint)
    if isinstance(value, hint):
        return True
    if _struct_fields(hint) is not None and isinstance(value, Mapping):
        init = hint.__init__  # type: ignore[misc]  # what jsii makes the struct with
        return _accepts_options(init, value, ignore=())
    return False


def _accepts_options(
    declaration: Any, value: Mapping[str, Any], *, ignore: Collection[str] = SELF_PARSED
) -> bool:
    probe = Problems()
    check_options(probe, declaration, value, ignore=ignore)
    return not probe


def _is_sequence_type(origin: Any) -> bool:
    return origin in (list, tuple, collections.abc.Sequence, collections.abc.MutableSequence)


def _is_mapping_type(origin: Any) -> bool:
    return origin in (dict, collections.abc.Mapping, collections.abc.MutableMapping)


# -- jsii interfaces and structs ------------------------------------------------------------


def _is_jsii_interface(hint: type) -> bool:
    return (
        getattr(hint, "_is_protocol", False)
        and hasattr(hint, "__jsii_type__")
        and callable(getattr(hint, "__jsii_proxy_class__", None))
    )


def implements(value: Any, interface: type) -> bool:
    """Whether ``value`` implements the jsii ``interface``: a class that declares it (or an
    interface extending it) with ``@jsii.implements``, as aws-cdk-lib's classes do, or jsii's
    proxy of it, as an imported resource (``Role.from_role_arn``) is."""
    proxy = interface.__jsii_proxy_class__()  # type: ignore[attr-defined]
    for candidate in _delegates(value):
        kind = type(candidate)
        if interface in kind.__mro__ or (proxy is not None and isinstance(candidate, proxy)):
            return True
        declared_interfaces = getattr(kind, "__jsii_ifaces__", ())
        if any(interface in getattr(i, "__mro__", ()) for i in declared_interfaces):
            return True
    return False


def _delegates(value: Any) -> tuple[Any, ...]:
    # jsii hands back an object it knows only by its interfaces as an InterfaceDynamicProxy,
    # which forwards to one proxy object per interface.
    delegates = getattr(value, "_delegates", None) if _is_dynamic_proxy(value) else None
    return tuple(delegates) if isinstance(delegates, list) else (value,)


def _is_dynamic_proxy(value: Any) -> bool:
    kind = type(value)
    return kind.__name__ == "InterfaceDynamicProxy" and kind.__module__.startswith("jsii")


def _struct_fields(hint: Any) -> frozenset[str] | None:
    """The Python names of a jsii struct's fields; None for anything else."""
    mapping = getattr(hint, "__jsii_name_mapping__", None)
    return frozenset(mapping) if isinstance(mapping, dict) else None


# -- what a type accepts, in words ----------------------------------------------------------


def describe(hint: Any) -> str:
    """What ``hint`` accepts, as an error message says it: ``'a list of strings'``."""
    if hint is Any or hint is object:
        return "any value"
    if hint is None or hint is _NONE_TYPE:
        return "None"
    origin, arguments = get_origin(hint), get_args(hint)
    if origin is Union or origin is types.UnionType:
        kinds = [m for m in _members(hint) if m is not _NONE_TYPE]
        if float in kinds and int in kinds:  # jsii's Number: a whole number is a number
            kinds.remove(int)
        words = [describe(m) for m in kinds]
        words = list(dict.fromkeys(words))
        return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " or " + words[-1]
    if origin is Literal:
        return "one of " + ", ".join(repr(choice) for choice in arguments)
    if origin is typing.Annotated:
        return describe(arguments[0])
    if _is_sequence_type(origin) or hint in (list, tuple, collections.abc.Sequence):
        item = arguments[0] if arguments else Any
        return "a list" if item is Any else f"a list of {_plural(item)}"
    if _is_mapping_type(origin) or hint in (dict, collections.abc.Mapping):
        key, item = arguments or (Any, Any)
        return f"a dict of {_plural(key)} to {_plural(item)}"
    if origin is collections.abc.Callable or hint is collections.abc.Callable:
        return "a function"
    if isinstance(hint, type):
        return _describe_class(hint)
    return str(hint)


_PRIMITIVES = {
    str: ("a string", "strings"),
    int: ("a whole number", "whole numbers"),
    float: ("a number", "numbers"),
    bool: ("True or False", "True or False values"),
}


def _plural(hint: Any) -> str:
    if hint in _PRIMITIVES:
        return _PRIMITIVES[hint][1]
    if hint is Any:
        return "values"
    if isinstance(hint, type) and not typing.is_typeddict(hint):
        return f"{_public_name(hint)} values"
    words = describe(hint)
    return f"values that are each {words}" if " or " in words else f"{words} values"


def _describe_class(hint: type) -> str:
    if hint in _PRIMITIVES:
        return _PRIMITIVES[hint][0]
    name = _public_name(hint)
    if typing.is_typeddict(hint):
        return f"a dict of {hint.__name__} options ({', '.join(declared(hint).hints)})"
    if issubclass(hint, enum.Enum):
        first = next(iter(hint), None)
        example = f" (e.g. {hint.__name__}.{first.name})" if first is not None else ""
        return f"{_article(name)} {name} member{example}"
    if _is_jsii_interface(hint):
        implementation = _implementation_of(hint)
        if implementation is not None:
            such = f"{_article(implementation)} {implementation}"
            return f"{_article(name)} {name} (such as {such} or an imported one)"
        return f"{_article(name)} {name}"
    full = f"{hint.__module__}.{hint.__qualname__}"
    if full in _EXAMPLES:
        return f"{_article(name)} {name} (e.g. {_EXAMPLES[full]})"
    if _struct_fields(hint) is not None:
        return f"{_article(name)} {name} (or a dict of its fields)"
    return f"{_article(name)} {name}"


def _public_name(hint: type) -> str:
    """``aws_iam.IRole`` for ``aws_cdk.aws_iam.IRole``; ``Duration`` for ``aws_cdk.Duration``;
    this library's classes by their own name."""
    module = hint.__module__
    if module.startswith("aws_cdk."):
        return f"{module.removeprefix('aws_cdk.')}.{hint.__qualname__}"
    return hint.__qualname__


def _implementation_of(interface: type) -> str | None:
    """aws-cdk-lib's class for an interface by its naming rule (``IRole`` -> ``Role``)."""
    module = inspect.getmodule(interface)
    name = interface.__name__
    if module is None or not name.startswith("I"):
        return None
    implementation = getattr(module, name[1:], None)
    return _public_name(implementation) if isinstance(implementation, type) else None


def _article(words: str) -> str:
    return "an" if words[:1].lower() in "aeio" else "a"


def _members(hint: Any) -> tuple[Any, ...]:
    """A union's members; aws-cdk-lib's ``Struct | Dict[str, Any]`` (a struct, or a dict jsii
    makes one of) without the dict, which the struct's fields judge."""
    origin = get_origin(hint)
    if origin is not Union and origin is not types.UnionType:
        return (hint,)
    members = get_args(hint)
    if any(_struct_fields(m) is not None for m in members):
        return tuple(m for m in members if not _is_mapping_type(get_origin(m)))
    return members


def _without_none(hint: Any) -> Any:
    members = [m for m in _members(hint) if m is not _NONE_TYPE]
    return Union[tuple(members)] if len(members) > 1 else (members[0] if members else hint)  # noqa: UP007


# -- what was given, in words ---------------------------------------------------------------


@dataclass(frozen=True)
class _Given:
    """A value as the error shows it: data by its ``repr``, an object by its kind and, for a
    construct, its path (a jsii object's ``repr`` is only a memory address)."""

    text: str

    def __repr__(self) -> str:
        return self.text

    @staticmethod
    def of(value: Any) -> Any:
        if value is None or isinstance(value, _DATA):
            return value
        if isinstance(value, enum.Enum):
            return _Given(f"{type(value).__name__}.{value.name}")
        kind = type(_delegates(value)[-1]) if _is_dynamic_proxy(value) else type(value)
        words = f"{_article(_public_name(kind))} {_public_name(kind).lstrip('_')}"
        path = _construct_path(value)
        return _Given(f"{words} ({path})" if path else words)


def _construct_path(value: Any) -> str | None:
    node = getattr(value, "node", None) if hasattr(type(value), "node") else None
    try:
        path = getattr(node, "path", None)
    except Exception:  # a jsii object whose node cannot be read is shown by its kind alone
        return None
    return path if isinstance(path, str) else None
