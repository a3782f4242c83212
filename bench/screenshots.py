"""The README's screenshot, and every page on a desktop and a phone for a look at 3 a.m.

    .venv/bin/python bench/screenshots.py [--out docs/img/incident.png] [--pages DIR]
        [--push docs/img/push-devices.png] [--notification docs/img/push-notification.png]
        [--slack docs/img/slack-page.png]

Serves a fresh SQLite database with the example organisation and one
realistic incident (opened by an Alertmanager alert, then worked by alice and
bob through the same services as the API), and drives Debian's Chromium
(``/usr/bin/chromium``) with Playwright: it writes the incident page to
``--out``, and with ``--pages`` every main page, 1280 and 375 pixels wide, to
that directory; with ``--push``, bob's push devices on his account page. Never downloads a
browser.

With ``--notification`` and ``--slack`` (bench/paged_shots.py), bob is paged on another fresh
database and the page Fireline sent is shown: as a notification by a headed Chromium on an Xvfb
display it starts and stops itself (Debian packages xvfb and imagemagick), and as a Slack card
drawn by slack-blocks-to-jsx, installed from npm into a temporary directory on each run (Debian
packages nodejs, npm and fonts-noto-color-emoji). Neither needs dbus or a notification daemon.
"""

from __future__ import annotations

import argparse
import base64
import os
import sys
import tempfile
from datetime import timedelta
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from playwright.sync_api import sync_playwright

from fireline.bootstrap import Fireline, build
from fireline.config import Settings
from fireline.services.admin import auth
from fireline.services.admin.configuration import apply_config
from fireline.services.alerting import silences
from fireline.services.incidents import commands as incidents
from fireline.services.paging import push_devices

sys.path.insert(0, str(Path(__file__).parent))
import paged_shots  # noqa: E402
from shots_app import ARGS, PASSWORD, checkout_alert, log_in, serve, stop  # noqa: E402

ROOT = Path(__file__).parent.parent
PAGES = ("/", "/incidents/1", "/alerts", "/alerts/1", "/silences", "/oncall", "/services")


def example(core: Fireline) -> None:
    """The example organisation and an incident opened by an alert, as on a bad night."""
    apply_config(uow=core.uow(), text=(ROOT / "examples/fireline.yaml").read_text(), source="x")
    for user in ("alice", "bob"):
        auth.set_password(uow=core.uow(), user_id=user, password=PASSWORD)
    checkout_alert(core)
    work(core, incident_id=1)
    silences.create_silence(
        uow=core.uow(),
        actor="bob",
        kind="maintenance",
        matchers=[],
        service="ledger",
        starts_at=None,
        ends_at=core.clock() + timedelta(hours=2),
        comment="Ledger database upgrade",
    )


def work(core: Fireline, incident_id: int) -> None:
    def uow() -> Any:
        return core.uow()

    i = incident_id
    incidents.acknowledge(uow=uow(), actor="bob", incident_id=i)
    incidents.transition(uow=uow(), actor="bob", incident_id=i, phase="reporting")
    incidents.transition(uow=uow(), actor="bob", incident_id=i, phase="assessment")
    incidents.update(
        uow=uow(), actor="bob", incident_id=i, changes={"urgency": "high", "severity": "SEV1"}
    )
    incidents.assign_role(uow=uow(), actor="bob", incident_id=i, role="commander", user="alice")
    incidents.add_note(
        uow=uow(), actor="bob", incident_id=i, text="502s started with release 42 at 02:51."
    )
    incidents.transition(uow=uow(), actor="alice", incident_id=i, phase="response")
    incidents.add_task(
        uow=uow(), actor="alice", incident_id=i, title="Roll back release 42", owner="bob"
    )
    incidents.post_status_update(
        uow=uow(),
        actor="alice",
        incident_id=i,
        message="Some card payments in Europe fail. We are rolling back a release.",
        visibility="public",
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs/img/incident.png")
    parser.add_argument("--pages", type=Path, help="also save every page here")
    parser.add_argument("--push", type=Path, help="also save bob's push devices here")
    parser.add_argument(
        "--notification", type=Path, help="also save a page as Chromium's notification here"
    )
    parser.add_argument(
        "--slack", type=Path, help="also save a page's Slack card (slack-blocks-to-jsx) here"
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as directory:
        core = build(Settings(database_url=f"sqlite:///{directory}/shots.db"))
        example(core)
        url, server, thread = serve(core)
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
            page = browser.new_page(viewport={"width": 1280, "height": 860})
            log_in(page, url, "alice")
            page.goto(f"{url}/incidents/1")
            args.out.parent.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(args.out))
            if args.pages:
                shoot_pages(browser, url, args.pages)
            if args.push:
                shoot_push_devices(browser, core, url, args.push)
            if args.notification or args.slack:
                paged_shots.shoot(
                    playwright, browser, notification=args.notification, slack=args.slack
                )
            browser.close()
        stop(server, thread)
        core.close()
    print(f"wrote {args.out}")


def shoot_pages(browser: Any, url: str, directory: Path) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    for name, width in (("desktop", 1280), ("phone", 375)):
        page = browser.new_page(viewport={"width": width, "height": 900})
        log_in(page, url, "bob")
        for path in PAGES:
            page.goto(f"{url}{path}")
            slug = path.strip("/").replace("/", "-") or "board"
            page.screenshot(path=str(directory / f"{name}-{slug}.png"))
        page.close()


DEVICES = {  # where real browsers' subscriptions point
    "Chrome on Android": "https://fcm.googleapis.com/fcm/send/",
    "Safari on iOS": "https://web.push.apple.com/",
    "Firefox on Linux": "https://updates.push.services.mozilla.com/wpush/v2/",
}


def shoot_push_devices(browser: Any, core: Fireline, url: str, out: Path) -> None:
    """Bob's account page after he turned on push on three devices."""
    bob = auth.Principal("bob", "responder")
    for name, service in DEVICES.items():
        point = ec.generate_private_key(ec.SECP256R1()).public_key()
        raw = point.public_bytes(Encoding.X962, PublicFormat.UncompressedPoint)
        keys = {"p256dh": _b64url(raw), "auth": _b64url(os.urandom(16))}
        device = {"endpoint": service + _b64url(os.urandom(24)), "keys": keys, "name": name}
        push_devices.subscribe(
            uow=core.uow(), who=bob, device=push_devices.DeviceCreate.model_validate(device)
        )
    page = browser.new_page(viewport={"width": 1100, "height": 900})
    log_in(page, url, "bob")
    page.goto(f"{url}/account")
    section = page.locator("#push-devices")
    section.scroll_into_view_if_needed()
    out.parent.mkdir(parents=True, exist_ok=True)
    section.screenshot(path=str(out))
    page.close()


def _b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


if __name__ == "__main__":
    main()
