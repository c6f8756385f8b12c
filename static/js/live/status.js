// Every status line of the live page, drawn from the one state (state.js) each time it changes
// ("state:changed"): the camera's line, the connection's, what the music follows, "Face now",
// the songs' line and the strategy's note, the hint that songs are ready below. Nothing else
// writes these lines, so none of them can outlive what made it true: a disconnect, a face gone
// for a while or a pick redraws them all at once.
import { byId, el, setStatus } from "./dom.js";

export const NO_FACE_LONG_MS = 6000; // after this long without a face, the page says so and what to do
const STRATEGY_NAME = { match: "Match", lift: "Lift", iso: "Iso" };

export function createStatus({ root, config, state, bus, reconnect, retry }) {
  const adjective = (emotion) => (config.adjectives && config.adjectives[emotion]) || emotion;
  const withArticle = (word) => `${/^[aeiou]/.test(word) ? "an" : "a"} ${word}`;
  let timer = null;
  let songsInView = false;
  let seenList = null; // the list (state.recsFor) the listener has had in view: no hint for it any more

  const noFaceMs = () => (state.face === "no_face" && state.noFaceSince !== null ? performance.now() - state.noFaceSince : 0);
  const reading = () => state.camera === "on" && state.socket === "open";

  /** What the music follows now: none, looking, camera, no-face, paused, off, manual or offline. */
  function moodState() {
    const lostLong = noFaceMs() >= NO_FACE_LONG_MS;
    if (state.mood === null) {
      if (state.camera === "on" && state.socket !== "open") return "offline";
      if (state.camera === "on") return lostLong ? "no-face" : "looking";
      return state.camera === "paused" ? "paused" : "none";
    }
    if (!state.following) return "manual";
    if (state.moodSource !== "camera") return state.camera === "on" ? (state.socket !== "open" ? "offline" : "looking") : "manual";
    if (state.camera === "paused") return "paused";
    if (state.camera !== "on") return "off";
    if (state.socket !== "open") return "offline";
    return state.face === "no_face" ? "no-face" : "camera";
  }

  function moodLine(current) {
    const mood = state.mood;
    const lost = noFaceMs();
    switch (current) {
      case "looking":
        return "Following your camera: hold still a moment while it reads your expression." + (mood ? ` Music for ${adjective(mood)} until then.` : "");
      case "camera":
        return "Following your camera.";
      case "no-face":
        if (!mood) return "No face in view: look at the camera, or pick a mood.";
        return lost >= NO_FACE_LONG_MS
          ? `No face in view for ${Math.floor(lost / 1000)} s: the music stays with ${adjective(mood)}. Look at the camera, or pick a mood.`
          : "No face in view: keeping your last mood from the camera.";
      case "paused":
        return mood ? "Camera paused: keeping your last mood from the camera." : "Camera paused.";
      case "off":
        return "Camera off: your last mood from the camera.";
      case "manual":
        return state.camera === "on" || state.camera === "paused"
          ? "Picked by you. The camera is not followed until you press “Follow my camera”."
          : "Picked by you.";
      case "offline":
        return "Not connected: your face is not being read." + (mood ? ` The music stays with ${adjective(mood)}.` : "");
      default:
        return "Start the camera or pick a mood.";
    }
  }

  const PROBLEM = {
    denied: "Camera access was refused, so EmoTunes cannot see your face.",
    missing: "No camera was found.",
    insecure: "This browser cannot share a camera here (it needs a secure https:// page).",
    failed: "The camera could not be started.",
  };

  function cameraLine() {
    const node = byId("camera-status");
    if (state.camera === "unavailable") {
      const pick = el("a", { href: "#mood-card", class: "to-picker", text: "Pick a mood under “Your mood”" });
      pick.addEventListener("click", (event) => {
        event.preventDefault();
        byId("mood-card").scrollIntoView({ block: "nearest" });
        const first = document.querySelector(".mood-choice");
        if (first) first.focus();
      });
      const parts = [`${PROBLEM[state.cameraProblem] || PROBLEM.failed} `, pick, " instead."];
      if (state.cameraProblem === "denied") {
        parts.push(" To use the camera, allow it for this site (the camera or lock icon at the left of the address bar → Camera → Allow), then press “Try the camera again”.");
      } else if (state.cameraProblem !== "insecure") {
        parts.push(" Plug in or free the camera (another app may be using it), then press “Try the camera again”.");
      }
      node.replaceChildren(...parts);
      node.dataset.kind = "warn";
      return;
    }
    const lost = noFaceMs();
    if (state.camera === "starting") setStatus("camera-status", "Asking for your camera…");
    else if (state.camera === "paused") setStatus("camera-status", "Paused: no frames are sent.");
    else if (state.camera === "off") setStatus("camera-status", state.cameraStopped ? "Camera stopped." : "");
    else if (state.socket !== "open") setStatus("camera-status", "Not connected: no frames are sent, so your face is not being read.", "warn");
    else if (state.slow) setStatus("camera-status", "The server is slow; still trying…", "warn");
    else if (state.face === "no_face") {
      setStatus("camera-status", lost >= NO_FACE_LONG_MS ? `No face in view for ${Math.floor(lost / 1000)} s: look at the camera.` : "No face in view: look at the camera.", "warn");
    } else if (state.face === "uncertain") setStatus("camera-status", "Reading your expression…");
    else if (state.face === "face") setStatus("camera-status", "Your face is in view.", "ok");
    else setStatus("camera-status", "Looking for your face…");
    byId("camera-start").textContent = "Start camera";
  }

  function socketLine() {
    if (state.socket === "open") setStatus("socket-status", "Connected", "ok");
    else if (state.socket === "closed") {
      const wait = state.retryAt ? Math.max(0, Math.round((state.retryAt - performance.now()) / 1000)) : null;
      setStatus("socket-status", wait === null ? "Disconnected." : `Disconnected; retrying in ${wait} s…`, "warn");
    } else setStatus("socket-status", "Connecting…");
    byId("reconnect").hidden = state.socket !== "closed";
  }

  function faceNow() {
    const node = byId("current-emotion");
    const shown = reading() && state.face === "face" || (reading() && state.face === "uncertain" && state.faceEmotion) ? state.faceEmotion : null;
    node.textContent = shown ? `${config.emoji[shown] || ""} ${shown}` : reading() && state.face === "no_face" ? "no face in view" : "—";
    node.dataset.emotion = shown || "";
  }

  function recsLine(current) {
    const status = byId("recs-status");
    const note = byId("strategy-note");
    const title = byId("recs-title");
    const wanted = state.mood ? { emotion: state.mood, strategy: state.strategy } : null;
    const forNow = state.recsFor && wanted && state.recsFor.emotion === wanted.emotion && state.recsFor.strategy === wanted.strategy;
    note.textContent = state.recs === "ready" && forNow ? state.recsNote || "" : "";
    status.dataset.kind = "";
    if (!wanted) {
      title.textContent = "Songs for you";
      status.textContent = current === "looking" ? "Songs appear as soon as your camera reads a steady expression."
        : current === "no-face" ? "Look at the camera, or pick a mood, to get songs."
          : "Start the camera or pick a mood to get songs.";
      return;
    }
    const mood = adjective(wanted.emotion);
    title.textContent = `Songs for ${withArticle(mood)} mood`;
    if (state.recs === "error" && forNow) {
      status.dataset.kind = "warn";
      const again = el("button", { type: "button", class: "link retry-recs", text: "Try again" });
      again.addEventListener("click", retry);
      status.replaceChildren(`Could not load songs for ${withArticle(mood)} mood: the server did not answer. `, again);
    } else if (state.recs === "ready" && forNow) {
      status.textContent = state.recsCount
        ? `${state.recsCount} songs for ${withArticle(mood)} mood · ${STRATEGY_NAME[wanted.strategy]}.`
        : `No songs for ${withArticle(mood)} mood yet.`;
    } else {
      status.textContent = `Finding songs for ${withArticle(mood)} mood…`;
    }
  }

  function hint() {
    const button = byId("to-songs");
    const ready = state.recs === "ready" && state.recsCount > 0 && state.recsFor && state.recsFor.emotion === state.mood;
    if (ready && songsInView) seenList = state.recsFor;
    button.hidden = !(ready && !songsInView && seenList !== state.recsFor);
    if (ready) byId("to-songs-text").textContent = `${state.recsCount} songs for ${withArticle(adjective(state.mood))} mood`;
  }

  function render() {
    clearTimeout(timer);
    timer = null;
    const current = moodState();
    const line = byId("mood-state");
    line.textContent = moodLine(current);
    const changed = line.dataset.state !== current;
    line.dataset.state = current;
    root.dataset.moodState = current;
    root.dataset.status = state.socket === "open" ? current : "offline";
    cameraLine();
    socketLine();
    faceNow();
    recsLine(current);
    hint();
    const cameraRuns = state.camera === "on" || state.camera === "paused";
    byId("follow-camera").hidden = !(cameraRuns && !state.following);
    byId("manual-note").textContent = cameraRuns ? "Or pick a mood yourself:" : state.camera === "unavailable" ? "Pick your mood:" : "No camera? Pick your mood:";
    if (state.camera === "unavailable") byId("camera-start").textContent = "Try the camera again";
    for (const button of document.querySelectorAll(".mood-choice")) {
      button.setAttribute("aria-pressed", String(!state.following && button.dataset.emotion === state.mood));
    }
    for (const item of document.querySelectorAll("#strategy-help [data-strategy]")) {
      item.dataset.active = String(item.dataset.strategy === state.strategy);
    }
    // Lines that change with time alone: the seconds without a face, the countdown to a reconnect.
    if (state.face === "no_face" && state.noFaceSince !== null && state.camera === "on") timer = setTimeout(render, 1000);
    else if (state.socket === "closed") timer = setTimeout(render, 1000);
    if (changed) bus.emit("mood:state", { state: current });
  }

  byId("reconnect").addEventListener("click", reconnect);
  byId("to-songs").addEventListener("click", () => byId("songs").scrollIntoView({ behavior: "smooth", block: "start" }));
  // The songs count as seen once their list's head is in the upper part of the window.
  if ("IntersectionObserver" in window) {
    // The songs themselves anywhere in the window, or their list's line well inside it.
    const visible = new Map();
    const seen = (entries) => {
      for (const entry of entries) visible.set(entry.target, entry.isIntersecting);
      songsInView = [...visible.values()].some(Boolean);
      hint();
    };
    new IntersectionObserver(seen, { rootMargin: "0px 0px -10% 0px" }).observe(byId("recs-status"));
    new IntersectionObserver(seen).observe(byId("songs"));
  }
  bus.on("state:changed", render);
  render();
  return { render, moodState };
}
