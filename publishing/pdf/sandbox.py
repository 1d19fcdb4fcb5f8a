"""Every render runs in a child process with a memory and a wall-clock limit.

Hostile content (a table cell spanning a million columns) costs one failed
render, recorded with its reason, never the web process. A failed render is
not tried again by every request: only once its inputs change (a new
fingerprint), after PDF_RENDER_RETRY_AFTER, or by `render_pdfs`.
"""

import ctypes
import logging
import multiprocessing
import os
import resource
import shutil
import signal
import tempfile
import threading
import time
import weakref
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import TypeVar

from django.conf import settings
from django.db import connections
from django.db.backends.signals import connection_created
from django.utils.translation import gettext as _

from publishing.pdf.render import adopt_warm_fonts, warm_renderer

logger = logging.getLogger(__name__)

T = TypeVar("T")  # what a render in a child process hands back (PDF bytes, a page count)


class RenderFailed(Exception):
    """A PDF could not be rendered within the limits; `message` says why, for organisers."""

    MEMORY = "memory"
    TIME = "time"
    CRASH = "crash"
    ERROR = "error"

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail

    @property
    def message(self) -> str:
        return failure_message(self.reason, self.detail)


def failure_message(reason: str, detail: str = "") -> str:
    """Why a render failed, in the active language."""
    if reason == RenderFailed.MEMORY:
        return _("it needed more than %(limit)d MB of memory") % {"limit": settings.PDF_RENDER_MEMORY_MB}
    if reason == RenderFailed.TIME:
        return _("it took longer than %(limit)d seconds") % {"limit": settings.PDF_RENDER_TIMEOUT}
    if reason == RenderFailed.CRASH:
        return _("the renderer stopped unexpectedly")
    return _("the renderer gave up (%(detail)s)") % {"detail": detail or "?"}


# Set while the worker renders: a render that ran out of time under load is
# tried again there (never by a web process, which answers from the record).
_retrying_time_outs: ContextVar[bool] = ContextVar("retrying_time_outs", default=False)


def retrying_time_outs_active() -> bool:
    return _retrying_time_outs.get()


@contextmanager
def retrying_time_outs() -> Iterator[None]:
    token = _retrying_time_outs.set(True)
    try:
        yield
    finally:
        _retrying_time_outs.reset(token)


# True in a render's child process (nested renders run there directly).
_in_render_child = False


def in_render_child() -> bool:
    return _in_render_child


# SQLite's own rule: never carry an open database connection across fork().
# A render child is forked from one thread of a threaded server or worker;
# the connections of the other threads come along in its memory, unreachable
# once the child has only the forking thread. Left to the child's garbage
# collector, such a connection is closed there, and closing a connection
# rolls back its open transaction: SQLite played the parent's rollback
# journal back into the shared database file and deleted it, so the
# parent's COMMIT failed with "disk I/O error" (SQLITE_IOERR_DELETE_NOENT).
# So every connection of the parent is referenced (pinned) across the fork,
# never closed nor used in the child, and the child opens none of its own.
_open_wrappers: "weakref.WeakSet" = weakref.WeakSet()
_inherited_connections: list = []
_fork_lock = threading.Lock()


def _remember_wrapper(sender, connection, **kwargs) -> None:
    _open_wrappers.add(connection)


connection_created.connect(_remember_wrapper)


class DatabaseUsedInRender(RuntimeError):
    """A render child tried to reach the database (it must get everything from its parent)."""


def _refuse_connection(*args, **kwargs):
    raise DatabaseUsedInRender("a PDF render may not use the database")


# How long a child may take to hand back its result once it has said it is done.
_RESULT_GRACE_SECONDS = 5


