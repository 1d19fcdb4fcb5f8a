"""Who may have what visitors may not: the one rule every private file and
staff-only view checks.

Drafts' and withdrawn publications' PDFs, pictures of their first pages,
previews and staff-only notes on public pages go only to a staff session
that passed the second factor (django-otp's `is_verified()`). A password
alone is not enough, wherever the address lives (StaffSecondFactorMiddleware
guards only the admin's addresses).
"""

from django.http import HttpRequest


def may_see_private(request: HttpRequest) -> bool:
    """Whether this request comes from active staff whose session passed both login steps."""
    user = getattr(request, "user", None)
    if user is None or not (user.is_authenticated and user.is_active and user.is_staff):
        return False
    is_verified = getattr(user, "is_verified", None)  # set by django-otp's OTPMiddleware
    return bool(is_verified and is_verified())


def may_have(request: HttpRequest, *, is_public: bool) -> bool:
    """Whether this request may have a file or page that is public or not."""
    return is_public or may_see_private(request)
