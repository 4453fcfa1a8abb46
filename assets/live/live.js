/* The live editing controller for one day editor ([data-day-editor][data-live-url]):
 * its rooms, the textareas it binds, the control messages, status and fallback. */
import { Room } from "./room.js";
import { LiveField } from "./editor.js";
import { Presence } from "./presence.js";

const CONNECT_MS = 4000; // no open socket by then: leave the page to polling
// A lost connection is tried again (y-websocket backs off from 0.1 s to 2.5 s) for this
// long, enough for a server's restart; then the page goes on with polling too.
const RECONNECT_MS = 10000;
const SELECTOR = "textarea[data-live-key]";
const KIND = /^[a-z][a-z0-9_-]*$/;
const OWN = ".cm-editor, .live-presence, .live-here, .live-refusal, .char-count, .char-over";

function parseUser(text) {
  try {
    const user = JSON.parse(text || "{}");
    if (user && typeof user === "object") return user;
  } catch (error) {
    /* fall through */
  }
  return {};
}

export class Live {
  constructor(root) {
    this.root = root;
    this.user = parseUser(root.dataset.liveUser);
    this.canWrite = root.dataset.liveCanWrite === "1";
    this.status = root.querySelector("[data-live-status]");
    this.statusText = this.status ? this.status.textContent : "";
    this.mode = "connecting"; // → "live" once the team room synced; "fallback" for good
    this.fields = new Map(); // textarea → {room, key, field: LiveField}
    this.waiting = new Map(); // textarea → {room, key}: seen, not bound yet
    this.skipped = new WeakSet(); // typed into before its text was live: left plain
    this.refusals = new Map(); // key → the <p> showing the server's refusal

    const handlers = {
      status: (room, status) => this.onStatus(room, status),
      synced: (room) => this.onSynced(room),
      closed: (room, final) => this.onClosed(room, final),
      ready: (room, key) => this.onReady(room, key),
      control: (room, message) => this.onControl(room, message),
      denied: (room, reason) => this.onDenied(room, reason),
    };
    this.rooms = { team: new Room("team", root.dataset.liveUrl, this.user, handlers) };
    if (root.dataset.liveLogUrl) this.rooms.log = new Room("log", root.dataset.liveLogUrl, this.user, handlers);
    // A day closed before the page loaded: the team's texts are read-only (own notes are not).
    if (this.status && this.status.classList.contains("is-closed")) this.rooms.team.closed = true;

    this.presence = new Presence(root, this.rooms.team, this.user);
    this.observer = new MutationObserver((records) => this.onMutations(records));
    this.observer.observe(root, { childList: true, subtree: true });
    for (const textarea of root.querySelectorAll(SELECTOR)) this.consider(textarea);
    this.timer = setTimeout(() => {
      if (Object.values(this.rooms).some((room) => !room.connectedOnce)) this.fallback("no connection");
    }, CONNECT_MS);
    for (const room of Object.values(this.rooms)) room.connect();
  }

  /* ---- textareas coming and going ---- */

  roomFor(textarea) {
    return textarea.dataset.liveRoom === "log" ? this.rooms.log : this.rooms.team;
  }

  consider(textarea) {
    if (this.mode === "fallback" || this.fields.has(textarea) || this.waiting.has(textarea)) return;
    if (this.skipped.has(textarea)) return;
    const key = textarea.dataset.liveKey;
    const room = this.roomFor(textarea);
    if (!key || !room) return;
    this.waiting.set(textarea, { room, key });
    if (room.synced) this.request(textarea);
  }

  request(textarea) {
    const { room, key } = this.waiting.get(textarea);
    if (room.ready.has(key)) this.bind(textarea);
    else room.open(key);
  }

  onMutations(records) {
    let removed = false;
    let added = false;
    for (const record of records) {
      // Changes made here (editors, chips, markers, notes) and counter.js's counters
      // need nothing; presence.render() below would otherwise call itself for ever.
      if (record.target.closest && record.target.closest(OWN)) continue;
      if (record.removedNodes.length) removed = true;
      for (const node of record.addedNodes) {
        if (node.nodeType !== Node.ELEMENT_NODE || node.matches(OWN)) continue;
        added = true;
        if (node.matches(SELECTOR)) this.consider(node);
        for (const textarea of node.querySelectorAll(SELECTOR)) this.consider(textarea);
      }
    }
    if (removed) {
      for (const textarea of Array.from(this.fields.keys())) if (!textarea.isConnected) this.unbind(textarea);
      for (const textarea of Array.from(this.waiting.keys())) if (!textarea.isConnected) this.waiting.delete(textarea);
      for (const [key, note] of this.refusals) if (!note.isConnected) this.refusals.delete(key);
    }
    if (added) {
      for (const { field } of this.fields.values()) field.placeCounter();
      if (this.mode !== "fallback") this.presence.render(true);
    }
  }

