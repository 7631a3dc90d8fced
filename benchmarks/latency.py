"""Latency of the /summarize pipeline on the reference article and dev-set articles: each backend, plain
CTranslate2 and the naive transformers path, in one run.

Usage: python benchmarks/latency.py [--device cpu|cuda] [--beams 4] [--runs 3] [--dev 2] [--baseline] [--full-vocab]
                                   [--no-greedy] [--no-server] [--out JSON]

Both models are random-weight copies in their real shapes, built from the catalog's `architecture` fields
(mT5-XLSum: d_model 768, 12+12 layers, 12 heads, d_ff 2048 gated-gelu, vocabulary 250,112, untied head;
opus-mt-tc-big-ar-en: 6+6, d_model 1024, 16 heads, FFN 4096, vocabulary 61,109), with sentencepiece tokenizers trained
on the articles. Output lengths are forced (64 new tokens per section summary, 32 per translated sentence) so timing
does not depend on the weights. Every side runs in a fresh process, so its load time and peak RSS are its own:

- ours: the service's pipeline with its defaults for the device, on the default backend (CTranslate2 when installed,
  else torch), and on every other installed backend (ours_torch / ours_ctranslate2); ours_greedy: 1 beam;
- plain_ctranslate2 (when installed): CTranslate2 as a user would call it on the same converted int8 model: default
  threads, full vocabulary, one `translate_batch` per stage over the same sections and the same sentences;
- naive (`--baseline`): the path a user writes with transformers by hand: fp32, every section and every sentence its
  own `generate`.

Unless --no-server, a real `khulasa serve` on each backend is then started with the converted model cached, and its
time to /ready and its peak RSS after answering the reference article are recorded. Writes JSON (p50/p95/p99, stage
times, tokens/s, load seconds, peak RSS, device, versions) and a chart to benchmarks/results/.
"""

import argparse
import json
import multiprocessing
import os
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import torch
from transformers import LogitsProcessor, LogitsProcessorList

from benchmarks.machine import machine, peak_rss_mib
from service.config import Settings
from service.engines import ct2
from service.engines.catalog import find_spec
from service.engines.factory import load_summarizer, load_translator, resolve_backend
from service.engines.torch_backend.tiny import build_sized
from service.pipeline import DigestPipeline
from service.text import split_sentences

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
REFERENCE = SHARED / "examples" / "sirte-airstrikes.ar.txt"
DEV = SHARED / "data" / "segmentation" / "dev.jsonl"
RESULTS = ROOT / "benchmarks" / "results"
SUMMARIZER, TRANSLATOR = "csebuetnlp/mT5_multilingual_XLSum", "Helsinki-NLP/opus-mt-tc-big-ar-en"
SUMMARY_TOKENS = 64
SENTENCE_TOKENS = 32
SPM_VOCAB = 16_000


class KnownPiecesOnly(LogitsProcessor):
    """Random weights pick ids anywhere in the 250k head; the small benchmark tokenizer cannot decode most of them,
    which would leave the translator almost nothing to do. Keep generated ids within the tokenizer, so a 64-token
    summary decodes to 64 pieces of text as a real one would. (The Arabic output restriction keeps them there by
    itself: its tokens all come from the tokenizer.)

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
    """The naive path: the same engine, one call per item."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.name: str = inner.name
        self.device: str = inner.device

    @property
    def tokens_generated(self) -> int:
        return int(self.inner.tokens_generated)

    def describe(self) -> dict[str, Any]:
        return dict(self.inner.describe())

    def count_tokens(self, texts: list[str]) -> list[int]:
        return list(self.inner.count_tokens(texts))

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


def summary_generation(beams: int) -> dict[str, Any]:
    """The catalog's summarizer settings with the beams asked for and exactly SUMMARY_TOKENS new tokens."""
    spec = find_spec(SUMMARIZER)
    assert spec is not None
    return {**spec.generation, "num_beams": beams, "min_new_tokens": SUMMARY_TOKENS, "max_new_tokens": SUMMARY_TOKENS}


