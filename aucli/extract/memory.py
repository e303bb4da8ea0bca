"""Keep memory flat in video length.

Two glibc behaviours made peak RSS grow with the number of frames:
- glibc raises its mmap threshold each time a large block (a decoded frame, an aligned crop) is
  freed, after which such blocks come from the heap, which fragments and never shrinks
  (measured: 0.66 GB for 472 frames, 2.9 GB for 4,720). Pinning the threshold keeps every
  frame-sized block in its own mapping, returned on free.
- with the decoder, MediaPipe's and the prefetch threads each on its own malloc arena, blocks
  freed by another thread than the one that allocated them fragment the arenas; some runs of
  the same 4,720-frame video then peaked at 1.2 GB, others at 0.55 GB. One arena makes runs
  repeatable (0.62-0.66 GB) at no measurable speed cost (the threads mostly wait on each other).
  glibc reads ``MALLOC_ARENA_MAX`` only when a process starts, and threads started by imports
  already hold arenas, so the ``aucli`` command restarts itself once with it set
  (:func:`restart_with_one_arena`); worker processes inherit it.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import os
import sys

M_MMAP_THRESHOLD = -3
M_ARENA_MAX = -8


@functools.cache
def pin_mmap_threshold(size: int = 128 * 1024, arenas: int = 1) -> bool:
    """Fix glibc's mmap threshold at ``size`` bytes and its arena count at ``arenas``.

    Call it before the threads of a run start. False where libc has no mallopt (not glibc).
    """
    name = ctypes.util.find_library("c")
    try:
        libc = ctypes.CDLL(name)
        return bool(libc.mallopt(M_MMAP_THRESHOLD, size)) and bool(libc.mallopt(M_ARENA_MAX, arenas))
    except (OSError, AttributeError, TypeError):
        return False


ARENA_ENV = "MALLOC_ARENA_MAX"


def restart_with_one_arena(args: list[str]) -> None:
    """Re-execute ``python args...`` with ``MALLOC_ARENA_MAX=1`` unless it is already set.

    Linux (glibc) only; elsewhere, or when the variable is set (by the user or by the first
    start), it returns and the command runs in this process.
    """
    if os.environ.get(ARENA_ENV) or not sys.platform.startswith("linux"):
        return
    os.environ[ARENA_ENV] = "1"
    sys.stdout.flush()
    sys.stderr.flush()
    os.execv(sys.executable, [sys.executable, *args])
