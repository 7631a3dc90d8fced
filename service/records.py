"""Record formats of `khulasa translate-batch`: .txt lines, .jsonl objects, .tsv/.csv rows.

Every input record yields exactly one output record in the same place. A record that cannot be translated
(invalid UTF-8, malformed JSON, a missing field, over the length limit) keeps its place with an empty translation
and its error, so nothing the user sent is dropped.
"""

import csv
import io
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO, Any

from service.errors import InvalidInput

TRANSLATION = "translation"
ERROR = "error"
_ESCAPED_BYTES = re.compile("[\udc80-\udcff]")  # undecodable bytes under errors="surrogateescape"


@dataclass
class Record:
    """One input record. `text is None` means rejected, with `error` saying why."""

    line: int
    text: str | None
    error: str | None = None
    payload: Any = None


class RecordFormat:
    """Reads records from a binary stream and renders each with its translation as one output record."""

    name = "txt"

    def __init__(self, field: str = "text", max_chars: int = 10_000) -> None:
        self.field = field
        self.max_chars = max_chars

    def header(self) -> bytes:
        """Bytes to write before the first record (known once `read` has started)."""
        return b""

    def checked(self, line: int, text: str, payload: Any = None) -> Record:
        if len(text) > self.max_chars:
            return Record(line, None, f"{len(text)} characters, over the limit of {self.max_chars}", payload)
        return Record(line, text, payload=payload)

    def read(self, stream: IO[bytes]) -> Iterator[Record]:
        for number, raw in enumerate(stream, start=1):
            try:
                text = raw.rstrip(b"\r\n").decode("utf-8")
            except UnicodeDecodeError as error:
                yield Record(number, None, f"invalid UTF-8 at byte {error.start}")
                continue
            yield self.checked(number, text)

    def render(self, record: Record, translation: str) -> bytes:
        # One line in, one line out: a translation never brings its own line breaks.
        return " ".join(translation.split()).encode() + b"\n"


class JsonlFormat(RecordFormat):
    name = "jsonl"

    def read(self, stream: IO[bytes]) -> Iterator[Record]:
        for number, raw in enumerate(stream, start=1):
            if not raw.strip():
                yield Record(number, "", payload=None)
                continue
            yield self._parse(number, raw)

    def _parse(self, number: int, raw: bytes) -> Record:
        try:
            item = json.loads(raw.decode("utf-8"))
        except UnicodeDecodeError as error:
            return self._parse_undecodable(number, raw, error.start)
        except json.JSONDecodeError as error:
            return Record(number, None, f"malformed JSON: {error.msg} at column {error.colno}", raw.decode().strip())
        if not isinstance(item, dict):
            return Record(number, None, "not a JSON object", item)
        if TRANSLATION in item:
            return Record(number, None, f"already has a {TRANSLATION!r} field, which the output would replace", item)
        if not isinstance(item.get(self.field), str):
            problem = "missing" if self.field not in item else "not a string"
            return Record(number, None, f"field {self.field!r} is {problem}", item)
        return self.checked(number, item[self.field], item)

    def _parse_undecodable(self, number: int, raw: bytes, at: int) -> Record:
        """A line with bytes that are not UTF-8: when it is still a JSON object, its fields are kept (undecodable
        bytes shown as U+FFFD) and only a text field holding such bytes is refused."""
        try:
            item = json.loads(raw.decode("utf-8", "surrogateescape"))
        except json.JSONDecodeError:
            item = None
        if not isinstance(item, dict):
            return Record(number, None, f"invalid UTF-8 at byte {at}", raw.decode("utf-8", "replace"))
        text = item.get(self.field)
        cleaned = _replace_escaped(item)
        if isinstance(text, str) and _ESCAPED_BYTES.search(text):
            return Record(number, None, f"invalid UTF-8 at byte {at}, in field {self.field!r}", cleaned)
        return self._parse(number, json.dumps(cleaned, ensure_ascii=False).encode())

    def render(self, record: Record, translation: str) -> bytes:
        if record.payload is None and record.error is None:
            return b"\n"  # a blank input line stays a blank line
        item = dict(record.payload) if isinstance(record.payload, dict) else {"raw": record.payload}
        item[TRANSLATION] = translation
        if record.error is not None:
            item[ERROR] = record.error
        return json.dumps(item, ensure_ascii=False).encode() + b"\n"


def _replace_escaped(value: Any) -> Any:
    """`value` (parsed JSON) with each undecodable byte, kept by surrogateescape, shown as U+FFFD."""
    if isinstance(value, str):
        return _ESCAPED_BYTES.sub("\ufffd", value)
    if isinstance(value, list):
        return [_replace_escaped(member) for member in value]
    if isinstance(value, dict):
        return {_replace_escaped(key): _replace_escaped(member) for key, member in value.items()}
    return value


class DelimitedFormat(RecordFormat):
    """CSV or TSV with a header row; the output adds `translation` and `error` columns."""

    def __init__(self, delimiter: str, field: str = "text", max_chars: int = 10_000) -> None:
        super().__init__(field, max_chars)
        self.delimiter = delimiter
        self.name = "tsv" if delimiter == "\t" else "csv"
        self._columns: list[str] = []

    def _row_bytes(self, row: list[str]) -> bytes:
        buffer = io.StringIO()
        csv.writer(buffer, delimiter=self.delimiter, lineterminator="\n").writerow(row)
        # surrogateescape writes undecodable input bytes back exactly as they came.
        return buffer.getvalue().encode("utf-8", "surrogateescape")

    def header(self) -> bytes:
        return self._row_bytes([*self._columns, TRANSLATION, ERROR])

    def read(self, stream: IO[bytes]) -> Iterator[Record]:
        text = io.TextIOWrapper(stream, encoding="utf-8", errors="surrogateescape", newline="")
        reader = csv.reader(text, delimiter=self.delimiter)
        self._columns = next(reader, [])
        if self.field not in self._columns:
            raise InvalidInput(f"no column {self.field!r} in the header (columns: {', '.join(self._columns)})")
        if TRANSLATION in self._columns or ERROR in self._columns:
            raise InvalidInput(f"the header already has a {TRANSLATION!r} or {ERROR!r} column")
        position = self._columns.index(self.field)
        start = reader.line_num + 1
        for row in reader:
            yield self._check_row(start, row, position)
            start = reader.line_num + 1

    def _check_row(self, line: int, row: list[str], position: int) -> Record:
        if len(row) != len(self._columns):
            return Record(line, None, f"{len(row)} columns where the header has {len(self._columns)}", row)
        if any(_ESCAPED_BYTES.search(cell) for cell in row):
            return Record(line, None, "invalid UTF-8", row)
        return self.checked(line, row[position], row)

    def render(self, record: Record, translation: str) -> bytes:
        return self._row_bytes([*record.payload, translation, record.error or ""])


def record_format(path: str, explicit: str | None, field: str, max_chars: int) -> RecordFormat:
    """The format named by `explicit`, or by the file's extension; standard input ("-") defaults to txt."""
    name = explicit or (path.rsplit(".", 1)[-1].lower() if "." in path and path != "-" else "txt")
    if name == "txt":
        return RecordFormat(field, max_chars)
    if name == "jsonl":
        return JsonlFormat(field, max_chars)
    if name in ("tsv", "csv"):
        return DelimitedFormat("\t" if name == "tsv" else ",", field, max_chars)
    raise InvalidInput(f"unknown input format {name!r}: use .txt, .jsonl, .tsv or .csv, or --format")
