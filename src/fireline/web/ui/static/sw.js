// Fireline's service worker (served as /sw.js, scope: the whole site): it shows the pages pushed
// to this device and acts on their buttons. Acknowledge POSTs the notification's signed
// acknowledge path with no session (it works from the lock screen); Open opens the incident.
// Named functions at the top level so the browser tests can call the same code the events run.
"use strict";

function showPage(data) {
  return self.registration.showNotification(data.title || "Fireline", {
    body: data.body || "",
    tag: data.tag || undefined, // a retried page replaces, silently, what an earlier attempt showed
    renotify: false,
    requireInteraction: data.kind === "page",
    icon: "/static/icon-192.png",
    badge: "/static/icon-192.png",
    data: { url: data.url || "/", ack_url: data.ack_url || "", incident: data.incident || 0 },
    actions: (data.actions || []).slice(0, 2),
  });
}

function tell(title, body, tag) {
  return self.registration.showNotification(title, { body: body, tag: tag, icon: "/static/icon-192.png" });
}

function acknowledge(notification) {
  var data = notification.data || {};
  var tag = "fireline-ack-" + data.incident;
  return fetch(data.ack_url, {
    method: "POST",
    credentials: "omit",
    headers: { Accept: "application/json" },
  }).then(function (response) {
    return response.json().then(function (answer) {
      if (response.ok) {
        return tell("Acknowledged", "Incident #" + answer.incident + " is acknowledged; paging stopped.", tag);
      }
      return tell("Not acknowledged", answer.detail || "Fireline refused it.", tag);
    });
  }).catch(function () {
    return tell("Not acknowledged", "Fireline could not be reached: open the incident to acknowledge it.", tag);
  });
}

function openPage(url) {
  return self.clients.matchAll({ type: "window", includeUncontrolled: true }).then(function (windows) {
    for (var i = 0; i < windows.length; i += 1) {
      if (windows[i].url === url && "focus" in windows[i]) { return windows[i].focus(); }
    }
    return self.clients.openWindow(url);
  });
}

function onNotificationClick(notification, action) {
  var data = notification.data || {};
  notification.close();
  if (action === "ack" && data.ack_url) { return acknowledge(notification); }
  return openPage(data.url || "/");
}

function readPush(event) {
  if (!event.data) { return { title: "Fireline", body: "" }; }
  try { return event.data.json(); } catch (error) { return { title: "Fireline", body: event.data.text() }; }
}

self.addEventListener("install", function () { self.skipWaiting(); });
self.addEventListener("activate", function (event) { event.waitUntil(self.clients.claim()); });
self.addEventListener("push", function (event) { event.waitUntil(showPage(readPush(event))); });
self.addEventListener("notificationclick", function (event) {
  event.waitUntil(onNotificationClick(event.notification, event.action));
});
