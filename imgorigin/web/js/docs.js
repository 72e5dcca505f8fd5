// The API reference: /openapi.json rendered as plain HTML (paths, methods, parameters, bodies, responses).

const $ = (id) => document.getElementById(id);
const METHODS = ["get", "head", "post", "put", "patch", "delete"];
const MAX_DEPTH = 6;

function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  Object.assign(node, props);
  node.append(...children.filter((child) => child !== null && child !== undefined));
  return node;
}

function resolve(doc, object) {
  let current = object;
  for (let hops = 0; current && current.$ref && hops < 10; hops += 1) {
    current = current.$ref.replace(/^#\//, "").split("/").reduce((node, part) => node?.[part], doc);
  }
  return current || {};
}

function refName(object) {
  return object && object.$ref ? object.$ref.split("/").pop() : null;
}

function typeOf(doc, raw) {
  const schema = resolve(doc, raw);
  const name = refName(raw);
  if (schema.enum) return `${schema.type || "value"}: ${schema.enum.map((v) => JSON.stringify(v)).join(" | ")}`;
  if (schema.const !== undefined) return `= ${JSON.stringify(schema.const)}`;
  if (schema.type === "array") return `array of ${typeOf(doc, schema.items || {})}`;
  const type = Array.isArray(schema.type) ? schema.type.join(" | ") : schema.type;
  const details = [];
  if (schema.format) details.push(schema.format);
  if (schema.minimum !== undefined) details.push(`≥ ${schema.minimum}`);
  if (schema.maximum !== undefined) details.push(`≤ ${schema.maximum}`);
  if (schema.minLength !== undefined) details.push(`length ≥ ${schema.minLength}`);
  if (schema.maxLength !== undefined) details.push(`length ≤ ${schema.maxLength}`);
  if (schema.pattern) details.push(`pattern ${schema.pattern}`);
  const base = name || type || (schema.oneOf || schema.anyOf ? "one of" : "any");
  return details.length ? `${base} (${details.join(", ")})` : base;
}

// A schema as a nested list of its properties; $refs followed, cycles and depth cut off.
function schemaTree(doc, raw, depth = 0, seen = new Set()) {
  const schema = resolve(doc, raw);
  const name = refName(raw);
  if (depth > MAX_DEPTH || (name && seen.has(name))) return null;
  const trail = new Set(seen);
  if (name) trail.add(name);
  const variants = schema.oneOf || schema.anyOf;
  if (variants) {
    return el("ul", { className: "schema" }, ...variants.map((variant) =>
      el("li", {}, el("span", { className: "type", textContent: typeOf(doc, variant) }), schemaTree(doc, variant, depth + 1, trail))));
  }
  if (schema.type === "array" && schema.items) return schemaTree(doc, schema.items, depth + 1, trail);
  const properties = Object.entries(schema.properties || {});
  if (!properties.length) return null;
  const required = new Set(schema.required || []);
  return el("ul", { className: "schema" }, ...properties.map(([key, value]) => el("li", {},
    el("code", { textContent: key }), " ",
    el("span", { className: "type", textContent: typeOf(doc, value) }),
    required.has(key) ? el("span", { className: "required", textContent: " required" }) : null,
    resolve(doc, value).description ? ` — ${resolve(doc, value).description}` : null,
    schemaTree(doc, value, depth + 1, trail))));
}

// Media types sharing one schema (the six image formats of a delivery answer) are listed on one line.
function content(doc, body, withTree = true) {
  const groups = new Map();
  for (const [mediaType, media] of Object.entries(body.content || {})) {
    const key = JSON.stringify(media.schema || null);
    if (!groups.has(key)) groups.set(key, { types: [], schema: media.schema });
    groups.get(key).types.push(mediaType);
  }
  return [...groups.values()].map(({ types, schema }) => el("div", { className: "media" },
    el("p", {}, ...types.flatMap((type, i) => [i ? ", " : "", el("code", { textContent: type })]),
      schema ? ` · ${typeOf(doc, schema)}` : ""),
    schema && withTree ? schemaTree(doc, schema) : null));
}

// Descriptions are CommonMark; `code spans` are the only markup worth rendering here.
function prose(tag, text) {
  const node = el(tag);
  text.split("`").forEach((part, i) => node.append(i % 2 ? el("code", { textContent: part }) : part));
  return node;
}

function parameters(doc, list) {
  if (!list.length) return null;
  const rows = list.map((raw) => {
    const p = resolve(doc, raw);
    return el("tr", {},
      el("td", {}, el("code", { textContent: p.name }), p.required ? el("span", { className: "required", textContent: " required" }) : null),
      el("td", { textContent: p.in }),
      el("td", { className: "type", textContent: typeOf(doc, p.schema || {}) }),
      el("td", { textContent: p.description || "" }));
  });
  const head = el("tr", {}, ...["Name", "In", "Type", "Description"].map((h) => el("th", { scope: "col", textContent: h })));
  return el("div", {}, el("h4", { textContent: "Parameters" }), el("table", {}, el("thead", {}, head), el("tbody", {}, ...rows)));
}

function operation(doc, path, method, op, pathParams) {
  const id = `${method}-${path.replace(/[^A-Za-z0-9]+/g, "-")}`;
  const section = el("section", { className: "operation", id });
  section.setAttribute("aria-labelledby", `${id}-title`);
  section.append(el("h3", { id: `${id}-title` }, el("span", { className: `method ${method}`, textContent: method }), path));
  if (op.summary) section.append(el("p", {}, el("strong", { textContent: op.summary })));
  if (op.description) section.append(prose("p", op.description));
  const security = op.security ?? doc.security ?? [];
  section.append(el("p", { className: "hint", textContent: security.length && Object.keys(security[0] || {}).length ? "Needs Authorization: Bearer <token>." : "No token needed." }));
  section.append(parameters(doc, [...pathParams, ...(op.parameters || [])]) || "");
  if (op.requestBody) {
    const body = resolve(doc, op.requestBody);
    section.append(el("h4", { textContent: `Request body${body.required ? " (required)" : ""}` }), ...content(doc, body));
  }
  const responses = Object.entries(op.responses || {});
  if (responses.length) {
    section.append(el("h4", { textContent: "Responses" }));
    const list = el("ul", {});
    for (const [status, raw] of responses) {
      const response = resolve(doc, raw);
      // Error answers all share one shape, named once by its type rather than spelled out each time.
      const success = /^2/.test(status);
      list.append(el("li", {}, el("span", { className: "status", textContent: status }), ` ${response.description || ""}`, ...content(doc, response, success)));
    }
    section.append(list);
  }
  return { section, link: el("li", {}, el("a", { href: `#${id}` }, el("span", { className: `method ${method}`, textContent: method }), path)) };
}

async function start() {
  let doc;
  try {
    const response = await fetch("/openapi.json");
    if (!response.ok) throw new Error(`GET /openapi.json answered ${response.status}`);
    doc = await response.json();
  } catch (error) {
    $("alert-text").textContent = `The API description could not be loaded: ${error.message}`;
    $("alert").hidden = false;
    return;
  }
  $("api-title").textContent = `${doc.info?.title || "API"} ${doc.info?.version || ""} — API reference`;
  $("api-description").replaceWith(prose("p", doc.info?.description || ""));
  const links = el("ul", {});
  const reference = $("reference");
  const entries = [];
  for (const [path, item] of Object.entries(doc.paths || {})) {
    for (const method of METHODS) {
      if (!item[method]) continue;
      const { section, link } = operation(doc, path, method, item[method], item.parameters || []);
      reference.append(section);
      links.append(link);
      entries.push({ section, link, text: `${method} ${path} ${item[method].summary || ""}`.toLowerCase() });
    }
  }
  $("toc").prepend(el("h2", { textContent: "Operations" }));
  $("toc").append(links);
  $("filter").addEventListener("input", (event) => {
    const words = event.target.value.toLowerCase().split(/\s+/).filter(Boolean);
    for (const entry of entries) {
      const shown = words.every((word) => entry.text.includes(word));
      entry.section.hidden = !shown;
      entry.link.hidden = !shown;
    }
  });
  reference.setAttribute("aria-busy", "false");
}

start();
