// Waiting for a recorded event: shared by the peer processes (peers.mjs) and hybi's in-process server (server-app.mjs).

/**
 * Resolves with the first event in `events` for connection `id` of `type`, checking again whenever the recorder
 * calls every function in `waiters`; rejects after `ms` naming `who`.
 */
export function waitEvent(events, waiters, id, type, ms, who) {
  return new Promise((resolve, reject) => {
    const check = () => {
      const ev = events.find((e) => e.id === id && e.event === type);
      if (!ev) return false;
      waiters.delete(check);
      clearTimeout(t);
      resolve(ev);
      return true;
    };
    const t = setTimeout(() => {
      waiters.delete(check);
      reject(new Error(`${who}: no ${type} event for ${id} within ${ms} ms`));
    }, ms);
    if (!check()) waiters.add(check);
  });
}
