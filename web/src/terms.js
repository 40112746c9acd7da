// How one RDF term of a SPARQL result reads to a person: the value rather than its syntax,
// numbers and dates formatted in the page's language, our IRIs as links to their pages.
// Pure functions over SPARQL 1.1 Query Results JSON terms (§3.2.2: {type, value, datatype,
// xml:lang}), so that node can test them without a browser.

export const XSD = "http://www.w3.org/2001/XMLSchema#";
export const RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#";

// XML Schema 1.1 Part 2 §3.3 (primitive) and §3.4 (derived) numeric types.
const NUMERIC = new Set(
  [
    "integer", "decimal", "double", "float", "int", "long", "short", "byte",
    "nonNegativeInteger", "positiveInteger", "negativeInteger", "nonPositiveInteger",
    "unsignedInt", "unsignedLong", "unsignedShort", "unsignedByte",
  ].map((name) => XSD + name),
);

// The date types the graph uses, with how precise each is: a gYear says nothing of the day.
const TIMEZONE = "(Z|[+-]\\d\\d:\\d\\d)?";
const DATE_FORMS = [
  [XSD + "gYear", "year", new RegExp(`^(-?\\d{4,})${TIMEZONE}$`)],
  [XSD + "gYearMonth", "month", new RegExp(`^(-?\\d{4,})-(\\d\\d)${TIMEZONE}$`)],
  [XSD + "date", "day", new RegExp(`^(-?\\d{4,})-(\\d\\d)-(\\d\\d)${TIMEZONE}$`)],
  [XSD + "dateTime", "time", /^(-?\d{4,})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)(\.\d+)?(Z|[+-]\d\d:\d\d)?$/],
];

// Territory kinds of our URL space (server/build/geography.py, server/build/countries.py)
// that the map's shapes are keyed by, with the form of their codes: INSEE département codes
// ("59", "2A", "971"), INSEE région codes ("32"), ISO 3166-1 alpha-2 ("FR").
export const TERRITORY_CODES = {
  departement: /^(\d{2}|2A|2B|97\d)$/,
  region: /^\d{2}$/,
  country: /^[A-Z]{2}$/,
};

// A plain code says which kind of territory it is only through its variable's name: "32" is
// a région and a département alike.
const NAME_HINTS = [
  ["departement", /d[ée]partement|(^|_)dept?($|_|[A-Z0-9])/i],
  ["region", /r[ée]gion/i],
  ["country", /country|pays|iso/i],
];

/** Whether ``term`` is a literal of a numeric XSD type whose value is a finite number. */
export function isNumeric(term) {
  return Boolean(
    term && term.type !== "uri" && term.type !== "bnode" && NUMERIC.has(term.datatype) &&
      Number.isFinite(Number(term.value)),
  );
}

/** The number ``term`` holds, or null. */
export function numberOf(term) {
  return isNumeric(term) ? Number(term.value) : null;
}

/** ``{date, precision}`` for a literal of xsd:date, dateTime, gYear or gYearMonth, else null.
 * The date is the first instant of the period, in UTC. */
export function dateOf(term) {
  if (!term || term.type === "uri" || term.type === "bnode") return null;
  for (const [datatype, precision, pattern] of DATE_FORMS) {
    if (term.datatype !== datatype) continue;
    const match = pattern.exec(term.value);
    if (!match) return null;
    if (precision === "time") {
      // Without a timezone a dateTime is read as UTC, as for the other types.
      const parsed = new Date(match[8] ? term.value : `${term.value}Z`);
      return Number.isNaN(parsed.getTime()) ? null : { date: parsed, precision };
    }
    const [year, month = "1", day = "1"] = match.slice(1, 4);
    const date = new Date(0);
    // setUTCFullYear, not Date.UTC, which reads years 0 to 99 as 1900 to 1999.
    date.setUTCFullYear(Number(year), Number(month) - 1, Number(day));
    return { date, precision };
  }
  return null;
}

/** The end of the period ``dated`` starts (exclusive): a gYear lasts a year. */
export function periodEnd(dated) {
  const end = new Date(dated.date.getTime());
  if (dated.precision === "year") end.setUTCFullYear(end.getUTCFullYear() + 1);
  else if (dated.precision === "month") end.setUTCMonth(end.getUTCMonth() + 1);
  else if (dated.precision === "day") end.setUTCDate(end.getUTCDate() + 1);
  return end;
}

