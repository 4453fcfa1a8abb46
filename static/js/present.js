/* The presenter's view (templates/peer/present.html): one part of the day at a time,
 * a timer per part, keys to move; the moderator's moves carry everyone who follows.
 * Followers hear the moves over the live socket (sessions/live/present.py) where the
 * page has one (data-live-url), and ask every second while it is not open. */
(function () {
  "use strict";
  const root = document.querySelector("[data-present]");
  if (!root) return;
  const slides = Array.from(root.querySelectorAll("[data-slide]"));
  const counter = root.querySelector("[data-counter]");
  const title = root.querySelector("[data-part-title]");
  const timer = root.querySelector("[data-timer]");
  const followButton = root.querySelector("[data-follow]");
  const canLead = root.dataset.canLead === "1";
  const POLL_MS = 1000;
  let index = 0;
  let startedAt = Date.now();
  let following = true; // the moderator's own page follows only until they move
  let offset = 0; // the server's clock minus this browser's
  let lastMoved = null;

  function show(n, since) {
    n = Math.max(0, Math.min(slides.length - 1, n));
    if (n !== index) {
      slides[index].hidden = true;
      slides[n].hidden = false;
      index = n;
      slides[n].scrollTop = 0;
    }
    startedAt = since === undefined ? Date.now() : since;
    counter.textContent = `${n + 1} / ${slides.length}`;
    title.textContent = slides[n].dataset.title;
    tick();
  }

  function clock(ms) {
    const seconds = Math.round(Math.abs(ms) / 1000);
    return `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, "0")}`;
  }

  function tick() {
    const minutes = Number(slides[index].dataset.minutes || 0);
    const up = minutes > 0 && Date.now() - startedAt >= minutes * 60000;
    if (!minutes) {
      timer.textContent = "";
    } else if (up) {
      timer.textContent = `${root.dataset.upText} +${clock(Date.now() - startedAt - minutes * 60000)}`;
    } else {
      timer.textContent = `${clock(minutes * 60000 - (Date.now() - startedAt))} ${root.dataset.leftText}`;
    }
    timer.classList.toggle("is-up", up);
    root.classList.toggle("is-over", up);
  }

  function setFollowing(on) {
    following = on;
    if (on) lastMoved = null; // where the moderator is now, even if they have not moved since
    if (!followButton) return;
    followButton.textContent = on ? root.dataset.followingText : root.dataset.followText;
    followButton.classList.toggle("is-on", on);
    followButton.setAttribute("aria-pressed", on ? "true" : "false");
    if (on) poll(true); // where the moderator is now, socket or not
  }

  function go(n) {
    if (canLead) {
      following = false; // from now on this page leads
      show(n);
      lead(index);
    } else {
      setFollowing(false);
      show(n);
    }
  }

  // One move on its way at a time, then the newest: moves sent at once could arrive out
  // of order and leave everyone on an earlier part.
  let sending = false;
  let next = null;
  async function lead(n) {
    next = n;
    if (sending) return;
    sending = true;
    while (next !== null) {
      const index = next;
      next = null;
      try {
        await fetch(root.dataset.positionUrl, {
          method: "POST",
          credentials: "same-origin",
          headers: { "X-CSRFToken": root.dataset.csrf, "Content-Type": "application/x-www-form-urlencoded" },
          body: `index=${index}`,
        });
      } catch (error) {
        /* offline for a moment: the next move sends again */
      }
    }
    sending = false;
  }

  function follow(position) {
    offset = position.now - Date.now();
    // Newer moves only: a poll answered late must not take everyone back a part.
    const newer = lastMoved === null || position.moved_at > lastMoved;
    if (position.index !== null && position.moved_at !== null && newer && following) {
      lastMoved = position.moved_at;
      show(position.index, position.moved_at - offset);
    }
  }

  // While the socket is open it carries the moves, and a poll now and then covers a
  // socket that died without closing (a laptop that slept).
  const LISTENING_POLL_MS = 15000;
  let polledAt = 0;
  async function poll(now) {
    if (!following) return;
    if (listening && !now && Date.now() - polledAt < LISTENING_POLL_MS) return;
    polledAt = Date.now();
    try {
      const response = await fetch(root.dataset.positionUrl, { credentials: "same-origin" });
      if (response.ok) follow(await response.json());
    } catch (error) {
      /* offline for a moment: the next poll tries again */
    }
  }

  // The live socket: while it is open, the moves come to this page and polling rests.
  // Closed or refused, it is opened again after a wait that doubles up to a minute.
  let listening = false;
  let wait = 2000;
  function listen() {
    if (!root.dataset.liveUrl || !window.WebSocket) return;
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    const socket = new WebSocket(`${scheme}://${location.host}${root.dataset.liveUrl}`);
    socket.addEventListener("open", () => {
      listening = true;
      wait = 2000;
    });
    socket.addEventListener("message", (event) => {
      try {
        follow(JSON.parse(event.data));
      } catch (error) {
        /* not a position: ignored */
      }
    });
    socket.addEventListener("close", () => {
      listening = false;
      setTimeout(listen, wait); // polling carries on meanwhile
      wait = Math.min(wait * 2, 60000);
    });
  }

  document.addEventListener("keydown", (event) => {
    if (event.altKey || event.ctrlKey || event.metaKey) return;
    if (["ArrowRight", "PageDown", " "].includes(event.key)) {
      event.preventDefault();
      go(index + 1);
    } else if (["ArrowLeft", "PageUp"].includes(event.key)) {
      event.preventDefault();
      go(index - 1);
    } else if (event.key === "f" || event.key === "F") {
      fullscreen();
    }
  });
  root.querySelector("[data-next]").addEventListener("click", () => go(index + 1));
  root.querySelector("[data-prev]").addEventListener("click", () => go(index - 1));
  if (followButton) followButton.addEventListener("click", () => setFollowing(!following));

  function fullscreen() {
    if (document.fullscreenElement) document.exitFullscreen();
    else if (document.documentElement.requestFullscreen) document.documentElement.requestFullscreen().catch(() => {});
  }
  root.querySelector("[data-fullscreen]").addEventListener("click", fullscreen);

  setFollowing(true);
  listen();
  setInterval(poll, POLL_MS);
  setInterval(tick, 500);
  tick();
})();
