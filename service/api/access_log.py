"""The access log without query strings: LibreTranslate clients (deep-translator) send the text to translate there."""

import logging


class WithoutQueryString(logging.Filter):
    """Cut the query string off the path of uvicorn's access-log records, whose arguments are (client, method,
    path with query, HTTP version, status); other records pass unchanged."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, tuple) and len(args) == 5 and isinstance(args[2], str) and "?" in args[2]:
            record.args = (args[0], args[1], args[2].split("?", 1)[0] + "?…", *args[3:])
        return True


def hide_query_strings() -> None:
    """Install the filter on uvicorn's access logger (after uvicorn has configured logging)."""
    logging.getLogger("uvicorn.access").addFilter(WithoutQueryString())
