// Reads a streamed answer (NDJSON: one JSON object a line) line by line as it arrives.

/** The connection failed while the answer was arriving (as opposed to a fault in handling a line). */
export class ConnectionLost extends Error {}

/** Call `onLine(text)` for each non-empty line of `response`'s body as soon as the line is complete. */
export async function readLines(response, onLine) {
  const reader = response.body.getReader();
  const decoder = new TextDecoder("utf-8");
  let pending = "";
  for (;;) {
    let chunk;
    try {
      chunk = await reader.read();
    } catch (error) {
      throw new ConnectionLost(error.message);
    }
    const { value, done } = chunk;
    if (done) {
      break;
    }
    // `stream: true` keeps a character split across two chunks whole.
    pending += decoder.decode(value, { stream: true });
    let newline;
    while ((newline = pending.indexOf("\n")) >= 0) {
      const line = pending.slice(0, newline);
      pending = pending.slice(newline + 1);
      if (line.trim()) {
        onLine(line);
      }
    }
  }
  pending += decoder.decode();
  if (pending.trim()) {
    onLine(pending);
  }
}
