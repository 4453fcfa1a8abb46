/* One live field: a CodeMirror 6 editor bound to a Y.Text, standing in for a
 * markdown <textarea> that stays in its form (hidden) and keeps the editor's text,
 * so the form still saves it and the scripts that listen to the textarea (markdownx's
 * preview, counter.js) still see every change. */
import * as Y from "yjs";
import { Compartment, EditorState, Prec } from "@codemirror/state";
import { EditorView, keymap, placeholder } from "@codemirror/view";
import { defaultKeymap } from "@codemirror/commands";
// markdown() would also bring the HTML, CSS and JavaScript parsers for embedded code
// (about 170 kB): the markdown language and its list keys alone are enough here.
import { markdownKeymap, markdownLanguage } from "@codemirror/lang-markdown";
import { LanguageSupport, syntaxHighlighting } from "@codemirror/language";
import { classHighlighter } from "@lezer/highlight";
import { yCollab, yRemoteSelections, yRemoteSelectionsTheme, ySyncAnnotation, yUndoManagerKeymap } from "y-codemirror.next";
import { remoteCarets } from "./carets.js";

function accessibleName(textarea) {
  const own = textarea.getAttribute("aria-label");
  if (own) return own;
  const label = textarea.id && document.querySelector(`label[for="${CSS.escape(textarea.id)}"]`);
  if (label) return label.textContent.replace(/\s+/g, " ").trim();
  return textarea.getAttribute("title") || textarea.name || "";
}

function readOnlyExtensions(readOnly) {
  return [
    EditorState.readOnly.of(readOnly),
    EditorView.editable.of(!readOnly),
    EditorView.contentAttributes.of(readOnly ? { "aria-readonly": "true" } : {}),
    EditorView.editorAttributes.of(readOnly ? { class: "is-readonly" } : {}),
  ];
}

/* The change from `before` to `after` as one replacement (common prefix and suffix kept). */
function difference(before, after) {
  let start = 0;
  const shorter = Math.min(before.length, after.length);
  while (start < shorter && before.charCodeAt(start) === after.charCodeAt(start)) start += 1;
  let endB = before.length;
  let endA = after.length;
  while (endB > start && endA > start && before.charCodeAt(endB - 1) === after.charCodeAt(endA - 1)) {
    endB -= 1;
    endA -= 1;
  }
  return { from: start, to: endB, insert: after.slice(start, endA) };
}

