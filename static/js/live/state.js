// What more than one part of the page needs to know at the moment it acts (a rating records the
// mood and strategy in force when the button was pressed; a playlist is saved with its mood).
// mood.js is the only writer; the changes themselves travel as bus events ("mood:changed",
// "mood:state", "strategy:changed").
export function createState() {
  return {
    mood: null, // the stable mood the music is for: the camera's, or the one picked by hand
    moodSource: null, // "camera" or "manual": where state.mood came from
    following: true, // the camera's stable mood drives the music (false after a pick, until "Follow my camera")
    camera: "off", // "off", "on", "paused" or "unavailable"
    face: null, // the last reading while the camera sends: "face", "uncertain", "no_face" (null: none)
    cameraMood: null, // the camera's own stable mood in the last reading, followed or not
    strategy: "match", // what the music should do: "match", "lift" or "iso"
  };
}
