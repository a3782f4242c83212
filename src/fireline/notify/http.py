"""The one way pages are POSTed: 2xx is delivered; network errors, 5xx and 429 are retried; 4xx is not."""

from __future__ import annotations

import httpx

from fireline.notify import DeliveryFailed, Receipt


def post(client: httpx.Client, url: str, body: bytes, headers: dict[str, str]) -> Receipt:
    try:
        response = client.post(url, content=body, headers=headers, timeout=10)
    except httpx.HTTPError as error:
        raise DeliveryFailed(f"cannot reach {url}: {error}", temporary=True) from None
    if response.status_code >= 500 or response.status_code == 429:
        raise DeliveryFailed(f"{url} answered {response.status_code}", temporary=True)
    if response.status_code >= 400:
        raise DeliveryFailed(f"{url} refused the message ({response.status_code})", temporary=False)
    return Receipt(status=f"HTTP {response.status_code}")
