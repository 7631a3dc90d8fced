"""The article a request names: its `text`, or the one extracted from its `html`, read in a worker process.

Extraction is CPU-bound Python (trafilatura over lxml) and some pages take a minute (hundreds of thousands of tiny
elements); a thread cannot be stopped, so pages are read in a separate process, one at a time, and the process is
killed when a page outlasts KHULASA_HTML_TIMEOUT_S. The event loop only waits.
"""

import asyncio
import logging
import multiprocessing
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from typing import Literal

from service.config import EXTRACTIVE, Settings
from service.errors import KhulasaError, Overloaded, PageTooComplex, SummaryUnavailable, Unprocessable
from service.text.extract import ExtractedArticle, extract_article

from .schemas import SegmentRequest, SummarizeRequest
from .texts import check_article

log = logging.getLogger(__name__)

# A worker process is replaced after this many pages, so memory a pathological page left behind is given back.
_PAGES_PER_WORKER = 200
# Seconds a new worker may take to start and read its first page (spawn, imports) on a busy machine.
_START_TIMEOUT_S = 120.0


_SENTENCE = "وصل الوفد إلى القاهرة صباح اليوم بعد جولة من المحادثات. "
_WARM_PAGE = (
    '<html lang="ar"><head><meta charset="utf-8"><title>وصول الوفد | أخبار</title>'
    '<meta property="og:title" content="وصول الوفد"><meta name="author" content="المحرر">'
    '<meta property="article:published_time" content="2017-01-19T10:00:00Z"></head><body>'
    '<nav><a href="/">الرئيسية</a></nav><article><h1>وصول الوفد</h1><time datetime="2017-01-19">19 يناير 2017</time>'
    f"<p>{_SENTENCE * 4}</p><h2>تفاصيل</h2><p>{_SENTENCE * 4}</p></article><footer>حقوق</footer></body></html>"
)


def _serve_pages(connection: Connection) -> None:
    """The worker process: reads pages from `connection` and answers (True, article) or (False, error)."""
    # trafilatura loads what it needs (date parsers, language data: a second or more) on its first page with a
    # title, a date and navigation; the worker reads one such page before it says it is ready.
    extract_article(_WARM_PAGE)
    connection.send("ready")
    while True:
        try:
            html = connection.recv()
        except EOFError:  # the server closed its end: nothing more to read
            return
        try:
            connection.send((True, extract_article(html)))
        except KhulasaError as error:
            connection.send((False, error))
        except Exception as error:  # noqa: BLE001 - a library failure on one page is that page's 422, not a crash
            connection.send((False, Unprocessable(f"the page could not be read: {type(error).__name__}: {error}")))


class _Worker:
    """One extraction process and its end of the pipe; `read` blocks, so callers run it in a thread."""

    def __init__(self) -> None:
        # spawn, not fork: the server holds threads (torch, the batcher) that a forked child would inherit stuck.
        context = multiprocessing.get_context("spawn")
        self.connection, child = context.Pipe()
        self.process: BaseProcess = context.Process(target=_serve_pages, args=(child,), daemon=True)
        self.process.start()
        child.close()
        self.pages = 0
        if not self.connection.poll(_START_TIMEOUT_S) or self.connection.recv() != "ready":
            self.stop()
            raise PageTooComplex("the page reader did not start; retry")

    def read(self, html: str, timeout_s: float) -> ExtractedArticle:
        """The page's article; TimeoutError past `timeout_s`, EOFError when the process died on the page."""
        self.pages += 1
        self.connection.send(html)
        if not self.connection.poll(timeout_s):
            raise TimeoutError
        ok, value = self.connection.recv()
        if not ok:
            raise value
        article: ExtractedArticle = value
        return article

    def stop(self) -> None:
        self.process.kill()
        self.process.join()
        self.connection.close()


class PageReader:
    """Extracts articles from web pages off the event loop, within a time bound per page."""

    def __init__(self, timeout_s: float) -> None:
        self.timeout_s = timeout_s
        self._worker: _Worker | None = None
        self._turn = asyncio.Lock()

    async def read(self, html: str) -> ExtractedArticle:
        """The page's article. Raises PageTooComplex when reading it outlasts the time bound, Overloaded when other
        pages hold the reader that long, or what `extract_article` raises (NoArticle)."""
        try:
            async with asyncio.timeout(self.timeout_s):
                await self._turn.acquire()
        except TimeoutError:
            raise Overloaded(f"other pages kept the page reader busy for {self.timeout_s:g} s; retry") from None
        try:
            # Starting a worker (a second or two) is not counted against the page.
            worker = self._worker if self._worker is not None else await asyncio.to_thread(self._start)
            try:
                return await asyncio.to_thread(worker.read, html, self.timeout_s)
            except TimeoutError:
                await asyncio.to_thread(self.close)
                raise PageTooComplex(
                    f"the page took longer than {self.timeout_s:g} s to read (KHULASA_HTML_TIMEOUT_S); "
                    "send the article as text"
                ) from None
            except (EOFError, OSError) as error:
                # The process died on the page (out of memory, a crash in lxml): the page is the likely cause.
                log.warning("the page reader stopped on a page (%s); starting another", type(error).__name__)
                await asyncio.to_thread(self.close)
                raise PageTooComplex("the page reader stopped on this page; send the article as text") from None
            finally:
                if self._worker is not None and self._worker.pages >= _PAGES_PER_WORKER:
                    await asyncio.to_thread(self.close)
        finally:
            self._turn.release()

    def _start(self) -> _Worker:
        self._worker = _Worker()
        return self._worker

    def close(self) -> None:
        """Stop the worker process (if one was started); the next page starts another."""
        worker, self._worker = self._worker, None
        if worker is not None:
            worker.stop()


async def article_text(body: SegmentRequest, settings: Settings, pages: PageReader) -> str:
    """The text every offset of the answer indexes: `text`, or the article extracted from `html`. Checked like any
    article (KHULASA_MAX_TEXT_CHARS, Arabic): 422 otherwise, also for a page without an article."""
    text = (await pages.read(body.html)).text if body.html is not None else body.text or ""
    check_article(text, settings.max_text_chars)
    return text


def summary_mode(body: SummarizeRequest, settings: Settings) -> Literal["abstractive", "extractive"]:
    """The request's summary mode, else the server's default; SummaryUnavailable (422) for an abstractive one on
    a server without a summarizer model."""
    mode = body.summary or settings.default_summary()
    if mode == "abstractive" and settings.summarizer == EXTRACTIVE:
        raise SummaryUnavailable(
            'this server has no summarizer model (KHULASA_SUMMARIZER=extractive): ask for "summary": "extractive"'
        )
    return mode
