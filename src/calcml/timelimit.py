"""A wall-clock limit for work that can run away (SymPy's integrate, simplify).

SymPy cannot be interrupted from another thread. In the main thread on Unix
the limit is a SIGALRM timer whose handler raises a ``BaseException`` (so
SymPy's own ``except Exception`` blocks cannot swallow it); elsewhere the work
runs in a forked child process that is killed when time runs out. Either way
the caller gets :class:`calcml.errors.TimeLimitError`.
"""

from __future__ import annotations

import signal
import threading
import time
import warnings
from typing import Any, Callable

from calcml.errors import ArgumentError, ComputationError, TimeLimitError, shown

__all__ = ["run_with_time_limit"]

_NUMERIC_HINT = "try the numeric route: calcml.integral(f, a, b) for a definite integral"



class _Expired(BaseException):
    """Raised by the alarm handler. A BaseException, so SymPy's own
    ``except Exception`` blocks cannot swallow it."""


def _time_limit_error(what: str, seconds: float, hint: str | None) -> TimeLimitError:
    if hint is None:
        hint = _NUMERIC_HINT if "integra" in what else (
            "try the numeric lens (finite differences) instead, or allow more time "
            "with time_limit=...")
    return TimeLimitError(f"{what} did not finish within {seconds:.2g} s; {hint}")


def run_with_time_limit(fn: Callable, *args: Any, seconds: float | None = 5.0,
                        what: str = "symbolic integration", hint: str | None = None) -> Any:
    """Call ``fn(*args)`` and give up after `seconds` of wall-clock time.

    In the main thread on Unix a ``SIGALRM`` timer interrupts the work in
    place (the previous handler and timer are restored afterwards). Elsewhere,
    a signal cannot be delivered to the calling thread, so the work runs in a
    forked child process that is killed on expiry; its result comes back by
    pickle, so it must be picklable.

    Parameters
    ----------
    fn : callable
        The work to do.
    *args
        Positional arguments for `fn`.
    seconds : float or None
        The limit, > 0. ``None`` runs `fn` without a limit.
    what : str
        Names the work in the error message.
    hint : str, optional
        What to try instead, appended to the message.

    Raises
    ------
    TimeLimitError
        When `fn` has not returned after `seconds`.

    Examples
    --------
    >>> run_with_time_limit(sum, [1, 2, 3], seconds=1.0)
    6
    """
    _check_time_limit(seconds, "seconds")
    if seconds is None:
        return fn(*args)
    seconds = float(seconds)
    on_main = threading.current_thread() is threading.main_thread()
    if on_main and hasattr(signal, "setitimer"):
        return _run_with_alarm(fn, args, seconds, what, hint)
    import multiprocessing  # here, not at the top: the main thread never needs it (start-up time)

    if "fork" in multiprocessing.get_all_start_methods():
        return _run_in_child(fn, args, seconds, what, hint)
    warnings.warn(f"no way to enforce a time limit here; running {what} without one",
                  RuntimeWarning, stacklevel=2)
    return fn(*args)


def _check_time_limit(seconds, name: str = "time_limit") -> None:
    if seconds is None:
        return
    if isinstance(seconds, bool) or not isinstance(seconds, (int, float)) or not 0 < seconds < 1e6:
        raise ArgumentError(f"{name} must be a positive number of seconds (or None for no limit), "
                            f"got {shown(seconds)}", name)


def _run_with_alarm(fn, args, seconds, what, hint):
    armed = [False]
    previous_timer = signal.getitimer(signal.ITIMER_REAL)
    if 0 < previous_timer[0] < seconds:  # an enclosing limit ends first: keep to it
        seconds = previous_timer[0]

    def on_alarm(signum, frame):
        if armed[0]:
            raise _Expired
        if callable(previous_handler):  # not ours (yet, or any more): pass it on
            previous_handler(signum, frame)

    started = time.monotonic()
    previous_handler = signal.signal(signal.SIGALRM, on_alarm)
    try:
        try:
            armed[0] = True
            # The timer repeats every 0.25 s after the first expiry: should
            # something catch _Expired anyway (a bare except), it fires again.
            signal.setitimer(signal.ITIMER_REAL, seconds, 0.25)
            return fn(*args)
        finally:
            armed[0] = False
            signal.setitimer(signal.ITIMER_REAL, 0)
    except _Expired:
        raise _time_limit_error(what, seconds, hint) from None
    finally:
        signal.signal(signal.SIGALRM, previous_handler)
        if previous_timer[0] > 0:  # an outer limit was running: give it its remaining time
            left = previous_timer[0] - (time.monotonic() - started)
            signal.setitimer(signal.ITIMER_REAL, max(left, 1e-3), previous_timer[1])


def _child_main(conn, fn, args):
    try:
        outcome = ("ok", fn(*args))
    except BaseException as exc:  # noqa: BLE001 - everything goes back to the parent
        outcome = ("error", exc)
    try:
        conn.send(outcome)
    except Exception as exc:  # the result or the error did not pickle
        conn.send(("error", ComputationError(f"could not send the result back: {exc}")))
    conn.close()


def _run_in_child(fn, args, seconds, what, hint):
    import multiprocessing

    ctx = multiprocessing.get_context("fork")
    receiver, sender = ctx.Pipe(duplex=False)
    process = ctx.Process(target=_child_main, args=(sender, fn, args), daemon=True)
    with warnings.catch_warnings():  # Python 3.12+ warns about fork() with threads alive
        warnings.simplefilter("ignore", DeprecationWarning)
        process.start()
    sender.close()
    try:
        if not receiver.poll(seconds):
            process.kill()
            raise _time_limit_error(what, seconds, hint)
        try:
            status, payload = receiver.recv()
        except EOFError:
            raise ComputationError(f"{what} crashed in its worker process "
                                   f"(exit code {process.exitcode})") from None
    finally:
        receiver.close()
        process.join(1.0)
        if process.is_alive():
            process.kill()
            process.join()
    if status == "error":
        raise payload
    return payload
