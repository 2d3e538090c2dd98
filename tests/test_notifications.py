"""Notifications: ``notify`` (idempotent, inactive users skipped, external delivery only after
the commit), the e-mail and SMS backends (off by default), the list page, mark read, the bell."""

from __future__ import annotations

from typing import Any
from unittest import mock

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.test import Client
from django.urls import reverse

from zhijian.notifications import services
from zhijian.notifications.backends import external_backends, mobile_number
from zhijian.notifications.models import Notification

pytestmark = pytest.mark.django_db


def client_for(world: Any, name: str) -> Client:
    client = Client()
    client.force_login(world.user(name))
    return client


def send(world: Any, *names: str, key: str = "k:1", **kwargs: Any) -> int:
    kwargs.setdefault("kind", "test")
    kwargs.setdefault("title", "督办函已发出")
    return services.notify([world.user(n) for n in names], key=key, **kwargs)


# --- notify ----------------------------------------------------------------------------------


def test_notify_is_idempotent_on_recipient_and_key(world: Any) -> None:
    assert send(world, "a.contact", "a.director") == 2
    assert send(world, "a.contact", "a.director") == 0
    assert send(world, "a.contact", "a.handler") == 1  # only the new recipient
    assert Notification.objects.filter(key="k:1").count() == 3
    assert send(world, "a.contact", key="k:2") == 1


def test_notify_skips_inactive_users_and_nobody(world: Any) -> None:
    user = world.user("a.handler")
    user.is_active = False
    user.save(update_fields=["is_active"])
    assert send(world, "a.handler", "a.contact") == 1
    assert not Notification.objects.filter(recipient=user).exists()
    assert services.notify([], kind="test", title="x", key="k:3") == 0


def test_notify_refuses_an_empty_key_or_title(world: Any) -> None:
    with pytest.raises(ValueError):
        send(world, "a.contact", key=" ")
    with pytest.raises(ValueError):
        send(world, "a.contact", title="")


def test_notify_rolls_back_with_the_callers_transaction(world: Any) -> None:
    with pytest.raises(RuntimeError), transaction.atomic():
        send(world, "a.contact")
        raise RuntimeError("the caller's change failed")
    assert not Notification.objects.exists()
    assert send(world, "a.contact") == 1


# --- delivery backends -------------------------------------------------------------------------


def test_external_backends_are_off_by_default(world: Any, django_capture_on_commit_callbacks: Any) -> None:
    assert external_backends() == []
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        send(world, "a.contact")
    assert callbacks == []
    assert mail.outbox == []
    assert Notification.objects.get().deliveries == {}


