// The live transcript from LiveKit's transcription text streams (topic "lk.transcription").
//
// The agent publishes the caller's words (sent on the caller's behalf, one stream per update, each holding the whole
// segment so far) and its own (one stream per segment, in pieces). Lines still being spoken are shown in a separate
// area hidden from screen readers; a segment joins the log, which screen readers announce, once it is final.
import { LABELS } from './messages.js';

export const TRANSCRIPTION_TOPIC = 'lk.transcription';
const SEGMENT_ID = 'lk.segment_id';
const FINAL = 'lk.transcription_final';

export class Transcript {
  constructor(log, liveArea) {
    this.log = log;
    this.liveArea = liveArea;
    this.open = new Map(); // segment id -> element in the live area
  }

  clear() {
    this.log.replaceChildren();
    this.liveArea.replaceChildren();
    this.open.clear();
  }

  /** Read one text stream to its end, showing the segment as it grows. */
  async read(reader, fromCaller) {
    const attributes = () => reader.info.attributes || {};
    const segment = attributes()[SEGMENT_ID] || reader.info.id;
    let text = '';
    try {
      for await (const piece of reader) {
        text += piece;
        this.show(segment, fromCaller, text);
      }
    } catch {
      // An aborted stream leaves what arrived on screen.
    }
    if (attributes()[FINAL] === 'true') this.settle(segment, fromCaller, text);
  }

  show(segment, fromCaller, text) {
    let line = this.open.get(segment);
    if (!line) {
      line = document.createElement('p');
      this.open.set(segment, line);
      this.liveArea.append(line);
    }
    fill(line, fromCaller, text);
  }

  settle(segment, fromCaller, text) {
    this.open.get(segment)?.remove();
    this.open.delete(segment);
    if (!text.trim()) return;
    const item = document.createElement('li');
    fill(item, fromCaller, text);
    this.log.append(item);
    item.scrollIntoView({ block: 'nearest' });
  }

  /** At the end of a call, lines still open join the log as they are. */
  settleAll() {
    for (const [segment, line] of [...this.open]) {
      this.settle(segment, line.classList.contains('caller'), line.dataset.text || '');
    }
  }
}

function fill(element, fromCaller, text) {
  element.className = fromCaller ? 'caller' : 'agent';
  element.dataset.text = text;
  const who = document.createElement('strong');
  who.textContent = `${fromCaller ? LABELS.caller : LABELS.agent}\u00a0: `;
  element.replaceChildren(who, document.createTextNode(text));
}
