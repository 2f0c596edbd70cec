/* Entity suggestions for the header search box, as a WAI-ARIA 1.2 combobox.
   Progressive enhancement: without this script the box is a plain search form,
   and Enter with no suggestion chosen still submits it. No inline script, so a
   Content-Security-Policy of script-src 'self' allows it. */
(() => {
  "use strict";
  const input = document.querySelector("input[data-suggest-url]");
  if (!input || !window.fetch || !window.AbortController) return;

  const MIN_CHARS = 2;
  const DELAY_MS = 150;
  const endpoint = input.dataset.suggestUrl;
  const listbox = document.createElement("ul");
  const status = document.createElement("p");
  let options = [];
  let active = -1;
  let timer = 0;
  let request = null;

  listbox.id = `${input.id}-suggestions`;
  listbox.className = "suggestions";
  listbox.setAttribute("role", "listbox");
  listbox.setAttribute("aria-label", "Suggested people, places and topics");
  listbox.hidden = true;
  status.className = "visually-hidden";
  status.setAttribute("role", "status");
  input.form.append(listbox, status);

  input.setAttribute("role", "combobox");
  input.setAttribute("aria-autocomplete", "list");
  input.setAttribute("aria-controls", listbox.id);
  input.setAttribute("aria-expanded", "false");

  const isOpen = () => !listbox.hidden;

  function open() {
    if (!options.length) return;
    listbox.hidden = false;
    input.setAttribute("aria-expanded", "true");
  }

  function close() {
    listbox.hidden = true;
    input.setAttribute("aria-expanded", "false");
    highlight(-1);
  }

  function highlight(index) {
    active = index;
    options.forEach((option, i) => option.setAttribute("aria-selected", String(i === index)));
    if (index < 0) {
      input.removeAttribute("aria-activedescendant");
    } else {
      input.setAttribute("aria-activedescendant", options[index].id);
      options[index].scrollIntoView({ block: "nearest" });
    }
  }

  function go(option) {
    const url = option.dataset.url;
    // Only our own paths: never follow a URL to another site.
    if (url.startsWith("/") && !url.startsWith("//")) window.location.assign(url);
  }

  function render(results) {
    listbox.replaceChildren();
    options = results.map((result, i) => {
      const option = document.createElement("li");
      const kind = document.createElement("span");
      option.id = `${listbox.id}-${i}`;
      option.setAttribute("role", "option");
      option.setAttribute("aria-selected", "false");
      option.dataset.url = result.url;
      option.textContent = result.name;
      kind.className = "kind";
      kind.textContent = `, ${result.kind}`;
      option.append(kind);
      listbox.append(option);
      return option;
    });
    active = -1;
    input.removeAttribute("aria-activedescendant");
    if (options.length) {
      open();
      status.textContent = `${options.length} suggestion${options.length === 1 ? "" : "s"}: arrow keys to choose, Enter to open.`;
    } else {
      close();
      status.textContent = "";
    }
  }

  async function fetchSuggestions(q) {
    if (request) request.abort();
    request = new AbortController();
    try {
      const response = await fetch(`${endpoint}?q=${encodeURIComponent(q)}`, {
        headers: { Accept: "application/json" },
        signal: request.signal,
      });
      if (!response.ok) return render([]);
      const data = await response.json();
      if (input.value.trim() === q) render(data.results || []);
    } catch (error) {
      if (error.name !== "AbortError") render([]);
    }
  }

  input.addEventListener("input", () => {
    clearTimeout(timer);
    const q = input.value.trim();
    if (q.length < MIN_CHARS) {
      if (request) request.abort();
      render([]);
      return;
    }
    timer = setTimeout(() => fetchSuggestions(q), DELAY_MS);
  });

  input.addEventListener("keydown", (event) => {
    const last = options.length - 1;
    switch (event.key) {
      case "ArrowDown":
        if (!options.length) return;
        event.preventDefault();
        open();
        highlight(active >= last ? 0 : active + 1);
        break;
      case "ArrowUp":
        if (!options.length) return;
        event.preventDefault();
        open();
        highlight(active <= 0 ? last : active - 1);
        break;
      case "Enter":
        // With no suggestion chosen, Enter submits the search as usual.
        if (isOpen() && active >= 0) {
          event.preventDefault();
          go(options[active]);
        }
        break;
      case "Escape":
        // Close the list first; a second Escape clears the box, as type=search does.
        if (isOpen()) {
          event.preventDefault();
          close();
        }
        break;
      case "Tab":
        close();
        break;
    }
  });

  input.addEventListener("blur", close);
  // Keep the focus in the box while a suggestion is clicked.
  listbox.addEventListener("mousedown", (event) => event.preventDefault());
  listbox.addEventListener("click", (event) => {
    const option = event.target.closest("[role=option]");
    if (option) go(option);
  });
})();
