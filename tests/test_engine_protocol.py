"""Engines that implement only the engine protocol (service/engines/base.py), with no model and no torch, serve the
API, the batch job and the CLI: proof that no caller reaches past the protocol into a concrete engine."""

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

import service.engines.factory
from service.api.app import create_app
from service.batch import CPU_BATCH_TOKENS, CUDA_BATCH_TOKENS, BatchOptions, default_batch_tokens, run_batch
from service.cli import main
from service.config import Settings
from service.engines.base import Engines, Summarizer, Translator, translate_texts
from tests.conftest import wait_ready
from tests.test_pipeline import ARTICLE

SENTENCES = ["وصل الوفد إلى القاهرة.", "بدأ الاجتماع ظهرا.", "هل ستنجح المفاوضات؟"]


class WordEngine:
    """Counts a token per word; its output counts toward `tokens_generated` the same way."""

    def __init__(self, name: str, device: str = "cpu") -> None:
        self.name = name
        self.device = device
        self.tokens_generated = 0

    def describe(self) -> dict[str, Any]:
        return {"id": self.name, "device": self.device, "dtype": "words", "revision": None, "generation": {}}

    def count_tokens(self, texts: list[str]) -> list[int]:
        return [len(text.split()) for text in texts]

    def _generated(self, outputs: list[str]) -> list[str]:
        self.tokens_generated += sum(self.count_tokens(outputs))
        return outputs


class FirstWords(WordEngine):
    """A summary that is the text's first four words."""

    def summarize_batch(self, texts: list[str]) -> list[str]:
        return self._generated([" ".join(text.split()[:4]) for text in texts])


class Reversing(WordEngine):
    """A "translation" that is the sentence with its words in reverse order."""

    def translate_batch(self, sentences: list[str]) -> list[str]:
        return self._generated([" ".join(reversed(sentence.split())) for sentence in sentences])

    def translate_alternatives(self, sentences: list[str], count: int) -> list[list[str]]:
        """The runners-up of a reversal: the reversed words rotated by one, two, ... places (distinct ones only)."""
        alternatives: list[list[str]] = []
        for words in (list(reversed(sentence.split())) for sentence in sentences):
            rotations = [" ".join(words[k:] + words[:k]) for k in range(1, len(words))]
            others = [rotation for rotation in dict.fromkeys(rotations) if rotation != " ".join(words)]
            alternatives.append(self._generated(others[:count]))
        return alternatives


def fake_engines() -> Engines:
    summarizer: Summarizer = FirstWords("first-words")
    translator: Translator = Reversing("reversing")
    return Engines(summarizer=summarizer, translator=translator)


@pytest.fixture
def engines() -> Engines:
    return fake_engines()


@pytest.fixture
def client(engines: Engines) -> Iterator[TestClient]:
    settings = Settings(summarizer="unused", translator="unused")
    with TestClient(create_app(settings, engines=engines)) as test_client:
        wait_ready(test_client)
        yield test_client


def test_info_shows_what_each_engine_describes(client: TestClient, engines: Engines) -> None:
    info = client.get("/info").json()
    assert info["models"] == {"summarizer": engines.summarizer.describe(), "translator": engines.translator.describe()}
    assert info["device"] == "cpu" and info["dtype"] == "words"


def test_translate_and_metrics_count_the_engines_tokens(client: TestClient, engines: Engines) -> None:
    response = client.post("/translate", json={"q": SENTENCES, "source": "ar", "target": "en"})
    assert response.json() == {"translatedText": [" ".join(reversed(s.split())) for s in SENTENCES]}
    assert engines.translator.tokens_generated == sum(len(s.split()) for s in SENTENCES)
    metrics = client.get("/metrics").text
    assert f'khulasa_generated_tokens_total{{role="translator"}} {engines.translator.tokens_generated}.0' in metrics
    assert 'khulasa_generated_tokens_total{role="summarizer"} 0.0' in metrics


def test_alternatives_come_from_the_protocols_translate_alternatives(client: TestClient) -> None:
    # Each sentence's k-th alternative joined; a sentence with none (one word) keeps its translation.
    answer = client.post("/translate", json={"q": "وصل الوفد اليوم. نعم.", "alternatives": 2}).json()
    assert answer == {
        "translatedText": "اليوم. الوفد وصل نعم.",
        "alternatives": ["الوفد وصل اليوم. نعم.", "وصل اليوم. الوفد نعم."],
    }


def test_summarize_names_the_engines_and_uses_their_outputs(client: TestClient) -> None:
    digest = client.post("/summarize", json={"text": ARTICLE}).json()
    assert digest["models"] == {"summarizer": "first-words", "translator": "reversing"}
    assert digest["sections"]
    for section in digest["sections"]:
        assert section["summary"]["ar"] == " ".join(section["text"].split()[:4])
        assert (
            section["summary"]["en"] == translate_texts(Reversing("x").translate_batch, [section["summary"]["ar"]])[0]
        )


def test_batch_job_runs_on_the_protocol_and_keys_its_checkpoint_by_describe(engines: Engines, tmp_path: Path) -> None:
    texts = [f"{SENTENCES[0]} {SENTENCES[1]}", "", SENTENCES[2]]
    source, output = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    source.write_text("".join(json.dumps({"text": t}, ensure_ascii=False) + "\n" for t in texts), encoding="utf-8")
    stats = run_batch(BatchOptions(str(source), str(output), window=1), engines.translator)
    records = [json.loads(line) for line in output.read_text(encoding="utf-8").splitlines()]
    assert [r["translation"] for r in records] == translate_texts(Reversing("x").translate_batch, texts)
    assert stats.source_tokens == sum(len(t.split()) for t in texts) and stats.sentences == 3


def test_translate_batch_command_takes_its_device_and_identity_from_the_protocol(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    translator = Reversing("reversing", device="cuda:1")
    monkeypatch.setattr(service.engines.factory, "load_translator", lambda settings: translator)
    source, output = tmp_path / "in.txt", tmp_path / "out.txt"
    source.write_text("\n".join(SENTENCES) + "\n", encoding="utf-8")
    assert main(["translate-batch", str(source), str(output)]) == 0
    assert output.read_text(encoding="utf-8").splitlines() == translator.translate_batch(SENTENCES)
    assert "3 segments, 3 sentences" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("device", "tokens"), [("cpu", CPU_BATCH_TOKENS), ("cuda", CUDA_BATCH_TOKENS), ("cuda:1", CUDA_BATCH_TOKENS)]
)
def test_batch_size_follows_the_protocols_device_string(device: str, tokens: int) -> None:
    assert default_batch_tokens(device) == tokens
