import { ListenError, type ListenerRole } from '../proxy/server/listen.js';

/**
 * A listener that could not bind, with the option of this command that moves it: the message a newcomer needs
 * when port 7700 is taken (`... port 7700 is already in use ...; choose another port with --port P`).
 */
export function withListenHint(error: unknown, hints: Partial<Record<ListenerRole, string>>): unknown {
  if (!(error instanceof ListenError)) return error;
  const hint = hints[error.role];
  return hint === undefined ? error : new Error(`${error.message}; choose another port with ${hint}`);
}
