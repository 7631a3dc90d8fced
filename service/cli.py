"""The `khulasa` command: serve, summarize, models download, models tiny.

Flags fill the same Settings object as the KHULASA_* environment; they declare no defaults of their own.
"""

import argparse
import json
import logging
import sys
from collections.abc import Callable, Sequence
from contextlib import ExitStack
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from service.config import Settings, settings_error_line
from service.errors import KhulasaError

log = logging.getLogger("khulasa")


def _model_flags() -> argparse.ArgumentParser:
    parent = argparse.ArgumentParser(add_help=False, argument_default=argparse.SUPPRESS)
    group = parent.add_argument_group("models (default: KHULASA_* environment, then the built-in defaults)")
    group.add_argument("--summarizer", help="hub id or local directory of the summarizer checkpoint")
    group.add_argument("--translator", help="hub id or local directory of the translator checkpoint")
    group.add_argument("--device", choices=["auto", "cpu", "cuda"])
    group.add_argument("--dtype", choices=["auto", "float32", "bfloat16", "float16"])
    group.add_argument("--quantize", choices=["auto", "none", "int8"])
    group.add_argument(
        "--backend", choices=["auto", "torch", "ctranslate2"], help="auto: CTranslate2 when installed, else torch"
    )
    group.add_argument(
        "--summarizer-output-vocab",
        dest="summarizer_output_vocab",
        choices=["arabic", "full"],
        help="arabic: the summarizer generates only tokens Arabic output can use; full: its whole vocabulary",
    )
    group.add_argument("--log-level", dest="log_level", choices=["debug", "info", "warning", "error"])
    group.add_argument(
        "--engine",
        dest="placement",
        choices=["local", "ray"],
        help="local: models in this process; ray: on a Ray cluster (RAY_ADDRESS, else a local one; khulasa[ray])",
    )
    return parent


def _positive(value: str) -> int:
    number = int(value)
    if number < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, not {number}")
    return number


_PAGE_SUFFIXES = (".html", ".htm", ".xhtml")


def _article_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", help="UTF-8 text file, a web page (.html, .htm), or - for standard input")
    parser.add_argument("--max-sections", dest="max_sections", type=_positive, default=None)
    parser.add_argument(
        "--html", action="store_true", default=False, help="FILE is a web page (implied by a .html or .htm name)"
    )


def build_parser() -> argparse.ArgumentParser:
    models = _model_flags()
    parser = argparse.ArgumentParser(prog="khulasa", description="Arabic article to bilingual digest.")
    commands = parser.add_subparsers(dest="command", required=True)

    def with_models(name: str, help: str) -> argparse.ArgumentParser:
        # Unset flags stay absent, so Settings falls back to KHULASA_* and its own defaults.
        return commands.add_parser(name, parents=[models], help=help, argument_default=argparse.SUPPRESS)

    serve = with_models("serve", "run the HTTP service")
    serve.add_argument("--host")
    serve.add_argument("--port", type=int)
    serve.set_defaults(handler=_serve)

    summarize = with_models("summarize", "print the digest of an article as JSON")
    _article_arguments(summarize)
    summarize.add_argument("--title", default=None)
    summarize.add_argument(
        "--summary", choices=["abstractive", "extractive"], help="extractive: each section's own central sentences"
    )
    summarize.set_defaults(handler=_summarize)

    segment = commands.add_parser("segment", help="print title, sections and removed furniture as JSON (no models)")
    _article_arguments(segment)
    segment.add_argument("--jsonl", action="store_true", help='FILE holds lines {"id", "text"}; write one line each')
    segment.set_defaults(handler=_segment)

    batch = with_models("translate-batch", "translate a .txt/.jsonl/.tsv/.csv file record by record; resumable")
    batch.add_argument("input", help="input file, or - for standard input (then give --format)")
    batch.add_argument("output", help="output file, or - for standard output")
    batch.add_argument("--format", choices=["txt", "jsonl", "tsv", "csv"], help="default: from the input's extension")
    batch.add_argument("--field", help="JSONL field or CSV/TSV column to translate (default: text)")
    batch.add_argument("--batch-tokens", dest="batch_tokens", type=_positive, help="source tokens per generate call")
    batch.add_argument("--window", type=_positive, help="records read ahead, sorted by length, checkpointed together")
    batch.add_argument("--max-chars", dest="max_chars", type=_positive, help="longer segments are rejected")
    batch.add_argument("--beams", type=_positive, help="beam size (default: the catalog's)")
    batch.add_argument("--force", action="store_true", help="overwrite a finished output, or restart a stale job")
    batch.add_argument("--actors", dest="ray_actors", type=_positive, help="with --engine ray: translator actors")
    batch.set_defaults(handler=_translate_batch)

    manage = commands.add_parser("models", help="manage checkpoints").add_subparsers(dest="action", required=True)
    download = manage.add_parser(
        "download",
        parents=[models],
        help="prefetch checkpoints for offline use (honours HF_HOME, HF_HUB_OFFLINE)",
    )
    download.add_argument("--all", action="store_true", help="every catalog checkpoint, not just the configured two")
    download.set_defaults(handler=_download)
    tiny = manage.add_parser("tiny", help="write tiny random-weight checkpoints: DIR/summarizer, DIR/translator")
    tiny.add_argument("directory", type=Path)
    tiny.set_defaults(handler=_tiny)
    return parser


