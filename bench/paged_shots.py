"""Bob paged for real, and what reaches him: the notification Chromium shows for Fireline's push,
and the Slack card as an independent Block Kit renderer draws it (bench/screenshots.py
``--notification`` and ``--slack``).

A fresh Fireline (its own SQLite file) with the example organisation, where bob's notification
rules page his ``push`` devices and his Slack direct messages first. Alertmanager opens incident
#1; alice pages bob now (*reassign*); Fireline's own worker sends the page through its push
notifier (pywebpush, VAPID-signed and encrypted) to a local Web Push service, which decrypts it
(tests/e2e/push_service.py), and through the Slack app (slack_sdk) to a local Slack Web API
double (tests/e2e/slack_double.py). Nothing of the page is written here.

``--notification``: a headed Chromium on its own Xvfb display; bob logs in, his account page
registers the service worker ``/sw.js``, and "Notify this device" asks Chromium to subscribe,
which it cannot do here (in Playwright's off-the-record contexts it refuses at once; with a
profile of its own it waits for Google's push service, out of reach), so the page then sends
the local push service's subscription through the request its script makes with the
browser's. The decrypted payload is handed to the worker's push event through DevTools
(``ServiceWorker.deliverPushMessage``, as tests/browser/test_ui_push.py does): the worker calls
``showNotification`` and Chromium shows it. Chromium's own notification popup is used
(``--disable-features=NativeNotifications,SystemNotifications``): through D-Bus a desktop's
notification daemon decides how actions look, and dunst, for one, hides them in a menu. The X
display is grabbed with ImageMagick's ``import``. Debian packages: chromium, xvfb, imagemagick.

``--slack``: the blocks Fireline posted with chat.postMessage, rendered by slack-blocks-to-jsx
(an MIT-licensed React renderer of Block Kit, npm) on Node.js, installed from the npm registry
into a temporary directory on each run, and shown in headless Chromium. It is not Slack: no
Slack workspace is reachable from here. Debian packages: nodejs, npm, fonts-noto-color-emoji
(Slack's emoji).
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from fireline.bootstrap import Fireline, build
from fireline.config import Settings
from fireline.services.admin import auth
from fireline.services.paging import escalation

ROOT = Path(__file__).parent.parent
sys.path.insert(0, str(ROOT))
from shots_app import ARGS, PASSWORD, checkout_alert, free_port, log_in, serve, stop  # noqa: E402
from tests.browser.push_support import deliver_push  # noqa: E402
from tests.e2e.paging_support import receiving, work  # noqa: E402
from tests.e2e.push_service import PushService  # noqa: E402
from tests.e2e.slack_double import SlackDouble  # noqa: E402

TOKEN = "xoxb-screenshots"
BOB_IN_SLACK = "U0123BOB"
RULES = """      - {id: bob-hook, type: webhook, url: "http://127.0.0.1:9199/hooks/bob"}
    notification_rules:
      - {contact: bob-hook, after: "0s"}
      - {contact: bob-mail, after: "2m"}
"""
RULES_WITH_PHONE = f"""      - {{id: bob-hook, type: webhook, url: "http://127.0.0.1:9199/hooks/bob"}}
      - {{id: bob-phone, type: push}}
      - {{id: bob-slack, type: slack, channel: {BOB_IN_SLACK}}}
    notification_rules:
      - {{contact: bob-phone, after: "0s"}}
      - {{contact: bob-slack, after: "0s"}}
      - {{contact: bob-hook, after: "2m"}}
      - {{contact: bob-mail, after: "5m"}}
"""
SCREEN = (1280, 800)
POPUP = "--disable-features=NativeNotifications,SystemNotifications"  # Chromium's own popup
CROP = "1280x435+0+365"  # the bottom of the screen: bob's push devices and the popup
RENDERER = "slack-blocks-to-jsx@1.1.1"
REACT = ("react@18.3.1", "react-dom@18.3.1")


@dataclass
class Night:
    """A served Fireline where incident #1 is open, and where bob's pages go."""

    core: Fireline
    url: str
    push: PushService
    slack: SlackDouble
    paged_at: datetime | None = None

    def page_bob(self) -> datetime:
        """alice pages bob now; Fireline's worker sends it (once, however often asked)."""
        if self.paged_at is None:
            escalation.reassign(uow=self.core.uow(), actor="alice", incident_id=1, user="bob")
            self.paged_at = self.core.clock()
            work(self.core)
        return self.paged_at

    def pushed(self) -> dict[str, Any]:
        """What bob's device decrypted: the latest page."""
        pages = [p for p in self.push.payloads() if p["kind"] == "page"]
        if not pages:
            raise SystemExit(f"no page reached bob's device: {self.push.refused}")
        return pages[-1]

    def posted(self) -> dict[str, Any]:
        """What Fireline's Slack app asked chat.postMessage to post to bob: the latest page."""
        posts = [
            args
            for args in self.slack.state.called("chat.postMessage")
            if args.get("channel") == BOB_IN_SLACK
        ]
        if not posts:
            raise SystemExit("no page reached bob in Slack")
        return posts[-1]


