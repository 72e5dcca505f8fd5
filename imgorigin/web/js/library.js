// The library view: uploads with progress, the grid of thumbnails, search, paging and bulk delete.

import { api, upload } from "./api.js";
import { $, announce, clearError, guarded, imageName, showError, showView } from "./ui.js";

const PAGE_SIZE = 12;
const THUMBNAIL = "c_fill,g_auto,w_240,h_240";
const PARALLEL_UPLOADS = 3;
const SEARCH_DELAY_MS = 250;

const library = { page: 1, pages: 1, query: "", folder: "", tag: "", timer: 0, sequence: 0 };

export async function openLibrary(page = library.page) {
  showView("library");
  const sequence = ++library.sequence;
  const { query, folder, tag } = library;
  loadFolders();
  loadTags();
  const answer = await guarded(() => api.images(page, PAGE_SIZE, query, folder, tag));
  if (!answer || sequence !== library.sequence) return;
  if (answer.items.length === 0 && page > 1) return openLibrary(page - 1);
  library.page = answer.page;
  library.pages = Math.max(1, answer.pages);
  const thumbs = answer.items.length
    ? await guarded(() => api.sign(answer.items.map((i) => ({ id: i.id, transformation: THUMBNAIL, format: "webp" }))))
    : [];
  if (!thumbs || sequence !== library.sequence) return;
  $("grid").replaceChildren(...answer.items.map((image, index) => gridItem(image, thumbs[index].url)));
  const filtered = Boolean(query || folder || tag);
  $("empty").hidden = answer.items.length > 0 || filtered;
  $("no-match").hidden = answer.items.length > 0 || !filtered;
  $("pager").hidden = library.pages < 2;
  $("select-all").hidden = answer.items.length === 0;
  $("delete-selected").hidden = answer.items.length === 0;
  $("page-info").textContent = `Page ${library.page} of ${library.pages} (${answer.total} images)`;
  $("prev-page").disabled = library.page <= 1;
  $("next-page").disabled = library.page >= library.pages;
  updateSelection();
}

// The folders of the account's public ids, for the folder filter (hidden while there are none).
async function loadFolders() {
  const answer = await api.folders().catch(() => null);
  const folders = answer ? answer.folders : [];
  const select = $("folder");
  const current = library.folder;
  select.replaceChildren(new Option("All folders", ""),
    ...folders.map((f) => new Option(`${f.path} (${f.count})`, f.path, false, f.path === current)));
  $("folder-filter").hidden = folders.length === 0 && !current;
}

// The tags of the account's images (set through the Upload API), for the tag filter (hidden while there are none).
async function loadTags() {
  const answer = await api.tags().catch(() => null);
  const tags = answer ? answer.tags : [];
  const current = library.tag;
  $("tag").replaceChildren(new Option("All tags", ""),
    ...tags.map((t) => new Option(`${t.tag} (${t.count})`, t.tag, false, t.tag === current)));
  $("tag-filter").hidden = tags.length === 0 && !current;
}

function gridItem(image, url) {
  const item = document.createElement("li");
  const pick = document.createElement("input");
  Object.assign(pick, { type: "checkbox", className: "pick", value: image.id });
  pick.setAttribute("aria-label", `Select ${imageName(image)}`);
  pick.addEventListener("change", updateSelection);
  const button = document.createElement("button");
  button.type = "button";
  button.className = "thumb";
  button.dataset.id = image.id;
  const img = document.createElement("img");
  Object.assign(img, { src: url, alt: imageName(image), width: 240, height: 240, loading: "lazy" });
  const caption = document.createElement("span");
  caption.textContent = `${imageName(image)} · ${image.width}×${image.height}`;
  button.append(img, caption);
  button.addEventListener("click", () => { location.hash = `image/${image.id}`; });
  item.append(button, pick);
  return item;
}

function selected() {
  return [...$("grid").querySelectorAll(".pick:checked")].map((box) => box.value);
}

function updateSelection() {
  const count = selected().length;
  $("delete-selected").disabled = count === 0;
  $("delete-selected").textContent = count ? `Delete selected (${count})` : "Delete selected";
}

async function deleteSelected() {
  const ids = selected();
  if (!ids.length || !window.confirm(`Delete ${ids.length} image${ids.length > 1 ? "s" : ""}? Their URLs will stop working.`)) return;
  clearError();
  const failures = [];
  for (const id of ids) {
    try {
      await api.remove(id);
    } catch (error) {
      failures.push(`${id}: ${error.message}`);
    }
  }
  if (failures.length) showError(new Error(`${failures.length} of ${ids.length} could not be deleted:\n${failures.join("\n")}`));
  announce(`${ids.length - failures.length} of ${ids.length} deleted`);
  await openLibrary();
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

export async function uploadFiles(files) {
  clearError();
  const queue = [...files].map((file) => ({ file, ...uploadRow(file) }));
  // Every failure stays in the banner, not only the last one.
  const failures = [];
  const worker = async () => {
    for (let job = queue.shift(); job; job = queue.shift()) {
      job.status.textContent = "Uploading";
      try {
        const image = await upload(job.file, (fraction) => { job.bar.value = fraction; });
        job.bar.value = 1;
        job.status.textContent = `Done (${image.width}×${image.height})`;
        job.row.classList.add("done");
      } catch (error) {
        failures.push(`${job.file.name}: ${error.message}`);
        job.status.textContent = `Failed: ${error.message}`;
        job.row.classList.add("failed");
        const heading = failures.length > 1 ? `${failures.length} uploads failed:\n` : "";
        showError(new Error(heading + failures.join("\n")));
      }
    }
  };
  const total = queue.length;
  await Promise.all(Array.from({ length: Math.min(PARALLEL_UPLOADS, total) }, worker));
  announce(`${total - failures.length} of ${total} uploaded`);
  await openLibrary(1);
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

export function wireLibrary() {
  wireDropzone();
  $("prev-page").addEventListener("click", () => openLibrary(library.page - 1));
  $("next-page").addEventListener("click", () => openLibrary(library.page + 1));
  $("search").addEventListener("input", () => {
    clearTimeout(library.timer);
    library.timer = setTimeout(() => {
      library.query = $("search").value.trim();
      openLibrary(1);
    }, SEARCH_DELAY_MS);
  });
  $("folder").addEventListener("change", () => {
    library.folder = $("folder").value;
    openLibrary(1);
  });
  $("tag").addEventListener("change", () => {
    library.tag = $("tag").value;
    openLibrary(1);
  });
  $("select-all").addEventListener("click", () => {
    const boxes = [...$("grid").querySelectorAll(".pick")];
    const all = boxes.every((box) => box.checked);
    for (const box of boxes) box.checked = !all;
    updateSelection();
  });
  $("delete-selected").addEventListener("click", deleteSelected);
}
