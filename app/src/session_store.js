// The session kept across reloads, in IndexedDB: one record holding it as JSON (files,
// regions, corrections, reviewed marks) and each file's PDF as its own binary record,
// keyed by the PDF's SHA-256, stored as a Blob (the browser keeps its bytes aside; nothing
// is serialised on the page's thread; records of earlier versions are Uint8Arrays). A save writes the JSON and only the PDFs not stored yet, so
// keeping a session of large files does not encode them again on every change. Called
// from src/glue.rs.
const DB = 'zonal', SESSION = 'session', PDFS = 'pdfs', KEY = 'current';

function openDb() {
  return new Promise((resolve, reject) => {
    // Version 1 had the session store only, with the PDFs inside its JSON (still read).
    const req = indexedDB.open(DB, 2);
    req.onupgradeneeded = () => {
      for (const name of [SESSION, PDFS]) {
        if (!req.result.objectStoreNames.contains(name)) req.result.createObjectStore(name);
      }
    };
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error || new Error('IndexedDB is unavailable'));
  });
}

/** Runs `op(stores)` in one transaction over both stores; its result once committed. */
async function run(mode, op) {
  const db = await openDb();
  try {
    return await new Promise((resolve, reject) => {
      const tx = db.transaction([SESSION, PDFS], mode);
      let result;
      Promise.resolve(op(tx.objectStore(SESSION), tx.objectStore(PDFS))).then((r) => { result = r; }, reject);
      tx.oncomplete = () => resolve(result);
      tx.onerror = tx.onabort = () => reject(tx.error || new Error('the browser refused to store the session'));
    });
  } finally {
    db.close();
  }
}

/** A request's result. */
const done = (req) => new Promise((resolve, reject) => {
  req.onsuccess = () => resolve(req.result);
  req.onerror = () => reject(req.error);
});

/**
 * Stores the session `json` in place of the one before, the PDFs `add` ([sha256, Blob]
 * pairs), and forgets stored PDFs whose key is not in `keep`.
 */
export const sessionSave = (json, add, keep) => run('readwrite', async (session, pdfs) => {
  session.put(json, KEY);
  for (const [key, file] of add) pdfs.put(file, key);
  const wanted = new Set(keep);
  for (const key of await done(pdfs.getAllKeys())) {
    if (!wanted.has(key)) pdfs.delete(key);
  }
});

/** The stored session: `{json, pdfs: [[sha256, Uint8Array], …]}`, or null. */
export const sessionLoad = async () => {
  const stored = await run('readonly', async (session, pdfs) => {
    const json = await done(session.get(KEY));
    if (typeof json !== 'string') return null;
    const [keys, values] = await Promise.all([done(pdfs.getAllKeys()), done(pdfs.getAll())]);
    return { json, pdfs: keys.map((k, i) => [k, values[i]]) };
  });
  if (!stored) return null;
  // Read once the transaction is over: a Blob outlives it.
  stored.pdfs = await Promise.all(stored.pdfs.map(async ([k, v]) =>
    [k, v instanceof Blob ? new Uint8Array(await v.arrayBuffer()) : v]));
  return stored;
};

export const sessionClear = () => run('readwrite', (session, pdfs) => {
  session.delete(KEY);
  pdfs.clear();
});
