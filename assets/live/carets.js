/* Remote carets and selections, drawn from the awareness states of the other
 * clients of a room. This replaces y-codemirror.next's yRemoteSelections (whose
 * caret widget sets a `style` attribute, which the CSP refuses) with the same
 * approach: every client's cursor is a pair of Yjs relative positions in its
 * awareness state under `cursor`; a view draws those that point into its own
 * Y.Text. Colours come from the classes live-c0 … live-c7 (colors.js). */
import * as Y from "yjs";
import { Annotation } from "@codemirror/state";
import { Decoration, ViewPlugin, WidgetType } from "@codemirror/view";
import { ySyncFacet } from "y-codemirror.next";
import { colorClass } from "./colors.js";

const redraw = Annotation.define();

/* The name label shows for a few seconds after the caret moved (CSS animation on a
 * fresh element, see live.css), and whenever the pointer is over the caret. */
class CaretWidget extends WidgetType {
  constructor(cls, name, moved) {
    super();
    this.cls = cls;
    this.name = name;
    this.moved = moved;
  }

  toDOM() {
    const caret = document.createElement("span");
    caret.className = `live-caret ${this.cls}`;
    const dot = document.createElement("span");
    dot.className = "live-caret-dot";
    const name = document.createElement("span");
    name.className = "live-caret-name";
    name.textContent = this.name;
    caret.append("\u2060", dot, "\u2060", name, "\u2060");
    return caret;
  }

  eq(other) {
    return other.cls === this.cls && other.name === this.name && other.moved === this.moved;
  }

  get estimatedHeight() {
    return -1;
  }

  ignoreEvent() {
    return true;
  }
}

function sameCursor(a, b) {
  return Boolean(a && b) && Y.compareRelativePositions(a.anchor, b.anchor) && Y.compareRelativePositions(a.head, b.head);
}

class RemoteCarets {
  constructor(view) {
    this.view = view;
    this.conf = view.state.facet(ySyncFacet);
    this.awareness = this.conf.awareness;
    this.moves = new Map(); // clientID → {cursor (JSON string), at (ms)}
    this.decorations = Decoration.none;
    this.onChange = ({ added, updated, removed }) => {
      const mine = this.awareness.doc.clientID;
      if (added.concat(updated, removed).some((id) => id !== mine)) {
        this.view.dispatch({ annotations: redraw.of(true) });
      }
    };
    this.awareness.on("change", this.onChange);
    this.decorations = this.draw(view.state);
  }

  update(update) {
    this.publish(update);
    if (update.docChanged || update.transactions.some((tr) => tr.annotation(redraw))) {
      this.decorations = this.draw(update.state);
    }
  }

  /* Put this view's selection in the local awareness state while it has focus. */
  publish(update) {
    const local = this.awareness.getLocalState();
    if (local == null || !update.view.hasFocus) return;
    const ytext = this.conf.ytext;
    const sel = update.state.selection.main;
    const cursor = {
      anchor: Y.createRelativePositionFromTypeIndex(ytext, sel.anchor),
      head: Y.createRelativePositionFromTypeIndex(ytext, sel.head),
    };
    const current = local.cursor
      ? { anchor: Y.createRelativePositionFromJSON(local.cursor.anchor), head: Y.createRelativePositionFromJSON(local.cursor.head) }
      : null;
    if (!sameCursor(current, cursor)) this.awareness.setLocalStateField("cursor", cursor);
  }

  draw(state) {
    const ytext = this.conf.ytext;
    const ydoc = ytext.doc;
    const decorations = [];
    const seen = new Set();
    this.awareness.getStates().forEach((client, clientID) => {
      if (clientID === this.awareness.doc.clientID) return;
      const cursor = client && client.cursor;
      if (!cursor || cursor.anchor == null || cursor.head == null) return;
      let anchor;
      let head;
      try {
        anchor = Y.createAbsolutePositionFromRelativePosition(Y.createRelativePositionFromJSON(cursor.anchor), ydoc);
        head = Y.createAbsolutePositionFromRelativePosition(Y.createRelativePositionFromJSON(cursor.head), ydoc);
      } catch (error) {
        return; // a malformed position from another client: draw nothing for it
      }
      if (!anchor || !head || anchor.type !== ytext || head.type !== ytext) return;
      const length = state.doc.length;
      const a = Math.min(anchor.index, length);
      const h = Math.min(head.index, length);
      const user = client.user || {};
      const cls = colorClass(user);
      const name = typeof user.name === "string" ? user.name : "";
      seen.add(clientID);
      const key = JSON.stringify(cursor);
      let move = this.moves.get(clientID);
      if (!move || move.cursor !== key) {
        move = { cursor: key, at: Date.now() };
        this.moves.set(clientID, move);
      }
      const from = Math.min(a, h);
      const to = Math.max(a, h);
      if (from < to) {
        const startLine = state.doc.lineAt(from);
        const endLine = state.doc.lineAt(to);
        const mark = Decoration.mark({ class: `live-selection ${cls}` });
        if (startLine.number === endLine.number) {
          decorations.push(mark.range(from, to));
        } else {
          if (from < startLine.to) decorations.push(mark.range(from, startLine.to));
          for (let n = startLine.number + 1; n < endLine.number; n += 1) {
            decorations.push(Decoration.line({ class: `live-line-selection ${cls}` }).range(state.doc.line(n).from));
          }
          if (endLine.from < to) decorations.push(mark.range(endLine.from, to));
        }
      }
      decorations.push(
        Decoration.widget({ side: h - a > 0 ? -1 : 1, widget: new CaretWidget(cls, name, move.at) }).range(h),
      );
    });
    for (const id of this.moves.keys()) if (!seen.has(id)) this.moves.delete(id);
    return Decoration.set(decorations, true);
  }

  destroy() {
    this.awareness.off("change", this.onChange);
    // Take this view's caret out of the awareness state if it is the one shown.
    const local = this.awareness.getLocalState();
    if (!local || !local.cursor) return;
    try {
      const pos = Y.createAbsolutePositionFromRelativePosition(
        Y.createRelativePositionFromJSON(local.cursor.head),
        this.conf.ytext.doc,
      );
      if (pos && pos.type === this.conf.ytext) this.awareness.setLocalStateField("cursor", null);
    } catch (error) {
      /* the document is gone already */
    }
  }
}

export const remoteCarets = ViewPlugin.fromClass(RemoteCarets, { decorations: (v) => v.decorations });
