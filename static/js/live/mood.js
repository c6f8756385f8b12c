// The mood: one bar per emotion for the face in view, the stable mood, the picker for a mood
// chosen by hand, "Follow my camera", and the strategy. The only writer of state.mood,
// moodSource, following, face, faceEmotion, noFaceSince, cameraMood and strategy; says so with
// "state:changed" (status.js words every line from the state), "mood:changed" ({ mood, source })
// and "strategy:changed".
//
// Camera and picker cooperate: a pick wins over the camera until the listener presses "Follow my
// camera" or starts the camera again; the server is told ("manual_mood", "follow_camera") so it
// announces, and keeps in the history, only the mood that drives the music.
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
    const choice = el("button", { type: "button", class: "mood-choice", "data-emotion": emotion, "aria-pressed": "false", text: `${emoji[emotion]} ${emotion}` });
    choice.addEventListener("click", () => pick(emotion));
    byId("mood-picker").append(choice);
  }

  function showBars(face) {
    for (const emotion of emotions) {
      const p = face ? Math.round(100 * (face.emotions[emotion] || 0)) : 0;
      bars[emotion].fill.style.width = `${p}%`;
      bars[emotion].meter.setAttribute("aria-valuenow", String(p));
      bars[emotion].value.textContent = `${p}%`;
    }
  }

  /** An analysis of a frame sent while the camera runs: the bars, "Face now", the camera's own mood. */
  function showFaces(message) {
    const face = (message.faces || []).find((f) => f.primary) || (message.faces || [])[0];
    const reading = message.mood || {};
    state.face = reading.status || (face ? "face" : "no_face");
    if (state.face !== "no_face") state.noFaceSince = null;
    else if (state.noFaceSince === null) state.noFaceSince = performance.now();
    state.faceEmotion = face ? face.emotion : null;
    state.cameraMood = reading.mood || null;
    showBars(face);
    render();
  }

  /** Nothing is being read any more (paused, stopped, disconnected): no bars, no "Face now", no camera mood. */
  function clearFaces() {
    state.face = null;
    state.faceEmotion = null;
    state.noFaceSince = null;
    state.cameraMood = null;
    showBars(null);
  }

  const render = () => bus.emit("state:changed");

  function set(mood, source) {
    if (!emotions.includes(mood)) return;
    state.mood = mood;
    state.moodSource = source;
    const node = byId("stable-mood");
    node.textContent = mood;
    node.dataset.mood = mood;
    byId("stable-mood-emoji").textContent = emoji[mood];
    render();
    bus.emit("mood:changed", { mood, source });
  }

  function pick(emotion) {
    state.following = false;
    // Shown at once; the server echoes it as mood_changed and keeps it in a logged-in listener's history.
    set(emotion, "manual");
    if (socket.isOpen()) socket.sendJSON({ type: "manual_mood", emotion });
  }

  /** Back to the camera: the server answers with the camera's stable mood, at once or when it has one. */
  function followCamera() {
    state.following = true;
    render();
    if (socket.isOpen()) socket.sendJSON({ type: "follow_camera" });
  }

  bus.on("server:mood_changed", (message) => {
    // A camera change sent before the server heard of a pick is not the listener's mood any more.
    if (message.source === "camera" && !state.following) return;
    set(message.mood, message.source);
  });
  bus.on("socket:open", () => {
    // A new connection knows nothing of a pick made before it: say it again.
    if (!state.following && state.mood) socket.sendJSON({ type: "manual_mood", emotion: state.mood });
  });
  bus.on("camera:on", ({ resumed } = {}) => {
    if (!resumed && !state.following) followCamera(); // starting the camera means "use my camera"
    else render();
  });
  // What the camera read stops being true when no more frames are read: paused, stopped, disconnected.
  for (const event of ["camera:paused", "camera:stopped", "camera:unavailable", "socket:closed"]) {
    bus.on(event, () => {
      clearFaces();
      render();
    });
  }
  byId("follow-camera").addEventListener("click", followCamera);

  for (const radio of document.querySelectorAll("input[name=strategy]")) {
    radio.addEventListener("change", () => {
      if (!radio.checked) return;
      state.strategy = radio.value;
      render();
      bus.emit("strategy:changed", radio.value);
    });
  }
  render();

  return { showFaces, clearFaces, set, pick, followCamera };
}
