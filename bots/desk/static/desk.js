// Live updates without reloading: every few seconds the page asks the desk for its changing
// part (the queue, or the case's lines) as server-rendered HTML and puts it in place.
// A case whose status changed is drawn anew, unless the operator is typing a reply.
"use strict";

(function () {
  const live = document.getElementById("live");
  if (!live) {
    return;
  }
  const every = Number(live.dataset.every) || 5000;

  function typing() {
    const draft = document.querySelector("textarea");
    return draft !== null && draft.value.trim() !== "";
  }

  function stateChanged(state) {
    if (!live.dataset.state || !state || state === live.dataset.state) {
      return false;
    }
    if (typing()) {
      document.querySelector(".stale").hidden = false;
    } else {
      window.location.reload();
    }
    return true;
  }

  // True while the page should go on polling.
  async function update() {
    const response = await fetch(live.dataset.live, {
      credentials: "same-origin",
      headers: { "Accept": "text/html" },
    });
    if (response.redirected) {
      window.location.assign(response.url); // the session ended: the login page
      return false;
    }
    if (!response.ok) {
      return true;
    }
    if (stateChanged(response.headers.get("X-Desk-State"))) {
      return false;
    }
    const version = response.headers.get("X-Desk-Version");
    if (version && version !== live.dataset.version) {
      live.innerHTML = await response.text();
      live.dataset.version = version;
    }
    return true;
  }

  async function refresh() {
    let again = true;
    try {
      again = await update();
    } catch (error) {
      // The desk or the network is away for a moment: the next round tries again.
    }
    if (again) {
      window.setTimeout(refresh, every);
    }
  }

  window.setTimeout(refresh, every);
})();
