// The context the editor page gives the views, as tests/conftest.py's server would.
export const context = {
  base: "http://kg.test/",
  root: "/",
  lang: "en",
  prefixes: {
    ftkg: "http://kg.test/ontology#",
    rdfs: "http://www.w3.org/2000/01/rdf-schema#",
    xsd: "http://www.w3.org/2001/XMLSchema#",
  },
};

export const XSD = "http://www.w3.org/2001/XMLSchema#";
export const iri = (value) => ({ type: "uri", value });
export const text = (value, lang) => ({ type: "literal", value, ...(lang ? { "xml:lang": lang } : {}) });
export const typed = (value, name) => ({ type: "literal", value, datatype: XSD + name });
