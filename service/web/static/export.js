// Copy and download, all in the browser: the digest already on the page is everything they need.

import { keywordLine, sectionHeading } from "./render.js";

// Backslash-escaping these keeps article or model text from turning into links, emphasis, headings or raw HTML
// wherever the Markdown is rendered later; every CommonMark reader shows the escaped character as itself.
const MARKDOWN_SPECIAL = /[\\`*_[\]<>#|]/g;

function markdownText(text) {
  return text.replace(MARKDOWN_SPECIAL, "\\$&");
}

/** The digest as Markdown: title, then per section its heading (its subheading, with its keywords on the next
 * line, or its keywords), Arabic summary and English summary. */
export function digestMarkdown(digest) {
  const lines = [];
  if (digest.title) {
    lines.push(`# ${markdownText(digest.title.ar)}`, "", markdownText(digest.title.en), "");
  } else {
    lines.push("# Khulasa digest", "");
  }
  for (const section of digest.sections) {
    lines.push(`## ${section.index + 1}. ${markdownText(sectionHeading(section))}`, "");
    if (section.heading && section.keywords.length) {
      lines.push(markdownText(keywordLine(section)), "");
    }
    lines.push(
      "**العربية**",
      "",
      markdownText(section.summary.ar),
      "",
      "**English**",
      "",
      markdownText(section.summary.en),
      "",
    );
  }
  return lines.join("\n");
}

/** Offer `content` as a file download named `filename`, without a round trip to the server. */
export function download(content, filename, type) {
  const url = URL.createObjectURL(new Blob([content], { type }));
  const link = document.createElement("a");
  link.href = url;
  link.download = filename;
  document.body.append(link);
  link.click();
  link.remove();
  // The click has handed the blob to the download by now; revoking later rather than at once is for slow browsers.
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** Put `text` on the clipboard. The Clipboard API exists only on secure origins (https, localhost), so a page
 * opened over plain http on another host falls back to a selected, hidden textarea. */
export async function copyText(text) {
  if (navigator.clipboard && window.isSecureContext) {
    await navigator.clipboard.writeText(text);
    return;
  }
  const scratch = document.createElement("textarea");
  scratch.value = text;
  scratch.setAttribute("readonly", "");
  scratch.className = "offscreen";
  document.body.append(scratch);
  scratch.select();
  const copied = document.execCommand("copy");
  scratch.remove();
  if (!copied) {
    throw new Error("the browser refused to copy");
  }
}
