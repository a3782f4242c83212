"""Email pages over SMTP (the standard library's smtplib), with the acknowledge link."""

from __future__ import annotations

import smtplib
from email.message import EmailMessage
from typing import Any

from fireline.notify import DeliveryFailed, Page


class EmailNotifier:
    """Sends one message per page; connection problems and 4xx replies are retried, 5xx are not."""

    def __init__(
        self,
        host: str,
        port: int,
        sender: str,
        *,
        starttls: bool = False,
        username: str = "",
        password: str = "",
    ) -> None:
        self.host, self.port, self.sender = host, port, sender
        self.starttls, self.username, self.password = starttls, username, password

    def send(self, contact: dict[str, Any], page: Page) -> None:
        message = EmailMessage()
        priority = f"{page.priority} " if page.priority else ""
        message["Subject"] = f"[Fireline] {priority}#{page.incident_id} {page.title}"
        message["From"] = self.sender
        message["To"] = contact["address"]
        message["Message-ID"] = f"<{page.idempotency_key.replace(':', '.')}@fireline>"
        message.set_content(
            f"{page.title}\n\nIncident #{page.incident_id}, phase {page.phase}, priority {page.priority or '-'}.\n"
            f"Details: {page.url}\nAcknowledge: {page.ack_url}\n",
            cte="8bit",  # links stay whole, so people and tests can follow them
        )
        try:
            with smtplib.SMTP(self.host, self.port, timeout=10) as smtp:
                if self.starttls:
                    smtp.starttls()
                if self.username:
                    smtp.login(self.username, self.password)
                smtp.send_message(message)
        except smtplib.SMTPResponseException as error:
            raise DeliveryFailed(
                f"the mail server said {error.smtp_code}", temporary=error.smtp_code < 500
            ) from None
        except (OSError, smtplib.SMTPException) as error:
            raise DeliveryFailed(
                f"cannot send mail through {self.host}:{self.port}: {error}", temporary=True
            ) from None