def render_in_child(render: Callable[[], T]) -> T:
    """Run `render` in a forked child under PDF_RENDER_MEMORY_MB and PDF_RENDER_TIMEOUT.

    Forking keeps the render callable as it is (a closure over its HTML) and
    costs a few milliseconds; the parent only waits, reads the bytes and
    kills the child when time is up. `render` must not use the database.
    """
    if _in_render_child:
        return render()
    warm_renderer()
    _reap_exited()
    context = multiprocessing.get_context("fork")
    receiver, sender = context.Pipe(duplex=False)
    child = context.Process(
        target=_child_main, args=(render, sender, receiver, os.getpid()), name="collectif-pdf-render"
    )
    with _fork_lock:
        _inherited_connections[:] = [wrapper.connection for wrapper in list(_open_wrappers) if wrapper.connection]
        try:
            child.start()
        finally:
            _inherited_connections.clear()
    sender.close()
    try:
        if not receiver.poll(settings.PDF_RENDER_TIMEOUT):
            raise RenderFailed(RenderFailed.TIME)
        try:
            status, payload = receiver.recv()
        except (EOFError, OSError):
            child.join(_RESULT_GRACE_SECONDS)
            # Killed by the kernel (memory) or by a signal: no result at all.
            raise RenderFailed(RenderFailed.CRASH, f"exit code {child.exitcode}")
    except BaseException:
        receiver.close()
        _end(child)
        raise
    receiver.close()
    # The result is here: the child only has to exit (milliseconds of tearing
    # down its copy of the parent's memory), which the caller need not wait
    # for. It is reaped at the next render, or killed if it hangs on.
    with _fork_lock:
        _exiting.append((child, time.monotonic() + _EXIT_GRACE_SECONDS))
    if status != "ok":
        raise RenderFailed(status, payload)
    return payload


# Children that handed back their result and are exiting, with the time by
# which they must have exited.
_exiting: list[tuple[multiprocessing.process.BaseProcess, float]] = []
_EXIT_GRACE_SECONDS = 5


def _end(child: multiprocessing.process.BaseProcess) -> None:
    """Wait for a child to end, briefly, then kill it."""
    if child.is_alive():
        child.join(0.1 if child.exitcode is None else 0)
    if child.is_alive():
        child.kill()
    child.join()


def _reap_exited() -> None:
    """Join the exiting children that are done; kill one that hangs on."""
    with _fork_lock:
        exiting, _exiting[:] = list(_exiting), []
    still = []
    for child, deadline in exiting:
        if child.is_alive() and time.monotonic() < deadline:
            still.append((child, deadline))
        else:
            _end(child)
    with _fork_lock:
        _exiting.extend(still)


def _child_main(render: Callable[[], object], sender, receiver, parent_pid: int) -> None:
    global _in_render_child
    _in_render_child = True
    adopt_warm_fonts()
    # A child outlives no parent (a worker killed with SIGKILL left one at
    # 300 MB for ever), and holds only its own end of the pipe.
    _die_with_parent(parent_pid)
    receiver.close()
    # The parent's connections stay referenced in `_inherited_connections`
    # (copied with the memory); this thread's wrappers forget theirs and may
    # not open another.
    for wrapper in connections.all():
        wrapper.connection = None
        wrapper.connect = _refuse_connection  # type: ignore[method-assign]  # on purpose, in the child only
    # WeasyPrint keeps a font folder in the temporary directory and removes it
    # when its objects are finalised, which a child ending with os._exit never
    # does: 18,712 folders of 4.2 MB filled a disk. The child's temporary files
    # go in a folder of its own, removed before it ends.
    own_temp = tempfile.mkdtemp(prefix="collectif-render-")
    tempfile.tempdir = own_temp
    _limit_memory(settings.PDF_RENDER_MEMORY_MB)
    result: tuple[str, object]
    try:
        result = ("ok", render())
    except MemoryError:
        result = (RenderFailed.MEMORY, "")
    except BaseException as error:  # everything is reported to the parent
        result = (RenderFailed.ERROR, f"{type(error).__name__}: {str(error)[:150]}")
    finally:
        shutil.rmtree(own_temp, ignore_errors=True)
    try:
        sender.send(result)
    except MemoryError:
        sender.send((RenderFailed.MEMORY, ""))
    sender.close()


_PR_SET_PDEATHSIG = 1


def _die_with_parent(parent_pid: int) -> None:
    """Ask Linux to kill this process when its parent dies; exit now if it already has."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)  # the C library already loaded (no lookup, no subprocess)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    except (OSError, AttributeError):
        pass  # not Linux: the wall-clock limit in the parent still applies
    if os.getppid() != parent_pid:
        os._exit(1)


def _limit_memory(megabytes: int) -> None:
    """Cap the child's address space at what it inherited plus `megabytes`."""
    try:
        with open("/proc/self/statm") as statm:
            inherited = int(statm.read().split()[0]) * resource.getpagesize()
    except OSError:
        return  # not Linux: the wall-clock limit still applies
    limit = inherited + megabytes * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