def settings_for(models: tuple[Path, Path], cache: Path, device: str, **chosen: Any) -> Settings:
    spec = find_spec(SUMMARIZER)
    assert spec is not None
    summarizer, translator = models
    return Settings(
        summarizer=str(summarizer),
        translator=str(translator),
        device=device,  # type: ignore[arg-type]
        ct2_cache=cache,
        summarizer_max_input_tokens=spec.max_input_tokens,
        **chosen,
    )


def fixed_sentence_lengths(source_tokens: list[int]) -> list[int]:
    return [SENTENCE_TOKENS] * len(source_tokens)


def pipeline(settings: Settings, beams: int) -> DigestPipeline:
    """The service's two engines, built by the service's factory, with output lengths forced."""
    generation = summary_generation(beams)
    if settings.summarizer_output_vocab == "full" and resolve_backend(settings) == "torch":
        known = len(_tokenizer(settings.summarizer))
        generation["logits_processor"] = LogitsProcessorList([KnownPiecesOnly(known)])
    forced = settings.model_copy(
        update={"summarizer_generate": generation, "translator_generate": {"num_beams": beams}}
    )
    summarizer = load_summarizer(forced)
    translator = load_translator(forced, output_lengths=fixed_sentence_lengths, exact_lengths=True)
    return DigestPipeline(summarizer, translator)


def _tokenizer(path: str) -> Any:
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(path)


def percentiles(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)

    def rank(fraction: float) -> float:
        return round(ordered[min(len(ordered) - 1, max(0, round(fraction * len(ordered)) - 1))], 1)

    return {"p50": rank(0.50), "p95": rank(0.95), "p99": rank(0.99), "mean": round(statistics.fmean(ordered), 1)}


def measure(digest: DigestPipeline, texts: dict[str, str], runs: int) -> dict[str, Any]:
    """Run every article `runs` times; latencies in milliseconds; the sentences each article's summaries gave."""
    totals: dict[str, list[float]] = {name: [] for name in texts}
    stages: dict[str, list[float]] = {}
    sections: dict[str, list[str]] = {}
    sentences: dict[str, list[str]] = {}
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
            sections[name] = [section.text for section in result.sections]
            sentences[name] = [s.text for section in result.sections for s in split_sentences(section.summary.ar)]
    seconds = time.perf_counter() - started
    tokens = sum(engine.tokens_generated for engine in engines) - tokens_before
    return {
        "latency_ms": {name: percentiles(values) for name, values in totals.items()},
        "all_ms": percentiles([value for values in totals.values() for value in values]),
        "stage_ms": {stage: percentiles(values) for stage, values in stages.items()},
        "sections": {name: len(found) for name, found in sections.items()},
        "translated_sentences": {name: len(found) for name, found in sentences.items()},
        "generated_tokens_per_second": round(tokens / seconds, 1),
        "workload": {"sections": sections, "sentences": sentences},
    }


def measure_side(
    side: str, settings: Settings, texts: dict[str, str], beams: int, runs: int, workload: dict[str, Any] | None
) -> dict[str, Any]:
    """One side of the comparison, meant to run in a fresh process so its peak RSS is a server's: loading included,
    model building excluded."""
    if side == "plain_ctranslate2":
        assert workload is not None
        return plain_ctranslate2(settings, workload, beams, runs) | {"peak_rss_mib": peak_rss_mib()}
    began = time.perf_counter()
    digest = pipeline(settings, beams)
    load_s = round(time.perf_counter() - began, 2)
    if side == "naive":
        digest = DigestPipeline(OneByOne(digest.summarizer), OneByOne(digest.translator))
    else:
        digest.run(texts["reference"])  # warm-up: first-call allocations are not what users wait for
    result = measure(digest, texts, runs)
    described = digest.summarizer.describe()
    return result | {
        "backend": described.get("backend"),
        "beams": beams,
        "load_s": load_s,
        "dtype": described["dtype"],
        "quantization": described["quantization"],
        "output_vocabulary": described["output_vocabulary"],
        "peak_rss_mib": peak_rss_mib(),
    }


