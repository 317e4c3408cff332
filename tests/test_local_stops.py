"""A stop signal ends ``lambda-images invoke`` even when Python drops the exception its handler
raises (as it does inside a finalizer such as ``subprocess.Popen.__del__``)."""

from __future__ import annotations

import gc
import signal
import socket
import threading
import time

import pytest

from lambda_image_constructs.local import runtime


@pytest.fixture
def no_stops(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    stops: list[int] = []
    monkeypatch.setattr(runtime, "_STOPS", stops)
    return stops


class _StoppedWhileFinalized:
    def __del__(self) -> None:
        runtime.stop_on_signal(signal.SIGHUP, None)


# Python reports the dropped exception as unraisable: that is the case under test.
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
def test_a_stop_swallowed_by_a_finalizer_is_raised_at_the_next_check(no_stops: list[int]) -> None:
    # GIVEN a stop whose exception is raised inside a finalizer, where Python drops it
    _StoppedWhileFinalized()
    gc.collect()
    # THEN the next check raises it all the same
    with pytest.raises(runtime.Interrupted, match="SIGHUP"):
        runtime.raise_if_stopped()


def test_a_stop_ends_a_wait_for_a_function_that_never_answers(no_stops: list[int]) -> None:
    # GIVEN an emulator that takes the request and never answers
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        url = f"http://127.0.0.1:{server.getsockname()[1]}/"
        # WHEN a stop arrives (its exception lost) while the CLI waits for the answer
        threading.Timer(0.3, no_stops.append, [signal.SIGTERM]).start()
        started = time.monotonic()
        with pytest.raises(runtime.Interrupted, match="SIGTERM"):
            runtime._post(url, b"{}", timeout=600)
    # THEN the wait ends long before the function's timeout
    assert time.monotonic() - started < 60
