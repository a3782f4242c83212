// Fireline as an installable web app: register the service worker (/sw.js) on every signed-in
// page, and on the account page turn "Notify this device" on and off (a Web Push subscription
// to Fireline's VAPID key, sent to the server with the page's CSRF token). No inline script.
(function () {
  "use strict";
  if (!("serviceWorker" in navigator)) { return; }
  var registered = navigator.serviceWorker.register("/sw.js", { scope: "/" });
  var box = document.getElementById("push-this-device");
  if (!box) { return; }
  var on = document.getElementById("push-on");
  var off = document.getElementById("push-off");
  var state = document.getElementById("push-state");
  var working = false;  // turning this device on or off is under way: one attempt at a time
  var NOT_ON = "push is not turned on for this device. Try again, or use another contact method.";

  function say(text) { state.textContent = text; }

  // A failure already put in words for the person; any other error is shown after "Not done: ".
  function Told(sentence) { this.message = sentence; }

  if (!("PushManager" in window) || !("Notification" in window)) {
    say("This browser cannot receive push notifications here. On an iPhone or iPad, add Fireline to the Home Screen first (Share, then Add to Home Screen) and open it from there.");
    return;
  }

  function csrf() {
    var headers = JSON.parse(document.body.getAttribute("hx-headers") || "{}");
    return headers["X-CSRF-Token"] || "";
  }

  function post(path, body) {
    return fetch(path, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRF-Token": csrf() },
      body: JSON.stringify(body),
    });
  }

  function keyBytes(base64url) {
    var base64 = base64url.replace(/-/g, "+").replace(/_/g, "/");
    var raw = window.atob(base64 + "===".slice((base64.length + 3) % 4));
    return Uint8Array.from(raw, function (c) { return c.charCodeAt(0); });
  }

  function deviceName() {
    var agent = navigator.userAgent;
    var browser = /Edg\//.test(agent) ? "Edge" : /Firefox\//.test(agent) ? "Firefox"
      : /Chrom(e|ium)\//.test(agent) ? "Chrome" : /Safari\//.test(agent) ? "Safari" : "A browser";
    var system = /Android/.test(agent) ? "Android" : /iPhone|iPad/.test(agent) ? "iOS"
      : /Mac OS X/.test(agent) ? "macOS" : /Windows/.test(agent) ? "Windows"
      : /Linux/.test(agent) ? "Linux" : "";
    return system ? browser + " on " + system : browser;
  }

  function show(subscription) {
    on.hidden = Boolean(subscription);
    off.hidden = !subscription;
  }

  function subscribeSeconds() {
    var seconds = Number(box.dataset.subscribeSeconds);
    return seconds > 0 ? seconds : 20;
  }

  // subscribe() asks the browser's push service, which may be out of reach and then never
  // answer (Chromium without Google's push service): give up after data-subscribe-seconds.
  function subscribe(registration) {
    var seconds = subscribeSeconds();
    var pending = registration.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: keyBytes(box.dataset.key) });
    var timer;
    var givenUp = new Promise(function (resolve, reject) {
      timer = window.setTimeout(function () {
        pending.then(dropLate).catch(function () { return null; });  // nothing to drop
        reject(new Told("Your browser's push service did not answer in " + seconds + " s; " + NOT_ON));
      }, seconds * 1000);
    });
    return Promise.race([pending, givenUp]).then(function (subscription) {
      window.clearTimeout(timer);
      return subscription;
    }, function (error) {
      window.clearTimeout(timer);
      if (error instanceof Told) { throw error; }
      throw new Told("Your browser's push service refused (" + error.message + "); " + NOT_ON);
    });
  }

  // A subscription that comes after the page said "not turned on" is dropped, so that the
  // browser agrees with Fireline; unless a new attempt is under way, which will send it.
  function dropLate(subscription) {
    if (subscription && !working) { return subscription.unsubscribe(); }
    return null;
  }

  function refused(response) {
    return response.json().then(function (problem) { throw new Error(problem.detail || response.statusText); });
  }

  function turnOn() {
    return window.Notification.requestPermission().then(function (permission) {
      if (permission !== "granted") { throw new Error("notifications are blocked for this site in the browser's settings"); }
      return registered;
    }).then(subscribe).then(function (subscription) {
      var body = subscription.toJSON();
      body.name = deviceName();
      return post("/account/push-devices", body);
    }).then(function (response) {
      if (!response.ok) { return refused(response); }
      window.location.reload();
    });
  }

  function turnOff() {
    return registered.then(function (registration) {
      return registration.pushManager.getSubscription();
    }).then(function (subscription) {
      if (!subscription) { return null; }
      return post("/account/push-devices/off", { endpoint: subscription.endpoint }).then(function () {
        return subscription.unsubscribe();
      });
    }).then(function () { window.location.reload(); });
  }

  function busy(yes, text) {
    working = yes;
    on.disabled = yes;
    off.disabled = yes;
    say(text);
  }

  function failed(error) { busy(false, error instanceof Told ? error.message : "Not done: " + error.message); }

  box.hidden = false;
  on.onclick = function () { busy(true, "Turning on…"); turnOn().catch(failed); };
  off.onclick = function () { busy(true, "Turning off…"); turnOff().catch(failed); };
  registered.then(function (registration) { return registration.pushManager.getSubscription(); })
    .then(show)
    .catch(function () { show(null); });
})();
