"""A list or an object where the engagement batch wants a string is a typed 400 (issue #25, item 4).

``"action": ["play"]`` or ``"type": ["track"]`` reached a ``frozenset`` membership test and
raised TypeError (unhashable): a 500. Every string field of the batch, given a list, an object,
a number or null, is answered 400 with the field's name, and nothing is written.
"""

import copy
import json

from django.middleware.csrf import _get_new_csrf_string, _mask_cipher_secret
from django.test import Client

from engagement.models import Event, Impression
from tests.base import BaseTestCase
from tests.engagement_support import batch, event, impression, make_items

URL = "/api/engagement/"
WRONG_VALUES = {"list": ["play"], "object": {"track": 1}, "empty list": [], "number": 7, "null": None}
# Where each string field lives in a batch, and the field the 400 names.
FIELDS = {
    "impression emotion": (("impressions", 0, "emotion"), "emotion"),
    "impression strategy": (("impressions", 0, "strategy"), "strategy"),
    "impression source": (("impressions", 0, "source"), "source"),
    "impression key": (("impressions", 0, "key"), "key"),
    "item type": (("impressions", 0, "items", 0, "type"), "items"),
    "event action": (("events", 0, "action"), "events"),
    "event item_type": (("events", 0, "item_type"), "events"),
    "event impression": (("events", 0, "impression"), "key"),
}


class UnhashableValuesTests(BaseTestCase):
    def setUp(self):
        super().setUp()
        self.client = Client(enforce_csrf_checks=True)
        self.token = _mask_cipher_secret(_get_new_csrf_string())
        self.client.cookies["csrftoken"] = self.token
        self.tracks, self.videos = make_items()

    def good_batch(self) -> dict:
        return batch([impression("a1", self.tracks, self.videos)], [event("a1", self.tracks[0], "play")])

    def post(self, body):
        return self.client.post(
            URL, json.dumps(body), content_type="application/json", headers={"X-CSRFToken": self.token}
        )

    def test_the_good_batch_is_saved(self):
        self.assertEqual(self.post(self.good_batch()).status_code, 202)

    def test_a_wrong_type_in_any_string_field_is_a_typed_400(self):
        answers = {}
        for name, (path, field) in FIELDS.items():
            for kind, value in WRONG_VALUES.items():
                if kind == "null" and name == "impression source":
                    continue  # no source is allowed: a mood without a known origin
                body = copy.deepcopy(self.good_batch())
                target = body
                for step in path[:-1]:
                    target = target[step]
                target[path[-1]] = value
                with self.subTest(field=name, value=kind):
                    response = self.post(body)
                    answers[(name, kind)] = response.status_code
                    self.assertEqual(response.status_code, 400, response.content[:300])
                    self.assertEqual(response.json()["error"], "invalid")
                    self.assertEqual(response.json()["field"], field)
        print(f"\n{len(answers)} batches with a wrong type in a string field: {sorted(set(answers.values()))}")
        self.assertFalse(Impression.objects.exists() or Event.objects.exists())
