"""benchmarks/segmentation.py's command line on tiny data sets written here: formats, outputs and errors."""

import json
from pathlib import Path
from typing import Any

import pytest

from benchmarks import natural, segmentation
from tests.benchmarks.segmentation_documents import ONE_STORY_ROWS, TWO_STORY_ROWS, natural_document, synthetic_document


def write_set(path: Path, documents: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(document, ensure_ascii=False) + "\n" for document in documents), "utf-8")
    return path


@pytest.fixture
def quiet_cli(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """Results go to a temporary folder, and the test process is never pinned to one CPU."""
    monkeypatch.setattr(segmentation, "RESULTS", tmp_path / "results")
    monkeypatch.setattr(segmentation, "pin_to_one_core", lambda: None)
    return tmp_path


def test_cli_scores_each_named_set_in_its_own_format(quiet_cli: Path, capsys: pytest.CaptureFixture[str]) -> None:
    real = write_set(
        quiet_cli / "real.jsonl",
        [natural_document("multi", TWO_STORY_ROWS), natural_document("single", ONE_STORY_ROWS)],
    )
    joined = write_set(quiet_cli / "joined.jsonl", [synthetic_document()])
    assert segmentation.main([str(real), str(joined)]) == 0
    printed = capsys.readouterr().out
    assert printed.index("=== real.jsonl (real articles") < printed.index("cleaning, all 2 articles:")
    assert printed.index("cleaning, all 2 articles:") < printed.index("=== joined.jsonl (synthetic")
    real_report = json.loads((quiet_cli / "results" / "segmentation-real.json").read_text("utf-8"))
    joined_report = json.loads((quiet_cli / "results" / "segmentation-joined.json").read_text("utf-8"))
    assert (real_report["format"], real_report["protocol"]) == ("natural", natural.PROTOCOL)
    assert real_report["kinds"] == {"multi": 1, "single": 1}
    assert (joined_report["format"], joined_report["protocol"]) == ("synthetic", segmentation.PROTOCOL)
    assert set(joined_report["results"]["system"]) == {"mixed", "same", "all"}
    assert "long_article" in real_report["speed"] and "long_article" in joined_report["speed"]


def test_cli_out_names_the_json_of_one_set(quiet_cli: Path) -> None:
    real = write_set(quiet_cli / "real.jsonl", [natural_document("multi", TWO_STORY_ROWS)])
    assert segmentation.main([str(real), "--out", str(quiet_cli / "mine.json")]) == 0
    assert json.loads((quiet_cli / "mine.json").read_text("utf-8"))["dataset"] == str(real)


def test_cli_out_with_two_sets_is_a_usage_error(quiet_cli: Path) -> None:
    with pytest.raises(SystemExit) as exit_info:
        segmentation.main(["a.jsonl", "b.jsonl", "--out", str(quiet_cli / "mine.json")])
    assert exit_info.value.code == 2


def test_cli_without_shared_data_exits_2_with_one_line(
    quiet_cli: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(segmentation, "SHARED_SETS", quiet_cli / "absent")
    assert segmentation.main([]) == 2
    error = capsys.readouterr().err
    assert error.count("\n") == 1 and "../shared is absent" in error


def test_cli_rejects_documents_of_an_unknown_kind(quiet_cli: Path, capsys: pytest.CaptureFixture[str]) -> None:
    odd = write_set(quiet_cli / "odd.jsonl", [{**synthetic_document(), "kind": "other"}])
    assert segmentation.main([str(odd)]) == 2
    assert "other" in capsys.readouterr().err
    assert not (quiet_cli / "results").exists()


@pytest.mark.parametrize(
    ("kinds", "form"),
    [(["multi", "single"], "natural"), (["single"], "natural"), (["mixed", "same"], "synthetic")],
)
def test_dataset_format_is_told_from_the_kinds(kinds: list[str], form: str) -> None:
    assert segmentation.dataset_format([{"kind": kind} for kind in kinds]) == form


@pytest.mark.parametrize("kinds", [["multi", "mixed"], [], ["other"]])
def test_dataset_format_refuses_mixed_or_unknown_kinds(kinds: list[str]) -> None:
    with pytest.raises(ValueError, match="neither"):
        segmentation.dataset_format([{"kind": kind} for kind in kinds])
