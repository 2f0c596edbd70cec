"""Forms for requests that are not a search (the search itself is filters.ArticleFilter)."""

from django import forms

from .vocabulary import NAME_QUERY_MAX_LENGTH


class SuggestForm(forms.Form):
    """`?q=` for the search box's suggestions. CharField already refuses NUL bytes."""

    q = forms.CharField(max_length=NAME_QUERY_MAX_LENGTH, required=False)

    def clean_q(self) -> str:
        return " ".join(self.cleaned_data["q"].split())
