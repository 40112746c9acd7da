"""The Reconciliation Service API (0.2 and 1.0-draft): every answer valid against the
community group's published JSON schemas, and matching that handles ambiguity as a user would."""

from __future__ import annotations

import json
import sqlite3
from html.parser import HTMLParser
from pathlib import Path

import pytest
from jsonschema import Draft7Validator
from referencing import Registry
from referencing.jsonschema import DRAFT7

from server.reconcile.designations import designation
from server.version.search_index import SearchIndex

SCHEMAS = Path(__file__).parent / "standards" / "reconciliation"


def _registry() -> Registry:
    documents = [json.loads(p.read_text()) for p in SCHEMAS.glob("*/*.json")]
    return Registry().with_resources(
        (document["$id"].rstrip("#"), DRAFT7.create_resource(document)) for document in documents
    )


REGISTRY = _registry()


def assert_valid(instance: object, version: str, schema: str) -> None:
    validator = Draft7Validator(
        json.loads((SCHEMAS / version / schema).read_text()), registry=REGISTRY
    )
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(instance)]
    assert errors == []


def preview_facts(card: str) -> dict[str, list[str]]:
    """The preview card's facts: each <dt>'s name and the <dd> texts under it."""
    parser = _CardParser()
    parser.feed(card)
    return parser.facts


class _CardParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.facts: dict[str, list[str]] = {}
        self._tag: str | None = None
        self._name = ""
        self._text = ""

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag in {"dt", "dd"}:
            self._tag, self._text = tag, ""

    def handle_data(self, data: str) -> None:
        if self._tag:
            self._text += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "dt" and self._text.strip():
            self._name = self._text.strip()
        elif tag == "dd":
            self.facts.setdefault(self._name, []).append(self._text.strip())
        self._tag = None


def batch(client, queries: dict) -> dict:
    response = client.post("/reconcile", data={"queries": json.dumps(queries)})
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()


def candidates(client, **query) -> list[dict]:
    return batch(client, {"q0": query})["q0"]["result"]


@pytest.fixture(scope="module")
def index(knowledge_store) -> SearchIndex:
    # The index the app uses: built in memory once per session.
    return knowledge_store.search_index()


# --- 0.2: the manifest and the shapes of every answer -------------------------------------------


def test_the_manifest_validates_against_the_0_2_schema(client):
    manifest = client.get("/reconcile").get_json()
    assert_valid(manifest, "0.2", "manifest.json")
    assert "0.2" in manifest["versions"]


def test_the_manifest_names_the_identifier_and_schema_spaces_under_the_base(client):
    manifest = client.get("/reconcile").get_json()
    assert manifest["identifierSpace"] == "http://kg.test/id/"
    assert manifest["schemaSpace"] == "http://kg.test/reconcile/properties/"
    assert manifest["view"]["url"].endswith("/page/{{id}}")
    assert manifest["preview"]["url"].endswith("/reconcile/preview?id={{id}}")
    assert {t["id"] for t in manifest["defaultTypes"]} >= {"commune", "epci", "ecosystem"}


def test_the_manifest_is_also_served_with_a_trailing_slash(client):
    assert client.get("/reconcile/").get_json()["name"] == "French Tech Knowledge Graph"


def test_a_batch_answers_each_key_with_results_valid_against_the_schema(client):
    answer = batch(
        client,
        {
            "q0": {"query": "Lille", "type": "commune"},
            "q1": {"query": "Eurasante", "limit": 2},
            "q2": {"query": "Saint-Denis", "properties": [{"pid": "departement", "v": "93"}]},
        },
    )
    assert set(answer) == {"q0", "q1", "q2"}
    assert_valid(answer, "0.2", "reconciliation-result-batch.json")
    assert len(answer["q1"]["result"]) <= 2


