// The result table, readable by default: values rather than RDF syntax ("Bretagne", not
// "Bretagne"@fr; 1,234, not "1234"^^xsd:integer), dates in words, `?x` shown as its
// `?xLabel` and linked to x's page, our IRIs linked to their pages. The raw terms, as YASR
// writes them, are one switch away ("Raw RDF terms"), and sorting and filtering keep working
// on the values. A subclass of YASR's own table, so paging, filtering, column resizing and the
// CSV download stay as they are.

import { describeColumns } from "./choose.js";
import { dateOf, escapeHtml, numberOf, readable } from "./terms.js";
import { context } from "./view.js";

// In a new tab, as YASR's own table opens IRIs: the editor and its result stay where they are.
function link(shown, inner) {
  if (!shown.href) return inner;
  const rel = shown.external ? "noopener noreferrer nofollow" : "noopener";
  return `<a class="iri" href="${escapeHtml(shown.href)}" target="_blank" rel="${rel}">${inner}</a>`;
}

/** The markup of a readable cell for ``term``, shown as ``label`` (a term) when given. */
export function readableCell(term, label, site) {
  if (!term) return label ? `<div><span>${escapeHtml(label.value)}</span></div>` : "";
  const shown = readable(term, site);
  const notes = [];
  let text = shown.text;
  let hint = shown.datatype || "";
  if (label) {
    text = label.value;
    hint = shown.text;
  } else if (shown.lang) {
    notes.push(`<span class="term-note" title="language">${escapeHtml(shown.lang)}</span>`);
  }
  const title = hint ? ` title="${escapeHtml(hint)}"` : "";
  const kind = shown.numeric ? "readable number" : "readable";
  // YASR's ellipsis handling reads the cell as <div><span>…</span></div>.
  return `<div><span class="${kind}"${title}>${link(shown, escapeHtml(text))}${notes.join("")}</span></div>`;
}

function sortKey(term, label) {
  const number = numberOf(term);
  if (number !== null) return number;
  const dated = dateOf(term);
  if (dated) return dated.date.getTime();
  return label ? label.value : term.value;
}

/** YASR's table class ``Table`` extended to read as described above. */
export function readableTable(Table) {
  return class ReadableTable extends Table {
    getColumns() {
      const columns = super.getColumns();
      if (this.persistentConfig.raw || !this.yasr.results) return columns;
      const variables = this.yasr.results.getVariables();
      const bindings = this.yasr.results.getBindings() || [];
      const described = describeColumns(variables, bindings, context());
      return columns.map((column, index) => {
        const about = described[index - 1];
        if (!about) return column; // the row number
        if (about.labels) return { ...column, visible: false }; // shown in the column it labels
        const labelAt = about.label ? variables.indexOf(about.label) + 1 : -1;
        return {
          ...column,
          // Numbers and dates sort by value, and line up on the right; codes such as
          // "59350" are text, which DataTables would otherwise take for numbers.
          type: about.kind === "number" || about.kind === "date" ? "num" : "string",
          render: (term, type, row) => {
            const label = labelAt > 0 && row[labelAt] !== "" ? row[labelAt] : null;
            if (term === "" && !label) return "";
            if (type === "display") return readableCell(term || null, label, context());
            if (type === "sort") return term ? sortKey(term, label) : label.value;
            const shown = term ? readable(term, context()).text : "";
            return [shown, label ? label.value : "", term ? term.value : ""].join(" ");
          },
        };
      });
    }

    drawControls() {
      super.drawControls();
      const wrapper = document.createElement("div");
      const toggle = document.createElement("label");
      toggle.className = "switch";
      const name = document.createElement("span");
      name.className = "label";
      name.textContent = "Raw RDF terms";
      const input = document.createElement("input");
      input.type = "checkbox";
      input.className = "ftkg-raw-terms";
      input.checked = Boolean(this.persistentConfig.raw);
      input.addEventListener("change", () => {
        this.persistentConfig.raw = input.checked;
        this.draw(this.persistentConfig);
        this.yasr.storePluginConfig("table", this.persistentConfig);
      });
      toggle.append(name, input);
      wrapper.appendChild(toggle);
      this.tableControls.insertBefore(wrapper, this.tableControls.firstChild);
    }
  };
}