_SETTING_FLAGS = (
    "summarizer",
    "translator",
    "device",
    "dtype",
    "quantize",
    "backend",
    "summarizer_output_vocab",
    "log_level",
    "summary",
    "placement",
    "ray_actors",
    "host",
    "port",
)


def _settings(args: argparse.Namespace) -> Settings:
    given = {name: getattr(args, name) for name in _SETTING_FLAGS if hasattr(args, name)}
    return Settings(**given)


def _quiet_libraries() -> None:
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()
    hf_logging.set_verbosity_error()


def _serve(args: argparse.Namespace) -> int:
    import uvicorn

    from service.api.access_log import hide_query_strings
    from service.api.app import create_app

    settings = _settings(args)
    if settings.placement == "ray":
        from service.scale.run import serve_on_ray

        return serve_on_ray(settings)  # this process loads no model: the replicas do
    _quiet_libraries()
    server: uvicorn.Server | None = None

    def stop(reason: str) -> None:
        if server is not None:
            server.should_exit = True

    app = create_app(settings, on_fatal=stop)
    config = uvicorn.Config(
        app,
        host=settings.host,
        port=settings.port,
        log_level=settings.log_level,
        # On SIGTERM, in-flight requests finish; none can outlast its own time budget.
        timeout_graceful_shutdown=int(settings.request_timeout_s) + 5,
    )
    hide_query_strings()  # after uvicorn.Config, which configures logging
    server = uvicorn.Server(config)
    server.run()
    state = app.state.khulasa
    if state.status == "failed":
        print(f"khulasa: {state.error}", file=sys.stderr)
        return 1
    return 0


def _summarize(args: argparse.Namespace) -> int:
    from service.engines.factory import load_engines
    from service.pipeline import DigestPipeline

    settings = _settings(args)
    try:
        text, page = _article(args)
    except (OSError, UnicodeDecodeError) as error:
        print(f"khulasa: cannot read {args.file}: {error}", file=sys.stderr)
        return 1
    _quiet_libraries()
    engines = load_engines(settings)
    digest = DigestPipeline(engines.summarizer, engines.translator).run(
        text, title=args.title, max_sections=args.max_sections, summary=settings.default_summary()
    )
    print((digest.model_copy(update={"text": text}) if page else digest).model_dump_json(indent=2))
    return 0


def _article(args: argparse.Namespace) -> tuple[str, bool]:
    """The article text of FILE and whether it came from a web page (then extracted, decoded by its declared
    charset). Raises OSError, UnicodeDecodeError, or KhulasaError for a page without an Arabic article."""
    from service.api.texts import check_article
    from service.text.extract import decode_page, extract_article

    raw = _read_input(args.file)
    if not (args.html or args.file.lower().endswith(_PAGE_SUFFIXES)):
        return raw.decode("utf-8"), False
    text = extract_article(decode_page(raw)).text
    check_article(text, max_chars=len(text))
    return text, True


def _read_input(name: str) -> bytes:
    # Bytes, decoded by the caller: text mode would turn CRLF into LF and shift every offset.
    return sys.stdin.buffer.read() if name == "-" else Path(name).read_bytes()