def test_the_queries_we_accept_are_those_the_schema_allows(client):
    queries = {
        "q0": {"query": "Lille", "type": "commune", "type_strict": "should", "limit": 3},
        "q1": {
            "query": "Valence",
            "properties": [{"pid": "departement", "v": {"id": "departement/26", "name": "Drôme"}}],
        },
    }
    assert_valid(queries, "0.2", "reconciliation-query-batch.json")
    answer = batch(client, queries)
    assert answer["q1"]["result"][0]["id"] == "commune/26362"


def test_a_get_with_queries_answers_too(client):
    response = client.get(
        "/reconcile", query_string={"queries": json.dumps({"q0": {"query": "Lille"}})}
    )
    assert response.get_json()["q0"]["result"][0]["id"] == "commune/59350"


def test_a_single_0_1_query_is_answered(client):
    response = client.get("/reconcile", query_string={"query": "Eurasanté"})
    assert response.get_json()["result"][0]["id"] == "organisation/eurasante"


def test_jsonp_wraps_the_answer_in_the_callback(client):
    response = client.get("/reconcile?callback=jsonp123")
    assert response.mimetype == "application/javascript"
    body = response.get_data(as_text=True)
    assert body.startswith("/**/jsonp123({") and body.endswith("});")


def test_a_callback_that_is_not_an_identifier_is_refused(client):
    response = client.get("/reconcile", query_string={"callback": "alert(1);x"})
    assert response.status_code == 400


def test_every_endpoint_answers_cross_origin_requests(client):
    for path in ("/reconcile", "/reconcile/suggest/entity?prefix=lil", "/reconcile/1.0-draft"):
        response = client.get(path, headers={"Origin": "https://openrefine.example"})
        assert response.headers["Access-Control-Allow-Origin"] == "*", path


# --- matching ---------------------------------------------------------------------------------


def test_lille_typed_commune_is_matched_with_certainty(client):
    (best, *others) = candidates(client, query="Lille", type="commune")
    assert best["id"] == "commune/59350" and best["match"] is True
    assert best["type"] == [{"id": "commune", "name": "Commune"}]
    assert all(not other["match"] and other["score"] < best["score"] for other in others)


def test_lille_without_a_type_offers_several_candidates_and_decides_nothing(client):
    found = candidates(client, query="Lille")
    assert found[0]["id"] == "commune/59350"
    assert len(found) > 1 and "arrondissement/595" in {c["id"] for c in found}
    assert not any(c["match"] for c in found)


def test_namesakes_without_a_qualifier_are_never_matched(client):
    found = candidates(client, query="Saint-Denis", type="commune")
    assert {"commune/93066", "commune/97411"} <= {c["id"] for c in found}
    assert not any(c["match"] for c in found)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"query": "Saint-Denis (93)"}, "commune/93066"),
        ({"query": "Saint-Denis 974"}, "commune/97411"),
        (
            {"query": "Saint-Denis", "properties": [{"pid": "postalCode", "v": "93200"}]},
            "commune/93066",
        ),
        (
            {"query": "Saint-Denis", "properties": [{"pid": "departement", "v": "La Réunion"}]},
            "commune/97411",
        ),
        (
            {"query": "Sainte-Marie", "properties": [{"pid": "inseeCode", "v": "97418"}]},
            "commune/97418",
        ),
    ],
)
def test_a_qualifier_or_a_property_picks_the_namesake_and_matches_it(client, query, expected):
    (best, *_) = candidates(client, type="commune", **query)
    assert best["id"] == expected and best["match"] is True


def test_a_property_that_contradicts_the_name_prevents_the_match(client):
    found = candidates(
        client, query="Lille", type="commune", properties=[{"pid": "departement", "v": "13"}]
    )
    assert not any(c["match"] for c in found)
    (lille,) = [c for c in found if c["id"] == "commune/59350"]
    features = {f["id"]: f["value"] for f in lille["features"]}
    assert features["name_exact"] is True and features["departement_match"] is False


