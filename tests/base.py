"""Shared test base, in the manner of healthchecks' hc/test.py: named users."""

from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.test import TestCase

PASSWORD = "correct-horse-battery-staple"


class BaseTestCase(TestCase):
    def setUp(self):
        super().setUp()
        # Throttle counters live in the cache; each test starts with none.
        cache.clear()
        User = get_user_model()
        # Alice is a listener with an account.
        self.alice = User.objects.create_user("alice", "alice@example.org", PASSWORD)
        # Bob is another listener: his data must never reach Alice, and vice versa.
        self.bob = User.objects.create_user("bob", "bob@example.org", PASSWORD)
        # Charlie curates the catalogue.
        self.charlie = User.objects.create_user("charlie", "charlie@example.org", PASSWORD, is_staff=True)
