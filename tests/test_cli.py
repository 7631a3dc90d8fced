"""The `khulasa` command as a user runs it: a real subprocess each time."""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.pages import natural_articles, write_page
from tests.test_pipeline import ARTICLE, ARTICLE_WITH_SUBHEADING, SUBHEADING


def khulasa(*args: str, env: dict[str, str] | None = None, stdin: bytes | None = None, timeout: float = 120):
    # The session's CTranslate2 cache stays: nothing a test starts converts into the user's cache.
    environment = {k: v for k, v in os.environ.items() if not k.startswith("KHULASA_") or k == "KHULASA_CT2_CACHE"}
    environment.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "service", *args],
        input=stdin,
        capture_output=True,
        env=environment,
        timeout=timeout,
    )


@pytest.mark.slow
def test_serve_with_missing_model_path_exits_with_one_line_naming_it() -> None:
    result = khulasa("serve", env={"KHULASA_SUMMARIZER": "/nonexistent"}, timeout=60)
    assert result.returncode != 0
    lines = result.stderr.decode().strip().splitlines()
    assert len(lines) == 1 and "/nonexistent" in lines[0], lines


@pytest.mark.slow
def test_serve_with_unloadable_checkpoint_exits_nonzero_naming_it(tmp_path: Path, tiny_models: Path) -> None:
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "config.json").write_text((tiny_models / "summarizer" / "config.json").read_text())
    env = {"KHULASA_SUMMARIZER": str(broken), "KHULASA_TRANSLATOR": str(tiny_models / "translator")}
    result = khulasa("serve", "--port", "0", env=env, timeout=90)
    assert result.returncode == 1
    last = result.stderr.decode().strip().splitlines()[-1]
    assert last.startswith("khulasa: cannot load model") and str(broken) in last