def plain_ctranslate2(settings: Settings, workload: dict[str, Any], beams: int, runs: int) -> dict[str, Any]:
    """CTranslate2 as its documentation shows it: the converted int8 model, default threads, full vocabulary, one
    `translate_batch` per stage; the sections and the sentences are the ones the service's run produced."""
    import ctranslate2

    began = time.perf_counter()
    paths = {}
    for role in ("summarizer", "translator"):
        paths[role] = (getattr(settings, role), *ct2.ensure_converted(settings, role, None))
    device = "cuda" if settings.device == "cuda" else "cpu"
    models = {role: ctranslate2.Translator(str(found[1]), device=device, compute_type=found[3]) for role, found in
              paths.items()}  # fmt: skip
    tokenizers = {role: _tokenizer(str(found[0])) for role, found in paths.items()}
    load_s = round(time.perf_counter() - began, 2)

    def tokens(role: str, texts: list[str]) -> list[list[str]]:
        tokenizer = tokenizers[role]
        return [tokenizer.convert_ids_to_tokens(ids) for ids in tokenizer(texts)["input_ids"]]

    generation = summary_generation(beams)
    summarize_options = {
        "beam_size": beams,
        "min_decoding_length": SUMMARY_TOKENS,
        "max_decoding_length": SUMMARY_TOKENS,
        "no_repeat_ngram_size": generation.get("no_repeat_ngram_size", 0),
        "length_penalty": generation.get("length_penalty", 1.0),
    }
    translate_options = {
        "beam_size": beams,
        "min_decoding_length": SENTENCE_TOKENS,
        "max_decoding_length": SENTENCE_TOKENS,
    }
    totals: dict[str, list[float]] = {name: [] for name in workload["sections"]}
    stages: dict[str, list[float]] = {"summarize": [], "translate": []}
    for run in range(runs + 1):  # the first run warms up
        for name, sections in workload["sections"].items():
            begun = time.perf_counter()
            found = models["summarizer"].translate_batch(tokens("summarizer", sections), **summarize_options)
            [tokenizers["summarizer"].decode(tokenizers["summarizer"].convert_tokens_to_ids(r.hypotheses[0]))
             for r in found]  # fmt: skip
            middle = time.perf_counter()
            sentences = workload["sentences"][name]
            if sentences:
                done = models["translator"].translate_batch(tokens("translator", sentences), **translate_options)
                [tokenizers["translator"].decode(tokenizers["translator"].convert_tokens_to_ids(r.hypotheses[0]))
                 for r in done]  # fmt: skip
            end = time.perf_counter()
            if run:
                totals[name].append((end - begun) * 1000)
                stages["summarize"].append((middle - begun) * 1000)
                stages["translate"].append((end - middle) * 1000)
    return {
        "backend": "ctranslate2 (plain)",
        "beams": beams,
        "load_s": load_s,
        "latency_ms": {name: percentiles(values) for name, values in totals.items()},
        "stage_ms": {stage: percentiles(values) for stage, values in stages.items()},
        "translated_sentences": {name: len(found) for name, found in workload["sentences"].items()},
        "dtype": paths["summarizer"][3],
        "output_vocabulary": "full",
    }


def in_fresh_process(*args: Any) -> dict[str, Any]:
    with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as pool:
        result: dict[str, Any] = pool.submit(measure_side, *args).result()
    progress(f"{args[0]}: reference p50 {result['latency_ms']['reference']['p50'] / 1000:.2f} s, "
             f"peak RSS {result['peak_rss_mib']:.0f} MiB")  # fmt: skip
    return result


