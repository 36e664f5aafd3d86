"""Live reload of the knowledge base: a running bot picks up saved changes within seconds.

Files are polled (no watcher dependency, works on any file system and in containers) and
SIGHUP forces a check. The new content is loaded and, when example phrases changed, the NLU
retrained, off the event loop; then both are swapped in at once. An invalid or half-written
file leaves the previous version serving, and the problems are logged. Editors' lock files and
backups are not content (``knowledge_base.source.is_content_file``), and no error ends the loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import signal
from collections.abc import Callable, Sequence
from pathlib import Path

from bots.shared.stopping import Stopping
from dialogs.engine import DialogEngine
from dialogs.ports import IntentClassifier, KnowledgeBase
from knowledge_base.errors import KnowledgeBaseError
from knowledge_base.source import content_files

log = logging.getLogger("lifebot.reload")
Build = Callable[[], tuple[KnowledgeBase, IntentClassifier]]


def fingerprint(folders: Sequence[Path]) -> str:
    """What the files are, by name, size and time of change: a look every two seconds must
    not read the whole content (saving a file changes its time)."""
    digest = hashlib.sha256()
    for folder in folders:
        for path in content_files(folder, "*.y*ml", recursive=True):
            with contextlib.suppress(OSError):  # a file being replaced right now
                seen = path.stat()
                digest.update(f"{path}\0{seen.st_size}\0{seen.st_mtime_ns}\0".encode())
    return digest.hexdigest()


class KnowledgeReloader:
    def __init__(
        self, engine: DialogEngine, build: Build, folders: Sequence[Path], every: float = 2.0
    ) -> None:
        self._engine = engine
        self._build = build
        self._folders = tuple(folders)
        self._every = every
        self._seen = fingerprint(self._folders)
        self._forced = asyncio.Event()
        self.reloads = 0
        self.failures = 0

    def listen_for_sighup(self) -> None:
        with contextlib.suppress(NotImplementedError, RuntimeError):  # not on every platform
            asyncio.get_running_loop().add_signal_handler(signal.SIGHUP, self._forced.set)

    async def run(self, stopping: Stopping | None = None) -> None:
        """Until ``stopping``: every ``every`` seconds, or at once on SIGHUP."""
        stopping = stopping or Stopping()
        while await stopping.pause(self._every, wake=self._forced):
            forced = self._forced.is_set()
            self._forced.clear()
            try:
                await self.check(forced=forced)
            except Exception:  # the loop must outlive any one bad reload
                self.failures += 1
                log.exception(
                    "knowledge base reload failed; the previous version keeps serving until "
                    "the next change or SIGHUP"
                )

    async def check(self, *, forced: bool = False) -> bool:
        """Reload if the files changed (or when forced); True if a new version is serving."""
        current = await asyncio.to_thread(fingerprint, self._folders)
        if current == self._seen and not forced:
            return False
        self._seen = current
        try:
            knowledge, classifier = await asyncio.to_thread(self._build)
        except KnowledgeBaseError as error:
            self.failures += 1
            log.error(
                "knowledge base not reloaded, the previous version keeps serving:\n%s",
                "\n".join(error.problems),
            )
            return False
        self._engine.swap(knowledge, classifier)
        self.reloads += 1
        log.warning("knowledge base reloaded (version %s)", getattr(knowledge, "version", "?"))
        return True
