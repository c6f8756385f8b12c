"""The site's own 404 and 500 pages (DEBUG=0), with a way back, and a favicon."""

from django.test import Client, override_settings
from django.urls import path

from tests.base import BaseTestCase


def broken(request):
    raise RuntimeError("a bug")


urlpatterns = [path("broken/", broken)]


@override_settings(DEBUG=False)
class ErrorPagesTest(BaseTestCase):
    def test_a_missing_page_is_the_sites_own_with_a_way_back(self):
        response = self.client.get("/no/such/page/")
        self.assertEqual(response.status_code, 404)
        self.assertContains(response, "This page is not here", status_code=404)
        self.assertContains(response, "Back to the music", status_code=404)
        self.assertContains(response, 'class="topbar"', status_code=404)

    def test_a_server_error_is_the_sites_own_with_a_way_back(self):
        from emotunes import urls

        with override_settings(ROOT_URLCONF=__name__, DEBUG=False):
            client = Client(raise_request_exception=False)
            response = client.get("/broken/")
        self.assertEqual(response.status_code, 500)
        self.assertContains(response, "Something went wrong", status_code=500)
        self.assertContains(response, 'href="/"', status_code=500)
        self.assertTrue(urls.urlpatterns)

    def test_the_favicon_is_served(self):
        page = self.client.get("/").content.decode()
        self.assertIn('rel="icon"', page)
        response = self.client.get("/favicon.ico")
        self.assertEqual(response.status_code, 301)
        self.assertTrue(response["Location"].endswith(".svg"))
