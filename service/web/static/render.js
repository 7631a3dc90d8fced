// Builds the digest's DOM. Every string from the article or the models goes in through textContent (in `element`),
// never as markup: an article may carry <script> or <img onerror> text, and it must stay text.

/** A new element with attributes and children; string children become text nodes. */
export function element(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    node.setAttribute(name, value);
  }
  for (const child of children) {
    node.append(typeof child === "string" ? document.createTextNode(child) : child);
  }
  return node;
}

/** The keywords of a section as one line ("" when it has none). */
export function keywordLine(section) {
  return section.keywords.join(" · ");
}

/** The heading a section gets: the subheading it opens with, else its keywords, else its number. */
export function sectionHeading(section) {
  if (section.heading) {
    return section.heading;
  }
  return section.keywords.length ? keywordLine(section) : `Section ${section.index + 1}`;
}

/** The card's title: the section's subheading with its keywords under it, or the keywords alone. */
function cardTitle(section, headingId) {
  const arabic = { lang: "ar", dir: "rtl" };
  if (!section.heading) {
    return [element("h3", { id: headingId, class: "keywords", ...arabic }, sectionHeading(section))];
  }
  const title = element("h3", { id: headingId, class: "subheading", ...arabic }, section.heading);
  if (!section.keywords.length) {
    return [title];
  }
  return [title, element("p", { class: "keywords", ...arabic }, keywordLine(section))];
}

// What a summary still on its way shows (streamed answers fill each in as it arrives).
const PENDING = { ar: "Summarizing…", en: "Translating…" };

function summaryBlock(language, label, text, number) {
  const [direction, name] = language === "ar" ? ["rtl", "Arabic"] : ["ltr", "English"];
  const copyLabel = `Copy ${name}, section ${number}`;
  const copy = element("button", { type: "button", class: "copy", lang: "en", dir: "ltr" }, copyLabel);
  copy.dataset.copied = `Copied the ${name} summary of section ${number}.`;
  const summary = element("p", { class: "summary" });
  const block = element(
    "div",
    { class: `block block-${language}`, lang: language, dir: direction },
    element("h4", {}, label),
    summary,
    copy,
  );
  if (text === null) {
    summary.classList.add("pending");
    summary.append(element("span", { lang: "en", dir: "ltr" }, PENDING[language]));
    copy.hidden = true;
  } else {
    fillBlock(block, text);
  }
  return block;
}

function fillBlock(block, text) {
  const summary = block.querySelector(".summary");
  summary.classList.remove("pending");
  summary.replaceChildren(document.createTextNode(text));
  const copy = block.querySelector("button.copy");
  copy.dataset.copy = text;
  copy.hidden = false;
}

// Below this calibrated confidence a section's opening is marked, so a reader checks where the story really changes.
export const UNSURE_OPENING = 0.6;

/** Whether the segmenter is unsure that a new story starts where this section opens. */
export function unsureOpening(section) {
  return typeof section.confidence === "number" && section.confidence < UNSURE_OPENING;
}

/** The card's eyebrow: its number, and a note when its opening is uncertain. */
function eyebrow(section, number, count) {
  const line = element("p", { class: "eyebrow" }, `Section ${number} of ${count}`);
  if (unsureOpening(section)) {
    const sure = Math.round(section.confidence * 100);
    line.append(" ", element("span", { class: "unsure-label" }, `Uncertain start (${sure}%): check the split`));
  }
  return line;
}

function card(section, count) {
  const number = section.index + 1;
  const headingId = `section-${number}-heading`;
  return element(
    "article",
    {
      class: unsureOpening(section) ? "card unsure-opening" : "card",
      "aria-labelledby": headingId,
      "data-index": String(section.index),
    },
    eyebrow(section, number, count),
    ...cardTitle(section, headingId),
    element(
      "div",
      { class: "pair" },
      summaryBlock("ar", "العربية", section.summary?.ar ?? null, number),
      summaryBlock("en", "English", section.summary?.en ?? null, number),
    ),
    element(
      "details",
      { class: "source" },
      element("summary", {}, `Source text (characters ${section.start} to ${section.end})`),
      element("div", { class: "source-text", lang: "ar", dir: "rtl" }, ...sourcePieces(section)),
    ),
  );
}

