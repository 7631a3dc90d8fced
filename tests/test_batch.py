"""The batch-translation job with the tiny translator: formats, order, rejects, resume after interruption."""

import csv
import io
import json
from pathlib import Path

import pytest

from service.batch import BatchOptions, JobError, run_batch
from service.engines.base import Translator, translate_texts
from service.engines.factory import Engines
from service.errors import InvalidInput

SEGMENTS = [
    "وصل الوفد إلى القاهرة. وبدأ الاجتماع ظهرا.",
    "",
    "هل ستنجح المفاوضات؟",
    "ارتفعت أسعار النفط في الأسواق العالمية بعد قرار خفض الإنتاج.",
    "قال المتحدث إن الجولة المقبلة ستعقد الأسبوع القادم",
]


@pytest.fixture
def engines(short_engines: Engines) -> Engines:
    """The tiny models with outputs cut at 8 tokens: these tests are about records, order and files, not about how
    much is generated (the length caps have their own tests in tests/engines); full-length outputs cost seconds."""
    return short_engines


def job_translator(engines: Engines) -> Translator:
    return engines.translator


def expected(engines: Engines, texts: list[str]) -> list[str]:
    return translate_texts(engines.translator.translate_batch, texts)


def run(engines: Engines, source: Path, output: Path, **options: object) -> None:
    run_batch(BatchOptions(str(source), str(output), **options), job_translator(engines))  # type: ignore[arg-type]


def test_txt_round_trip_keeps_order_and_empty_lines(engines: Engines, tmp_path: Path) -> None:
    source = tmp_path / "in.txt"
    source.write_text("\n".join(SEGMENTS) + "\n", encoding="utf-8")
    run(engines, source, tmp_path / "out.txt", window=2, batch_tokens=16)
    lines = (tmp_path / "out.txt").read_text(encoding="utf-8").split("\n")
    assert lines[:-1] == expected(engines, SEGMENTS) and lines[-1] == ""
    assert lines[1] == ""
    assert not (tmp_path / "out.txt.partial").exists() and not (tmp_path / "out.txt.checkpoint.json").exists()


