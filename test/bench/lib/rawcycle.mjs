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
            if (payload[0] === 0x30) sock.write(SIO_CONNECT); // engine.io open -> socket.io connect
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
