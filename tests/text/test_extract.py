"""The article out of a web page: real article text in news-site markup, every paragraph kept, no furniture."""

import codecs

import pytest

from service.errors import NoArticle, Unprocessable
from service.text.extract import declared_charset, decode_page, extract_article
from tests.pages import FURNITURE, Article, natural_articles, news_page, page_bytes

SUBHEADING = "تفاصيل الحادث"


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _expected_paragraphs(article: Article, subheading: str) -> list[str]:
    half = max(1, len(article.paragraphs) // 2)
    paragraphs = [_one_line(p) for p in article.paragraphs]
    return [article.title, *paragraphs[:half], subheading, *paragraphs[half:]]


def test_every_dev_article_comes_out_whole_with_title_and_subheading_and_no_furniture() -> None:
    articles = natural_articles()
    for article in articles:
        extracted = extract_article(news_page(article, subheading=SUBHEADING))
        assert extracted.title == article.title
        # One paragraph a blank line apart, title first, the subheading its own paragraph where the page had it.
        assert extracted.text.split("\n\n") == _expected_paragraphs(article, SUBHEADING)
        source = " ".join(article.paragraphs)
        leaked = [piece for piece in FURNITURE if piece in extracted.text and piece not in source]
        assert leaked == [], article.title
    assert len(articles) >= 50


@pytest.mark.parametrize("meta", ["charset", "http-equiv"])
def test_windows_1256_page_is_decoded_by_its_declared_charset(meta: str) -> None:
    article = natural_articles()[0]
    raw = page_bytes(news_page(article, charset="windows-1256", meta=meta), "windows-1256")
    assert declared_charset(raw) == "cp1256"
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")  # read as UTF-8 it would be noise
    assert extract_article(decode_page(raw)).text.split("\n\n")[1] == _one_line(article.paragraphs[0])


def test_undeclared_page_is_read_as_utf8_and_a_bom_wins() -> None:
    page = news_page(natural_articles()[1]).replace('<meta charset="utf-8">', "")
    assert declared_charset(page.encode()) is None and decode_page(page.encode()) == page
    assert decode_page(codecs.BOM_UTF8 + page.encode()) == page
    assert decode_page(page.encode("utf-16")) == page


def test_bytes_invalid_in_the_declared_charset_are_refused_with_the_charset_named() -> None:
    raw = news_page(natural_articles()[0]).encode("utf-8")[:-3] + b"\xff\xfe\xfa"
    with pytest.raises(Unprocessable, match="utf-8"):
        decode_page(raw)


def test_unknown_declared_charset_falls_back_to_utf8() -> None:
    page = news_page(natural_articles()[0], charset="x-no-such-charset")
    assert declared_charset(page.encode()) is None and decode_page(page.encode()) == page


@pytest.mark.parametrize(
    "page",
    [
        "",
        "<html><body></body></html>",
        "<html><body><nav><a href='/'>الرئيسية</a><a href='/a'>أخبار</a></nav><footer>حقوق</footer></body></html>",
        "<html><head><script>var s = 'نص';</script></head><body><script>alert(1)</script></body></html>",
        "<html><body>" + "<div>" * 50_000 + "<p>نص قصير</p>" + "</div>" * 50_000 + "</body></html>",
    ],
    ids=["empty", "empty-body", "navigation-only", "scripts-only", "nested-50000-deep"],
)
def test_page_without_article_raises_no_article(page: str) -> None:
    with pytest.raises(NoArticle):
        extract_article(page)
