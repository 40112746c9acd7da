"""The search box in a real browser: suggestions while typing, chosen with the keyboard."""

from __future__ import annotations

import pytest
from browser import chromium_available
from playwright.sync_api import expect

pytestmark = [
    pytest.mark.live,
    pytest.mark.browser,
    pytest.mark.skipif(not chromium_available(), reason="Debian's chromium is not installed"),
]


def test_typing_suggests_entities_and_enter_opens_the_one_chosen(live_server, browser):
    page = browser.new_page()
    page.goto(live_server + "browse")
    box = page.locator("#site-search-q")
    box.type("eurasa", delay=30)
    first = page.locator("#site-search-q-suggestions [role=option]").first
    # Waited for, not read at once: on a busy machine a pause between keystrokes outlasts the
    # debounce, and the suggestions for "eur" show before those for "eurasa" replace them.
    expect(first).to_contain_text("Eurasanté", timeout=10000)
    assert box.get_attribute("aria-expanded") == "true"
    box.press("ArrowDown")
    assert box.get_attribute("aria-activedescendant") == "site-search-q-suggestions-0"
    box.press("Enter")
    page.wait_for_url("**/page/organisation/eurasante")
    assert page.locator("h1").inner_text().startswith("Eurasanté")
    page.close()


def test_without_choosing_a_suggestion_the_form_lands_on_the_results_page(live_server, browser):
    page = browser.new_page()
    page.goto(live_server)
    box = page.locator("#site-search-q")
    box.type("lille", delay=30)
    page.locator("#site-search-q-suggestions [role=option]").first.wait_for(timeout=10000)
    box.press("Escape")
    assert box.get_attribute("aria-expanded") == "false" and box.input_value() == "lille"
    box.press("Enter")
    page.wait_for_url("**/search?q=lille")
    assert "Commune · Nord (59)" in page.locator(".search-results").inner_text()
    page.close()


def test_the_404_page_shows_the_entities_it_may_have_meant(live_server, browser):
    page = browser.new_page()
    page.goto(live_server + "page/commune/lille")
    heading = page.locator("h2").first.bounding_box()
    lille = page.locator('main a[href="/page/commune/59350"]')
    form = page.locator("main form.search-page").bounding_box()
    assert lille.is_visible()
    box = lille.bounding_box()
    # Between "Did you mean:" and the search form, in the page's flow, not floated away.
    assert heading["y"] < box["y"] < form["y"]
    page.close()
