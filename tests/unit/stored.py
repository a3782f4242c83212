"""An event as the database gives it back: kind, time, actor and its data through JSON."""

from __future__ import annotations

import json

from fireline.domain.events import Event, parse_event


def stored_form(event: Event) -> Event:
    return parse_event(event.kind, event.at, event.actor, json.loads(json.dumps(event.data)))
