"""Everything else through Apprise (https://github.com/caronc/apprise): Telegram, Discord,
Matrix, ntfy, Gotify, Pushover, Signal, Zulip and a hundred more, each named by an Apprise URL
(``tgram://BOT_TOKEN/CHAT_ID``).

One-way: the message carries the acknowledge link. An Apprise URL holds the channel's tokens
where a host would be, so it never reaches a log or a delivery's reason: Apprise's own log lines
are captured (not passed to Fireline's log) and the URL's parts are cut out of the reason.
"""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import urlsplit

from fireline.notify import DeliveryFailed, Message, Receipt, plain_text

HIDDEN = "(the apprise URL)"


class AppriseNotifier:
    """Sends through the Apprise service the contact's ``url`` names; its failures are retried."""

    def send(self, contact: dict[str, Any], message: Message) -> Receipt:
        import apprise  # loading its hundred plugins takes a second: only when one is used

        # Its lines can carry the URL's tokens: kept from Fireline's log (set at each send, since
        # a logging set-up that runs later may have reset it).
        logging.getLogger(apprise.LOGGER_NAME).propagate = False
        url, scheme = contact["url"], urlsplit(contact["url"]).scheme
        channel = apprise.Apprise()
        if not channel.add(url):
            raise DeliveryFailed(
                f"Apprise does not know the {scheme}:// URL of this contact", temporary=False
            )
        with apprise.LogCapture(level=logging.WARNING) as captured:  # type: ignore[no-untyped-call]
            sent = channel.notify(body=plain_text(message), title=message.headline)
        if not sent:
            said = _without_url(captured.getvalue(), url).strip().splitlines()
            reason = said[-1] if said else "no reason given"
            raise DeliveryFailed(f"{scheme}:// did not take it: {reason}", temporary=True)
        return Receipt(status=f"accepted by {scheme}://")


def _without_url(text: str, url: str) -> str:
    """``text`` with the URL and each of its parts (host, user, tokens in the path) cut out."""
    parts = urlsplit(url)
    pieces = [url, parts.netloc, *parts.netloc.split("@"), *parts.path.split("/")]
    pieces += [parts.hostname or "", parts.username or "", parts.password or ""]
    for piece in sorted({p for p in pieces if len(p) >= 4}, key=len, reverse=True):
        text = text.replace(piece, HIDDEN)
    return text
