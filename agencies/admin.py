from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _

from .forms import AdminLoginForm
from .models import Agency, ApiToken, Membership, User

# The admin's sign-in says "paused, try again in N minutes" during a cool-off, like the site's.
admin.site.login_form = AdminLoginForm


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin[ApiToken]):
    # Tokens are made by signing in to the API; here an administrator sees and revokes them.
    list_display = ("user", "name", "prefix", "created_at", "last_used_at")
    search_fields = ("user__username", "name", "prefix")
    readonly_fields = ("user", "name", "prefix", "created_at", "last_used_at")
    exclude = ("digest",)

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


class MembershipInline(admin.TabularInline[Membership, User]):
    model = Membership
    extra = 0
    autocomplete_fields = ["agency"]


@admin.register(User)
class UserAdmin(DjangoUserAdmin[User]):
    fieldsets = (
        *(DjangoUserAdmin.fieldsets or ()),
        (_("Preferences"), {"fields": ("language",)}),
    )
    list_display = ("username", "email", "first_name", "last_name", "language", "is_active")
    list_filter = ("is_active", "is_staff", "language", "memberships__role", "memberships__agency")
    inlines = [MembershipInline]


@admin.register(Agency)
class AgencyAdmin(admin.ModelAdmin[Agency]):
    list_display = ("acronym", "name_en", "name_fr", "level", "kind")
    list_filter = ("level", "kind")
    search_fields = ("acronym", "name_en", "name_fr")


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin[Membership]):
    list_display = ("user", "agency", "role", "created_at")
    list_filter = ("role", "agency")
    search_fields = ("user__username", "user__email", "agency__acronym")
    autocomplete_fields = ["user", "agency"]
