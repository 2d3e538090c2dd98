from __future__ import annotations

from rest_framework import serializers

from zhijian.org.models import Court, User


class CourtSerializer(serializers.ModelSerializer[Court]):
    level = serializers.CharField(source="level.code", read_only=True)
    level_name = serializers.CharField(source="level.name", read_only=True)
    contact: serializers.PrimaryKeyRelatedField[User] = serializers.PrimaryKeyRelatedField(read_only=True)
    deputy_contact: serializers.PrimaryKeyRelatedField[User] = serializers.PrimaryKeyRelatedField(
        read_only=True
    )

    class Meta:
        model = Court
        fields = [
            "id",
            "code",
            "name",
            "short_name",
            "level",
            "level_name",
            "division_code",
            "parent",
            "supervisor",
            "contact",
            "deputy_contact",
            "is_active",
        ]


class UserSerializer(serializers.ModelSerializer[User]):
    roles = serializers.SerializerMethodField()
    court_name = serializers.CharField(source="court.name", read_only=True, default="")

    class Meta:
        model = User
        fields = ["id", "username", "full_name", "court", "court_name", "title", "roles", "is_active"]

    def get_roles(self, obj: User) -> list[str]:
        return sorted(obj.role_codes)