/** The path of ``iri`` below our base URI, or null when it is not ours. */
export function localPath(iri, context) {
  return iri.startsWith(context.base) ? iri.slice(context.base.length) : null;
}

/** Where a person reads about ``iri`` on this site: an entity's page (/page/…, the HTML
 * answer of /id/…), any other IRI of ours as its own path; null for someone else's IRI. */
export function pageHref(iri, context) {
  const path = localPath(iri, context);
  if (path === null || /[\s"'<>\\^`{|}]/.test(path)) return null;
  return context.root + (path.startsWith("id/") ? `page/${path.slice(3)}` : path);
}

/** The short form of ``iri``: "ecosystem/lille" for our entities, a prefixed name where a
 * prefix applies (the longest namespace wins), else the IRI itself. */
export function compactIri(iri, context) {
  const path = localPath(iri, context);
  if (path !== null && path.startsWith("id/")) return path.slice(3);
  let best = null;
  for (const [prefix, namespace] of Object.entries(context.prefixes || {})) {
    if (iri.startsWith(namespace) && (!best || namespace.length > best[1].length)) {
      const local = iri.slice(namespace.length);
      if (/^[\w.-]*$/u.test(local)) best = [prefix, namespace];
    }
  }
  return best ? `${best[0]}:${iri.slice(best[1].length)}` : iri;
}

/** ``{href, external}`` for a link to ``iri``: our page, or the IRI itself when it is an
 * http(s) address elsewhere; null for anything else (a javascript: IRI is shown, not linked). */
export function linkFor(iri, context) {
  const ours = pageHref(iri, context);
  if (ours !== null) return { href: ours, external: false };
  if (/^https?:\/\/[^\s"'<>\\^`{|}]+$/i.test(iri)) return { href: iri, external: true };
  return null;
}

function formatDate(dated, value, lang) {
  const options = { timeZone: "UTC" };
  if (dated.precision === "year") return value.replace(/(Z|[+-]\d\d:\d\d)$/, "");
  if (dated.precision === "month") Object.assign(options, { year: "numeric", month: "long" });
  else if (dated.precision === "day") options.dateStyle = "long";
  else Object.assign(options, { dateStyle: "long", timeStyle: "short" });
  return new Intl.DateTimeFormat(lang, options).format(dated.date);
}

/** How ``term`` reads: ``{text, kind, href?, external?, lang?, datatype?, numeric?}``.
 * ``datatype`` is the compact datatype of a typed literal other than a plain string. */
export function readable(term, context) {
  const lang = context.lang || "en";
  if (term.type === "uri") {
    const link = linkFor(term.value, context);
    return { text: compactIri(term.value, context), kind: "iri", ...(link || {}) };
  }
  if (term.type === "bnode") return { text: `_:${term.value}`, kind: "bnode" };
  const shown = { text: term.value, kind: "literal" };
  if (term["xml:lang"]) shown.lang = term["xml:lang"];
  if (term.datatype && term.datatype !== XSD + "string" && term.datatype !== RDF + "langString") {
    shown.datatype = compactIri(term.datatype, context);
  }
  if (isNumeric(term)) {
    shown.numeric = true;
    shown.text = new Intl.NumberFormat(lang, { maximumFractionDigits: 6 }).format(
      Number(term.value),
    );
  } else {
    const dated = dateOf(term);
    if (dated) shown.text = formatDate(dated, term.value, lang);
  }
  return shown;
}

/** ``{kind, code}`` when ``term`` names a territory the map has shapes for: an IRI of ours
 * such as /id/region/32, or a plain code whose variable's name says its kind. Else null. */
export function territoryOf(term, variable, context) {
  if (!term) return null;
  if (term.type === "uri") {
    const path = localPath(term.value, context);
    const match = path && /^id\/(departement|region|country)\/([^/#?]+)$/.exec(path);
    if (!match || !TERRITORY_CODES[match[1]].test(match[2])) return null;
    return { kind: match[1], code: match[2] };
  }
  if (term.type !== "literal" || (term.datatype && term.datatype !== XSD + "string")) return null;
  const hint = NAME_HINTS.find(([, pattern]) => pattern.test(variable));
  if (!hint || !TERRITORY_CODES[hint[0]].test(term.value)) return null;
  return { kind: hint[0], code: term.value };
}

/** ``text`` with the five characters HTML gives meaning escaped, for markup strings. */
export function escapeHtml(text) {
  return String(text).replace(
    /[&<>"']/g,
    (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c],
  );
}
