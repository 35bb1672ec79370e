// A stand-in for Google's Gemini API on loopback, for the browser tests (nothing here
// reaches the internet). It speaks `POST /v1beta/models/{model}:generateContent` as
// documented: the key in `x-goog-api-key` (400 API_KEY_INVALID otherwise), a JSON
// `responseSchema`, and a reply whose candidate text is the invoice JSON. Its "model" is
// a few regular expressions over the prompt: it finds an invoice number and a total, and
// takes the first line as the vendor; dates it leaves null. `GET /seen` tells how many
// requests carried the right key.
import http from 'node:http';

const port = Number(process.argv[2] ?? 18082);
const key = process.env.GEMINI_API_KEY ?? '';
let seen = 0;

function read(text) {
  const lines = text.split('\n').map((l) => l.trim()).filter(Boolean);
  const number = text.match(/(?:invoice|factuur|bill)\s*(?:number|no\.?|nr\.?|#)?\s*[:#]?\s*([A-Z]{2,}[0-9][A-Z0-9-]*)/i)
    ?? text.match(/\b([A-Z]{3,}[0-9]{3,})\b/);
  const total = text.match(/total[^0-9\n]*([0-9][0-9.,]*)/i);
  return {
    invoiceNumber: number ? number[1] : null,
    invoiceDate: null,
    dueDate: null,
    vendorName: lines[0] ? lines[0].replace(/^[^:]*:\s*/, '').slice(0, 60) : null,
    currency: /₹|INR|Rs\.?/.test(text) ? 'INR' : /€|EUR/.test(text) ? 'EUR' : null,
    subtotal: null,
    tax: null,
    total: total ? total[1].replace(/,/g, '') : null,
    lineItems: [],
  };
}

http.createServer((req, res) => {
  const send = (status, body) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  };
  if (req.method === 'GET' && req.url === '/seen') return send(200, { seen });
  const m = req.url.match(/^\/v1beta\/models\/([^/:]+):generateContent$/);
  if (req.method !== 'POST' || !m) return send(404, { error: { code: 404, message: 'Not found', status: 'NOT_FOUND' } });
  let body = '';
  req.on('data', (c) => { body += c; });
  req.on('end', () => {
    if (!key || req.headers['x-goog-api-key'] !== key) {
      return send(400, { error: { code: 400, message: 'API key not valid. Please pass a valid API key.', status: 'INVALID_ARGUMENT' } });
    }
    seen += 1;
    let b;
    try { b = JSON.parse(body); } catch { return send(400, { error: { code: 400, message: 'Invalid JSON payload received.', status: 'INVALID_ARGUMENT' } }); }
    const schema = b?.generationConfig?.responseSchema;
    if (b?.generationConfig?.responseMimeType !== 'application/json' || schema?.type !== 'OBJECT') {
      return send(400, { error: { code: 400, message: 'responseSchema is required with responseMimeType application/json', status: 'INVALID_ARGUMENT' } });
    }
    const text = (b.contents ?? []).flatMap((c) => c.parts ?? []).map((p) => p.text ?? '').join('\n');
    send(200, {
      candidates: [{ content: { role: 'model', parts: [{ text: JSON.stringify(read(text)) }] }, finishReason: 'STOP', index: 0 }],
      usageMetadata: { promptTokenCount: text.length >> 2, candidatesTokenCount: 60 },
      modelVersion: m[1],
    });
  });
}).listen(port, '127.0.0.1');
