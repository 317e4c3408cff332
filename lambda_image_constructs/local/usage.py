"""Bad input to ``lambda-images`` that the commands themselves do not foresee, as one line.

The command line is checked before it is parsed (NUL bytes, oversized arguments), the files it
names before they are read (a FIFO or a device given as the event would block or never end),
and whatever a command still raises from the file system or a damaged assembly is said as a
usage error (exit 2) in one bounded line, never as a traceback.
"""

from __future__ import annotations

import argparse
import errno
import json
import stat
from collections.abc import Sequence
from pathlib import Path

from .assembly import quote

# Far past Linux's PATH_MAX (4,096) and any name: longer is refused before anything reads it.
MAX_ARGUMENT_CHARS = 65_536
MAX_ARGUMENTS = 64
_KINDS = (
    (stat.S_ISFIFO, "a FIFO (named pipe)"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
    (stat.S_ISDIR, "a folder"),
)


class UsageError(Exception):
    """Bad input to the command: its message is the one line the user sees."""


def checked_argv(argv: Sequence[str]) -> list[str]:
    """``argv``, refused when an argument holds a NUL byte or is longer than any path can be."""
    if len(argv) > MAX_ARGUMENTS:
        raise UsageError(f"at most {MAX_ARGUMENTS} arguments, got {len(argv)}")
    for index, argument in enumerate(argv):
        if "\x00" in argument:
            raise UsageError(f"argument {index + 1} holds a NUL byte: {quote(argument)}")
        if len(argument) > MAX_ARGUMENT_CHARS:
            raise UsageError(
                f"argument {index + 1} is {len(argument):,} characters, more than any path or"
                f" name this command takes ({MAX_ARGUMENT_CHARS:,}): {quote(argument)}"
            )
    return list(argv)


def check_input_files(args: argparse.Namespace) -> None:
    """A file the command will read is a regular file: anything else (a FIFO, a device, a
    socket, a folder) is refused before it is opened, since reading it may never end."""
    event = getattr(args, "event", None)
    if isinstance(event, Path):
        _regular_file(event, "--event")


def _regular_file(path: Path, option: str) -> None:
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        return  # said by the reader, with the path
    except OSError as failure:
        reason = failure.strerror
        raise UsageError(f"{option} {quote(str(path))} cannot be read: {reason}") from None
    for test, kind in _KINDS:
        if test(mode):
            raise UsageError(f"{option} {quote(str(path))} is {kind}, not a regular file")


def describe(error: BaseException) -> str:
    """One line for an error a command raised that is not one of its own."""
    if isinstance(error, OSError):
        where = f"{quote(str(error.filename))}: " if error.filename is not None else ""
        reason = error.strerror or errno.errorcode.get(error.errno or 0, "") or str(error)
        advice = _ADVICE.get(error.errno or 0, "")
        return f"{where}{reason}{advice}"
    if isinstance(error, RecursionError):
        return "an input of the assembly is nested too deeply to read"
    if isinstance(error, UnicodeError):
        return f"an input is not valid text: {quote(str(error))}"
    if isinstance(error, json.JSONDecodeError):
        return f"an input is not valid JSON: {error.msg} (line {error.lineno})"
    return (
        f"the assembly holds a value this command cannot read ({type(error).__name__}:"
        f" {quote(str(error))}); run cdk synth again"
    )


# What the user can do, said in the same line.
_ADVICE = {
    errno.EACCES: "; choose a folder you can write, or change its permissions",
    errno.EROFS: "; choose a folder on a writable file system",
    errno.ENOTDIR: "; a file stands where a folder should be",
    errno.EEXIST: "; a file stands where a folder should be",
    errno.ENOSPC: "; free some space, or choose another folder",
}
UNFORESEEN = (OSError, ValueError, TypeError, KeyError, IndexError, AttributeError, RecursionError)
"""What a command may still raise on bad input it did not foresee; anything else is a bug."""
