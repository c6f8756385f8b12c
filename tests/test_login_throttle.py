from django.test import override_settings
from django.urls import reverse

from tests.base import PASSWORD, BaseTestCase


@override_settings(LOGIN_MAX_FAILURES=3, LOGIN_FAILURE_WINDOW_S=600)
class LoginThrottleTestCase(BaseTestCase):
    def fail_login(self, username="alice", ip="10.0.0.1"):
        return self.client.post(reverse("login"), {"username": username, "password": "guess"}, REMOTE_ADDR=ip)

    def test_repeated_failures_block_even_the_right_password(self):
        for _ in range(3):
            self.assertEqual(self.fail_login().status_code, 200)
        r = self.client.post(reverse("login"), {"username": "alice", "password": PASSWORD}, REMOTE_ADDR="10.0.0.1")
        self.assertEqual(r.status_code, 429)
        self.assertContains(r, "Too many attempts", status_code=429)
        self.assertNotIn("_auth_user_id", self.client.session)

    def test_block_follows_the_username_across_addresses(self):
        for n in range(3):
            self.fail_login(ip=f"10.0.0.{n + 10}")
        r = self.client.post(reverse("login"), {"username": "alice", "password": PASSWORD}, REMOTE_ADDR="10.9.9.9")
        self.assertEqual(r.status_code, 429)

    def test_block_follows_the_address_across_usernames(self):
        for name in ("alice", "bob", "nobody"):
            self.fail_login(username=name)
        r = self.client.post(reverse("login"), {"username": "charlie", "password": PASSWORD}, REMOTE_ADDR="10.0.0.1")
        self.assertEqual(r.status_code, 429)

    def test_other_users_are_unaffected(self):
        for _ in range(3):
            self.fail_login(ip="10.0.0.1")
        r = self.client.post(reverse("login"), {"username": "bob", "password": PASSWORD}, REMOTE_ADDR="10.0.0.2")
        self.assertRedirects(r, reverse("home"))

    def test_success_before_the_limit_clears_the_count(self):
        self.fail_login()
        self.fail_login()
        self.client.post(reverse("login"), {"username": "alice", "password": PASSWORD}, REMOTE_ADDR="10.0.0.3")
        self.client.post(reverse("logout"))
        self.fail_login(ip="10.0.0.4")
        r = self.client.post(reverse("login"), {"username": "alice", "password": PASSWORD}, REMOTE_ADDR="10.0.0.5")
        self.assertRedirects(r, reverse("home"))


@override_settings(SIGNUP_MAX_PER_IP=2, SIGNUP_WINDOW_S=3600)
class SignUpThrottleTestCase(BaseTestCase):
    def sign_up(self, name, ip="10.1.0.1"):
        self.client.post(reverse("logout"))
        return self.client.post(reverse("signup"), {
            "username": name, "password1": "a-long-unusual-pass-77", "password2": "a-long-unusual-pass-77"},
            REMOTE_ADDR=ip)

    def test_many_sign_ups_from_one_address_are_refused(self):
        self.assertEqual(self.sign_up("u1").status_code, 302)
        self.assertEqual(self.sign_up("u2").status_code, 302)
        r = self.sign_up("u3")
        self.assertEqual(r.status_code, 429)
        self.assertEqual(self.sign_up("u4", ip="10.1.0.2").status_code, 302)
