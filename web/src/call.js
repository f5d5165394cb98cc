// One call: microphone first, then a token, then the LiveKit room where Camille is dispatched.
import { createLocalAudioTrack, DisconnectReason, Room, RoomEvent, Track } from 'livekit-client';
import { ERRORS, LABELS, microphoneError } from './messages.js';
import { CallError, requestToken } from './token.js';
import { TRANSCRIPTION_TOPIC } from './transcript.js';

const AGENT_STATE = 'lk.agent.state';
const AGENT_WAIT_MS = 20000;
const AGENT_STATES = { initializing: 'waiting', idle: 'listening', listening: 'listening', thinking: 'thinking', speaking: 'speaking' };

export class Call {
  /** `events`: onState(state), onConnected(), onEnded(message, isError), onAudioBlocked(blocked); `audioBox` holds players. */
  constructor({ tokenUrl, transcript, audioBox, events }) {
    this.tokenUrl = tokenUrl;
    this.transcript = transcript;
    this.audioBox = audioBox;
    this.events = events;
    this.room = null;
    this.microphone = null;
    this.hungUp = false;
    this.connected = false;
    this.agentTimer = null;
  }

  /** Resolves once connected, or early (and quietly) when the caller hangs up meanwhile. */
  async start() {
    if (!navigator.mediaDevices || !window.isSecureContext) throw new CallError(ERRORS.insecurePage);
    this.events.onState('microphone');
    let microphone;
    try {
      microphone = await createLocalAudioTrack({ echoCancellation: true, noiseSuppression: true, autoGainControl: true });
    } catch (error) {
      throw new CallError(microphoneError(error));
    }
    if (this.hungUp) return microphone.stop();
    this.microphone = microphone;
    this.events.onState('connecting');
    const grant = await requestToken(this.tokenUrl);
    if (this.hungUp) return;
    const room = new Room({ adaptiveStream: false, dynacast: false, disconnectOnPageLeave: true });
    this.room = room;
    this.listen(room);
    try {
      await room.connect(grant.url, grant.token, { autoSubscribe: true });
    } catch {
      if (this.hungUp) return;
      throw new CallError(ERRORS.serverUnreachable);
    }
    if (this.hungUp) return room.disconnect();
    this.connected = true;
    await room.localParticipant.publishTrack(microphone, { source: Track.Source.Microphone });
    this.events.onState('waiting');
    this.events.onConnected();
    this.agentTimer = setTimeout(() => this.end(ERRORS.agentAbsent, true), AGENT_WAIT_MS);
    for (const participant of room.remoteParticipants.values()) this.agentSeen(participant);
  }

  listen(room) {
    room.registerTextStreamHandler(TRANSCRIPTION_TOPIC, (reader, sender) => {
      this.transcript.read(reader, sender.identity === room.localParticipant.identity);
    });
    room
      .on(RoomEvent.TrackSubscribed, (track) => {
        if (track.kind !== Track.Kind.Audio) return;
        const player = track.attach();
        player.dataset.participant = 'agent';
        this.audioBox.append(player);
      })
      .on(RoomEvent.TrackUnsubscribed, (track) => track.detach().forEach((element) => element.remove()))
      .on(RoomEvent.ParticipantConnected, (participant) => this.agentSeen(participant))
      .on(RoomEvent.ParticipantAttributesChanged, (_changed, participant) => this.agentSeen(participant))
      .on(RoomEvent.ParticipantDisconnected, (participant) => {
        if (participant.isAgent) this.end(LABELS.agentEnded, false);
      })
      .on(RoomEvent.AudioPlaybackStatusChanged, () => this.events.onAudioBlocked(!room.canPlaybackAudio))
      .on(RoomEvent.Disconnected, (reason) => {
        if (this.hungUp || !this.connected) return; // a failed connect() is reported by start()
        const byAgent = reason === DisconnectReason.ROOM_DELETED || reason === DisconnectReason.PARTICIPANT_REMOVED;
        this.end(byAgent ? LABELS.agentEnded : ERRORS.callDropped, !byAgent);
      });
  }

  agentSeen(participant) {
    if (!participant.isAgent) return;
    clearTimeout(this.agentTimer);
    const state = AGENT_STATES[participant.attributes[AGENT_STATE]] || 'listening';
    if (!this.hungUp) this.events.onState(state);
  }

  setMuted(muted) {
    if (!this.microphone) return Promise.resolve();
    return muted ? this.microphone.mute() : this.microphone.unmute();
  }

  startAudio() {
    return this.room ? this.room.startAudio() : Promise.resolve();
  }

  /** Hang up (or tidy up after a failure); `message` is what the caller reads afterwards. */
  async end(message = null, isError = false) {
    if (this.hungUp) return;
    this.hungUp = true;
    clearTimeout(this.agentTimer);
    this.transcript.settleAll();
    const room = this.room;
    this.room = null;
    if (room) await room.disconnect().catch(() => {});
    if (this.microphone) this.microphone.stop();
    this.microphone = null;
    this.audioBox.replaceChildren();
    this.events.onEnded(message, isError);
  }
}
