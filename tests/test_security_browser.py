"""The query editor under its Content-Security-Policy, in Chromium: it works, and a hostile
permalink runs nothing."""

from __future__ import annotations

from urllib.parse import quote

import pytest
from browser import RECORD_VIOLATIONS, chromium_available

pytestmark = [
    pytest.mark.live,
    pytest.mark.browser,
    pytest.mark.skipif(not chromium_available(), reason="Debian's chromium is not installed"),
]

# A query whose results are markup and script addresses, and a tab title that is markup.
HOSTILE_QUERY = (
    'SELECT ?x ?l WHERE { VALUES (?x ?l) { (<javascript:alert(1)> "<img src=x onerror=alert(2)>")'
    ' (<http://kg.test/x> "</script><script>alert(3)</script>") } }'
)


def open_page(browser, url: str):
    """A page on ``url`` recording policy violations and any dialog (dismissed)."""
    page = browser.new_page()
    page.add_init_script(RECORD_VIOLATIONS)
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.goto(url)
    page.wait_for_selector(".yasqe .CodeMirror")
    return page, dialogs


def test_the_editor_runs_an_example_with_no_policy_violation(live_server, browser):
    page, dialogs = open_page(browser, live_server + "sparql")
    page.select_option("#example", "capitales-by-region-2019")
    page.wait_for_selector(".yasr table tbody tr", timeout=30000)
    page.click(".yasr .select_response")
    page.wait_for_selector(".yasr .CodeMirror")
    assert page.evaluate("window.__violations") == []
    assert dialogs == []
    page.close()


def test_a_hostile_permalink_runs_no_script_and_still_shows_its_results(live_server, browser):
    title = "<img src=x onerror=alert(4)>"
    link = f"{live_server}sparql#query={quote(HOSTILE_QUERY)}&tabTitle={quote(title)}"
    page, dialogs = open_page(browser, link)
    # A permalink runs its query at once: the results are the attack.
    page.wait_for_selector(".yasr table tbody tr", timeout=30000)
    table = page.inner_text(".yasr table")
    assert "<img src=x onerror=alert(2)>" in table
    assert "</script><script>alert(3)</script>" in table
    assert title in page.inner_text(".tabsList")
    page.wait_for_timeout(500)  # time for any handler to fire
    assert dialogs == []
    hrefs = page.eval_on_selector_all("a[href]", "links => links.map(a => a.href)")
    assert not [href for href in hrefs if href.lower().startswith("javascript:")]
    assert page.evaluate("document.querySelectorAll('.yasr img, .tabsList img').length") == 0
    page.close()


def test_a_hostile_query_parameter_on_the_editor_page_runs_no_script(live_server, browser):
    hostile = "</script><script>alert(5)</script><img src=x onerror=alert(6)>"
    page, dialogs = open_page(
        browser, f"{live_server}query?query={quote(hostile)}&x={quote(hostile)}"
    )
    page.wait_for_timeout(500)
    assert dialogs == []
    assert page.evaluate("window.__violations") == []
    page.close()
