/* Images pasted or dropped into a markdown editor: sent to the team's upload address
 * (the editor's data-markdownx-upload-urls-path), their markdown put where the cursor
 * is, and a refusal shown beside the field. This runs before markdownx's own handler,
 * which would type "Invalid response" into the text on a refusal, and stops it.
 * The texts come from this script's data attributes (base.html). No inline scripts. */
(function () {
  "use strict";

  const texts = document.currentScript ? document.currentScript.dataset : {};

  const FIELD = "textarea[data-markdownx-upload-urls-path]";

  /* The field's textarea: the one typed in, or the hidden one under a live editor
   * (static/js/live.js puts its editor right after the textarea it stands for). */
  function editorOf(target) {
    if (!target || !target.closest) return null;
    const plain = target.closest(FIELD);
    if (plain) return plain;
    const live = target.closest(".cm-editor");
    const textarea = live && live.previousElementSibling;
    return textarea && textarea.matches(FIELD) ? textarea : null;
  }

  function hasFiles(transfer) {
    return Boolean(transfer && Array.from(transfer.types || []).includes("Files"));
  }

  function csrfToken() {
    try {
      const token = JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRFToken"];
      if (token) return token;
    } catch (e) { /* fall back to the cookie */ }
    const match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : "";
  }

  /* The one status line under an editor (markdownx wraps it with its preview). */
  function statusFor(editor) {
    const box = editor.closest(".markdownx") || editor;
    let line = box.nextElementSibling;
    if (!line || !line.classList.contains("upload-status")) {
      line = document.createElement("p");
      line.className = "upload-status help";
      line.setAttribute("role", "status");
      box.after(line);
    }
    return line;
  }

  function say(editor, text, isError) {
    const line = statusFor(editor);
    line.textContent = text || "";
    line.classList.toggle("field-errors", Boolean(isError));
    line.classList.toggle("help", !isError);
    line.hidden = !text;
  }

  function insert(editor, text) {
    if (editor.hidden) {
      // Under a live editor: it puts the text at its own cursor, for everyone.
      editor.dispatchEvent(new CustomEvent("studylog:insert", { detail: { text } }));
      return;
    }
    const start = editor.selectionStart;
    const before = editor.value.slice(0, start);
    const lead = before && !before.endsWith("\n") ? "\n" : "";
    editor.setRangeText(lead + text + "\n", start, editor.selectionEnd, "end");
    // markdownx refreshes its preview on input; the editor's own scripts see a change.
    editor.dispatchEvent(new Event("input", { bubbles: true }));
  }

  async function send(editor, file) {
    const body = new FormData();
    body.append("image", file, file.name || "image.png");
    let response;
    try {
      response = await fetch(editor.dataset.markdownxUploadUrlsPath, {
        method: "POST",
        body,
        credentials: "same-origin",
        headers: { "X-CSRFToken": csrfToken(), "X-Requested-With": "XMLHttpRequest" },
      });
    } catch (e) {
      return { error: texts.failedText };
    }
    const data = await response.json().catch(() => ({}));
    if (response.ok && data.image_code) return { code: data.image_code };
    return { error: (data.image && data.image.join(" ")) || texts.failedText };
  }

  async function upload(editor, files) {
    editor.setAttribute("aria-busy", "true");
    say(editor, texts.uploadingText, false);
    const errors = [];
    for (const file of files) {
      const result = await send(editor, file);
      if (result.code) insert(editor, result.code);
      else errors.push(result.error);
    }
    editor.removeAttribute("aria-busy");
    say(editor, errors.join(" "), errors.length > 0);
    if (!editor.hidden) editor.focus();
  }

  function take(event, transfer) {
    const editor = editorOf(event.target);
    const files = transfer ? Array.from(transfer.files || []) : [];
    if (!editor || !files.length || editor.readOnly || editor.disabled) return;
    event.preventDefault();
    event.stopPropagation(); // markdownx's handler on the editor does not run
    upload(editor, files);
  }

  document.addEventListener("paste", (event) => take(event, event.clipboardData), true);
  document.addEventListener("drop", (event) => take(event, event.dataTransfer), true);
  // Without this, a file dropped on an editor markdownx has not wired up yet opens it.
  document.addEventListener("dragover", (event) => {
    if (editorOf(event.target) && hasFiles(event.dataTransfer)) {
      event.preventDefault();
      event.dataTransfer.dropEffect = "copy";
    }
  }, true);
})();