@pytest.mark.slow
def test_serve_with_truncated_weights_stops_with_one_line(tmp_path: Path, tiny_models: Path) -> None:
    # Other kinds of corruption reach the same one-line error: tests/engines/test_loading.py.
    broken = tmp_path / "summarizer"
    shutil.copytree(tiny_models / "summarizer", broken)
    weights = broken / "model.safetensors"
    weights.write_bytes(weights.read_bytes()[: weights.stat().st_size // 3])
    env = {"KHULASA_SUMMARIZER": str(broken), "KHULASA_TRANSLATOR": str(tiny_models / "translator")}
    result = khulasa("serve", "--port", "0", env=env, timeout=90)
    assert result.returncode == 1
    stderr = result.stderr.decode()
    ours = [line for line in stderr.splitlines() if line.startswith("khulasa:")]
    assert len(ours) == 1 and ours[0] == stderr.strip().splitlines()[-1], stderr
    assert ours[0].startswith(f"khulasa: cannot load model {broken}: ")
    assert "Traceback" not in stderr


@pytest.mark.slow
def test_summarize_prints_the_digest_with_offsets_into_the_file(tmp_path: Path, tiny_models: Path) -> None:
    article = tmp_path / "article.txt"
    text = ARTICLE.replace("\n", "\r\n")  # CRLF files keep their offsets
    article.write_bytes(text.encode())
    result = khulasa(
        "summarize",
        str(article),
        "--summarizer",
        str(tiny_models / "summarizer"),
        "--translator",
        str(tiny_models / "translator"),
    )
    assert result.returncode == 0, result.stderr.decode()
    digest = json.loads(result.stdout)
    assert digest["sections"]
    for section in digest["sections"]:
        assert text[section["start"] : section["end"]] == section["text"]
        assert section["summary"]["ar"] and section["summary"]["en"]


@pytest.mark.slow
def test_summarize_reads_standard_input(tiny_models: Path) -> None:
    env = {"KHULASA_SUMMARIZER": str(tiny_models / "summarizer"), "KHULASA_TRANSLATOR": str(tiny_models / "translator")}
    result = khulasa("summarize", "-", "--max-sections", "1", env=env, stdin=ARTICLE.encode())
    assert result.returncode == 0, result.stderr.decode()
    assert len(json.loads(result.stdout)["sections"]) == 1


@pytest.mark.slow
def test_summarizer_output_vocab_flag_switches_the_restriction_off(tiny_models: Path) -> None:
    env = {"KHULASA_SUMMARIZER": str(tiny_models / "summarizer"), "KHULASA_TRANSLATOR": str(tiny_models / "translator")}
    args = ("summarize", "-", "--max-sections", "1", "--log-level", "info")
    restricted = khulasa(*args, env=env, stdin=ARTICLE.encode())
    full = khulasa(*args, "--summarizer-output-vocab", "full", env=env, stdin=ARTICLE.encode())
    assert restricted.returncode == 0 and full.returncode == 0, full.stderr.decode()
    assert "arabic output vocabulary:" in restricted.stderr.decode()
    assert "arabic output vocabulary:" not in full.stderr.decode()
    assert json.loads(full.stdout)["sections"][0]["summary"]["ar"]


@pytest.mark.slow
def test_summarize_refuses_a_file_that_is_not_utf8(tmp_path: Path, tiny_models: Path) -> None:
    article = tmp_path / "latin1.txt"
    article.write_bytes("café".encode("latin-1"))
    env = {"KHULASA_SUMMARIZER": str(tiny_models / "summarizer"), "KHULASA_TRANSLATOR": str(tiny_models / "translator")}
    result = khulasa("summarize", str(article), env=env)
    assert result.returncode == 1
    assert "latin1.txt" in result.stderr.decode()


def test_models_download_offline_without_cache_says_what_is_missing(tmp_path: Path) -> None:
    result = khulasa("models", "download", env={"HF_HUB_OFFLINE": "1", "HF_HOME": str(tmp_path)}, timeout=60)
    assert result.returncode == 1
    lines = result.stderr.decode().strip().splitlines()
    assert "cannot download csebuetnlp/mT5_multilingual_XLSum" in lines[-1]


def test_models_download_leaves_local_checkpoints_as_they_are(tiny_models: Path) -> None:
    summarizer, translator = str(tiny_models / "summarizer"), str(tiny_models / "translator")
    result = khulasa("models", "download", "--summarizer", summarizer, "--translator", translator, "--backend", "torch")
    assert result.returncode == 0, result.stderr.decode()
    assert result.stdout.decode().splitlines() == [f"{summarizer}\t{summarizer}", f"{translator}\t{translator}"]


@pytest.mark.slow
def test_models_download_converts_for_ctranslate2(tiny_models: Path, tmp_path: Path) -> None:
    pytest.importorskip("ctranslate2", reason="the ctranslate2 extra is not installed")
    summarizer, translator = str(tiny_models / "summarizer"), str(tiny_models / "translator")
    args = ("models", "download", "--summarizer", summarizer, "--translator", translator, "--backend", "ctranslate2")
    env = {"KHULASA_CT2_CACHE": str(tmp_path)}
    first = khulasa(*args, env=env)
    assert first.returncode == 0, first.stderr.decode()
    lines = [line.split("\t") for line in first.stdout.decode().splitlines()]
    assert [source for source, _ in lines] == [summarizer, translator, summarizer, translator]
    converted = [Path(path) for _, path in lines[2:]]
    assert all(path.parent == tmp_path and (path / "model.bin").is_file() for path in converted)
    assert all(path.name.endswith("--int8") for path in converted)  # the CPU default


@pytest.mark.parametrize(
    ("role", "files"),
    [
        ("summarizer", {"spiece.model", "config.json", "model.safetensors"}),
        ("translator", {"source.spm", "target.spm", "vocab.json", "model.safetensors"}),
    ],
)
def test_models_tiny_writes_real_tokenizer_files(tiny_models: Path, role: str, files: set[str]) -> None:
    assert files <= {path.name for path in (tiny_models / role).iterdir()}


def test_segment_prints_sections_without_loading_any_model(tmp_path: Path) -> None:
    article = tmp_path / "article.txt"
    article.write_bytes(ARTICLE_WITH_SUBHEADING.encode())
    probe = (
        "import sys; from service.cli import main; code = main(['segment', sys.argv[1]]); "
        "assert 'torch' not in sys.modules, 'segment imported torch'; sys.exit(code)"
    )
    result = subprocess.run([sys.executable, "-c", probe, str(article)], capture_output=True, timeout=60)
    assert result.returncode == 0, result.stderr.decode()
    body = json.loads(result.stdout)
    assert body["sections"]
    for section in body["sections"]:
        assert ARTICLE_WITH_SUBHEADING[section["start"] : section["end"]] == section["text"]
    assert [section["heading"] for section in body["sections"]] == [None, SUBHEADING]
    assert body["sections"][0]["confidence"] == 1.0 and 0.0 <= body["sections"][1]["confidence"] <= 1.0


def test_segment_jsonl_keeps_ids_order_and_reports_bad_lines(tmp_path: Path) -> None:
    lines = [
        json.dumps({"id": "first", "text": ARTICLE}, ensure_ascii=False).encode(),
        b"{broken",
        json.dumps({"id": 7, "text": "وصل الوفد إلى القاهرة."}, ensure_ascii=False).encode(),
        json.dumps({"id": "no-text"}).encode(),
    ]
    source = tmp_path / "in.jsonl"
    source.write_bytes(b"\n".join(lines) + b"\n")
    result = khulasa("segment", "--jsonl", str(source))
    assert result.returncode == 2
    records = [json.loads(line) for line in result.stdout.decode().splitlines()]
    assert [record["id"] for record in records] == ["first", None, 7, "no-text"]
    assert records[0]["sections"] and records[2]["sections"]
    assert records[1]["line"] == 2 and "JSON" in records[1]["error"]
    assert records[3]["line"] == 4 and "text" in records[3]["error"]
    assert "2 line(s)" in result.stderr.decode()


@pytest.mark.parametrize("command", ["segment", "summarize"])
def test_max_sections_below_one_is_a_usage_error(tmp_path: Path, command: str) -> None:
    article = tmp_path / "a.txt"
    article.write_text(ARTICLE, encoding="utf-8")
    result = khulasa(command, str(article), "--max-sections", "0")
    assert result.returncode == 2 and "at least 1" in result.stderr.decode()


@pytest.mark.slow
@pytest.mark.parametrize("charset", ["utf-8", "windows-1256"])
def test_segment_reads_a_web_page_by_its_declared_charset(tmp_path: Path, charset: str) -> None:
    article = natural_articles()[0]
    page = write_page(tmp_path, article, charset=charset)
    result = khulasa("segment", str(page))
    assert result.returncode == 0, result.stderr.decode()
    answer = json.loads(result.stdout)
    assert answer["title"]["text"] == article.title
    assert answer["text"].split("\n\n")[1] == " ".join(article.paragraphs[0].split())
    for section in answer["sections"]:
        assert answer["text"][section["start"] : section["end"]] == section["text"]


@pytest.mark.slow
def test_summarize_a_page_without_any_summarizer_model(tmp_path: Path, tiny_models: Path) -> None:
    page = write_page(tmp_path, natural_articles()[1], name="story.htm")
    translator = str(tiny_models / "translator")
    result = khulasa("summarize", str(page), "--summarizer", "extractive", "--translator", translator)
    assert result.returncode == 0, result.stderr.decode()
    digest = json.loads(result.stdout)
    assert digest["models"]["summarizer"] == "extractive"
    for section in digest["sections"]:
        pieces = [digest["text"][s["start"] : s["end"]] for s in section["summary"]["spans"]]
        assert 1 <= len(pieces) <= 3 and section["summary"]["ar"] == " ".join(pieces)


@pytest.mark.slow
def test_a_page_without_an_article_is_one_line_and_status_1(tmp_path: Path) -> None:
    page = tmp_path / "menu.html"
    page.write_text("<html><body><nav><a href='/'>الرئيسية</a></nav></body></html>", encoding="utf-8")
    result = khulasa("segment", str(page))
    assert result.returncode == 1
    assert result.stderr.decode().strip() == "khulasa: no article text found in the page"
