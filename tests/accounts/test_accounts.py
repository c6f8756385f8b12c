from django.contrib.auth import get_user_model
from django.urls import reverse

from tests.base import PASSWORD, BaseTestCase


class SignUpTestCase(BaseTestCase):
    def test_it_creates_the_account_and_logs_in(self):
        r = self.client.post(
            reverse("signup"),
            {"username": "dora", "password1": "a-long-unusual-pass-77", "password2": "a-long-unusual-pass-77"},
        )
        self.assertRedirects(r, reverse("home"))
        dora = get_user_model().objects.get(username="dora")
        self.assertEqual(int(self.client.session["_auth_user_id"]), dora.id)

    def test_it_rejects_mismatched_passwords(self):
        r = self.client.post(
            reverse("signup"),
            {"username": "dora", "password1": "a-long-unusual-pass-77", "password2": "something-else-88"},
        )
        self.assertEqual(r.status_code, 200)
        self.assertContains(r, "didn’t match")
        self.assertFalse(get_user_model().objects.filter(username="dora").exists())

    def test_it_rejects_a_taken_username(self):
        r = self.client.post(
            reverse("signup"),
            {"username": "alice", "password1": "a-long-unusual-pass-77", "password2": "a-long-unusual-pass-77"},
        )
        self.assertContains(r, "already exists")


class LoginLogoutTestCase(BaseTestCase):
    def test_login_with_right_password(self):
        r = self.client.post(reverse("login"), {"username": "alice", "password": PASSWORD})
        self.assertRedirects(r, reverse("home"))
        self.assertEqual(int(self.client.session["_auth_user_id"]), self.alice.id)

    def test_login_with_wrong_password(self):
        r = self.client.post(reverse("login"), {"username": "alice", "password": "nope"})
        self.assertEqual(r.status_code, 200)
        self.assertNotIn("_auth_user_id", self.client.session)

    def test_logout_needs_post_and_ends_the_session(self):
        self.client.force_login(self.alice)
        self.assertEqual(self.client.get(reverse("logout")).status_code, 405)
        r = self.client.post(reverse("logout"))
        self.assertRedirects(r, reverse("home"))
        self.assertNotIn("_auth_user_id", self.client.session)

    def test_password_change(self):
        self.client.force_login(self.alice)
        r = self.client.post(
            reverse("password_change"),
            {
                "old_password": PASSWORD,
                "new_password1": "another-long-pass-99",
                "new_password2": "another-long-pass-99",
            },
        )
        self.assertRedirects(r, reverse("password_change_done"))
        self.alice.refresh_from_db()
        self.assertTrue(self.alice.check_password("another-long-pass-99"))

    def test_home_page_shows_account_links(self):
        self.assertContains(self.client.get(reverse("home")), reverse("signup"))
        self.client.force_login(self.alice)
        self.assertContains(self.client.get(reverse("home")), "alice")
