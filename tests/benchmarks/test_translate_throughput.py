"""The throughput benchmark's fixed-length outputs, on a tiny real Marian checkpoint (no timing here)."""

from pathlib import Path

import pytest
import torch

from benchmarks.translate_throughput import ForcedLengths, fixed_length_translator, output_length
from service.engines.torch_backend.loading import load_seq2seq
from service.engines.torch_backend.seq2seq import Seq2SeqEngine
from service.engines.torch_backend.tiny import build_sized

SENTENCES = ["وصل الوفد إلى القاهرة صباح اليوم.", "بدأ الاجتماع.", "ارتفعت أسعار النفط في الأسواق العالمية اليوم."]


@pytest.mark.slow  # builds a checkpoint and decodes to forced lengths: seconds
def test_outputs_are_forced_to_their_target_length(tmp_path: Path) -> None:
    shape = {"d_model": 16, "encoder_layers": 1, "decoder_layers": 1, "vocab_size": 700}
    directory = build_sized("marian", tmp_path / "m", sentences=SENTENCES * 30, spm_vocab=60, architecture=shape)
    loaded = load_seq2seq(str(directory), device=torch.device("cpu"))
    assert loaded.model.config.vocab_size == 700 and loaded.model.config.pad_token_id == 699
    for beams in (1, 4):
        engine = Seq2SeqEngine(loaded, role="translator", generate_overrides={"num_beams": beams})
        forced = ForcedLengths(output_length(engine.count_tokens(SENTENCES)))
        translator = fixed_length_translator(engine, forced)
        caps = translator.length_caps(SENTENCES)
        ids = engine.generate_ids(SENTENCES, **caps)
        eos = loaded.model.config.eos_token_id
        lengths = [int((row == eos).nonzero()[0]) for row in ids[:, 1:]]  # tokens before the first end-of-sequence
        assert lengths == [forced.tokens] * len(SENTENCES)
        assert forced.generated_tokens == sum(lengths)
        assert all(text.strip() for text in translator.translate_batch(SENTENCES))
