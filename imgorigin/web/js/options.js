// Every control of the transformation builder, in one list: adding an option to the page is one line.
// An option lands in a group; groups become URL components in the order of GROUPS (each component is
// applied to the output of the previous one). `token(value, values)` is the option's URL text, or "" for
// none; `values` holds every control's value, for options that read a companion control.

const key = (letter) => (value) => `${letter}_${value}`;
const effect = (name) => (value) => (value === true ? `e_${name}` : `e_${name}:${value}`);
// For controls read by another option or by their group's compose(): no URL text of their own.
const companion = () => "";

const select = (id, label, group, choices, token, value = "") => ({ id, label, group, kind: "select", choices, token, value });
const number = (id, label, group, [min, max, step], token, value = "") => ({ id, label, group, kind: "number", min, max, step, token, value });
const check = (id, label, group, token) => ({ id, label, group, kind: "check", token, value: false });
const text = (id, label, group, placeholder, token, value = "") => ({ id, label, group, kind: "text", placeholder, token, value });
// A choice among the user's own images, filled in when an image is opened.
const image = (id, label, group, token) => ({ id, label, group, kind: "image", choices: [], token, value: "" });

// Controls offered only when another control allows them: the grammar refuses g_ outside the crop modes
// that place a region, b_ padding outside the pad modes, a crop mode or dpr_ without a size.
const sized = (v) => v.width !== "" || v.height !== "" || v.aspect !== "";
const placing = (v) => sized(v) && ["fill", "lfill", "pad", "lpad", "thumb", "auto"].includes(v.mode);
const padding = (v) => sized(v) && ["pad", "lpad", "fill_pad"].includes(v.mode);
const only = (option, when) => ({ ...option, when });

const GRAVITIES = ["auto", "center", "north", "north_east", "east", "south_east", "south", "south_west", "west", "north_west"];

export const GROUPS = [
  { name: "source", legend: "Animated or multi-page source" },
  { name: "crop", legend: "Crop a region first", lead: "c_crop" },
  { name: "resize", legend: "Resize" },
  { name: "rotate", legend: "Rotate" },
  { name: "flip", legend: "Flip and mirror" },
  { name: "effects", legend: "Effects", separate: true },
  { name: "underlay", legend: "Background image", compose: underlay },
  { name: "shape", legend: "Corners, border, opacity" },
  { name: "watermark", legend: "Watermark (another of your images)", compose: watermark },
  { name: "caption", legend: "Text overlay", compose: caption },
  { name: "output", legend: "Output" },
];

