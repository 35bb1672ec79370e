// A job's Server-Sent Events (`GET /api/jobs/{id}/events`) read through fetch, since
// EventSource cannot send the X-Session-Id header the relay asks for. Called from
// src/glue.rs: `onEvent(name, data)` for every event; resolves when the stream ends.
export async function watchEvents(url, sessionId, onEvent) {
  const res = await fetch(url, { headers: { 'X-Session-Id': sessionId, accept: 'text/event-stream' } });
  if (!res.ok) {
    let message = `the relay answered ${res.status}`;
    try { message = (await res.json()).error || message; } catch {}
    throw new Error(message);
  }
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += value.replace(/\r\n/g, '\n');
    let end;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      let name = 'message';
      const data = [];
      for (const line of block.split('\n')) {
        if (line.startsWith('event:')) name = line.slice(6).trim();
        else if (line.startsWith('data:')) data.push(line.slice(5).replace(/^ /, ''));
      }
      if (data.length) onEvent(name, data.join('\n'));
    }
  }
}
