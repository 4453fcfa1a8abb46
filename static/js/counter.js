/* Character counters for text fields with a limit (data-maxlength, set by the forms
 * instead of maxlength, which silently cuts a long paste). Each field gets a counter
 * beside it ("9,800 / 10,000") and, past the limit, a warning; the server refuses an
 * over-long text with an error beside the field and keeps it, so nothing is ever cut.
 * Text areas always show their counter; one-line fields once they are near the limit. */
(function () {
  "use strict";

  const NEAR = 0.8; // a one-line field shows its counter from 80 % of its limit
  const script = document.currentScript;
  const overText = (script && script.dataset.overText) || "{over}";
  const format = new Intl.NumberFormat(document.documentElement.lang || undefined);

  /* JavaScript's length counts UTF-16 units; Django counts code points, as here. */
  function length(value) {
    let n = 0;
    for (const _ of value) n += 1;
    return n;
  }

  function update(field) {
    const parts = field._studylogCounter;
    if (!parts) return;
    const limit = parseInt(field.dataset.maxlength, 10);
    const n = length(field.value);
    const over = n > limit;
    parts.count.textContent = `${format.format(n)} / ${format.format(limit)}`;
    parts.count.hidden = !(field.tagName === "TEXTAREA" || over || n >= limit * NEAR);
    parts.count.classList.toggle("is-over", over);
    field.classList.toggle("is-over", over);
    if (over) {
      parts.warning.textContent = overText.replace("{over}", format.format(n - limit));
    }
    if (parts.warning.hidden === over) parts.warning.hidden = !over; // announce once per change
  }

  function attach(field) {
    if (field._studylogCounter || !field.dataset.maxlength) return;
    const count = document.createElement("span");
    count.className = "char-count";
    count.setAttribute("aria-hidden", "true"); // the warning speaks; counting every key would not
    const warning = document.createElement("p");
    warning.className = "char-over";
    warning.setAttribute("role", "alert");
    warning.hidden = true;
    field._studylogCounter = { count, warning };
    field.after(count, warning);
    update(field);
  }

  function init(root) {
    for (const field of root.querySelectorAll("textarea[data-maxlength], input[data-maxlength]")) {
      attach(field);
    }
  }

  document.addEventListener("DOMContentLoaded", () => {
    init(document);
    document.addEventListener("input", (event) => {
      if (event.target.dataset && event.target.dataset.maxlength) update(event.target);
    });
    // Forms htmx puts on the page (an item's edit form, a conflict, a 422 answer).
    document.body.addEventListener("htmx:afterSettle", () => init(document));
  });
})();
