/*
 * Read-modify-write of storage keys without lost updates.
 *
 * Navigation events, redirects and message handlers run concurrently in the
 * worker, and storage calls are asynchronous, so two handlers that read the
 * same key and write it back would drop one change. Every update of a key
 * goes through one promise chain per key. Only the background writes these
 * keys, and it runs as a single instance, so an in-memory chain is enough.
 */
import { webext } from "./webext.js";

const chains = new Map();

/**
 * Applies `change(oldValue)` to one key and stores what it returns; returning
 * `undefined` removes the key. Resolves to the new value.
 */
export function update(areaName, key, change) {
  const area = webext.storage[areaName];
  const chainKey = `${areaName}\u0000${key}`;
  const run = async () => {
    const { [key]: oldValue } = await area.get(key);
    const newValue = await change(oldValue);
    if (newValue === undefined) {
      await area.remove(key);
    } else {
      await area.set({ [key]: newValue });
    }
    return newValue;
  };
  const result = (chains.get(chainKey) ?? Promise.resolve()).then(run);
  // The chain must go on after a failed update, and must not keep settled
  // promises alive forever.
  const tail = result.catch(() => {});
  chains.set(chainKey, tail);
  tail.then(() => {
    if (chains.get(chainKey) === tail) {
      chains.delete(chainKey);
    }
  });
  return result;
}

export async function get(areaName, key) {
  const { [key]: value } = await webext.storage[areaName].get(key);
  return value;
}

/** Every key of an area that starts with `prefix`, as [key, value] pairs. */
export async function entries(areaName, prefix) {
  const all = await webext.storage[areaName].get(null);
  return Object.entries(all).filter(([key]) => key.startsWith(prefix));
}

/** Whether `id` is on the list kept under `listKey` (an object used as a set). */
export async function isListed(areaName, listKey, id) {
  return Object.hasOwn((await get(areaName, listKey)) ?? {}, id);
}

/** Puts `id` on the list kept under `listKey`, or takes it off. */
export function setListed(areaName, listKey, id, listed) {
  return update(areaName, listKey, (list = {}) => {
    const next = { ...list };
    if (listed) {
      next[id] = true;
    } else {
      delete next[id];
    }
    return next;
  });
}
