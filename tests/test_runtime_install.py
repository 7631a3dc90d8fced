"""The runtime install: converted models served by a process in which torch and transformers cannot even be
imported, as with `pip install 'khulasa[serve]'` (the runtime image's install)."""

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.conftest import free_port

pytest.importorskip("ctranslate2", reason="the ctranslate2 extra is not installed (khulasa[ctranslate2])")
pytestmark = pytest.mark.slow  # converts the tiny models and starts a real server: seconds

ROOT = Path(__file__).resolve().parents[1]
# The server's interpreter, with torch, transformers and the hub client made unimportable before anything loads.
RUNTIME = (
    "import sys\n"
    "sys.modules.update(torch=None, transformers=None, huggingface_hub=None)\n"
    "from service.cli import main\n"
    "sys.exit(main(sys.argv[1:]))\n"
)


def clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KHULASA_")}
    return {**env, "PYTHONPATH": str(ROOT), "HF_HUB_OFFLINE": "1", **extra}


@pytest.fixture(scope="module")
def exported(tiny_models: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The tiny models converted by `khulasa models export` (the full install's job)."""
    target = tmp_path_factory.mktemp("exported")
    env = clean_env(
        KHULASA_SUMMARIZER=str(tiny_models / "summarizer"),
        KHULASA_TRANSLATOR=str(tiny_models / "translator"),
        KHULASA_CT2_CACHE=str(tiny_models / "ct2-cache"),
    )
    command = [sys.executable, "-m", "service", "models", "export", str(target)]
    subprocess.run(command, env=env, check=True, capture_output=True)
    return target


@pytest.fixture(scope="module")
def runtime_server(exported: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, int]]:
    port = free_port()
    log = tmp_path_factory.mktemp("runtime") / "server.log"
    env = clean_env(
        KHULASA_SUMMARIZER=str(exported / "summarizer"),
        KHULASA_TRANSLATOR=str(exported / "translator"),
        # Nothing to convert from: the cache is empty and the settings name converted directories.
        KHULASA_CT2_CACHE=str(tmp_path_factory.mktemp("empty-cache")),
    )
    with log.open("wb") as sink:
        process = subprocess.Popen(
            [sys.executable, "-c", RUNTIME, "serve", "--port", str(port)], env=env, stdout=sink, stderr=sink
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            assert process.poll() is None, log.read_text()
            try:
                if httpx.get(f"{base}/ready", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, log.read_text()
            time.sleep(0.1)
        yield base, process.pid
    finally:
        process.terminate()
        process.wait(timeout=20)


def test_converted_directories_serve_without_torch_or_transformers(runtime_server: tuple[str, int]) -> None:
    base, pid = runtime_server
    info = httpx.get(f"{base}/info", timeout=10).json()
    assert info["loaded"] == {"torch": False, "transformers": False, "ctranslate2": True}
    assert {info["models"][role]["backend"] for role in ("summarizer", "translator")} == {"ctranslate2"}
    text = "وصل الوفد إلى القاهرة صباح اليوم. وبدأ الاجتماع بعد الظهر في مقر الوزارة."
    summary = httpx.post(f"{base}/summarize", json={"text": text}, timeout=60)
    assert summary.status_code == 200 and summary.json()["sections"]
    translated = httpx.post(f"{base}/translate", json={"q": ["وصل الوفد.", "بدأ الاجتماع."]}, timeout=60)
    assert translated.status_code == 200 and len(translated.json()["translatedText"]) == 2
    maps = Path(f"/proc/{pid}/maps")
    if maps.is_file():
        assert "libtorch" not in maps.read_text()


def test_the_runtime_install_without_a_conversion_says_how_to_convert(tmp_path: Path) -> None:
    env = clean_env(
        KHULASA_SUMMARIZER="csebuetnlp/mT5_multilingual_XLSum",
        KHULASA_TRANSLATOR="Helsinki-NLP/opus-mt-tc-big-ar-en",
        KHULASA_CT2_CACHE=str(tmp_path),
    )
    program = RUNTIME.replace("main(sys.argv[1:])", "main(['summarize', '-'])")
    done = subprocess.run([sys.executable, "-c", program], input="نص", env=env, capture_output=True, text=True)
    assert done.returncode == 1
    lines = done.stderr.strip().splitlines()
    assert lines[-1].startswith("khulasa: no converted model for csebuetnlp/mT5_multilingual_XLSum in ")
    assert "khulasa models download" in lines[-1]
