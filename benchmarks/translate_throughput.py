"""Batch-translation throughput: `khulasa translate-batch` on each backend against plain CTranslate2 and the loop a
user would write with transformers, in one run.

Usage: python benchmarks/translate_throughput.py [--input FILE] [--beams 4] [--device cpu|cuda]
                                                 [--naive-sample 40] [--limit N] [--batch-tokens N] [--out JSON]

Both sides run a random-weight copy of the default translator with its real architecture (the catalog's
`architecture` of Helsinki-NLP/opus-mt-tc-big-ar-en: 6+6 layers, d_model 1024, 16 heads, FFN 4096, vocabulary
61,109) and a sentencepiece tokenizer trained on the input itself. Every output is forced to the same number of
tokens, ceil(1.2 x the input's mean source tokens), so timing does not depend on the random weights; one length for
all means neither side splits a batch by output length (CTranslate2 takes one forced length per call). The naive
side is one `generate` per line, fp32, beam search as asked, on a random sample of lines (the whole file would take
hours); ours is the real batch job (int8 on CPU, length-sorted token-budget batches) over the whole file (or --limit
lines), once per installed backend (CTranslate2, torch). Plain CTranslate2 is its documented use on the same
converted int8 model: default threads, every line in one `translate_batch` call that sorts and batches them itself
within the batch job's token budget (`max_batch_size`, `batch_type="tokens"`). Each side runs in its own process so
its peak RSS is its own. Writes JSON (segments/s, tokens/s, peak RSS, the ratios, machine facts) to
benchmarks/results/.
"""

import argparse
import json
import math
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import torch
from transformers import AutoModelForSeq2SeqLM, AutoTokenizer, LogitsProcessorList

from benchmarks.machine import machine, peak_rss_mib
from service.batch import BatchOptions, default_batch_tokens, run_batch
from service.config import Settings
from service.engines import ct2
from service.engines.catalog import find_spec
from service.engines.factory import load_translator
from service.engines.torch_backend.seq2seq import Seq2SeqEngine
from service.engines.torch_backend.tiny import build_sized
from service.engines.torch_backend.translator import PerInputLengthCap, Seq2SeqTranslator

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_INPUT = ROOT.parent / "shared" / "data" / "translation" / "ntrex128-newstest2019.ar.txt"
RESULTS = ROOT / "benchmarks" / "results"
MODEL = "Helsinki-NLP/opus-mt-tc-big-ar-en"
OUTPUT_RATIO = 1.2
SPM_VOCAB = 16_000


def output_length(source_tokens: list[int]) -> int:
    """The one forced output length: ceil(1.2 x the mean source tokens)."""
    return max(1, math.ceil(OUTPUT_RATIO * sum(source_tokens) / max(1, len(source_tokens))))


class ForcedLengths:
    """The translator's `output_lengths`: `tokens` for every sentence, counted as they are handed out."""

    def __init__(self, tokens: int) -> None:
        self.tokens = tokens
        self.generated_tokens = 0

    def __call__(self, source_tokens: list[int]) -> list[int]:
        self.generated_tokens += self.tokens * len(source_tokens)
        return [self.tokens] * len(source_tokens)


def fixed_length_translator(engine: Seq2SeqEngine, lengths: ForcedLengths) -> Seq2SeqTranslator:
    """The production translator with every output forced to exactly `lengths.tokens`."""
    return Seq2SeqTranslator(engine, output_lengths=lengths, exact_lengths=True)


def naive(model_dir: Path, lines: list[str], beams: int, device: str, target: int) -> dict[str, Any]:
    """What a user writes with transformers by hand: one generate per line, fp32."""
    tokenizer = AutoTokenizer.from_pretrained(model_dir)
    model = AutoModelForSeq2SeqLM.from_pretrained(model_dir).to(device).eval()
    eos = int(model.config.eos_token_id)
    generated = 0
    started = time.perf_counter()
    for line in lines:
        batch = tokenizer(line, return_tensors="pt").to(device)
        generated += target
        processors = LogitsProcessorList([PerInputLengthCap([target], eos, beams, exact=True)])
        with torch.no_grad():
            output = model.generate(**batch, num_beams=beams, max_new_tokens=target + 1, logits_processor=processors)
        tokenizer.decode(output[0], skip_special_tokens=True)
    return {"segments": len(lines), "generated_tokens": generated, "seconds": time.perf_counter() - started}


