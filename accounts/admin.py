"""Admin of users and API tokens."""

from __future__ import annotations

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from accounts.forms import UserChangeForm, UserCreationForm
from accounts.models import ApiToken, User
from accounts.services import user_create


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    form = UserChangeForm
    add_form = UserCreationForm
    ordering = ["email"]
    list_display = ["email", "full_name", "is_staff", "is_superuser", "is_active", "date_joined"]
    search_fields = ["email", "full_name"]
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        ("Profile", {"fields": ("full_name",)}),
        ("Permissions", {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")}),
        ("Dates", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (None, {"classes": ("wide",), "fields": ("email", "full_name", "password1", "password2")}),
    )

    def save_model(self, request, obj: User, form, change: bool) -> None:
        if change:
            super().save_model(request, obj, form, change)
            return
        # New users are created by the service, like everywhere else; the admin then
        # logs the addition and redirects with the form's instance, so it takes the id.
        created = user_create(
            email=obj.email, password=form.cleaned_data["password1"], full_name=obj.full_name
        )
        obj.pk = created.pk


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ["name", "user", "prefix", "created", "last_used", "is_active"]
    list_filter = ["is_active"]
    search_fields = ["name", "user__email", "prefix"]
    readonly_fields = ["prefix", "created", "last_used"]
    fields = ["user", "name", "prefix", "is_active", "created", "last_used"]

    def has_add_permission(self, request):
        # Tokens are created by their owner (shown once), never typed in by staff.
        return False
