"""Entity pages in Chromium at a phone's width: footnotes big enough to tap."""

from __future__ import annotations

import pytest
from browser import chromium, chromium_available

pytestmark = [
    pytest.mark.live,
    pytest.mark.browser,
    pytest.mark.skipif(not chromium_available(), reason="Debian's chromium is not installed"),
]
PHONE = {"width": 390, "height": 844}
# WCAG 2.2, success criterion 2.5.8 Target Size (Minimum): 24 by 24 CSS pixels.
TARGET = 24


def test_every_footnote_is_at_least_24_css_pixels_square_on_a_phone(live_server):
    with chromium() as browser:
        page = browser.new_page(viewport=PHONE)
        page.goto(live_server + "page/ecosystem/lille?lang=fr")
        boxes = [link.bounding_box() for link in page.locator("main a.cite").all()]
        assert boxes, "the page cites no source"
        small = [b for b in boxes if b is None or b["width"] < TARGET or b["height"] < TARGET]
        assert small == []


def test_a_statement_with_many_sources_keeps_its_footnotes_within_the_page(live_server, browser):
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(live_server + "page/round/2019-capitales-communautes?lang=en")
    width = page.evaluate("document.documentElement.clientWidth")
    rights = page.locator(".cite").evaluate_all(
        "(links) => links.map((a) => a.getBoundingClientRect().right)"
    )
    assert len(rights) > 40
    assert max(rights) <= width
    page.close()