def test_features_explain_the_score(client):
    (best, *_) = candidates(client, query="Lille (59)", type="commune")
    features = {f["id"]: f["value"] for f in best["features"]}
    assert features["name"] == 1.0 and features["name_exact"] is True
    assert features["departement_match"] is True
    assert 0 < features["importance"] <= 1


def test_a_misspelt_name_is_found_but_not_matched_automatically(client):
    (best, *_) = candidates(client, query="Besaçon", type="commune")
    assert best["id"] == "commune/25056" and best["match"] is False


def test_a_query_by_code_alone_finds_the_commune(client):
    (best, *_) = candidates(
        client, query="", type="commune", properties=[{"pid": "inseeCode", "v": "59350"}]
    )
    assert best["id"] == "commune/59350" and best["match"] is True


# --- bodies that ended: dissolved, replaced, merged ------------------------------------------


@pytest.mark.parametrize(
    "query",
    [
        {"query": "Lille Métropole"},
        {"query": "Lille Metropole"},
        {"query": "Lille Métropole", "type": "epci"},
    ],
    ids=["untyped", "no accent", "typed"],
)
def test_the_successor_of_an_ended_body_ranks_first_when_the_name_fits_both(client, query):
    # Lille Métropole Communauté urbaine was replaced by the Métropole Européenne de Lille.
    first, second, *_ = candidates(client, **query)
    assert [first["id"], second["id"]] == ["epci/200093201", "epci/245900410"]
    assert first["score"] > second["score"]
    assert not first["match"] and not second["match"]
    assert {"id": "ended", "value": True} in second["features"]


def test_an_ended_body_is_never_matched_automatically_even_by_its_own_name(client):
    (best, *others) = candidates(client, query="LMCU", type="epci")
    assert best["id"] == "epci/245900410" and best["match"] is False
    assert "epci/200093201" in {c["id"] for c in others}  # its successor, for the human


def test_the_index_reads_endings_from_replacements_and_lineage_not_from_renamings(index):
    def successors(entity_id: str) -> tuple[str, ...]:
        entity = index.entity(entity_id)
        assert entity is not None, entity_id
        return entity.successors

    assert successors("epci/245900410") == ("epci/200093201",)  # dcterms:isReplacedBy
    assert successors("ecosystem/hong-kong") == ("ecosystem/hong-kong-shenzhen",)  # a merger
    assert successors("ecosystem/saint-etienne") == ("ecosystem/lyon-saint-etienne",)
    assert successors("ecosystem/lyon-saint-etienne") == ()  # merged into, lives on
    assert successors("ecosystem/riviera") == ()  # renamed: the same ecosystem
    # A replaced label kind is still the label its name says: not a body that ended.
    assert successors("label-kind/metropole-french-tech") == ()


def test_an_index_from_an_older_ftkg_is_refused_with_what_to_do(tmp_path):
    old = tmp_path / "search.sqlite"
    with sqlite3.connect(old) as database:
        database.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
        database.execute("INSERT INTO meta VALUES ('schema_version', '1')")
    database.close()
    with pytest.raises(FileNotFoundError, match=r"older ftkg.*rebuild with `ftkg build`"):
        SearchIndex.open(old)


# --- how spreadsheets designate communes and authorities -------------------------------------


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("Mairie de Lille", "commune/59350"),
        ("Ville de Paris", "commune/75056"),
        ("Mairie de Roubaix", "commune/59512"),
        ("Commune de Tourcoing", "commune/59599"),
        ("Mairie du Havre", "commune/76351"),
        ("CC Pays de Mormal", "epci/200043321"),
        ("Communauté de communes du Sud Avesnois", "epci/200043404"),
        ("Agglo de Cambrai", "epci/200068500"),
        ("Agglomération de Cambrai", "epci/200068500"),
    ],
)
def test_a_designated_commune_or_authority_is_found_first_and_matched(client, cell, expected):
    (best, *_) = candidates(client, query=cell)
    assert best["id"] == expected and best["match"] is True
    assert {"id": "type_match", "value": True} in best["features"]


