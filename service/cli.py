"""The `khulasa` command: serve, summarize, models download, models tiny.

Flags fill the same Settings object as the KHULASA_* environment; they declare no defaults of their own.
"""

import argparse
import logging
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

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
    group.add_argument("--log-level", dest="log_level", choices=["debug", "info", "warning", "error"])
    return parent


def build_parser() -> argparse.ArgumentParser:
    models = _model_flags()
    parser = argparse.ArgumentParser(prog="khulasa", description="Arabic article to bilingual digest.")
    commands = parser.add_subparsers(dest="command", required=True)

    serve = commands.add_parser(
        "serve", parents=[models], help="run the HTTP service", argument_default=argparse.SUPPRESS
    )
    serve.add_argument("--host")
    serve.add_argument("--port", type=int)
    serve.set_defaults(handler=_serve)

    summarize = commands.add_parser(
        "summarize",
        parents=[models],
        help="print the digest of an article as JSON",
        argument_default=argparse.SUPPRESS,
    )
    summarize.add_argument("file", help="UTF-8 text file, or - for standard input")
    summarize.add_argument("--title", default=None)
    summarize.add_argument("--max-sections", dest="max_sections", type=int, default=None)
    summarize.set_defaults(handler=_summarize)

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


_SETTING_FLAGS = ("summarizer", "translator", "device", "dtype", "log_level", "host", "port")


def _settings(args: argparse.Namespace) -> Settings:
    given = {name: getattr(args, name) for name in _SETTING_FLAGS if hasattr(args, name)}
    return Settings(**given)


def _quiet_libraries() -> None:
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()
    hf_logging.set_verbosity_error()


def _serve(args: argparse.Namespace) -> int:
    import uvicorn

    from service.api.app import create_app

    settings = _settings(args)
    _quiet_libraries()
    server: uvicorn.Server | None = None

    def stop(reason: str) -> None:
        if server is not None:
            server.should_exit = True

    app = create_app(settings, on_fatal=stop)
    server = uvicorn.Server(uvicorn.Config(app, host=settings.host, port=settings.port, log_level=settings.log_level))
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
        # Bytes, decoded here: text mode would turn CRLF into LF and shift every offset.
        raw = sys.stdin.buffer.read() if args.file == "-" else Path(args.file).read_bytes()
        text = raw.decode("utf-8")
    except (OSError, UnicodeDecodeError) as error:
        print(f"khulasa: cannot read {args.file}: {error}", file=sys.stderr)
        return 1
    _quiet_libraries()
    engines = load_engines(settings)
    digest = DigestPipeline(engines.summarizer, engines.translator).run(
        text, title=args.title, max_sections=args.max_sections
    )
    print(digest.model_dump_json(indent=2))
    return 0


def _download(args: argparse.Namespace) -> int:
    from service.engines.download import download_models

    settings = _settings(args)
    for source, path in download_models(settings, every=args.all):
        print(f"{source}\t{path}")
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
