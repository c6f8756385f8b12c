// Draws the history page's charts from its JSON endpoints (moods/views/history.py) with Chart.js.
// The emotions' colours are the server's (core.emotions.EMOTION_COLOURS, in #emotion-palette).
(function () {
  "use strict";
  const root = document.getElementById("history-charts");
  if (!root || typeof Chart === "undefined") return;

  const COLOURS = JSON.parse(document.getElementById("emotion-palette").textContent).colours;
  const label = (emotion) => emotion.charAt(0).toUpperCase() + emotion.slice(1);
  // Times in the listener's own time zone, to the minute (the server writes UTC).
  const LOCAL_TIME = { hour: "2-digit", minute: "2-digit" };
  const LOCAL_DAY = { weekday: "short", day: "numeric", month: "short", year: "numeric", hour: "2-digit", minute: "2-digit" };

  async function getJSON(url) {
    const response = await fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" });
    if (!response.ok) throw new Error((await response.json().catch(() => ({}))).error || response.statusText);
    return response.json();
  }

  function showError(canvas, error) {
    const note = document.createElement("p");
    note.className = "chart-error";
    note.textContent = "Could not load this chart: " + error.message;
    canvas.replaceWith(note);
  }

  async function drawDaily() {
    const canvas = document.getElementById("daily-chart");
    if (!canvas) return;
    try {
      const data = await getJSON(root.dataset.dailyUrl);
      const datasets = data.emotions.map((emotion) => ({
        type: "bar", label: label(emotion), data: data.counts[emotion],
        backgroundColor: COLOURS[emotion], stack: "moods", yAxisID: "y",
      }));
      datasets.push({
        type: "line", label: "Average valence", data: data.mean_valence, yAxisID: "valence", order: -1,
        borderColor: "#1f1d2b", backgroundColor: "#1f1d2b", spanGaps: true, tension: 0.25, pointRadius: 4,
      });
      new Chart(canvas, {
        data: { labels: data.days, datasets },
        options: {
          maintainAspectRatio: false,
          scales: {
            x: { stacked: true },
            y: { stacked: true, beginAtZero: true, title: { display: true, text: "mood changes" }, ticks: { precision: 0 } },
            valence: { position: "right", min: 1, max: 9, grid: { drawOnChartArea: false }, title: { display: true, text: "valence" } },
          },
        },
      });
    } catch (error) { showError(canvas, error); }
  }

  async function drawShares() {
    const canvas = document.getElementById("shares-chart");
    if (!canvas) return;
    try {
      const data = await getJSON(root.dataset.sharesUrl);
      const rows = data.shares.filter((row) => row.count > 0);
      new Chart(canvas, {
        type: "doughnut",
        data: {
          labels: rows.map((row) => label(row.emotion)),
          datasets: [{ data: rows.map((row) => row.count), backgroundColor: rows.map((row) => COLOURS[row.emotion]) }],
        },
        options: {
          maintainAspectRatio: false,
          plugins: { tooltip: { callbacks: { label: (ctx) => `${ctx.label}: ${(rows[ctx.dataIndex].share * 100).toFixed(0)}%` } } },
        },
      });
    } catch (error) { showError(canvas, error); }
  }

  let sessionChart = null;
  async function drawSession(sessionId) {
    const canvas = document.getElementById("session-chart");
    if (!canvas || !sessionId) return;
    try {
      const data = await getJSON(root.dataset.sessionUrl + encodeURIComponent(sessionId) + "/");
      const times = data.entries.map((entry) => new Date(entry.time).toLocaleTimeString([], LOCAL_TIME));
      const config = {
        type: "line",
        data: {
          labels: times,
          datasets: [{
            // Numeric rows (one per emotion) rather than a category axis: the position is exact.
            label: "Mood", data: data.entries.map((entry) => data.emotions.indexOf(entry.emotion)), stepped: true,
            borderColor: "#6d4aff", pointRadius: 6,
            pointBackgroundColor: data.entries.map((entry) => COLOURS[entry.emotion]),
            pointStyle: data.entries.map((entry) => (entry.source === "manual" ? "rectRot" : "circle")),
          }],
        },
        options: {
          maintainAspectRatio: false,
          scales: {
            y: {
              min: -0.5, max: data.emotions.length - 0.5,
              // One tick per emotion, whatever Chart.js would pick for the half-step bounds.
              afterBuildTicks: (scale) => { scale.ticks = data.emotions.map((_, value) => ({ value })); },
              ticks: { autoSkip: false, callback: (value) => label(data.emotions[value] || "") },
            },
          },
          plugins: {
            legend: { display: false },
            tooltip: { callbacks: {
              label: (ctx) => label(data.entries[ctx.dataIndex].emotion),
              afterLabel: (ctx) => {
              const entry = data.entries[ctx.dataIndex];
              return `${entry.source === "manual" ? "chosen by hand" : "camera, " + Math.round(entry.confidence * 100) + "% sure"}`;
              },
            } },
          },
        },
      };
      if (sessionChart) sessionChart.destroy();
      sessionChart = new Chart(canvas, config);
    } catch (error) { showError(canvas, error); }
  }

  drawDaily();
  drawShares();
  const select = document.getElementById("session-select");
  if (select) {
    for (const option of select.options) {
      if (!option.dataset.started) continue;
      option.textContent = `${new Date(option.dataset.started).toLocaleString([], LOCAL_DAY)} · ${option.dataset.changes}`;
    }
    select.addEventListener("change", () => drawSession(select.value));
    drawSession(select.value);
  }
})();
