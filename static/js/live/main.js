// The live page: camera frames to the websocket, emotions and recommendations back.
// Each concern is a module; they talk through the bus (bus.js) and read the shared state
// (state.js). Events, and who sends them:
//   (every writer of state.js)  state:changed, after which status.js redraws every status line
//   socket.js   socket:open, socket:closed, server:<type> for each message from the server
//   camera.js   camera:on { resumed }, camera:paused, camera:stopped, camera:unavailable { reason }
//   mood.js     mood:changed { mood, source }, mood:state { state }, strategy:changed
//   recommendations.js  recommendations:loading, recommendations:ready (the endpoint's answer, once shown)
//   playlists.js  playlist:saved { trackIds } when songs were saved to a playlist
//   players.js  player:play { card } when an embedded player says it started playing
//   ratings.js  rating:saved { card, value } once a rating was kept (a dislike takes the card away)
// neutral.js ("This is my neutral face") listens to server:neutral, camera and socket events.
// engagement.js (impressions and actions for the staff's figures) only listens.
import { createBus } from "./bus.js";
import { createCamera } from "./camera.js";
import { readConfig } from "./config.js";
import { byId } from "./dom.js";
import { createEngagement } from "./engagement.js";
import { startFrameLoop } from "./frames.js";
import { createMoodCard } from "./mood.js";
import { createNeutral } from "./neutral.js";
import { createOverlay } from "./overlay.js";
import { createPlayers } from "./players.js";
import { createPlaylists } from "./playlists.js";
import { createRatings } from "./ratings.js";
import { createRecommendations } from "./recommendations.js";
import { createSocket } from "./socket.js";
import { createState } from "./state.js";
import { createStatus } from "./status.js";

function start(root) {
  const config = readConfig(root);
  const bus = createBus();
  const state = createState();
  const socket = createSocket({ root, path: config.wsPath, state, bus });
  const camera = createCamera({ root, video: byId("camera-video"), state, bus });
  const overlay = createOverlay(byId("face-overlay"));
  const moodCard = createMoodCard({ config, state, socket, bus });

  bus.on("server:analysis", (message) => {
    // An answer that arrives after Pause or Stop is about a picture no longer shown: it draws nothing.
    if (!camera.isSending()) return;
    overlay.draw(message);
    moodCard.showFaces(message);
  });
  bus.on("camera:paused", overlay.clear);
  bus.on("camera:stopped", overlay.clear);
  bus.on("socket:closed", overlay.clear);

  createNeutral({ root, socket, bus });
  startFrameLoop({ camera, socket, bus });
  const addToPlaylist = createPlaylists({ config, state, bus });
  const recommendations = createRecommendations({ root, config, state, ratingButtons: createRatings({ config, state, bus }), addToPlaylist, bus });
  createStatus({ root, config, state, bus, reconnect: socket.reconnectNow, retry: recommendations.again });
  createEngagement({ root, config, state, bus, players: createPlayers({ root, bus }) });
  socket.connect();
}

const root = document.getElementById("live");
if (root) start(root);
