// A stand-in for Google Cloud Vision's `POST /v1/images:annotate` on loopback, for the
// browser test of server processing (nothing here reaches the internet). It answers as
// documented — `responses[].fullTextAnnotation` with pages → blocks → paragraphs → words →
// symbols and pixel bounding boxes — a receipt's two lines, "TOTAL 12.34" and
// "24/12/2018" (not what the test's receipt says, so its results are told apart). The first FAIL_FIRST requests (default 1) get a 503 UNAVAILABLE, as a
// Vision outage would, so a job fails and is retried. `GET /seen` counts requests.
import http from 'node:http';

const port = Number(process.argv[2] ?? 18083);
let failLeft = Number(process.env.FAIL_FIRST ?? 1);
let seen = 0;

const word = (text, x, y) => ({
  boundingBox: { vertices: [{ x, y }, { x: x + 30 * text.length, y }, { x: x + 30 * text.length, y: y + 40 }, { x, y: y + 40 }] },
  symbols: [...text].map((c) => ({ text: c })),
  confidence: 0.97,
});
const annotation = {
  text: 'TOTAL 12.34\n24/12/2018\n',
  pages: [{ blocks: [{ paragraphs: [
    { words: [word('TOTAL', 60, 400), word('12.34', 500, 400)] },
    { words: [word('24/12/2018', 60, 300)] },
  ] }] }],
};

http.createServer((req, res) => {
  if (req.method === 'GET' && req.url === '/seen') {
    res.writeHead(200, { 'content-type': 'application/json' });
    return res.end(JSON.stringify({ seen }));
  }
  let body = '';
  req.on('data', (c) => { body += c; });
  req.on('end', () => {
    if (req.method !== 'POST' || !req.url.startsWith('/v1/images:annotate')) {
      res.writeHead(404, { 'content-type': 'application/json' });
      return res.end(JSON.stringify({ error: { code: 404, message: 'Not found', status: 'NOT_FOUND' } }));
    }
    seen += 1;
    if (failLeft > 0) {
      failLeft -= 1;
      res.writeHead(503, { 'content-type': 'application/json' });
      return res.end(JSON.stringify({ error: { code: 503, message: 'The service is currently unavailable.', status: 'UNAVAILABLE' } }));
    }
    const n = (JSON.parse(body).requests ?? []).length || 1;
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ responses: Array.from({ length: n }, () => ({ fullTextAnnotation: annotation })) }));
  });
}).listen(port, '127.0.0.1');
