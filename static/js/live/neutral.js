// "This is my neutral face": the listener shows their resting face for a few seconds, and the
// server (live.calibration, live.state) shifts their readings so it reads neutral. Only the
// fitted numbers exist afterwards — no frame is kept; a logged-in listener may keep them on
// their account ("Remember"), which their export shows and their deletion removes.
// Messages: sends {"type": "calibrate_neutral", "remember"} and {"type": "reset_neutral"};
// hears "neutral" {status: "collecting" | "done" | "failed" | "reset", …}.

export function createNeutral({ root, socket, bus }) {
  const box = root.querySelector("#neutral-face");
  const open = root.querySelector("#neutral-open");
  if (!box || !open) return;
  const start = box.querySelector("#neutral-start");
  const reset = box.querySelector("#neutral-reset");
  const remember = box.querySelector("#neutral-remember");
  const rememberLabel = box.querySelector("#neutral-remember-label");
  const status = box.querySelector("#neutral-status");
  let calibrated = false, collecting = false, cameraOn = false, expanded = false;

  function render() {
    // Out of the way: one button beside Pause and Stop while the camera runs, and the panel
    // only when the listener opens it (a first screen, on a phone too, keeps room for the songs).
    open.hidden = !cameraOn;
    open.setAttribute("aria-expanded", String(expanded && cameraOn));
    box.hidden = !(expanded && cameraOn);
    start.disabled = collecting || !cameraOn || !socket.isOpen();
    reset.hidden = !calibrated;
    start.textContent = calibrated ? "Set my neutral face again" : "This is my neutral face";
  }

  function say(text) { status.textContent = text; }

  open.addEventListener("click", () => { expanded = !expanded; render(); });
  start.addEventListener("click", () => {
    if (!socket.isOpen()) return;
    socket.sendJSON({ type: "calibrate_neutral", remember: Boolean(remember && remember.checked && !rememberLabel.hidden) });
  });
  reset.addEventListener("click", () => {
    if (socket.isOpen()) socket.sendJSON({ type: "reset_neutral" });
  });

  bus.on("server:hello", (message) => {
    // Keeping it on the account is for a logged-in listener only; the connection always keeps it.
    if (rememberLabel) rememberLabel.hidden = !message.authenticated;
    calibrated = false;
    collecting = false;
    render();
  });
  bus.on("server:neutral", (message) => {
    if (message.status === "collecting") {
      collecting = true;
      say(`Keep a relaxed, resting face for ${Math.round(message.seconds || 3)} seconds…`);
    } else if (message.status === "done") {
      collecting = false;
      calibrated = true;
      say(message.remembered
        ? "Done: your resting face now reads neutral, here and next time (kept on your account)."
        : "Done: your resting face now reads neutral for this visit.");
    } else if (message.status === "failed") {
      collecting = false;
      say(`That did not work: ${message.message || "no steady face was seen"}. Try again with your face in view.`);
    } else if (message.status === "reset") {
      collecting = false;
      calibrated = false;
      say("Back to the camera's own reading.");
    }
    render();
  });
  bus.on("camera:on", () => { cameraOn = true; render(); });
  for (const type of ["camera:paused", "camera:stopped", "camera:unavailable"]) {
    bus.on(type, () => { cameraOn = false; render(); });
  }
  bus.on("socket:open", render);
  bus.on("socket:closed", () => { collecting = false; render(); });
  render();
}
