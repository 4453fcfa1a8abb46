// Copy buttons beside links shown in full (templates/peer/_copy_link.html): the
// Clipboard API where the page may use it, else the link's text is selected for the
// person to copy. Either way the status beside the button says what happened, and a
// screen reader announces it (role="status").
(function () {
  "use strict";

  function selectText(element) {
    var range = document.createRange();
    range.selectNodeContents(element);
    var selection = window.getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
  }

  function legacyCopy(element) {
    selectText(element);
    try {
      return document.execCommand("copy");
    } catch (error) {
      return false;
    }
  }

  function say(status, text) {
    // Emptied first, so the same words said twice are announced twice.
    status.textContent = "";
    window.setTimeout(function () {
      status.textContent = text;
    }, 50);
  }

  function copy(button) {
    var target = document.getElementById(button.dataset.copyTarget);
    var status = button.parentNode.querySelector(".copy-link-status");
    if (!target || !status) return;
    var text = target.textContent.trim();
    var done = function () {
      button.classList.add("is-copied");
      say(status, button.dataset.copiedText);
    };
    var fallback = function () {
      if (legacyCopy(target)) {
        done();
      } else {
        selectText(target);
        say(status, button.dataset.selectedText);
      }
    };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(done, fallback);
    } else {
      fallback();
    }
  }

  function init() {
    document.querySelectorAll("button[data-copy-target]").forEach(function (button) {
      button.hidden = false;
      button.addEventListener("click", function () {
        copy(button);
      });
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
