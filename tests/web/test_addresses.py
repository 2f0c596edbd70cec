"""articles/addresses.py: a remembered reverse() answers as reverse() does, for the
URLconf and script prefix in force when it is asked."""

from django.test import override_settings
from django.urls import clear_script_prefix, path, reverse, set_script_prefix

from articles.addresses import address


def test_an_address_is_what_reverse_gives():
    for name, kwargs in [
        ("articles:story", {"pk": 12, "slug": "harbour-reopens"}),
        ("articles:entity", {"kind": "people", "slug": "tony-blair"}),
        ("articles:cluster", {"pk": 3}),
        ("articles:home", {}),
    ]:
        assert address(name, **kwargs) == reverse(name, kwargs=kwargs or None)
    assert address("articles:archive-year", 1987) == reverse("articles:archive-year", args=[1987])


def test_an_address_follows_the_script_prefix():
    assert address("articles:cluster", pk=3) == "/clusters/3/"
    set_script_prefix("/news/")
    try:
        assert address("articles:cluster", pk=3) == "/news/clusters/3/"
    finally:
        clear_script_prefix()
    assert address("articles:cluster", pk=3) == "/clusters/3/"


def _view(request):  # only reversed, never called
    raise AssertionError


class OtherUrls:
    urlpatterns = [path("elsewhere/<int:pk>/", _view, name="cluster")]


def test_an_address_follows_a_changed_urlconf():
    with override_settings(ROOT_URLCONF=OtherUrls):
        assert address("cluster", pk=3) == "/elsewhere/3/"
