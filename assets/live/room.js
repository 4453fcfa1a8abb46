/* One y-websocket room (the team's day, or the user's private log): its Y.Doc, its
 * WebsocketProvider, and the custom control messages (type 5) both ways. */
import * as Y from "yjs";
import { WebsocketProvider } from "y-websocket";
import * as encoding from "lib0/encoding";
import * as decoding from "lib0/decoding";
import * as authProtocol from "y-protocols/auth";

export const MESSAGE_AUTH = 2;
export const MESSAGE_CONTROL = 5;

/* ws(s)://host of this page: the socket goes to the page's own origin (connect-src 'self'). */
export function socketOrigin(loc = window.location) {
  return `${loc.protocol === "https:" ? "wss:" : "ws:"}//${loc.host}`;
}

/* WebsocketProvider joins serverUrl + "/" + roomname: split the path before its last
 * segment so that the joined URL is exactly origin + path, trailing slash included. */
export function splitPath(path) {
  const trimmed = path.replace(/\/+$/, "");
  const cut = trimmed.lastIndexOf("/");
  return { base: path.slice(0, cut), room: path.slice(cut + 1) };
}

export class Room {
  /**
   * @param {string} name  "team" or "log"
   * @param {string} path  e.g. /ws/teams/<slug>/days/<date>/
   * @param {object} user  this user's awareness `user` field
   * @param {object} handlers  callbacks into the controller
   */
  constructor(name, path, user, handlers) {
    if (typeof path !== "string" || !path.startsWith("/") || path.startsWith("//")) {
      throw new Error(`live: the ${name} room's URL must be a path on this site`);
    }
    this.name = name;
    this.handlers = handlers;
    this.doc = new Y.Doc();
    this.ready = this.doc.getMap("ready");
    this.closed = false;
    this.connectedOnce = false;
    this.lostSince = null; // when the connection was lost, until the next sync
    this.lostCheck = null; // the timer that gives up once it has been lost too long
    this.opened = new Set(); // keys an "open" was sent for on this connection
    const origin = socketOrigin();
    const { base, room } = splitPath(path);
    // No BroadcastChannel: two tabs of one browser sync through the server only,
    // which alone initialises texts and checks who may write.
    this.provider = new WebsocketProvider(origin + base, room, this.doc, { connect: false, disableBc: true });
    if (this.provider.url !== origin + path) {
      throw new Error(`live: ${this.provider.url} is not ${origin + path}`);
    }
    // messageHandlers is the provider's own copy (y-websocket 3: messageHandlers.slice()),
    // each called as (encoder, decoder, provider, emitSynced, messageType); whatever a
    // handler writes to `encoder` is sent back, so these write nothing.
    this.provider.messageHandlers[MESSAGE_CONTROL] = (_encoder, decoder) => {
      this.receive(decoding.readVarString(decoder));
    };
    this.provider.messageHandlers[MESSAGE_AUTH] = (_encoder, decoder) => {
      authProtocol.readAuthMessage(decoder, this.doc, (_doc, reason) => handlers.denied(this, reason));
    };
    this.awareness = this.provider.awareness;
    this.awareness.setLocalState({ user, item: null, key: null });

    this.provider.on("status", ({ status }) => {
      if (status === "connected") this.connectedOnce = true;
      handlers.status(this, status);
    });
    this.provider.on("sync", (synced) => {
      if (!synced) return;
      this.lostSince = null;
      handlers.synced(this);
    });
    this.provider.on("connection-close", () => {
      this.opened.clear();
      if (this.connectedOnce && this.lostSince === null) this.lostSince = Date.now();
      handlers.closed(this, false);
    });
    // The server closed with a 44xx code: y-websocket stops reconnecting by itself.
    this.provider.on("closed", () => handlers.closed(this, true));
    this.ready.observe((event) => {
      for (const key of event.keysChanged) if (this.ready.has(key)) handlers.ready(this, key);
    });
  }

  connect() {
    this.provider.connect();
  }

  get synced() {
    return this.provider.synced;
  }

  /* Send one control message; false if the socket is not open. */
  send(message) {
    const provider = this.provider;
    const ws = provider.ws;
    if (!provider.wsconnected || !ws || ws.readyState !== WebSocket.OPEN) return false;
    const encoder = encoding.createEncoder();
    encoding.writeVarUint(encoder, MESSAGE_CONTROL);
    encoding.writeVarString(encoder, JSON.stringify(message));
    ws.send(encoding.toUint8Array(encoder));
    return true;
  }

  /* Ask the server to initialise a field's text (once per connection). */
  open(key) {
    if (this.opened.has(key)) return;
    if (this.send({ type: "open", key })) this.opened.add(key);
  }

  receive(text) {
    let message;
    try {
      message = JSON.parse(text);
    } catch (error) {
      console.warn("live: a control message that is not JSON", text);
      return;
    }
    if (message && typeof message === "object" && typeof message.type === "string") {
      this.handlers.control(this, message);
    }
  }

  setWhere(item, key) {
    const state = this.awareness.getLocalState();
    if (!state || (state.item === item && state.key === key)) return;
    this.awareness.setLocalState({ ...state, item, key });
  }

  stop() {
    this.provider.disconnect();
    this.provider.destroy();
    this.awareness.destroy();
  }
}
