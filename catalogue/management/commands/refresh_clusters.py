from django.core.management.base import BaseCommand, CommandError

from catalogue.clustering import ClusteringError, refresh


class Command(BaseCommand):
    help = "Re-cluster the active catalogue now and print the quality of each k."

    def add_arguments(self, parser):
        parser.add_argument("--k", type=int, help="number of clusters (default RECOMMENDER_K)")

    def handle(self, *args, **options):
        self.stdout.write("Clustering the active tracks …")
        try:
            clustering = refresh(k=options["k"], trigger="command")
        except ClusteringError as exc:
            raise CommandError(str(exc)) from None
        write_clustering(self, clustering)


def write_clustering(command, clustering) -> None:
    out = command.stdout
    out.write(
        f"Clustering #{clustering.pk}: k={clustering.k}, {clustering.n_tracks} tracks, "
        f"inertia {clustering.inertia:.1f}, silhouette {clustering.silhouette:.3f}, {clustering.duration_s:.2f} s"
    )
    for cluster in clustering.clusters.all():
        out.write(
            f"  {cluster.emotion:<9} V {cluster.valence:.2f}  A {cluster.arousal:.2f}  D {cluster.dominance:.2f}"
            f"  {cluster.size} tracks"
        )
    if clustering.k_scan:
        out.write(f"Quality per k (sample of {clustering.k_scan[0]['sample']} tracks):")
        for row in clustering.k_scan:
            out.write(
                f"  k={row['k']:<3} inertia/track {row['inertia_per_track']:.3f}  silhouette {row['silhouette']:.3f}"
            )
