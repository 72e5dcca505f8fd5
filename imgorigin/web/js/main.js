// The playground: sign in, upload with progress, browse, build a transformation, copy URLs, delete.

import { api, session, upload } from "./api.js";
import { atWidth, changedValues, compose, readValues, renderBuilder, setImageChoices, writeValues } from "./builder.js";

const PAGE_SIZE = 12;
const THUMBNAIL = "c_fill,g_auto,w_240,h_240";
const SRCSET_WIDTHS = [320, 640, 960, 1280];
const PARALLEL_UPLOADS = 3;
// What an <img> sends, so an f_auto preview shows (and weighs) what a browser would really get.
const IMAGE_ACCEPT = "image/avif,image/webp,image/apng,image/*,*/*;q=0.8";

const $ = (id) => document.getElementById(id);
const state = { page: 1, pages: 1, image: null, previewUrl: null, sequence: 0, timer: 0 };

function formatBytes(count) {
  if (count < 1024) return `${count} B`;
  if (count < 1024 * 1024) return `${(count / 1024).toFixed(1)} KB`;
  return `${(count / 1024 / 1024).toFixed(2)} MB`;
}

function showError(error) {
  $("alert-text").textContent = error.message || String(error);
  $("alert").hidden = false;
  if (error.status === 401 && session.token) {
    session.clear();
    showView("auth");
  }
}

function clearError() {
  $("alert").hidden = true;
  $("alert-text").textContent = "";
}

function announce(message) {
  $("status").textContent = message;
}

function showView(name) {
  const changed = $(name).hidden;
  for (const view of ["auth", "library", "detail"]) $(view).hidden = view !== name;
  // Keyboard and screen-reader users land at the top of the new view, not on a button that vanished.
  if (changed) $(`${name}-title`).focus();
  const signedIn = Boolean(session.token);
  $("logout").hidden = !signedIn;
  $("delete-account").hidden = !signedIn;
  $("whoami").hidden = !signedIn;
  $("whoami").textContent = signedIn ? `Signed in as ${session.username}` : "";
}

async function guarded(action) {
  try {
    return await action();
  } catch (error) {
    showError(error);
    return undefined;
  }
}

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
  return openLibrary(state.page);
}

async function openLibrary(page) {
  showView("library");
  const answer = await guarded(() => api.images(page, PAGE_SIZE));
  if (!answer) return;
  if (answer.items.length === 0 && page > 1) return openLibrary(page - 1);
  state.page = answer.page;
  state.pages = Math.max(1, answer.pages);
  const thumbs = answer.items.length
    ? await guarded(() => api.sign(answer.items.map((i) => ({ id: i.id, transformation: THUMBNAIL, format: "webp" }))))
    : [];
  if (!thumbs) return;
  $("grid").replaceChildren(...answer.items.map((image, index) => gridItem(image, thumbs[index].url)));
  $("empty").hidden = answer.items.length > 0;
  $("pager").hidden = state.pages < 2;
  $("page-info").textContent = `Page ${state.page} of ${state.pages} (${answer.total} images)`;
  $("prev-page").disabled = state.page <= 1;
  $("next-page").disabled = state.page >= state.pages;
}

function gridItem(image, url) {
  const item = document.createElement("li");
  const button = document.createElement("button");
  button.type = "button";
  button.className = "thumb";
  button.dataset.id = image.id;
  const img = document.createElement("img");
  Object.assign(img, { src: url, alt: image.filename || image.id, width: 240, height: 240, loading: "lazy" });
  const caption = document.createElement("span");
  caption.textContent = `${image.filename || image.id} · ${image.width}×${image.height}`;
  button.append(img, caption);
  button.addEventListener("click", () => { location.hash = `image/${image.id}`; });
  item.append(button);
  return item;
}

function uploadRow(file) {
  const row = document.createElement("li");
  const name = document.createElement("span");
  name.textContent = file.name;
  const bar = document.createElement("progress");
  bar.max = 1;
  bar.value = 0;
  bar.setAttribute("aria-label", `Uploading ${file.name}`);
  const status = document.createElement("span");
  status.className = "upload-status";
  status.textContent = "Waiting";
  row.append(name, bar, status);
  $("uploads").append(row);
  return { row, bar, status };
}

async function uploadFiles(files) {
  clearError();
  const queue = [...files].map((file) => ({ file, ...uploadRow(file) }));
  let failed = 0;
  const worker = async () => {
    for (let job = queue.shift(); job; job = queue.shift()) {
      job.status.textContent = "Uploading";
      try {
        const image = await upload(job.file, (fraction) => { job.bar.value = fraction; });
        job.bar.value = 1;
        job.status.textContent = `Done (${image.width}×${image.height})`;
        job.row.classList.add("done");
      } catch (error) {
        failed += 1;
        job.status.textContent = `Failed: ${error.message}`;
        job.row.classList.add("failed");
        showError(new Error(`${job.file.name}: ${error.message}`));
      }
    }
  };
  const total = queue.length;
  await Promise.all(Array.from({ length: Math.min(PARALLEL_UPLOADS, total) }, worker));
  announce(`${total - failed} of ${total} uploaded`);
  await openLibrary(1);
}

