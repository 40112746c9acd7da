"""The map in a real browser: keyboard focus reaches each territory and shows its labels, and
the page loads nothing its Content-Security-Policy refuses."""

from __future__ import annotations

import pytest
from browser import chromium_available

pytestmark = [
    pytest.mark.live,
    pytest.mark.browser,
    pytest.mark.skipif(not chromium_available(), reason="Debian's chromium is not installed"),
]


def test_tabbing_onto_a_territory_shows_its_ecosystems_and_labels(live_server, browser):
    page = browser.new_page()
    refused: list[str] = []

    def listen(message) -> None:
        if "Content Security Policy" in message.text:
            refused.append(message.text)

    page.on("console", listen)
    page.goto(live_server + "map?round=2019&lang=fr")
    tip = page.locator('a[data-code="59"] .map-tip')
    assert not tip.is_visible()
    # From the first territory, Tab as a keyboard user does, one territory a stop, to Nord.
    page.locator('a[data-code="01"]').focus()
    for _ in range(120):
        if page.evaluate("document.activeElement.getAttribute('data-code')") == "59":
            break
        page.keyboard.press("Tab")
    assert tip.is_visible()
    text = " ".join(tip.locator("text").all_text_contents())
    assert text.startswith("Nord") and "French Tech Lille" in text
    box = page.locator('a[data-code="59"] path').bounding_box()
    assert box and box["width"] > 10
    assert refused == []
    page.close()