def test_a_designation_points_to_an_authority_not_to_the_commune_it_names(client):
    (best, *_) = candidates(client, query="Métropole de Lille")
    assert best["id"] == "epci/200093201"


def test_a_designation_does_not_settle_namesakes(client):
    found = candidates(client, query="Ville de Saint-Denis")
    assert {"commune/93066", "commune/97411"} <= {c["id"] for c in found}
    assert not any(c["match"] for c in found)


@pytest.mark.parametrize(
    ("normalised", "name", "body"),
    [
        ("mairie de lille", "lille", "commune"),
        ("ville de paris", "paris", "commune"),
        ("mairie du havre", "le havre", "commune"),
        ("communaute de communes du pays de mormal", "le pays de mormal", "communaute de communes"),
        ("communaute de communes pevele carembault", "pevele carembault", "communaute de communes"),
        ("agglo de cambrai", "cambrai", "communaute d agglomeration"),
        ("metropole de lyon", "lyon", "metropole"),
    ],
)
def test_a_designation_is_read_apart_from_the_name(normalised, name, body):
    found = designation(normalised)
    assert found is not None and (found.name, found.body) == (name, body)


@pytest.mark.parametrize(
    "normalised", ["ville la grand", "ville", "metropole french tech", "communaute de communes"]
)
def test_names_that_only_begin_like_a_designation_are_names(normalised):
    assert designation(normalised) is None


# --- source documents are candidates when asked for ------------------------------------------


def test_an_untyped_query_offers_the_organisation_not_the_articles_about_it(client):
    found = candidates(client, query="Euratech", limit=10)
    assert found[0]["id"] == "organisation/euratechnologies"
    assert not [c["id"] for c in found if c["id"].startswith("source/")]


def test_a_source_title_no_longer_blocks_the_organisations_automatic_match(client):
    # The Wikiwand article's title is "EuraTechnologies", exactly the organisation's name.
    (best, *_) = candidates(client, query="EuraTechnologies")
    assert best["id"] == "organisation/euratechnologies" and best["match"] is True


def test_sources_are_candidates_when_their_type_is_asked(client):
    (best, *_) = candidates(client, query="Wikiwand : EuraTechnologies", type="source")
    assert best["id"] == "source/wikiwand-euratechnologies"


# --- bad input ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("queries", "message"),
    [
        ("{not json", "queries is not valid JSON"),
        ("[]", "queries must be a JSON object"),
        (json.dumps({f"q{i}": {"query": "x"} for i in range(101)}), "at most 100 queries"),
    ],
)
def test_a_malformed_batch_is_a_400_saying_what_to_fix(client, queries, message):
    response = client.post(
        "/reconcile", data={"queries": queries}, headers={"Accept": "application/json"}
    )
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        ({"query": "Lille", "type": "castle"}, "unknown type 'castle'"),
        ({"query": "Lille", "properties": [{"pid": "colour", "v": "red"}]}, "unknown property"),
        (
            {"query": "Lille", "properties": [{"pid": ["departement"], "v": "59"}]},
            "unknown property",
        ),
        ({"query": "Lille", "limit": "five"}, "limit must be an integer"),
        ({"query": ""}, "needs a query text or at least one property"),
    ],
)
def test_a_malformed_query_fails_alone_and_its_batch_is_answered(client, bad, message):
    answer = batch(client, {"q0": {"query": "Roubaix", "type": "commune"}, "q1": bad})
    assert_valid(answer, "0.2", "reconciliation-result-batch.json")
    assert answer["q0"]["result"][0]["id"] == "commune/59512"
    assert answer["q1"]["result"] == []
    error = answer["q1"]["error"]
    assert error["status"] == 400 and message in error["message"]


# --- suggest, preview, extend (0.2) -------------------------------------------------------------