  bind(textarea) {
    const { room, key } = this.waiting.get(textarea);
    this.waiting.delete(textarea);
    const ytext = room.doc.getText(key);
    const live = ytext.toString();
    const typed = textarea.value !== textarea.defaultValue;
    if (typed && (live !== textarea.defaultValue || this.readOnly(room))) {
      // Typed into while the text was not live yet, and the live text moved on too
      // (or this user may not write it): keep the user's text in the plain form,
      // whose save checks the version.
      this.skipped.add(textarea);
      return;
    }
    const field = new LiveField(textarea, ytext, room.awareness, {
      readOnly: this.readOnly(room),
      onFocus: () => this.focused(textarea),
      onLocalEdit: () => this.clearRefusal(key),
    });
    this.fields.set(textarea, { room, key, field });
    const note = this.refusals.get(key);
    if (note && note.isConnected) field.anchor.after(note);
  }

  unbind(textarea, restore = false) {
    const entry = this.fields.get(textarea);
    if (!entry) return;
    this.fields.delete(textarea);
    entry.field.destroy();
    // Back to a plain field: its counter and preview (markdownx asks the server) catch up
    // with the text, which may have changed while the server could not answer.
    if (restore) textarea.dispatchEvent(new Event("input", { bubbles: true }));
    if (!restore) {
      // The form is gone: say so in the awareness state if it was where we were.
      const state = this.rooms.team.awareness.getLocalState();
      if (state && (state.key === entry.key || (entry.room.name === "log" && state.item === "log"))) {
        this.rooms.team.setWhere(null, null);
      }
      if (entry.room !== this.rooms.team) entry.room.setWhere(null, null);
    }
  }

  readOnly(room) {
    return !this.canWrite || room.closed;
  }

  /* Where this user is, for the others' presence bar: the card's element id,
   * "session" or "log". Own notes say no more than "log" to the team. */
  focused(textarea) {
    const entry = this.fields.get(textarea);
    if (!entry) return;
    if (entry.room.name === "log") {
      this.rooms.team.setWhere("log", null);
      entry.room.setWhere("log", entry.key);
      return;
    }
    const card = textarea.closest("[data-item-id]");
    let item = card && card.id ? card.id : null;
    if (!item && textarea.closest("#session-panel, .session-panel")) item = "session";
    if (!item && entry.key.startsWith("session:")) item = "session";
    this.rooms.team.setWhere(item, entry.key);
  }

  /* ---- connection ---- */

  onStatus(room, status) {
    if (this.mode === "fallback") return;
    if (status !== "connected" && room === this.rooms.team) this.showConnected(false);
  }

  onSynced(room) {
    if (this.mode === "fallback") return;
    if (room === this.rooms.team) {
      this.mode = "live";
      this.showConnected(true);
    }
    for (const [textarea, entry] of Array.from(this.waiting)) if (entry.room === room) this.request(textarea);
  }

  onClosed(room, final) {
    if (this.mode === "fallback") return;
    if (final || this.lostTooLong(room)) {
      // Leave the provider's close handling first, then stop everything.
      setTimeout(() => this.fallback(final ? "closed by the server" : "reconnecting failed"), 0);
    } else if (room.lostSince !== null && !room.lostCheck) {
      // Close events come with each failed attempt; an attempt that hangs sends none,
      // so the deadline is also kept by a timer of its own.
      room.lostCheck = setTimeout(() => {
        room.lostCheck = null;
        if (this.mode !== "fallback" && this.lostTooLong(room)) this.fallback("reconnecting failed");
      }, RECONNECT_MS - (Date.now() - room.lostSince) + 50);
    }
  }

  lostTooLong(room) {
    return room.lostSince !== null && Date.now() - room.lostSince > RECONNECT_MS;
  }

  onReady(room, key) {
    if (this.mode === "fallback" || !room.synced) return;
    for (const [textarea, entry] of Array.from(this.waiting)) {
      if (entry.room === room && entry.key === key) this.bind(textarea);
    }
  }

  /* Give the page back to the polling editor: every live field becomes its textarea
   * again, with its current text, and the providers stop for good. */
  fallback(reason) {
    if (this.mode === "fallback") return;
    this.mode = "fallback";
    clearTimeout(this.timer);
    this.observer.disconnect();
    for (const textarea of Array.from(this.fields.keys())) this.unbind(textarea, true);
    this.waiting.clear();
    this.presence.destroy();
    for (const room of Object.values(this.rooms)) room.stop();
    this.showConnected(false);
    console.info(`live: editing goes on without live updates (${reason})`);
  }

  /* ---- the status line ---- */

  showConnected(connected) {
    const status = this.status;
    if (!status) return;
    status.classList.toggle("is-connected", connected && !status.classList.contains("is-closed"));
    if (status.classList.contains("is-closed") || status.dataset.liveMessage) return;
    status.textContent = connected ? this.root.dataset.liveConnectedText || this.statusText : this.statusText;
  }

