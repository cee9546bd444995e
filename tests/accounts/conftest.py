import pytest


@pytest.fixture(autouse=True)
def fast_password_hashing(request, settings):
    """Users here are created by the tests' own requests; the real hasher is deliberately slow.
    Not for browser tests: their server process verifies the passwords it is given."""
    if request.node.get_closest_marker("browser") is None:
        settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
