"""The base URL pages and integration URLs are built on.

``FIRELINE_BASE_URL`` wins when it is set. Otherwise `fireline serve` derives one from the
address it actually listens on (:func:`derive`) and keeps it in the database
(:func:`remember`), so a separate `fireline worker` process builds the same links.
Before any server has run, links use :data:`DEFAULT`.
"""

from __future__ import annotations

import ipaddress

from fireline.storage.uow import UnitOfWork

DEFAULT = "http://127.0.0.1:8080"
SETTING = "base_url"
# A server listening on every address is reached from its own machine through the loopback.
_LOOPBACK = {"0.0.0.0": "127.0.0.1", "::": "::1", "": "127.0.0.1"}


def derive(host: str, port: int, *, tls: bool) -> str:
    """The URL a browser on this machine uses to reach a server bound to ``host:port``."""
    host = _LOOPBACK.get(host, host)
    try:
        shown = f"[{host}]" if ipaddress.ip_address(host).version == 6 else host
    except ValueError:  # a name, like localhost or fireline.internal
        shown = host
    scheme = "https" if tls else "http"
    default_port = 443 if tls else 80
    return f"{scheme}://{shown}" + ("" if port == default_port else f":{port}")


def remember(uow: UnitOfWork, url: str) -> None:
    """Keep the URL serve derived, for the workers that run without a port of their own."""
    with uow:
        uow.settings.put(SETTING, {"value": url})
        uow.commit()


def current(uow: UnitOfWork, configured: str) -> str:
    """``configured`` (FIRELINE_BASE_URL) if set, else what serve derived last, else DEFAULT."""
    if configured:
        return configured.rstrip("/")
    with uow.read():
        stored = uow.settings.get(SETTING)
    return str(stored["value"]) if stored else DEFAULT
