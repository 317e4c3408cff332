"""Where ``lambda-images`` and ``lambda-images-docker`` keep the container engine's state
(Podman's storage and configuration, the emulator, downloaded wheels): outside any app folder,
so that a project holds no image layers and its apps share one cache.

``$LAMBDA_IMAGES_STATE`` if set, else ``$XDG_CACHE_HOME/lambda-image-constructs/containers``,
else ``~/.cache/lambda-image-constructs/containers`` (the XDG base directory default).
"""

from __future__ import annotations

import os
from pathlib import Path

STATE_VARIABLE = "LAMBDA_IMAGES_STATE"
CACHE_FOLDER = Path("lambda-image-constructs") / "containers"


def state_folder() -> Path:
    """The engine's state folder (absolute), as the environment says."""
    given = os.environ.get(STATE_VARIABLE)
    if given:
        return Path(given).absolute()
    cache = os.environ.get("XDG_CACHE_HOME")
    # The XDG specification: a relative XDG_CACHE_HOME is invalid and is ignored.
    base = Path(cache) if cache and Path(cache).is_absolute() else Path.home() / ".cache"
    return base / CACHE_FOLDER
