"""Serving tokenizers read from the files saved beside a converted model give the token ids and the text the
checkpoint's transformers tokenizer gives, for every family the catalog has (tiny checkpoints, real tokenizers)."""

import json
import random
from pathlib import Path

import pytest

pytest.importorskip("ctranslate2", reason="the ctranslate2 extra is not installed (khulasa[ctranslate2])")

from transformers import AutoTokenizer  # noqa: E402

from service.engines.converter import convert  # noqa: E402
from service.engines.ct2.tokens import ServingTokenizer, read_spec  # noqa: E402
from service.engines.torch_backend.tiny import FAMILIES, build_tiny  # noqa: E402

pytestmark = pytest.mark.slow  # a conversion per family: seconds each

# Sentences written for this test: punctuation, digits, diacritics, Latin letters, runs of spaces, a blank one.
SENTENCES = [
    "ذهب الطالب إلى المدرسة صباحاً.",
    "قال الرئيس: «سنعمل معاً»، وأضاف أن عام 2026 سيكون مهماً!",
    "  مرحبا   بالعالم  ",
    "",
    "كتبَ المُعلّمُ الدرسَ على السبورة؟",
    "وصلت بعثة UN إلى المدينة (الساعة 10:30) يوم الأحد...",
]


@pytest.fixture(scope="module", params=FAMILIES)
def converted(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp(request.param)
    checkpoint = build_tiny(request.param, root / "checkpoint")
    return checkpoint, convert(str(checkpoint), checkpoint, root / "converted", "int8")


def serving(converted: Path) -> ServingTokenizer:
    spec = read_spec(converted)
    assert spec is not None
    vocabulary = json.loads((converted / "shared_vocabulary.json").read_text(encoding="utf-8"))
    return ServingTokenizer(converted, spec, vocabulary)


def reference(checkpoint: Path, converted: Path) -> object:
    tokenizer = AutoTokenizer.from_pretrained(checkpoint)
    spec = read_spec(converted)
    assert spec is not None
    if spec["source_lang"]:
        tokenizer.src_lang = spec["source_lang"]
    return tokenizer


def test_input_ids_equal_the_transformers_tokenizer(converted: tuple[Path, Path]) -> None:
    checkpoint, model = converted
    tokenizer: object = reference(checkpoint, model)
    ours = serving(model)
    assert ours.encode_ids(SENTENCES) == tokenizer(SENTENCES)["input_ids"]  # type: ignore[operator]
    plain = tokenizer(SENTENCES, add_special_tokens=False)["input_ids"]  # type: ignore[operator]
    assert ours.count(SENTENCES) == [len(ids) for ids in plain]
    # The converted model is fed the tokens the converter's own vocabulary names for those ids.
    assert [ours.ids(tokens) for tokens in ours.encode(SENTENCES)] == ours.encode_ids(SENTENCES)


def test_decoding_equals_the_transformers_tokenizer(converted: tuple[Path, Path]) -> None:
    checkpoint, model = converted
    tokenizer: object = reference(checkpoint, model)
    ours = serving(model)
    draw = random.Random(7)
    # The sentences' own ids, and runs of any ids at all (special ones included), as a model may write them.
    rows = ours.encode_ids(SENTENCES) + [
        [draw.randrange(len(ours.vocabulary)) for _ in range(draw.randrange(1, 20))] for _ in range(100)
    ]
    for ids in rows:
        expected = " ".join(tokenizer.decode(ids, skip_special_tokens=True).split())  # type: ignore[attr-defined]
        assert ours.decode([ours.vocabulary[i] for i in ids]) == expected, ids


def test_the_spec_names_the_family_and_its_language_codes(converted: tuple[Path, Path]) -> None:
    checkpoint, model = converted
    spec = read_spec(model)
    assert spec is not None and spec["source"] == str(checkpoint)
    family = spec["family"]
    expected_source = {"mbart": "ar_AR", "nllb": "arb_Arab"}.get(family)
    assert spec["source_lang"] == expected_source
    assert spec["tokenizer"]["kind"] == ("marian" if family == "marian" else "tokenizers")