def progress(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


def server_start(models: tuple[Path, Path], cache: Path, device: str, backend: str, beams: int) -> dict[str, Any]:
    """A real `khulasa serve` on `backend` with the converted model already cached: seconds from spawn to /ready
    answering 200, and the process's peak RSS after it answered /summarize on the reference article."""
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = int(probe.getsockname()[1])
    env = {key: value for key, value in os.environ.items() if not key.startswith("KHULASA_")}
    env.update(
        KHULASA_SUMMARIZER=str(models[0]),
        KHULASA_TRANSLATOR=str(models[1]),
        KHULASA_DEVICE=device,
        KHULASA_BACKEND=backend,
        KHULASA_CT2_CACHE=str(cache),
        KHULASA_SUMMARIZER_GENERATE=json.dumps(summary_generation(beams)),
        KHULASA_TRANSLATOR_GENERATE=json.dumps({"num_beams": beams}),
        KHULASA_LOG_LEVEL="warning",
    )
    began = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-m", "service", "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        cwd=ROOT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        while True:
            if process.poll() is not None:
                return {"backend": backend, "error": f"server exited with {process.returncode}"}
            try:
                if httpx.get(f"{base}/ready", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.perf_counter() - began > 300:
                return {"backend": backend, "error": "not ready within 300 s"}
            time.sleep(0.05)
        ready_s = round(time.perf_counter() - began, 2)
        progress(f"server on {backend}: ready in {ready_s} s")
        ready_rss = _process_peak_rss(process.pid)
        at_ready = _process_rss(process.pid)
        loaded = httpx.get(f"{base}/info", timeout=10).json().get("loaded")
        libtorch = "libtorch" in Path(f"/proc/{process.pid}/maps").read_text()
        answered = httpx.post(f"{base}/summarize", json={"text": REFERENCE.read_text(encoding="utf-8")}, timeout=600)
        return {
            "backend": backend,
            "ready_s": ready_s,
            "peak_rss_mib_at_ready": ready_rss,
            "rss_mib_at_ready": at_ready,
            "loaded_at_ready": loaded,
            "libtorch_mapped": libtorch,
            "summarize_status": answered.status_code,
            "peak_rss_mib": _process_peak_rss(process.pid),
        }
    finally:
        process.terminate()
        process.wait(timeout=30)


def _process_rss(pid: int) -> float | None:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return round(int(line.split()[1]) / 1024, 1)
    return None


def _process_peak_rss(pid: int) -> float | None:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return round(int(line.split()[1]) / 1024, 1)
    return None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--device", choices=["cpu", "cuda"], default="cpu")
    parser.add_argument("--beams", type=int, default=4)
    parser.add_argument("--runs", type=int, default=3, help="timed runs of each article")
    parser.add_argument("--dev", type=int, default=2, help="dev-set articles timed beside the reference article")
    parser.add_argument("--baseline", action="store_true", help="also time the naive path (one run per article)")
    parser.add_argument("--no-greedy", action="store_true", help="skip timing ours with greedy search (1 beam)")
    parser.add_argument("--no-server", action="store_true", help="skip the real servers' start time and memory")
    parser.add_argument(
        "--full-vocab", action="store_true", help="ours without the summarizer's Arabic output-vocabulary restriction"
    )
    parser.add_argument("--out", type=Path, help="JSON path; the chart goes beside it as .png")
    args = parser.parse_args(argv)
    if not REFERENCE.is_file() or not DEV.is_file():
        print(f"needs ../shared beside the checkout ({REFERENCE}, {DEV})", file=sys.stderr)
        return 1
    texts = articles(args.dev)
    backends = ["ctranslate2", "torch"] if ct2.installed() else ["torch"]
    report: dict[str, Any] = {
        "benchmark": "latency",
        "device": args.device,
        "beams": args.beams,
        "runs": args.runs,
        "default_backend": backends[0],
    }
    vocab = "full" if args.full_vocab else "arabic"
    with tempfile.TemporaryDirectory() as scratch:
        models = build(Path(scratch), list(texts.values()))
        cache = Path(scratch) / "ct2"

        def settings(**chosen: Any) -> Settings:
            return settings_for(models, cache, args.device, **chosen)

        for backend in backends:
            chosen = settings(backend=backend, summarizer_output_vocab=vocab)
            name = "ours" if backend == backends[0] else f"ours_{backend}"
            report[name] = in_fresh_process("ours", chosen, texts, args.beams, args.runs, None)
        if not args.no_greedy:
            reference = {"reference": texts["reference"]}
            chosen = settings(backend=backends[0], summarizer_output_vocab=vocab)
            report["ours_greedy"] = in_fresh_process("ours", chosen, reference, 1, args.runs, None)
        if "ctranslate2" in backends:
            workload = report["ours" if backends[0] == "ctranslate2" else "ours_ctranslate2"]["workload"]
            plain = settings(backend="ctranslate2", quantize="auto")
            report["plain_ctranslate2"] = in_fresh_process(
                "plain_ctranslate2", plain, texts, args.beams, args.runs, workload
            )
        if args.baseline:
            naive = settings(backend="torch", quantize="none", summarizer_output_vocab="full")
            report["naive"] = in_fresh_process("naive", naive, texts, args.beams, 1, None)
        if not args.no_server:
            report["server"] = [server_start(models, cache, args.device, backend, args.beams) for backend in backends]
    ours_p50 = report["ours"]["latency_ms"]["reference"]["p50"]
    for other in ("naive", "plain_ctranslate2", "ours_torch", "ours_ctranslate2"):
        if other in report:
            report[f"speedup_vs_{other}"] = round(report[other]["latency_ms"]["reference"]["p50"] / ours_p50, 2)
    for side in report.values():
        if isinstance(side, dict):
            side.pop("workload", None)
    report["output_tokens"] = {"summary": SUMMARY_TOKENS, "translation": f"{SENTENCE_TOKENS} per sentence"}
    report["machine"] = machine()
    out = args.out or RESULTS / f"latency-{args.device}-beam{args.beams}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(report, indent=2, ensure_ascii=False)
    out.write_text(text + "\n", encoding="utf-8")
    chart(report, out.with_suffix(".png"))
    print(text)
    print(summary_table(report))
    return 0


SIDES = (
    ("naive", "naive transformers: fp32, one generate per item"),
    ("plain_ctranslate2", "plain CTranslate2: int8, full vocabulary, one call per stage"),
    ("ours_torch", "Khulasa on torch"),
    ("ours_ctranslate2", "Khulasa on CTranslate2"),
    ("ours", "Khulasa, default backend"),
    ("ours_greedy", "Khulasa, default backend, greedy"),
)


def summary_table(report: dict[str, Any]) -> str:
    """The sides side by side: reference p50, stage p50s, load seconds, peak RSS."""
    lines = [
        f"{'side':<64} {'ref p50 s':>9} {'summarize':>9} {'translate':>9} {'load s':>7} {'RSS MiB':>8}",
    ]
    for key, label in SIDES:
        side = report.get(key)
        if side is None:
            continue
        stages = side["stage_ms"]
        name = f"{label} [{side.get('backend')}]" if key == "ours" else label
        lines.append(
            f"{name:<64} {side['latency_ms']['reference']['p50'] / 1000:>9.2f} "
            f"{stages['summarize']['p50'] / 1000:>9.2f} {stages['translate']['p50'] / 1000:>9.2f} "
            f"{side.get('load_s', float('nan')):>7.2f} {side['peak_rss_mib']:>8.0f}"
        )
    for server in report.get("server", []):
        lines.append(
            f"server on {server['backend']}: " + ", ".join(f"{k} {v}" for k, v in server.items() if k != "backend")
        )
    lines += [f"{key}: {value}x" for key, value in report.items() if key.startswith("speedup_vs_")]
    return "\n".join(lines)


def chart(report: dict[str, Any], path: Path) -> None:
    """Reference-article p50 per configuration, split into stages, as a horizontal bar chart."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    beams = report["beams"]
    rows: list[tuple[str, dict[str, Any]]] = [
        (f"{label}, {1 if key == 'ours_greedy' else beams} beams", report[key]) for key, label in SIDES if key in report
    ]
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
