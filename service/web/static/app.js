// The reading page: read the article (typed, pasted, dropped or opened), ask /summarize, show the digest or say in
// plain words why there is none. URLs are relative so the page also works behind a proxy under a sub-path.

import { copyText, digestMarkdown, download } from "./export.js";
import { fillSummary, fillTitle, renderDigest, renderSections } from "./render.js";
import { ConnectionLost, readLines } from "./stream.js";

const API_KEY_STORAGE = "khulasa.apiKey";
// Far more than any news article; a bigger file is almost certainly not one, and reading it would stall the tab.
const MAX_FILE_BYTES = 5 * 1024 * 1024;
const READY_POLL_MS = 3000;
// The streamed answer's last line is this, the plain answer's exact bytes, and "}".
const DIGEST_LINE_START = '{"event":"digest","digest":';

const byId = (id) => document.getElementById(id);
const form = byId("article-form");
const article = byId("article");
const maxSections = byId("max-sections");
const summaryMode = byId("summary-mode");
const apiKey = byId("api-key");
const button = byId("summarize");
const inputError = byId("input-error");
const status = byId("status");
const elapsed = byId("elapsed");
const results = byId("results");
const notice = byId("service-notice");

let digest = null; // what fetchDigest returned for the digest on show

/** Show `message` under the text box; `inputAtFault` marks the box itself invalid for assistive technology. */
function showError(message, inputAtFault = false) {
  inputError.textContent = message;
  inputError.hidden = false;
  if (inputAtFault) {
    article.setAttribute("aria-invalid", "true");
  }
}

function clearError() {
  inputError.textContent = "";
  inputError.hidden = true;
  article.removeAttribute("aria-invalid");
}

// /ready and the inference routes answer 503 both while the models load and after they failed to; the error says which.
const modelsFailed = (detail) => detail.startsWith("models failed");

/** What a failed /summarize answer means for the person at the page. `body` is the parsed JSON error or null. */
function describeFailure(status, body) {
  const detail = body && typeof body.error === "string" ? body.error : "";
  switch (status) {
    case 400:
      return `The service could not read the request: ${detail || "bad request"}.`;
    case 401:
    case 403:
      return "The service needs a valid API key. Enter it in the API key field below and try again.";
    case 413:
      return (
        `The article is too long for this service: ${detail || "the request is over its size limit"}. ` +
        "Shorten it or send it in parts."
      );
    case 422:
      return `The service did not accept the input: ${detail || "invalid input"}.`;
    case 429:
      return "The service is busy with other articles right now. Wait a few seconds and try again.";
    case 503:
      return modelsFailed(detail)
        ? `The service cannot summarize: ${detail}.`
        : "The models are still loading. Wait a minute and try again.";
    default:
      return status >= 500
        ? `The service failed on this article (HTTP ${status}). Its log says why.`
        : `The service gave an unexpected answer (HTTP ${status}${detail ? `: ${detail}` : ""}).`;
  }
}

/** The request body, or a plain-words reason the input cannot be sent. */
function readForm() {
  if (!article.value.trim()) {
    return { problem: "Paste an Arabic article into the box (or drop a .txt file) first." };
  }
  const payload = { text: article.value };
  if (maxSections.validity.badInput || maxSections.value !== "") {
    const wanted = Number(maxSections.value);
    if (maxSections.validity.badInput || !Number.isInteger(wanted) || wanted < 1 || wanted > 12) {
      return { problem: "Most sections must be a whole number from 1 to 12, or left empty." };
    }
    payload.max_sections = wanted;
  }
  if (summaryMode.value) {
    payload.summary = summaryMode.value;
  }
  return { payload };
}

function parseJson(raw) {
  try {
    return JSON.parse(raw);
  } catch {
    return null;
  }
}

function setWorking(working) {
  button.disabled = working;
  button.textContent = working ? "Summarizing…" : "Summarize";
  form.setAttribute("aria-busy", String(working));
  form.classList.toggle("working", working);
}

