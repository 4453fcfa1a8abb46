/* Who else is on the day: one chip per other user in the presence bar, and on the
 * card a user is editing, a small marker with their name. Read from the team room's
 * awareness states ({user, item, key}), deduplicated by user id. */
import { colorClass } from "./colors.js";

function chip(user, here) {
  const el = document.createElement("li");
  el.className = `live-chip ${colorClass(user)}${here ? " is-here" : ""}`;
  const dot = document.createElement("span");
  dot.className = "live-dot";
  dot.setAttribute("aria-hidden", "true");
  el.append(dot, user.name);
  return el;
}

export class Presence {
  constructor(root, room, self) {
    this.root = root;
    this.room = room;
    this.selfId = self && self.id != null ? String(self.id) : null;
    this.signature = null;
    let bar = root.querySelector("[data-live-presence]");
    if (!bar) {
      bar = document.createElement("ul");
      bar.setAttribute("data-live-presence", "");
      this.created = true;
      const status = root.querySelector("[data-live-status]");
      const header = root.querySelector("header");
      if (status) status.after(bar);
      else if (header) header.prepend(bar);
      else root.prepend(bar);
    }
    bar.classList.add("live-presence");
    bar.hidden = true;
    this.bar = bar;
    this.onChange = () => this.render(false);
    room.awareness.on("change", this.onChange);
  }

  /* Other users and the cards they are in, from the awareness states. */
  others() {
    const users = new Map();
    this.room.awareness.getStates().forEach((state, clientID) => {
      if (clientID === this.room.awareness.doc.clientID) return;
      const user = state && state.user;
      if (!user || typeof user.name !== "string" || !user.name) return;
      const id = user.id != null ? String(user.id) : `client-${clientID}`;
      if (id === this.selfId) return;
      const entry = users.get(id) || { user, items: new Set() };
      if (typeof state.item === "string" && state.item) entry.items.add(state.item);
      users.set(id, entry);
    });
    return Array.from(users.values()).sort((a, b) => a.user.name.localeCompare(b.user.name));
  }

  /* The card or panel an awareness `item` names, if it is one on this page. */
  target(item) {
    if (item === "log") return null; // everyone's notes are their own: nothing to mark
    const el = document.getElementById(item === "session" ? "session-panel" : item);
    if (!el || !this.root.contains(el) || !el.matches("[data-item-id], .session-panel")) return null;
    return el;
  }

  /* `force`: the page changed (a card was swapped), so markers may be missing. */
  render(force) {
    const others = this.others();
    const signature = JSON.stringify(others.map((o) => [o.user.id, o.user.name, colorClass(o.user), Array.from(o.items).sort()]));
    const changed = signature !== this.signature;
    if (!changed && !force) return;
    this.signature = signature;
    if (changed) {
      this.bar.replaceChildren(...others.map((o) => chip(o.user, o.items.size > 0)));
      this.bar.hidden = others.length === 0;
    }

    const wanted = new Map(); // element → users there
    for (const o of others) {
      for (const item of o.items) {
        const el = this.target(item);
        if (el) wanted.set(el, (wanted.get(el) || []).concat([o.user]));
      }
    }
    for (const old of this.root.querySelectorAll(".live-here")) {
      if (!wanted.has(old.parentElement)) {
        old.parentElement.classList.remove("has-live-here");
        old.remove();
      }
    }
    for (const [el, users] of wanted) {
      let marker = el.querySelector(":scope > .live-here");
      if (marker && !changed) continue; // only the page changed: put back missing markers
      if (!marker) {
        marker = document.createElement("ul");
        marker.className = "live-here";
        el.prepend(marker);
      }
      el.classList.add("has-live-here");
      marker.replaceChildren(...users.map((user) => chip(user, true)));
    }
  }

  destroy() {
    this.room.awareness.off("change", this.onChange);
    for (const old of this.root.querySelectorAll(".live-here")) {
      old.parentElement.classList.remove("has-live-here");
      old.remove();
    }
    if (this.created) this.bar.remove();
    else {
      this.bar.replaceChildren();
      this.bar.hidden = true;
    }
  }
}
