// The mood card: one bar per emotion for the face in view, the stable mood, the picker for a
// mood chosen by hand, and the strategy. The only writer of state.mood, state.moodSource and
// state.strategy; says so with "mood:changed" ({ mood, source }) and "strategy:changed".
import { byId, el } from "./dom.js";

export function createMoodCard({ config, state, socket, bus }) {
  const { emotions, emoji } = config;
  const bars = {};
  for (const emotion of emotions) {
    const fill = el("span", { class: "fill" });
    const meter = el("span", { class: "bar", role: "meter", "aria-label": emotion, "aria-valuemin": "0", "aria-valuemax": "100", "aria-valuenow": "0" }, [fill]);
    const value = el("span", { class: "value", text: "0%" });
    byId("emotion-bars").append(el("li", { "data-emotion": emotion }, [el("span", { class: "label", text: `${emoji[emotion]} ${emotion}` }), meter, value]));
    bars[emotion] = { fill, meter, value };
    const choice = el("button", { type: "button", class: "mood-choice", "data-emotion": emotion, text: `${emoji[emotion]} ${emotion}` });
    choice.addEventListener("click", () => pick(emotion));
    byId("mood-picker").append(choice);
  }

  /** The emotions of the face in view (the primary one, else the first) from an analysis. */
  function showFaces(message) {
    const face = (message.faces || []).find((f) => f.primary) || (message.faces || [])[0];
    for (const emotion of emotions) {
      const p = face ? Math.round(100 * (face.emotions[emotion] || 0)) : 0;
      bars[emotion].fill.style.width = `${p}%`;
      bars[emotion].meter.setAttribute("aria-valuenow", String(p));
      bars[emotion].value.textContent = `${p}%`;
    }
    byId("current-emotion").textContent = face ? `${emoji[face.emotion] || ""} ${face.emotion}` : "no face in view";
    byId("current-emotion").dataset.emotion = face ? face.emotion : "";
  }

  function set(mood, source) {
    if (!emotions.includes(mood)) return;
    state.mood = mood;
    state.moodSource = source;
    const node = byId("stable-mood");
    node.textContent = mood;
    node.dataset.mood = mood;
    byId("stable-mood-emoji").textContent = emoji[mood];
    byId("stable-mood-source").textContent = source === "manual" ? "(picked by you)" : "(from your camera)";
    for (const button of document.querySelectorAll(".mood-choice")) {
      button.setAttribute("aria-pressed", String(button.dataset.emotion === mood && source === "manual"));
    }
    bus.emit("mood:changed", { mood, source });
  }

  function pick(emotion) {
    if (socket.isOpen()) {
      // The server echoes it as mood_changed (and keeps it in a logged-in listener's history).
      socket.sendJSON({ type: "manual_mood", emotion });
    } else {
      set(emotion, "manual");
    }
  }

  bus.on("server:mood_changed", (message) => set(message.mood, message.source));
  bus.on("camera:unavailable", () => {
    byId("manual-note").textContent = "Pick your mood yourself:";
    byId("manual-mood").classList.add("highlight");
  });
  for (const radio of document.querySelectorAll("input[name=strategy]")) {
    radio.addEventListener("change", () => {
      if (!radio.checked) return;
      state.strategy = radio.value;
      bus.emit("strategy:changed", radio.value);
    });
  }

  return { showFaces, set, pick };
}
