"""Recognise unresolved CDK tokens without a jsii round trip.

``Token.is_unresolved`` crosses into Node for every value; validators run on every prop of
every construct, so they recognise CDK's encoded token formats here instead. The formats are
those of aws-cdk-lib's token encoding: ``${Token[...]}`` in strings, ``#{Token[...]}`` as the
single element of an encoded list, and numbers encoded as doubles near -1.888e+289.
"""

from __future__ import annotations

import math
from typing import Any

_STRING_TOKEN_MARKERS = ("${Token[", "#{Token[")
# Encoded numbers sit in a band far below any real input (aws-cdk-lib core/lib/private/encoding).
_NUMBER_TOKEN_CEILING = -1e288


def is_unresolved(value: Any) -> bool:
    """True when ``value`` is, or contains, an unresolved CDK token."""
    if isinstance(value, str):
        return any(marker in value for marker in _STRING_TOKEN_MARKERS)
    if isinstance(value, bool):
        return False
    if isinstance(value, int | float):
        # a token is a finite double in its band; -inf or NaN is a bad value, not a token
        return math.isfinite(value) and value < _NUMBER_TOKEN_CEILING
    if isinstance(value, list | tuple):
        return any(is_unresolved(item) for item in value)
    return False