def test_entity_suggest_validates_and_finds_by_prefix(client):
    answer = client.get("/reconcile/suggest/entity?prefix=eurasa").get_json()
    assert_valid(answer, "0.2", "suggest-entities-response.json")
    assert answer["result"][0]["id"] == "organisation/eurasante"


def test_entity_suggest_pages_with_the_cursor(client):
    first = client.get("/reconcile/suggest/entity?prefix=saint").get_json()["result"]
    second = client.get("/reconcile/suggest/entity?prefix=saint&cursor=10").get_json()["result"]
    assert len(first) == 10 and second and not {e["id"] for e in first} & {e["id"] for e in second}


def test_type_suggest_finds_kinds_by_their_names_in_either_language(client):
    answer = client.get("/reconcile/suggest/type?prefix=interco").get_json()
    assert_valid(answer, "0.2", "suggest-types-response.json")
    assert [t["id"] for t in answer["result"]] == ["epci"]
    english = client.get("/reconcile/suggest/type?prefix=ecosys").get_json()["result"]
    assert english[0]["id"] == "ecosystem"


def test_property_suggest_validates(client):
    answer = client.get("/reconcile/suggest/property?prefix=code").get_json()
    assert_valid(answer, "0.2", "suggest-properties-response.json")
    assert {p["id"] for p in answer["result"]} >= {"inseeCode", "postalCode"}


def test_the_preview_is_a_small_html_card(client):
    response = client.get("/reconcile/preview?id=commune/59350")
    assert response.mimetype == "text/html"
    card = response.get_data(as_text=True)
    assert "Lille" in card and "Nord" in card and "59350" in card
    assert client.get("/reconcile/preview?id=commune/00000").status_code == 404


@pytest.mark.parametrize(
    ("lang", "written"), [("fr", "238\u202f246"), ("en", "238,246")], ids=["fr", "en"]
)
def test_the_preview_writes_a_population_as_the_readers_language_does(client, lang, written):
    card = client.get("/reconcile/preview", query_string={"id": "commune/59350", "lang": lang})
    facts = preview_facts(card.get_data(as_text=True))
    population = "Population municipale" if lang == "fr" else "Municipal population"
    assert facts[population] == [written]


def test_a_person_preview_shows_their_roles_organisations_and_sources(client):
    card = client.get("/reconcile/preview?id=person/damien-castelain&lang=en")
    facts = preview_facts(card.get_data(as_text=True))
    assert "president, European Metropolis of Lille (since 2014)" in facts["Roles"]
    assert "European Metropolis of Lille" in facts["Organisations"][0].split(", ")
    assert "Péronne-en-Mélantois" in facts["Organisations"][0]
    assert "Europe 1, April 2014" in facts["Sources"][0]


def test_a_persons_roles_organisations_and_sources_extend_a_column(client):
    extend = {
        "ids": ["person/martine-aubry"],
        "properties": [{"id": "roles"}, {"id": "memberOf"}, {"id": "sources"}],
    }
    answer = client.post("/reconcile", data={"extend": json.dumps(extend)}).get_json()
    assert_valid(answer, "0.2", "data-extension-response.json")
    row = answer["rows"]["person/martine-aubry"]
    assert {
        "id": "membership/martine-aubry-presidente-lmcu-2008",
        "name": "président ou présidente, Lille Métropole Communauté urbaine (2008–2014)",
    } in row["roles"]
    assert {"id": "epci/245900410", "name": "Lille Métropole Communauté urbaine"} in row["memberOf"]
    assert all(value["id"].startswith("source/") for value in row["sources"]) and row["sources"]


def test_properties_are_proposed_for_a_type(client):
    answer = client.get("/reconcile/propose_properties?type=commune").get_json()
    assert answer["type"] == "commune"
    assert {"population", "departement", "inseeCode", "postalCode"} <= {
        p["id"] for p in answer["properties"]
    }
    assert "awardDate" not in {p["id"] for p in answer["properties"]}
    limited = client.get("/reconcile/propose_properties?type=commune&limit=2").get_json()
    assert len(limited["properties"]) == 2 and limited["limit"] == 2


