"""Hostile clients at the socket level against a real uvicorn server (`khulasa serve`): slow bodies, bodies cut
off halfway, oversized and chunked bodies. The server answers each with JSON and keeps serving everyone else."""

import http.client
import json
import select
import socket
import threading
import time
from urllib.parse import quote, urlsplit

import httpx
import pytest

from tests.conftest import LIVE_BODY_TIMEOUT_S, RunningServer

pytestmark = pytest.mark.slow  # a real uvicorn server, and clients that trickle for seconds

TEXT = "وصل الوفد إلى القاهرة صباح اليوم.\n\nوبدأ الاجتماع بعد الظهر."
MARKER = "ماركرسري"  # occurs only in a request of this module; must never reach the server log


def open_post(base: str, path: str, headers: dict[str, str]) -> socket.socket:
    """A connection that has sent a POST's request line and headers, and nothing of its body yet."""
    url = urlsplit(base)
    assert url.hostname is not None and url.port is not None
    connection = socket.create_connection((url.hostname, url.port), timeout=30)
    lines = [f"POST {path} HTTP/1.1", f"Host: {url.netloc}", *(f"{name}: {value}" for name, value in headers.items())]
    connection.sendall(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1"))
    return connection


def read_response(connection: socket.socket) -> tuple[int, dict[str, object]]:
    response = http.client.HTTPResponse(connection)
    response.begin()
    assert response.getheader("content-type", "").startswith("application/json")
    return response.status, json.loads(response.read())


def answered(connection: socket.socket) -> bool:
    return bool(select.select([connection], [], [], 0)[0])


def assert_serving(base: str) -> None:
    assert httpx.get(f"{base}/health", timeout=30).json() == {"status": "ok"}


def test_body_sent_one_byte_at_a_time_is_served_while_others_are_answered(live_server: RunningServer) -> None:
    body = json.dumps({"text": TEXT}).encode()
    connection = open_post(
        live_server.base, "/segment", {"Content-Type": "application/json", "Content-Length": str(len(body))}
    )
    middle = len(body) // 2
    with connection:
        for byte in body[:middle]:
            connection.sendall(bytes([byte]))
            time.sleep(0.005)
        # Half a body is in flight: other clients are answered all the same.
        assert_serving(live_server.base)
        assert httpx.post(f"{live_server.base}/segment", json={"text": TEXT}, timeout=30).status_code == 200
        for byte in body[middle:]:
            connection.sendall(bytes([byte]))
        status, answer = read_response(connection)
    assert status == 200 and answer["sections"]


def test_body_slower_than_the_deadline_gets_408(live_server: RunningServer) -> None:
    headers = {"Content-Type": "application/json", "Content-Length": "1000"}
    connection = open_post(live_server.base, "/summarize", headers)
    started = time.monotonic()
    with connection:
        while not answered(connection):
            assert time.monotonic() - started < LIVE_BODY_TIMEOUT_S + 30, "no answer long after the deadline"
            connection.sendall(b" ")
            time.sleep(0.25)
        status, answer = read_response(connection)
    assert status == 408
    assert answer == {
        "error": f"the request body did not arrive within {LIVE_BODY_TIMEOUT_S} s",
        "type": "request_timeout",
    }
    assert_serving(live_server.base)


def test_body_cut_off_halfway_leaves_the_server_serving(live_server: RunningServer) -> None:
    for path in ("/summarize", "/segment", "/translate"):
        headers = {"Content-Type": "application/json", "Content-Length": "100000"}
        with open_post(live_server.base, path, headers) as connection:
            connection.sendall(b'{"text": "' + "ن".encode() * 500)
    assert_serving(live_server.base)
    assert httpx.post(f"{live_server.base}/translate", json={"q": "وصل الوفد."}, timeout=60).status_code == 200


def test_announced_oversized_body_is_refused_before_it_is_sent(live_server: RunningServer) -> None:
    headers = {"Content-Type": "application/json", "Content-Length": str(5 * 1024 * 1024)}
    with open_post(live_server.base, "/summarize", headers) as connection:
        status, answer = read_response(connection)  # nothing of the body was sent
    assert status == 413 and answer["type"] == "payload_too_large"


def test_chunked_body_growing_past_the_limit_gets_413(live_server: RunningServer) -> None:
    headers = {"Content-Type": "application/json", "Transfer-Encoding": "chunked"}
    chunk = b"3e8\r\n" + b"x" * 1000 + b"\r\n"  # 1000 bytes per chunk, and no end: a client that streams on
    with open_post(live_server.base, "/summarize", headers) as connection:
        sent = 0
        while sent < 5_000 and not select.select([connection], [], [], 0.005)[0]:
            connection.sendall(chunk)
            sent += 1
        status, answer = read_response(connection)
    assert status == 413 and answer["type"] == "payload_too_large"
    assert sent < 5_000, "the server answered while the body was still coming"


def test_five_megabyte_body_gets_413(live_server: RunningServer) -> None:
    body = b'{"text": "' + b"x" * (5 * 1024 * 1024) + b'"}'
    try:
        response = httpx.post(
            f"{live_server.base}/summarize", content=body, headers={"content-type": "application/json"}, timeout=60
        )
    except httpx.WriteError:
        pass  # the server answered and closed before taking all 5 MB; what it answered is checked above
    else:
        assert response.status_code == 413 and response.json()["type"] == "payload_too_large"
    assert_serving(live_server.base)


@pytest.mark.parametrize(
    ("raw", "status"),
    [
        (b'{"text": "\\u0646\\u0635 \\ud800"}', 422),
        (b'{"text": "\xd9\x86\xff"}', 400),
        (b'{"text": "\\u0648\\u0635\\u0644\\u0000 \\u0627\\u0644\\u0648\\u0641\\u062f"}', 200),
        (b"[" * 50_000, 400),
        (b'{"html": "<p>\\u0646\\u0635 \\ud800</p>"}', 422),
        (b'{"html": "<p>\xd9\x86\xff</p>"}', 400),
        (b'{"html": "<p>\\u0000\\u0000</p>"}', 422),
    ],
)
def test_undecodable_text_over_http(live_server: RunningServer, raw: bytes, status: int) -> None:
    response = httpx.post(
        f"{live_server.base}/segment", content=raw, headers={"content-type": "application/json"}, timeout=30
    )
    assert response.status_code == status and response.headers["content-type"] == "application/json"


PAGES = [
    "<div>" * 15_000 + "<p>" + "وصل الوفد إلى القاهرة. " * 5,
    "<html><body><script>" + "وصل " * 1_000 + "</script></body></html>",
    "<article><p>" + f"{MARKER} وصل الوفد إلى القاهرة صباح اليوم بعد جولة من المحادثات. " * 3 + "</p></article>",
    "<article><p>Officials met in Cairo on Thursday to discuss the ceasefire and the talks.</p></article>",
]


def test_pages_over_http_get_an_answer_or_a_json_4xx(live_server: RunningServer) -> None:
    for page in PAGES:
        for path in ("/segment", "/summarize"):
            body = {"html": page, "summary": "extractive"} if path == "/summarize" else {"html": page}
            response = httpx.post(f"{live_server.base}{path}", json=body, timeout=60)
            assert response.status_code in (200, 413, 422), response.text[:300]
            assert response.headers["content-type"] == "application/json"
    assert_serving(live_server.base)


def test_many_clients_at_once_while_one_trickles(live_server: RunningServer) -> None:
    headers = {"Content-Type": "application/json", "Content-Length": "100"}
    with open_post(live_server.base, "/segment", headers) as trickling:
        trickling.sendall(b"{")
        results: list[int] = []

        def client() -> None:
            results.append(httpx.post(f"{live_server.base}/segment", json={"text": TEXT}, timeout=60).status_code)

        threads = [threading.Thread(target=client) for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert results == [200] * 8


FORM = "application/x-www-form-urlencoded"


def test_form_body_slower_than_the_deadline_gets_408(live_server: RunningServer) -> None:
    connection = open_post(live_server.base, "/translate", {"Content-Type": FORM, "Content-Length": "1000"})
    started = time.monotonic()
    with connection:
        connection.sendall(b"q=")
        while not answered(connection):
            assert time.monotonic() - started < LIVE_BODY_TIMEOUT_S + 30, "no answer long after the deadline"
            connection.sendall(b"%D9%86")
            time.sleep(0.25)
        status, answer = read_response(connection)
    assert status == 408 and answer["type"] == "request_timeout"
    assert_serving(live_server.base)


def test_chunked_multipart_growing_past_the_limit_gets_413(live_server: RunningServer) -> None:
    headers = {"Content-Type": "multipart/form-data; boundary=b", "Transfer-Encoding": "chunked"}
    opening = b'--b\r\nContent-Disposition: form-data; name="q"\r\n\r\n'
    with open_post(live_server.base, "/detect", headers) as connection:
        connection.sendall(b"%x\r\n%s\r\n" % (len(opening), opening))
        chunk = b"3e8\r\n" + "ن".encode() * 500 + b"\r\n"
        sent = 0
        while sent < 5_000 and not select.select([connection], [], [], 0.005)[0]:
            connection.sendall(chunk)
            sent += 1
        status, answer = read_response(connection)
    assert status == 413 and answer["type"] == "payload_too_large"


def test_forms_and_multipart_cut_off_halfway_leave_the_server_serving(live_server: RunningServer) -> None:
    bodies = [(FORM, b"q=" + b"%D9%86" * 500), ("multipart/form-data; boundary=b", b"--b\r\nContent-Disp")]
    for path in ("/translate", "/detect"):
        for content_type, partial in bodies:
            headers = {"Content-Type": content_type, "Content-Length": "100000"}
            with open_post(live_server.base, path, headers) as connection:
                connection.sendall(partial)
    assert_serving(live_server.base)
    assert httpx.post(f"{live_server.base}/translate", data={"q": "وصل الوفد."}, timeout=60).status_code == 200


@pytest.mark.parametrize(
    ("path", "content", "content_type", "status"),
    [
        ("/translate", b"q=%D9%86%FF", FORM, 400),
        ("/translate?q=%FF", b"", "", 400),
        ("/detect", b"q=\xd9\x86\xff", FORM, 400),
        ("/translate", b"--b\r\n\x00\xff--", "multipart/form-data; boundary=b", 400),
        ("/translate", b"q=" + b"x" * (5 * 1024 * 1024), FORM, 413),
    ],
)
def test_undecodable_forms_and_query_strings_over_http(
    live_server: RunningServer, path: str, content: bytes, content_type: str, status: int
) -> None:
    headers = {"content-type": content_type} if content_type else {}
    try:
        response = httpx.post(f"{live_server.base}{path}", content=content, headers=headers, timeout=60)
    except httpx.WriteError:
        assert status == 413  # the server answered and closed before taking all 5 MB
    else:
        assert response.status_code == status and response.headers["content-type"] == "application/json"
    assert_serving(live_server.base)


def test_a_54_kilobyte_query_string_is_served_whole(live_server: RunningServer) -> None:
    # No letters, so no model time: the text comes back as it was, all of it.
    response = httpx.post(f"{live_server.base}/translate?q=" + "%00" * 18_000, timeout=60)
    assert response.status_code == 200 and response.json() == {"translatedText": "\x00" * 18_000}
    assert_serving(live_server.base)


def test_streamed_clients_leaving_early_leave_the_server_serving(live_server: RunningServer) -> None:
    base = live_server.base
    stream = {"Accept": "application/x-ndjson"}
    # Distinct texts, so none is a remembered answer: each starts its own model work, which its leaving client stops.
    for number in range(4):
        text = f"{TEXT}\n\nوفي الخبر {time.time_ns()}{number} تفاصيل."
        with httpx.stream("POST", f"{base}/summarize", json={"text": text}, headers=stream, timeout=60) as response:
            assert response.status_code == 200
            first = json.loads(next(response.iter_lines()))
            assert first["event"] == "sections" and first["sections"]
        # Leaving without reading: the connection closes mid-stream.
    cut = open_post(base, "/summarize", {"Content-Type": "application/json", "Accept": "application/x-ndjson",
                                         "Content-Length": "40"})  # fmt: skip
    cut.sendall(b'{"text": "\\u0648')  # and gone halfway through the body
    cut.close()
    response = httpx.post(f"{base}/summarize", json={"text": TEXT}, headers=stream, timeout=60)
    lines = [json.loads(line) for line in response.text.splitlines()]
    assert response.status_code == 200 and lines[0]["event"] == "sections" and lines[-1]["event"] == "digest"
    assert response.headers["x-khulasa-cache"] in {"hit", "miss"}
    assert_serving(base)


def test_afterwards_it_serves_normally_and_logged_no_text_and_no_traceback(live_server: RunningServer) -> None:
    base = live_server.base
    marked = f"{MARKER} {TEXT}"
    assert httpx.post(f"{base}/summarize", json={"text": marked, "title": MARKER}, timeout=60).status_code == 200
    assert httpx.post(f"{base}/translate", json={"q": marked}, timeout=60).status_code == 200
    assert httpx.post(f"{base}/translate", data={"q": marked, "format": "html"}, timeout=60).status_code == 200
    assert httpx.post(f"{base}/detect", params={"q": marked}, timeout=60).status_code == 200
    assert httpx.post(f"{base}/segment", json={"text": MARKER}, timeout=60).status_code == 200
    assert_serving(base)
    log = live_server.log_text()
    assert '"POST /summarize HTTP/1.1" 200' in log, "the access log is in the file"
    assert MARKER not in log and quote(MARKER) not in log, "no text in the log, not even from a query string"
    assert '"POST /detect?… HTTP/1.1" 200' in log
    assert "Traceback" not in log and '" 500' not in log
