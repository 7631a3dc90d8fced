"""The fast tier (`-m "not slow"`) stays fast: no test in it starts a real server or a browser."""

import inspect

import pytest

# Fixtures that start a `khulasa serve` process or Chromium, seconds each.
SERVER_OR_BROWSER_FIXTURES = {"live_server", "browser"}


def starts_a_server_or_a_browser(item: pytest.Item) -> bool:
    if SERVER_OR_BROWSER_FIXTURES & set(getattr(item, "fixturenames", ())):
        return True
    function = getattr(item, "function", None)
    return function is not None and "running_server(" in inspect.getsource(function)


def test_tests_that_start_a_server_or_a_browser_are_marked_slow(request: pytest.FixtureRequest) -> None:
    # The session's items are what this run selected: all of them in a full run, the fast tier under -m "not slow".
    unmarked = [
        item.nodeid
        for item in request.session.items
        if starts_a_server_or_a_browser(item) and item.get_closest_marker("slow") is None
    ]
    assert unmarked == [], "mark these @pytest.mark.slow (or pytestmark = pytest.mark.slow for the module)"