def _segment(args: argparse.Namespace) -> int:
    from service.pipeline import segment_article

    try:
        if not args.jsonl:
            text, page = _article(args)
        else:
            raw = _read_input(args.file)
    except (OSError, UnicodeDecodeError) as error:
        print(f"khulasa: cannot read {args.file}: {error}", file=sys.stderr)
        return 1
    if not args.jsonl:
        found = segment_article(text, max_sections=args.max_sections)
        print((found.model_copy(update={"text": text}) if page else found).model_dump_json(indent=2))
        return 0
    rejected = 0
    for number, line in enumerate(raw.splitlines(), start=1):
        if line.strip():
            record, ok = _segment_record(line, number, args.max_sections)
            rejected += not ok
            sys.stdout.write(json.dumps(record, ensure_ascii=False) + "\n")
    if rejected:
        print(f'khulasa: {rejected} line(s) could not be segmented; see their "error" field', file=sys.stderr)
    return 2 if rejected else 0


def _segment_record(line: bytes, number: int, max_sections: int | None) -> tuple[dict[str, Any], bool]:
    """One --jsonl output record; (record, False) carries the line number and reason of a bad input line."""
    from service.pipeline import segment_article

    try:
        item = json.loads(line.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        return {"id": None, "line": number, "error": f"not a JSON line: {error}"}, False
    if not isinstance(item, dict) or not isinstance(item.get("text"), str):
        identifier = item.get("id") if isinstance(item, dict) else None
        return {"id": identifier, "line": number, "error": 'expected an object with a string "text"'}, False
    result = segment_article(item["text"], max_sections=max_sections)
    return {"id": item.get("id"), **result.model_dump()}, True


_BATCH_FLAGS = ("input", "output", "format", "field", "batch_tokens", "window", "max_chars", "force")


def _translate_batch(args: argparse.Namespace) -> int:
    from service.batch import BatchOptions, WindowTranslator, default_batch_tokens, preflight, run_batch
    from service.engines.base import Translator
    from service.engines.factory import load_translator

    options = BatchOptions(**{name: getattr(args, name) for name in _BATCH_FLAGS if hasattr(args, name)})
    preflight(options)
    settings = _settings(args)
    if hasattr(args, "beams"):
        generate = {**settings.translator_generate, "num_beams": args.beams}
        settings = settings.model_copy(update={"translator_generate": generate})
    if settings.placement == "ray":
        from service.scale.cluster import require_ray

        require_ray()  # before a model or a cluster costs anything
    _quiet_libraries()
    with ExitStack() as resources:
        translator: Translator | WindowTranslator
        if settings.placement == "ray":
            from service.scale.batch import RayWindows

            translator = resources.enter_context(RayWindows(settings, settings.ray_actors))
        else:
            translator = load_translator(settings)
        if options.batch_tokens is None:
            options.batch_tokens = default_batch_tokens(str(translator.describe().get("device", "cpu")))
        stats = run_batch(options, translator)
    print(f"khulasa: {stats.line()}", file=sys.stderr)
    if stats.rejects:
        rejects = "the log above" if options.output == "-" else f"{options.output}.rejects.jsonl"
        print(f"khulasa: {stats.rejects} record(s) rejected; see {rejects}", file=sys.stderr)
        return 2
    return 0


def _download(args: argparse.Namespace) -> int:
    from service.engines.download import download_models
    from service.engines.factory import resolve_backend

    settings = _settings(args)
    for source, path in download_models(settings, every=args.all):
        print(f"{source}\t{path}")
    if resolve_backend(settings) == "ctranslate2":
        # Converted now, so a server (or a Docker image built with this command) starts from the converted model.
        from service.engines.catalog import find_spec
        from service.engines.ct2 import ensure_converted

        for role in ("summarizer", "translator"):
            source = getattr(settings, role)
            converted = ensure_converted(settings, role, find_spec(source, settings.catalog))[1]
            print(f"{source}\t{converted}")
    return 0


def _tiny(args: argparse.Namespace) -> int:
    from service.engines.tiny import build_tiny_pair

    _quiet_libraries()
    for path in build_tiny_pair(args.directory):
        print(path)
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `khulasa` console script; returns the exit status."""
    args = build_parser().parse_args(argv)
    level = getattr(args, "log_level", "info")
    logging.basicConfig(level=level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    handler: Callable[[argparse.Namespace], int] = args.handler
    try:
        return handler(args)
    except ValidationError as error:
        print(f"khulasa: invalid setting {settings_error_line(error)}", file=sys.stderr)
        return 2
    except KhulasaError as error:
        print(f"khulasa: {error}", file=sys.stderr)
        return 1
