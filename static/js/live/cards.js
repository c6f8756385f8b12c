// One card per recommended song or music video, with its player, rating buttons and (songs)
// "Add to playlist".
import { el } from "./dom.js";

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

/** ratingButtons is ratings.js's (itemType, itemId, name) → element; addToPlaylist is playlists.js's track → element. */
export function songCard(track, ratingButtons, addToPlaylist) {
  const meta = [track.artist, track.genre].filter(Boolean).join(" · ");
  return el("article", { class: "song-card", "data-item-type": "track", "data-item-id": String(track.id) }, [
    el("h3", { class: "song-title", text: track.title }),
    el("p", { class: "song-meta muted", text: meta }),
    track.reason ? el("p", { class: "reason small", text: track.reason }) : null,
    songPlayer(track),
    el("div", { class: "song-actions" }, [
      ratingButtons("track", track.id, track.title),
      addToPlaylist ? addToPlaylist(track) : null,
    ]),
  ]);
}

export function videoCard(clip, ratingButtons) {
  const start = Math.max(0, Math.floor(Number(clip.start_s) || 0));
  return el("article", { class: "video-card", "data-item-type": "video", "data-item-id": String(clip.id) }, [
    el("div", { class: "video-frame" }, [el("iframe", {
      class: "player youtube", title: clip.title || "Music video", loading: "lazy",
      src: `https://www.youtube-nocookie.com/embed/${encodeURIComponent(clip.youtube_id)}?start=${start}`,
      allow: "accelerometer; encrypted-media; gyroscope; picture-in-picture", allowFullscreen: true,
      referrerPolicy: "strict-origin-when-cross-origin",
    })]),
    el("p", { class: "video-title", text: clip.title || "" }),
    // The full caption behind a native "more" toggle (<details>: no script, so nothing for the CSP to allow).
    clip.caption ? el("details", { class: "video-caption small" }, [
      el("summary", { text: "more" }), el("p", { text: clip.caption }),
    ]) : null,
    clip.reason ? el("p", { class: "reason small", text: clip.reason }) : null,
    ratingButtons("video", clip.id, clip.title || "this video"),
  ]);
}
