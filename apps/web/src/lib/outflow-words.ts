import type {
  OutflowAction,
  OutflowActionKind,
  OutflowPermissions,
  OutflowTrigger,
} from '@mailroom/contracts';
import type { TFunction } from 'i18next';

/** Folders an inbox-level move may name (every mailbox has them; the server accepts only these). */
export const wellKnownFolders = ['archive', 'deleteditems', 'junkemail', 'inbox'] as const;

/** Outlook's preset colours as Outlook shows them (preset0 … preset24), for the swatch next to the name. */
export const categorySwatches: Record<string, string> = {
  none: 'transparent',
  preset0: '#d13438',
  preset1: '#ff8c00',
  preset2: '#8e562e',
  preset3: '#fce100',
  preset4: '#13a10e',
  preset5: '#00b7c3',
  preset6: '#8e8c3e',
  preset7: '#0078d4',
  preset8: '#8764b8',
  preset9: '#c30052',
  preset10: '#69797e',
  preset11: '#4a5459',
  preset12: '#8a8886',
  preset13: '#605e5c',
  preset14: '#201f1e',
  preset15: '#750b1c',
  preset16: '#ca5010',
  preset17: '#603d30',
  preset18: '#c19c00',
  preset19: '#0b6a0b',
  preset20: '#005b70',
  preset21: '#5c6324',
  preset22: '#004e8c',
  preset23: '#5c2e91',
  preset24: '#77004d',
};

/** "on approval", "on bounce"… */
export function triggerPhrase(t: TFunction, on: OutflowTrigger): string {
  return t(`outflow.on.${on}`);
}

/** The destination's name: the well-known ones in the reader's language. */
function folderName(t: TFunction, a: Extract<OutflowAction, { kind: 'move' }>): string {
  return (wellKnownFolders as readonly string[]).includes(a.destinationFolderId)
    ? t(`outflow.wellKnown.${a.destinationFolderId}`)
    : a.destinationName;
}

/** What the action does, not yet done: "Category “Claims”", "Forward to x@y", "Move to Archive". */
export function actionWhat(t: TFunction, a: OutflowAction): string {
  switch (a.kind) {
    case 'category':
      return t('outflow.what.category', { category: a.category });
    case 'forward':
      return t('outflow.what.forward', { to: a.to });
    case 'move':
      return t('outflow.what.move', { folder: folderName(t, a) });
  }
}

/** What the action did: "Category “Claims” set", "Forwarded to x@y", "Moved to Archive". */
export function actionDone(t: TFunction, a: OutflowAction): string {
  switch (a.kind) {
    case 'category':
      return t('outflow.done.category', { category: a.category });
    case 'forward':
      return t('outflow.done.forward', { to: a.to });
    case 'move':
      return t('outflow.done.move', { folder: folderName(t, a) });
  }
}

/** The kinds in `actions` that a connection may not run on one of the mailboxes (Save waits for them). */
export function blockedKinds(actions: OutflowAction[], mailboxes: OutflowPermissions[]): OutflowActionKind[] {
  return [...new Set(actions.map((a) => a.kind))].filter((k) =>
    mailboxes.some((p) => p.known && p.missing[k].length > 0),
  );
}
