// Songs and videos for the stable mood and strategy, asked of the recommendations endpoint
// whenever either changes. Emits "recommendations:loading" when it asks and
// "recommendations:ready" with the endpoint's answer once shown.
import { byId } from "./dom.js";
import { songCard, videoCard } from "./cards.js";

export function createRecommendations({ root, config, state, ratingButtons, addToPlaylist, bus }) {
  let shownKey = null, latestRequest = 0;

  async function load() {
    if (!state.mood) return;
    const key = `${state.mood}/${state.strategy}`;
    if (key === shownKey) return;
    shownKey = key;
    const request = ++latestRequest;
    byId("recs-status").textContent = `Finding songs for “${state.mood}”…`;
    root.dataset.recs = "loading";
    bus.emit("recommendations:loading");
    let data;
    try {
      const params = new URLSearchParams({ emotion: state.mood, strategy: state.strategy });
      const response = await fetch(`${config.recommendationsUrl}?${params}`, { headers: { Accept: "application/json" }, credentials: "same-origin" });
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      data = await response.json();
    } catch (error) {
      if (request !== latestRequest) return;
      shownKey = null;
      byId("recs-status").textContent = "Could not load songs just now; pick a mood to try again.";
      root.dataset.recs = "error";
      return;
    }
    if (request !== latestRequest) return; // a newer mood or strategy won
    render(data);
    bus.emit("recommendations:ready", data);
  }

  function render(data) {
    byId("songs").replaceChildren(...(data.tracks || []).map((track) => songCard(track, ratingButtons, addToPlaylist)));
    byId("videos").replaceChildren(...(data.videos || []).map((clip) => videoCard(clip, ratingButtons)));
    const count = (data.tracks || []).length;
    byId("recs-status").textContent = count
      ? `${count} songs for “${data.emotion}” (${data.strategy}).`
      : `No songs for “${data.emotion}” yet.`;
    // What this strategy does from this mood, in the recommender's words ("You are already happy: …").
    byId("strategy-note").textContent = data.strategy_note || "";
    root.dataset.recs = "ready";
    root.dataset.recsEmotion = data.emotion;
    root.dataset.recsStrategy = data.strategy;
  }

  bus.on("mood:changed", load);
  bus.on("strategy:changed", load);
  return { load };
}