export class LiveField {
  /**
   * @param {HTMLTextAreaElement} textarea
   * @param {Y.Text} ytext  already initialised by the server
   * @param {object} awareness  the room's awareness
   * @param {{readOnly: boolean, onFocus: function(): void, onLocalEdit: function(): void}} opts
   */
  constructor(textarea, ytext, awareness, { readOnly, onFocus, onLocalEdit }) {
    this.textarea = textarea;
    this.ytext = ytext;
    this.undoManager = new Y.UndoManager(ytext);
    this.readOnly = new Compartment();
    const typed = textarea.value; // what the user may have typed before the field went live
    const hadFocus = document.activeElement === textarea;
    const { selectionStart, selectionEnd } = textarea;
    const attributes = { "aria-label": accessibleName(textarea) };
    for (const name of ["aria-describedby", "aria-invalid"]) {
      if (textarea.hasAttribute(name)) attributes[name] = textarea.getAttribute(name);
    }
    const collab = yCollab(ytext, awareness, { undoManager: this.undoManager }).filter(
      (extension) => extension !== yRemoteSelections && extension !== yRemoteSelectionsTheme,
    );
    const extensions = [
      // Only "\n" breaks a line, so editor offsets are Y.Text offsets even if a text holds "\r".
      EditorState.lineSeparator.of("\n"),
      collab,
      remoteCarets,
      Prec.high(keymap.of(markdownKeymap)),
      keymap.of([...yUndoManagerKeymap, ...defaultKeymap]),
      new LanguageSupport(markdownLanguage),
      syntaxHighlighting(classHighlighter),
      EditorView.lineWrapping,
      EditorView.contentAttributes.of(attributes),
      EditorView.editorAttributes.of({ class: "live-editor" }),
      textarea.placeholder ? placeholder(textarea.placeholder) : [],
      this.readOnly.of(readOnlyExtensions(readOnly)),
      EditorView.updateListener.of((update) => {
        if (!update.docChanged) return;
        textarea.value = update.state.doc.toString();
        textarea.dispatchEvent(new Event("input", { bubbles: true }));
        if (!update.transactions.some((tr) => tr.annotation(ySyncAnnotation))) onLocalEdit();
      }),
      EditorView.domEventHandlers({ focus: () => onFocus() }),
    ];
    const text = ytext.toString();
    this.view = new EditorView({ state: EditorState.create({ doc: text, extensions }) });
    textarea.after(this.view.dom);
    textarea.hidden = true;
    // A hidden control can't show the browser's "required" bubble: the server checks it.
    this.wasRequired = textarea.required;
    textarea.required = false;
    this.label = textarea.id ? document.querySelector(`label[for="${CSS.escape(textarea.id)}"]`) : null;
    this.onLabelClick = (event) => {
      event.preventDefault();
      this.view.focus();
    };
    if (this.label) this.label.addEventListener("click", this.onLabelClick);
    // static/js/images.js hands over an uploaded image's markdown: put it at the cursor.
    this.onInsert = (event) => {
      const text = event.detail && event.detail.text;
      if (typeof text !== "string" || this.view.state.readOnly) return;
      const { from, to } = this.view.state.selection.main;
      const lead = from > 0 && this.view.state.doc.sliceString(from - 1, from) !== "\n" ? "\n" : "";
      const insert = lead + text + "\n";
      this.view.dispatch({ changes: { from, to, insert }, selection: { anchor: from + insert.length } });
      this.view.focus();
    };
    textarea.addEventListener("studylog:insert", this.onInsert);

    if (typed !== text && typed !== textarea.defaultValue) {
      // Typed before the field went live, and the live text is still the form's
      // text (the caller checked): make that typing a live edit of the user's own.
      const change = difference(text, typed);
      this.view.dispatch({ changes: change, selection: { anchor: change.from + change.insert.length } });
    } else if (typed !== text) {
      textarea.value = text;
      textarea.dispatchEvent(new Event("input", { bubbles: true }));
    }
    if (hadFocus) {
      // The user was in the textarea: carry on in the editor, at the same place.
      const length = this.view.state.doc.length;
      this.view.dispatch({ selection: { anchor: Math.min(selectionStart, length), head: Math.min(selectionEnd, length) } });
      this.view.focus();
    }
    this.placeCounter();
  }

  setReadOnly(readOnly) {
    this.view.dispatch({ effects: this.readOnly.reconfigure(readOnlyExtensions(readOnly)) });
  }

  /* counter.js puts its counter right after the textarea: keep it under the editor. */
  placeCounter() {
    const between = [];
    for (let node = this.textarea.nextElementSibling; node && node !== this.view.dom; node = node.nextElementSibling) {
      if (!node.matches(".char-count, .char-over")) return;
      between.push(node);
    }
    if (between.length) this.view.dom.after(...between);
  }

  /* The element after which a message about this field goes. */
  get anchor() {
    return this.view.dom;
  }

  /* Back to the plain textarea, holding the editor's current text. */
  destroy() {
    const text = this.view.state.doc.toString();
    if (this.label) this.label.removeEventListener("click", this.onLabelClick);
    this.textarea.removeEventListener("studylog:insert", this.onInsert);
    this.view.destroy();
    this.undoManager.destroy();
    this.textarea.value = text;
    this.textarea.required = this.wasRequired;
    this.textarea.hidden = false;
  }
}
