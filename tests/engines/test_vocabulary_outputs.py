"""Outputs of the Arabic-restricted summarizer against the full model, on tiny real checkpoints (fp32)."""

import copy
import dataclasses
import json
import shutil
from pathlib import Path

import pytest
import torch
from torch import nn

from service.engines.factory import Engines
from service.engines.torch_backend.loading import LoadedModel, load_seq2seq
from service.engines.torch_backend.seq2seq import Seq2SeqEngine
from service.engines.torch_backend.tiny import CORPUS
from service.engines.torch_backend.vocabulary import arabic_output_ids, restrict_output_vocabulary
from tests.conftest import tiny_checkpoint

# Full and restricted models side by side, greedy and beam, to full length: seconds per test.
pytestmark = pytest.mark.slow

CPU = torch.device("cpu")
ARTICLES = [
    "أعلنت وزارة الصحة افتتاح مستشفى جديد في شمال المدينة. وقال الوزير إن المستشفى سيخدم نصف مليون نسمة.",
    "فاز الفريق الوطني في مباراة ودية.",
    "ارتفعت أسعار النفط بعد قرار خفض الإنتاج، وتوقع محللون استمرار الصعود حتى نهاية العام.",
]
# Arabic lines of the tiny tokenizer's own corpus: inputs the tiny models tokenize without unknown pieces.
INPUTS = [line for line in CORPUS.read_text(encoding="utf-8").splitlines() if any("ء" <= c <= "ي" for c in line)]
BEAM = {"num_beams": 4, "no_repeat_ngram_size": 2, "length_penalty": 0.6}