  say(text) {
    if (!this.status || typeof text !== "string" || !text) return;
    this.status.textContent = text;
    this.status.dataset.liveMessage = "1"; // stays until the page is reloaded
  }

  /* ---- control messages from the server ---- */

  onControl(room, message) {
    if (this.mode === "fallback") return;
    switch (message.type) {
      case "saved":
        this.saved(message);
        break;
      case "list-changed":
        if (typeof message.kind === "string") {
          document.body.dispatchEvent(new CustomEvent("studylog:list-changed", { detail: { kind: message.kind } }));
        }
        break;
      case "session-changed":
        document.body.dispatchEvent(new CustomEvent("studylog:session-changed", { detail: {} }));
        break;
      case "closed":
        this.closeRoom(room);
        break;
      case "refused":
        if (typeof message.key === "string" && message.key) this.refuse(message.key, message.reason);
        else this.say(message.reason);
        break;
      case "error":
        this.say(message.reason);
        break;
      case "reset":
        // This page's document is from before the server's (it restarted): the server
        // closes the socket next, and the page goes on without live updates.
        this.say(this.root.dataset.liveResetText);
        break;
      case "reopened":
        this.say(this.root.dataset.reopenedText);
        break;
      default:
        break; // a newer server's message: nothing to do here
    }
  }

  onDenied(room, reason) {
    room.closed = true;
    for (const { room: r, field } of this.fields.values()) if (r === room) field.setReadOnly(true);
    this.say(reason);
  }

  closeRoom(room) {
    room.closed = true;
    for (const { room: r, field } of this.fields.values()) if (r === room) field.setReadOnly(true);
    if (room !== this.rooms.team || !this.status) return;
    this.status.classList.remove("is-connected");
    this.status.classList.add("is-closed");
    if (this.root.dataset.closedText) this.status.textContent = this.root.dataset.closedText;
  }

  /* The server wrote a live text to the database: the open form's version and its
   * card's follow, so that saving the form later is not taken for a conflict.
   * Only a card or panel whose form is open here: a card showing its text keeps its
   * old version, so polling still fetches its new text. */
  saved({ kind, id, version }) {
    if (typeof kind !== "string" || !KIND.test(kind) || !Number.isSafeInteger(id) || !Number.isSafeInteger(version)) return;
    const parts = new Set();
    const card = document.getElementById(`${kind}-${id}`);
    if (card) parts.add(card);
    for (const textarea of this.root.querySelectorAll(`textarea[data-live-key^="${kind}:${id}:"]`)) {
      const part = textarea.closest("[data-version]") || textarea.closest("[data-editing]") || textarea.form;
      if (part) parts.add(part);
    }
    for (const part of parts) {
      if (!part.querySelector(SELECTOR)) continue;
      const raise = (current) => !(parseInt(current, 10) >= version);
      if (part.hasAttribute("data-version") && raise(part.dataset.version)) part.dataset.version = String(version);
      for (const input of part.querySelectorAll('input[name="version"]')) {
        if (raise(input.value)) input.value = String(version);
      }
    }
  }

  refuse(key, reason) {
    if (typeof reason !== "string" || !reason) return;
    let note = this.refusals.get(key);
    if (!note || !note.isConnected) {
      note = document.createElement("p");
      note.className = "field-errors live-refusal";
      note.setAttribute("role", "alert");
      this.refusals.set(key, note);
    }
    note.textContent = reason;
    const entry = Array.from(this.fields.values()).find((e) => e.key === key);
    if (entry) {
      entry.field.anchor.after(note);
      return;
    }
    const textarea = Array.from(this.root.querySelectorAll(SELECTOR)).find((t) => t.dataset.liveKey === key);
    if (textarea) textarea.after(note);
    else this.say(reason);
  }

  clearRefusal(key) {
    const note = this.refusals.get(key);
    if (!note) return;
    this.refusals.delete(key);
    note.remove();
  }

  /* ---- window.studylogLive ---- */

  debugView() {
    const live = this;
    const docs = {};
    const providers = {};
    for (const [name, room] of Object.entries(this.rooms)) {
      docs[name] = room.doc;
      providers[name] = room.provider;
    }
    return Object.freeze({
      docs: Object.freeze(docs),
      providers: Object.freeze(providers),
      get state() {
        const keys = (map) => Array.from(map.values(), (e) => `${e.room.name}:${e.key}`);
        return Object.freeze({
          mode: live.mode,
          canWrite: live.canWrite,
          closed: Object.fromEntries(Object.entries(live.rooms).map(([n, r]) => [n, r.closed])),
          bound: keys(live.fields),
          waiting: keys(live.waiting),
        });
      },
    });
  }
}
