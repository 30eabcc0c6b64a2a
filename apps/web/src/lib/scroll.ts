/**
 * Brings an element into view on the next frame (after React has rendered it), gently unless motion
 * is reduced; `focusId` then moves the keyboard focus there too.
 */
export function scrollToId(id: string, focusId?: string): void {
  requestAnimationFrame(() => {
    const reduced = window.matchMedia?.('(prefers-reduced-motion: reduce)').matches ?? false;
    document.getElementById(id)?.scrollIntoView({ behavior: reduced ? 'auto' : 'smooth', block: 'start' });
    if (focusId) document.getElementById(focusId)?.focus({ preventScroll: true });
  });
}
