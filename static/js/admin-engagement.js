// The admin's engagement charts (engagement/admin.py): click-through per emotion × strategy with
// its 95 % Wilson interval, and lists shown with click-through over time. Data from the page's
// #engagement-data JSON; Chart.js from /static/vendor/chartjs.
(function () {
  const source = document.getElementById("engagement-data");
  if (!source || typeof Chart === "undefined") return;
  const data = JSON.parse(source.textContent);
  const pct = (x) => (x === null ? null : Math.round(x * 1000) / 10);

  const groups = document.getElementById("engagement-ctr-chart");
  if (groups && data.groups.length) {
    new Chart(groups, {
      type: "bar",
      data: {
        labels: data.groups.map((r) => r.group.join(" / ")),
        datasets: [
          { label: "click-through %", data: data.groups.map((r) => pct(r.ctr.rate)) },
          { label: "95 % low", data: data.groups.map((r) => pct(r.ctr.low)), type: "line", showLine: false },
          { label: "95 % high", data: data.groups.map((r) => pct(r.ctr.high)), type: "line", showLine: false },
        ],
      },
      options: { scales: { y: { min: 0, max: 100, title: { display: true, text: "%" } } } },
    });
  }
  const time = document.getElementById("engagement-time-chart");
  if (time && data.over_time.length) {
    new Chart(time, {
      type: "bar",
      data: {
        labels: data.over_time.map((r) => r.group[0]),
        datasets: [
          { label: "lists shown", data: data.over_time.map((r) => r.impressions), yAxisID: "n" },
          { label: "click-through %", data: data.over_time.map((r) => pct(r.ctr.rate)), type: "line", yAxisID: "p" },
        ],
      },
      options: { scales: { n: { position: "left", beginAtZero: true }, p: { position: "right", min: 0, max: 100 } } },
    });
  }
})();
