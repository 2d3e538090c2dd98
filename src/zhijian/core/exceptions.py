"""Errors raised by service functions; views turn them into Chinese messages."""

from __future__ import annotations


class ServiceError(Exception):
    """A request the rules refuse (bad state, invalid value). The message is shown to the user."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class Conflict(ServiceError):
    """Someone else changed the object first (compare-and-swap lost)."""

    def __init__(self, message: str = "已由他人处理，请刷新后查看最新状态。") -> None:
        super().__init__(message)
