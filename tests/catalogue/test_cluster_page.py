"""The clustering's admin page: no label of the scatter plot runs off its edge, and the quality
table gives this clustering's own silhouette (the one at the top of the page), not the scan's."""

import re

from django.urls import reverse

from catalogue.plots import WIDTH, clustering_svg, label_width
from tests.base import BaseTestCase
from tests.rec_fixtures import FreshIndexMixin, grant_curator_permissions, import_small_catalogue


class ClusterPageTest(FreshIndexMixin, BaseTestCase):
    @classmethod
    def setUpTestData(cls):
        cls.clustering = import_small_catalogue()

    def test_every_cluster_label_stays_inside_the_plot(self):
        happy = self.clustering.clusters.get(emotion="happy")
        happy.valence, happy.size = 8.95, 1960  # the "happy (1960" at the right edge
        happy.save()
        svg = clustering_svg(self.clustering)
        labels = re.findall(
            r'<text x="([\d.]+)" y="[\d.]+" text-anchor="(start|end)" font-weight="bold">([^<]+)</text>', svg
        )
        self.assertEqual(len(labels), self.clustering.clusters.count())
        for x, anchor, text in labels:
            left = float(x) - (label_width(text) if anchor == "end" else 0)
            right = float(x) + (label_width(text) if anchor == "start" else 0)
            self.assertGreaterEqual(left, 0, text)
            self.assertLessEqual(right, WIDTH, text)
        self.assertIn(("end", "😊 happy (1960)"), [(a, t) for _, a, t in labels])

    def test_the_quality_table_gives_this_clusterings_own_silhouette(self):
        clustering = self.clustering
        clustering.k_scan = [
            {"k": k, "inertia_per_track": 1.0 / k, "silhouette": 0.2 + k / 100, "sample": 500} for k in (5, 6, 7, 8)
        ]
        clustering.save()
        grant_curator_permissions(self.charlie)
        self.client.force_login(self.charlie)
        page = self.client.get(reverse("admin:catalogue_clustering_change", args=[clustering.pk])).content.decode()
        own = f"{clustering.silhouette:.3f}"
        row = re.search(
            r"<tr class='this-clustering'><td>7 \(this clustering, all tracks\)</td><td>[^<]+</td><td>([^<]+)</td>",
            page,
        )
        self.assertIsNotNone(row, page[:2000])
        self.assertEqual(row.group(1), own)
        self.assertNotIn("<td>0.270</td>", page)  # the scan's figure for k = 7 is not shown
        self.assertIn("<td>0.280</td>", page)  # other k keep theirs
