from django import template

from accounts.forms import DeleteAccountForm

register = template.Library()


@register.inclusion_tag("accounts/_delete_account.html", takes_context=True)
def delete_account_form(context, form=None):
    """The "Delete my account" card, for any page that offers it.

    A tag rather than a form in the page's context, so that moods' "Delete your data" page can
    show it without moods importing accounts (accounts depends on moods, not the reverse).
    """
    return {
        "form": form if form is not None else DeleteAccountForm(user=context["request"].user),
        "csrf_token": context.get("csrf_token"),
    }
