/* Two small enhancements; each page works without them.
   1. On a phone the search filters fold behind a button above the results
      (a disclosure: aria-expanded on a native button, so Enter and Space work).
   2. A list's filter box ("More people…") narrows the list as the reader types;
      without script the same box submits and the server narrows it. */
(() => {
  "use strict";
  const phone = window.matchMedia("(max-width: 48rem)");
  for (const panel of document.querySelectorAll("[data-disclosure]")) {
    const button = panel.querySelector("button[aria-controls]");
    const target = button && document.getElementById(button.getAttribute("aria-controls"));
    if (!target) continue;
    const show = (open) => {
      button.setAttribute("aria-expanded", String(open));
      target.hidden = !open;
    };
    const fit = () => {
      button.hidden = !phone.matches;
      show(!phone.matches);
    };
    button.addEventListener("click", () => show(button.getAttribute("aria-expanded") !== "true"));
    phone.addEventListener("change", fit);
    fit();
  }

  for (const box of document.querySelectorAll("input[data-filter-list]")) {
    const list = document.getElementById(box.dataset.filterList);
    const status = document.getElementById(box.dataset.filterStatus);
    if (!list) continue;
    const items = [...list.querySelectorAll("li[data-name]")];
    const narrow = () => {
      const wanted = box.value.trim().toLowerCase();
      let shown = 0;
      for (const item of items) {
        const match = !wanted || item.dataset.name.includes(wanted);
        item.hidden = !match;
        if (match) shown += 1;
      }
      if (status) status.textContent = `${shown} of ${items.length} shown`;
    };
    box.addEventListener("input", narrow);
    box.form?.addEventListener("submit", (event) => { event.preventDefault(); narrow(); });
  }
})();