def settings_for(model_dir: Path, device: str, backend: str, beams: int) -> Settings:
    return Settings(
        summarizer=str(model_dir),  # unused: batch translation loads only the translator
        translator=str(model_dir),
        device=device,  # type: ignore[arg-type]
        backend=backend,  # type: ignore[arg-type]
        translator_generate={"num_beams": beams},
        ct2_cache=model_dir.parent / "ct2",
    )


def ours(
    model_dir: Path, source: Path, beams: int, device: str, batch_tokens: int, backend: str, target: int
) -> dict[str, Any]:
    """The real batch job over `source`, its translator built by the service's factory."""
    lengths = ForcedLengths(target)
    began = time.perf_counter()
    settings = settings_for(model_dir, device, backend, beams)
    translator = load_translator(settings, output_lengths=lengths, exact_lengths=True)
    load_s = time.perf_counter() - began
    with tempfile.TemporaryDirectory() as scratch:
        options = BatchOptions(str(source), str(Path(scratch) / "out.txt"), batch_tokens=batch_tokens, force=True)
        started = time.perf_counter()
        stats = run_batch(options, translator)
        seconds = time.perf_counter() - started
    described = translator.describe()
    return {
        "backend": described.get("backend"),
        "segments": stats.segments,
        "sentences": stats.sentences,
        "source_tokens": stats.source_tokens,
        "generated_tokens": lengths.generated_tokens,
        "seconds": seconds,
        "load_s": round(load_s, 2),
        "quantization": described["quantization"],
        "dtype": described["dtype"],
        "batch_tokens": batch_tokens,
    }


def plain_ctranslate2(
    model_dir: Path, lines: list[str], beams: int, device: str, batch_tokens: int, target: int
) -> dict[str, Any]:
    """CTranslate2 as documented, on the converted int8 model: default threads, one `translate_batch` over every
    line, batched by CTranslate2 itself (sorted by length) within `batch_tokens` source tokens."""
    import ctranslate2

    settings = settings_for(model_dir, device, "ctranslate2", beams)
    began = time.perf_counter()
    converted, _, kind = ct2.ensure_converted(settings, "translator", None)
    checkpoint = settings.translator
    translator = ctranslate2.Translator(str(converted), device="cuda" if device == "cuda" else "cpu", compute_type=kind)
    tokenizer: Any = AutoTokenizer.from_pretrained(checkpoint)
    load_s = time.perf_counter() - began
    started = time.perf_counter()
    tokens = [tokenizer.convert_ids_to_tokens(ids) for ids in tokenizer(lines)["input_ids"]]
    done = translator.translate_batch(
        tokens,
        beam_size=beams,
        min_decoding_length=target,
        max_decoding_length=target,
        max_batch_size=batch_tokens,
        batch_type="tokens",
    )
    generated = sum(len(result.hypotheses[0]) for result in done)
    for result in done:
        tokenizer.decode(tokenizer.convert_tokens_to_ids(result.hypotheses[0]), skip_special_tokens=True)
    seconds = time.perf_counter() - started
    return {
        "backend": "ctranslate2 (plain)",
        "segments": len(lines),
        "generated_tokens": generated,
        "seconds": seconds,
        "load_s": round(load_s, 2),
        "dtype": kind,
    }


def run_phase(args: argparse.Namespace) -> None:
    """Child process: one side of the comparison, its result as JSON on stdout."""
    lines = Path(args.lines).read_text(encoding="utf-8").splitlines()
    if args.phase == "naive":
        result = naive(Path(args.model), lines, args.beams, args.device, args.output_tokens)
    elif args.phase == "plain_ctranslate2":
        result = plain_ctranslate2(
            Path(args.model), lines, args.beams, args.device, args.batch_tokens, args.output_tokens
        )
    else:
        backend = args.phase.removeprefix("ours_")
        result = ours(
            Path(args.model), Path(args.lines), args.beams, args.device, args.batch_tokens, backend, args.output_tokens
        )
    result["segments_per_second"] = result["segments"] / result["seconds"]
    result["tokens_per_second"] = result["generated_tokens"] / result["seconds"]
    result["peak_rss_mib"] = peak_rss_mib()
    print(json.dumps(result))


