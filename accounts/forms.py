from django import forms
from django.contrib.auth import authenticate, get_user_model
from django.contrib.auth.forms import PasswordChangeForm, UserCreationForm


def password_is_right(request, user, password) -> bool:
    """Check the signed-in user's password *through authenticate()*, never ``check_password``:
    that is where django-axes counts failures and refuses a locked-out client (accounts.throttle)."""
    return authenticate(request, username=user.get_username(), password=password) is not None


class SignUpForm(UserCreationForm):
    """Username and password; an e-mail address only if the listener wants a forgotten password
    to be recoverable (Django's password reset writes to it)."""

    email = forms.EmailField(
        required=False,
        label="E-mail (optional)",
        help_text="Only to reset a forgotten password. Without it, a lost password loses the account.",
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )

    class Meta(UserCreationForm.Meta):
        fields = ("username", "email")


class EmailForm(forms.ModelForm):
    """The profile's e-mail address: optional, only for a password reset."""

    class Meta:
        model = get_user_model()
        fields = ("email",)
        labels = {"email": "E-mail (optional)"}
        help_texts = {"email": "Only to reset a forgotten password; leave it empty to have none."}


class ThrottledPasswordChangeForm(PasswordChangeForm):
    """Django's password change, with the old password checked by authenticate() (throttled)."""

    def __init__(self, user, *args, request=None, **kwargs):
        super().__init__(user, *args, **kwargs)
        self.request = request

    def clean_old_password(self):
        old_password = self.cleaned_data["old_password"]
        if not password_is_right(self.request, self.user, old_password):
            raise forms.ValidationError(self.error_messages["password_incorrect"], code="password_incorrect")
        return old_password


class DeleteAccountForm(forms.Form):
    """Asks for the password again: a session left open on a shared computer must not be
    enough to delete someone's account."""

    password = forms.CharField(
        label="Your password", strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "current-password"})
    )

    def __init__(self, *args, user, request=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.request = request

    def clean_password(self):
        password = self.cleaned_data["password"]
        if not password_is_right(self.request, self.user, password):
            raise forms.ValidationError("That is not your password; nothing was deleted.")
        return password
