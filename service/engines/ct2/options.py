"""Hugging Face `generate` settings as CTranslate2 `translate_batch` arguments."""

import logging
from typing import Any

from service.engines.base import SPECIAL_TOKEN_ID_KEYS
from service.errors import ConfigError

log = logging.getLogger(__name__)

# Settings that need no argument: token ids the converted model already knows from its configuration, or that
# decoding does not need. Settings absent here and below that change the output are refused.
_IGNORED = {
    *SPECIAL_TOKEN_ID_KEYS,
    "early_stopping",
    "use_cache",
    "output_scores",
    "return_dict_in_generate",
    "transformers_version",
    "_from_model_config",
    "bad_words_ids",
    "renormalize_logits",
}
_AS_IS = {"no_repeat_ngram_size", "length_penalty", "repetition_penalty"}
_SAMPLING = {"do_sample", "top_k", "top_p", "temperature", "max_length", "min_length"}


def _map(key: str, value: Any, settings: dict[str, Any], vocabulary: list[str]) -> dict[str, Any] | None:
    """The arguments one setting becomes ({} when it needs none); None when CTranslate2 cannot honour it."""
    if key == "max_new_tokens":
        return {"max_decoding_length": int(value)}
    if key == "max_length" and "max_new_tokens" not in settings:
        return {"max_decoding_length": max(1, int(value) - 1)}  # it counts the decoder start token
    if key == "min_new_tokens":
        return {"min_decoding_length": int(value)}
    if key == "min_length" and "min_new_tokens" not in settings:
        return {"min_decoding_length": max(0, int(value) - 1)}
    if key in _AS_IS:
        return {key: value}
    if key == "num_return_sequences":
        return {"num_hypotheses": int(value)}
    if key == "suppress_tokens":
        kept = [[vocabulary[int(i)]] for i in value if 0 <= int(i) < len(vocabulary)]
        return {"suppress_sequences": kept} if kept else {}
    if key in _SAMPLING:
        if key != "do_sample" or not value:
            return {}
        return {
            "sampling_topk": int(settings.get("top_k") or 50),
            "sampling_topp": float(settings.get("top_p") or 1.0),
            "sampling_temperature": float(settings.get("temperature") or 1.0),
        }
    return None


def translate_options(name: str, settings: dict[str, Any], strict: set[str], vocabulary: list[str]) -> dict[str, Any]:
    """`settings` as `translate_batch` arguments; ConfigError for a setting in `strict` (the catalog's and the
    operator's) that cannot map; the checkpoint's others are left out, with a log line."""
    options: dict[str, Any] = {"beam_size": int(settings.get("num_beams") or 1)}
    unsupported = []
    for key, value in settings.items():
        if value is None or key in _IGNORED or key == "num_beams":
            continue
        mapped = _map(key, value, settings, vocabulary)
        if mapped is None:
            unsupported.append(key)
        else:
            options.update(mapped)
    ignored = [key for key in unsupported if key not in strict]
    if ignored:
        log.info("%s: generation_config.json settings without effect here: %s", name, ", ".join(ignored))
    unsupported = [key for key in unsupported if key in strict]
    if unsupported:
        raise ConfigError(
            f"{name}: generation settings {', '.join(sorted(unsupported))} are not supported by the "
            "ctranslate2 backend; remove them or set KHULASA_BACKEND=torch"
        )
    options.setdefault("max_decoding_length", 256)
    if settings.get("forced_eos_token_id") is not None:
        # Hugging Face spends the last step on the forced end-of-sequence token.
        options["max_decoding_length"] = max(1, options["max_decoding_length"] - 1)
    if options.get("min_decoding_length", 0) > options["max_decoding_length"]:
        options["min_decoding_length"] = options["max_decoding_length"]
    return options