async function openDetail(id, params) {
  clearError();
  const [image, library] = await guarded(() => Promise.all([api.image(id), api.images(1, 100)])) || [];
  if (!image) {
    if (session.token) location.hash = "";
    return;
  }
  setImageChoices($("builder"), library.items.filter((other) => other.id !== id));
  writeValues($("builder"), params);
  state.image = image;
  showView("detail");
  $("detail-title").textContent = image.filename || image.id;
  $("detail-meta").textContent = `id ${image.id} · ${image.width}×${image.height} ${image.format} · uploaded ${image.created_at}`;
  $("original-size").textContent = `${formatBytes(image.bytes)} (${image.width}×${image.height} ${image.format})`;
  $("derived-size").textContent = "";
  await refreshPreview();
}

function scheduleRefresh() {
  clearTimeout(state.timer);
  state.timer = setTimeout(refreshPreview, 250);
}

async function refreshPreview() {
  const image = state.image;
  if (!image) return;
  const sequence = ++state.sequence;
  const values = readValues($("builder"));
  const { transformation, format } = compose(values);
  const query = new URLSearchParams(changedValues(values)).toString();
  history.replaceState(null, "", `#image/${image.id}${query ? `?${query}` : ""}`);
  const base = { id: image.id, ...(format ? { format } : {}) };
  const items = [{ ...base, transformation }, ...SRCSET_WIDTHS.map((w) => ({ ...base, transformation: atWidth(transformation, w) }))];
  $("transformation").value = transformation;
  $("preview-caption").textContent = "Rendering…";
  try {
    const [main, ...widths] = await api.sign(items);
    const response = await fetch(main.url, { headers: { Accept: IMAGE_ACCEPT } });
    if (!response.ok) throw new Error(`The preview failed: ${response.status} ${(await response.text()).trim()}`);
    const blob = await response.blob();
    if (sequence !== state.sequence) return;
    clearError();
    await showPreview(blob, main.url, transformation);
    const derivedNote = `${formatBytes(blob.size)} (${Math.round((100 * blob.size) / image.bytes)}% of the original)`;
    $("derived-size").textContent = `${derivedNote}, ${$("preview").naturalWidth}×${$("preview").naturalHeight} ${blob.type}`;
    $("signed-url").value = main.url;
    $("srcset-snippet").value = snippet(main.url, widths, image);
  } catch (error) {
    if (sequence !== state.sequence) return;
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

function snippet(url, widths, image) {
  const preview = $("preview");
  const srcset = widths.map((item, index) => `${item.url} ${SRCSET_WIDTHS[index]}w`).join(",\n          ");
  const alt = (image.filename || "").replace(/\.[^.]+$/, "").replace(/"/g, "&quot;");
  return `<img src="${url}"
     srcset="${srcset}"
     sizes="(max-width: ${preview.naturalWidth}px) 100vw, ${preview.naturalWidth}px"
     width="${preview.naturalWidth}" height="${preview.naturalHeight}"
     alt="${alt}" loading="lazy" decoding="async">`;
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

function wireDropzone() {
  const zone = $("dropzone");
  zone.addEventListener("dragover", (event) => {
    event.preventDefault();
    zone.classList.add("over");
  });
  zone.addEventListener("dragleave", () => zone.classList.remove("over"));
  zone.addEventListener("drop", (event) => {
    event.preventDefault();
    zone.classList.remove("over");
    if (event.dataTransfer.files.length) uploadFiles(event.dataTransfer.files);
  });
  $("file-input").addEventListener("change", (event) => {
    if (event.target.files.length) uploadFiles(event.target.files);
    event.target.value = "";
  });
}

function start() {
  renderBuilder($("builder"));
  $("auth-form").addEventListener("submit", onAuth);
  $("alert-close").addEventListener("click", clearError);
  $("logout").addEventListener("click", () => {
    session.clear();
    state.image = null;
    history.replaceState(null, "", location.pathname);
    showView("auth");
    announce("Signed out");
  });
  $("prev-page").addEventListener("click", () => openLibrary(state.page - 1));
  $("next-page").addEventListener("click", () => openLibrary(state.page + 1));
  $("back").addEventListener("click", () => { location.hash = ""; });
  $("builder").addEventListener("input", scheduleRefresh);
  $("builder").addEventListener("change", scheduleRefresh);
  $("builder").addEventListener("reset", () => setTimeout(scheduleRefresh));
  $("builder").addEventListener("submit", (event) => event.preventDefault());
  $("copy-url").addEventListener("click", () => copy("signed-url", "URL"));
  $("copy-srcset").addEventListener("click", () => copy("srcset-snippet", "Snippet"));
  $("delete").addEventListener("click", onDelete);
  $("download").addEventListener("click", onDownload);
  $("delete-account").addEventListener("click", onDeleteAccount);
  wireDropzone();
  window.addEventListener("hashchange", route);
  route();
}

start();
