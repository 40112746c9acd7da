"""A crawler's walk: robots.txt, the sitemap index, then every entity page it lists.

Fetching all 80,000 pages is the point (a page that only some data breaks is found only
there), so the walk is shared between two processes, one per core, each with its own app.
"""

from __future__ import annotations

import multiprocessing
import re
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from urllib.parse import urlsplit

import pyoxigraph as ox
import pytest
from conftest import BASE

from server.app import create_app
from server.web import live_data

pytestmark = pytest.mark.slow

_crawler_app = None


def _start_crawler(store: str) -> None:
    global _crawler_app
    _crawler_app = create_app({"TESTING": True, "STORE": store, "QUERY_WORKERS": 1})


def _fetch(paths: list[str]) -> list[tuple[str, int]]:
    """The status of each page that did not answer 200 (spawned worker side)."""
    client = _crawler_app.test_client()
    failures = []
    for path in paths:
        response = client.get(path, buffered=True)
        if response.status_code != 200 or b"</html>" not in response.data:
            failures.append((path, response.status_code))
    return failures


@pytest.fixture(scope="module")
def crawl_app(built_store: Path):
    app = create_app({"TESTING": True, "STORE": str(built_store), "QUERY_WORKERS": 1})
    yield app
    live_data(app).close()


@pytest.fixture(scope="module")
def listed_pages(crawl_app) -> list[str]:
    """The entity pages a crawler finds starting from robots.txt."""
    web = crawl_app.test_client()
    robots = web.get("/robots.txt").get_data(as_text=True)
    (sitemap,) = re.findall(r"^Sitemap: (\S+)$", robots, re.M)
    index = web.get(urlsplit(sitemap).path).get_data(as_text=True)
    assert "<sitemapindex" in index  # past 50,000 URLs
    urls: list[str] = []
    for part in re.findall(r"<loc>([^<]+)</loc>", index):
        body = web.get(urlsplit(part).path).get_data(as_text=True)
        located = re.findall(r"<loc>([^<]+)</loc>", body)
        assert 0 < len(located) <= 50000 and body.count("<lastmod>") == len(located)
        urls += located
    return [urlsplit(u).path for u in urls if "/page/" in u]


def test_the_sitemaps_list_each_entity_once_but_the_former_identifiers(crawl_app, listed_pages):
    store = live_data(crawl_app).current.store
    (row,) = store.store.query(
        "SELECT (COUNT(DISTINCT ?e) AS ?n) WHERE { ?e ?p ?o "
        f'FILTER(STRSTARTS(STR(?e), "{BASE}id/")) '
        "FILTER NOT EXISTS { ?e ?q ?x FILTER(?q != <http://purl.org/dc/terms/isReplacedBy>) } }"
    )
    former_identifiers = int(row["n"].value)
    assert len(listed_pages) == len(set(listed_pages))
    assert len(listed_pages) == store.dataset_statistics()["entities"] - former_identifiers > 75000


def test_every_listed_page_names_an_entity_the_graph_describes(crawl_app, listed_pages):
    store = live_data(crawl_app).current.store.store
    undescribed = [
        page
        for page in listed_pages
        if next(
            store.quads_for_pattern(ox.NamedNode(BASE + "id/" + page[len("/page/") :]), None, None),
            None,
        )
        is None
    ]
    assert undescribed == []


def test_every_listed_page_answers_200_with_a_whole_html_page(built_store, listed_pages):
    halves = [listed_pages[0::2], listed_pages[1::2]]
    with ProcessPoolExecutor(
        max_workers=2,
        mp_context=multiprocessing.get_context("spawn"),
        initializer=_start_crawler,
        initargs=(str(built_store),),
    ) as pool:
        failures = [failure for part in pool.map(_fetch, halves) for failure in part]
    assert failures == []
