// Autocompletion of our own classes and properties, read from this service only: the service
// description names the dataset the endpoint queries by default (SPARQL 1.1 Service
// Description §3.2.5 sd:defaultDataset), and the VoID description (VoID §4.5, §6.4) gives
// that dataset's class and property partitions with how many entities and triples each has,
// so the most used come first. YASQE's own completers ask lov.linkeddata.es as one types;
// these replace them and ask nobody else.

const SD_DEFAULT_DATASET = "http://www.w3.org/ns/sparql-service-description#defaultDataset";
const VOID = "http://rdfs.org/ns/void#";
const SHOWN = 50;

// One N-Triples statement (RDF 1.1 N-Triples §2): subject, predicate, object.
const STATEMENT =
  /^\s*(<[^>]*>|_:\S+)\s+<([^>]*)>\s+(<[^>]*>|_:\S+|"(?:[^"\\]|\\.)*"(?:@[A-Za-z0-9-]+|\^\^<[^>]*>)?)\s*\.\s*$/;

function unwrap(term) {
  return term.startsWith("<") ? term.slice(1, -1) : term;
}

/** The statements of an N-Triples document as ``[subject, predicate, object]`` strings (IRIs
 * without their brackets; literals as written). Comments and blank lines are skipped. */
export function statements(ntriples) {
  const found = [];
  for (const line of ntriples.split("\n")) {
    const match = STATEMENT.exec(line);
    if (match) found.push([unwrap(match[1]), match[2], unwrap(match[3])]);
  }
  return found;
}

/** The IRI of the endpoint's default dataset in its service description (N-Triples). */
export function defaultDataset(description) {
  const found = statements(description).find(([, predicate]) => predicate === SD_DEFAULT_DATASET);
  return found ? found[2] : null;
}

function count(literal) {
  const match = /^"(\d+)"/.exec(literal || "");
  return match ? Number(match[1]) : 0;
}

/** ``{classes, properties}`` of ``dataset`` in a VoID description (N-Triples): IRIs, the
 * most used first (void:entities of a class partition, void:triples of a property one). */
export function partitions(voidDescription, dataset) {
  const all = statements(voidDescription);
  const about = new Map();
  for (const [subject, predicate, object] of all) {
    if (!about.has(subject)) about.set(subject, {});
    about.get(subject)[predicate] = object;
  }
  const ranked = (link, member, measure) =>
    all
      .filter(([subject, predicate]) => subject === dataset && predicate === VOID + link)
      .map(([, , partition]) => about.get(partition) || {})
      .filter((partition) => partition[VOID + member])
      .map((partition) => [partition[VOID + member], count(partition[VOID + measure])])
      .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
      .map(([iri]) => iri);
  return {
    classes: ranked("classPartition", "class", "entities"),
    properties: ranked("propertyPartition", "property", "triples"),
  };
}

/** The IRIs of ``candidates`` that complete what was typed (``typed``: the IRI so far, a
 * prefixed name already expanded), in their order: those starting so first, then those
 * whose local name contains the rest of it, ignoring case. */
export function matching(candidates, typed, limit = SHOWN) {
  const starting = candidates.filter((iri) => iri.startsWith(typed));
  const cut = Math.max(typed.lastIndexOf("#"), typed.lastIndexOf("/"));
  const namespace = typed.slice(0, cut + 1);
  const rest = typed.slice(cut + 1).toLowerCase();
  const localName = (iri) => iri.slice(Math.max(iri.lastIndexOf("#"), iri.lastIndexOf("/")) + 1);
  const containing = candidates.filter(
    (iri) =>
      !iri.startsWith(typed) &&
      iri.startsWith(namespace) &&
      localName(iri).toLowerCase().includes(rest),
  );
  return [...starting, ...containing].slice(0, limit);
}

async function fetchNTriples(url) {
  const response = await fetch(url, {
    headers: { Accept: "application/n-triples" },
    credentials: "same-origin",
  });
  if (!response.ok) throw new Error(`${url} answered ${response.status}`);
  return response.text();
}

/** The classes and properties of the endpoint's default dataset, fetched once. */
export function vocabularyLoader(endpoint, voidUrl) {
  let loading = null;
  return () => {
    loading ??= Promise.all([fetchNTriples(endpoint), fetchNTriples(voidUrl)]).then(
      ([description, voidDescription]) => partitions(voidDescription, defaultDataset(description)),
    );
    return loading;
  };
}

function prefixed(yasqe, iri) {
  let best = null;
  for (const [prefix, namespace] of Object.entries(yasqe.getPrefixesFromQuery())) {
    if (iri.startsWith(namespace) && (!best || namespace.length > best[1].length)) {
      if (/^[\w-]*$/u.test(iri.slice(namespace.length))) best = [prefix, namespace];
    }
  }
  return best ? `${best[0]}:${iri.slice(best[1].length)}` : `<${iri}>`;
}

/** Register, on YASQE, completers of our classes (after `a`) and properties, in place of
 * the ones that ask LOV; returns their names. */
export function registerCompleters(Yasqe, load) {
  const make = (base, name, pick) => {
    Yasqe.forkAutocompleter(
      base,
      {
        name,
        bulk: false,
        autoShow: true,
        persistenceId: undefined,
        get: (_yasqe, token) =>
          load().then((vocabulary) =>
            matching(vocabulary[pick], token.autocompletionString || token.string || ""),
          ),
        postProcessSuggestion: (yasqe, _token, suggestion) => prefixed(yasqe, suggestion),
      },
      false,
    );
    return name;
  };
  return [
    make("class", "ftkg-classes", "classes"),
    make("property", "ftkg-properties", "properties"),
  ];
}
