"""A real SMTP server (aiosmtpd) for the tests and benchmarks of the newsletter.

It runs in a thread of the test process, on a free local port; whatever
process sends to it (the test itself, a worker started by the test) speaks
real SMTP. It keeps what it received, and refuses the addresses it is told to.
"""

import email
import email.policy
import socket
import threading
from dataclasses import dataclass, field

from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class Mailbox:
    """What the server received: (recipient, raw message) in order of arrival."""

    received: list[tuple[str, bytes]] = field(default_factory=list)
    refuse: dict[str, str] = field(default_factory=dict)  # address -> SMTP reply ("550 …", "450 …")
    keep: bool = True  # False: count only (benchmarks)
    count: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse:
            return self.refuse[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            for recipient in envelope.rcpt_tos:
                self.count += 1
                if self.keep:
                    self.received.append((recipient, envelope.content))
        return "250 Message accepted for delivery"

    def messages(self) -> list[tuple[str, email.message.EmailMessage]]:
        with self.lock:
            received = list(self.received)
        return [(to, email.message_from_bytes(raw, policy=email.policy.default)) for to, raw in received]


class MailServer:
    def __init__(self, port: int | None = None, keep: bool = True) -> None:
        self.port = port or free_port()
        self.mailbox = Mailbox(keep=keep)
        self.controller = Controller(self.mailbox, hostname="127.0.0.1", port=self.port)

    def start(self) -> "MailServer":
        self.controller.start()
        return self

    def stop(self) -> None:
        self.controller.stop()

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"
