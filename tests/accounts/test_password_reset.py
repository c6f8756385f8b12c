"""A forgotten password is not a lost account: an optional e-mail at sign-up, Django's reset flow,
and a log-in page that warns before the lock-out and links to both ways on."""

import re

from django.core import mail
from django.test import override_settings

from tests.base import PASSWORD, BaseTestCase


class SignUpEmailTest(BaseTestCase):
    def test_an_email_is_optional_and_kept_when_given(self):
        response = self.client.post(
            "/accounts/signup/",
            {"username": "dora", "email": "dora@example.org", "password1": PASSWORD, "password2": PASSWORD},
        )
        self.assertRedirects(response, "/")
        self.client.logout()
        response = self.client.post(
            "/accounts/signup/", {"username": "eve", "email": "", "password1": PASSWORD, "password2": PASSWORD}
        )
        self.assertRedirects(response, "/")
        from django.contrib.auth import get_user_model

        users = get_user_model().objects
        self.assertEqual(users.get(username="dora").email, "dora@example.org")
        self.assertEqual(users.get(username="eve").email, "")
        self.client.logout()
        page = self.client.get("/accounts/signup/").content.decode()
        self.assertIn("E-mail (optional)", page)

    def test_a_malformed_email_is_a_form_error(self):
        response = self.client.post(
            "/accounts/signup/",
            {"username": "fay", "email": "not-an-address", "password1": PASSWORD, "password2": PASSWORD},
        )
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "Enter a valid email address")


class PasswordResetTest(BaseTestCase):
    def test_the_link_in_the_mail_sets_a_new_password(self):
        response = self.client.post("/accounts/password/reset/", {"email": "alice@example.org"})
        self.assertRedirects(response, "/accounts/password/reset/sent/")
        self.assertEqual(len(mail.outbox), 1)
        message = mail.outbox[0]
        self.assertEqual(message.to, ["alice@example.org"])
        self.assertEqual(message.subject, "Your EmoTunes password")
        link = re.search(r"http://testserver(/accounts/password/reset/\S+/)", message.body).group(1)
        form = self.client.get(link, follow=True)
        self.assertContains(form, "Choose a new password")
        done = self.client.post(
            form.redirect_chain[-1][0],
            {"new_password1": "a-new-long-passphrase", "new_password2": "a-new-long-passphrase"},
        )
        self.assertRedirects(done, "/accounts/password/reset/done/")
        logged_in = self.client.post("/accounts/login/", {"username": "alice", "password": "a-new-long-passphrase"})
        self.assertRedirects(logged_in, "/", fetch_redirect_response=False)
        self.client.logout()
        # Used once: the same link no longer works.
        self.assertContains(self.client.get(link, follow=True), "This link no longer works")

    def test_an_unknown_address_gets_the_same_answer_and_no_mail(self):
        response = self.client.post("/accounts/password/reset/", {"email": "nobody@example.org"})
        self.assertRedirects(response, "/accounts/password/reset/sent/")
        self.assertEqual(mail.outbox, [])


class LoginWarningTest(BaseTestCase):
    @override_settings(LOGIN_MAX_FAILURES=5)
    def test_a_wrong_password_links_on_and_the_last_tries_are_counted(self):
        page = self.client.get("/accounts/login/").content.decode()
        self.assertIn('href="/accounts/password/reset/"', page)
        said = []
        for _ in range(4):
            response = self.client.post("/accounts/login/", {"username": "alice", "password": "wrong"})
            self.assertEqual(response.status_code, 200)
            self.assertContains(response, 'id="login-warning"')
            self.assertContains(response, 'href="/accounts/password/reset/"')
            match = re.search(r"<strong>(\d+) more wrong password", response.content.decode())
            said.append(int(match.group(1)) if match else None)
        # 4, 3, 2, 1 left: said from 3 on, before the fifth failure locks the client out.
        self.assertEqual(said, [None, 3, 2, 1])
        locked = self.client.post("/accounts/login/", {"username": "alice", "password": "wrong"})
        self.assertEqual(locked.status_code, 429)
        self.assertContains(locked, 'href="/accounts/password/reset/"', status_code=429)


class ProfileEmailAndResetLimitTest(BaseTestCase):
    def test_an_existing_listener_sets_and_clears_the_email_on_the_profile(self):
        self.client.force_login(self.bob)
        page = self.client.get("/accounts/profile/")
        self.assertContains(page, 'id="email-form"')
        self.assertRedirects(
            self.client.post("/accounts/profile/", {"email": "bob@new.example.org"}), "/accounts/profile/"
        )
        self.bob.refresh_from_db()
        self.assertEqual(self.bob.email, "bob@new.example.org")
        self.assertRedirects(self.client.post("/accounts/profile/", {"email": ""}), "/accounts/profile/")
        self.bob.refresh_from_db()
        self.assertEqual(self.bob.email, "")
        bad = self.client.post("/accounts/profile/", {"email": "nope"})
        self.assertContains(bad, "Enter a valid email address")

    @override_settings(PASSWORD_RESET_MAX_PER_IP=2)
    def test_reset_mails_are_limited_per_address(self):
        for _ in range(2):
            self.assertEqual(
                self.client.post("/accounts/password/reset/", {"email": "alice@example.org"}).status_code, 302
            )
        refused = self.client.post("/accounts/password/reset/", {"email": "alice@example.org"})
        self.assertEqual(refused.status_code, 429)
        self.assertEqual(len(mail.outbox), 2)
