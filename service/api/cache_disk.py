"""The answer cache's disk tier: one file per answer in a directory, bounded in bytes, surviving restarts.

Each file is written whole to a temporary name and renamed into place, so a reader never sees half an answer;
a file whose checksum does not match (a crash mid-rename on an odd filesystem, a disk error, someone editing it)
is removed and read as absent. Blocking: the in-memory tier calls it from a worker thread.
"""

import hashlib
import logging
import os
import re
import threading
import time
from pathlib import Path

log = logging.getLogger(__name__)

_MAGIC = b"khulasa-answer 1\n"
_DIGEST_BYTES = 64  # sha256 in hex
_NAME = re.compile(r"[0-9a-f]{64}")
_SUFFIX = ".answer"


class DiskTier:
    """Answers under `directory`, at most `max_bytes` of them; the least recently used go first.

    Keys are 64 hex digits (the cache's sha256 keys), so they are safe file names. The index of what is there is
    read once, by `open()`, and kept in memory; several servers sharing one directory each keep their own bound.
    """

    def __init__(self, directory: Path, max_bytes: int) -> None:
        self.directory = directory
        self.max_bytes = max_bytes
        self._lock = threading.Lock()
        self._used: dict[str, tuple[int, float]] = {}  # key -> (bytes on disk, last used)

    @property
    def size(self) -> int:
        return sum(size for size, _ in self._used.values())

    def open(self) -> None:
        """Create the directory, drop temporary files a crash left behind, and index the answers there."""
        self.directory.mkdir(parents=True, exist_ok=True)
        with self._lock:
            for path in self.directory.iterdir():
                if path.name.endswith(".tmp"):
                    path.unlink(missing_ok=True)
                elif path.suffix == _SUFFIX and _NAME.fullmatch(path.stem):
                    stat = path.stat()
                    self._used[path.stem] = (stat.st_size, stat.st_mtime)
            self._evict()

    def read(self, key: str) -> bytes | None:
        """The answer stored under `key`, or None when there is none or it is damaged (then it is removed)."""
        path = self._path(key)
        try:
            stored = path.read_bytes()
        except OSError:
            return None
        body = _verified(stored)
        with self._lock:
            if body is None:
                log.warning("answer cache: %s is damaged; removed", path.name)
                path.unlink(missing_ok=True)
                self._used.pop(key, None)
                return None
            self._used[key] = (len(stored), time.time())
        return body

    def write(self, key: str, body: bytes) -> None:
        """Store `body` under `key` atomically; an answer larger than the whole bound is not stored."""
        stored = _MAGIC + hashlib.sha256(body).hexdigest().encode() + b"\n" + body
        if len(stored) > self.max_bytes:
            return
        temporary = self.directory / f".{key}.{threading.get_ident()}.tmp"
        try:
            with temporary.open("wb") as handle:
                handle.write(stored)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(temporary, self._path(key))
        except OSError as error:
            # A full or read-only disk costs the cache an entry, never the request its answer.
            log.warning("answer cache: could not write %s: %s", key, error)
            temporary.unlink(missing_ok=True)
            return
        with self._lock:
            self._used[key] = (len(stored), time.time())
            self._evict()

    def _path(self, key: str) -> Path:
        if not _NAME.fullmatch(key):
            raise ValueError("cache keys are sha256 digests in hex")
        return self.directory / f"{key}{_SUFFIX}"

    def _evict(self) -> None:
        total = self.size
        for key, (size, _) in sorted(self._used.items(), key=lambda item: item[1][1]):
            if total <= self.max_bytes:
                break
            self._path(key).unlink(missing_ok=True)
            del self._used[key]
            total -= size


def _verified(stored: bytes) -> bytes | None:
    if not stored.startswith(_MAGIC):
        return None
    header_end = len(_MAGIC) + _DIGEST_BYTES
    digest, body = stored[len(_MAGIC) : header_end], stored[header_end + 1 :]
    if stored[header_end : header_end + 1] != b"\n" or hashlib.sha256(body).hexdigest().encode() != digest:
        return None
    return body
