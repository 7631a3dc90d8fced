"""The article a request names: its `text`, or the one extracted from its `html`, read in a worker process.

Extraction is CPU-bound Python (trafilatura over lxml) and some pages take a minute (hundreds of thousands of tiny
elements); a thread cannot be stopped, so pages are read in a separate process, one at a time, and the process is
killed when a page outlasts KHULASA_HTML_TIMEOUT_S. The event loop only waits.
"""

import asyncio
import logging
import multiprocessing
import multiprocessing.pool
from typing import Literal

from service.config import EXTRACTIVE, Settings
from service.errors import Overloaded, PageTooComplex, SummaryUnavailable
from service.text.extract import ExtractedArticle, extract_article

from .schemas import SegmentRequest, SummarizeRequest
from .texts import check_article

log = logging.getLogger(__name__)

# A worker process is replaced after this many pages, so memory a pathological page left behind is given back.
_PAGES_PER_WORKER = 200


def _warm() -> None:
    # trafilatura loads most of what it needs on its first page; a worker does that before its first real one.
    sentence = "وصل الوفد إلى القاهرة صباح اليوم. "
    extract_article(f"<html><body><article><p>{sentence * 5}</p></article></body></html>")


class PageReader:
    """Extracts articles from web pages off the event loop, within a time bound per page."""

    def __init__(self, timeout_s: float) -> None:
        self.timeout_s = timeout_s
        self._pool: multiprocessing.pool.Pool | None = None
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
            pool = self._pool if self._pool is not None else await asyncio.to_thread(self._start)
            pending = pool.apply_async(extract_article, (html,))
            try:
                return await asyncio.to_thread(pending.get, self.timeout_s)
            except multiprocessing.TimeoutError:
                await asyncio.to_thread(self.close)
                raise PageTooComplex(
                    f"the page took longer than {self.timeout_s:g} s to read (KHULASA_HTML_TIMEOUT_S); "
                    "send the article as text"
                ) from None
        finally:
            self._turn.release()

    def _start(self) -> multiprocessing.pool.Pool:
        # spawn, not fork: the server holds threads (torch, the batcher) that a forked child would inherit stuck.
        context = multiprocessing.get_context("spawn")
        pool = context.Pool(1, maxtasksperchild=_PAGES_PER_WORKER)
        pool.apply(_warm)
        self._pool = pool
        return pool

    def close(self) -> None:
        """Stop the worker process (if one was started); the next page starts another."""
        pool, self._pool = self._pool, None
        if pool is not None:
            pool.terminate()
            pool.join()


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
