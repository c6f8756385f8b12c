// What more than one part of the page needs to know at the moment it acts (a rating records the
// mood and strategy in force when the button was pressed). mood.js is the only writer; the
// changes themselves travel as bus events ("mood:changed", "strategy:changed").
export function createState() {
  return {
    mood: null, // the stable mood: the server's, or the one picked by hand
    moodSource: null, // "camera" or "manual"
    strategy: "match", // what the music should do: "match", "lift" or "iso"
  };
}