export const OPTIONS = [
  number("page", "Only this frame / page", "source", [1, 10000, 1], key("pg")),

  number("crop_w", "Region width", "crop", [1, 8192, 1], key("w")),
  number("crop_h", "Region height", "crop", [1, 8192, 1], key("h")),
  number("crop_x", "Region x", "crop", [0, 8192, 1], key("x")),
  number("crop_y", "Region y", "crop", [0, 8192, 1], key("y")),

  only(select("mode", "Resize mode", "resize", ["scale", "fit", "limit", "mfit", "fill", "lfill", "pad", "lpad", "thumb", "auto", "fill_pad"], key("c"), "fill"), sized),
  number("width", "Width (px)", "resize", [1, 4096, 1], key("w"), "300"),
  number("height", "Height (px)", "resize", [1, 4096, 1], key("h"), "200"),
  text("aspect", "Aspect ratio", "resize", "16:9", key("ar")),
  only(select("gravity", "Gravity (fill, pad, thumb)", "resize", GRAVITIES, key("g"), "auto"), placing),
  only(text("background", "Padding colour", "resize", "white, rgb:ff8800 or auto", key("b")), padding),
  only(select("dpr", "Device pixel ratio", "resize", ["1.0", "1.5", "2.0", "3.0"], key("dpr")), (v) => v.width !== "" || v.height !== ""),

  number("angle", "Rotate (degrees)", "rotate", [-360, 360, 1], key("a")),
  select("flip", "Flip / mirror", "flip", ["hflip", "vflip", "hflip.vflip"], key("a")),

  check("background_removal", "Remove the background", "effects", effect("background_removal")),
  number("trim", "Trim borders (tolerance 0–100)", "effects", [0, 100, 1], effect("trim")),
  check("grayscale", "Grayscale", "effects", effect("grayscale")),
  check("negate", "Negate", "effects", effect("negate")),
  number("sepia", "Sepia (1–100)", "effects", [1, 100, 1], effect("sepia")),
  number("blackwhite", "Black & white (0–100)", "effects", [0, 100, 1], effect("blackwhite")),
  number("brightness", "Brightness (−99–100)", "effects", [-99, 100, 1], effect("brightness")),
  number("contrast", "Contrast (−100–100)", "effects", [-100, 100, 1], effect("contrast")),
  number("saturation", "Saturation (−100–100)", "effects", [-100, 100, 1], effect("saturation")),
  number("gamma", "Gamma (−50–150)", "effects", [-50, 150, 1], effect("gamma")),
  number("blur", "Blur (1–2000)", "effects", [1, 2000, 1], effect("blur")),
  number("sharpen", "Sharpen (1–2000)", "effects", [1, 2000, 1], effect("sharpen")),
  number("unsharp_mask", "Unsharp mask (1–2000)", "effects", [1, 2000, 1], effect("unsharp_mask")),
  number("colorize", "Colorize (0–100)", "effects", [0, 100, 1], (v, all) => [effect("colorize")(v), all.colorize_color && `co_${all.colorize_color}`].filter(Boolean).join(",")),
  text("colorize_color", "Colorize colour", "effects", "blue or rgb:ff8800", companion),
  text("tint", "Tint (amount:colours)", "effects", "80:blue:yellow", effect("tint")),
  number("pixelate", "Pixelate (1–200)", "effects", [1, 200, 1], effect("pixelate")),
  number("vignette", "Vignette (0–100)", "effects", [0, 100, 1], effect("vignette")),
  check("improve", "Improve", "effects", effect("improve")),
  number("auto_contrast", "Auto contrast (blend 0–100)", "effects", [0, 100, 1], effect("auto_contrast")),
  number("auto_color", "Auto colour (blend 0–100)", "effects", [0, 100, 1], effect("auto_color")),
  number("auto_brightness", "Auto brightness (blend 0–100)", "effects", [0, 100, 1], effect("auto_brightness")),
  text("cartoonify", "Cartoonify (lines:reduction or bw)", "effects", "50:60", effect("cartoonify")),
  text("replace_color", "Replace colour (to:tolerance:from)", "effects", "blue:60:rgb:2b38aa", effect("replace_color")),
  number("make_transparent", "Make background transparent (tolerance 0–100)", "effects", [0, 100, 1], effect("make_transparent")),
  text("gradient_fade", "Gradient fade ([symmetric:]strength,y_...)", "effects", "40,y_0.3", effect("gradient_fade")),
  text("shadow", "Shadow (strength,x_..,y_..,co_..)", "effects", "50,x_10,y_10", effect("shadow")),
  text("outline", "Outline (mode:width:blur)", "effects", "outer:5:0", effect("outline")),
  text("blur_region", "Blur a region (strength,x_,y_,w_,h_)", "effects", "300,x_10,y_10,w_100,h_80", effect("blur_region")),
  text("pixelate_region", "Pixelate a region (size,x_,y_,w_,h_)", "effects", "10,x_10,y_10,w_100,h_80", effect("pixelate_region")),
  number("blur_faces", "Blur faces (1–2000)", "effects", [1, 2000, 1], effect("blur_faces")),
  number("pixelate_faces", "Pixelate faces (1–200)", "effects", [1, 200, 1], effect("pixelate_faces")),

  image("underlay", "Behind transparent parts", "underlay", companion),

  text("radius", "Corner radius (px or max)", "shape", "20 or max", key("r")),
  text("border", "Border", "shape", "4px_solid_black", key("bo")),
  number("opacity", "Opacity (0–100)", "shape", [0, 100, 1], key("o")),

  image("watermark", "Watermark image", "watermark", companion),
  select("watermark_gravity", "Watermark position", "watermark", GRAVITIES.slice(1), companion, "south_east"),
  number("watermark_opacity", "Watermark opacity (0–100)", "watermark", [0, 100, 1], companion, "70"),
  select("watermark_blend", "Watermark blend", "watermark", ["normal", "multiply", "screen", "overlay", "mask"], companion, "normal"),

  text("caption", "Text", "caption", "© Example Inc.", companion),
  number("caption_size", "Text size (px)", "caption", [6, 400, 1], companion, "28"),
  text("caption_color", "Text colour", "caption", "white or rgb:ff8800", companion, "white"),
  select("caption_gravity", "Text position", "caption", GRAVITIES.slice(1), companion, "south_west"),

  select("format", "Format", "output", ["webp", "avif", "jpg", "png", "gif", "auto"], (v) => (v === "auto" ? "f_auto" : "")),
  select("quality", "Quality", "output", ["auto", "auto:best", "auto:eco", "auto:low", "90", "75", "50", "25"], key("q")),
  check("progressive", "Progressive JPEG / interlaced PNG", "output", () => "fl_progressive"),
];

// A watermark is two components, Cloudinary style: the layer sized relative to the image, then where it lands.
function watermark(values) {
  if (!values.watermark) return [];
  const layer = [`l_${values.watermark}`, "w_0.25", "fl_relative"];
  if (values.watermark_opacity !== "") layer.push(`o_${values.watermark_opacity}`);
  const place = ["fl_layer_apply", `g_${values.watermark_gravity || "south_east"}`, "x_16", "y_16"];
  if (values.watermark_blend && values.watermark_blend !== "normal") place.push(`e_${values.watermark_blend}`);
  return [layer.join(","), place.join(",")];
}

// An underlay filling the whole frame: what shows through transparent pixels (after background removal).
function underlay(values) {
  return values.underlay ? [`u_${values.underlay},w_1.0,h_1.0,c_fill,fl_relative`, "fl_layer_apply"] : [];
}

// Text is percent-encoded in the URL (',' and '/' included); the server decodes it twice, as Cloudinary
// does, so a literal '%' is escaped twice.
function caption(values) {
  if (!values.caption) return [];
  const layer = [`l_text:dejavusans_${values.caption_size || 28}_bold:${encodeURIComponent(values.caption).replace(/%25/g, "%2525")}`];
  if (values.caption_color) layer.push(`co_${values.caption_color}`);
  return [layer.join(","), `fl_layer_apply,g_${values.caption_gravity || "south_west"},x_16,y_16`];
}
