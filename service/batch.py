"""The resumable batch-translation job behind `khulasa translate-batch`.

Records are read a window at a time; the window's sentences are translated in length-sorted batches within a
token budget; the window's output is appended in input order, flushed to disk, and only then recorded in a small
checkpoint beside the output. After a kill at any moment, running the same job again truncates the output to the
last checkpoint and carries on, so the finished file holds every input record exactly once, in order.
"""

import json
import logging
import os
import sys
import time
from collections import deque
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from itertools import islice
from pathlib import Path
from typing import IO, Any, Protocol, runtime_checkable

from service.engines.base import Translator, translate_texts
from service.engines.batching import run_in_batches
from service.errors import KhulasaError
from service.progress import Progress
from service.records import Record, RecordFormat, record_format

log = logging.getLogger(__name__)


class JobError(KhulasaError):
    """The job itself cannot run or go on (exit status 1)."""

    code = "job_error"


# Source tokens per generate call. On 2 CPU cores with beam 4 and a 61k vocabulary, 512 ran fastest of 256-4096
# (benchmarks/translate_throughput.py): larger batches spend their time on beam bookkeeping over the vocabulary.
# The CUDA figure is a starting point that has not been measured here.
CPU_BATCH_TOKENS = 512
CUDA_BATCH_TOKENS = 16_384


def default_batch_tokens(device: str) -> int:
    """Source tokens per generate call for a device such as "cpu", "cuda" or "cuda:1"."""
    return CUDA_BATCH_TOKENS if device.split(":")[0] == "cuda" else CPU_BATCH_TOKENS


@dataclass
class BatchOptions:
    input: str
    output: str
    format: str | None = None
    field: str = "text"
    batch_tokens: int | None = None  # None: default_batch_tokens of the translator's device
    window: int = 512
    max_chars: int = 10_000
    force: bool = False


@dataclass
class BatchStats:
    segments: int = 0
    sentences: int = 0
    source_tokens: int = 0
    rejects: int = 0
    seconds: float = 0.0

    def line(self) -> str:
        rate = self.segments / self.seconds if self.seconds else 0.0
        return (
            f"{self.segments} segments, {self.sentences} sentences, {self.source_tokens} source tokens in "
            f"{self.seconds:.1f} s ({rate:.1f} segments/s); {self.rejects} rejected"
        )


@dataclass
class Checkpoint:
    fingerprint: dict[str, Any]
    records_done: int = 0
    output_bytes: int = 0
    rejects_bytes: int = 0
    stats: BatchStats = field(default_factory=BatchStats)


# What of a translator's `describe()` decides its output: a checkpoint made with other values is not resumed.
_IDENTITY = ("id", "revision", "generation", "quantization", "max_input_tokens")


def translator_identity(translator: "Translator | WindowTranslator") -> dict[str, Any]:
    """The part of `translator.describe()` that a resumed job must find unchanged."""
    described = translator.describe()
    return {key: described[key] for key in _IDENTITY if key in described}


def _paths(output: str) -> tuple[Path, Path, Path]:
    final = Path(output)
    return (
        final.with_name(final.name + ".partial"),
        final.with_name(final.name + ".checkpoint.json"),
        final.with_name(final.name + ".rejects.jsonl"),
    )


def _fingerprint(options: BatchOptions, fmt: RecordFormat, translator: "WindowTranslator") -> dict[str, Any]:
    stat = Path(options.input).stat()
    return {
        "input": str(Path(options.input).resolve()),
        "input_bytes": stat.st_size,
        "input_mtime_ns": stat.st_mtime_ns,
        "format": fmt.name,
        "field": options.field,
        "max_chars": options.max_chars,
        "translator": translator_identity(translator),
    }


def _save(checkpoint: Checkpoint, path: Path) -> None:
    temporary = path.with_name(path.name + ".tmp")
    with temporary.open("w", encoding="utf-8") as handle:
        json.dump(asdict(checkpoint), handle)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, path)


def _load(path: Path) -> Checkpoint | None:
    if not path.is_file():
        return None
    raw = json.loads(path.read_text(encoding="utf-8"))
    return Checkpoint(**{**raw, "stats": BatchStats(**raw["stats"])})


