"""Smoke test of a running Khulasa server (scripts/image-check.sh runs it against the container); standard library only.

    python3 scripts/smoke_test.py http://127.0.0.1:18765

Waits for /health, then for /ready, then sends one article to POST /summarize and checks the digest's shape and
offsets, translates two sentences with POST /translate, and reports from /info which heavy libraries the server
loaded (with KHULASA_SMOKE_NO_TORCH=1, fails when torch or transformers is among them). Prints what each route
answered; exits 1 on the first failure.
"""

import json
import os
import sys
import time
import urllib.error
import urllib.request

ARTICLE = (
    "وصل الوفد المصري إلى الخرطوم صباح اليوم لبحث ملف المياه مع المسؤولين السودانيين.\n\n"
    "وقال المتحدث باسم الوفد إن المحادثات ستستمر يومين.\n\n"
    "وفي شأن آخر، افتتحت وزارة الصحة مستشفى جديدا في مدينة بورتسودان."
)


def call(url: str, body: dict[str, object] | None = None, timeout: float = 10.0) -> tuple[int, bytes]:
    """Status and body of a GET (or of a JSON POST when `body` is given); connection errors give status 0."""
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, headers={"content-type": "application/json"} if data else {})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()
    except OSError:
        return 0, b""


def wait_for(url: str, seconds: float) -> tuple[int, bytes]:
    """Poll `url` until it answers 200 or `seconds` pass; the last answer."""
    deadline = time.monotonic() + seconds
    while True:
        status, body = call(url)
        if status == 200 or time.monotonic() > deadline:
            return status, body
        time.sleep(1)


def check(condition: bool, what: str) -> None:
    if not condition:
        print(f"FAIL: {what}")
        sys.exit(1)


def main(base: str) -> None:
    started = time.monotonic()
    status, body = wait_for(f"{base}/health", 60)
    print(f"GET /health -> {status} {body.decode()}")
    check(status == 200 and json.loads(body) == {"status": "ok"}, "/health answers 200 {'status': 'ok'}")

    status, body = wait_for(f"{base}/ready", 300)
    print(f"GET /ready -> {status} {body.decode()} (after {time.monotonic() - started:.1f} s)")
    check(status == 200, "/ready answers 200 once the models are loaded")

    status, body = call(f"{base}/summarize", {"text": ARTICLE, "max_sections": 3}, timeout=120)
    check(status == 200, f"POST /summarize answers 200, got {status}: {body[:300]!r}")
    digest = json.loads(body)
    sections = digest["sections"]
    print(f"POST /summarize -> {status}: {len(sections)} section(s), models {digest['models']}")
    print(f"  timing_ms {digest['timing_ms']}")
    check(len(sections) >= 1, "the digest has sections")
    for section in sections:
        print(f"  [{section['start']}:{section['end']}] keywords {section['keywords']}")
        check(ARTICLE[section["start"] : section["end"]] == section["text"], "text[start:end] is the section")
        check(
            isinstance(section["summary"]["ar"], str) and isinstance(section["summary"]["en"], str),
            "each section has an Arabic and an English summary",
        )
    covered = "".join(section["text"] for section in sections)
    check(all(word in covered for word in ("الخرطوم", "بورتسودان")), "the sections cover the article")

    sentences = ["وصل الوفد إلى الخرطوم.", "وقال المتحدث إن المحادثات ستستمر."]
    status, body = call(f"{base}/translate", {"q": sentences, "source": "ar", "target": "en"}, timeout=120)
    check(status == 200, f"POST /translate answers 200, got {status}: {body[:300]!r}")
    translated = json.loads(body)["translatedText"]
    print(f"POST /translate -> {status}: {translated}")
    check(isinstance(translated, list) and len(translated) == len(sentences), "one translation per sentence")

    status, body = call(f"{base}/info")
    loaded = json.loads(body).get("loaded", {}) if status == 200 else {}
    print(f"GET /info -> {status}: loaded {loaded}")
    if os.environ.get("KHULASA_SMOKE_NO_TORCH") == "1":
        heavy = [name for name in ("torch", "transformers") if loaded.get(name)]
        check(not heavy, f"the server loaded neither torch nor transformers, got {heavy}")
    print("smoke test: passed")


if __name__ == "__main__":
    main(sys.argv[1].rstrip("/") if len(sys.argv) > 1 else "http://127.0.0.1:8000")
