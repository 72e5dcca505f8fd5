// The account's API keys, for Cloudinary's SDKs and Upload API: list, create (the secret is shown once),
// revoke.

import { api } from "./api.js";
import { $, announce, guarded } from "./ui.js";

function keyItem(key) {
  const item = document.createElement("li");
  const name = document.createElement("code");
  name.textContent = key.api_key;
  const created = document.createElement("span");
  created.className = "hint";
  created.textContent = ` created ${key.created_at} `;
  const revoke = document.createElement("button");
  Object.assign(revoke, { type: "button", className: "danger", textContent: "Revoke" });
  revoke.setAttribute("aria-label", `Revoke ${key.api_key}`);
  revoke.addEventListener("click", async () => {
    if (!window.confirm(`Revoke the API key ${key.api_key}? Sites using it stop working.`)) return;
    const done = await guarded(() => api.revokeKey(key.api_key).then(() => true));
    if (!done) return;
    announce(`API key ${key.api_key} revoked`);
    await loadKeys();
  });
  item.append(name, created, revoke);
  return item;
}

export async function loadKeys() {
  const answer = await guarded(() => api.keys());
  if (!answer) return;
  $("cloud-name").textContent = answer.cloud_name;
  $("key-list").replaceChildren(...answer.items.map(keyItem));
  $("no-keys").hidden = answer.items.length > 0;
}

async function createKey() {
  const key = await guarded(() => api.createKey());
  if (!key) return;
  $("new-api-key").value = key.api_key;
  $("new-api-secret").value = key.api_secret;
  $("new-key").hidden = false;
  $("new-api-secret").focus();
  announce("API key created: copy its secret now, it is not shown again");
  await loadKeys();
}

export function wireKeys() {
  $("api-keys").addEventListener("toggle", () => {
    if ($("api-keys").open) loadKeys();
    else {
      // A secret on screen is one shoulder away from leaking: it goes when the panel closes.
      $("new-key").hidden = true;
      $("new-api-secret").value = "";
    }
  });
  $("create-key").addEventListener("click", createKey);
}
