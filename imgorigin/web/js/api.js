// The JSON API from the browser: one error type carrying the server's message, the token in sessionStorage.

const TOKEN_KEY = "imgorigin.token";
const USER_KEY = "imgorigin.username";

export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

// sessionStorage rather than localStorage: a token that dies with the tab is worth a re-login.
export const session = {
  get token() { return sessionStorage.getItem(TOKEN_KEY); },
  get username() { return sessionStorage.getItem(USER_KEY); },
  save(token, username) {
    sessionStorage.setItem(TOKEN_KEY, token);
    sessionStorage.setItem(USER_KEY, username);
  },
  clear() {
    sessionStorage.removeItem(TOKEN_KEY);
    sessionStorage.removeItem(USER_KEY);
  },
};

function authHeaders() {
  return session.token ? { Authorization: `Bearer ${session.token}` } : {};
}

// The server's JSON error in a body, or null when something else (a proxy) answered.
function serverError(status, text) {
  try {
    const { error } = JSON.parse(text);
    return new ApiError(status, error.code, error.message);
  } catch {
    return null;
  }
}

async function errorFrom(response) {
  const text = await response.text();
  return serverError(response.status, text)
    || new ApiError(response.status, "http_error", `${response.status} ${text.trim() || response.statusText}`);
}

export async function call(method, path, body) {
  const init = { method, headers: authHeaders() };
  if (body !== undefined) {
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  let response;
  try {
    response = await fetch(path, init);
  } catch (err) {
    throw new ApiError(0, "network_error", `The server could not be reached (${err.message})`);
  }
  if (!response.ok) throw await errorFrom(response);
  return response.status === 204 ? null : response.json();
}

export const api = {
  register: (username, password) => call("POST", "/register", { username, password }),
  login: (username, password) => call("POST", "/login", { username, password }),
  images: (page, limit, query = "", folder = "", tag = "") =>
    call("GET", `/images?${new URLSearchParams({ page, limit, ...(query ? { q: query } : {}), ...(folder ? { folder } : {}),
                                                ...(tag ? { tag } : {}) })}`),
  capabilities: () => call("GET", "/capabilities"),
  folders: () => call("GET", "/folders"),
  tags: () => call("GET", "/tags"),
  keys: () => call("GET", "/me/api-keys"),
  createKey: () => call("POST", "/me/api-keys"),
  revokeKey: (key) => call("DELETE", `/me/api-keys/${encodeURIComponent(key)}`),
  image: (id) => call("GET", `/images/${encodeURIComponent(id)}`),
  remove: (id) => call("DELETE", `/images/${encodeURIComponent(id)}`),
  sign: (items) => call("POST", "/sign", { items }).then((answer) => answer.items),
  deleteAccount: () => call("DELETE", "/me"),
  download: async (id) => {
    const response = await fetch(`/images/${encodeURIComponent(id)}/download`, { headers: authHeaders() });
    if (!response.ok) throw await errorFrom(response);
    return response.blob();
  },
};

// fetch() has no upload progress; XMLHttpRequest does.
export function upload(file, onProgress) {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open("POST", "/images");
    for (const [name, value] of Object.entries(authHeaders())) xhr.setRequestHeader(name, value);
    xhr.upload.addEventListener("progress", (event) => {
      if (event.lengthComputable) onProgress(event.loaded / event.total);
    });
    xhr.addEventListener("load", () => {
      let body = null;
      try { body = JSON.parse(xhr.responseText); } catch { /* not JSON: reported below */ }
      if (xhr.status === 201 && body) resolve(body);
      else reject(serverError(xhr.status, xhr.responseText) || new ApiError(xhr.status, "http_error", `Upload failed with HTTP ${xhr.status}`));
    });
    xhr.addEventListener("error", () => reject(new ApiError(0, "network_error", "The upload was interrupted")));
    const form = new FormData();
    form.append("file", file, file.name);
    xhr.send(form);
  });
}