@contextmanager
def night() -> Iterator[Night]:
    """Fireline served with the example organisation, bob's push and Slack contacts first."""
    config = (ROOT / "examples/fireline.yaml").read_text()
    assert RULES in config, "examples/fireline.yaml changed: update paged_shots.RULES"
    push = PushService()
    slack = SlackDouble(TOKEN, {BOB_IN_SLACK: "bob@example.com"})
    port = free_port()
    with tempfile.TemporaryDirectory() as directory:
        settings = Settings(
            database_url=f"sqlite:///{directory}/night.db",
            base_url=f"http://127.0.0.1:{port}",
            vapid_subject="mailto:oncall@example.com",
            slack_bot_token=TOKEN,
            slack_api_url=slack.url,
        )
        core = build(settings)
        with receiving(core, config.replace(RULES, RULES_WITH_PHONE)):
            auth.set_password(uow=core.uow(), user_id="bob", password=PASSWORD)
            checkout_alert(core)
            url, server, thread = serve(core, port)
            try:
                yield Night(core, url, push, slack)
            finally:
                stop(server, thread)
                push.close()
                slack.close()
        core.close()


def shoot(playwright: Any, browser: Any, *, notification: Path | None, slack: Path | None) -> None:
    """Page bob, then save what he got: the notification, the Slack card."""
    with night() as paged:
        if notification:
            shoot_notification(playwright, paged, notification)
        if slack:
            shoot_slack(browser, paged, slack)


def need(program: str, package: str, flag: str) -> None:
    if shutil.which(program) is None:
        raise SystemExit(f"{flag} needs {program}: apt-get install {package}")


@contextmanager
def x_display() -> Iterator[str]:
    """A fresh Xvfb screen (its own display number, chosen by Xvfb), stopped afterwards."""
    need("Xvfb", "xvfb", "--notification")
    read, write = os.pipe()
    size = f"{SCREEN[0]}x{SCREEN[1]}x24"
    xvfb = subprocess.Popen(
        ["Xvfb", "-displayfd", str(write), "-screen", "0", size, "-nolisten", "tcp"],
        pass_fds=(write,),
        stderr=subprocess.DEVNULL,
    )
    os.close(write)
    with os.fdopen(read) as pipe:
        number = pipe.readline().strip()
    try:
        if not number:
            raise SystemExit(f"Xvfb did not start (exit code {xvfb.poll()})")
        yield f":{number}"
    finally:
        xvfb.terminate()
        xvfb.wait(timeout=10)


def shoot_notification(playwright: Any, paged: Night, out: Path) -> None:
    """The page as Chromium shows it on a Linux desktop, over bob's account page."""
    need("import", "imagemagick", "--notification")
    with x_display() as display:
        browser = playwright.chromium.launch(
            executable_path="/usr/bin/chromium",
            headless=False,
            args=[*ARGS, POPUP, "--window-position=0,0", "--window-size={},{}".format(*SCREEN)],
            env={**os.environ, "DISPLAY": display},
        )
        try:
            context = browser.new_context(no_viewport=True)
            context.grant_permissions(["notifications"], origin=paged.url)
            page = context.new_page()
            log_in(page, paged.url, "bob")
            page.goto(f"{paged.url}/account")
            turn_on_this_device(page, paged)
            paged.page_bob()
            deliver_push(context, page, paged.url, json.dumps(paged.pushed()))
            wait_for_notification(context, page)
            page.wait_for_timeout(1500)  # the popup slides in
            out.parent.mkdir(parents=True, exist_ok=True)
            grab = ["import", "-display", display, "-window", "root", "-crop", CROP, "+repage"]
            subprocess.run([*grab, str(out)], check=True)
        finally:
            browser.close()


