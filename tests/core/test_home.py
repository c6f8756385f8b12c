"""The live page (core.views.home): its URLs come from the URL configuration, its emotions from
core.emotions, and its script is a set of ES modules served as static files, no build step."""

import json
import re
from pathlib import Path

from django.contrib.staticfiles import finders
from django.urls import reverse

from core.emotions import palette
from tests.base import BaseTestCase

LIVE_MODULES = Path(__file__).resolve().parents[2] / "static" / "js" / "live"
IMPORT = re.compile(r'^import .* from "\./([\w-]+\.js)";$', re.M)


class HomePageTests(BaseTestCase):
    def test_the_endpoints_come_from_the_url_configuration(self):
        page = self.client.get(reverse("home"))
        self.assertContains(page, f'data-recommendations-url="{reverse("recommender:recommendations")}"')
        self.assertContains(page, f'data-ratings-url="{reverse("recommender:ratings")}"')
        self.assertContains(page, f'data-login-url="{reverse("login")}?next=/"')
        self.assertContains(page, 'data-authenticated="false"')
        self.client.force_login(self.alice)
        self.assertContains(self.client.get(reverse("home")), 'data-authenticated="true"')

    def test_the_emotions_emoji_and_colours_are_the_servers(self):
        page = self.client.get(reverse("home")).content.decode()
        found = re.search(r'<script id="emotion-palette" type="application/json">(.*?)</script>', page, re.S)
        self.assertEqual(json.loads(found.group(1)), palette())
        # No module keeps a copy of its own.
        for module in LIVE_MODULES.glob("*.js"):
            text = module.read_text(encoding="utf-8")
            self.assertNotIn('"angry"', text, module.name)
            self.assertNotIn("😠", text, module.name)

    def test_the_script_is_an_es_module_whose_imports_are_all_served(self):
        page = self.client.get(reverse("home"))
        self.assertContains(page, '<script type="module" src="/static/js/live/main.js"></script>')
        seen, todo = set(), ["main.js"]
        while todo:
            name = todo.pop()
            if name in seen:
                continue
            seen.add(name)
            path = finders.find(f"js/live/{name}")
            self.assertIsNotNone(path, f"js/live/{name} is imported but not a static file")
            todo += IMPORT.findall(Path(path).read_text(encoding="utf-8"))
        # Every module is reached from main.js: none is left behind unused.
        self.assertEqual(seen, {p.name for p in LIVE_MODULES.glob("*.js")})
