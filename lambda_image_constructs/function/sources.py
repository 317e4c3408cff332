"""Where an ``ImageFunction``'s image comes from: ``ImageSource`` and its kinds (an image
built by ``LambdaImage``, copies of one in several Regions, a repository and a tag or digest,
a URI), each resolved to a ``ResolvedImage`` for one function."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from aws_cdk import Stack
from aws_cdk import aws_ecr as ecr
from aws_cdk.region_info import RegionInfo
from constructs import Construct

from .. import validation as validate
from ..architecture import ImageArchitecture, LambdaArchitecture, parse_architecture
from ..errors import Problems
from ..image import LambdaImage
from ..option_types import check_arguments
from ..repository import LambdaImageRepository
from ..tokens import is_unresolved
from .places import known, place_of, stack_of


@dataclass(frozen=True)
class ResolvedImage:
    """What a function needs to know of its image."""

    image_uri: str
    account: str | None  # None when unknown at synth
    region: str | None
    architecture: LambdaArchitecture | None
    repository: LambdaImageRepository | None
    by_digest: bool
    description: str
    in_bootstrap_repository: bool = False
    stack: Stack | None = None
    """The stack that publishes the image or holds its repository, when in this app."""
    unresolved: bool = False
    """The URI is a token (a parameter, an SSM value): nothing of it could be checked."""
    by_uri: bool = False
    """Given by URI (``ImageSource.from_image_uri``)."""
    built_by: LambdaImage | None = None
    """The ``LambdaImage`` that builds it, when it is an asset of this app."""


class ImageSource(ABC):
    """Where an ``ImageFunction``'s image comes from. Create one with a factory method."""

    @staticmethod
    def from_asset(image: LambdaImage) -> ImageSource:
        """An image built by ``LambdaImage`` (published to its repository under its hash; a
        function in another of the repository's ``regions`` runs the copy there)."""
        check_arguments("ImageSource.from_asset", ImageSource.from_asset, {"image": image})
        if image.regional_copies:
            return _RegionalAssetSource((image, *image.regional_copies.values()))
        return _AssetSource(image)

    @staticmethod
    def from_regional_assets(images: Sequence[LambdaImage]) -> ImageSource:
        """One image published in several Regions (a ``LambdaImage`` of the same build in a
        stack of each Region, into that Region's repository): each function runs the copy of
        its own Region, since Lambda only pulls from ECR in its own Region."""
        check_arguments("ImageSource.from_regional_assets", ImageSource.from_regional_assets,
                        {"images": images})  # fmt: skip
        return _RegionalAssetSource(tuple(images))

    @staticmethod
    def from_repository(
        repository: LambdaImageRepository | ecr.IRepository,
        tag_or_digest: str,
        *,
        architecture: ImageArchitecture | None = None,
    ) -> ImageSource:
        """An image in a ``LambdaImageRepository`` or any ``IRepository``, by tag or by
        ``sha256:`` digest. ``architecture``: what the image was built for, when known."""
        given = {"repository": repository, "tag_or_digest": tag_or_digest,
                 "architecture": architecture}  # fmt: skip
        check_arguments("ImageSource.from_repository", ImageSource.from_repository, given)
        return _RepositorySource(repository, tag_or_digest, architecture)

    @staticmethod
    def from_image_uri(
        image_uri: str,
        *,
        architecture: ImageArchitecture | None = None,
    ) -> ImageSource:
        """An image by URI, typically in another account:
        ``<account>.dkr.ecr.<region>.<url suffix>/<name>@sha256:<64 hex>``. A tag
        (``:<tag>``) is accepted with a warning, since tags can move."""
        given = {"image_uri": image_uri, "architecture": architecture}
        check_arguments("ImageSource.from_image_uri", ImageSource.from_image_uri, given)
        return _UriSource(image_uri, architecture)

    @abstractmethod
    def resolve(self, scope: Construct, problems: Problems) -> ResolvedImage | None:
        """The image for a function in ``scope``; problems go to ``problems``."""


def _optional_architecture(problems: Problems, value: Any) -> LambdaArchitecture | None:
    return None if value is None else parse_architecture(problems, "image.architecture", value)


def _url_suffix(stack: Stack, region: str) -> str:
    if not is_unresolved(region):
        suffix = RegionInfo.get(region).domain_suffix
        if suffix:
            return suffix
    return stack.url_suffix


