// Songs and videos for the stable mood and strategy, asked of the recommendations endpoint
// whenever either changes, and "More songs" for the next page of the same list. Emits
// "recommendations:loading" when it asks and "recommendations:ready" with the endpoint's answer
// once shown. It writes state.recs, recsFor, recsCount and recsNote; status.js says them. A list
// that failed to load is not left on show under the new mood's heading: its cards go.
import { byId } from "./dom.js";
import { songCard, videoCard } from "./cards.js";

const MAX_PAGE = 4; // the endpoint's own limit: five pages of ten songs

export function createRecommendations({ root, config, state, ratingButtons, addToPlaylist, bus }) {
  let shownKey = null, latestRequest = 0, page = 0;

  function changed(recs, extra) {
    Object.assign(state, { recs }, extra || {});
    bus.emit("state:changed");
  }

  async function load(options) {
    if (!state.mood) return;
    const key = `${state.mood}/${state.strategy}`;
    const more = options && options.more;
    if (key === shownKey && !more && !(options && options.again)) return;
    page = key === shownKey && more ? (page + 1) % (MAX_PAGE + 1) : 0;
    shownKey = key;
    const request = ++latestRequest;
    const wanted = { emotion: state.mood, strategy: state.strategy };
    root.dataset.recs = "loading";
    changed("loading", { recsFor: wanted });
    bus.emit("recommendations:loading");
    let data;
    try {
      const params = new URLSearchParams({ emotion: wanted.emotion, strategy: wanted.strategy, page: String(page) });
      const response = await fetch(`${config.recommendationsUrl}?${params}`, { headers: { Accept: "application/json" }, credentials: "same-origin" });
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      data = await response.json();
    } catch (error) {
      if (request !== latestRequest) return;
      shownKey = null;
      // The cards on show are for another mood or strategy: they go with the failure.
      byId("songs").replaceChildren();
      byId("videos").replaceChildren();
      byId("recs-more").hidden = true;
      root.dataset.recs = "error";
      delete root.dataset.recsEmotion;
      delete root.dataset.recsStrategy;
      changed("error", { recsCount: 0, recsNote: "" });
      return;
    }
    if (request !== latestRequest) return; // a newer mood or strategy won
    render(data);
    bus.emit("recommendations:ready", data);
  }

  function render(data) {
    byId("songs").replaceChildren(...(data.tracks || []).map((track) => songCard(track, ratingButtons, addToPlaylist)));
    byId("videos").replaceChildren(...(data.videos || []).map((clip) => videoCard(clip, ratingButtons, config)));
    byId("recs-more").hidden = !(data.tracks || []).length;
    byId("more-songs").textContent = data.has_more === false ? "Back to the first songs" : "More songs";
    root.dataset.recs = "ready";
    root.dataset.recsEmotion = data.emotion;
    root.dataset.recsStrategy = data.strategy;
    root.dataset.recsPage = String(data.page || 0);
    if (data.has_more === false) page = MAX_PAGE; // the next "more" wraps round to the first page
    changed("ready", {
      recsFor: { emotion: data.emotion, strategy: data.strategy },
      recsCount: (data.tracks || []).length,
      // What this strategy does from this mood, in the recommender's words.
      recsNote: data.strategy_note || "",
    });
  }

  /** A disliked song or video leaves the list (the server skips it from now on, too). */
  bus.on("rating:saved", ({ card, value }) => {
    if (value !== -1 || !card) return;
    card.classList.add("leaving");
    setTimeout(() => {
      card.remove();
      if (card.classList.contains("song-card")) {
        state.recsCount = byId("songs").querySelectorAll(".song-card").length;
        bus.emit("state:changed");
      }
    }, 600);
  });

  bus.on("mood:changed", () => load());
  bus.on("strategy:changed", () => load());
  byId("more-songs").addEventListener("click", () => load({ more: true }));
  return { load, again: () => load({ again: true }) };
}
