"""Web pages shaped like real Arabic news sites, built around article text the tests read from ../shared.

The furniture (site name, menus, breadcrumbs, captions, share bars, "اقرأ أيضا" links, comments, footer, inline
scripts) is written here and listed in FURNITURE, so a test can check that none of it reaches the article.
"""

import html
import json
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import SHARED

NATURAL_DEV = SHARED / "data" / "segmentation" / "natural-dev.jsonl"

MENU = ["الرئيسية", "أخبار عربية", "اقتصاد وأعمال", "رياضة", "منوعات"]
CRUMBS = ["الرئيسية", "الأخبار", "العالم العربي"]
CAPTION = "صورة أرشيفية من موقع الحدث نشرتها الوكالة"
RELATED = ["مجلس الأمن يعقد جلسة طارئة بشأن الأزمة", "ارتفاع أسعار النفط مع تراجع المخزونات الأمريكية"]
SHARE = ["شارك عبر فيسبوك", "شارك عبر تويتر", "أرسل عبر واتساب"]
COMMENT = "تعليق قارئ: هذا الخبر منقول من موقع آخر بلا ذكر المصدر"
FOOTER = "جميع الحقوق محفوظة لشبكة الأخبار العربية"
SCRIPT_TEXT = "مساحة إعلانية ممولة"
FURNITURE = [*MENU[1:], CRUMBS[2], CAPTION, *RELATED, *SHARE, COMMENT, FOOTER, SCRIPT_TEXT, "اقرأ أيضا"]


@dataclass(frozen=True)
class Article:
    """A real article: its headline and paragraphs, as the dev set holds them."""

    title: str
    paragraphs: list[str]


def natural_articles() -> list[Article]:
    """The dev set's articles (real multi- and single-story news); skips when ../shared is absent."""
    if not NATURAL_DEV.is_file():
        pytest.skip(f"segmentation dev set not found at {NATURAL_DEV} (../shared is absent)")
    rows = [json.loads(line) for line in NATURAL_DEV.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [Article(row["title"], row["paragraphs"]) for row in rows]


def news_page(article: Article, *, charset: str = "utf-8", subheading: str | None = None, meta: str = "charset") -> str:
    """A news page holding `article`: `subheading` (when given) as an <h2> before its second half, the charset
    declared as <meta charset> or, with meta="http-equiv", as a Content-Type http-equiv."""
    e = html.escape
    half = max(1, len(article.paragraphs) // 2)
    body = [f"<p>{e(p)}</p>" for p in article.paragraphs[:half]]
    if subheading is not None:
        body.append(f"<h2>{e(subheading)}</h2>")
    body += [f"<p>{e(p)}</p>" for p in article.paragraphs[half:]]
    declared = (
        f'<meta charset="{charset}">'
        if meta == "charset"
        else f'<meta http-equiv="Content-Type" content="text/html; charset={charset}">'
    )
    related = "".join(f'<li><a href="/r{i}">{e(r)}</a></li>' for i, r in enumerate(RELATED))
    return f"""<!DOCTYPE html>
<html lang="ar" dir="rtl"><head>{declared}
<title>{e(article.title)} | شبكة الأخبار العربية</title>
<meta property="og:title" content="{e(article.title)}">
<script>window.dataLayer = [{{"section": "{SCRIPT_TEXT}"}}];</script>
<style>.share a {{ color: red; }}</style></head>
<body>
<header class="site-header"><a class="logo" href="/">شبكة الأخبار العربية</a>
<nav class="main-menu"><ul>{"".join(f'<li><a href="/s{i}">{e(m)}</a></li>' for i, m in enumerate(MENU))}</ul></nav>
</header>
<ol class="breadcrumb">{"".join(f'<li><a href="/c{i}">{e(c)}</a></li>' for i, c in enumerate(CRUMBS))}</ol>
<main><article class="story">
<h1 class="story-title">{e(article.title)}</h1>
<div class="byline">الخميس 19 يناير 2017</div>
<div class="share-bar">{"".join(f'<a href="#share{i}">{e(s)}</a>' for i, s in enumerate(SHARE))}</div>
<figure><img src="/img/lead.jpg" alt=""><figcaption>{e(CAPTION)}</figcaption></figure>
<div class="story-body">
{chr(10).join(body)}
<script>document.write("<div>{SCRIPT_TEXT}</div>");</script>
<aside class="read-also"><h3>اقرأ أيضا</h3><ul>{related}</ul></aside>
</div></article>
<section class="comments" id="comments"><h3>التعليقات</h3><div class="comment"><p>{e(COMMENT)}</p></div></section>
</main>
<footer class="site-footer"><p>{e(FOOTER)}</p><a href="/about">من نحن</a><a href="/privacy">سياسة الخصوصية</a></footer>
</body></html>
"""


def page_bytes(page: str, charset: str) -> bytes:
    """The page encoded as it declares; a character the charset lacks becomes a numeric reference, as editors do."""
    return page.encode(charset, errors="xmlcharrefreplace")


def write_page(directory: Path, article: Article, charset: str = "utf-8", name: str = "story.html") -> Path:
    path = directory / name
    path.write_bytes(page_bytes(news_page(article, charset=charset), charset))
    return path
