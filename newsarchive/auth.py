"""Login lockout (django-axes) that also lets request-less authentication through.

Django's login views always pass the request, so every web login is counted and
locked out after repeated failures. Code that authenticates without a request
(the test client's login(), scripts) has no IP to count and is not throttled.
"""

from axes.backends import AxesStandaloneBackend


class LockoutBackend(AxesStandaloneBackend):
    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)
