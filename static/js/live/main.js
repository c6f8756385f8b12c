// The live page: camera frames to the websocket, emotions and recommendations back.
// Each concern is a module; they talk through the bus (bus.js) and read the shared state
// (state.js). Events, and who sends them:
//   socket.js   socket:open, socket:closed, server:<type> for each message from the server
//   camera.js   camera:on (started or resumed), camera:paused, camera:stopped, camera:unavailable
//   mood.js     mood:changed { mood, source }, strategy:changed
//   recommendations.js  recommendations:ready (the endpoint's answer, once shown)
import { createBus } from "./bus.js";
import { createCamera } from "./camera.js";
import { readConfig } from "./config.js";
import { byId } from "./dom.js";
import { startFrameLoop } from "./frames.js";
import { createMoodCard } from "./mood.js";
import { createOverlay } from "./overlay.js";
import { createRatings } from "./ratings.js";
import { createRecommendations } from "./recommendations.js";
import { createSocket } from "./socket.js";
import { createState } from "./state.js";

function start(root) {
  const config = readConfig(root);
  const bus = createBus();
  const state = createState();
  const socket = createSocket({ root, path: config.wsPath, bus });
  const camera = createCamera({ root, video: byId("camera-video"), bus });
  const overlay = createOverlay(byId("face-overlay"));
  const moodCard = createMoodCard({ config, state, socket, bus });

  bus.on("server:analysis", (message) => {
    if (!camera.hasStream()) return; // a late answer after Stop shows nothing
    overlay.draw(message);
    moodCard.showFaces(message);
    camera.showReading(message.mood);
  });
  bus.on("camera:stopped", overlay.clear);

  startFrameLoop({ camera, socket, bus });
  createRecommendations({ root, config, state, ratingButtons: createRatings({ config, state }), bus });
  socket.connect();
}

const root = document.getElementById("live");
if (root) start(root);
