"""Latency of the /summarize pipeline on the reference article and dev-set articles, against the naive path.

Usage: python benchmarks/latency.py [--device cpu|cuda] [--beams 4] [--runs 3] [--dev 2] [--baseline] [--full-vocab]
                                   [--no-greedy] [--out JSON]

Both models are random-weight copies in their real shapes, built from the catalog's `architecture` fields
(mT5-XLSum: d_model 768, 12+12 layers, 12 heads, d_ff 2048 gated-gelu, vocabulary 250,112, untied head;
opus-mt-tc-big-ar-en: 6+6, d_model 1024, 16 heads, FFN 4096, vocabulary 61,109), with sentencepiece tokenizers trained
on the articles. Output lengths are forced (64 new tokens per section summary, ceil(1.2 x source tokens) per
translated sentence) so timing does not depend on the weights. "Ours" is the service's pipeline with its defaults
for the device (int8 on CPU, one batched generate per stage); `--baseline` adds, in the same run, the path a user
would write by hand: every section and every sentence its own `generate`, fp32. Writes JSON (p50/p95/p99, stage
times, tokens/s, peak RSS, device, dtype, versions) to benchmarks/results/.
"""

import argparse
import json
import multiprocessing
import statistics
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import torch
from transformers import LogitsProcessor, LogitsProcessorList

from benchmarks.machine import machine, peak_rss_mib
from benchmarks.translate_throughput import fixed_length_translator
from service.engines.catalog import find_spec
from service.engines.loading import load_seq2seq, pick_device
from service.engines.seq2seq import Seq2SeqEngine
from service.engines.summarizer import Seq2SeqSummarizer
from service.engines.tiny import build_sized
from service.pipeline import DigestPipeline
from service.text import split_sentences

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
REFERENCE = SHARED / "examples" / "sirte-airstrikes.ar.txt"
DEV = SHARED / "data" / "segmentation" / "dev.jsonl"
RESULTS = ROOT / "benchmarks" / "results"
SUMMARIZER, TRANSLATOR = "csebuetnlp/mT5_multilingual_XLSum", "Helsinki-NLP/opus-mt-tc-big-ar-en"
SUMMARY_TOKENS = 64
SPM_VOCAB = 16_000


class KnownPiecesOnly(LogitsProcessor):
    """Random weights pick ids anywhere in the 250k head; the small benchmark tokenizer cannot decode most of them,
    which would leave the translator almost nothing to do. Keep generated ids within the tokenizer, so a 64-token
    summary decodes to 64 pieces of text as a real one would.

    `full_ids` maps the columns of a restricted head (compact ids) to tokenizer ids; None for a full head.
    """

    def __init__(self, known: int, full_ids: torch.Tensor | None = None) -> None:
        self.known = known
        self.full_ids = full_ids

    def __call__(self, input_ids: torch.LongTensor, scores: torch.FloatTensor) -> torch.FloatTensor:
        if self.full_ids is None:
            scores[:, self.known :] = float("-inf")
        else:
            scores[:, self.full_ids.to(scores.device) >= self.known] = float("-inf")
        return scores


