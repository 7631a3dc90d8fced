"""Peak memory of a server's model loading: both default models, loaded as `khulasa serve` loads them.

Usage: python benchmarks/memory.py [--before REV] [--backend torch|ctranslate2|both] [--work DIR] [--no-generate]
                                  [--out JSON]

Builds random-weight checkpoints in the default architectures once (the catalog's `architecture` tables: mT5-XLSum
12+12 layers, d_model 768, vocabulary 250,112, untied head; opus-mt-tc-big-ar-en 6+6, d_model 1024, vocabulary
61,109; about 3.3 GB of safetensors in a temporary directory, a minute or two), then loads both engines in a fresh
process per case through `service.engines.factory.load_engines` with the CPU defaults (int8, Arabic output
vocabulary) and reports load seconds, peak RSS once loaded, RSS once loaded and, unless --no-generate, peak RSS after
one summary and one translation (32 new tokens each). Each backend is measured (both by default when ctranslate2 is
installed); CTranslate2 twice: a first start that converts into an empty cache, then a start from that cache.
`--before REV` adds the torch measurement with the `service` package of git revision REV (e.g. `main`), so one run
gives before and after. Writes JSON with the machine facts to benchmarks/results/.
"""

import argparse
import importlib.util
import json
import os
import subprocess
import sys
import tarfile
import tempfile
import time
from io import BytesIO
from pathlib import Path
from typing import Any

from benchmarks.machine import machine, peak_rss_mib

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"
SHARED = ROOT.parent / "shared"
REFERENCE = SHARED / "examples" / "sirte-airstrikes.ar.txt"
DEV = SHARED / "data" / "segmentation" / "dev.jsonl"
SPM_VOCAB = 16_000
SHORT = {"max_new_tokens": 32, "min_new_tokens": 32}
_OUTPUT_FLAGS = ("output_attentions", "output_hidden_states")


def build(work: Path) -> tuple[Path, Path]:
    """The two default-architecture checkpoints, with tokenizers trained as benchmarks/latency.py trains them (on
    the reference article and the segmentation dev set; the tiny corpus when ../shared is absent); reused when
    `work` already holds them."""
    from service.engines.catalog import find_spec
    from service.engines.torch_backend.tiny import CORPUS, build_sized
    from service.text import split_sentences

    texts = [REFERENCE.read_text(encoding="utf-8")] if REFERENCE.is_file() else [CORPUS.read_text(encoding="utf-8")]
    if DEV.is_file():
        with DEV.open(encoding="utf-8") as handle:
            texts += [json.loads(line)["text"] for line in handle]
    sentences = [span.text for text in texts for span in split_sentences(text)]
    built = []
    for family, model_id in (
        ("mt5", "csebuetnlp/mT5_multilingual_XLSum"),
        ("marian", "Helsinki-NLP/opus-mt-tc-big-ar-en"),
    ):
        directory = work / family
        if not (directory / "model.safetensors").is_file():
            spec = find_spec(model_id)
            assert spec is not None and spec.architecture, f"the catalog must hold {model_id}'s architecture"
            build_sized(family, directory, sentences=sentences, spm_vocab=SPM_VOCAB, architecture=spec.architecture)
        _drop_default_output_flags(directory / "generation_config.json")
        built.append(directory)
    return built[0], built[1]


def _drop_default_output_flags(path: Path) -> None:
    """transformers writes `output_attentions: false` and `output_hidden_states: false` into the generation config of
    a freshly built model; real checkpoints do not carry them, and the CTranslate2 backend refuses them."""
    settings = json.loads(path.read_text(encoding="utf-8"))
    kept = {key: value for key, value in settings.items() if key not in _OUTPUT_FLAGS or value}
    path.write_text(json.dumps(kept, indent=2) + "\n", encoding="utf-8")


def measure(summarizer: Path, translator: Path, generate: bool, backend: str, ct2_cache: Path) -> dict[str, Any]:
    """Load both engines as the server does, in this process; meant to run in a fresh one."""
    from service.config import Settings
    from service.engines.factory import load_engines

    settings = Settings(
        summarizer=str(summarizer),
        translator=str(translator),
        device="cpu",
        backend=backend,  # type: ignore[arg-type]
        ct2_cache=ct2_cache,
        summarizer_generate=SHORT,
        translator_generate=SHORT,
    )
    started = time.perf_counter()
    engines = load_engines(settings)
    result: dict[str, Any] = {
        "load_seconds": round(time.perf_counter() - started, 1),
        "peak_rss_mib_loaded": peak_rss_mib(),
        "rss_mib_loaded": _current_rss_mib(),
        "summarizer": engines.summarizer.describe(),
        "translator": engines.translator.describe(),
    }
    if generate:
        text = "وصل وفد من الوزراء إلى القاهرة صباح اليوم لبحث الأوضاع في ليبيا. وقال المتحدث إن الاجتماع سيستمر يومين."
        engines.summarizer.summarize_batch([text])
        engines.translator.translate_batch([text])
        result["peak_rss_mib_after_generate"] = peak_rss_mib()
    return result


