"""The charts in Chromium: drawn under the page policy, reachable from the keyboard, and
within the screen of a phone."""

from __future__ import annotations

import pytest
from browser import RECORD_VIOLATIONS, chromium_available

pytestmark = [
    pytest.mark.live,
    pytest.mark.browser,
    pytest.mark.skipif(not chromium_available(), reason="Debian's chromium is not installed"),
]

PAGES = ("", "page/round/2019-capitales-communautes")
PHONE = {"width": 390, "height": 844}


@pytest.mark.parametrize("path", PAGES)
def test_charts_are_drawn_with_no_policy_violation(live_server, browser, path):
    page = browser.new_page()
    page.add_init_script(RECORD_VIOLATIONS)
    page.goto(live_server + path)
    sizes = page.eval_on_selector_all(
        "figure.chart svg", "svgs => svgs.map(s => s.getBoundingClientRect().height)"
    )
    assert sizes and all(height > 50 for height in sizes)
    assert page.evaluate("window.__violations") == []
    page.close()


@pytest.mark.parametrize("path", PAGES)
def test_charts_fit_a_phone_screen(live_server, browser, path):
    page = browser.new_page(viewport=PHONE)
    page.goto(live_server + path)
    # The figure, its picture and the box its table scrolls in stay within the screen.
    edges = page.eval_on_selector_all(
        "figure.chart, figure.chart svg, figure.chart .table-scroll",
        "boxes => boxes.map(b => b.getBoundingClientRect().right)",
    )
    assert edges and max(edges) <= PHONE["width"]
    page.close()


def test_the_keyboard_reaches_a_bar_and_follows_it(live_server, browser):
    page = browser.new_page()
    page.goto(live_server + "?lang=en")
    for _ in range(200):
        page.keyboard.press("Tab")
        focused = page.evaluate(
            "(() => { const a = document.activeElement;"
            " return a && a.closest('svg') && a.querySelector('rect.bar')"
            " ? a.querySelector('title').textContent : null; })()"
        )
        if focused:
            break
    assert focused, "no bar takes the focus"
    with page.expect_request(lambda request: "/sparql?query=" in request.url) as followed:
        page.keyboard.press("Enter")
    assert followed.value.is_navigation_request()
    page.close()
