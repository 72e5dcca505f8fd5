// What every part of the playground shares: element lookup, the error banner, announcements, views.

import { session } from "./api.js";

export const $ = (id) => document.getElementById(id);

export function formatBytes(count) {
  if (count < 1024) return `${count} B`;
  if (count < 1024 * 1024) return `${(count / 1024).toFixed(1)} KB`;
  return `${(count / 1024 / 1024).toFixed(2)} MB`;
}

// A public id the account chose names the image; otherwise its file name does.
export function imageName(image) {
  return image.public_id && image.public_id !== image.id ? image.public_id : image.filename || image.id;
}

export function showError(error) {
  $("alert-text").textContent = error.message || String(error);
  $("alert").hidden = false;
  if (error.status === 401 && session.token) {
    session.clear();
    showView("auth");
  }
}

export function clearError() {
  $("alert").hidden = true;
  $("alert-text").textContent = "";
}

export function announce(message) {
  $("status").textContent = message;
}

export function showView(name) {
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

export async function guarded(action) {
  try {
    return await action();
  } catch (error) {
    showError(error);
    return undefined;
  }
}
