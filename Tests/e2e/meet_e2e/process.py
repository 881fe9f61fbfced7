"""A child process of a test, its output in a log file: what every server the
e2e tests start (meet-api, meet-ws, meet-sfu, meet-echo, coturn) shares."""
from __future__ import annotations

import signal
import subprocess
from pathlib import Path
from typing import Any, Callable

from .waiting import block_until


class LoggedProcess:
    """Starts `argv` with stdout and stderr in `log_path`; `name` names it in failures."""

    log_tail_chars = 20000

    def __init__(self, argv: list[str], log_path: Path, env: dict | None = None, name: str | None = None):
        self.name = name or Path(argv[0]).name
        self.log_path = log_path
        self._log = open(log_path, "wb")
        self.process = subprocess.Popen(argv, stdout=self._log, stderr=subprocess.STDOUT, env=env)

    def wait_ready(self, ready: Callable[[], Any], timeout: float, what: str,
                   retry_on: tuple[type[BaseException], ...] = (OSError,)) -> None:
        """Waits until `ready()` holds (errors in `retry_on`, a refused connection say, are
        "not yet"); fails at once, with the log, if the process exits meanwhile."""
        def check():
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited with {self.process.returncode}:\n{self.log()}")
            return ready()

        block_until(check, timeout, f"{self.name}: {what}", retry_on=retry_on, details=self.log)

    def log(self) -> str:
        """The end of the output so far."""
        if not self._log.closed:
            self._log.flush()
        return self.log_path.read_text(errors="replace")[-self.log_tail_chars:]

    def end(self, sig: int = signal.SIGTERM, timeout: float = 10.0) -> int:
        """Sends `sig` and waits up to `timeout` seconds, then SIGKILLs; the exit status."""
        if self.process.poll() is None:
            self.process.send_signal(sig)
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        return self.process.returncode

    def kill(self) -> None:
        """SIGKILL: the process dies without any cleanup (a crashed machine)."""
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()

    def close_log(self) -> None:
        if not self._log.closed:
            self._log.close()