class _AssetSource(ImageSource):
    def __init__(self, image: LambdaImage) -> None:
        self._image = image

    def resolve(self, scope: Construct, problems: Problems) -> ResolvedImage | None:
        return self._resolved(self._image)

    @staticmethod
    def _resolved(image: LambdaImage) -> ResolvedImage:
        return ResolvedImage(
            image_uri=image.image_uri,
            account=known(image.account),
            region=known(image.region),
            architecture=image.architecture_name,
            repository=image.image_repository,
            by_digest=False,  # a content-hash tag in an immutable repository
            description=f"LambdaImage {image.construct_path}",
            in_bootstrap_repository=image.image_repository is None,
            stack=stack_of(image),
            built_by=image,
        )


class _RegionalAssetSource(_AssetSource):
    def __init__(self, images: tuple[LambdaImage, ...]) -> None:
        self._images = images

    def resolve(self, scope: Construct, problems: Problems) -> ResolvedImage | None:
        regions = {}
        for image in self._images:
            region = known(image.region)
            if region is None or region in regions:
                problems.add(
                    "image",
                    f"LambdaImage {image.construct_path}",
                    "must be in a stack with a Region of its own: one copy per Region"
                    + (f" ({region} twice)" if region else ""),
                )
                return None
            regions[region] = image
        architectures = {image.architecture_name for image in self._images}
        if len(architectures) > 1:
            problems.add(
                "image",
                sorted(a.lambda_name for a in architectures),
                "must be one build for one architecture in every Region",
            )
            return None
        region = place_of(scope).region
        if region not in regions:
            problems.add(
                "image",
                f"published in {sorted(regions)}",
                f"must be published in the function's Region {region}: Lambda only pulls"
                " images from ECR in its own Region; add the Region to the repository's"
                " regions (configuration: repositories[].regions) or publish a LambdaImage"
                " in a stack of that Region",
            )
            return None
        return self._resolved(regions[region])


class _RepositorySource(ImageSource):
    def __init__(
        self,
        repository: LambdaImageRepository | ecr.IRepository,
        tag_or_digest: str,
        architecture: Any,
    ) -> None:
        self._repository = repository
        self._tag_or_digest = tag_or_digest
        self._architecture = architecture

    def resolve(self, scope: Construct, problems: Problems) -> ResolvedImage | None:
        validate.check_tag_or_digest(problems, "image.tag_or_digest", self._tag_or_digest)
        architecture = _optional_architecture(problems, self._architecture)
        reference = self._tag_or_digest
        separator = "@" if str(reference).startswith("sha256:") else ":"
        # A LambdaImageRepository's own aws_ecr.Repository (its .repository) is the repository
        # itself: the same checks and retention, not an imported repository's.
        owner = getattr(self._repository, "owner", None)
        if isinstance(owner, LambdaImageRepository):
            self._repository = owner
        if isinstance(self._repository, LambdaImageRepository):
            owned = self._repository
            stack = Stack.of(owned)
            account, region = stack.account, stack.region
            uri = (
                f"{account}.dkr.ecr.{region}.{_url_suffix(stack, region)}"
                f"/{owned.repository_name}{separator}{reference}"
            )
            return ResolvedImage(
                uri, known(account), known(region), architecture, owned,
                separator == "@", f"LambdaImageRepository {owned.node.path}", stack=stack,
            )  # fmt: skip
        imported = self._repository
        return ResolvedImage(
            imported.repository_uri_for_tag_or_digest(reference),
            known(imported.env.account),
            known(imported.env.region),
            architecture,
            None,
            separator == "@",
            f"repository {imported.node.path}",
        )


class _UriSource(ImageSource):
    def __init__(self, image_uri: str, architecture: Any) -> None:
        self._uri = image_uri
        self._architecture = architecture

    def resolve(self, scope: Construct, problems: Problems) -> ResolvedImage | None:
        architecture = _optional_architecture(problems, self._architecture)
        if is_unresolved(self._uri):
            return ResolvedImage(
                self._uri, None, None, architecture, None, True,
                "an image URI only known at deploy time", unresolved=True,
            )  # fmt: skip
        parts = validate.parse_image_uri(problems, "image.image_uri", self._uri)
        if parts is None:
            return None
        return ResolvedImage(
            self._uri, parts.account, parts.region, architecture, None,
            parts.digest is not None, f"image {self._uri}", by_uri=True,
        )  # fmt: skip
