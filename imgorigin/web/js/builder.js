// The transformation builder: a form generated from options.js, and the transformation it composes.

import { GROUPS, OPTIONS } from "./options.js";

function control(option) {
  const wrapper = document.createElement("div");
  wrapper.className = option.kind === "check" ? "field check" : "field";
  const label = document.createElement("label");
  label.htmlFor = `opt-${option.id}`;
  label.textContent = option.label;
  let input;
  if (option.kind === "select" || option.kind === "image") {
    input = document.createElement("select");
    // defaultSelected/defaultValue/defaultChecked: what the form's reset goes back to.
    for (const choice of ["", ...option.choices]) {
      const chosen = choice === option.value;
      input.add(new Option(choice === "" ? "—" : choice, choice, chosen, chosen));
    }
  } else {
    input = document.createElement("input");
    input.type = { number: "number", check: "checkbox", text: "text" }[option.kind];
    if (option.kind === "number") Object.assign(input, { min: option.min, max: option.max, step: option.step });
    if (option.placeholder) input.placeholder = option.placeholder;
  }
  wrapper.dataset.option = option.id;
  input.id = `opt-${option.id}`;
  input.name = option.id;
  if (option.kind === "check") input.defaultChecked = input.checked = option.value;
  else if (option.kind !== "select" && option.kind !== "image") input.defaultValue = input.value = option.value;
  if (option.kind === "check") wrapper.append(input, label);
  else wrapper.append(label, input);
  return wrapper;
}

export function renderBuilder(form) {
  form.replaceChildren();
  for (const group of GROUPS) {
    const options = OPTIONS.filter((option) => option.group === group.name);
    if (!options.length) continue;
    const fieldset = document.createElement("fieldset");
    const legend = document.createElement("legend");
    legend.textContent = group.legend;
    fieldset.append(legend, ...options.map(control));
    form.append(fieldset);
  }
  const reset = document.createElement("button");
  reset.type = "reset";
  reset.className = "secondary";
  reset.textContent = "Reset to defaults";
  form.append(reset);
}

// The choices of "image" options: the user's images, by file name.
export function setImageChoices(form, images) {
  for (const option of OPTIONS.filter((o) => o.kind === "image")) {
    const input = form.elements.namedItem(option.id);
    const current = input.value;
    input.replaceChildren(new Option("—", ""), ...images.map((i) => new Option(`${i.filename || i.id} (${i.id})`, i.id)));
    input.value = images.some((i) => i.id === current) ? current : "";
  }
}

export function rawValues(form) {
  const values = {};
  for (const option of OPTIONS) {
    const input = form.elements.namedItem(option.id);
    values[option.id] = option.kind === "check" ? input.checked : input.value.trim();
  }
  return values;
}

// Show only the controls the other controls allow (option.when); a control put away keeps its value for
// when it comes back, but counts as unset.
export function applyConstraints(form) {
  const values = rawValues(form);
  for (const option of OPTIONS.filter((o) => o.when)) {
    const allowed = option.when(values);
    const input = form.elements.namedItem(option.id);
    input.closest(".field").hidden = !allowed;
    if (!input.dataset.unavailable) input.disabled = !allowed;
  }
}

export function readValues(form) {
  const values = rawValues(form);
  for (const option of OPTIONS) {
    if (form.elements.namedItem(option.id).disabled) values[option.id] = option.kind === "check" ? false : "";
  }
  return values;
}

// A control this server cannot honour (no background-removal model): disabled, with the reason beside it.
export function setUnavailable(form, id, reason) {
  const input = form.elements.namedItem(id);
  const field = input.closest(".field");
  field.querySelector(".reason")?.remove();
  input.disabled = Boolean(reason);
  if (!reason) {
    delete input.dataset.unavailable;
    input.removeAttribute("aria-describedby");
    return;
  }
  input.dataset.unavailable = "true";
  input.checked = false;
  const note = document.createElement("p");
  note.className = "reason";
  note.id = `reason-${id}`;
  note.textContent = reason;
  input.setAttribute("aria-describedby", note.id);
  field.append(note);
}

// The values that differ from the defaults, for the page's address: the view can be reloaded and shared.
export function changedValues(values) {
  const changed = {};
  for (const option of OPTIONS) {
    if (values[option.id] !== option.value) changed[option.id] = String(values[option.id]);
  }
  return changed;
}

// Back from the address: every control to its default, then the given values.
export function writeValues(form, params) {
  form.reset();
  for (const option of OPTIONS) {
    if (!params.has(option.id)) continue;
    const input = form.elements.namedItem(option.id);
    if (input.dataset.unavailable) continue;
    if (option.kind === "check") input.checked = params.get(option.id) === "true";
    else input.value = params.get(option.id);
  }
  applyConstraints(form);
}

// { transformation, format }: format is the extension to ask /sign for ("" keeps the original's).
export function compose(values) {
  const components = [];
  for (const group of GROUPS) {
    if (group.compose) {
      components.push(...group.compose(values));
      continue;
    }
    const tokens = OPTIONS.filter((option) => option.group === group.name)
      .filter((option) => values[option.id] !== "" && values[option.id] !== false)
      .map((option) => option.token(values[option.id], values))
      .filter(Boolean);
    if (!tokens.length) continue;
    if (group.separate) components.push(...tokens);
    else components.push([group.lead, ...tokens].filter(Boolean).join(","));
  }
  const format = values.format && values.format !== "auto" ? values.format : "";
  return { transformation: components.join("/"), format };
}

// The transformation at another width, for srcset entries: the last sizing component gets `w_<width>`,
// and a pixel height follows the width so every entry has the same shape.
export function atWidth(transformation, width) {
  const components = transformation ? transformation.split("/") : [];
  // A cropped region or an overlay's own size is not the size of the output.
  const sizes = (c) => {
    const tokens = c.split(",");
    return tokens.some((t) => /^[wh]_/.test(t)) && !tokens.some((t) => t === "c_crop" || t.startsWith("l_"));
  };
  let index = -1;
  components.forEach((c, i) => { if (sizes(c)) index = i; });
  if (index < 0) return [...components, `w_${width}`].join("/");
  const tokens = components[index].split(",");
  const pixels = Object.fromEntries(tokens.map((t) => t.match(/^([wh])_(\d+)$/)).filter(Boolean).map((m) => [m[1], Number(m[2])]));
  const kept = tokens.filter((t) => !/^[wh]_/.test(t));
  if (pixels.w && pixels.h) kept.push(`h_${Math.max(1, Math.round((pixels.h * width) / pixels.w))}`);
  kept.push(`w_${width}`);
  components[index] = kept.join(",");
  return components.join("/");
}
