"""The library's access rule, checked over a whole cloud assembly: every function runs an
image it can pull, and nobody outside can pull from any repository."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .conditions import Answer
from .pull import (
    NO_ORGANIZATION,
    Principal,
    PullAnswer,
    account_principal,
    can_pull,
    function_principal,
)
from .report import describe
from .templates import AssemblyContents, RepositoryRecord, read_contents


def outsider(contents: AssemblyContents) -> str:
    """An account ID that no stack of the assembly and no repository policy names."""
    text = repr([r.policy for r in contents.repositories])
    taken = {r.account for r in contents.repositories} | {f.account for f in contents.functions}
    return next(a for a in (f"{n:012d}" for n in range(10**12 - 1, 0, -7)) if a not in taken
                and a not in text)  # fmt: skip


def outsiders(repository: RepositoryRecord, account: str) -> list[Principal]:
    """An account in no organisation, and a function of it in the repository's Region."""
    function = f"arn:{repository.partition}:lambda:{repository.region}:{account}:function:x"
    return [
        account_principal(account),
        Principal("function", function, account, repository.partition, repository.region),
    ]


@dataclass(frozen=True)
class PullProblem:
    """A function that cannot pull its image (``refused``), or an ``outsider`` that can or
    may (``allowed`` None: cannot tell) pull from a repository."""

    kind: str
    answer: PullAnswer
    where: str

    @property
    def allowed(self) -> Answer:
        return self.answer.allowed

    def __str__(self) -> str:
        what = "cannot pull its image" if self.kind == "refused" else "an outsider may pull"
        return f"{self.where}: {what}\n{describe(self.answer)}"


def pull_problems(outdir: Path, organization_id: str | None = None) -> list[PullProblem]:
    """What breaks the rule: a function of the assembly that cannot pull its image from the
    assembly's repository (unknown answers are not problems), and a repository an outside
    account or its functions can pull from (or may: unknown)."""
    contents = read_contents(outdir)
    by_place = {(r.account, r.region, r.name): r for r in contents.repositories}
    problems = []
    for function in contents.functions:
        repository = by_place.get(function.image_place) if function.image_place else None
        if repository is None:
            continue
        answer = can_pull(repository, function_principal(function), organization_id)
        if answer.allowed is False:
            problems.append(
                PullProblem("refused", answer, f"{function.stack}/{function.logical_id}")
            )
    stranger = outsider(contents)
    for repository in contents.repositories:
        for principal in outsiders(repository, stranger):
            answer = can_pull(repository, principal, NO_ORGANIZATION)
            if answer.allowed is not False:
                problems.append(PullProblem("outsider", answer, repository.id))
    return problems
