// Suggestions under every search box, as the WAI-ARIA combobox pattern (list autocomplete):
// arrows move through them, Enter opens the one chosen, Escape closes the list. Without
// JavaScript the box is a plain form that lands on the /search results page.
"use strict";

(() => {
  const DELAY_MS = 120;
  const LIMIT = 8;

  function attach(input) {
    const endpoint = input.dataset.autocomplete;
    const list = document.createElement("ul");
    list.id = `${input.id}-suggestions`;
    list.className = "suggestions";
    list.setAttribute("role", "listbox");
    list.hidden = true;
    input.after(list);
    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-controls", list.id);
    input.setAttribute("aria-expanded", "false");

    let timer = null;
    let asked = "";
    let active = -1;
    let results = [];

    function close() {
      list.hidden = true;
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
      active = -1;
    }

    function highlight(index) {
      const options = list.querySelectorAll("[role=option]");
      options.forEach((option, i) => option.setAttribute("aria-selected", String(i === index)));
      active = index;
      if (index >= 0) input.setAttribute("aria-activedescendant", options[index].id);
      else input.removeAttribute("aria-activedescendant");
    }

    function show(found) {
      results = found;
      list.replaceChildren();
      found.forEach((result, i) => {
        const option = document.createElement("li");
        option.id = `${list.id}-${i}`;
        option.setAttribute("role", "option");
        option.setAttribute("aria-selected", "false");
        const name = document.createElement("span");
        name.textContent = result.label;
        const tag = document.createElement("span");
        tag.className = "tag";
        tag.textContent = result.type.label;
        const context = document.createElement("span");
        context.className = "context";
        context.textContent = result.description;
        option.append(name, " ", tag, context);
        // mousedown, not click: it fires before the input loses focus and closes the list.
        option.addEventListener("mousedown", (event) => {
          event.preventDefault();
          window.location.assign(result.page);
        });
        list.append(option);
      });
      list.hidden = found.length === 0;
      input.setAttribute("aria-expanded", String(found.length > 0));
      active = -1;
    }

    async function suggest() {
      const text = input.value.trim();
      if (text === asked) return;
      asked = text;
      if (!text) {
        close();
        return;
      }
      const url = new URL(endpoint, window.location.href);
      url.searchParams.set("q", text);
      url.searchParams.set("limit", String(LIMIT));
      url.searchParams.set("lang", document.documentElement.lang || "fr");
      try {
        const response = await fetch(url, { headers: { Accept: "application/json" } });
        if (!response.ok || input.value.trim() !== text) return; // a newer keystroke won
        show((await response.json()).results);
      } catch {
        close(); // offline or server gone: the form still submits to the results page
      }
    }

    input.addEventListener("input", () => {
      clearTimeout(timer);
      timer = setTimeout(suggest, DELAY_MS);
    });
    input.addEventListener("keydown", (event) => {
      const count = results.length;
      if (event.key === "ArrowDown" && count) {
        event.preventDefault();
        if (list.hidden) show(results);
        highlight((active + 1) % count);
      } else if (event.key === "ArrowUp" && count) {
        event.preventDefault();
        highlight(active <= 0 ? count - 1 : active - 1);
      } else if (event.key === "Enter" && active >= 0 && !list.hidden) {
        event.preventDefault();
        window.location.assign(results[active].page);
      } else if (event.key === "Escape" && !list.hidden) {
        event.preventDefault(); // closes the list; a second Escape clears the box, as usual
        close();
      }
    });
    input.addEventListener("blur", close);
  }

  document.querySelectorAll("input[data-autocomplete]").forEach(attach);
})();
