"""Limits on what one ingest request may carry, and the error they raise."""

from __future__ import annotations

MAX_BODY_BYTES = 512 * 1024
MAX_ALERTS_PER_REQUEST = 1000
MAX_LABELS = 64
MAX_LABEL_NAME = 256
MAX_LABEL_VALUE = 4096


class PayloadInvalid(ValueError):
    """The body is not what the format requires; ``errors`` says each way it is not."""

    def __init__(self, errors: list[str]) -> None:
        super().__init__("; ".join(errors))
        self.errors = errors


def check_labels(labels: dict[str, str], where: str) -> None:
    """Refuse oversized label sets: they cost memory and index space for nothing."""
    if len(labels) > MAX_LABELS:
        raise PayloadInvalid([f"{where}: {len(labels)} labels; at most {MAX_LABELS}"])
    for name, value in labels.items():
        if len(name) > MAX_LABEL_NAME or len(value) > MAX_LABEL_VALUE:
            raise PayloadInvalid(
                [
                    f"{where}.{name[:40]}: label names may have {MAX_LABEL_NAME} characters, values {MAX_LABEL_VALUE}"
                ]
            )