def test_data_extension_fetches_values_for_a_batch_of_ids(client):
    extend = {
        "ids": ["commune/59350", "award/2019-capitale-lille", "commune/00000"],
        "properties": [{"id": "population"}, {"id": "departement"}, {"id": "labelKind"}],
    }
    assert_valid(extend, "0.2", "data-extension-query.json")
    response = client.post("/reconcile", data={"extend": json.dumps(extend)})
    answer = response.get_json()
    assert_valid(answer, "0.2", "data-extension-response.json")
    lille = answer["rows"]["commune/59350"]
    assert lille["population"] == [{"int": 238246}]
    assert lille["departement"] == [{"id": "departement/59", "name": "Nord"}]
    assert lille["labelKind"] == []
    award = answer["rows"]["award/2019-capitale-lille"]
    assert award["labelKind"] == [
        {"id": "label-kind/capitale-french-tech", "name": "Capitale French Tech"}
    ]
    assert answer["rows"]["commune/00000"] == {"population": [], "departement": [], "labelKind": []}


def test_the_limit_setting_caps_the_values_per_property(client):
    extend = {
        "ids": ["commune/59350"],
        "properties": [{"id": "postalCode", "settings": {"limit": 2}}],
    }
    answer = client.post("/reconcile", data={"extend": json.dumps(extend)}).get_json()
    assert len(answer["rows"]["commune/59350"]["postalCode"]) == 2


def test_a_property_id_of_the_schema_space_leads_to_its_rdf_property(client):
    response = client.get("/reconcile/properties/inseeCode")
    assert response.status_code == 303
    assert response.headers["Location"] == "http://rdf.insee.fr/def/geo#codeINSEE"


# --- 1.0-draft ---------------------------------------------------------------------------------


def test_the_draft_manifest_validates_against_the_draft_schema(client):
    manifest = client.get("/reconcile/1.0-draft").get_json()
    assert_valid(manifest, "draft", "manifest.json")


def test_a_draft_match_answers_in_query_order_and_validates(client):
    body = {
        "queries": [
            {"type": "commune", "conditions": [{"matchType": "name", "propertyValue": "Lille"}]},
            {
                "type": "commune",
                "limit": 3,
                "conditions": [
                    {"matchType": "name", "propertyValue": "Saint-Denis"},
                    {
                        "matchType": "property",
                        "propertyId": "departement",
                        "propertyValue": "974",
                        "required": True,
                    },
                ],
            },
        ]
    }
    assert_valid(body, "draft", "reconciliation-query-batch.json")
    answer = client.post("/reconcile/1.0-draft/match", json=body).get_json()
    assert_valid(answer, "draft", "reconciliation-result-batch.json")
    first, second = (result["candidates"][0] for result in answer["results"])
    assert first["id"] == "commune/59350" and first["match"] is True
    assert second["id"] == "commune/97411" and second["match"] is True


def test_draft_suggest_extend_and_proposals_validate(client):
    entities = client.get("/reconcile/1.0-draft/suggest/entity?prefix=lil&limit=3").get_json()
    assert_valid(entities, "draft", "suggest-entities-response.json")
    assert len(entities["result"]) == 3
    types = client.get("/reconcile/1.0-draft/suggest/type?prefix=com").get_json()
    assert_valid(types, "draft", "suggest-types-response.json")
    properties = client.get("/reconcile/1.0-draft/suggest/property?prefix=pop").get_json()
    assert_valid(properties, "draft", "suggest-properties-response.json")
    proposal = client.get("/reconcile/1.0-draft/extend/propose?type=epci").get_json()
    assert_valid(proposal, "draft", "data-extension-property-proposal.json")
    query = {"ids": ["epci/200093201"], "properties": [{"id": "population"}, {"id": "altLabel"}]}
    assert_valid(query, "draft", "data-extension-query.json")
    answer = client.post("/reconcile/1.0-draft/extend", json=query).get_json()
    assert_valid(answer, "draft", "data-extension-response.json")
    (row,) = answer["rows"]
    values = {p["id"]: p["values"] for p in row["properties"]}
    assert {"str": "MEL"} in values["altLabel"]


