"""The query editor in a real browser: load it, pick an example, run it, see the rows."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from browser import chromium_available

pytestmark = [
    pytest.mark.live,
    pytest.mark.browser,
    pytest.mark.skipif(not chromium_available(), reason="Debian's chromium is not installed"),
]


def test_the_editor_runs_an_example_and_shows_its_rows(live_server, browser):
    page = browser.new_page()
    foreign = []
    page.on(
        "request",
        lambda r: (
            foreign.append(r.url)
            if urlsplit(r.url).hostname not in {"127.0.0.1", "localhost"}
            else None
        ),
    )
    page.goto(live_server + "sparql")
    page.wait_for_selector(".yasqe .CodeMirror")
    page.select_option("#example", "capitales-by-region-2019")
    page.wait_for_selector(".yasr table tbody tr", timeout=30000)
    rows = page.locator(".yasr table tbody tr")
    assert rows.count() == 13
    assert "French Tech Lille" in page.locator(".yasr table").inner_text()
    assert foreign == []  # offline: no CDN, no autocomplete service, nothing but this server
    page.close()


def test_the_editor_offers_a_permalink_that_restores_the_query(live_server, browser):
    page = browser.new_page()
    page.goto(live_server + "sparql")
    page.wait_for_selector(".yasqe .CodeMirror")
    link = page.evaluate(
        "() => { const tab = window.__ftkgYasgui.getTab(); tab.setQuery('ASK { ?s ?p ?o }'); return tab.getShareableLink(); }"
    )
    assert link.startswith(live_server)
    other = browser.new_page()
    other.goto(link)
    other.wait_for_selector(".yasqe .CodeMirror")
    text = other.evaluate("() => window.__ftkgYasgui.getTab().getQuery()")
    assert "ASK { ?s ?p ?o }" in text
    page.close()
    other.close()


def test_the_download_links_carry_the_current_query_in_each_format(live_server, browser):
    page = browser.new_page()
    page.goto(live_server + "sparql")
    page.wait_for_selector(".yasqe .CodeMirror")
    page.select_option("#example", "communes-of-the-mel")
    page.hover("#downloads")
    href = page.get_attribute('#downloads a[data-format="csv"]', "href")
    response = page.request.get(href)
    assert response.status == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert (
        response.text()
        .splitlines()[1]
        .startswith("http://kg.test/id/commune/59350,59350,Lille,238246")
    )
    page.close()


def test_a_download_link_saves_a_file_named_for_its_format(live_server, browser):
    page = browser.new_page()
    page.goto(live_server + "sparql")
    page.wait_for_selector(".yasqe .CodeMirror")
    page.select_option("#example", "communes-of-the-mel")
    page.hover("#downloads")
    for name, filename in (("csv", "query-results.csv"), ("json", "query-results.srj")):
        href = page.get_attribute(f'#downloads a[data-format="{name}"]', "href")
        disposition = page.request.get(href).headers["content-disposition"]
        assert disposition.startswith("attachment") and filename in disposition
    page.close()