/**
 * The section's text as text nodes, with the sentences an extractive summary chose in <mark> elements.
 * `summary.spans` index the whole article; the section's text starts at `section.start`.
 */
export function sourcePieces(section) {
  const spans = section.summary?.spans || []; // a streamed card has no summary yet
  const pieces = [];
  let at = 0;
  for (const span of spans) {
    const start = span.start - section.start;
    const end = span.end - section.start;
    if (start < at || end > section.text.length) {
      continue; // not inside this section: show the text unmarked rather than cut it wrongly
    }
    pieces.push(section.text.slice(at, start), element("mark", { class: "chosen" }, section.text.slice(start, end)));
    at = end;
  }
  pieces.push(section.text.slice(at));
  return pieces.filter((piece) => piece !== "");
}

function title(digest) {
  if (!digest.title) {
    return [element("p", { class: "hint" }, "No title was found in the article.")];
  }
  const english = digest.title.en ?? null;
  return [
    element("p", { class: "title-ar", lang: "ar", dir: "rtl" }, digest.title.ar),
    english === null
      ? element("p", { class: "title-en pending", lang: "en", dir: "ltr" }, PENDING.en)
      : element("p", { class: "title-en", lang: "en", dir: "ltr" }, english),
  ];
}

function removedItems(removed) {
  if (!removed.length) {
    return [element("li", { class: "hint", lang: "en", dir: "ltr" }, "Nothing was removed.")];
  }
  return removed.map((span) => element("li", { class: "removed-text", lang: "ar", dir: "rtl" }, span.text));
}

function duration(milliseconds) {
  return milliseconds >= 1000 ? `${(milliseconds / 1000).toFixed(2)} s` : `${milliseconds.toFixed(1)} ms`;
}

function timingRows(digest) {
  const rows = Object.entries(digest.timing_ms).map(([stage, ms]) => [stage, duration(ms)]);
  rows.push(["summarizer", digest.models.summarizer], ["translator", digest.models.translator]);
  return rows.flatMap(([name, value]) => [element("dt", {}, name), element("dd", {}, value)]);
}

/** Fill the results region from a digest (the parsed /summarize body). */
export function renderDigest(digest) {
  const count = digest.sections.length;
  document.getElementById("digest-title").replaceChildren(...title(digest));
  document.getElementById("cards").replaceChildren(...digest.sections.map((section) => card(section, count)));
  document.getElementById("removed-count").textContent = String(digest.removed.length);
  document.getElementById("removed-list").replaceChildren(...removedItems(digest.removed));
  document.getElementById("timings").replaceChildren(...timingRows(digest));
}

/** Cards for the sections of a streamed answer's first line (the segmentation), each summary pending. */
export function renderSections(segmentation) {
  const count = segmentation.sections.length;
  const sections = segmentation.sections.map((section, index) => ({ ...section, index, summary: null }));
  const found = segmentation.title ? { title: { ar: segmentation.title.text, en: null } } : { title: null };
  document.getElementById("digest-title").replaceChildren(...title(found));
  document.getElementById("cards").replaceChildren(...sections.map((section) => card(section, count)));
  document.getElementById("removed-count").textContent = String(segmentation.removed.length);
  document.getElementById("removed-list").replaceChildren(...removedItems(segmentation.removed));
  document.getElementById("timings").replaceChildren();
}

/** Fill in one section's summary in `language` ("ar" or "en") as it arrives; unknown sections are ignored. */
export function fillSummary(index, language, text) {
  const block = document.querySelector(`#cards .card[data-index="${Number(index)}"] .block-${language}`);
  if (block && typeof text === "string") {
    fillBlock(block, text);
  }
}

/** Show the digest's title in both languages as it arrives. */
export function fillTitle(ar, en) {
  document.getElementById("digest-title").replaceChildren(...title({ title: { ar, en } }));
}