def test_email_is_sent_after_commit_only(
    world: Any, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    settings.ZHIJIAN_NOTIFICATION_BACKENDS = ["inapp", "email"]
    settings.ZHIJIAN_SITE_URL = "http://zhijian.test"
    contact, handler = world.user("a.contact"), world.user("a.handler")
    contact.email = "contact@court.test"
    contact.save(update_fields=["email"])
    handler.email = ""
    handler.save(update_fields=["email"])

    # rolled back: nothing is sent
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        send(world, "a.contact", url="/deadlines/1/")
        raise RuntimeError
    assert callbacks == [] and mail.outbox == []

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        with transaction.atomic():
            assert send(world, "a.contact", "a.handler", url="/deadlines/1/", body="请于届满日前报告") == 2
        assert mail.outbox == []  # committed, but the callback has not run yet
    assert len(callbacks) == 1
    pending = Notification.objects.get(recipient=contact)
    assert pending.deliveries == {"email": {"status": "pending"}}
    callbacks[0]()
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["contact@court.test"]
    assert "督办函已发出" in message.subject
    assert "http://zhijian.test/deadlines/1/" in message.body
    assert Notification.objects.get(recipient=contact).deliveries["email"]["status"] == "sent"
    skipped = Notification.objects.get(recipient=handler).deliveries["email"]
    assert skipped["status"] == "skipped" and "电子邮箱" in skipped["detail"]
    # delivering again repeats nothing
    services.deliver(Notification.objects.values_list("pk", flat=True))
    assert len(mail.outbox) == 1


def test_sms_posts_to_the_gateway_after_commit(
    world: Any, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    settings.ZHIJIAN_NOTIFICATION_BACKENDS = ["sms"]
    settings.ZHIJIAN_SMS_GATEWAY_URL = "http://sms.gateway.test/send"
    contact, handler, director = world.user("a.contact"), world.user("a.handler"), world.user("a.director")
    for user, phone in ((contact, "+86 138-1234-5678"), (handler, "0439-3210000"), (director, "")):
        user.phone = phone
        user.save(update_fields=["phone"])
    with (
        mock.patch("zhijian.notifications.backends.post_json", return_value=200) as post,
        django_capture_on_commit_callbacks(execute=True),
        transaction.atomic(),
    ):
        send(world, "a.contact", "a.handler", "a.director")
        assert post.call_count == 0  # not inside the transaction
    post.assert_called_once()
    url, payload = post.call_args.args
    assert url == "http://sms.gateway.test/send"
    assert payload["phone"] == "13812345678"
    assert "督办函已发出" in payload["text"]
    assert Notification.objects.get(recipient=contact).deliveries["sms"]["status"] == "sent"
    assert Notification.objects.get(recipient=handler).deliveries["sms"]["status"] == "skipped"  # landline
    assert Notification.objects.get(recipient=director).deliveries["sms"]["status"] == "skipped"


def test_a_failing_gateway_is_recorded_and_retried(
    world: Any, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    settings.ZHIJIAN_NOTIFICATION_BACKENDS = ["sms"]
    settings.ZHIJIAN_SMS_GATEWAY_URL = "http://sms.gateway.test/send"
    contact = world.user("a.contact")
    contact.phone = "13812345678"
    contact.save(update_fields=["phone"])
    failing = mock.patch(
        "zhijian.notifications.backends.post_json", side_effect=OSError("connection refused")
    )
    with failing, django_capture_on_commit_callbacks(execute=True):
        send(world, "a.contact")
    row = Notification.objects.get()
    assert row.deliveries["sms"]["status"] == "failed"
    assert "connection refused" in row.deliveries["sms"]["detail"]
    with mock.patch("zhijian.notifications.backends.post_json", return_value=200) as post:
        services.deliver([row.pk])
    post.assert_called_once()
    row.refresh_from_db()
    assert row.deliveries["sms"]["status"] == "sent"


def test_mobile_numbers() -> None:
    assert mobile_number("13812345678") == "13812345678"
    assert mobile_number("0086 138 1234 5678") == "13812345678"
    assert mobile_number("0439-3210000") == ""
    assert mobile_number("") == ""


# --- pages -------------------------------------------------------------------------------------


def test_the_list_shows_my_notifications_unread_first(world: Any) -> None:
    send(world, "a.contact", key="k:old", title="较早的通知")
    send(world, "a.contact", key="k:new", title="较新的通知", url="/deadlines/")
    send(world, "a.director", key="k:other", title="别人的通知")
    old = Notification.objects.get(key="k:old")
    services.mark_read(Notification.objects.get(key="k:new"), user=world.user("a.contact"))
    client = client_for(world, "a.contact")
    page = client.get(reverse("notifications:list")).content.decode()
    assert "别人的通知" not in page
    assert page.index("较早的通知") < page.index("较新的通知")  # unread first
    assert "1 条未读" in page
    unread = client.get(reverse("notifications:list"), {"show": "unread"}).content.decode()
    assert "较早的通知" in unread and "较新的通知" not in unread
    assert old.read_at is None


def test_mark_read_and_open(world: Any) -> None:
    send(world, "a.contact", key="k:1", url="/deadlines/")
    send(world, "a.contact", key="k:2")
    client = client_for(world, "a.contact")
    first, second = Notification.objects.order_by("key")
    response = client.post(reverse("notifications:mark_read"), {"id": first.pk, "open": "1"})
    assert response.status_code == 302 and response["Location"] == "/deadlines/"
    first.refresh_from_db()
    assert first.read_at is not None
    response = client.post(reverse("notifications:mark_read"), {"id": second.pk, "show": "unread"})
    assert response["Location"] == reverse("notifications:list") + "?show=unread"
    assert not Notification.objects.filter(read_at__isnull=True).exists()
    assert client.get(reverse("notifications:mark_read")).status_code == 405


def test_an_external_link_is_not_followed(world: Any) -> None:
    send(world, "a.contact", url="https://evil.example/")
    client = client_for(world, "a.contact")
    n = Notification.objects.get()
    response = client.post(reverse("notifications:mark_read"), {"id": n.pk, "open": "1"})
    assert response["Location"] == reverse("notifications:list")


def test_another_users_notification_is_a_404(world: Any) -> None:
    send(world, "a.director")
    theirs = Notification.objects.get()
    client = client_for(world, "a.contact")
    assert client.post(reverse("notifications:mark_read"), {"id": theirs.pk}).status_code == 404
    assert client.post(reverse("notifications:mark_read"), {"id": "x"}).status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None
    # even a superuser reaches only their own
    from zhijian.org.models import User

    root = User.objects.create_superuser("root", password="x")
    su = Client()
    su.force_login(root)
    assert su.post(reverse("notifications:mark_read"), {"id": theirs.pk}).status_code == 404
    with pytest.raises(PermissionDenied):
        services.mark_read(theirs, user=world.user("a.contact"))


def test_mark_all_read_only_touches_mine(world: Any) -> None:
    send(world, "a.contact", "a.director", key="k:1")
    send(world, "a.contact", key="k:2")
    client = client_for(world, "a.contact")
    client.post(reverse("notifications:mark_all_read"))
    assert Notification.objects.filter(read_at__isnull=True).get().recipient == world.user("a.director")


def test_the_bell_counts_unread(world: Any, django_assert_max_num_queries: Any) -> None:
    client = client_for(world, "a.contact")
    page = client.get(reverse("core:home")).content.decode()
    assert reverse("notifications:list") in page
    assert 'id="notification-count"' not in page
    send(world, "a.contact", key="k:1")
    send(world, "a.contact", key="k:2")
    send(world, "a.director", key="k:3")
    page = client.get(reverse("core:home")).content.decode()
    assert 'id="notification-count">2<' in page
    assert "2 条未读" in page
    from zhijian.notifications.context_processors import Bell

    bell = Bell(world.user("a.contact"))
    with django_assert_max_num_queries(1):
        assert (bell.count, bell.count, bell.label) == (2, 2, "2")


def test_the_list_needs_a_login(client: Any) -> None:
    response = client.get(reverse("notifications:list"))
    assert response.status_code == 302 and reverse("accounts:login") in response["Location"]
