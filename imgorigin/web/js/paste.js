// A pasted transformation string back into builder values: the inverse of builder.compose() for the
// components the builder makes. Whatever it cannot represent exactly is refused with the token named,
// never loaded half-way.

import { OPTIONS } from "./options.js";

export class PasteError extends Error {}

const BY_ID = Object.fromEntries(OPTIONS.map((option) => [option.id, option]));
const RESIZE_KEYS = { c: "mode", w: "width", h: "height", ar: "aspect", g: "gravity", b: "background", dpr: "dpr" };
const SHAPE_KEYS = { r: "radius", bo: "border", o: "opacity" };
const CROP_KEYS = { w: "crop_w", h: "crop_h", x: "crop_x", y: "crop_y" };
const FLIPS = new Set(["hflip", "vflip", "hflip.vflip"]);

function split(token) {
  const at = token.indexOf("_");
  return at < 1 ? [token, ""] : [token.slice(0, at), token.slice(at + 1)];
}

function refuse(token) {
  return new PasteError(`The builder has no control for ${token}: edit the URL by hand instead`);
}

// Every control empty (unchecked), so what the string does not mention is off.
function emptyValues() {
  return Object.fromEntries(OPTIONS.map((o) => [o.id, o.kind === "check" ? false : ""]));
}

function assign(values, id, value, token) {
  if (values[id] !== "" && values[id] !== false) throw refuse(token);
  values[id] = value;
}

function mapped(values, tokens, keys) {
  for (const token of tokens) {
    const [key, value] = split(token);
    if (!(key in keys)) throw refuse(token);
    assign(values, keys[key], value, token);
  }
}

// The component after an overlay: where it lands. Returns the tokens the builder does not fix itself.
function placement(next, layer) {
  const tokens = next ? next.split(",") : [];
  if (!tokens.includes("fl_layer_apply")) throw refuse(layer);
  return tokens.filter((t) => t !== "fl_layer_apply");
}

function overlay(values, tokens, next) {
  const [layer] = tokens;
  if (layer.startsWith("l_text:")) {
    const text = layer.match(/^l_text:dejavusans_(\d+)_bold:(.+)$/);
    if (!text) throw refuse(layer);
    assign(values, "caption", decodeURIComponent(text[2].replace(/%2525/g, "%25")), layer);
    values.caption_size = text[1];
    mapped(values, tokens.slice(1), { co: "caption_color" });
    for (const token of placement(next, layer)) {
      const [key, value] = split(token);
      if (key === "g") values.caption_gravity = value;
      else if (token !== "x_16" && token !== "y_16") throw refuse(token);
    }
    return;
  }
  const under = layer.startsWith("u_");
  const rest = tokens.slice(1);
  if (under) {
    if (rest.join(",") !== "w_1.0,h_1.0,c_fill,fl_relative") throw refuse(tokens.join(","));
    assign(values, "underlay", layer.slice(2), layer);
    if (placement(next, layer).length) throw refuse(next);
    return;
  }
  assign(values, "watermark", layer.slice(2), layer);
  for (const token of rest) {
    const [key, value] = split(token);
    if (key === "o") values.watermark_opacity = value;
    else if (token !== "w_0.25" && token !== "fl_relative") throw refuse(token);
  }
  values.watermark_blend = "normal";
  for (const token of placement(next, layer)) {
    const [key, value] = split(token);
    if (key === "g") values.watermark_gravity = value;
    else if (key === "e") values.watermark_blend = value;
    else if (token !== "x_16" && token !== "y_16") throw refuse(token);
  }
}

function effect(values, tokens) {
  const [name, arg] = tokens[0].slice(2).split(/:(.*)/s);
  const option = BY_ID[name];
  if (!option || option.group !== "effects") throw refuse(tokens[0]);
  if (option.kind === "check") {
    if (arg !== undefined) throw refuse(tokens[0]);
    assign(values, name, true, tokens[0]);
  } else {
    if (!arg) throw refuse(tokens[0]);
    assign(values, name, arg, tokens[0]);
  }
  if (tokens.length > 1) {
    if (name !== "colorize") throw refuse(tokens.slice(1).join(","));
    mapped(values, tokens.slice(1), { co: "colorize_color" });
  }
}

function output(values, tokens) {
  for (const token of tokens) {
    const [key, value] = split(token);
    if (token === "f_auto") assign(values, "format", "auto", token);
    else if (key === "q") assign(values, "quality", value, token);
    else if (token === "fl_progressive") assign(values, "progressive", true, token);
    else throw refuse(token);
  }
}

// { values } for the builder, or a PasteError naming the first token it cannot show.
export function parseTransformation(text, format) {
  const values = emptyValues();
  values.format = format || "";
  const components = text.trim().replace(/^\/+|\/+$/g, "").split("/").filter(Boolean);
  for (let index = 0; index < components.length; index += 1) {
    const tokens = components[index].split(",");
    const keys = tokens.map((t) => split(t)[0]);
    if (keys[0] === "l" || keys[0] === "u") {
      overlay(values, tokens, components[index + 1]);
      index += 1;
    } else if (keys[0] === "e") {
      effect(values, tokens);
    } else if (tokens.includes("c_crop")) {
      mapped(values, tokens.filter((t) => t !== "c_crop"), CROP_KEYS);
    } else if (keys.length === 1 && keys[0] === "pg") {
      assign(values, "page", split(tokens[0])[1], tokens[0]);
    } else if (keys.length === 1 && keys[0] === "a") {
      const [, angle] = split(tokens[0]);
      assign(values, FLIPS.has(angle) ? "flip" : "angle", angle, tokens[0]);
    } else if (keys.every((k) => k in SHAPE_KEYS)) {
      mapped(values, tokens, SHAPE_KEYS);
    } else if (keys.every((k) => k === "f" || k === "q" || k === "fl")) {
      output(values, tokens);
    } else {
      mapped(values, tokens, RESIZE_KEYS);
    }
  }
  return values;
}

// The same transformation, whatever the order of the parameters inside each component.
export function sameTransformation(a, b) {
  const normal = (text) => text.split("/").filter(Boolean).map((c) => c.split(",").sort().join(",")).join("/");
  return normal(a) === normal(b);
}