class OneByOne:
    """The naive path: the same engine, one `generate` per item."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.name: str = inner.name
        self.device: str = inner.device

    @property
    def tokens_generated(self) -> int:
        return self.inner.tokens_generated

    def describe(self) -> dict[str, Any]:
        return self.inner.describe()

    def count_tokens(self, texts: list[str]) -> list[int]:
        return self.inner.count_tokens(texts)

    def summarize_batch(self, texts: list[str]) -> list[str]:
        return [self.inner.summarize_batch([text])[0] for text in texts]

    def translate_batch(self, sentences: list[str]) -> list[str]:
        return [self.inner.translate_batch([sentence])[0] for sentence in sentences]

    def translate_alternatives(self, sentences: list[str], count: int) -> list[list[str]]:
        return [self.inner.translate_alternatives([sentence], count)[0] for sentence in sentences]


def articles(dev_count: int) -> dict[str, str]:
    chosen = {"reference": REFERENCE.read_text(encoding="utf-8")}
    with DEV.open(encoding="utf-8") as handle:
        for line, _ in zip(handle, range(dev_count), strict=False):
            document = json.loads(line)
            chosen[document["id"]] = document["text"]
    return chosen


def build(work: Path, texts: list[str]) -> tuple[Path, Path]:
    sentences = [span.text for text in texts for span in split_sentences(text)]
    with DEV.open(encoding="utf-8") as handle:  # more text for the tokenizers than the few articles timed
        sentences += [span.text for line in handle for span in split_sentences(json.loads(line)["text"])]
    built = []
    for family, model_id in (("mt5", SUMMARIZER), ("marian", TRANSLATOR)):
        spec = find_spec(model_id)
        assert spec is not None and spec.architecture, f"the catalog must hold {model_id}'s architecture"
        built.append(
            build_sized(family, work / family, sentences=sentences, spm_vocab=SPM_VOCAB, architecture=spec.architecture)
        )
    return built[0], built[1]


def pipeline(
    summarizer_dir: Path, translator_dir: Path, device: str, beams: int, quantize: str, output_vocab: str
) -> DigestPipeline:
    spec = find_spec(SUMMARIZER)
    assert spec is not None
    target = pick_device(device)
    loaded = load_seq2seq(str(summarizer_dir), device=target, quantize=quantize, output_vocab=output_vocab)
    full_ids = loaded.vocabulary.full_ids if loaded.vocabulary is not None else None
    forced = {
        **spec.generation,
        "num_beams": beams,
        "min_new_tokens": SUMMARY_TOKENS,
        "max_new_tokens": SUMMARY_TOKENS,
        "logits_processor": LogitsProcessorList([KnownPiecesOnly(len(loaded.tokenizer), full_ids)]),
    }
    summarizer = Seq2SeqSummarizer(
        Seq2SeqEngine(loaded, role="summarizer", generate_overrides=forced, max_input_tokens=spec.max_input_tokens)
    )
    translator_engine = Seq2SeqEngine(
        load_seq2seq(str(translator_dir), device=target, quantize=quantize),
        role="translator",
        generate_overrides={"num_beams": beams},
    )
    return DigestPipeline(summarizer, fixed_length_translator(translator_engine))


def percentiles(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)

    def rank(fraction: float) -> float:
        return round(ordered[min(len(ordered) - 1, max(0, round(fraction * len(ordered)) - 1))], 1)

    return {"p50": rank(0.50), "p95": rank(0.95), "p99": rank(0.99), "mean": round(statistics.fmean(ordered), 1)}


def measure(digest: DigestPipeline, texts: dict[str, str], runs: int) -> dict[str, Any]:
    """Run every article `runs` times; latencies in milliseconds."""
    totals: dict[str, list[float]] = {name: [] for name in texts}
    stages: dict[str, list[float]] = {}
    sections: dict[str, int] = {}
    engines = [digest.summarizer, digest.translator]
    tokens_before = sum(engine.tokens_generated for engine in engines)
    started = time.perf_counter()
    for _ in range(runs):
        for name, text in texts.items():
            begun = time.perf_counter()
            result = digest.run(
                text, observe=lambda stage, seconds: stages.setdefault(stage, []).append(seconds * 1000)
            )
            totals[name].append((time.perf_counter() - begun) * 1000)
            sections[name] = len(result.sections)
    seconds = time.perf_counter() - started
    tokens = sum(engine.tokens_generated for engine in engines) - tokens_before
    return {
        "latency_ms": {name: percentiles(values) for name, values in totals.items()},
        "all_ms": percentiles([value for values in totals.values() for value in values]),
        "stage_ms": {stage: percentiles(values) for stage, values in stages.items()},
        "sections": sections,
        "generated_tokens_per_second": round(tokens / seconds, 1),
    }


def measure_side(
    side: str, models: tuple[Path, Path], texts: dict[str, str], device: str, beams: int, runs: int, full_vocab: bool
) -> dict[str, Any]:
    """One side of the comparison, meant to run in a fresh process so its peak RSS is a server's: loading included,
    model building excluded."""
    summarizer_dir, translator_dir = models
    if side == "naive":
        # The hand-written path knows nothing of vocabulary restriction: full head, fp32, one generate per item.
        plain = pipeline(summarizer_dir, translator_dir, device, beams, "none", "full")
        digest = DigestPipeline(OneByOne(plain.summarizer), OneByOne(plain.translator))
        return measure(digest, texts, runs) | {"peak_rss_mib": peak_rss_mib()}
    digest = pipeline(summarizer_dir, translator_dir, device, beams, "auto", "full" if full_vocab else "arabic")
    digest.run(texts["reference"])  # warm-up: first-call allocations are not what users wait for
    result = measure(digest, texts, runs)
    described = digest.summarizer.describe()
    return result | {
        "beams": beams,
        "dtype": described["dtype"],
        "quantization": described["quantization"],
        "output_vocabulary": described["output_vocabulary"],
        "threads": torch.get_num_threads(),
        "peak_rss_mib": peak_rss_mib(),
    }


def in_fresh_process(*args: Any) -> dict[str, Any]:
    with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as pool:
        return pool.submit(measure_side, *args).result()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--device", choices=["cpu", "cuda"], default="cpu")
    parser.add_argument("--beams", type=int, default=4)
    parser.add_argument("--runs", type=int, default=3, help="timed runs of each article")
    parser.add_argument("--dev", type=int, default=2, help="dev-set articles timed beside the reference article")
    parser.add_argument("--baseline", action="store_true", help="also time the naive path (one run per article)")
    parser.add_argument("--no-greedy", action="store_true", help="skip timing ours with greedy search (1 beam)")
    parser.add_argument(
        "--full-vocab", action="store_true", help="ours without the summarizer's Arabic output-vocabulary restriction"
    )
    parser.add_argument("--out", type=Path, help="JSON path; the chart goes beside it as .png")
    args = parser.parse_args(argv)
    if not REFERENCE.is_file() or not DEV.is_file():
        print(f"needs ../shared beside the checkout ({REFERENCE}, {DEV})", file=sys.stderr)
        return 1
    texts = articles(args.dev)
    report: dict[str, Any] = {"benchmark": "latency", "device": args.device, "beams": args.beams, "runs": args.runs}
    with tempfile.TemporaryDirectory() as scratch:
        models = build(Path(scratch), list(texts.values()))
        common = (models, texts, args.device)
        report["ours"] = in_fresh_process("ours", *common, args.beams, args.runs, args.full_vocab)
        if not args.no_greedy:
            reference = {"reference": texts["reference"]}
            report["ours_greedy"] = in_fresh_process(
                "ours", models, reference, args.device, 1, args.runs, args.full_vocab
            )
        if args.baseline:
            report["naive"] = in_fresh_process("naive", *common, args.beams, 1, True)
            ours_p50 = report["ours"]["latency_ms"]["reference"]["p50"]
            report["speedup_reference_p50"] = round(report["naive"]["latency_ms"]["reference"]["p50"] / ours_p50, 2)
    report["output_tokens"] = {"summary": SUMMARY_TOKENS, "translation": "ceil(1.2 x source tokens)"}
    report["machine"] = machine()
    out = args.out or RESULTS / f"latency-{args.device}-beam{args.beams}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(report, indent=2, ensure_ascii=False)
    out.write_text(text + "\n", encoding="utf-8")
    chart(report, out.with_suffix(".png"))
    print(text)
    return 0


def chart(report: dict[str, Any], path: Path) -> None:
    """Reference-article p50 per configuration, split into stages, as a horizontal bar chart."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    beams = report["beams"]
    rows = [
        (f"naive: fp32, one generate per item, {beams} beams", report.get("naive")),
        (f"Khulasa: {beams} beams", report["ours"]),
        ("Khulasa: greedy", report.get("ours_greedy")),
    ]
    rows = [(label, side) for label, side in rows if side is not None]
    figure, axes = plt.subplots(figsize=(9, 1.1 + 0.7 * len(rows)))
    for y, (_, side) in enumerate(rows):
        left = 0.0
        for stage, colour in (("summarize", "#1f5fa8"), ("translate", "#e08a1e")):
            width = side["stage_ms"][stage]["p50"] / 1000
            axes.barh(y, width, left=left, color=colour, label=stage if y == 0 else None)
            left += width
        total = side["latency_ms"]["reference"]["p50"] / 1000
        axes.text(total, y, f"  {total:.1f} s", va="center")
    axes.set_yticks(range(len(rows)), [label for label, _ in rows])
    axes.invert_yaxis()
    axes.set_xlabel("reference article, p50 seconds (stage p50s stacked)")
    cpus = report["machine"].get("cpu_count")
    title = f"/summarize latency, {report['device']} ({cpus} CPUs), random weights in the real shapes"
    axes.set_title(title, fontsize=10)
    axes.legend(loc="lower right")
    axes.set_xlim(0, max(side["latency_ms"]["reference"]["p50"] for _, side in rows) / 1000 * 1.2)
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)


if __name__ == "__main__":
    raise SystemExit(main())
