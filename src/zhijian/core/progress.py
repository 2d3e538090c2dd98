"""A dependency-free progress line for long commands, drawn on a terminal only.

``TerminalProgress.for_stream(sys.stderr)`` returns None unless the stream is a TTY, so a
command's output stays clean when it is piped, logged or run with ``--json``. The object is a
``progress(phase, done, total)`` callback (the importer's contract): ``total`` None draws a
counter, otherwise a bar with the percentage.
"""

from __future__ import annotations

import time
from typing import TextIO

PHASE_LABELS = {"validate": "校验", "merge": "写入"}
SPINNER = "|/-\\"


class TerminalProgress:
    def __init__(self, stream: TextIO, *, width: int = 30, interval: float = 0.1) -> None:
        self.stream = stream
        self.width = width
        self.interval = interval
        self._phase = ""
        self._last = 0.0
        self._turn = 0
        self._drawn = False

    @classmethod
    def for_stream(cls, stream: TextIO, *, enabled: bool = True) -> TerminalProgress | None:
        isatty = getattr(stream, "isatty", None)
        return cls(stream) if enabled and isatty is not None and isatty() else None

    def __call__(self, phase: str, done: int, total: int | None) -> None:
        now = time.monotonic()
        finished = total is not None and done >= total
        if phase == self._phase and not finished and now - self._last < self.interval:
            return
        if self._drawn and phase != self._phase:
            self.stream.write("\n")  # keep the finished phase's last line on screen
        self._phase, self._last = phase, now
        self.stream.write("\r" + self.line(phase, done, total) + "\x1b[K")
        self.stream.flush()
        self._drawn = True

    def line(self, phase: str, done: int, total: int | None) -> str:
        label = PHASE_LABELS.get(phase, phase)
        if not total:
            self._turn = (self._turn + 1) % len(SPINNER)
            return f"{label} {SPINNER[self._turn]} 已处理 {done:,} 行"
        share = min(1.0, done / total)
        filled = round(self.width * share)
        return f"{label} [{'#' * filled}{'.' * (self.width - filled)}] {share:4.0%} {done:,}/{total:,} 行"

    def close(self) -> None:
        if self._drawn:
            self.stream.write("\n")
            self.stream.flush()
            self._drawn = False
