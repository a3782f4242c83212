"""Email pages over SMTP (the standard library's smtplib), with the acknowledge link."""

from __future__ import annotations

import hashlib
import smtplib
from collections.abc import Callable
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime
from typing import Any

from fireline.notify import DeliveryFailed, Message, Receipt, plain_text


class EmailNotifier:
    """Sends one mail per message; connection problems and 4xx replies are retried, 5xx are not.

    ``install`` tells this installation's mail from any other's: with the delivery's
    idempotency key it makes a Message-ID that is the same on every retry of one delivery
    and never the same as another install's (or a reset database's) for the same incident.
    """

    def __init__(
        self,
        host: str,
        port: int,
        sender: str,
        *,
        install: str,
        starttls: bool = False,
        username: str = "",
        password: str = "",
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.host, self.port, self.sender = host, port, sender
        self.starttls, self.username, self.password = starttls, username, password
        self.install, self.clock = install, clock
        self.domain = sender.rpartition("@")[2] or "fireline.invalid"

    def send(self, contact: dict[str, Any], message: Message) -> Receipt:
        mail = EmailMessage()
        mail["Subject"] = f"[Fireline] {message.headline}"
        mail["From"] = self.sender
        mail["To"] = contact["address"]
        mail["Date"] = format_datetime(self.clock())
        mail["Message-ID"] = self._message_id(message, contact)
        mail["Auto-Submitted"] = "auto-generated"  # RFC 3834: no vacation replies to pages
        mail["X-Auto-Response-Suppress"] = "All"  # the same, for Exchange
        mail.set_content(plain_text(message), cte="8bit")  # links stay whole for people and tests
        try:
            with smtplib.SMTP(self.host, self.port, timeout=10) as smtp:
                if self.starttls:
                    smtp.starttls()
                if self.username:
                    smtp.login(self.username, self.password)
                smtp.send_message(mail)
        except smtplib.SMTPResponseException as error:
            raise DeliveryFailed(
                f"the mail server said {error.smtp_code}", temporary=error.smtp_code < 500
            ) from None
        except (OSError, smtplib.SMTPException) as error:
            raise DeliveryFailed(
                f"cannot send mail through {self.host}:{self.port}: {error}", temporary=True
            ) from None
        return Receipt(ref=str(mail["Message-ID"]), status=f"accepted by {self.host}")

    def _message_id(self, message: Message, contact: dict[str, Any]) -> str:
        delivery = f"{self.install}:{message.idempotency_key}:{contact['id']}"
        digest = hashlib.sha256(delivery.encode()).hexdigest()[:32]
        return f"<{digest}.{message.incident_id}@{self.domain}>"
