"""Batch-translation throughput: `khulasa translate-batch` against the loop a user would write, in one run.

Usage: python benchmarks/translate_throughput.py [--input FILE] [--beams 4] [--device cpu|cuda]
                                                 [--naive-sample 40] [--limit N] [--batch-tokens N] [--out JSON]

Both sides run a random-weight copy of the default translator with its real architecture (the catalog's
`architecture` of Helsinki-NLP/opus-mt-tc-big-ar-en: 6+6 layers, d_model 1024, 16 heads, FFN 4096, vocabulary
61,109) and a sentencepiece tokenizer trained on the input itself. Every output is forced to exactly
ceil(1.2 x source tokens) tokens, so timing does not depend on the random weights. The naive side is one `generate`
per line, fp32, beam search as asked, on a random sample of lines (the whole file would take hours); ours is the
real batch job (int8 on CPU, length-sorted token-budget batches) over the whole file (or --limit lines). Each side
runs in its own process so its peak RSS is its own. Writes JSON (segments/s, tokens/s, peak RSS, the ratio,
machine facts) to benchmarks/results/.
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
from service.engines.catalog import find_spec
from service.engines.loading import load_seq2seq, pick_device
from service.engines.seq2seq import Seq2SeqEngine
from service.engines.tiny import build_sized
from service.engines.translator import PerInputLengthCap, Seq2SeqTranslator

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_INPUT = ROOT.parent / "shared" / "data" / "translation" / "ntrex128-newstest2019.ar.txt"
RESULTS = ROOT / "benchmarks" / "results"
MODEL = "Helsinki-NLP/opus-mt-tc-big-ar-en"
OUTPUT_RATIO = 1.2
SPM_VOCAB = 16_000


def output_length(source_tokens: int) -> int:
    return max(1, math.ceil(OUTPUT_RATIO * source_tokens))


class ForcedLengths:
    """The translator's `output_lengths`: ceil(1.2 x source tokens) per sentence, counted as they are handed out."""

    def __init__(self) -> None:
        self.generated_tokens = 0

    def __call__(self, source_tokens: list[int]) -> list[int]:
        targets = [output_length(n) for n in source_tokens]
        self.generated_tokens += sum(targets)
        return targets


def fixed_length_translator(engine: Seq2SeqEngine, lengths: ForcedLengths | None = None) -> Seq2SeqTranslator:
    """The production translator with every output forced to exactly its `lengths` (a fresh counter by default)."""
    return Seq2SeqTranslator(engine, output_lengths=lengths or ForcedLengths(), exact_lengths=True)


def naive(model_dir: Path, lines: list[str], beams: int, device: str) -> dict[str, Any]:
    """What a user writes with transformers by hand: one generate per line, fp32."""
    tokenizer = AutoTokenizer.from_pretrained(model_dir)
    model = AutoModelForSeq2SeqLM.from_pretrained(model_dir).to(device).eval()
    eos = int(model.config.eos_token_id)
    generated = 0
    started = time.perf_counter()
    for line in lines:
        batch = tokenizer(line, return_tensors="pt").to(device)
        target = output_length(batch["input_ids"].shape[1] - 1)
        generated += target
        processors = LogitsProcessorList([PerInputLengthCap([target], eos, beams, exact=True)])
        with torch.no_grad():
            output = model.generate(**batch, num_beams=beams, max_new_tokens=target + 1, logits_processor=processors)
        tokenizer.decode(output[0], skip_special_tokens=True)
    return {"segments": len(lines), "generated_tokens": generated, "seconds": time.perf_counter() - started}


def ours(model_dir: Path, source: Path, beams: int, device: str, batch_tokens: int) -> dict[str, Any]:
    """The real batch job over `source`."""
    loaded = load_seq2seq(str(model_dir), device=pick_device(device), quantize="auto")
    lengths = ForcedLengths()
    translator = fixed_length_translator(
        Seq2SeqEngine(loaded, role="translator", generate_overrides={"num_beams": beams}), lengths
    )
    with tempfile.TemporaryDirectory() as scratch:
        options = BatchOptions(str(source), str(Path(scratch) / "out.txt"), batch_tokens=batch_tokens, force=True)
        started = time.perf_counter()
        stats = run_batch(options, translator)
        seconds = time.perf_counter() - started
    return {
        "segments": stats.segments,
        "sentences": stats.sentences,
        "source_tokens": stats.source_tokens,
        "generated_tokens": lengths.generated_tokens,
        "seconds": seconds,
        "quantization": loaded.quantization,
        "dtype": str(loaded.dtype).removeprefix("torch."),
        "batch_tokens": batch_tokens,
    }


def run_phase(args: argparse.Namespace) -> None:
    """Child process: one side of the comparison, its result as JSON on stdout."""
    lines = Path(args.lines).read_text(encoding="utf-8").splitlines()
    if args.phase == "naive":
        result = naive(Path(args.model), lines, args.beams, args.device)
    else:
        result = ours(Path(args.model), Path(args.lines), args.beams, args.device, args.batch_tokens)
    result["segments_per_second"] = result["segments"] / result["seconds"]
    result["tokens_per_second"] = result["generated_tokens"] / result["seconds"]
    result["peak_rss_mib"] = peak_rss_mib()
    print(json.dumps(result))


def child(phase: str, model: Path, lines: Path, args: argparse.Namespace) -> dict[str, Any]:
    command = [sys.executable, __file__, "--phase", phase, "--model", str(model), "--lines", str(lines)]
    command += ["--beams", str(args.beams), "--device", args.device, "--batch-tokens", str(args.batch_tokens)]
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
    parser.add_argument("--phase", choices=["naive", "ours"], help=argparse.SUPPRESS)
    parser.add_argument("--model", help=argparse.SUPPRESS)
    parser.add_argument("--lines", help=argparse.SUPPRESS)
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
        sample = random.Random(0).sample(lines, min(args.naive_sample, len(lines)))
        (work / "sample.txt").write_text("\n".join(sample) + "\n", encoding="utf-8")
        (work / "all.txt").write_text("\n".join(lines[: args.limit]) + "\n", encoding="utf-8")
        batched = child("ours", model, work / "all.txt", args)
        baseline = child("naive", model, work / "sample.txt", args)
    report = {
        "benchmark": "translate_throughput",
        "input": str(args.input),
        "model": {"shape_of": MODEL, "architecture": spec.architecture, "tokenizer": f"sentencepiece ~{SPM_VOCAB}"},
        "beams": args.beams,
        "device": args.device,
        "output_tokens": f"ceil({OUTPUT_RATIO} x source tokens), forced",
        "ours": batched,
        "naive": baseline,
        "speedup_segments_per_second": batched["segments_per_second"] / baseline["segments_per_second"],
        "speedup_tokens_per_second": batched["tokens_per_second"] / baseline["tokens_per_second"],
        "machine": {**machine(), "torch_threads": torch.get_num_threads()},
    }
    out = args.out or RESULTS / f"translate-throughput-{args.device}-beam{args.beams}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"ours:  {batched['segments_per_second']:.2f} segments/s, {batched['tokens_per_second']:.1f} tokens/s, "
          f"peak RSS {batched['peak_rss_mib']:.0f} MiB ({batched['segments']} segments)")  # fmt: skip
    print(f"naive: {baseline['segments_per_second']:.2f} segments/s, {baseline['tokens_per_second']:.1f} tokens/s, "
          f"peak RSS {baseline['peak_rss_mib']:.0f} MiB ({baseline['segments']} segments)")  # fmt: skip
    print(f"speedup: {report['speedup_segments_per_second']:.1f}x segments/s; written to {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
