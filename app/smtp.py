"""`python -m app.smtp`: the SMTP intake on SMTP_HOST:SMTP_PORT until
SIGINT or SIGTERM (the Procfile's `smtp:` process and a `make run` child).

The process lives in the top floor because it builds the whole app; the
channel itself is channels/email."""

from __future__ import annotations

import logging
import signal
import sys
import threading

from app import create_app
from channels.email.server import IntakeServer, intake_addresses

log = logging.getLogger("xietong.smtp")


def main() -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s [smtp] %(message)s")
    logging.getLogger("mail.log").setLevel(logging.WARNING)  # aiosmtpd's line per command
    app = create_app()
    server = IntakeServer(app)
    stopping = threading.Event()

    def request_stop(signum, frame) -> None:
        stopping.set()

    signal.signal(signal.SIGINT, request_stop)
    signal.signal(signal.SIGTERM, request_stop)
    try:
        server.start()
    except OSError as exc:
        log.error("SMTP intake: cannot listen on %s:%s (%s); set SMTP_PORT to a free port "
                  "/ 邮件受理无法监听，请用 SMTP_PORT 换一个可用端口",
                  server.host, server.port, exc)
        return 1
    log.info("SMTP intake listening on %s:%s for %s", server.host, server.port,
             ", ".join(sorted(intake_addresses(app.config))))
    while not stopping.wait(0.5):
        pass
    log.info("stopping the SMTP intake")
    server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