def child(phase: str, model: Path, lines: Path, args: argparse.Namespace) -> dict[str, Any]:
    command = [sys.executable, __file__, "--phase", phase, "--model", str(model), "--lines", str(lines)]
    command += ["--beams", str(args.beams), "--device", args.device, "--batch-tokens", str(args.batch_tokens)]
    command += ["--output-tokens", str(args.output_tokens)]
    done = subprocess.run(command, capture_output=True, text=True, cwd=ROOT)
    if done.returncode != 0:
        raise RuntimeError(f"{phase} phase failed:\n{done.stderr[-3000:]}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--input", type=Path, default=DEFAULT_INPUT)
    parser.add_argument("--beams", type=int, default=4)
    parser.add_argument("--device", choices=["cpu", "cuda"], default="cpu")
    parser.add_argument("--naive-sample", type=int, default=40, help="lines the naive loop translates")
    parser.add_argument("--limit", type=int, default=None, help="lines of the input the batch job translates")
    parser.add_argument("--batch-tokens", type=int, default=None, help="default: the batch job's for the device")
    parser.add_argument("--out", type=Path, default=None)
    parser.add_argument(
        "--phase", choices=["naive", "ours_torch", "ours_ctranslate2", "plain_ctranslate2"], help=argparse.SUPPRESS
    )
    parser.add_argument("--model", help=argparse.SUPPRESS)
    parser.add_argument("--lines", help=argparse.SUPPRESS)
    parser.add_argument("--output-tokens", dest="output_tokens", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    args.batch_tokens = args.batch_tokens or default_batch_tokens(args.device)
    if args.phase:
        run_phase(args)
        return 0
    if not args.input.is_file():
        print(f"input not found: {args.input} (the NTREX file lives in ../shared)", file=sys.stderr)
        return 1
    lines = args.input.read_text(encoding="utf-8").splitlines()
    spec = find_spec(MODEL)
    assert spec is not None and spec.architecture, "the catalog must hold the default translator's architecture"
    with tempfile.TemporaryDirectory() as scratch:
        work = Path(scratch)
        model = build_sized(
            "marian", work / "model", sentences=lines, spm_vocab=SPM_VOCAB, architecture=spec.architecture
        )
        counted = AutoTokenizer.from_pretrained(model)(lines[: args.limit], add_special_tokens=False)["input_ids"]
        args.output_tokens = output_length([len(ids) for ids in counted])
        sample = random.Random(0).sample(lines, min(args.naive_sample, len(lines)))
        (work / "sample.txt").write_text("\n".join(sample) + "\n", encoding="utf-8")
        (work / "all.txt").write_text("\n".join(lines[: args.limit]) + "\n", encoding="utf-8")
        backends = ["ctranslate2", "torch"] if ct2.installed() else ["torch"]
        sides = {f"ours_{backend}": child(f"ours_{backend}", model, work / "all.txt", args) for backend in backends}
        if ct2.installed():
            sides["plain_ctranslate2"] = child("plain_ctranslate2", model, work / "all.txt", args)
        baseline = child("naive", model, work / "sample.txt", args)
    batched = sides[f"ours_{backends[0]}"]
    report = {
        "benchmark": "translate_throughput",
        "input": str(args.input),
        "model": {"shape_of": MODEL, "architecture": spec.architecture, "tokenizer": f"sentencepiece ~{SPM_VOCAB}"},
        "beams": args.beams,
        "device": args.device,
        "output_tokens": f"{args.output_tokens} per sentence, forced: ceil({OUTPUT_RATIO} x mean source tokens)",
        "default_backend": backends[0],
        "ours": batched,
        **{name: side for name, side in sides.items() if side is not batched},
        "naive": baseline,
        "speedup_segments_per_second": batched["segments_per_second"] / baseline["segments_per_second"],
        "speedup_tokens_per_second": batched["tokens_per_second"] / baseline["tokens_per_second"],
        **{
            f"speedup_vs_{name}": batched["segments_per_second"] / side["segments_per_second"]
            for name, side in sides.items()
            if side is not batched
        },
        "machine": {**machine(), "torch_threads": torch.get_num_threads()},
    }
    out = args.out or RESULTS / f"translate-throughput-{args.device}-beam{args.beams}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    for name, side in {**sides, "naive": baseline}.items():
        print(f"{name:<18} {side['segments_per_second']:7.2f} segments/s, {side['tokens_per_second']:8.1f} tokens/s, "
              f"peak RSS {side['peak_rss_mib']:5.0f} MiB ({side['segments']} segments)")  # fmt: skip
    print(f"speedup: {report['speedup_segments_per_second']:.1f}x segments/s; written to {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