@pytest.fixture(scope="module")
def mbart_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny mBART that scales its embeddings by sqrt(d_model), as mBART-large does: the decoder's compact
    embedding must keep that scale."""
    directory = Path(shutil.copytree(tiny_checkpoint("mbart"), tmp_path_factory.mktemp("mbart") / "mbart"))
    config = json.loads((directory / "config.json").read_text(encoding="utf-8"))
    (directory / "config.json").write_text(json.dumps({**config, "scale_embedding": True}), encoding="utf-8")
    return directory


@pytest.fixture(scope="module")
def checkpoints(tiny_models: Path, mbart_dir: Path) -> dict[str, Path]:
    return {"mt5": tiny_models / "summarizer", "mbart": mbart_dir}


def load(directory: Path, output_vocab: str, quantize: str = "none") -> LoadedModel:
    return load_seq2seq(str(directory), device=CPU, quantize=quantize, output_vocab=output_vocab)


def allowed_ids(loaded: LoadedModel) -> set[int]:
    assert loaded.vocabulary is not None
    return set(loaded.vocabulary.full_ids.tolist())


def generated(engine: Seq2SeqEngine, texts: list[str], **settings: object) -> list[list[int]]:
    """Generated ids per text, without the decoder start token."""
    return [row[1:].tolist() for row in engine.generate_ids(texts, **settings)]


@pytest.mark.parametrize("family", ["mt5", "mbart"])
def test_kept_tokens_get_the_full_models_logits(checkpoints: dict[str, Path], family: str) -> None:
    full, restricted = load(checkpoints[family], "full"), load(checkpoints[family], "arabic")
    vocabulary = restricted.vocabulary
    assert vocabulary is not None
    start = int(full.model.generation_config.decoder_start_token_id)
    prefix = [start, *sorted(allowed_ids(restricted) - {start})[5:25:4]]
    rows = [prefix, [start, *prefix[:0:-1]]]
    batch = full.tokenizer(ARTICLES[:2], return_tensors="pt", padding=True)
    compact = torch.tensor([[vocabulary.to_compact(token_id) for token_id in row] for row in rows])
    with torch.inference_mode():
        expected = full.model(**batch, decoder_input_ids=torch.tensor(rows)).logits
        logits = restricted.model(**batch, decoder_input_ids=compact).logits
    assert logits.shape[-1] == vocabulary.size
    # Same computation; a head of another width may round its matrix product differently in the last bit.
    torch.testing.assert_close(logits, expected[..., vocabulary.full_ids], rtol=1e-5, atol=1e-4)


def test_greedy_output_is_the_full_models_until_it_picks_a_disallowed_token(engines: Engines) -> None:
    restricted = engines.summarizer.engine.loaded
    allowed = allowed_ids(restricted)
    full = Seq2SeqEngine(load(Path(restricted.source), "full"), role="summarizer")
    ours = Seq2SeqEngine(restricted, role="summarizer")
    agreed = wholly_allowed = 0
    for max_new_tokens in (5, 24):
        settings = {"num_beams": 1, "max_new_tokens": max_new_tokens}
        for expected, got in zip(generated(full, INPUTS, **settings), generated(ours, INPUTS, **settings), strict=True):
            first_disallowed = next((i for i, token in enumerate(expected) if token not in allowed), len(expected))
            assert got[:first_disallowed] == expected[:first_disallowed]
            assert set(got) <= allowed
            agreed += first_disallowed
            wholly_allowed += first_disallowed == len(expected)
    # Random weights often pick Latin pieces; the comparison must still have exercised whole outputs that lie in
    # the allowed set (identical end to end) and agreeing prefixes of the others.
    assert wholly_allowed >= 1 and agreed >= len(INPUTS)


def test_each_greedy_step_picks_the_full_models_best_allowed_token(engines: Engines) -> None:
    restricted = engines.summarizer.engine.loaded
    allowed = torch.tensor(sorted(allowed_ids(restricted)))
    full = load(Path(restricted.source), "full")
    config = full.model.generation_config
    settings = {"num_beams": 1, "max_new_tokens": 24, "min_new_tokens": 0, "suppress_tokens": []}
    outputs = Seq2SeqEngine(restricted, role="summarizer").generate_ids(INPUTS[:6], **settings)
    batch = full.tokenizer(INPUTS[:6], return_tensors="pt", padding=True)
    with torch.inference_mode():
        logits = full.model(**batch, decoder_input_ids=outputs[:, :-1]).logits
    steps = 0
    for row, row_logits in zip(outputs, logits, strict=True):
        for step, token in enumerate(row[1:].tolist()):
            best = int(allowed[row_logits[step, allowed].argmax()])
            assert token == best, f"step {step}: restricted chose {token}, the full model's best allowed is {best}"
            steps += 1
            if token == config.eos_token_id:
                break
    assert steps >= 24


def negligible_disallowed(loaded: LoadedModel, allowed: set[int]) -> LoadedModel:
    """A copy of a full model whose disallowed tokens get a logit 10,000 below the rest: what a trained Arabic
    summarizer does to Latin pieces, to the extreme. mT5's head gets the offset as a bias, mBART's is its own
    final_logits_bias."""
    model = copy.deepcopy(loaded.model)
    size = int(model.config.vocab_size)
    offset = torch.tensor([0.0 if token_id in allowed else -1e4 for token_id in range(size)])
    if hasattr(model, "final_logits_bias"):
        model.final_logits_bias = model.final_logits_bias + offset
    else:
        head = nn.Linear(model.lm_head.in_features, size, bias=True)
        head.weight, head.bias = model.lm_head.weight, nn.Parameter(offset)
        model.lm_head = head
    return dataclasses.replace(loaded, model=model)


@pytest.mark.parametrize("family", ["mt5", "mbart"])
def test_beam_search_is_identical_when_disallowed_tokens_have_negligible_probability(
    checkpoints: dict[str, Path], family: str
) -> None:
    reference = load(checkpoints[family], "arabic")
    allowed = allowed_ids(reference)
    full = negligible_disallowed(load(checkpoints[family], "full"), allowed)
    model = copy.deepcopy(full.model)
    vocabulary = restrict_output_vocabulary(model, arabic_output_ids(full.tokenizer), "arabic")
    assert vocabulary is not None and set(vocabulary.full_ids.tolist()) == allowed
    restricted = dataclasses.replace(full, model=model, vocabulary=vocabulary)
    texts = INPUTS[:8]
    expected = Seq2SeqEngine(full, role="summarizer").generate_ids(texts, **BEAM)
    got = Seq2SeqEngine(restricted, role="summarizer").generate_ids(texts, **BEAM)
    assert torch.equal(got, expected)
    assert set(expected.flatten().tolist()) <= allowed
    assert (expected[:, 1:] != full.tokenizer.pad_token_id).sum(dim=1).min() >= 4
    # The premise: along the outputs, every disallowed token trails the best allowed one by far more than 40 nats.
    batch = full.tokenizer(texts, return_tensors="pt", padding=True)
    with torch.inference_mode():
        logits = full.model(**batch, decoder_input_ids=expected[:, :-1]).logits
    banned = torch.tensor([token_id not in allowed for token_id in range(logits.shape[-1])])
    assert (logits[..., ~banned].amax(-1) - logits[..., banned].amax(-1)).min() > 40


def test_restricted_model_never_generates_a_disallowed_token(engines: Engines) -> None:
    engine = engines.summarizer.engine
    allowed = allowed_ids(engine.loaded)
    for settings in ({"num_beams": 1}, BEAM):
        assert {token for row in generated(engine, INPUTS, **settings) for token in row} <= allowed


@pytest.mark.parametrize("settings", [{"num_beams": 1}, BEAM], ids=["greedy", "beam"])
def test_restricted_batch_equals_one_by_one(engines: Engines, settings: dict[str, object]) -> None:
    engine = engines.summarizer.engine
    assert engine.vocabulary is not None
    batched = engine.generate(ARTICLES, **settings)
    assert batched == [engine.generate([article], **settings)[0] for article in ARTICLES]
    assert all(summary.strip() for summary in batched)
