from django.urls import reverse

from tests.base import BaseTestCase

PRIVATE_URLS = ["profile", "password_change", "delete_account"]


class LoginRequiredTestCase(BaseTestCase):
    def test_anonymous_user_is_sent_to_login(self):
        for name in PRIVATE_URLS:
            url = reverse(name)
            r = self.client.get(url)
            self.assertRedirects(r, f"{reverse('login')}?next={url}", msg_prefix=name)

    def test_logged_in_user_reaches_the_page(self):
        self.client.force_login(self.alice)
        for name in PRIVATE_URLS:
            self.assertEqual(self.client.get(reverse(name)).status_code, 200, name)

    def test_admin_refuses_non_staff(self):
        self.client.force_login(self.alice)
        r = self.client.get(reverse("admin:index"))
        self.assertEqual(r.status_code, 302)
        self.client.force_login(self.charlie)
        self.assertEqual(self.client.get(reverse("admin:index")).status_code, 200)
