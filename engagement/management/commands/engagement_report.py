"""Print the staff dashboard's table (engagement.statistics): per emotion × strategy, or per day or week."""

from django.core.management.base import BaseCommand

from core.csvcells import SafeWriter
from engagement import statistics


class Command(BaseCommand):
    help = "Engagement per emotion × strategy (or per day/week): lists shown, click-through, like/dislike/save rates."

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=30)
        parser.add_argument("--by", choices=("emotion_strategy", "day", "week"), default="emotion_strategy")
        parser.add_argument("--csv", dest="as_csv", action="store_true", help="CSV on stdout instead of a table")

    def handle(self, *args, days, by, as_csv, **options):
        rows = statistics.table(days=days, by=by)
        if as_csv:
            writer = SafeWriter(self.stdout, lineterminator="\n")
            writer.writerow(statistics.TABLE_HEADER)
            writer.writerows(statistics.csv_rows(rows))
            return
        self.stdout.write(
            f"Engagement over the last {days} days, by {by.replace('_', ' × ')} (rates with 95 % Wilson intervals)"
        )
        self.stdout.write(
            f"{'group':<22}{'lists':>7}{'plays':>7}  {'click-through':<22}{'like':<22}{'dislike':<22}{'save':<22}{'1st play':>8}"
        )

        def cell(rate):
            return "—" if rate["rate"] is None else f"{rate['rate']:.3f} [{rate['low']:.3f}–{rate['high']:.3f}]"

        for row in rows:
            first = "—" if row["mean_first_play"] is None else f"{row['mean_first_play']:.2f}"
            self.stdout.write(
                f"{' / '.join(map(str, row['group'])):<22}{row['impressions']:>7}{row['plays']:>7}  "
                + "".join(f"{cell(row[name]):<22}" for name in statistics.RATES)
                + f"{first:>8}"
            )
        if not rows:
            self.stdout.write("No lists shown in this period.")
