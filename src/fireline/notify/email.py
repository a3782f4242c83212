"""Email pages over SMTP (the standard library's smtplib), with the acknowledge link."""

from __future__ import annotations

import smtplib
from email.message import EmailMessage
from typing import Any

from fireline.notify import DeliveryFailed, Message


class EmailNotifier:
    """Sends one mail per message; connection problems and 4xx replies are retried, 5xx are not."""

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

    def send(self, contact: dict[str, Any], message: Message) -> None:
        mail = EmailMessage()
        mail["Subject"] = f"[Fireline] {message.headline}"
        mail["From"] = self.sender
        mail["To"] = contact["address"]
        mail["Message-ID"] = f"<{message.idempotency_key.replace(':', '.')}@fireline>"
        mail.set_content(_body(message), cte="8bit")  # links stay whole for people and tests
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


def _body(message: Message) -> str:
    lines = [
        message.title,
        "",
        *([message.text, ""] if message.text else []),
        f"Incident #{message.incident_id}, phase {message.phase}, "
        f"priority {message.priority or '-'}.",
        f"Details: {message.url}",
    ]
    if message.ack_url:
        lines.append(f"Acknowledge: {message.ack_url}")
    return "\n".join(lines) + "\n"
