import pytest


@pytest.fixture(autouse=True)
def fast_password_hashing(request, settings):
    """The fixtures create a dozen users; the real hasher is deliberately slow.

    Not for browser tests: their server process must verify the passwords it is given.
    """
    if request.node.get_closest_marker("browser") is None:
        settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
