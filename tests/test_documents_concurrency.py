"""Numbers under concurrency (PostgreSQL only: on SQLite, IMMEDIATE transactions serialise the
writers before they read the counter, so there is no race to test)."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from django.db import connection, connections, transaction

from zhijian.documents import services
from zhijian.documents.choices import DocumentKind
from zhijian.documents.models import NumberCounter, OfficialDocument

from .conftest import build_world

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks: PostgreSQL only"),
]
THREADS = 8


@pytest.mark.parametrize("counter_exists", [False, True], ids=["first-of-year", "counter-exists"])
def test_parallel_issues_get_numbers_one_to_n(monkeypatch: pytest.MonkeyPatch, counter_exists: bool) -> None:
    monkeypatch.setattr(services, "_schedule_render", lambda doc_id: None)
    world = build_world()
    court, officer = world.courts["city"], world.user("city.officer")
    kind = DocumentKind.SUPERVISION_LETTER
    services.active_template(kind)
    if counter_exists:
        NumberCounter.objects.create(issuing_court=court, kind=kind, year=services._today().year)
    barrier = threading.Barrier(THREADS)
    errors: list[BaseException] = []

    def worker(i: int) -> None:
        try:
            barrier.wait(timeout=30)
            with transaction.atomic():
                services.issue_document(
                    actor=officer, kind=kind, issuing_court=court, recipient_court=world.courts["a"],
                    title=f"并发{i}", context={"paragraphs": [str(i)]}, owner=court,
                )  # fmt: skip
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads: list[Any] = [threading.Thread(target=worker, args=(i,)) for i in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not errors, errors
    seqs = sorted(OfficialDocument.objects.values_list("seq", flat=True))
    assert seqs == list(range(1, THREADS + 1))
    numbers = set(OfficialDocument.objects.values_list("number", flat=True))
    assert len(numbers) == THREADS
    assert NumberCounter.objects.get().last_seq == THREADS
