"""Sign-up, log-in with a throttle, the profile page and deleting the account.

Thin views: the writes are django.contrib.auth's or accounts.services'.
"""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from accounts import services
from accounts.forms import DeleteAccountForm, SignUpForm
from accounts.throttle import AttemptThrottle, client_ip


def login_throttle() -> AttemptThrottle:
    return AttemptThrottle("login", settings.LOGIN_MAX_FAILURES, settings.LOGIN_FAILURE_WINDOW_S)


def signup_throttle() -> AttemptThrottle:
    return AttemptThrottle("signup", settings.SIGNUP_MAX_PER_IP, settings.SIGNUP_WINDOW_S)


def too_many_attempts(request, window_s: int):
    minutes = max(1, round(window_s / 60))
    return render(request, "registration/too_many_attempts.html", {"minutes": minutes}, status=429)


class ThrottledLoginView(auth_views.LoginView):
    """Login that refuses further tries after repeated failures, per address and per username."""

    def post(self, request, *args, **kwargs):
        throttle = login_throttle()
        username = (request.POST.get("username") or "").strip().lower()
        keys = [f"ip:{client_ip(request)}", f"user:{username}"]
        if throttle.is_blocked(*keys):
            return too_many_attempts(request, throttle.window_s)
        response = super().post(request, *args, **kwargs)
        if request.user.is_authenticated:
            throttle.reset(f"user:{username}")
        else:
            throttle.record(*keys)
        return response


@require_http_methods(["GET", "POST"])
def signup(request):
    if request.user.is_authenticated:
        return redirect("home")
    form = SignUpForm(request.POST or None)
    if request.method == "POST":
        throttle = signup_throttle()
        key = f"ip:{client_ip(request)}"
        if throttle.is_blocked(key):
            return too_many_attempts(request, throttle.window_s)
        if form.is_valid():
            throttle.record(key)
            user = form.save()
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            return redirect("home")
    return render(request, "registration/signup.html", {"form": form})


@login_required
def profile(request):
    return render(request, "accounts/profile.html")


@login_required
@require_http_methods(["GET", "POST"])
def delete_account(request):
    """The account's end, after the password is typed again.

    The form is also on the history's "Delete your data" page (moods:delete), which posts
    here; a wrong password comes back on this page of its own.
    """
    if request.method == "GET":
        return render(request, "accounts/delete_account.html", {"form": DeleteAccountForm(user=request.user)})
    form = DeleteAccountForm(request.POST, user=request.user)
    if not form.is_valid():
        return render(request, "accounts/delete_account.html", {"form": form}, status=400)
    user = request.user
    logout(request)
    services.delete_account(user=user)
    messages.success(request, "Your account and everything EmoTunes held about you have been deleted.")
    return redirect("home")