def test_jsonl_keeps_every_other_field(engines: Engines, tmp_path: Path) -> None:
    items = [{"id": i, "text": text, "meta": {"source": "wire", "n": [i]}} for i, text in enumerate(SEGMENTS)]
    source = tmp_path / "in.jsonl"
    source.write_text("\n".join(json.dumps(item, ensure_ascii=False) for item in items) + "\n", encoding="utf-8")
    run(engines, source, tmp_path / "out.jsonl", window=3)
    records = [json.loads(line) for line in (tmp_path / "out.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [{k: v for k, v in r.items() if k != "translation"} for r in records] == items
    assert [r["translation"] for r in records] == expected(engines, SEGMENTS)


@pytest.mark.parametrize(("suffix", "delimiter"), [("tsv", "\t"), ("csv", ",")])
def test_delimited_round_trip_adds_columns_and_keeps_cells(
    engines: Engines, tmp_path: Path, suffix: str, delimiter: str
) -> None:
    rows = [["id", "body", "note"]] + [[str(i), text, f"ملاحظة، {i}\nسطر"] for i, text in enumerate(SEGMENTS)]
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter, lineterminator="\n").writerows(rows)
    source = tmp_path / f"in.{suffix}"
    source.write_text(buffer.getvalue(), encoding="utf-8")
    run(engines, source, tmp_path / f"out.{suffix}", field="body")
    with (tmp_path / f"out.{suffix}").open(encoding="utf-8", newline="") as handle:
        output = list(csv.reader(handle, delimiter=delimiter))
    assert output[0] == ["id", "body", "note", "translation", "error"]
    assert [row[:3] for row in output[1:]] == rows[1:]
    assert [row[3] for row in output[1:]] == expected(engines, SEGMENTS)
    assert all(row[4] == "" for row in output[1:])


def test_bad_records_keep_their_place_and_are_listed_with_line_numbers(engines: Engines, tmp_path: Path) -> None:
    lines = [
        json.dumps({"text": SEGMENTS[0]}, ensure_ascii=False).encode(),
        b"{broken json",
        json.dumps({"title": "no text field"}).encode(),
        b'{"text": "\xff\xfe"}',
        json.dumps({"text": "أ" * 50}, ensure_ascii=False).encode(),
        json.dumps({"text": 5}).encode(),
        json.dumps({"text": SEGMENTS[2]}, ensure_ascii=False).encode(),
    ]
    source = tmp_path / "in.jsonl"
    source.write_bytes(b"\n".join(lines) + b"\n")
    stats_output = tmp_path / "out.jsonl"
    stats = run_batch(BatchOptions(str(source), str(stats_output), max_chars=45), job_translator(engines))
    records = [json.loads(line) for line in stats_output.read_text(encoding="utf-8").splitlines()]
    assert len(records) == len(lines) and stats.rejects == 5
    good = expected(engines, [SEGMENTS[0], SEGMENTS[2]])
    assert [records[0]["translation"], records[6]["translation"]] == good
    assert all(records[i]["translation"] == "" and records[i]["error"] for i in range(1, 6))
    assert records[1]["raw"] == "{broken json" and records[2]["title"] == "no text field"
    rejects = [json.loads(line) for line in (tmp_path / "out.jsonl.rejects.jsonl").read_text().splitlines()]
    assert [reject["line"] for reject in rejects] == [2, 3, 4, 5, 6]
    assert "malformed JSON" in rejects[0]["reason"] and "missing" in rejects[1]["reason"]
    assert (
        "UTF-8" in rejects[2]["reason"] and "limit" in rejects[3]["reason"] and "not a string" in rejects[4]["reason"]
    )


def test_invalid_utf8_in_a_jsonl_text_keeps_the_lines_other_fields(engines: Engines, tmp_path: Path) -> None:
    source = tmp_path / "in.jsonl"
    lines = [
        b'{"id": 7, "text": "\xd9\x86\xff", "tags": ["a"]}',
        b'{"id": 8, "note": "\xff", "text": "' + "وصل الوفد.".encode() + b'"}',
    ]
    source.write_bytes(b"\n".join(lines) + b"\n")
    stats = run_batch(BatchOptions(str(source), str(tmp_path / "out.jsonl")), job_translator(engines))
    first, second = [json.loads(line) for line in (tmp_path / "out.jsonl").read_text(encoding="utf-8").splitlines()]
    assert stats.rejects == 1
    assert first == {
        "id": 7,
        "text": "ن\ufffd",
        "tags": ["a"],
        "translation": "",
        "error": "invalid UTF-8 at byte 21, in field 'text'",
    }
    # Bytes that are not UTF-8 outside the text do not stop its translation.
    assert second["id"] == 8 and second["note"] == "\ufffd" and "error" not in second
    assert second["translation"] == expected(engines, ["وصل الوفد."])[0]


def test_invalid_utf8_in_csv_is_rejected_and_written_back_unchanged(engines: Engines, tmp_path: Path) -> None:
    source = tmp_path / "in.csv"
    source.write_bytes(b"text,id\n" + b"\xffbad,1\n" + f"{SEGMENTS[2]},2\n".encode())
    stats = run_batch(BatchOptions(str(source), str(tmp_path / "out.csv")), job_translator(engines))
    output = (tmp_path / "out.csv").read_bytes().split(b"\n")
    assert stats.rejects == 1
    assert output[1] == b"\xffbad,1,,invalid UTF-8"
    assert output[2].decode().startswith(f"{SEGMENTS[2]},2,")


def test_missing_csv_column_fails_the_job(engines: Engines, tmp_path: Path) -> None:
    source = tmp_path / "in.csv"
    source.write_text("id,body\n1,نص\n", encoding="utf-8")
    with pytest.raises(InvalidInput, match="no column 'text'"):
        run_batch(BatchOptions(str(source), str(tmp_path / "out.csv")), job_translator(engines))


def test_finished_output_is_never_overwritten_without_force(engines: Engines, tmp_path: Path) -> None:
    source = tmp_path / "in.txt"
    source.write_text(SEGMENTS[0] + "\n", encoding="utf-8")
    output = tmp_path / "out.txt"
    output.write_text("precious\n", encoding="utf-8")
    with pytest.raises(JobError, match="--force"):
        run(engines, source, output)
    assert output.read_text(encoding="utf-8") == "precious\n"
    run(engines, source, output, force=True)
    assert output.read_text(encoding="utf-8") == expected(engines, [SEGMENTS[0]])[0] + "\n"


class Interrupted(Exception):
    pass


@pytest.mark.slow
def test_interrupted_job_resumes_to_identical_output_even_with_another_window(engines: Engines, tmp_path: Path) -> None:
    segments = [f"{text} ({i})" if text else "" for i, text in enumerate(SEGMENTS * 6)]
    source = tmp_path / "in.txt"
    source.write_text("\n".join(segments) + "\n", encoding="utf-8")
    reference = tmp_path / "reference.txt"
    run(engines, source, reference, window=4)

    class FailsOnFourthBatch:
        """The session's translator, whose fourth batch is interrupted."""

        def __init__(self, inner: Translator) -> None:
            self.inner = inner
            self.calls = 0

        def __getattr__(self, name: str) -> object:
            return getattr(self.inner, name)

        def translate_batch(self, sentences: list[str]) -> list[str]:
            self.calls += 1
            if self.calls == 4:
                raise Interrupted
            return self.inner.translate_batch(sentences)

    output = tmp_path / "out.txt"
    with pytest.raises(Interrupted):
        run_batch(
            BatchOptions(str(source), str(output), window=4),
            FailsOnFourthBatch(job_translator(engines)),  # type: ignore[arg-type]
        )
    checkpoint = json.loads((tmp_path / "out.txt.checkpoint.json").read_text())
    assert 0 < checkpoint["records_done"] < len(segments)
    # Garbage after the checkpoint, as a kill in the middle of a write would leave it.
    with (tmp_path / "out.txt.partial").open("ab") as partial:
        partial.write("نصف سطر".encode())
    run(engines, source, output, window=7)
    assert output.read_bytes() == reference.read_bytes()


def test_checkpoint_of_another_job_is_refused(engines: Engines, tmp_path: Path) -> None:
    source = tmp_path / "in.txt"
    source.write_text("\n".join(SEGMENTS) + "\n", encoding="utf-8")
    output = tmp_path / "out.txt"
    (tmp_path / "out.txt.partial").write_bytes(b"")
    (tmp_path / "out.txt.checkpoint.json").write_text(
        json.dumps({"fingerprint": {"input": "other"}, "records_done": 1, "output_bytes": 0, "rejects_bytes": 0,
                    "stats": {}})
    )  # fmt: skip
    with pytest.raises(JobError, match="different job"):
        run(engines, source, output)
