// Playlists from the live page: "Save as playlist" keeps the songs on show, with the mood they
// were chosen for; "Add to playlist" on each song card puts one song in an existing playlist or a
// new one. The moods app's JSON API does the writing (CSRF token in X-CSRFToken); anonymous
// visitors are asked to log in instead.
import { byId, el } from "./dom.js";

const NEW = "new";

function capitalised(word) {
  return word ? word[0].toUpperCase() + word.slice(1) : "";
}

/** A name the listener can keep or change: "Sad songs, 5 Mar 14:05". */
function defaultName(emotion) {
  const when = new Date().toLocaleString("en-GB", { day: "numeric", month: "short", hour: "2-digit", minute: "2-digit" });
  return `${capitalised(emotion)} songs, ${when.replace(",", "")}`;
}

export function createPlaylists({ config, state, bus }) {
  let shown = null; // the recommendations on show: the endpoint's answer
  let known = null; // a promise of the listener's playlists, fetched when first needed

  async function api(url, body) {
    const response = await fetch(url, {
      method: body === undefined ? "GET" : "POST", credentials: "same-origin",
      headers: { Accept: "application/json", "Content-Type": "application/json", "X-CSRFToken": config.csrfToken() },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const answer = await response.json().catch(() => ({}));
    if (!response.ok) throw new Error(answer.message || answer.error || `HTTP ${response.status}`);
    return answer;
  }

  function playlists() {
    if (!known) {
      known = api(config.playlistsUrl).then((answer) => answer.playlists);
      known.catch(() => { known = null; });
    }
    return known;
  }

  /** "Saved “Name”. Open it" and the like: words, then a link to the playlist. */
  function say(node, text, playlist, kind) {
    node.dataset.kind = kind || "";
    node.replaceChildren(text);
    if (playlist && playlist.url) node.append(" ", el("a", { href: playlist.url, text: "Open playlist" }));
  }

  // --- Save as playlist: the songs on show --------------------------------------------------

  const open = byId("playlist-save-open");
  const form = byId("playlist-save-form");
  const note = byId("playlist-note");
  if (open && form) {
    open.addEventListener("click", () => {
      form.hidden = false;
      open.hidden = true;
      const name = byId("playlist-name");
      name.value = defaultName(shown && shown.emotion);
      name.focus();
      name.select();
    });
    byId("playlist-save-cancel").addEventListener("click", () => { form.hidden = true; open.hidden = false; });
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      if (!shown || !(shown.tracks || []).length) return;
      const songs = shown; // the list on show when Save was pressed, whatever arrives meanwhile
      const submit = form.querySelector("button[type=submit]");
      submit.disabled = true;
      say(note, "Saving…");
      try {
        const saved = await api(config.playlistsUrl, {
          name: byId("playlist-name").value, track_ids: songs.tracks.map((t) => t.id), emotion: songs.emotion,
        });
        known = null; // the list of playlists has one more
        form.hidden = true;
        open.hidden = false;
        say(note, `Saved “${saved.name}”: ${saved.tracks.length} songs for ${saved.emotion || songs.emotion}.`, saved, "ok");
        note.dataset.playlistId = String(saved.id);
        bus.emit("playlist:saved", { trackIds: songs.tracks.map((t) => t.id) });
      } catch (error) {
        say(note, `Not saved: ${error.message}`, null, "warn");
      } finally {
        submit.disabled = false;
      }
    });
  }

  bus.on("recommendations:loading", () => { if (open) open.disabled = true; });
  bus.on("recommendations:ready", (data) => {
    shown = data;
    if (open) open.disabled = !(data.tracks || []).length;
  });

  // --- Add to playlist: one song --------------------------------------------------------------

  /** The control under one song card. */
  return function addToPlaylist(track) {
    if (!config.authenticated) return null; // the list's head says to log in to keep songs
    const toggle = el("button", { type: "button", class: "button secondary add-open", text: "Add to playlist", "aria-expanded": "false", "aria-label": `Add ${track.title} to a playlist` });
    const choice = el("select", { class: "add-choice", name: "playlist", "aria-label": "Playlist" });
    const name = el("input", { type: "text", class: "add-name", name: "name", maxLength: 100, placeholder: "New playlist name", "aria-label": "New playlist name", autocomplete: "off" });
    const add = el("button", { type: "submit", class: "button", text: "Add" });
    const panel = el("form", { class: "add-form", hidden: true }, [choice, name, add]);
    const message = el("p", { class: "add-note small", role: "status", "aria-live": "polite" });
    const box = el("div", { class: "add-to-playlist" }, [toggle, panel, message]);

    const showName = () => {
      name.hidden = choice.value !== NEW;
      name.required = !name.hidden;
    };
    choice.addEventListener("change", () => { showName(); if (!name.hidden) name.focus(); });

    toggle.addEventListener("click", async () => {
      if (!config.authenticated) {
        message.replaceChildren(el("a", { href: config.loginUrl, text: "Log in to keep songs in playlists" }));
        return;
      }
      if (!panel.hidden) {
        panel.hidden = true;
        toggle.setAttribute("aria-expanded", "false");
        return;
      }
      say(message, "Loading your playlists…");
      let mine;
      try {
        mine = await playlists();
      } catch (error) {
        say(message, `Your playlists could not be loaded: ${error.message}`, null, "warn");
        return;
      }
      choice.replaceChildren(
        ...mine.map((p) => el("option", { value: String(p.id), text: `${p.name} (${p.tracks})` })),
        el("option", { value: NEW, text: "New playlist…" }),
      );
      showName();
      say(message, "");
      panel.hidden = false;
      toggle.setAttribute("aria-expanded", "true");
      choice.focus();
    });

    panel.addEventListener("submit", async (event) => {
      event.preventDefault();
      add.disabled = true;
      say(message, "Adding…");
      try {
        if (choice.value === NEW) {
          const created = await api(config.playlistsUrl, { name: name.value, track_ids: [track.id], emotion: state.mood || "" });
          say(message, `Added to the new playlist “${created.name}”.`, created, "ok");
        } else {
          const playlist = (await playlists()).find((p) => String(p.id) === choice.value);
          const answer = await api(playlist.tracks_url, { track_id: track.id });
          say(message, answer.added ? `Added to “${answer.name}”.` : `Already in “${answer.name}”.`, answer, "ok");
        }
        known = null; // track counts (and perhaps the list) changed
        panel.hidden = true;
        name.value = "";
        toggle.setAttribute("aria-expanded", "false");
        box.dataset.saved = "true";
        bus.emit("playlist:saved", { trackIds: [track.id] });
      } catch (error) {
        say(message, `Not added: ${error.message}`, null, "warn");
      } finally {
        add.disabled = false;
      }
    });
    return box;
  };
}
