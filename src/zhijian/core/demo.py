"""The demo-loader hook: apps register loaders in their ``demo.py``; ``zhijian demo`` runs them
in order. Each loader must be idempotent and write through the services (so the audit chain of
the demo database is real)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class DemoLoader:
    order: int
    name: str
    fn: Callable[[], Any]


_loaders: list[DemoLoader] = []


def demo_loader(order: int, name: str) -> Callable[[Callable[[], Any]], Callable[[], Any]]:
    def decorator(fn: Callable[[], Any]) -> Callable[[], Any]:
        if all(existing.name != name for existing in _loaders):
            _loaders.append(DemoLoader(order, name, fn))
        return fn

    return decorator


def loaders() -> list[DemoLoader]:
    from django.utils.module_loading import autodiscover_modules

    autodiscover_modules("demo")
    return sorted(_loaders, key=lambda loader: loader.order)
