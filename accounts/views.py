"""Sign-up, log-in, password change, the profile page and deleting the account.

Thin views: the writes are django.contrib.auth's or accounts.services'. Every password check
goes through authenticate(request, ...), where django-axes throttles it (accounts.throttle);
the log-in page is Django's own LoginView, so nothing here decides on the session's old user.
"""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from accounts import services
from accounts.forms import DeleteAccountForm, EmailForm, SignUpForm, ThrottledPasswordChangeForm
from accounts.throttle import attempts_left, password_reset_limited, signup_limited, too_many_attempts

# Below this many attempts left, a failed log-in says how many remain before the pause.
WARN_BELOW = 3


class WarningLoginView(auth_views.LoginView):
    """Django's log-in page that warns before the lock-out: after a wrong password it says how many
    tries are left (once only a few are) and links to the password reset and to sign-up."""

    def form_invalid(self, form):
        username = self.request.POST.get(settings.AXES_USERNAME_FORM_FIELD, "")
        left = attempts_left(self.request, username) if username else None
        context = self.get_context_data(form=form, attempts_left=left, warn=left is not None and left <= WARN_BELOW)
        context["lockout_minutes"] = max(1, round(settings.LOGIN_FAILURE_WINDOW_S / 60))
        return self.render_to_response(context)


class ThrottledPasswordChangeView(auth_views.PasswordChangeView):
    form_class = ThrottledPasswordChangeForm

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "request": self.request}


@require_http_methods(["GET", "POST"])
def signup(request):
    if request.user.is_authenticated:
        return redirect("home")
    form = SignUpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        # Only sign-ups that would succeed count; the one over the limit is refused.
        if signup_limited(request):
            return too_many_attempts(request, settings.SIGNUP_WINDOW_S)
        user = form.save()
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        return redirect("home")
    return render(request, "registration/signup.html", {"form": form})


class ThrottledPasswordResetView(auth_views.PasswordResetView):
    """Django's password reset, at most PASSWORD_RESET_MAX_PER_IP requests an hour per address."""

    def post(self, request, *args, **kwargs):
        if password_reset_limited(request):
            return too_many_attempts(request, 3600)
        return super().post(request, *args, **kwargs)


@login_required
@require_http_methods(["GET", "POST"])
def profile(request):
    """The account page; its one form sets (or clears) the e-mail address a password reset uses."""
    form = EmailForm(request.POST or None, instance=request.user)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(
            request, "Your e-mail address is saved." if form.instance.email else "Your e-mail address is removed."
        )
        return redirect("profile")
    return render(request, "accounts/profile.html", {"email_form": form})


@login_required
@require_http_methods(["GET", "POST"])
def delete_account(request):
    """The account's end, after the password is typed again.

    The form is also on the history's "Delete your data" page (moods:delete), which posts
    here; a wrong password comes back on this page of its own.
    """
    if request.method == "GET":
        return render(request, "accounts/delete_account.html", {"form": DeleteAccountForm(user=request.user)})
    form = DeleteAccountForm(request.POST, user=request.user, request=request)
    if not form.is_valid():
        return render(request, "accounts/delete_account.html", {"form": form}, status=400)
    user = request.user
    logout(request)
    services.delete_account(user=user)
    messages.success(request, "Your account and everything EmoTunes held about you have been deleted.")
    return redirect("home")
