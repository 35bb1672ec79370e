// Zonal's service worker: keeps the app shell (index.html and the hashed JS, wasm and CSS
// it references) so that after one visit the app opens with no network at all. Documents
// never pass through here: the API (/api/…) and /metrics always go to the network.
//
// Navigations are network-first (a new deploy shows up at once) with the cached shell as
// the fallback; other same-origin GETs are cache-first, as their names carry a content
// hash. Whenever a fresh index.html arrives, assets it no longer references are dropped.
// Fonts and CMaps (assets/…) are cached as they are first fetched, in a cache of their own.
const CACHE = 'zonal-shell';
// Fonts and CMaps the app fetches on first use (assets/…): kept across deploys. Bump the
// version when wasm-core/assets/fonts or the CMaps (poppler-data) change.
const ASSETS = 'zonal-assets-1';
const SHELL = './';

function assetsOf(html) {
  const urls = new Set();
  for (const m of html.matchAll(/["'](\.{0,2}\/?[\w./-]+\.(?:js|wasm|css|webmanifest))["']/g)) {
    if (!m[1].endsWith('sw.js')) urls.add(new URL(m[1], self.registration.scope).href);
  }
  return [...urls];
}

// The engine worker's files (Trunk names a worker's files without a content hash): fetched
// again with every new index.html.
const ENGINE = ['engine_loader.js', 'engine.js', 'engine_bg.wasm'];

async function cacheShell(html) {
  const cache = await caches.open(CACHE);
  const assets = assetsOf(html);
  await Promise.all(assets.map(async (url) => {
    if (!(await cache.match(url))) await cache.add(url);
  }));
  const engine = ENGINE.map((f) => new URL(f, self.registration.scope).href);
  await Promise.all(engine.map(async (url) => {
    const res = await fetch(url, { cache: 'no-cache' });
    if (res.ok) await cache.put(url, res);
  }));
  assets.push(...engine);
  await cache.put(SHELL, new Response(html, { headers: { 'content-type': 'text/html; charset=utf-8' } }));
  const keep = new Set([...assets, new URL(SHELL, self.registration.scope).href]);
  for (const req of await cache.keys()) {
    if (!keep.has(req.url)) await cache.delete(req);
  }
}

self.addEventListener('install', (event) => {
  event.waitUntil((async () => {
    const res = await fetch(SHELL, { cache: 'no-store' });
    if (res.ok) await cacheShell(await res.text());
    await self.skipWaiting();
  })());
});

self.addEventListener('activate', (event) => {
  event.waitUntil((async () => {
    for (const name of await caches.keys()) {
      if (name !== CACHE && name !== ASSETS) await caches.delete(name);
    }
    await self.clients.claim();
  })());
});

self.addEventListener('fetch', (event) => {
  const req = event.request;
  const url = new URL(req.url);
  if (req.method !== 'GET' || url.origin !== self.location.origin
      || url.pathname.includes('/api/') || url.pathname.endsWith('/metrics')) {
    return; // the network, as if there were no service worker
  }
  if (req.mode === 'navigate') {
    event.respondWith((async () => {
      try {
        const res = await fetch(req);
        if (res.ok && (res.headers.get('content-type') || '').includes('text/html')) {
          const html = await res.clone().text();
          event.waitUntil(cacheShell(html).catch(() => {}));
        }
        return res;
      } catch {
        const cached = await caches.match(SHELL, { cacheName: CACHE });
        return cached || new Response('Zonal is offline and was never opened here before.', { status: 503 });
      }
    })());
    return;
  }
  if (url.pathname.includes('/assets/')) {
    event.respondWith((async () => {
      const cache = await caches.open(ASSETS);
      const cached = await cache.match(req);
      if (cached) return cached;
      const res = await fetch(req);
      // Never an error page or the app's HTML (a server without the file may send one).
      if (res.ok && !(res.headers.get('content-type') || '').includes('text/html')) {
        event.waitUntil(cache.put(req, res.clone()));
      }
      return res;
    })());
    return;
  }
  if (ENGINE.some((f) => url.pathname.endsWith(`/${f}`))) {
    // Unhashed: the network first (an engine matching the page's app), else the cache.
    event.respondWith(fetch(req).catch(async () =>
      (await caches.match(req, { cacheName: CACHE })) || Response.error()));
    return;
  }
  event.respondWith((async () => {
    const cached = await caches.match(req, { cacheName: CACHE });
    if (cached) return cached;
    const res = await fetch(req);
    if (res.ok && /\.(js|wasm|css|webmanifest)$/.test(url.pathname)) {
      const copy = res.clone();
      event.waitUntil(caches.open(CACHE).then((c) => c.put(req, copy)));
    }
    return res;
  })());
});
