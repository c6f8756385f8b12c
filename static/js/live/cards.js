// One card per recommended song or music video, with its player, rating buttons and (songs)
// "Add to playlist". Under every embedded player a plain link opens the song on its own site:
// an embed that fails (blocked, region-locked, offline) still leaves a way to the music.
import { el } from "./dom.js";

/** "Open on Spotify ↗" under an embed: the same song, outside the page. */
function elsewhere(href, site) {
  return el("a", { class: "open-elsewhere small", href, target: "_blank", rel: "noopener", text: `Open on ${site} ↗` });
}

function songPlayer(track) {
  if (track.spotify_id) {
    const id = encodeURIComponent(track.spotify_id);
    return [el("iframe", {
      class: "player spotify", title: `${track.title} on Spotify`, loading: "lazy",
      src: `https://open.spotify.com/embed/track/${id}`,
      allow: "encrypted-media; clipboard-write", height: "80",
    }), elsewhere(`https://open.spotify.com/track/${id}`, "Spotify")];
  }
  if (track.deezer_id) {
    const id = encodeURIComponent(track.deezer_id);
    return [el("iframe", {
      class: "player deezer", title: `${track.title} on Deezer`, loading: "lazy",
      src: `https://widget.deezer.com/widget/auto/track/${id}`,
      allow: "encrypted-media; clipboard-write", height: "80",
    }), elsewhere(`https://www.deezer.com/track/${id}`, "Deezer")];
  }
  if (track.youtube_id) {
    return el("a", { class: "player-link", href: `https://www.youtube.com/watch?v=${encodeURIComponent(track.youtube_id)}`, target: "_blank", rel: "noopener", text: "▶ Play on YouTube" });
  }
  const query = encodeURIComponent(`${track.artist} ${track.title}`);
  return el("a", { class: "player-link", href: `https://www.youtube.com/results?search_query=${query}`, target: "_blank", rel: "noopener", text: "▶ Find it on YouTube" });
}

/** ratingButtons is ratings.js's (itemType, itemId, name) → element; addToPlaylist is playlists.js's track → element. */
export function songCard(track, ratingButtons, addToPlaylist) {
  const meta = [track.artist, track.genre].filter(Boolean).join(" · ");
  return el("article", { class: "song-card", "data-item-type": "track", "data-item-id": String(track.id) }, [
    el("h3", { class: "song-title", text: track.title }),
    el("p", { class: "song-meta muted", text: meta }),
    // The reason in words; the numbers behind it only in the tooltip.
    track.reason ? el("p", { class: "reason small", text: track.reason, title: track.reason_detail || null }) : null,
    ...[songPlayer(track)].flat(),
    el("div", { class: "song-actions" }, [
      ratingButtons("track", track.id, track.title),
      addToPlaylist ? addToPlaylist(track) : null,
    ]),
  ]);
}

/** The YouTube embed speaks the IFrame Player API (enablejsapi=1) to this page's origin only
 * (player.js listens to it for a real "play"). */
export function videoCard(clip, ratingButtons, config) {
  const start = Math.max(0, Math.floor(Number(clip.start_s) || 0));
  const origin = (config && config.origin) || location.origin;
  const id = encodeURIComponent(clip.youtube_id);
  return el("article", { class: "video-card", "data-item-type": "video", "data-item-id": String(clip.id) }, [
    el("div", { class: "video-frame" }, [el("iframe", {
      class: "player youtube", title: clip.title || "Music video", loading: "lazy",
      src: `https://www.youtube-nocookie.com/embed/${id}?start=${start}&enablejsapi=1&origin=${encodeURIComponent(origin)}`,
      allow: "accelerometer; encrypted-media; gyroscope; picture-in-picture", allowFullscreen: true,
      referrerPolicy: "strict-origin-when-cross-origin",
    })]),
    elsewhere(`https://www.youtube.com/watch?v=${id}&t=${start}s`, "YouTube"),
    el("p", { class: "video-title", text: clip.title || "" }),
    // The full caption behind a native "more" toggle (<details>: no script, so nothing for the CSP to allow).
    clip.caption ? el("details", { class: "video-caption small" }, [
      el("summary", { text: "more" }), el("p", { text: clip.caption }),
    ]) : null,
    clip.reason ? el("p", { class: "reason small", text: clip.reason }) : null,
    ratingButtons("video", clip.id, clip.title || "this video"),
  ]);
}
