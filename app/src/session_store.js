// The session kept across reloads: one IndexedDB record holding it as JSON (files with
// their PDFs, regions, corrections, reviewed marks). Called from src/glue.rs.
const DB = 'zonal', STORE = 'session', KEY = 'current';

function openDb() {
  return new Promise((resolve, reject) => {
    const req = indexedDB.open(DB, 1);
    req.onupgradeneeded = () => req.result.createObjectStore(STORE);
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error || new Error('IndexedDB is unavailable'));
  });
}

async function run(mode, op) {
  const db = await openDb();
  try {
    return await new Promise((resolve, reject) => {
      const tx = db.transaction(STORE, mode);
      const req = op(tx.objectStore(STORE));
      tx.oncomplete = () => resolve(req.result);
      tx.onerror = tx.onabort = () => reject(tx.error || new Error('the browser refused to store the session'));
    });
  } finally {
    db.close();
  }
}

export const sessionSave = (json) => run('readwrite', (s) => s.put(json, KEY)).then(() => undefined);
export const sessionLoad = () => run('readonly', (s) => s.get(KEY)).then((v) => (typeof v === 'string' ? v : null));
export const sessionClear = () => run('readwrite', (s) => s.delete(KEY)).then(() => undefined);
