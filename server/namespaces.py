"""The vocabularies the graph uses, with the prefixes shown to people and written in files."""

from __future__ import annotations

from urllib.parse import urlsplit

# Standard vocabularies, in the order a reader meets them.
STANDARD_PREFIXES: dict[str, str] = {
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "owl": "http://www.w3.org/2002/07/owl#",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "dcterms": "http://purl.org/dc/terms/",
    "dctype": "http://purl.org/dc/dcmitype/",
    "prov": "http://www.w3.org/ns/prov#",
    "org": "http://www.w3.org/ns/org#",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "schema": "http://schema.org/",
    "vcard": "http://www.w3.org/2006/vcard/ns#",
    "time": "http://www.w3.org/2006/time#",
    "igeo": "http://rdf.insee.fr/def/geo#",
    "sh": "http://www.w3.org/ns/shacl#",
}


def validate_base_uri(base_uri: str) -> str:
    """Return ``base_uri`` if it can serve as the base of every IRI, else raise ``ValueError``.

    It must be an absolute http(s) IRI without query or fragment, ending with ``/`` so that
    relative references like ``id/commune/59350`` resolve beneath it (RFC 3986 §5.2).
    """
    parts = urlsplit(base_uri)
    if parts.scheme not in {"http", "https"} or not parts.netloc:
        raise ValueError(f"base URI must be an absolute http(s) URI, got {base_uri!r}")
    if parts.query or parts.fragment:
        raise ValueError(f"base URI must have no query or fragment, got {base_uri!r}")
    if not base_uri.endswith("/"):
        raise ValueError(f"base URI must end with '/', got {base_uri!r} (try {base_uri + '/'!r})")
    return base_uri


def project_prefixes(base_uri: str) -> dict[str, str]:
    """Prefixes for our own namespaces under ``base_uri``, then the standard ones."""
    return {
        "ftkg": f"{base_uri}ontology#",
        **STANDARD_PREFIXES,
    }


def ontology_iri(base_uri: str) -> str:
    """The IRI of the ontology, which is also the name of the graph that holds it."""
    return f"{base_uri}ontology"
