from django import forms

from core.emotions import EMOTIONS
from core.validation import DB_INT_MAX

HISTORY_CONFIRMATION = "delete my history"


class DeleteHistoryForm(forms.Form):
    confirmation = forms.CharField(
        label=f"Type “{HISTORY_CONFIRMATION}” to confirm",
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    include_ratings = forms.BooleanField(label="Also forget my likes and dislikes", required=False)

    def clean_confirmation(self):
        typed = " ".join(self.cleaned_data["confirmation"].lower().split())
        if typed != HISTORY_CONFIRMATION:
            raise forms.ValidationError(f"Type “{HISTORY_CONFIRMATION}” exactly to delete your history.")
        return typed


class RateTrackForm(forms.Form):
    track_id = forms.IntegerField(min_value=1, max_value=DB_INT_MAX)
    value = forms.TypedChoiceField(choices=[("1", "like"), ("-1", "dislike")], coerce=int)
    emotion = forms.ChoiceField(choices=[("", "")] + [(e, e) for e in EMOTIONS], required=False)


class MoveTrackForm(forms.Form):
    track_id = forms.IntegerField(min_value=1, max_value=DB_INT_MAX)
    direction = forms.ChoiceField(choices=[("up", "up"), ("down", "down")])


class TrackForm(forms.Form):
    track_id = forms.IntegerField(min_value=1, max_value=DB_INT_MAX)


class RenamePlaylistForm(forms.Form):
    name = forms.CharField(max_length=100)
