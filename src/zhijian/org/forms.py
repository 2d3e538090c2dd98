from __future__ import annotations

from typing import Any

from django import forms

from .models import Court, User


class DesignateContactForm(forms.Form):
    contact = forms.ModelChoiceField(queryset=User.objects.none(), label="联络专人", required=False)
    deputy = forms.ModelChoiceField(queryset=User.objects.none(), label="联络专人（副）", required=False)
    reason = forms.CharField(label="说明", required=False, max_length=200)

    def __init__(self, court: Court, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        users = User.objects.filter(court=court, is_active=True).order_by("username")
        self.fields["contact"].queryset = users
        self.fields["deputy"].queryset = users
        self.fields["contact"].label_from_instance = lambda u: f"{u.display_name}（{u.username}）"
        self.fields["deputy"].label_from_instance = lambda u: f"{u.display_name}（{u.username}）"
