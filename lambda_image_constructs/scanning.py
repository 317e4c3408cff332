"""``RegistryScanning``: the image account's registry-level scanning configuration, where AWS is
moving image scanning to from the repositories' own ``scanOnPush``."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

from aws_cdk import aws_ecr as ecr
from constructs import Construct

from .errors import Problems
from .limits import SCANNING_FILTERS_PER_RULE
from .option_types import check_arguments
from .registry_settings import RegistryClaim, check_repository_filters

ScanType = Literal["BASIC", "ENHANCED"]
ScanFrequency = Literal["SCAN_ON_PUSH", "CONTINUOUS_SCAN"]
FREQUENCIES: dict[str, tuple[str, ...]] = {
    "BASIC": ("SCAN_ON_PUSH",),
    "ENHANCED": ("SCAN_ON_PUSH", "CONTINUOUS_SCAN"),
}


class RegistryScanning(Construct):
    """The registry scanning configuration of the stack's account and Region.

    ``ENHANCED`` scans with Amazon Inspector (operating system and language packages,
    continuously or on push); ``BASIC`` scans on push with ECR's own scanner. Repositories
    matched by ``repository_filters`` are scanned whatever their own ``scanOnPush`` says, and
    LambdaContainerImageChecks' RepositoryScanOnPush counts them as scanned.

    ECR keeps one configuration per registry (account and Region): a second one in the same
    app for the same account and Region is refused at synth.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        scan_type: ScanType = "ENHANCED",
        frequency: ScanFrequency | None = None,
        repository_filters: Sequence[str] = ("*",),
    ) -> None:
        """
        :param scan_type: ``'ENHANCED'`` (Amazon Inspector) or ``'BASIC'``.
            Default: ``'ENHANCED'``.
        :param frequency: ``'SCAN_ON_PUSH'`` or, with ``ENHANCED``, ``'CONTINUOUS_SCAN'``.
            Default: ``'CONTINUOUS_SCAN'`` for ``ENHANCED``, ``'SCAN_ON_PUSH'`` for ``BASIC``.
        :param repository_filters: Repository names to scan, ``*`` standing for any
            characters. Default: every repository.
        """
        super().__init__(scope, id)
        given = {"scan_type": scan_type, "frequency": frequency,
                 "repository_filters": repository_filters}  # fmt: skip
        check_arguments(f"RegistryScanning {self.node.path}", RegistryScanning.__init__, given)
        problems = Problems()
        if scan_type not in FREQUENCIES:
            problems.add("scan_type", scan_type, f"must be one of {sorted(FREQUENCIES)}")
        chosen = frequency or ("CONTINUOUS_SCAN" if scan_type == "ENHANCED" else "SCAN_ON_PUSH")
        if scan_type in FREQUENCIES and chosen not in FREQUENCIES[scan_type]:
            problems.add(
                "frequency",
                frequency,
                f"must be one of {list(FREQUENCIES[scan_type])} with {scan_type} scanning",
            )
        filters = check_repository_filters(
            problems, "repository_filters", repository_filters, at_most=SCANNING_FILTERS_PER_RULE
        )
        claim = RegistryClaim(self, "RegistryScanning", problems)
        problems.raise_if_any(f"RegistryScanning {self.node.path}")
        claim.commit()  # only once it is valid
        self.scan_type: str = scan_type
        self.frequency: str = chosen
        self.repository_filters: tuple[str, ...] = filters
        self.resource = ecr.CfnRegistryScanningConfiguration(
            self,
            "Resource",
            scan_type=scan_type,
            rules=[
                ecr.CfnRegistryScanningConfiguration.ScanningRuleProperty(
                    scan_frequency=chosen,
                    repository_filters=[
                        ecr.CfnRegistryScanningConfiguration.RepositoryFilterProperty(
                            filter=f, filter_type="WILDCARD"
                        )
                        for f in self.repository_filters
                    ],
                )
            ],
        )
