// The playground: sign in, upload, browse (library.js), build a transformation, copy URLs, delete.

import { api, session } from "./api.js";
import {
  applyConstraints, atWidth, changedValues, compose, rawValues, readValues, renderBuilder, setImageChoices,
  setUnavailable, writeValues,
} from "./builder.js";
import { wireKeys } from "./keys.js";
import { openLibrary, wireLibrary } from "./library.js";
import { OPTIONS } from "./options.js";
import { PasteError, parseTransformation, sameTransformation } from "./paste.js";
import { $, announce, clearError, formatBytes, guarded, imageName, showError, showView } from "./ui.js";

// What an <img> sends, so an f_auto preview shows (and weighs) what a browser would really get.
const IMAGE_ACCEPT = "image/avif,image/webp,image/apng,image/*,*/*;q=0.8";
const MAX_SRCSET_WIDTHS = 8;
const CHOICES_PAGE = 100;

const state = { image: null, previewUrl: null, sequence: 0, timer: 0 };

async function onAuth(event) {
  event.preventDefault();
  clearError();
  const action = event.submitter?.value === "register" ? "register" : "login";
  const username = $("username").value.trim();
  const password = $("password").value;
  const answer = await guarded(() => api[action](username, password));
  if (!answer) return;
  session.save(answer.token, answer.user.username);
  $("password").value = "";
  announce(`Signed in as ${answer.user.username}`);
  await route();
}

