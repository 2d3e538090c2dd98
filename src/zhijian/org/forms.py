from __future__ import annotations

from typing import Any

from django import forms

from .models import Court, User


def user_label(user: User) -> str:
    return f"{user.display_name}（{user.username}）"


class DesignateContactForm(forms.Form):
    contact = forms.ModelChoiceField(queryset=User.objects.none(), label="联络专人", required=False)
    deputy = forms.ModelChoiceField(queryset=User.objects.none(), label="联络专人（副）", required=False)
    reason = forms.CharField(label="说明", required=False, max_length=200)

    def __init__(self, court: Court, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        users = User.objects.filter(court=court, is_active=True).order_by("username")
        for name in ("contact", "deputy"):
            field = self.fields[name]
            assert isinstance(field, forms.ModelChoiceField)
            field.queryset = users
            field.label_from_instance = user_label  # type: ignore[method-assign,assignment]
