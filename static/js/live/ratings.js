// The 👍/👎 buttons under each song and video, and saving a rating.
// A 503 with Retry-After (core.middleware: the database is away for a moment, nothing was
// written) is tried again after the wait the server asked for: a rating replaces the previous
// one, so sending it twice is harmless. An anonymous visitor gets no buttons at all (the list's
// head says to log in to rate), rather than buttons that answer "log in" and move the card.
// Emits "rating:saved" ({ card, value }) once the server kept a rating.
import { el } from "./dom.js";

const MAX_TRIES = 3;
const MAX_RETRY_WAIT_S = 30;

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Seconds to wait before trying a 503 again, or null when the server did not ask for a retry. */
function retryAfter(response) {
  if (response.status !== 503) return null;
  const seconds = Number(response.headers.get("Retry-After"));
  return Number.isFinite(seconds) && seconds >= 0 ? Math.min(seconds, MAX_RETRY_WAIT_S) : null;
}

export function createRatings({ config, state, bus }) {
  async function post(body, note) {
    for (let attempt = 1; ; attempt++) {
      const response = await fetch(config.ratingsUrl, {
        method: "POST", credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRFToken": config.csrfToken() },
        body,
      });
      const wait = retryAfter(response);
      if (wait === null || attempt >= MAX_TRIES) return response;
      note.textContent = `The server is busy; trying again in ${Math.max(1, Math.round(wait))} s…`;
      await sleep(wait * 1000);
    }
  }

  /** The buttons for one item; name is what a screen reader says ("Like <name>"). */
  return function ratingButtons(itemType, itemId, name) {
    if (!config.authenticated) return null;
    const note = el("span", { class: "rating-note small muted", "aria-live": "polite" });
    const like = el("button", { type: "button", class: "rate like", text: "👍", title: "Like", "aria-label": `Like ${name}`, "aria-pressed": "false" });
    const dislike = el("button", { type: "button", class: "rate dislike", text: "👎", title: "Dislike", "aria-label": `Dislike ${name}`, "aria-pressed": "false" });
    const box = el("div", { class: "rating" }, [like, dislike, note]);
    const rate = async (value) => {
      note.textContent = "Saving…";
      // The mood and strategy in force when the button was pressed, also on a retry.
      const body = JSON.stringify({ item_type: itemType, item_id: itemId, value, emotion: state.mood || "", strategy: state.strategy });
      try {
        const response = await post(body, note);
        if (!response.ok) {
          const answer = await response.json().catch(() => ({}));
          throw new Error(answer.message || answer.error || answer.detail || `HTTP ${response.status}`);
        }
        like.setAttribute("aria-pressed", String(value === 1));
        dislike.setAttribute("aria-pressed", String(value === -1));
        note.textContent = value === 1 ? "Liked" : "Disliked: it leaves the list";
        box.dataset.saved = String(value);
        if (bus) bus.emit("rating:saved", { card: box.closest(".song-card, .video-card"), value });
      } catch (error) {
        note.textContent = `Not saved: ${error.message}`;
      }
    };
    like.addEventListener("click", () => rate(1));
    dislike.addEventListener("click", () => rate(-1));
    return box;
  };
}
