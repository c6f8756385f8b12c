// What the server tells the page before any script runs: the URLs from the #live element's
// data- attributes (written with {% url %}), and the emotions with their emoji and colours from
// the #emotion-palette JSON (core.emotions, by the emotion_palette template tag). Nothing here is
// a copy: change them on the server and the page follows.
export function readConfig(root) {
  const palette = JSON.parse(document.getElementById("emotion-palette").textContent);
  const csrfInput = root.querySelector("input[name=csrfmiddlewaretoken]");
  return {
    emotions: palette.emotions,
    emoji: palette.emoji,
    adjectives: palette.adjectives || {},
    colours: palette.colours,
    wsPath: root.dataset.wsPath,
    recommendationsUrl: root.dataset.recommendationsUrl,
    ratingsUrl: root.dataset.ratingsUrl,
    engagementUrl: root.dataset.engagementUrl,
    playlistsUrl: root.dataset.playlistsUrl,
    loginUrl: root.dataset.loginUrl,
    origin: root.dataset.origin || location.origin,
    authenticated: root.dataset.authenticated === "true",
    csrfToken: () => (csrfInput ? csrfInput.value : ""),
  };
}
