// Everything the page says, in French. Error texts tell the caller what happened and what to do next.
export const STATUS = {
  idle: 'Appuyez sur « Appeler » pour parler à Camille.',
  microphone: 'Autorisation du microphone…',
  connecting: 'Connexion…',
  waiting: 'Connexion… Camille arrive.',
  listening: 'Camille vous écoute.',
  thinking: 'Camille réfléchit…',
  speaking: 'Camille parle.',
  ended: 'Appel terminé.',
  failed: 'L’appel n’a pas pu aboutir.',
};

export const ERRORS = {
  microphoneDenied:
    'Vous avez refusé l’accès au microphone : Camille ne peut pas vous entendre. ' +
    'Autorisez le microphone pour ce site dans les réglages de votre navigateur, puis appuyez de nouveau sur « Appeler ».',
  microphoneMissing: 'Aucun microphone n’a été trouvé. Branchez-en un, puis appuyez de nouveau sur « Appeler ».',
  microphoneBusy:
    'Le microphone est déjà utilisé par une autre application. Fermez-la, puis appuyez de nouveau sur « Appeler ».',
  microphoneFailed: 'Le microphone n’a pas pu être ouvert. Vérifiez qu’il est branché et autorisé, puis réessayez.',
  insecurePage: 'Le microphone n’est disponible que sur une page sécurisée (adresse en https).',
  tokenUnreachable: 'Le service d’appel ne répond pas. Vérifiez votre connexion Internet et réessayez dans un instant.',
  tokenRefused: 'Cette page n’est pas autorisée à appeler le cabinet.',
  tokenRateLimited: (seconds) =>
    `Trop de tentatives d’appel depuis votre connexion. Réessayez dans ${seconds} seconde${seconds > 1 ? 's' : ''}.`,
  serverUnreachable:
    'Impossible de joindre le serveur d’appel. Vérifiez votre connexion Internet et réessayez ; ' +
    'si le problème continue, appelez le cabinet par téléphone.',
  agentAbsent: 'Camille ne répond pas pour le moment. Réessayez dans quelques minutes ou appelez le cabinet par téléphone.',
  callDropped: 'L’appel a été coupé. Appuyez sur « Appeler » pour rappeler.',
  unexpected: 'Une erreur inattendue a interrompu l’appel. Appuyez sur « Appeler » pour réessayer.',
};

export const LABELS = {
  caller: 'Vous',
  agent: 'Camille',
  agentEnded: 'Camille a terminé l’appel.',
};

/** The French message for a failed microphone request (DOMException names from getUserMedia). */
export function microphoneError(error) {
  switch (error && error.name) {
    case 'NotAllowedError':
    case 'PermissionDeniedError':
    case 'SecurityError':
      return ERRORS.microphoneDenied;
    case 'NotFoundError':
    case 'DevicesNotFoundError':
    case 'OverconstrainedError':
      return ERRORS.microphoneMissing;
    case 'NotReadableError':
    case 'TrackStartError':
    case 'AbortError':
      return ERRORS.microphoneBusy;
    default:
      return ERRORS.microphoneFailed;
  }
}