def _current_rss_mib() -> float | None:
    status = Path("/proc/self/status")
    if not status.is_file():
        return None
    for line in status.read_text().splitlines():
        if line.startswith("VmRSS:"):
            return round(int(line.split()[1]) / 1024, 1)
    return None


def _service_at(revision: str, into: Path) -> Path:
    """The `service` package of git revision `revision`, extracted under `into` (for PYTHONPATH)."""
    archive = subprocess.run(
        ["git", "archive", "--format=tar", revision, "service", "models"], cwd=ROOT, capture_output=True, check=True
    ).stdout
    with tarfile.open(fileobj=BytesIO(archive)) as tar:
        tar.extractall(into, filter="data")
    return into


def run_case(
    models: tuple[Path, Path], generate: bool, backend: str, ct2_cache: Path, service_root: Path | None = None
) -> dict[str, Any]:
    """`measure` in a fresh process, with `service` from `service_root` when given (else this tree)."""
    command = [sys.executable, "-m", "benchmarks.memory", "--measure", str(models[0]), str(models[1])]
    command += ["--backend", backend, "--ct2-cache", str(ct2_cache)]
    if not generate:
        command.append("--no-generate")
    paths = [str(service_root)] if service_root else []
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([*paths, str(ROOT)]), "HF_HUB_OFFLINE": "1"}
    # `python -m` puts the working directory first on sys.path: it must not be this tree when measuring another.
    cwd = service_root or ROOT
    done = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        lines = done.stderr.strip().splitlines()
        print(f"case failed:\n{done.stderr[-3000:]}", file=sys.stderr)
        return {"error": lines[-1] if lines else f"exit status {done.returncode}"}
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--before", metavar="REV", help="also measure the service package of this git revision")
    parser.add_argument("--work", type=Path, help="where to build (and keep) the checkpoints; default a temp dir")
    parser.add_argument("--no-generate", action="store_true", help="measure loading only")
    parser.add_argument("--backend", choices=["torch", "ctranslate2", "both"], help="default: both when installed")
    parser.add_argument("--ct2-cache", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, default=RESULTS / "memory-cpu-default-architectures.json")
    parser.add_argument("--measure", nargs=2, type=Path, metavar=("SUMMARIZER", "TRANSLATOR"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    generate = not args.no_generate
    if args.measure:
        print(json.dumps(measure(args.measure[0], args.measure[1], generate, args.backend, args.ct2_cache)))
        return 0
    installed = importlib.util.find_spec("ctranslate2") is not None
    backends = ["torch", "ctranslate2"] if args.backend == "both" or (args.backend is None and installed) else []
    backends = backends or [args.backend or "torch"]
    with tempfile.TemporaryDirectory(prefix="khulasa-memory-") as scratch:
        work = args.work or Path(scratch)
        started = time.perf_counter()
        models = build(work)
        print(f"checkpoints ready in {time.perf_counter() - started:.0f} s under {work}", file=sys.stderr)
        cache = Path(scratch) / "ct2-cache"
        cases: dict[str, Any] = {}
        if args.before:
            old = _service_at(args.before, Path(scratch) / "before")
            commit = subprocess.run(
                ["git", "rev-parse", "--short", args.before], cwd=ROOT, capture_output=True, text=True
            )
            name = f"before ({args.before} {commit.stdout.strip()}), torch"
            cases[name] = run_case(models, generate, "torch", cache, old)
        for backend in backends:
            if backend == "torch":
                cases["this tree, torch"] = run_case(models, generate, "torch", cache)
            else:
                cases["this tree, ctranslate2, first start (converts)"] = run_case(models, generate, backend, cache)
                cases["this tree, ctranslate2, from its cache"] = run_case(models, generate, backend, cache)
    for name, case in cases.items():
        if "error" in case:
            print(f"{name}: failed: {case['error']}")
            continue
        after = case.get("peak_rss_mib_after_generate")
        print(
            f"{name}: load {case['load_seconds']} s, peak RSS {case['peak_rss_mib_loaded']} MiB loaded"
            + (f", {after} MiB after one generate" if after else "")
            + f", RSS {case['rss_mib_loaded']} MiB once loaded"
        )
    args.out.parent.mkdir(parents=True, exist_ok=True)
    report = {
        "cases": cases,
        "generate": SHORT if generate else None,
        "machine": machine(),
        "harness_peak_rss_mib": peak_rss_mib(),
    }
    args.out.write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
