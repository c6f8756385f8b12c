// The mood: one bar per emotion for the face in view, the stable mood and what it follows, the
// picker for a mood chosen by hand, "Follow my camera", and the strategy. The only writer of
// state.mood, moodSource, following, camera, face, cameraMood and strategy; says so with
// "mood:changed" ({ mood, source }), "mood:state" ({ state }) and "strategy:changed".
//
// Camera and picker cooperate: a pick wins over the camera until the listener presses "Follow my
// camera" or starts the camera again; the server is told ("manual_mood", "follow_camera") so it
// announces, and keeps in the history, only the mood that drives the music.
import { byId, el } from "./dom.js";

// What the line under the stable mood says, for each state (see describe()).
const STATE_TEXT = {
  none: "Start the camera or pick a mood.",
  looking: "Following your camera: waiting for a steady expression.",
  camera: "Following your camera.",
  "no-face": "No face in view: keeping your last mood from the camera.",
  paused: "Camera paused: keeping your last mood from the camera.",
  off: "Camera off: your last mood from the camera.",
};

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
    const now = byId("current-emotion");
    now.textContent = face ? `${emoji[face.emotion] || ""} ${face.emotion}` : state.face === "no_face" ? "no face in view" : "—";
    now.dataset.emotion = face ? face.emotion : "";
  }

  /** An analysis of a frame sent while the camera runs: the bars, "Face now", the camera's own mood. */
  function showFaces(message) {
    const face = (message.faces || []).find((f) => f.primary) || (message.faces || [])[0];
    const reading = message.mood || {};
    state.face = reading.status || (face ? "face" : "no_face");
    state.cameraMood = reading.mood || null;
    showBars(face);
    render();
  }

  /** Nothing is being read any more (paused, stopped): no bars, no "Face now", no camera mood. */
  function clearFaces() {
    state.face = null;
    state.cameraMood = null;
    showBars(null);
  }

  /** The state shown is the true one: what the music follows, and what the camera is doing. */
  function describe() {
    if (state.mood === null) return state.camera === "on" ? "looking" : state.camera === "paused" ? "paused" : "none";
    if (!state.following) return "manual";
    if (state.moodSource !== "camera") return state.camera === "on" ? "looking" : "manual";
    if (state.camera === "paused") return "paused";
    if (state.camera !== "on") return "off";
    if (state.face === "no_face") return "no-face";
    return "camera";
  }

  function render() {
    const current = describe();
    const line = byId("mood-state");
    if (current === "manual") {
      const sees = state.camera === "on" && state.cameraMood && state.cameraMood !== state.mood ? `; your camera sees ${state.cameraMood}` : "";
      line.textContent = `Picked by you${sees}.`;
    } else if (current === "looking" && state.mood) {
      line.textContent = `${STATE_TEXT.looking} Music for ${state.mood} until then.`;
    } else if (current === "paused" && !state.mood) {
      line.textContent = "Camera paused.";
    } else {
      line.textContent = STATE_TEXT[current];
    }
    const changed = line.dataset.state !== current;
    line.dataset.state = current;
    document.getElementById("live").dataset.moodState = current;
    const cameraRuns = state.camera === "on" || state.camera === "paused";
    byId("follow-camera").hidden = !(cameraRuns && !state.following);
    byId("manual-note").textContent = cameraRuns ? "Or pick a mood yourself:" : state.camera === "unavailable" ? "Pick your mood yourself:" : "No camera? Pick your mood yourself:";
    for (const button of document.querySelectorAll(".mood-choice")) {
      button.setAttribute("aria-pressed", String(!state.following && button.dataset.emotion === state.mood));
    }
    if (changed) bus.emit("mood:state", { state: current });
  }

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
    state.camera = "on";
    if (!resumed && !state.following) followCamera(); // starting the camera means "use my camera"
    else render();
  });
  for (const [event, camera] of [["camera:paused", "paused"], ["camera:stopped", "off"], ["camera:unavailable", "unavailable"]]) {
    bus.on(event, () => {
      state.camera = camera;
      clearFaces();
      render();
    });
  }
  bus.on("camera:unavailable", () => byId("manual-mood").classList.add("highlight"));
  byId("follow-camera").addEventListener("click", followCamera);

  for (const radio of document.querySelectorAll("input[name=strategy]")) {
    radio.addEventListener("change", () => {
      if (!radio.checked) return;
      state.strategy = radio.value;
      bus.emit("strategy:changed", radio.value);
    });
  }
  render();

  return { showFaces, clearFaces, set, pick, followCamera };
}