// The image view lives at #image/<id>, so reloading, bookmarking and the back button work.
async function route() {
  if (!session.token) return showView("auth");
  const match = location.hash.match(/^#image\/([A-Za-z0-9_-]+)(?:\?(.*))?$/);
  if (match) return openDetail(match[1], new URLSearchParams(match[2] || ""));
  state.image = null;
  return openLibrary();
}

// Every image of the account, for the watermark and underlay pickers: all pages, not only the first.
async function allImages() {
  const first = await api.images(1, CHOICES_PAGE);
  const rest = await Promise.all(
    Array.from({ length: Math.max(0, first.pages - 1) }, (_, index) => api.images(index + 2, CHOICES_PAGE)),
  );
  return [first, ...rest].flatMap((answer) => answer.items);
}

async function openDetail(id, params) {
  clearError();
  const [image, images] = await guarded(() => Promise.all([api.image(id), allImages()])) || [];
  if (!image) {
    if (session.token) location.hash = "";
    return;
  }
  setImageChoices($("builder"), images.filter((other) => other.id !== id));
  writeValues($("builder"), params);
  state.image = image;
  showView("detail");
  $("detail-title").textContent = imageName(image);
  $("detail-meta").textContent = `id ${image.id} · ${image.width}×${image.height} ${image.format} · uploaded ${image.created_at}`;
  $("original-size").textContent = `${formatBytes(image.bytes)} (${image.width}×${image.height} ${image.format})`;
  $("derived-size").textContent = "";
  await refreshPreview();
}

function scheduleRefresh() {
  clearTimeout(state.timer);
  state.timer = setTimeout(refreshPreview, 250);
}

// While the builder is invalid nothing can be copied: the last good URL would be the wrong one.
function clearResults() {
  $("signed-url").value = "";
  $("srcset-snippet").value = "";
  $("derived-size").textContent = "";
  $("copy-url").disabled = true;
  $("copy-srcset").disabled = true;
}

// srcset widths as typed, each one at most the original's width (wider entries would only upscale):
// widths past it collapse into one entry at the original's width.
function srcsetWidths(image) {
  const typed = $("srcset-widths").value.split(/[\s,]+/).filter(Boolean);
  const widths = typed.map(Number);
  if (!widths.length || widths.length > MAX_SRCSET_WIDTHS || widths.some((w) => !Number.isInteger(w) || w < 1 || w > 8192)) {
    throw new Error(`srcset widths: up to ${MAX_SRCSET_WIDTHS} whole numbers of pixels between 1 and 8192, e.g. 320, 640, 1280`);
  }
  const capped = widths.map((w) => Math.min(w, image.width));
  return [...new Set(capped)].sort((a, b) => a - b);
}

async function refreshPreview() {
  const image = state.image;
  if (!image) return;
  const sequence = ++state.sequence;
  const values = readValues($("builder"));
  const { transformation, format } = compose(values);
  const query = new URLSearchParams(changedValues(rawValues($("builder")))).toString();
  history.replaceState(null, "", `#image/${image.id}${query ? `?${query}` : ""}`);
  $("transformation").value = transformation;
  $("preview-caption").textContent = "Rendering…";
  $("copy-url").disabled = true;
  $("copy-srcset").disabled = true;
  try {
    const widths = srcsetWidths(image);
    const base = { id: image.id, ...(format ? { format } : {}) };
    const items = [{ ...base, transformation }, ...widths.map((w) => ({ ...base, transformation: atWidth(transformation, w) }))];
    const [main, ...entries] = await api.sign(items);
    const response = await fetch(main.url, { headers: { Accept: IMAGE_ACCEPT } });
    if (!response.ok) throw new Error(`The preview failed: ${response.status} ${(await response.text()).trim()}`);
    const blob = await response.blob();
    if (sequence !== state.sequence) return;
    clearError();
    await showPreview(blob, main.url, transformation);
    const derivedNote = `${formatBytes(blob.size)} (${Math.round((100 * blob.size) / image.bytes)}% of the original)`;
    $("derived-size").textContent = `${derivedNote}, ${$("preview").naturalWidth}×${$("preview").naturalHeight} ${blob.type}`;
    $("signed-url").value = main.url;
    $("srcset-snippet").value = snippet(main.url, entries, widths, image);
    $("copy-url").disabled = false;
    $("copy-srcset").disabled = false;
  } catch (error) {
    if (sequence !== state.sequence) return;
    clearResults();
    $("preview-caption").textContent = "No preview: see the error above.";
    // /sign names the failing item; here there is only one transformation to speak of.
    error.message = error.message.replace(/^items\[\d+\]\.transformation: /, "Transformation refused: ");
    showError(error);
  }
}

function showPreview(blob, url, transformation) {
  const preview = $("preview");
  return new Promise((resolve, reject) => {
    const objectUrl = URL.createObjectURL(blob);
    preview.onload = () => {
      if (state.previewUrl) URL.revokeObjectURL(state.previewUrl);
      state.previewUrl = objectUrl;
      preview.dataset.url = url;
      preview.dataset.transformation = transformation;
      $("preview-caption").textContent = `${preview.naturalWidth}×${preview.naturalHeight}`;
      resolve();
    };
    preview.onerror = () => reject(new Error("The browser could not display the derived image"));
    preview.src = objectUrl;
  });
}

function snippet(url, entries, widths, image) {
  const preview = $("preview");
  const srcset = entries.map((item, index) => `${item.url} ${widths[index]}w`).join(",\n          ");
  const alt = (image.filename || "").replace(/\.[^.]+$/, "").replace(/"/g, "&quot;");
  return `<img src="${url}"
     srcset="${srcset}"
     sizes="(max-width: ${preview.naturalWidth}px) 100vw, ${preview.naturalWidth}px"
     width="${preview.naturalWidth}" height="${preview.naturalHeight}"
     alt="${alt}" loading="lazy" decoding="async">`;
}

// A transformation from elsewhere (a page's URL, the docs) into the builder, or a clear refusal.
function onPaste(event) {
  event.preventDefault();
  const form = $("builder");
  let text = $("paste").value.trim();
  // A whole delivery URL: keep what lies between the signature and the image.
  const url = text.match(/\/t\/(?:s--[^/]*--\/)?(.*?)(?:\/v\d+)?\/[^/]+\.[a-z]+$/);
  if (url) text = url[1];
  const before = new URLSearchParams(changedValues(rawValues(form)));
  try {
    const values = parseTransformation(text, readValues(form).format);
    const params = new URLSearchParams();
    for (const option of OPTIONS) params.set(option.id, String(values[option.id]));
    writeValues(form, params);
    const composed = compose(readValues(form)).transformation;
    if (!sameTransformation(composed, text)) {
      writeValues(form, before);
      throw new PasteError(`The builder cannot show ${text} exactly (it would make ${composed || "nothing"})`);
    }
  } catch (error) {
    if (!(error instanceof PasteError)) throw error;
    showError(error);
    return;
  }
  clearError();
  announce("Transformation loaded into the builder");
  scheduleRefresh();
}

async function copy(inputId, what) {
  const text = $(inputId).value;
  try {
    await navigator.clipboard.writeText(text);
  } catch {
    // Without clipboard permission, select the text so Ctrl+C finishes the job.
    $(inputId).select();
    announce(`The browser refused the clipboard: the ${what} is selected, press Ctrl+C`);
    return;
  }
  announce(`${what} copied`);
}

async function onDelete() {
  const image = state.image;
  if (!image || !window.confirm(`Delete ${image.filename || image.id}? Its URLs will stop working.`)) return;
  const done = await guarded(() => api.remove(image.id).then(() => true));
  if (!done) return;
  state.image = null;
  announce(`${image.filename || image.id} deleted`);
  location.hash = "";
}

// The download needs the token, which a plain link cannot send: fetch it, then hand the browser a blob.
async function onDownload() {
  const image = state.image;
  const blob = image && await guarded(() => api.download(image.id));
  if (!blob) return;
  const link = document.createElement("a");
  link.href = URL.createObjectURL(blob);
  link.download = image.filename || `${image.id}.${image.format}`;
  link.click();
  setTimeout(() => URL.revokeObjectURL(link.href), 10_000);
  announce(`Downloading ${link.download}`);
}

async function onDeleteAccount() {
  if (!session.token) return;
  if (!window.confirm(`Delete the account ${session.username} and all its images? This cannot be undone.`)) return;
  const done = await guarded(() => api.deleteAccount().then(() => true));
  if (!done) return;
  const name = session.username;
  session.clear();
  state.image = null;
  history.replaceState(null, "", location.pathname);
  showView("auth");
  announce(`The account ${name} and its images are deleted`);
}

// Controls this server cannot honour are disabled with the reason, instead of failing on every preview.
async function loadCapabilities() {
  const answer = await api.capabilities().catch(() => null);
  const removal = answer?.background_removal;
  if (removal && !removal.available) setUnavailable($("builder"), "background_removal", removal.reason);
}

function start() {
  const builder = $("builder");
  renderBuilder(builder);
  applyConstraints(builder);
  $("auth-form").addEventListener("submit", onAuth);
  $("alert-close").addEventListener("click", clearError);
  document.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && !$("alert").hidden) clearError();
  });
  $("logout").addEventListener("click", () => {
    session.clear();
    state.image = null;
    history.replaceState(null, "", location.pathname);
    showView("auth");
    announce("Signed out");
  });
  $("back").addEventListener("click", () => { location.hash = ""; });
  const edited = () => {
    applyConstraints(builder);
    scheduleRefresh();
  };
  builder.addEventListener("input", edited);
  builder.addEventListener("change", edited);
  builder.addEventListener("reset", () => setTimeout(edited));
  builder.addEventListener("submit", (event) => event.preventDefault());
  $("paste-form").addEventListener("submit", onPaste);
  $("srcset-widths").addEventListener("input", scheduleRefresh);
  $("copy-url").addEventListener("click", () => copy("signed-url", "URL"));
  $("copy-srcset").addEventListener("click", () => copy("srcset-snippet", "Snippet"));
  $("delete").addEventListener("click", onDelete);
  $("download").addEventListener("click", onDownload);
  $("delete-account").addEventListener("click", onDeleteAccount);
  wireLibrary();
  wireKeys();
  window.addEventListener("hashchange", route);
  loadCapabilities().finally(route);
}

start();