def test_a_draft_query_of_an_unknown_type_fails_alone(client):
    body = {
        "queries": [
            {"type": "castle", "conditions": [{"matchType": "name", "propertyValue": "Lille"}]},
            {"type": "commune", "conditions": [{"matchType": "name", "propertyValue": "Lille"}]},
        ]
    }
    response = client.post("/reconcile/1.0-draft/match", json=body)
    assert response.status_code == 200
    answer = response.get_json()
    assert_valid(answer, "draft", "reconciliation-result-batch.json")
    failed, answered = answer["results"]
    assert failed["candidates"] == [] and "unknown type 'castle'" in failed["error"]["message"]
    assert answered["candidates"][0]["id"] == "commune/59350"


def test_a_draft_match_without_json_is_a_400(client):
    response = client.post(
        "/reconcile/1.0-draft/match", data="queries=x", headers={"Accept": "application/json"}
    )
    assert response.status_code == 400
    assert "application/json" in response.get_data(as_text=True)


# --- found by the fuzzing suite (tests/test_fuzz.py): wrong JSON is a 400, never a 500 --------


def _refused(response, fragment: str) -> None:
    assert response.status_code == 400, response.get_data(as_text=True)
    assert fragment in response.get_data(as_text=True)


def test_an_extension_property_id_that_is_not_a_string_is_a_400(client):
    extend = {"ids": ["commune/59350"], "properties": [{"id": {"a": 1}}]}
    _refused(client.post("/reconcile", data={"extend": json.dumps(extend)}), "unknown property")


@pytest.mark.parametrize(
    ("raw", "fragment"),
    [
        ('{"q0": {"query": "Lille", "limit": NaN}}', "NaN is not a JSON value"),
        ('{"q0": {"query": "Lille", "limit": 1e999}}', "the number 1e999 is too large"),
        ("[" * 100_000 + "]" * 100_000, "nests arrays or objects too deeply"),
        ("9" * 5000, "not valid JSON"),
    ],
    ids=["NaN", "infinite", "deep", "5000 digits"],
)
def test_a_batch_that_is_not_strict_json_is_a_400(client, raw, fragment):
    # RFC 8259 §6: no NaN or Infinity in JSON; Python's parser takes them, or raises errors
    # that are not JSONDecodeError.
    _refused(client.post("/reconcile", data={"queries": raw}), fragment)


def test_a_0_1_query_that_nests_too_deeply_is_read_as_text(client):
    response = client.get("/reconcile", query_string={"query": "[" * 100_000})
    assert response.status_code == 200


def test_a_draft_match_quantifier_that_is_not_a_string_fails_its_query_alone(client):
    condition = {"matchType": "name", "propertyValue": "Lille", "matchQuantifier": ["any"]}
    body = {"queries": [{"conditions": [condition]}]}
    response = client.post("/reconcile/1.0-draft/match", json=body)
    assert response.status_code == 200
    (result,) = response.get_json()["results"]
    assert result["candidates"] == []
    assert "matchQuantifier must be" in result["error"]["message"]


def test_a_draft_body_that_nests_too_deeply_is_a_400(client):
    body = "[" * 100_000 + "]" * 100_000
    response = client.post("/reconcile/1.0-draft/match", data=body, content_type="application/json")
    _refused(response, "nests arrays or objects too deeply")


def test_a_draft_body_that_is_not_utf8_is_a_400(client):
    response = client.post(
        "/reconcile/1.0-draft/extend", data=b'{"ids": ["\xff"]}', content_type="application/json"
    )
    _refused(response, "is not UTF-8")
