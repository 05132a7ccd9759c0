"""Email backends for fault tests, selected in a child process by DJANGO_EMAIL_BACKEND."""

import os
import signal
from pathlib import Path

from django.core.mail.backends.smtp import EmailBackend


class KillAfterSendsBackend(EmailBackend):
    """Sends through SMTP, then SIGKILLs its own process once KILL_AFTER_SENDS messages
    have been accepted: a worker dying after the server said 250 but before the
    digest was marked sent."""

    def send_messages(self, messages):
        sent = super().send_messages(messages)
        counter = Path(os.environ["KILL_COUNTER_FILE"])
        total = int(counter.read_text() or 0) + sent if counter.exists() else sent
        counter.write_text(str(total))
        if total >= int(os.environ["KILL_AFTER_SENDS"]):
            os.kill(os.getpid(), signal.SIGKILL)
        return sent
