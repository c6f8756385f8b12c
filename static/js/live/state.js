// The page's one state: every module writes the part it owns here and then says so with
// bus.emit("state:changed"); status.js renders every status line from it, so no line can keep
// saying something the state no longer holds (a face after a disconnect, "happy" songs after a
// pick of "sad"). Who writes what:
//   mood.js             mood, moodSource, following, face, faceEmotion, noFaceSince, cameraMood, strategy
//   camera.js           camera, cameraProblem, cameraStopped, slow
//   socket.js           socket, retryAt
//   recommendations.js  recs, recsFor, recsCount, recsNote
export function createState() {
  return {
    mood: null, // the stable mood the music is for: the camera's, or the one picked by hand
    moodSource: null, // "camera" or "manual": where state.mood came from
    following: true, // the camera's stable mood drives the music (false after a pick, until "Follow my camera")
    camera: "off", // "off", "starting", "on", "paused" or "unavailable"
    cameraProblem: null, // why the camera is unavailable: "denied", "missing", "insecure" or "failed"
    cameraStopped: false, // the listener pressed Stop (the line says "Camera stopped.")
    slow: false, // the server said an analysis timed out; cleared by the next analysis
    face: null, // the last reading while the camera sends: "face", "uncertain", "no_face" (null: none)
    faceEmotion: null, // the emotion of the face in the last reading ("Face now")
    noFaceSince: null, // performance.now() of the first of the readings without a face in a row
    cameraMood: null, // the camera's own stable mood in the last reading, followed or not
    strategy: "match", // what the music should do: "match", "lift" or "iso"
    socket: "connecting", // "connecting", "open" or "closed"
    retryAt: null, // while closed: performance.now() of the next attempt
    recs: "idle", // "idle", "loading", "ready" or "error"
    recsFor: null, // { emotion, strategy } of the list loading, shown or failed
    recsCount: 0, // songs on show
    recsNote: "", // what the strategy does from this mood, in the recommender's words
  };
}
