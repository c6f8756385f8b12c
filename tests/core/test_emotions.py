"""core.emotions is the one home of the emotions' emoji and colours: the pages' scripts get
them from the emotion_palette tag, and the admin's clustering plot draws with them too."""

import json
import re

from django.template import Context, Template
from django.test import SimpleTestCase, TestCase

from catalogue.models import Cluster, Clustering
from catalogue.plots import clustering_svg
from core.emotions import EMOJI, EMOTION_COLOURS, EMOTIONS, palette


class PaletteTests(SimpleTestCase):
    def test_every_emotion_has_an_emoji_and_a_distinct_colour(self):
        self.assertEqual(set(EMOJI), set(EMOTIONS))
        self.assertEqual(set(EMOTION_COLOURS), set(EMOTIONS))
        self.assertEqual(len(set(EMOTION_COLOURS.values())), len(EMOTIONS))
        for colour in EMOTION_COLOURS.values():
            self.assertRegex(colour, r"^#[0-9a-f]{6}$")

    def test_the_tag_writes_the_palette_as_json_a_script_cannot_break_out_of(self):
        html = Template("{% load emotions %}{% emotion_palette %}").render(Context())
        match = re.fullmatch(r'<script id="emotion-palette" type="application/json">(.*)</script>', html, re.S)
        self.assertIsNotNone(match, html)
        self.assertEqual(json.loads(match.group(1)), palette())
        self.assertEqual(palette()["emotions"], list(EMOTIONS))


class ClusteringPlotTests(TestCase):
    def test_the_clustering_plot_draws_with_the_palette(self):
        clustering = Clustering.objects.create(k=1)
        Cluster.objects.create(
            clustering=clustering, index=0, emotion="sad", valence=2.5, arousal=3.5, dominance=4, size=10
        )
        svg = clustering_svg(clustering)
        self.assertIn(f'r="9" fill="{EMOTION_COLOURS["sad"]}"', svg)  # the cluster's centre
        for emotion in EMOTIONS:  # the emotion words
            self.assertIn(f'fill="{EMOTION_COLOURS[emotion]}" font-size="11" font-style="italic">“{emotion}”', svg)
