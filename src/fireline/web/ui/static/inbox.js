// Fireline's inbox in an open tab: keep the unread count in the menu, and show a desktop
// notification for each new message (once the person allowed it with the button on My work).
// No inline script: this file is loaded by base.html for signed-in pages only.
(function () {
  "use strict";
  var EVERY_MS = 10000;
  var SEEN = "fireline-inbox-seen";
  var seen = null; // the newest message id already known; null until the first poll
  var stored = window.sessionStorage.getItem(SEEN);
  if (stored !== null) { seen = Number(stored) || 0; }

  function notifications() { return "Notification" in window; }

  function offerButton() {
    var button = document.getElementById("inbox-notify");
    if (!button) { return; }
    button.hidden = !notifications() || window.Notification.permission !== "default";
    button.onclick = function () {
      window.Notification.requestPermission().then(offerButton);
    };
  }

  function showCount(unread) {
    var badge = document.getElementById("inbox-unread");
    if (!badge) { return; }
    badge.textContent = unread ? String(unread) : "";
    badge.hidden = !unread;
  }

  function notify(message) {
    if (!notifications() || window.Notification.permission !== "granted") { return; }
    var shown = new window.Notification(message.title, {
      body: message.text || (message.kind === "page" ? "You are paged: acknowledge it in Fireline." : ""),
      tag: "fireline-inbox-" + message.id, // several tabs show one notification
    });
    shown.onclick = function () { window.focus(); window.location.href = message.url; };
  }

  function poll() {
    fetch("/inbox/poll?after=" + (seen || 0), {
      credentials: "same-origin",
      headers: { Accept: "application/json" },
    }).then(function (response) {
      var type = response.headers.get("content-type") || "";
      if (!response.ok || type.indexOf("application/json") !== 0) { return null; } // logged out
      return response.json();
    }).then(function (inbox) {
      if (!inbox) { return; }
      showCount(inbox.unread);
      var newest = inbox.items.reduce(function (m, item) { return Math.max(m, item.id); }, seen || 0);
      if (seen !== null) { inbox.items.slice().reverse().forEach(notify); }
      seen = newest;
      window.sessionStorage.setItem(SEEN, String(seen));
    }).catch(function () { /* the server restarts: try again at the next tick */ });
  }

  offerButton();
  document.body.addEventListener("htmx:afterSwap", offerButton); // the board refreshes My work
  poll();
  window.setInterval(poll, EVERY_MS);
})();
