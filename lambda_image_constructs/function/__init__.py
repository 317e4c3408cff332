"""``ImageFunction``: a Lambda function that runs a container image, its image configuration
overridable per function and checked at synth; ``ImageSource``: where its image comes from.

- ``construct``: ``ImageFunction`` itself, a list of steps around ``aws_lambda.Function``;
- ``options``: each option declared once (``ImageFunctionOptions``, ``DEFAULT_OPTIONS``,
  ``REFUSED``);
- ``checks``: the options checked before anything is made;
- ``companions``: the role, log group, dead-letter queue and the stack's shared policies;
- ``acknowledgements``: every built-in acknowledgement, and the one door they pass through;
- ``sources``: ``ImageSource`` and its kinds; ``places``: a function's stack, account, Region;
- ``asset_metadata``: CDK's asset metadata for AWS SAM CLI.
"""

from .acknowledgements import BUILT_IN_ACKNOWLEDGEMENTS
from .construct import IMAGE_TAG_WARNING, UNCHECKED_TOKEN_WARNING, ImageFunction
from .options import DEFAULT_OPTIONS, REFUSED, FunctionOptions, ImageFunctionOptions, option_types
from .sources import ImageSource, ResolvedImage

__all__ = [
    "BUILT_IN_ACKNOWLEDGEMENTS",
    "DEFAULT_OPTIONS",
    "IMAGE_TAG_WARNING",
    "REFUSED",
    "UNCHECKED_TOKEN_WARNING",
    "FunctionOptions",
    "ImageFunction",
    "ImageFunctionOptions",
    "ImageSource",
    "ResolvedImage",
    "option_types",
]
