// One churn cycle on a bare TCP socket: HTTP upgrade, wait until the session
// exists, closing handshake, TCP close. Written by hand because `ws`'s client
// (http.request, key check, per-socket objects) costs more CPU than the servers'
// side of the same cycle and would make the load generator, not the server,
// the bottleneck. The bytes on the wire are what a browser sends.
import net from 'node:net';

const KEY = 'dGhlIHNhbXBsZSBub25jZQ=='; // any 16-byte base64 value is valid
// Masked client frames (mask key 0 is legal and leaves the payload as is).
const CLOSE_1000 = Buffer.from([0x88, 0x82, 0, 0, 0, 0, 0x03, 0xe8]);
const SIO_CONNECT = Buffer.from([0x81, 0x82, 0, 0, 0, 0, 0x34, 0x30]); // "40"

/**
 * Resolves when the cycle completes, rejects on any failure or after
 * `timeoutMs`. `ready` says when the session exists: the upgrade for the floor,
 * the first frame (session.welcome) for session-tracker, the "40" answer for
 * socket.io (after sending "40" on the engine.io open packet).
 */
export function rawCycle(kind, target, localAddress, timeoutMs = 10_000) {
  return new Promise((resolve, reject) => {
    const sock = net.connect({ host: target.hostname, port: Number(target.port), localAddress });
    let buf = Buffer.alloc(0);
    let upgraded = false;
    let closing = false;
    let settled = false;
    const timer = setTimeout(() => fail(new Error('cycle timeout')), timeoutMs);
    function fail(err) {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      sock.destroy();
      reject(err);
    }
    const startClose = () => {
      closing = true;
      sock.write(CLOSE_1000);
    };
    sock.setNoDelay(true);
    sock.on('connect', () => {
      sock.write(
        `GET ${target.pathname}${target.search} HTTP/1.1\r\nHost: ${target.host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
          `Sec-WebSocket-Key: ${KEY}\r\nSec-WebSocket-Version: 13\r\nUser-Agent: session-tracker-bench/1.0\r\n\r\n`,
      );
    });
    sock.on('data', (chunk) => {
      buf = buf.length ? Buffer.concat([buf, chunk]) : chunk;
      if (!upgraded) {
        const end = buf.indexOf('\r\n\r\n');
        if (end < 0) return;
        if (!buf.subarray(0, 13).toString().startsWith('HTTP/1.1 101')) return fail(new Error(`upgrade refused: ${buf.subarray(0, 40)}`));
        upgraded = true;
        buf = buf.subarray(end + 4);
        if (kind === 'bare') startClose();
      }
      // Server frames are unmasked; only short ones matter here.
      while (buf.length >= 2) {
        let len = buf[1] & 0x7f;
        let off = 2;
        if (len === 126) {
          if (buf.length < 4) return;
          len = buf.readUInt16BE(2);
          off = 4;
        } else if (len === 127) {
          if (buf.length < 10) return;
          len = Number(buf.readBigUInt64BE(2));
          off = 10;
        }
        if (buf.length < off + len) return;
        const opcode = buf[0] & 0x0f;
        const payload = buf.subarray(off, off + len);
        buf = buf.subarray(off + len);
        if (opcode === 0x8) {
          // Closing handshake done. The server closes TCP first (RFC 6455 7.1.1), so
          // TIME_WAIT stays on its side and not on the load's ephemeral ports; its
          // FIN ends this socket too (allowHalfOpen is off).
        } else if (opcode === 0x1 && !closing) {
          if (kind === 'st') startClose();
          else if (kind === 'sio') {
            if (payload[0] === 0x30)
              sock.write(SIO_CONNECT); // engine.io open -> socket.io connect
            else if (payload[0] === 0x34 && payload[1] === 0x30) startClose(); // "40": connected
          }
        }
      }
    });
    sock.on('error', fail);
    sock.on('close', () => {
      if (settled) return;
      if (!closing) return fail(new Error('closed by the server before the session opened'));
      settled = true;
      clearTimeout(timer);
      resolve();
    });
  });
}

/** A masked client text frame (mask key 0: the payload goes as is) for short JSON. */
function clientText(text) {
  const payload = Buffer.from(text);
  const len = payload.length;
  const head = len < 126 ? Buffer.from([0x81, 0x80 | len, 0, 0, 0, 0]) : Buffer.from([0x81, 0x80 | 126, len >> 8, len & 0xff, 0, 0, 0, 0]);
  return Buffer.concat([head, payload]);
}

/**
 * One soak cycle against session-tracker on a bare TCP socket, ending one of
 * several ways (what real clients do):
 *   clean   welcome, closing handshake, TCP close (the server closes TCP first)
 *   page    welcome, page.open request, its answer, then (odd `seq`) a
 *           page.close request and its answer, closing handshake
 *   reset   welcome, then a TCP reset (RST), no close frame
 *   drop    welcome, then a TCP close (FIN) with no close frame
 *   resume  like clean, connecting with `resume` (an earlier session's token)
 * Resolves with the welcome's `{sessionId, resumeToken, resumed}`; rejects on
 * any failure or after `timeoutMs`.
 */
export function rawSoakCycle(target, localAddress, { mode = 'clean', resume, seq = 0, timeoutMs = 10_000 } = {}) {
  return new Promise((resolve, reject) => {
    const sock = net.connect({ host: target.hostname, port: Number(target.port), localAddress });
    let buf = Buffer.alloc(0);
    let upgraded = false;
    let closing = false;
    let settled = false;
    let welcome;
    let step = 0; // page mode: answers received so far
    const timer = setTimeout(() => fail(new Error(`${mode} cycle timeout`)), timeoutMs);
    function fail(err) {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      sock.destroy();
      reject(err);
    }
    function done() {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(welcome);
    }
    const startClose = () => {
      closing = true;
      sock.write(CLOSE_1000);
    };
    const search = resume ? `${target.search}${target.search ? '&' : '?'}resume=${encodeURIComponent(resume)}` : target.search;
    sock.setNoDelay(true);
    sock.on('connect', () => {
      sock.write(
        `GET ${target.pathname}${search} HTTP/1.1\r\nHost: ${target.host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
          `Sec-WebSocket-Key: ${KEY}\r\nSec-WebSocket-Version: 13\r\nUser-Agent: session-tracker-soak/1.0\r\n\r\n`,
      );
    });
    const onText = (text) => {
      if (!welcome) {
        const msg = JSON.parse(text);
        if (msg.method !== 'session.welcome') return fail(new Error(`first frame is not session.welcome: ${text.slice(0, 80)}`));
        welcome = msg.params;
        if (mode === 'reset') {
          sock.resetAndDestroy();
          return done();
        }
        if (mode === 'drop') {
          sock.destroy();
          return done();
        }
        if (mode === 'page')
          return sock.write(
            clientText(
              `{"jsonrpc":"2.0","id":1,"method":"page.open","params":{"pageId":"p${seq % 7}","path":"/soak/${seq % 13}","title":"Soak"}}`,
            ),
          );
        return startClose();
      }
      if (mode !== 'page') return undefined;
      const msg = JSON.parse(text);
      if (msg.error) return fail(new Error(`page cycle: error ${msg.error.code} ${msg.error.message}`));
      step++;
      if (step === 1 && seq % 2 === 1)
        return sock.write(clientText(`{"jsonrpc":"2.0","id":2,"method":"page.close","params":{"pageId":"p${seq % 7}"}}`));
      return startClose();
    };
    sock.on('data', (chunk) => {
      if (settled) return;
      buf = buf.length ? Buffer.concat([buf, chunk]) : chunk;
      if (!upgraded) {
        const end = buf.indexOf('\r\n\r\n');
        if (end < 0) return;
        if (!buf.subarray(0, 13).toString().startsWith('HTTP/1.1 101')) return fail(new Error(`upgrade refused: ${buf.subarray(0, 40)}`));
        upgraded = true;
        buf = buf.subarray(end + 4);
      }
      while (buf.length >= 2 && !settled) {
        let len = buf[1] & 0x7f;
        let off = 2;
        if (len === 126) {
          if (buf.length < 4) return;
          len = buf.readUInt16BE(2);
          off = 4;
        } else if (len === 127) {
          if (buf.length < 10) return;
          len = Number(buf.readBigUInt64BE(2));
          off = 10;
        }
        if (buf.length < off + len) return;
        const opcode = buf[0] & 0x0f;
        const payload = buf.subarray(off, off + len);
        buf = buf.subarray(off + len);
        if (opcode === 0x1 && !closing) onText(payload.toString('utf8'));
        else if (opcode === 0x8 && !closing)
          return fail(new Error(`closed by the server (${len >= 2 ? payload.readUInt16BE(0) : 'no code'})`));
        // Ping frames (heartbeat) are not answered: a cycle lasts far less than two intervals.
      }
    });
    sock.on('error', (err) => {
      if (!settled) fail(err);
    });
    sock.on('close', () => {
      if (settled) return;
      if (!closing) return fail(new Error('closed by the server before the session opened'));
      done();
    });
  });
}
