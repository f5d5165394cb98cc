// The call page: one button to call, then mute and hang up; the state and the transcript are read aloud politely.
import { Call } from './call.js';
import { ERRORS, STATUS } from './messages.js';
import { CallError } from './token.js';
import { Transcript } from './transcript.js';

const $ = (id) => document.getElementById(id);

function start() {
  const ui = {
    status: $('status'),
    error: $('error'),
    call: $('call'),
    mute: $('mute'),
    hangup: $('hangup'),
    sound: $('sound'),
  };
  const transcript = new Transcript($('transcript'), $('live-lines'));
  const tokenUrl = document.body.dataset.tokenUrl || 'api/token';
  let call = null;

  const show = (state) => {
    document.body.dataset.state = state;
    ui.status.textContent = STATUS[state] || STATUS.connecting;
  };
  const controls = ({ calling, connected }) => {
    ui.call.hidden = calling;
    ui.hangup.hidden = !calling;
    ui.mute.hidden = !connected;
    if (!calling) ui.sound.hidden = true;
  };
  const fail = (message) => {
    ui.error.textContent = message;
    ui.error.hidden = false;
  };

  const events = {
    onState: show,
    onConnected: () => controls({ calling: true, connected: true }),
    onAudioBlocked: (blocked) => {
      ui.sound.hidden = !blocked;
    },
    onEnded: (message, isError) => {
      controls({ calling: false, connected: false });
      ui.mute.setAttribute('aria-pressed', 'false');
      show(isError ? 'failed' : 'ended');
      if (message && isError) fail(message);
      else if (message) ui.status.textContent = message;
      ui.call.focus();
      call = null;
    },
  };

  ui.call.addEventListener('click', async () => {
    if (call) return;
    ui.error.hidden = true;
    transcript.clear();
    call = new Call({ tokenUrl, transcript, audioBox: $('audio'), events });
    const current = call;
    controls({ calling: true, connected: false });
    ui.hangup.focus();
    try {
      await current.start();
    } catch (error) {
      await current.end(error instanceof CallError ? error.message : ERRORS.unexpected, true);
    }
  });
  ui.hangup.addEventListener('click', () => call && call.end());
  ui.mute.addEventListener('click', async () => {
    if (!call) return;
    const muted = ui.mute.getAttribute('aria-pressed') !== 'true';
    await call.setMuted(muted);
    ui.mute.setAttribute('aria-pressed', String(muted));
  });
  ui.sound.addEventListener('click', () => {
    if (call) call.startAudio().then(() => (ui.sound.hidden = true));
  });
  show('idle');
}

if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
else start();
