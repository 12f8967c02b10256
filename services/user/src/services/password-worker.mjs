// Runs bcrypt off the main thread so a sign-in never stalls other requests.
import { parentPort } from 'node:worker_threads';
import bcrypt from 'bcryptjs';

parentPort.on('message', ({ id, op, input, hash, cost }) => {
  try {
    const result = op === 'hash' ? bcrypt.hashSync(input, cost) : bcrypt.compareSync(input, hash);
    parentPort.postMessage({ id, result });
  } catch (error) {
    parentPort.postMessage({ id, error: String(error?.message) });
  }
});
