import pytest


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """The fixtures create a dozen users; the real hasher is deliberately slow."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