function requestDigest(payload) {
  // Results as they come: the sections first, then each summary and translation as it is ready.
  const headers = { "Content-Type": "application/json", Accept: "application/x-ndjson, application/json;q=0.5" };
  const key = apiKey.value.trim();
  if (key) {
    headers.Authorization = `Bearer ${key}`;
  }
  return fetch("summarize", { method: "POST", headers, body: JSON.stringify(payload) });
}

const unreadable = () => new Error("The service sent an answer this page cannot read.");

/** Show the sections of a streamed answer at once; the cards fill in as the rest of it arrives. */
function showSections(segmentation) {
  renderSections(segmentation);
  results.setAttribute("aria-busy", "true");
  results.hidden = false;
  const count = segmentation.sections.length;
  status.textContent = `Found ${count} section(s); summarizing and translating them…`;
}

/** Follow a streamed answer to its digest line: { raw, body }, or an Error with a message for the reader. */
async function followStream(response) {
  let finished = null;
  let failure = null;
  await readLines(response, (line) => {
    const event = parseJson(line);
    if (event?.event === "sections" && Array.isArray(event.sections)) {
      showSections(event);
    } else if (event?.event === "summary") {
      fillSummary(event.index, "ar", event.ar);
    } else if (event?.event === "translation") {
      fillSummary(event.index, "en", event.en);
    } else if (event?.event === "title") {
      fillTitle(event.ar, event.en);
    } else if (event?.event === "digest") {
      const raw = line.startsWith(DIGEST_LINE_START) ? line.slice(DIGEST_LINE_START.length, -1) : null;
      finished = { raw: raw ?? JSON.stringify(event.digest), body: event.digest };
    } else if (event?.event === "error") {
      failure = describeFailure(event.status, event);
    }
  });
  if (failure) {
    throw new Error(failure);
  }
  if (!finished) {
    throw new Error("The service stopped before the digest was complete. Try again.");
  }
  return finished;
}

/** The digest as { raw: the exact digest JSON, body: parsed }, or an Error with a message for the reader. */
async function fetchDigest(payload) {
  const lost = (error) =>
    new Error(`Could not reach the service (${error.message}). Check that it is running, then try again.`);
  let response;
  try {
    response = await requestDigest(payload);
  } catch (error) {
    throw lost(error);
  }
  let answer;
  if (response.ok && (response.headers.get("Content-Type") ?? "").startsWith("application/x-ndjson")) {
    try {
      answer = await followStream(response);
    } catch (error) {
      throw error instanceof ConnectionLost ? lost(error) : error;
    }
  } else {
    let raw;
    try {
      raw = await response.text();
    } catch (error) {
      throw lost(error);
    }
    answer = { raw, body: parseJson(raw) };
    if (!response.ok) {
      throw new Error(describeFailure(response.status, answer.body));
    }
  }
  if (!answer.body || !Array.isArray(answer.body.sections)) {
    throw unreadable();
  }
  return answer;
}

async function summarize(event) {
  event.preventDefault();
  clearError();
  const { problem, payload } = readForm();
  if (problem) {
    showError(problem, true);
    article.focus();
    return;
  }
  results.hidden = true;
  digest = null;
  setWorking(true);
  status.textContent = "Working: cleaning the article, finding its stories, summarizing and translating them…";
  const started = performance.now();
  const ticker = setInterval(() => {
    elapsed.textContent = `${Math.round((performance.now() - started) / 1000)} s`;
  }, 1000);
  try {
    digest = await fetchDigest(payload);
    renderDigest(digest.body);
    results.hidden = false;
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    status.textContent = `Digest ready: ${digest.body.sections.length} section(s) in ${seconds} s.`;
  } catch (error) {
    results.hidden = true;
    showError(error.message);
    status.textContent = "No digest.";
  } finally {
    results.removeAttribute("aria-busy");
    clearInterval(ticker);
    elapsed.textContent = "";
    setWorking(false);
  }
}