def _resume_point(options: BatchOptions, fingerprint: dict[str, Any], resumable: bool) -> Checkpoint:
    """Where to start: a fresh checkpoint, or the one a killed run of the same job left behind."""
    if options.output == "-":
        return Checkpoint(fingerprint)
    partial, checkpoint_path, _ = _paths(options.output)
    if Path(options.output).exists() and not options.force:
        raise JobError(f"{options.output} already exists and is finished; pass --force to translate again")
    checkpoint = _load(checkpoint_path) if resumable and not options.force else None
    if checkpoint is not None and checkpoint.fingerprint != fingerprint:
        raise JobError(f"{checkpoint_path} belongs to a different job (input or options changed); --force starts over")
    if checkpoint is None or not partial.exists():
        return Checkpoint(fingerprint)
    log.info("resuming after %d records", checkpoint.records_done)
    return checkpoint


def _windows(records: Iterator[Record], size: int) -> Iterator[list[Record]]:
    while window := list(islice(records, size)):
        yield window


class _Sink:
    """Where output goes: a file written through `.partial` plus checkpoint and rejects file, or stdout."""

    def __init__(self, options: BatchOptions, checkpoint: Checkpoint) -> None:
        self.checkpoint = checkpoint
        self.to_stdout = options.output == "-"
        self.resumable = not self.to_stdout and options.input != "-"
        self.final = Path(options.output)
        self.partial, self.checkpoint_path, self.rejects_path = _paths(options.output)
        self.out: IO[bytes] = (
            sys.stdout.buffer if self.to_stdout else self._reopen(self.partial, checkpoint.output_bytes)
        )
        self.rejects: IO[bytes] | None = None
        if not self.to_stdout:
            self.rejects = self._reopen(self.rejects_path, checkpoint.rejects_bytes)

    @staticmethod
    def _reopen(path: Path, keep: int) -> IO[bytes]:
        # Whatever was written after the last checkpoint (a partial line included) is cut off here.
        handle = path.open("r+b" if path.exists() else "w+b")
        handle.truncate(keep)
        handle.seek(keep)
        return handle

    def write(self, data: bytes) -> None:
        self.out.write(data)

    def reject(self, record: Record) -> None:
        line = json.dumps({"line": record.line, "reason": record.error}, ensure_ascii=False)
        if self.rejects is None:
            log.warning("line %d rejected: %s", record.line, record.error)
        else:
            self.rejects.write(line.encode() + b"\n")

    def commit(self, records_done: int, stats: BatchStats) -> None:
        self.out.flush()
        if not self.resumable or self.rejects is None:
            return
        self.rejects.flush()
        for handle in (self.out, self.rejects):
            os.fsync(handle.fileno())
        self.checkpoint.records_done = records_done
        self.checkpoint.output_bytes = self.out.tell()
        self.checkpoint.rejects_bytes = self.rejects.tell()
        self.checkpoint.stats = stats
        _save(self.checkpoint, self.checkpoint_path)

    def finish(self, rejects: int) -> None:
        if self.to_stdout or self.rejects is None:
            return
        self.out.close()
        self.rejects.close()
        os.replace(self.partial, self.final)
        self.checkpoint_path.unlink(missing_ok=True)
        if rejects == 0:
            self.rejects_path.unlink(missing_ok=True)


def _open_input(path: str) -> IO[bytes]:
    try:
        return sys.stdin.buffer if path == "-" else Path(path).open("rb")
    except OSError as error:
        raise JobError(f"cannot read {path}: {error.strerror or error}") from error


def _count_records(path: str, fmt: RecordFormat) -> int | None:
    """Lines in the input (less the header row for CSV/TSV): the progress bar's total."""
    if path == "-":
        return None
    with Path(path).open("rb") as handle:
        lines = sum(chunk.count(b"\n") for chunk in iter(lambda: handle.read(1 << 20), b""))
        handle.seek(max(0, handle.seek(0, os.SEEK_END) - 1))
        lines += handle.read(1) not in (b"\n", b"")
    return max(0, lines - (1 if fmt.name in ("csv", "tsv") else 0))


def preflight(options: BatchOptions) -> None:
    """The checks that need no model: known format, readable input, no finished output in the way.

    Run before loading a model so a mistake costs a second, not a model load. Raises JobError or InvalidInput.
    """
    record_format(options.input, options.format, options.field, options.max_chars)
    if options.input != "-" and not Path(options.input).is_file():
        raise JobError(f"cannot read {options.input}: no such file")
    if options.output != "-" and Path(options.output).exists() and not options.force:
        raise JobError(f"{options.output} already exists and is finished; pass --force to translate again")


