/* Studylog's page script: live updates on the day editor, markdownx for
 * editors that htmx inserts, and a few small form helpers. No inline scripts. */
(function () {
  "use strict";

  const POLL_MS = 4000;

  /* markdownx only wires up editors present at page load. Loading its script
   * again wires up the ones htmx added since (initialised ones are skipped). */
  function initMarkdownx(root) {
    if (!root.querySelector || !root.querySelector(".markdownx-editor:not([data-markdownx-init])")) return;
    const src = document.body.dataset.markdownxSrc;
    if (!src) return;
    const script = document.createElement("script");
    script.src = src;
    script.onload = () => script.remove();
    document.head.appendChild(script);
  }

  /* Tell someone editing an item that it changed under them (once per kind of news). */
  function flag(item, key) {
    const editor = item.closest("[data-day-editor]");
    if (!editor || item.querySelector(`.stale-note[data-note="${key}"]`)) return;
    const note = document.createElement("p");
    note.className = "notice notice-warn stale-note";
    note.dataset.note = key;
    note.setAttribute("role", "status");
    note.textContent = editor.dataset[key];
    item.prepend(note);
  }

  /* Say something to screen readers without moving the focus: the page's polite live
   * region (base.html). Emptied first, so the same words said twice are said again. */
  function announce(text) {
    const region = document.getElementById("announcer");
    if (!region || !text) return;
    region.textContent = "";
    setTimeout(() => { region.textContent = text; }, 50);
  }

  const FOCUSABLE = "button:not([disabled]), a[href], input:not([type=hidden]):not([disabled]), textarea:not([disabled]), select:not([disabled]), [contenteditable=true]";

  /* The first of `selector` in `root` that can take the focus: shown, not hidden away
   * (a textarea the live editor replaced with its own editor is). */
  function firstShown(root, selector) {
    return Array.from(root.querySelectorAll(selector)).find((el) => el.getClientRects().length > 0) || null;
  }

  /* Where the focus goes in a part that just took the place of the one that held it:
   * into a form, its first field with an error, else its first field; out of one, the
   * control that opens it again (data-return-focus), else the part's first control. */
  function focusInto(part) {
    let target = null;
    if (part.matches("[data-editing]") || part.querySelector("[data-editing]")) {
      target = firstShown(part, '[aria-invalid="true"]') || firstShown(part, `form :is(${FOCUSABLE})`);
    }
    target = target || firstShown(part, "[data-return-focus]") || firstShown(part, FOCUSABLE);
    if (!target) {
      // Nothing to focus in it (an emptied slot): the control that opened it, nearby.
      const around = part.parentElement && part.parentElement.closest(".card, .panel, section");
      target = around && firstShown(around, "[data-return-focus]");
    }
    if (!target && part.getClientRects().length) {
      part.setAttribute("tabindex", "-1");
      target = part;
    }
    if (target) target.focus();
  }

  /* A list refreshed under someone's focus: which control it was, to find again. */
  function rememberFocus(list) {
    const active = document.activeElement;
    if (!active || active === document.body || !list.contains(active)) return null;
    const item = active.closest("[data-item-id]");
    return item ? { id: item.dataset.itemId, tag: active.tagName, name: active.name || "", value: active.value || "", text: active.textContent } : null;
  }

  function restoreFocus(list, memo) {
    if (!memo) return;
    const active = document.activeElement;
    if (active && active !== document.body && document.contains(active)) return;
    const item = list.querySelector(`[data-item-id="${memo.id}"]`);
    if (!item) return;
    const same = Array.from(item.querySelectorAll(FOCUSABLE)).find((el) =>
      el.tagName === memo.tag && (el.name || "") === memo.name && (el.value || "") === memo.value && el.textContent === memo.text);
    if (same) same.focus(); else focusInto(item);
  }

  /* Replace the children of `list` with those of `fresh`, keeping every item
   * someone is editing right here, and moving as few nodes as possible so a
   * focused field keeps its focus and its text. */
  function mergeList(list, fresh) {
    const local = new Map();
    for (const el of list.children) if (el.dataset.itemId) local.set(el.dataset.itemId, el);
    const wanted = [];
    const changed = [];
    for (const el of Array.from(fresh.children)) {
      const id = el.dataset.itemId;
      const mine = local.get(id);
      local.delete(id);
      if (mine && (mine.hasAttribute("data-editing") || mine.dataset.version === el.dataset.version)) {
        if (mine.hasAttribute("data-editing") && mine.dataset.version !== el.dataset.version) {
          flag(mine, "staleText");
        }
        wanted.push(mine);
      } else {
        wanted.push(el);
        changed.push(el);
      }
    }
    for (const el of local.values()) {
      if (el.hasAttribute("data-editing")) {
        flag(el, "goneText");
        wanted.push(el);
      }
    }
    const focus = rememberFocus(list);
    arrange(list, wanted);
    for (const el of changed) {
      if (window.htmx) htmx.process(el);
      highlight(el);
    }
    restoreFocus(list, focus);
    return changed.length;
  }

  /* Put `wanted` into `list` without ever detaching a node someone is editing:
   * those keep their place, every other node is laid out around them, and nodes
   * already in place are not touched. */
  function arrange(list, wanted) {
    const keep = new Set(wanted);
    for (const el of Array.from(list.children)) if (!keep.has(el)) el.remove();
    const slots = new Map(); // index → editing node that stays there
    Array.from(list.children).forEach((el, i) => { if (el.hasAttribute("data-editing")) slots.set(i, el); });
    const others = wanted.filter((el) => !el.hasAttribute("data-editing"));
    const order = [];
    for (let i = 0, next = 0; i < wanted.length; i += 1) {
      order.push(slots.has(i) ? slots.get(i) : others[next++]);
    }
    order.forEach((want, i) => {
      if (!want || list.children[i] === want) return;
      if (want.hasAttribute("data-editing")) {
        // Move what sits before it (all later in `order`) to just after it instead.
        while (list.children[i] !== want) want.after(list.children[i]);
      } else {
        list.insertBefore(want, list.children[i] || null);
      }
    });
  }

  async function fetchHtml(url) {
    const response = await fetch(url, { headers: { "HX-Request": "true" }, credentials: "same-origin" });
    if (!response.ok) throw new Error(response.status);
    const template = document.createElement("template");
    template.innerHTML = (await response.text()).trim();
    return template.content.firstElementChild;
  }

  /* One refresh per list at a time; a request made while one runs is folded into a
   * single follow-up, so an older response can never land after a newer one. */
  const refreshing = new Map(); // kind → {running: Promise, again: boolean}

  function refreshList(kind, own = false) {
    const state = refreshing.get(kind);
    if (state) {
      state.again = true;
      state.own = state.own || own;
      return state.running;
    }
    const entry = { again: false, own };
    entry.running = (async () => {
      try {
        do {
          entry.again = false;
          const list = document.querySelector(`[data-list="${kind}"]`);
          if (!list) return;
          const fresh = await fetchHtml(list.dataset.listUrl);
          // Not after the user's own save, said already as saved: its socket echo may
          // come before its answer, so `own` is read once this pass has merged.
          if (fresh && mergeList(list, fresh) && !entry.own) announce(document.body.dataset.othersText);
        } while (entry.again);
      } finally {
        refreshing.delete(kind);
      }
    })();
    refreshing.set(kind, entry);
    return entry.running;
  }

  function highlight(el) {
    el.classList.add("is-fresh");
    setTimeout(() => el.classList.remove("is-fresh"), 2500);
  }

  /* The session panel shows `version`; fetch it again only if the server has moved on
   * (the panel already carries the version of the user's own last save). */
  async function refreshSession(editor, version) {
    const panel = document.getElementById("session-panel");
    if (!panel || panel.dataset.version === String(version)) return;
    if (panel.hasAttribute("data-editing")) {
      flag(panel, "staleText");
      return;
    }
    const fresh = await fetchHtml(editor.dataset.sessionUrl);
    if (fresh) {
      const hadFocus = panel.contains(document.activeElement);
      panel.replaceWith(fresh);
      if (window.htmx) htmx.process(fresh);
      highlight(fresh);
      if (hadFocus) focusInto(fresh);
      announce(document.body.dataset.othersText);
    }
  }

  function startEditor(editor) {
    let known = JSON.parse(editor.dataset.state || "{}");
    const status = editor.querySelector("[data-live-status]");

    let timer = null;
    let stopped = false;

    async function poll() {
      clearTimeout(timer);
      if (stopped || document.hidden) return;
      try {
        const response = await fetch(editor.dataset.stateUrl, { credentials: "same-origin", redirect: "manual" });
        if ([0, 401, 403, 404].includes(response.status) || response.type === "opaqueredirect") {
          // Logged out, removed from the team, or the day is gone: polling cannot recover.
          stopped = true;
          if (status) { status.classList.add("is-offline"); status.textContent = editor.dataset.lostText || status.textContent; }
          return;
        }
        if (!response.ok) throw new Error(response.status);
        const state = await response.json();
        const jobs = [];
        for (const [kind, signature] of Object.entries(state.lists)) {
          if (!known.lists || known.lists[kind] !== signature) jobs.push(refreshList(kind));
        }
        if (known.session !== state.session) jobs.push(refreshSession(editor, state.session));
        await Promise.all(jobs);
        if (known.closed !== undefined && known.closed !== state.closed) closingChanged(editor, state.closed);
        known = state;
        if (status) status.classList.remove("is-offline");
      } catch (error) {
        if (status) status.classList.add("is-offline");
      }
      if (!stopped) timer = setTimeout(poll, POLL_MS);
    }
    timer = setTimeout(poll, POLL_MS);
    document.addEventListener("visibilitychange", () => { if (!document.hidden && !stopped) poll(); });
    document.body.addEventListener("studylog:list-changed", (event) => {
      // htmx fires the user's own save's event on the form that sent it; the live
      // layer fires a teammate's on the body itself, and that one is announced.
      refreshList(event.detail.kind, event.target !== document.body);
    });
  }

  /* The day was closed or reopened by someone else: which controls show has changed.
   * Reload, unless the user is in the middle of something (their own notes stay
   * editable on a closed day); then say so on what they are editing. */
  function closingChanged(editor, closed) {
    const editing = Array.from(editor.querySelectorAll("[data-editing]"));
    if (!editing.length) {
      window.location.reload();
      return;
    }
    for (const el of editing) if (!el.classList.contains("log-panel")) flag(el, closed ? "closedText" : "reopenedText");
  }

  /* A write refused because the day is closed (403 marked X-Day-Closed): htmx swaps
   * no 403, so put the server's notice at the top of the part the user was working
   * on, in place of any earlier one, leaving their form and its text as they are. */
  function showClosedRefusal(event) {
    const xhr = event.detail.xhr;
    if (xhr.status === 404 && xhr.getResponseHeader("X-Item-Gone")) {
      // The item was deleted meanwhile: show the answer (the typed text, or nothing).
      event.detail.shouldSwap = true;
      event.detail.isError = false;
      return;
    }
    if (xhr.status !== 403 || !xhr.getResponseHeader("X-Day-Closed")) return;
    const part = event.detail.requestConfig.elt.closest(".card, .panel");
    if (!part) return;
    for (const old of part.querySelectorAll(":scope > .refusal")) old.remove();
    event.detail.shouldSwap = true;
    event.detail.isError = false;
    event.detail.target = part;
    event.detail.swapOverride = "afterbegin";
  }

  /* Any other failed save (logged out, no longer allowed, server error, offline): say
   * so on the part being edited and leave the form, with what was typed, in place. */
  function showFailure(event) {
    const elt = event.detail.requestConfig ? event.detail.requestConfig.elt : event.detail.elt;
    const part = elt && elt.closest && elt.closest(".card, .panel");
    if (!part) return;
    for (const old of part.querySelectorAll(":scope > .failure")) old.remove();
    const xhr = event.detail.xhr;
    const key = xhr && xhr.status === 401 ? "loginText" : "failedText";
    const note = document.createElement("p");
    note.className = "notice notice-warn failure";
    note.setAttribute("role", "alert");
    note.textContent = document.body.dataset[key] || "";
    part.prepend(note);
  }

  /* An htmx swap must not drop the focus to the top of the page: when the part that
   * held it is replaced, the focus goes into what replaced it (focusInto). A saved
   * form is also announced. */
  let swapped = null;

  function rememberSwap(event) {
    const target = event.detail.target;
    const active = document.activeElement;
    swapped = null;
    if (!event.detail.shouldSwap || !target || !active || active === document.body || !target.contains(active)) return;
    swapped = {
      target,
      parent: target.parentNode,
      prev: target.previousElementSibling,
      next: target.nextElementSibling,
      saved: event.detail.requestConfig && event.detail.requestConfig.verb === "post" && event.detail.xhr.status < 300,
    };
    // An empty answer (a deleted item) settles nothing, so no afterSettle comes.
    const memo = swapped;
    setTimeout(() => { if (swapped === memo) settleFocus(); }, 100);
  }

  function settleFocus() {
    const memo = swapped;
    swapped = null;
    if (!memo) return;
    const active = document.activeElement;
    if (active && active !== document.body && document.contains(active)) return;
    let part = memo.target.isConnected ? memo.target : null;
    if (!part && memo.next && memo.next.isConnected) {
      part = memo.next.previousElementSibling;
      // Nothing took its place (deleted): the one after it, else the one before.
      if (part === memo.prev) part = memo.next;
    }
    if (!part && memo.parent && memo.parent.isConnected) part = memo.parent.lastElementChild;
    if (part) focusInto(part);
    else if (memo.parent && memo.parent.isConnected) focusInto(memo.parent);
    const refused = part && (part.matches(".is-conflict") || part.querySelector('[aria-invalid="true"], .is-conflict'));
    if (memo.saved && !refused) {
      announce(document.body.dataset.savedText);
    }
  }

  function csrfToken() {
    const match = document.cookie.match(/(?:^|; )csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : null;
  }

  function addFormsetRow(button) {
    const prefix = button.dataset.addRow;
    const fieldset = button.closest("fieldset");
    const total = fieldset.closest("form").querySelector(`[name="${prefix}-TOTAL_FORMS"]`);
    const template = fieldset.querySelector("template[data-empty-row]");
    const index = parseInt(total.value, 10);
    const html = template.innerHTML.replace(/__prefix__/g, String(index));
    template.insertAdjacentHTML("beforebegin", html);
    total.value = String(index + 1);
  }

  /* Formset rows reordered on the page: number ORDER by position before sending.
   * Rows left empty get no number, so an unused extra row stays unchanged. */
  function numberRows(form) {
    let n = 0;
    for (const row of form.querySelectorAll("[data-row]")) {
      const order = row.querySelector('input[name$="-ORDER"]');
      if (!order) continue;
      const filled = Array.from(row.querySelectorAll('input[type="text"], input[type="url"]')).some((i) => i.value.trim());
      order.value = filled ? String(++n) : "";
    }
  }

  function moveRow(button) {
    const row = button.closest("[data-row]");
    const direction = button.dataset.moveRow;
    const sibling = direction === "up" ? row.previousElementSibling : row.nextElementSibling;
    if (!sibling || !sibling.matches("[data-row]")) return;
    if (direction === "up") sibling.before(row); else sibling.after(row);
    button.focus();
  }

  /* markdownx indents on Tab, which would trap a keyboard user in the field (WCAG
   * 2.1.2): Tab and Shift+Tab move the focus, as in any field. Listening on the
   * document while capturing comes before markdownx's own listener on the field. */
  document.addEventListener("keydown", (event) => {
    if (event.key === "Tab" && !event.ctrlKey && !event.metaKey && !event.altKey
        && event.target.closest && event.target.closest(".markdownx")) {
      event.stopImmediatePropagation();
    }
  }, true);

  document.addEventListener("DOMContentLoaded", () => {
    for (const editor of document.querySelectorAll("[data-day-editor]")) startEditor(editor);
    document.body.addEventListener("htmx:afterSettle", () => initMarkdownx(document));
    document.body.addEventListener("htmx:beforeSwap", showClosedRefusal);
    document.body.addEventListener("htmx:beforeSwap", rememberSwap);
    document.addEventListener("htmx:afterSettle", settleFocus);
    document.body.addEventListener("htmx:responseError", (event) => {
      const xhr = event.detail.xhr;
      if (!xhr.getResponseHeader("X-Day-Closed") && !xhr.getResponseHeader("X-Item-Gone")) showFailure(event);
    });
    document.body.addEventListener("htmx:sendError", showFailure);
    document.body.addEventListener("htmx:configRequest", (event) => {
      // The token can change (a new login in another tab): read it when sending.
      const token = csrfToken();
      if (token) event.detail.headers["X-CSRFToken"] = token;
      const form = event.detail.elt.closest && event.detail.elt.closest("form[data-ordered-rows]");
      if (!form) return;
      numberRows(form);
      for (const input of form.querySelectorAll('input[name$="-ORDER"]')) event.detail.parameters[input.name] = input.value;
    });
    document.addEventListener("change", (event) => {
      if (event.target.matches("select[data-autosubmit]")) event.target.form.submit();
    });
    document.addEventListener("click", (event) => {
      const button = event.target.closest("[data-add-row]");
      if (button) addFormsetRow(button);
      const mover = event.target.closest("[data-move-row]");
      if (mover) moveRow(mover);
      const copy = event.target.closest("input.copy");
      if (copy) copy.select();
    });
  });
})();