/** The text of a dropped or opened file, or an Error saying in plain words why it is not an article. */
async function readTextFile(file) {
  if (file.size > MAX_FILE_BYTES) {
    throw new Error(`${file.name} is ${(file.size / 1048576).toFixed(1)} MB; an article file is far smaller.`);
  }
  let text;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(await file.arrayBuffer());
  } catch {
    throw new Error(`${file.name} is not UTF-8 text. Save the article as a plain UTF-8 .txt file and try again.`);
  }
  if (text.includes("\u0000")) {
    throw new Error(`${file.name} is not a text file. Drop or open a plain .txt file.`);
  }
  return text;
}

async function loadFiles(files) {
  clearError();
  if (files.length !== 1) {
    showError(`Drop or open one file at a time (got ${files.length}).`);
    return;
  }
  const [file] = files;
  try {
    article.value = await readTextFile(file);
    status.textContent = `Read ${file.name}: ${article.value.length.toLocaleString("en")} characters.`;
  } catch (error) {
    showError(error.message);
  }
}

function watchDrops() {
  const zone = byId("dropzone");
  const carriesFiles = (event) => event.dataTransfer && Array.from(event.dataTransfer.types).includes("Files");
  // A file dropped anywhere else would make the browser open it in place of the page, losing the pasted text.
  for (const type of ["dragover", "drop"]) {
    window.addEventListener(type, (event) => carriesFiles(event) && event.preventDefault());
  }
  zone.addEventListener("dragover", (event) => {
    if (carriesFiles(event)) {
      zone.classList.add("dragging");
    }
  });
  zone.addEventListener("dragleave", () => zone.classList.remove("dragging"));
  zone.addEventListener("drop", (event) => {
    zone.classList.remove("dragging");
    if (carriesFiles(event)) {
      loadFiles(event.dataTransfer.files);
    }
  });
  byId("file").addEventListener("change", (event) => {
    loadFiles(event.target.files);
    event.target.value = "";
  });
}

function rememberApiKey() {
  // sessionStorage only: the key is gone when the tab closes, and no other tab or later visit sees it.
  try {
    apiKey.value = sessionStorage.getItem(API_KEY_STORAGE) ?? "";
    apiKey.addEventListener("input", () => {
      const key = apiKey.value.trim();
      key ? sessionStorage.setItem(API_KEY_STORAGE, key) : sessionStorage.removeItem(API_KEY_STORAGE);
    });
  } catch {
    // Storage can be switched off; the key then lives in the field only.
  }
}

async function copyFrom(text, done) {
  try {
    await copyText(text);
    status.textContent = done;
  } catch (error) {
    status.textContent = `Could not copy: ${error.message}.`;
  }
}

function wireResults() {
  byId("cards").addEventListener("click", (event) => {
    const copy = event.target.closest("button.copy");
    if (copy) {
      copyFrom(copy.dataset.copy, copy.dataset.copied);
    }
  });
  byId("copy-markdown").addEventListener("click", () =>
    copyFrom(digestMarkdown(digest.body), "Digest copied as Markdown."),
  );
  byId("download-json").addEventListener("click", () =>
    download(digest.raw, "khulasa-digest.json", "application/json"),
  );
  byId("download-markdown").addEventListener("click", () =>
    download(digestMarkdown(digest.body), "khulasa-digest.md", "text/markdown;charset=utf-8"),
  );
}

/** Say so while the models load (or after they failed to), and clear the notice once /ready answers 200. */
async function watchReadiness() {
  for (;;) {
    let response;
    try {
      response = await fetch("ready", { cache: "no-store" });
    } catch {
      return;
    }
    if (response.status !== 503) {
      notice.hidden = true;
      return;
    }
    const detail = parseJson(await response.text())?.error ?? "";
    const failed = modelsFailed(detail);
    notice.textContent = failed
      ? `The service cannot summarize: ${detail}.`
      : "The models are still loading. You can paste an article now; Summarize works once they are ready.";
    notice.hidden = false;
    if (failed) {
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, READY_POLL_MS));
  }
}

form.addEventListener("submit", summarize);
watchDrops();
rememberApiKey();
wireResults();
watchReadiness();