@dataclass
class WindowResult:
    """One window's translations (one per accepted record, in order) and what producing them counted."""

    english: list[str]
    sentences: int = 0
    source_tokens: int = 0


def translate_window(translator: Translator, texts: list[str], batch_tokens: int) -> WindowResult:
    """Translate one window's texts sentence by sentence, in length-sorted batches of at most `batch_tokens`.

    Every window is batched on its own, wherever it runs, so int8 results do not depend on which worker ran it.
    """
    result = WindowResult([])

    def counted(sentences: list[str]) -> list[str]:
        lengths = translator.count_tokens(sentences)  # once, for both the statistics and the batch plan
        result.sentences += len(sentences)
        result.source_tokens += sum(lengths)
        return run_in_batches(translator.translate_batch, sentences, lengths, batch_tokens)

    result.english = translate_texts(counted, texts)
    return result


@runtime_checkable
class WindowTranslator(Protocol):
    """Translates windows, perhaps several at once elsewhere (service.scale), handing results back in input order."""

    def describe(self) -> dict[str, Any]:
        """The translator's describe(): the checkpoint is keyed by it."""
        ...

    def translate_windows(self, windows: Iterator[list[str]], batch_tokens: int) -> Iterator[WindowResult]:
        """One WindowResult per window, in the order the windows came; may read ahead of what it has yielded."""
        ...


class LocalWindows:
    """Windows translated one after another in this process."""

    def __init__(self, translator: Translator) -> None:
        self.translator = translator

    def describe(self) -> dict[str, Any]:
        return self.translator.describe()

    def translate_windows(self, windows: Iterator[list[str]], batch_tokens: int) -> Iterator[WindowResult]:
        for texts in windows:
            yield translate_window(self.translator, texts, batch_tokens)


def run_batch(options: BatchOptions, translator: Translator | WindowTranslator) -> BatchStats:
    """Translate `options.input` into `options.output`; see the module docstring. Raises JobError or InvalidInput.

    `translator`: an engine (windows run here, one by one) or a WindowTranslator such as the Ray actor pool; either
    way the output, rejects and checkpoints are written here, in input order.
    """
    pool = translator if isinstance(translator, WindowTranslator) else LocalWindows(translator)
    fmt = record_format(options.input, options.format, options.field, options.max_chars)
    resumable = options.input != "-" and options.output != "-"
    fingerprint = _fingerprint(options, fmt, pool) if resumable else {}
    checkpoint = _resume_point(options, fingerprint, resumable)
    stats = checkpoint.stats
    started = time.perf_counter() - stats.seconds
    done = checkpoint.records_done
    with _open_input(options.input) as stream:
        # Records finished before an interruption are read again (cheap) and skipped, whatever the window size.
        windows = _windows(islice(fmt.read(stream), done, None), options.window)
        first = next(windows, [])  # starts the reader: CSV/TSV headers are known from here on
        sink = _Sink(options, checkpoint)
        if checkpoint.output_bytes == 0:
            sink.write(fmt.header())
        progress = Progress(_count_records(options.input, fmt), done=done)
        # Windows read ahead by the pool wait here for their results, which come back in the same order.
        read_ahead: deque[list[Record]] = deque()

        def texts_of_windows() -> Iterator[list[str]]:
            for window in _chain_first(first, windows):
                read_ahead.append(window)
                yield [record.text for record in window if record.text is not None]

        batch_tokens = options.batch_tokens or CPU_BATCH_TOKENS
        for result in pool.translate_windows(texts_of_windows(), batch_tokens):
            window = read_ahead.popleft()
            _write_window(window, result, fmt, sink, stats)
            done += len(window)
            stats.seconds = time.perf_counter() - started
            sink.commit(done, stats)
            progress.advance(len(window))
        progress.close()
    sink.finish(stats.rejects)
    return stats


def _chain_first(first: list[Record], rest: Iterator[list[Record]]) -> Iterator[list[Record]]:
    if first:
        yield first
    yield from rest


def _write_window(
    window: list[Record], result: WindowResult, fmt: RecordFormat, sink: _Sink, stats: BatchStats
) -> None:
    english = iter(result.english)
    for record in window:
        if record.text is None:
            stats.rejects += 1
            sink.reject(record)
            sink.write(fmt.render(record, ""))
        else:
            sink.write(fmt.render(record, next(english)))
    stats.segments += len(window)
    stats.sentences += result.sentences
    stats.source_tokens += result.source_tokens
