import pytest


@pytest.fixture(autouse=True)
def no_anonymous_limit(settings):
    settings.API_ANON_RATE_PER_MINUTE = 0
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