TURN_ON = """body => fetch("/account/push-devices", {
  method: "POST",
  credentials: "same-origin",
  headers: {"Content-Type": "application/json", Accept: "application/json",
            "X-CSRF-Token": JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRF-Token"]},
  body: JSON.stringify(body),
}).then(response => response.status)"""


def turn_on_this_device(page: Any, paged: Night) -> None:
    """Press "Notify this device" (Chromium cannot subscribe here: its push service refuses, or
    is out of reach and the page gives up after 20 s), then send the local push service's
    subscription as the page's script sends the browser's."""
    page.get_by_role("button", name="Notify this device").click()
    state = page.locator("#push-state")
    deadline = time.monotonic() + 60
    while "push is not turned on" not in state.inner_text() and time.monotonic() < deadline:
        page.wait_for_timeout(200)
    key = page.get_attribute("#push-this-device", "data-key")
    device = {**paged.push.subscribe(key), "name": "Chrome on Linux"}
    status = page.evaluate(TURN_ON, device)
    if status != 201:
        raise SystemExit(f"the account page could not turn push on: HTTP {status}")
    page.reload()
    page.locator("#push-devices").evaluate("section => section.scrollIntoView({block: 'end'})")


SHOWN = "() => self.registration.getNotifications().then(shown => shown.length)"


def wait_for_notification(context: Any, page: Any) -> None:
    deadline = time.monotonic() + 20
    while not context.service_workers and time.monotonic() < deadline:
        page.wait_for_timeout(100)
    worker = context.service_workers[0]
    while not worker.evaluate(SHOWN) and time.monotonic() < deadline:
        page.wait_for_timeout(100)
    if not worker.evaluate(SHOWN):
        raise SystemExit("the service worker showed no notification")


RENDER = """import { readFileSync } from "node:fs";
import React from "react";
import { renderToStaticMarkup } from "react-dom/server";
import { Message } from "slack-blocks-to-jsx";

const props = JSON.parse(readFileSync(process.argv[2], "utf8"));
const message = React.createElement(Message, { ...props, time: new Date(props.time) });
process.stdout.write(renderToStaticMarkup(message));
"""
PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8"><style>{css}</style>
<style>body {{ margin: 0; background: #fff; }} #shot {{ width: 640px; padding: 12px 20px; }}</style>
</head><body><div id="shot">{message}</div></body></html>"""


def shoot_slack(browser: Any, paged: Night, out: Path) -> None:
    """The blocks Fireline posted to bob, drawn by slack-blocks-to-jsx (not by Slack)."""
    for program, package in (("node", "nodejs"), ("npm", "npm"), ("fc-list", "fontconfig")):
        need(program, package, "--slack")
    if not subprocess.run(["fc-list", ":charset=1f6a8"], capture_output=True, text=True).stdout:
        raise SystemExit("--slack needs an emoji font: apt-get install fonts-noto-color-emoji")
    at = paged.page_bob()
    props = {
        "blocks": paged.posted()["blocks"],
        "name": "Fireline",
        "logo": _data_url(ROOT / "src/fireline/web/ui/static/icon-192.png"),
        "time": at.isoformat(),
        "theme": "light",
    }
    with tempfile.TemporaryDirectory() as directory:
        message, css = render(Path(directory), props)
    page = browser.new_page(viewport={"width": 680, "height": 300})
    page.set_content(PAGE.format(css=css, message=message))
    out.parent.mkdir(parents=True, exist_ok=True)
    page.locator("#shot").screenshot(path=str(out))
    page.close()


def render(directory: Path, props: dict[str, Any]) -> tuple[str, str]:
    """The message's HTML and the renderer's CSS, from a fresh npm install in ``directory``."""
    (directory / "package.json").write_text('{"private": true}\n')
    install = ["npm", "install", "--no-audit", "--no-fund", "--loglevel=error", RENDERER, *REACT]
    subprocess.run(install, cwd=directory, check=True)
    (directory / "render.mjs").write_text(RENDER)
    (directory / "props.json").write_text(json.dumps(props))
    env = {**os.environ, "TZ": "America/New_York"}  # bob's time zone, as his Slack shows it
    drawn = subprocess.run(
        ["node", "render.mjs", "props.json"],
        cwd=directory,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    css = (directory / "node_modules/slack-blocks-to-jsx/dist/style.css").read_text()
    return drawn.stdout, css


def _data_url(image: Path) -> str:
    return "data:image/png;base64," + base64.b64encode(image.read_bytes()).decode()
