// The live page: camera frames to the websocket, emotions and recommendations back.
// Protocol (see README, "Live stream"): binary JPEG frames, one in flight at a time; every
// frame gets exactly one answer ("analysis", "dropped" or "error"); "mood_changed" says when
// the stable mood switches, and then the page asks /api/recommendations/ for music.
(function () {
  "use strict";

  const EMOTIONS = ["angry", "disgust", "fear", "happy", "sad", "surprise", "neutral"];
  const EMOJI = { angry: "😠", disgust: "🤢", fear: "😨", happy: "😊", sad: "😢", surprise: "😲", neutral: "😐" };
  const FRAME_WIDTH = 320, FRAME_HEIGHT = 240, JPEG_QUALITY = 0.7;
  const FRAME_INTERVAL_MS = 250; // a few frames per second; each also waits for the previous answer
  const ANSWER_TIMEOUT_MS = 20000; // the server answers within its own timeout; this is a last resort
  const BACKOFF_START_MS = 500, BACKOFF_MAX_MS = 15000;

  const root = document.getElementById("live");
  if (!root) return;
  const $ = (id) => document.getElementById(id);
  const video = $("camera-video"), overlay = $("face-overlay");
  const grab = document.createElement("canvas");
  grab.width = FRAME_WIDTH; grab.height = FRAME_HEIGHT;
  const authenticated = root.dataset.authenticated === "true";
  const csrfInput = root.querySelector("input[name=csrfmiddlewaretoken]");

  const state = {
    socket: null, backoff: BACKOFF_START_MS, reconnectTimer: null,
    stream: null, paused: false,
    inFlight: false, inFlightTimer: null, nextFrameTimer: null, lastSentAt: 0, frameInterval: FRAME_INTERVAL_MS,
    mood: null, moodSource: null, strategy: "match", recsKey: null, recsRequest: 0,
  };

  // --- building blocks of the page -------------------------------------------------------
  function el(tag, attrs, children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs || {})) {
      if (value === undefined || value === null) continue;
      if (key === "class") node.className = value;
      else if (key === "text") node.textContent = value;
      else if (key.startsWith("data-")) node.setAttribute(key, value);
      else if (key in node) node[key] = value;
      else node.setAttribute(key, value);
    }
    for (const child of children || []) if (child) node.append(child);
    return node;
  }

  const bars = {};
  for (const emotion of EMOTIONS) {
    const fill = el("span", { class: "fill" });
    const meter = el("span", { class: "bar", role: "meter", "aria-label": emotion, "aria-valuemin": "0", "aria-valuemax": "100", "aria-valuenow": "0" }, [fill]);
    const value = el("span", { class: "value", text: "0%" });
    $("emotion-bars").append(el("li", { "data-emotion": emotion }, [el("span", { class: "label", text: `${EMOJI[emotion]} ${emotion}` }), meter, value]));
    bars[emotion] = { fill, meter, value };
    const choice = el("button", { type: "button", class: "mood-choice", "data-emotion": emotion, text: `${EMOJI[emotion]} ${emotion}` });
    choice.addEventListener("click", () => pickMood(emotion));
    $("mood-picker").append(choice);
  }

  function setStatus(id, text, kind) {
    const node = $(id);
    node.textContent = text;
    node.dataset.kind = kind || "";
  }

  // --- the websocket ---------------------------------------------------------------------
  function connect() {
    clearTimeout(state.reconnectTimer);
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    const socket = new WebSocket(`${scheme}://${location.host}${root.dataset.wsPath}`);
    socket.binaryType = "arraybuffer";
    state.socket = socket;
    setStatus("socket-status", "Connecting…");
    socket.addEventListener("open", () => {
      state.backoff = BACKOFF_START_MS;
      setStatus("socket-status", "Connected", "ok");
      root.dataset.socket = "open";
      scheduleFrame(0);
    });
    socket.addEventListener("message", (event) => {
      if (typeof event.data !== "string") return;
      let message;
      try { message = JSON.parse(event.data); } catch (e) { return; }
      handleMessage(message);
    });
    socket.addEventListener("close", () => {
      if (state.socket !== socket) return;
      root.dataset.socket = "closed";
      frameAnswered();
      // Exponential backoff with jitter, so many pages do not reconnect in lockstep.
      const delay = Math.min(BACKOFF_MAX_MS, state.backoff) * (0.75 + Math.random() * 0.5);
      state.backoff = Math.min(BACKOFF_MAX_MS, state.backoff * 2);
      setStatus("socket-status", `Disconnected; retrying in ${Math.round(delay / 1000)} s…`, "warn");
      state.reconnectTimer = setTimeout(connect, delay);
    });
  }

  function socketOpen() {
    return state.socket && state.socket.readyState === WebSocket.OPEN;
  }

  function handleMessage(message) {
    switch (message.type) {
      case "hello":
        root.dataset.mode = message.mode || "";
        if (message.limits && message.limits.max_frames_per_second > 0) {
          // Stay under the server's rate limit whatever it is set to.
          state.frameInterval = Math.max(FRAME_INTERVAL_MS, 1000 / message.limits.max_frames_per_second);
        }
        break;
      case "analysis":
        showAnalysis(message);
        frameAnswered();
        break;
      case "dropped":
        frameAnswered();
        break;
      case "error":
        if (message.seq !== undefined) frameAnswered();
        if (!["vision_timeout"].includes(message.code)) console.warn("EmoTunes:", message.code, message.message);
        if (message.code === "vision_timeout") setStatus("camera-status", "The server is slow; still trying…", "warn");
        break;
      case "mood_changed":
        setMood(message.mood, message.source);
        break;
    }
  }

  // --- camera and frames -----------------------------------------------------------------
  async function startCamera() {
    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
      cameraUnavailable("This browser cannot share a camera here (it needs a secure https:// page).");
      return;
    }
    $("camera-start").disabled = true;
    setStatus("camera-status", "Asking for your camera…");
    try {
      state.stream = await navigator.mediaDevices.getUserMedia({
        video: { width: { ideal: 640 }, height: { ideal: 480 }, facingMode: "user" }, audio: false,
      });
    } catch (error) {
      $("camera-start").disabled = false;
      if (error && (error.name === "NotAllowedError" || error.name === "SecurityError")) {
        cameraUnavailable("Camera access was refused, so EmoTunes cannot see your face.");
      } else if (error && (error.name === "NotFoundError" || error.name === "OverconstrainedError")) {
        cameraUnavailable("No camera was found.");
      } else {
        cameraUnavailable("The camera could not be started.");
      }
      return;
    }
    video.srcObject = state.stream;
    await video.play().catch(() => {});
    state.paused = false;
    root.dataset.camera = "on";
    $("camera-indicator").hidden = false;
    $("preview-placeholder").hidden = true;
    $("camera-start").hidden = true;
    $("camera-start").disabled = false;
    $("camera-pause").hidden = false;
    $("camera-pause").textContent = "Pause";
    $("camera-stop").hidden = false;
    setStatus("camera-status", "Looking for your face…");
    scheduleFrame(0);
  }

  function cameraUnavailable(text) {
    root.dataset.camera = "unavailable";
    setStatus("camera-status", `${text} Pick your mood below instead.`, "warn");
    $("manual-note").textContent = "Pick your mood yourself:";
    $("manual-mood").classList.add("highlight");
  }

  function togglePause() {
    state.paused = !state.paused;
    for (const track of state.stream ? state.stream.getVideoTracks() : []) track.enabled = !state.paused;
    $("camera-pause").textContent = state.paused ? "Resume" : "Pause";
    $("camera-indicator").hidden = state.paused;
    root.dataset.camera = state.paused ? "paused" : "on";
    setStatus("camera-status", state.paused ? "Paused: no frames are sent." : "Looking for your face…");
    if (!state.paused) scheduleFrame(0);
  }

  function stopCamera() {
    for (const track of state.stream ? state.stream.getTracks() : []) track.stop();
    state.stream = null;
    state.paused = false;
    video.srcObject = null;
    clearTimeout(state.nextFrameTimer);
    root.dataset.camera = "off";
    $("camera-indicator").hidden = true;
    $("preview-placeholder").hidden = false;
    $("camera-start").hidden = false;
    $("camera-pause").hidden = true;
    $("camera-stop").hidden = true;
    clearOverlay();
    setStatus("camera-status", "Camera stopped.");
  }

  function cameraLive() {
    return state.stream && !state.paused && video.readyState >= 2;
  }

  function scheduleFrame(delay) {
    clearTimeout(state.nextFrameTimer);
    state.nextFrameTimer = setTimeout(sendFrame, delay);
  }

  function sendFrame() {
    if (state.inFlight || !socketOpen() || !state.stream || state.paused) return;
    if (!cameraLive()) { scheduleFrame(100); return; }
    const context = grab.getContext("2d");
    context.drawImage(video, 0, 0, FRAME_WIDTH, FRAME_HEIGHT);
    state.inFlight = true;
    grab.toBlob(async (blob) => {
      if (!blob || !socketOpen()) { frameAnswered(); return; }
      const bytes = await blob.arrayBuffer();
      if (!socketOpen()) { frameAnswered(); return; }
      state.lastSentAt = performance.now();
      state.socket.send(bytes);
      state.inFlightTimer = setTimeout(frameAnswered, ANSWER_TIMEOUT_MS);
    }, "image/jpeg", JPEG_QUALITY);
  }

  function frameAnswered() {
    clearTimeout(state.inFlightTimer);
    if (!state.inFlight) return;
    state.inFlight = false;
    const wait = Math.max(0, state.frameInterval - (performance.now() - state.lastSentAt));
    scheduleFrame(wait);
  }

  // --- showing what the server saw -------------------------------------------------------
  function showAnalysis(message) {
    if (!state.stream) return;
    const face = (message.faces || []).find((f) => f.primary) || (message.faces || [])[0];
    drawFaces(message);
    for (const emotion of EMOTIONS) {
      const p = face ? Math.round(100 * (face.emotions[emotion] || 0)) : 0;
      bars[emotion].fill.style.width = `${p}%`;
      bars[emotion].meter.setAttribute("aria-valuenow", String(p));
      bars[emotion].value.textContent = `${p}%`;
    }
    $("current-emotion").textContent = face ? `${EMOJI[face.emotion] || ""} ${face.emotion}` : "no face in view";
    $("current-emotion").dataset.emotion = face ? face.emotion : "";
    const mood = message.mood || {};
    if (mood.status === "no_face") setStatus("camera-status", "No face in view: look at the camera.");
    else if (mood.status === "uncertain") setStatus("camera-status", "Reading your expression…");
    else setStatus("camera-status", "Following your mood.", "ok");
  }

  function clearOverlay() {
    overlay.getContext("2d").clearRect(0, 0, overlay.width, overlay.height);
  }

  function drawFaces(message) {
    // The overlay has the frame's own coordinates; CSS stretches it over the video like the frame.
    overlay.width = message.width || FRAME_WIDTH;
    overlay.height = message.height || FRAME_HEIGHT;
    const context = overlay.getContext("2d");
    context.clearRect(0, 0, overlay.width, overlay.height);
    for (const face of message.faces || []) {
      const [x, y, w, h] = face.box;
      context.lineWidth = 3;
      context.strokeStyle = face.primary ? "#6d4aff" : "#ffffffaa";
      context.strokeRect(x, y, w, h);
    }
  }

  function setMood(mood, source) {
    if (!EMOTIONS.includes(mood)) return;
    state.mood = mood;
    state.moodSource = source;
    const node = $("stable-mood");
    node.textContent = mood;
    node.dataset.mood = mood;
    $("stable-mood-emoji").textContent = EMOJI[mood];
    $("stable-mood-source").textContent = source === "manual" ? "(picked by you)" : "(from your camera)";
    for (const button of document.querySelectorAll(".mood-choice")) {
      button.setAttribute("aria-pressed", String(button.dataset.emotion === mood && source === "manual"));
    }
    loadRecommendations();
  }

  function pickMood(emotion) {
    if (socketOpen()) {
      // The server echoes it as mood_changed (and keeps it in a logged-in listener's history).
      state.socket.send(JSON.stringify({ type: "manual_mood", emotion }));
    } else {
      setMood(emotion, "manual");
    }
  }

  // --- recommendations -------------------------------------------------------------------
  async function loadRecommendations() {
    if (!state.mood) return;
    const key = `${state.mood}/${state.strategy}`;
    if (key === state.recsKey) return;
    state.recsKey = key;
    const request = ++state.recsRequest;
    $("recs-status").textContent = `Finding songs for “${state.mood}”…`;
    root.dataset.recs = "loading";
    let data;
    try {
      const params = new URLSearchParams({ emotion: state.mood, strategy: state.strategy });
      const response = await fetch(`${root.dataset.recommendationsUrl}?${params}`, { headers: { Accept: "application/json" }, credentials: "same-origin" });
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      data = await response.json();
    } catch (error) {
      if (request !== state.recsRequest) return;
      state.recsKey = null;
      $("recs-status").textContent = "Could not load songs just now; pick a mood to try again.";
      root.dataset.recs = "error";
      return;
    }
    if (request !== state.recsRequest) return; // a newer mood or strategy won
    renderRecommendations(data);
  }

  function renderRecommendations(data) {
    const songs = $("songs"), videos = $("videos");
    songs.replaceChildren(...(data.tracks || []).map(songCard));
    videos.replaceChildren(...(data.videos || []).map(videoCard));
    const count = (data.tracks || []).length;
    $("recs-status").textContent = count
      ? `${count} songs for “${data.emotion}” (${data.strategy}).`
      : `No songs for “${data.emotion}” yet.`;
    root.dataset.recs = "ready";
    root.dataset.recsEmotion = data.emotion;
    root.dataset.recsStrategy = data.strategy;
  }

  function songPlayer(track) {
    if (track.spotify_id) {
      return el("iframe", {
        class: "player spotify", title: `${track.title} on Spotify`, loading: "lazy",
        src: `https://open.spotify.com/embed/track/${encodeURIComponent(track.spotify_id)}`,
        allow: "encrypted-media; clipboard-write", height: "80",
      });
    }
    if (track.deezer_id) {
      return el("iframe", {
        class: "player deezer", title: `${track.title} on Deezer`, loading: "lazy",
        src: `https://widget.deezer.com/widget/auto/track/${encodeURIComponent(track.deezer_id)}`,
        allow: "encrypted-media; clipboard-write", height: "80",
      });
    }
    if (track.youtube_id) {
      return el("a", { class: "player-link", href: `https://www.youtube.com/watch?v=${encodeURIComponent(track.youtube_id)}`, target: "_blank", rel: "noopener", text: "▶ Play on YouTube" });
    }
    const query = encodeURIComponent(`${track.artist} ${track.title}`);
    return el("a", { class: "player-link", href: `https://www.youtube.com/results?search_query=${query}`, target: "_blank", rel: "noopener", text: "▶ Find it on YouTube" });
  }

  function songCard(track) {
    const meta = [track.artist, track.genre].filter(Boolean).join(" · ");
    return el("article", { class: "song-card", "data-item-type": "track", "data-item-id": String(track.id) }, [
      el("h3", { class: "song-title", text: track.title }),
      el("p", { class: "song-meta muted", text: meta }),
      track.reason ? el("p", { class: "reason small", text: track.reason }) : null,
      songPlayer(track),
      ratingButtons("track", track.id, track.title),
    ]);
  }

  function videoCard(clip) {
    const start = Math.max(0, Math.floor(Number(clip.start_s) || 0));
    return el("article", { class: "video-card", "data-item-type": "video", "data-item-id": String(clip.id) }, [
      el("div", { class: "video-frame" }, [el("iframe", {
        class: "player youtube", title: clip.title || "Music video", loading: "lazy",
        src: `https://www.youtube-nocookie.com/embed/${encodeURIComponent(clip.youtube_id)}?start=${start}`,
        allow: "accelerometer; encrypted-media; gyroscope; picture-in-picture", allowFullscreen: true,
        referrerPolicy: "strict-origin-when-cross-origin",
      })]),
      el("p", { class: "video-title", text: clip.title || "" }),
      clip.reason ? el("p", { class: "reason small", text: clip.reason }) : null,
      ratingButtons("video", clip.id, clip.title || "this video"),
    ]);
  }

  function ratingButtons(itemType, itemId, name) {
    const note = el("span", { class: "rating-note small muted", "aria-live": "polite" });
    const like = el("button", { type: "button", class: "rate like", text: "👍", title: "Like", "aria-label": `Like ${name}`, "aria-pressed": "false" });
    const dislike = el("button", { type: "button", class: "rate dislike", text: "👎", title: "Dislike", "aria-label": `Dislike ${name}`, "aria-pressed": "false" });
    const box = el("div", { class: "rating" }, [like, dislike, note]);
    const rate = async (value) => {
      if (!authenticated) {
        note.replaceChildren(el("a", { href: root.dataset.loginUrl, text: "Log in to rate" }));
        return;
      }
      note.textContent = "Saving…";
      try {
        const response = await fetch(root.dataset.ratingsUrl, {
          method: "POST", credentials: "same-origin",
          headers: { "Content-Type": "application/json", "X-CSRFToken": csrfInput ? csrfInput.value : "" },
          body: JSON.stringify({ item_type: itemType, item_id: itemId, value, emotion: state.mood || "", strategy: state.strategy }),
        });
        if (!response.ok) {
          const body = await response.json().catch(() => ({}));
          throw new Error(body.error || body.detail || `HTTP ${response.status}`);
        }
        like.setAttribute("aria-pressed", String(value === 1));
        dislike.setAttribute("aria-pressed", String(value === -1));
        note.textContent = value === 1 ? "Liked" : "Disliked";
        box.dataset.saved = String(value);
      } catch (error) {
        note.textContent = `Not saved: ${error.message}`;
      }
    };
    like.addEventListener("click", () => rate(1));
    dislike.addEventListener("click", () => rate(-1));
    return box;
  }

  // --- wiring ----------------------------------------------------------------------------
  $("camera-start").addEventListener("click", startCamera);
  $("camera-pause").addEventListener("click", togglePause);
  $("camera-stop").addEventListener("click", stopCamera);
  for (const radio of document.querySelectorAll("input[name=strategy]")) {
    radio.addEventListener("change", () => {
      if (!radio.checked) return;
      state.strategy = radio.value;
      loadRecommendations();
    });
  }
  root.dataset.camera = "off";
  connect();
})();
