"""Search: normalised names, prefix matching, ranking, the /search API and page, the search box."""

from __future__ import annotations

import pytest
from conftest import BASE

from server.text import normalise, split_qualifiers

FIREFOX = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


def results(client, query: str, **params: str) -> list[dict]:
    response = client.get("/search", query_string={"q": query, **params})
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()["results"]


# --- text --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("written", "normalised"),
    [
        ("Saint-Étienne", "saint etienne"),
        ("ST-ÉTIENNE", "saint etienne"),
        ("St Etienne", "saint etienne"),
        ("Havre (Le)", "le havre"),
        ("L'Haÿ-les-Roses", "l hay les roses"),
        ("Œuilly", "oeuilly"),
        ("FT Lille", "french tech lille"),
        ("CA du Grand Avignon", "communaute d agglomeration du grand avignon"),
    ],
)
def test_names_compare_without_accents_case_punctuation_or_abbreviations(written, normalised):
    assert normalise(written) == normalised


@pytest.mark.parametrize(
    ("cell", "name", "departement", "place", "postal_code"),
    [
        ("Saint-Denis (93)", "Saint-Denis", "93", None, None),
        ("Saint-Denis 974", "Saint-Denis", "974", None, None),
        ("Ajaccio (2A)", "Ajaccio", "2A", None, None),
        ("59000 Lille", "Lille", None, None, "59000"),
        ("Lille 59000", "Lille", None, None, "59000"),
        ("LILLE CEDEX 9", "LILLE", None, None, None),
        ("Besançon (Doubs)", "Besançon", None, "Doubs", None),
        ("Havre (Le)", "Havre (Le)", None, None, None),
    ],
)
def test_qualifiers_written_beside_a_name_are_read_apart(
    cell, name, departement, place, postal_code
):
    qualified = split_qualifiers(cell)
    assert (qualified.name, qualified.departement, qualified.place, qualified.postal_code) == (
        name,
        departement,
        place,
        postal_code,
    )


# --- ranking -----------------------------------------------------------------------------------


def test_a_prefix_suggests_the_entity_it_begins(client):
    (first, *_) = results(client, "eurasa")
    assert first["key"] == "organisation/eurasante"
    assert first["label"] == "Eurasanté"


def test_lille_lists_the_commune_the_metropolis_the_ecosystem_and_its_awards_with_their_types(
    client,
):
    found = results(client, "lille", limit="15")
    keys = [r["key"] for r in found]
    assert keys[0] == "commune/59350"
    assert {
        "ecosystem/lille",
        "epci/200093201",
        "award/2019-capitale-lille",
        "award/2014-metropole-lille",
    } <= set(keys)
    types = {r["key"]: r["type"]["id"] for r in found}
    assert types["epci/200093201"] == "epci" and types["award/2019-capitale-lille"] == "award"
    assert found[0]["description"] == "Commune · Nord (59)"


def test_an_exact_whole_word_outranks_a_longer_word_it_begins(client):
    keys = [r["key"] for r in results(client, "lille", limit="30")]
    assert keys.index("epci/200093201") < keys.index("commune/76384")  # Lillebonne


@pytest.mark.parametrize("spelling", ["saint-étienne", "SAINT ETIENNE", "St-Etienne", "st étienne"])
def test_accents_case_and_abbreviations_do_not_change_the_answer(client, spelling):
    assert [r["key"] for r in results(client, spelling)] == [
        r["key"] for r in results(client, "Saint-Étienne")
    ]


def test_an_official_name_ranks_above_a_namesake_of_a_smaller_kind(client):
    keys = [r["key"] for r in results(client, "Paris")]
    assert keys[0] == "commune/75056"


def test_abbreviated_words_find_the_name(client):
    assert results(client, "Mét. Eur. de Lille")[0]["key"] == "epci/200093201"


def test_a_type_keeps_only_that_kind(client):
    found = results(client, "lille", type="award")
    assert found and {r["type"]["id"] for r in found} == {"award"}


def test_several_types_may_be_asked(client):
    found = results(client, "lille", type="commune,epci", limit="20")
    assert {r["type"]["id"] for r in found} == {"commune", "epci"}


def test_each_result_gives_the_entity_iri_and_its_page(client):
    (first, *_) = results(client, "lille")
    assert first["id"] == BASE + "id/commune/59350"
    assert first["page"].endswith("/page/commune/59350")


def test_the_limit_caps_the_answer(client):
    assert len(results(client, "saint", limit="3")) == 3


def test_nothing_found_is_an_empty_list(client):
    assert results(client, "zzzzqqqq") == []


@pytest.mark.parametrize(
    "text", ['eurasa" OR "paris*', "eurasa) AND (", "eurasa NEAR(x", "^eurasa:"]
)
def test_search_syntax_typed_in_the_box_is_only_text(client, text):
    assert results(client, text) == results(client, normalise(text))


# --- errors --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"q": "lille", "limit": "0"}, "limit must be an integer from 1 to 100"),
        ({"q": "lille", "limit": "ten"}, "limit must be an integer from 1 to 100"),
        ({"q": "lille", "type": "castle"}, "unknown type 'castle'"),
        ({}, "q is required"),
        ({"q": "x" * 201}, "at most 200"),
    ],
)
def test_bad_parameters_are_a_400_saying_what_to_fix(client, params, message):
    response = client.get("/search", query_string=params, headers={"Accept": "application/json"})
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)


# --- the page and the box ------------------------------------------------------------------------


def test_a_browser_gets_a_results_page_linking_each_entity(client):
    response = client.get("/search?q=lille", headers={"Accept": FIREFOX})
    assert response.mimetype == "text/html"
    page = response.get_data(as_text=True)
    assert 'href="/page/commune/59350"' in page and "Commune · Nord (59)" in page
    assert "Accept" in response.headers["Vary"]


def test_the_results_page_without_a_query_is_the_search_form(client):
    response = client.get("/search", headers={"Accept": FIREFOX})
    assert response.status_code == 200
    assert 'name="q"' in response.get_data(as_text=True)


@pytest.mark.parametrize("path", ["/", "/page/ecosystem/lille", "/browse", "/ontology", "/dumps/"])
def test_every_page_has_a_search_box_with_autocomplete(client, path):
    page = client.get(path, headers={"Accept": FIREFOX}).get_data(as_text=True)
    assert 'role="search"' in page
    assert 'data-autocomplete="/search"' in page
    assert "/static/search.js" in page


def test_search_answers_any_origin(client):
    response = client.get("/search?q=lille", headers={"Origin": "https://example.org"})
    assert response.headers["Access-Control-Allow-Origin"] == "*"


def test_a_former_commune_is_never_offered_for_the_living_one(client):
    # Hellemmes-Lille merged into Lille (its code 59298 names the former commune); what is
    # found is the commune associée that carries the name today.
    found = [r["id"].split("/id/", 1)[1] for r in results(client, "Hellemmes-Lille")]
    assert "commune/59298" not in found
    assert "commune-associee/59298" in found
