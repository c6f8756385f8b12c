"""One throttle (django-axes, accounts.throttle) for every surface that checks a password.

Issue #16, items 1, 2, 3 and 11: the admin's log-in, a session already logged in, look-alike
usernames, password change and account deletion are all counted per username + address, with a
ceiling per address; an attacker cannot lock a listener out from the listener's own address.
"""

from django.contrib.auth import get_user_model
from django.test import override_settings
from django.urls import reverse

from tests.base import PASSWORD, BaseTestCase

LIMIT, CEILING = 3, 7


@override_settings(
    LOGIN_MAX_FAILURES=LIMIT, LOGIN_MAX_FAILURES_PER_IP=CEILING, AXES_FAILURE_LIMIT=LIMIT, LOGIN_FAILURE_WINDOW_S=600
)
class LoginThrottleTestCase(BaseTestCase):
    def fail_login(self, username="alice", ip="10.0.0.1", url=None):
        return self.client.post(url or reverse("login"), {"username": username, "password": "guess"}, REMOTE_ADDR=ip)

    def right_login(self, username="alice", ip="10.0.0.1", url=None):
        return self.client.post(url or reverse("login"), {"username": username, "password": PASSWORD}, REMOTE_ADDR=ip)

    def test_repeated_failures_block_even_the_right_password(self):
        for _ in range(LIMIT - 1):
            self.assertEqual(self.fail_login().status_code, 200)
        self.assertEqual(self.fail_login().status_code, 429)  # the failure that reaches the limit
        r = self.right_login()
        self.assertContains(r, "Too many attempts", status_code=429)
        self.assertNotIn("_auth_user_id", self.client.session)

    def test_an_attacker_cannot_lock_the_listener_out_of_her_own_address(self):
        for _ in range(LIMIT + 2):
            self.fail_login(ip="10.6.6.6")
        self.assertEqual(self.right_login(ip="10.6.6.6").status_code, 429)
        self.assertRedirects(self.right_login(ip="10.0.0.2"), reverse("home"))

    def test_one_address_meets_a_ceiling_across_usernames(self):
        names = ["alice", "bob", "nobody", "dora"]
        for n in range(CEILING - 1):
            self.assertEqual(self.fail_login(username=names[n % len(names)]).status_code, 200)
        self.assertEqual(self.fail_login(username="eve").status_code, 429)
        self.assertEqual(self.right_login(username="charlie").status_code, 429)
        self.assertRedirects(self.right_login(username="charlie", ip="10.0.0.9"), reverse("home"))

    def test_other_users_are_unaffected(self):
        for _ in range(LIMIT):
            self.fail_login(ip="10.0.0.1")
        self.assertRedirects(self.right_login(username="bob", ip="10.0.0.1"), reverse("home"))

    def test_success_before_the_limit_clears_the_username_count(self):
        for _ in range(LIMIT - 1):
            self.fail_login()
        self.assertRedirects(self.right_login(), reverse("home"))
        self.client.post(reverse("logout"))
        for _ in range(LIMIT - 1):
            self.assertEqual(self.fail_login().status_code, 200)
        self.assertRedirects(self.right_login(), reverse("home"))

    def test_logging_into_ones_own_account_does_not_reset_the_address_ceiling(self):
        # bob guesses alice's password LIMIT-1 times, logs into his own account, and goes on.
        guesses = 0
        for _ in range(CEILING):
            for _ in range(LIMIT - 1):
                if self.fail_login(username=f"victim{guesses % 3}").status_code == 429:
                    break
                guesses += 1
            self.right_login(username="bob")
            self.client.post(reverse("logout"))
        self.assertLess(guesses, CEILING)

    def test_look_alike_usernames_count_as_the_same_listener(self):
        # Item 3: the form logs "ａlice" (fullwidth) and "𝐚lice" (bold) in as alice (NFKC).
        for name in ("ａlice", "𝐚lice", "ALICE"):
            self.fail_login(username=name)
        for name in ("alice", "ａlice", "𝐚lice"):
            self.assertEqual(self.right_login(username=name).status_code, 429, name)
        self.assertNotIn("_auth_user_id", self.client.session)

    def test_a_logged_in_listener_is_throttled_too(self):
        # Item 2: bob's session must not exempt his guesses at charlie's password.
        self.client.force_login(self.bob)
        statuses = [self.fail_login(username="charlie").status_code for _ in range(LIMIT)]
        self.assertEqual(statuses, [200] * (LIMIT - 1) + [429])
        self.assertEqual(self.right_login(username="charlie").status_code, 429)
        self.assertEqual(int(self.client.session["_auth_user_id"]), self.bob.pk)

    def test_the_admin_login_is_throttled_by_the_same_counter(self):
        # Item 1: the admin's log-in page authenticates through the same backend.
        admin_login = reverse("admin:login")
        self.fail_login(username="charlie")
        self.fail_login(username="charlie", url=admin_login)
        self.assertEqual(self.fail_login(username="charlie", url=admin_login).status_code, 429)
        r = self.right_login(username="charlie", url=admin_login)
        self.assertEqual(r.status_code, 429)
        self.assertEqual(self.right_login(username="charlie").status_code, 429)
        self.assertNotIn("_auth_user_id", self.client.session)

    def test_wrong_old_passwords_on_password_change_are_throttled(self):
        self.client.force_login(self.alice)

        def change(old):
            return self.client.post(
                reverse("password_change"),
                {"old_password": old, "new_password1": "another-long-pass-99", "new_password2": "another-long-pass-99"},
                REMOTE_ADDR="10.0.0.1",
            )

        statuses = [change("guess").status_code for _ in range(LIMIT)]
        self.assertEqual(statuses, [200] * (LIMIT - 1) + [429])
        self.assertEqual(change(PASSWORD).status_code, 429)
        self.alice.refresh_from_db()
        self.assertTrue(self.alice.check_password(PASSWORD))
        # The same counter as the log-in page's.
        self.assertEqual(self.right_login().status_code, 429)

    def test_wrong_passwords_on_account_deletion_are_throttled(self):
        self.client.force_login(self.alice)
        statuses = [
            self.client.post(reverse("delete_account"), {"password": "guess"}, REMOTE_ADDR="10.0.0.1").status_code
            for _ in range(LIMIT)
        ]
        self.assertEqual(statuses, [400] * (LIMIT - 1) + [429])
        r = self.client.post(reverse("delete_account"), {"password": PASSWORD}, REMOTE_ADDR="10.0.0.1")
        self.assertEqual(r.status_code, 429)
        self.assertTrue(get_user_model().objects.filter(pk=self.alice.pk).exists())

    def test_the_admins_own_password_change_goes_to_the_throttled_page(self):
        self.client.force_login(self.charlie)
        self.assertRedirects(self.client.get("/admin/password_change/"), reverse("password_change"))


@override_settings(SIGNUP_MAX_PER_IP=2, SIGNUP_WINDOW_S=3600)
class SignUpThrottleTestCase(BaseTestCase):
    def sign_up(self, name, ip="10.1.0.1"):
        self.client.post(reverse("logout"))
        return self.client.post(
            reverse("signup"),
            {"username": name, "password1": "a-long-unusual-pass-77", "password2": "a-long-unusual-pass-77"},
            REMOTE_ADDR=ip,
        )

    def test_many_sign_ups_from_one_address_are_refused(self):
        self.assertEqual(self.sign_up("u1").status_code, 302)
        self.assertEqual(self.sign_up("u2").status_code, 302)
        r = self.sign_up("u3")
        self.assertEqual(r.status_code, 429)
        self.assertFalse(get_user_model().objects.filter(username="u3").exists())
        self.assertEqual(self.sign_up("u4", ip="10.1.0.2").status_code, 302)
